export * from './expect.js';
export * from './ladder.js';
export * from './mermaid.js';
export * from './run.js';
export * from './scenarios.js';
export * from './schema.js';
export { buildProgram, main, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './main.js';
