export * from './expect.js';
export * from './ladder.js';
export { buildProgram, EXIT_FAILED, EXIT_OK, EXIT_USAGE, main } from './main.js';
export * from './mermaid.js';
export * from './run.js';
export * from './scenarios.js';
export * from './schema.js';
