export * from './endpoint.js';
export * from './faults.js';
export * from './pcap.js';
export * from './prng.js';
export type { FromWorker, ToWorker } from './protocol.js';
export * from './scenario.js';
export * from './simulation.js';
export * from './trace.js';
export * from './types.js';
