export * from './types.js';
export * from './scenario.js';
export * from './prng.js';
export * from './faults.js';
export * from './endpoint.js';
export * from './simulation.js';
export * from './trace.js';
export * from './pcap.js';
export type { FromWorker, ToWorker } from './protocol.js';
