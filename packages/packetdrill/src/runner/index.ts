export { type RunOptions, type RunReport, runScript } from './run.js';
