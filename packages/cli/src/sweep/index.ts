/** `synack sweep`: parameter sweeps over scenarios (see README, "Sweeps"). */
export * from './command.js';
export * from './direction.js';
export * from './executor.js';
export * from './grid.js';
export * from './job.js';
export * from './metrics.js';
export * from './model.js';
export * from './plots.js';
export * from './progress.js';
export * from './stats.js';
export * from './summary.js';
