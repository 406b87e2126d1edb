/**
 * @synack/cli: the `synack` command (`main`), and what it is made of for programs that run
 * scenarios themselves: resolve and run a scenario, check its expectations, draw its trace as a
 * ladder or a Mermaid diagram, narrate it, sweep it over a grid of network settings.
 */

export type { CountRange, ExpectationResult, Expectations } from './expect.js';
export { checkExpectations } from './expect.js';
export type { Lang } from './explain/index.js';
export { explainAnnotator } from './explain/index.js';
export type { LadderOptions } from './ladder.js';
export { renderLadder } from './ladder.js';
export { buildProgram, EXIT_FAILED, EXIT_OK, EXIT_USAGE, main } from './main.js';
export type { MermaidOptions } from './mermaid.js';
export { renderMermaid } from './mermaid.js';
export type { Output, RunFlags, RunOutcome } from './run.js';
export { buildConfig, resolveScenario, runScenario } from './run.js';
export type { Scenario } from './scenarios.js';
export { DEFAULT_SCENARIO, findScenario, SCENARIOS } from './scenarios.js';
export { InputError, loadScenarioFile, validateScenario } from './schema.js';
export type {
  Direction,
  Executor,
  GridSpec,
  JobPlan,
  PointSummary,
  SweepJob,
  SweepOptions,
  SweepPoint,
  SweepResult,
  SweepRow,
} from './sweep/index.js';
export { expandGrid, LocalExecutor, planJobs, runJob, runSweep, summarize } from './sweep/index.js';
