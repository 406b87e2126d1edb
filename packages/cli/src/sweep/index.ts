/**
 * `synack sweep` for programs (see README, "Sweeps"): `runSweep` does what the command does;
 * `expandGrid`, `planJobs`, an `Executor` and `summarize` are its pieces, for running the jobs
 * elsewhere. Everything else in this folder is internal to the command.
 */
export type { SweepResult } from './command.js';
export { registerSweep, runSweep } from './command.js';
export type { Direction } from './direction.js';
export type { Executor, ExecutorRunOptions } from './executor.js';
export { LocalExecutor } from './executor.js';
export type { GridSpec, PointSettings, SweepPoint } from './grid.js';
export { expandGrid, msListArg, probabilityListArg, profileListArg } from './grid.js';
export type { JobPlan, RunJobOptions, SweepJob, SweepRow } from './job.js';
export { planJobs, runJob } from './job.js';
export type { Criterion } from './metrics.js';
export type { SweepOptions } from './plan.js';
export type { PointSummary, Quantiles } from './summary.js';
export { summarize } from './summary.js';
