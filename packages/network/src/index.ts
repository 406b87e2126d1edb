// @synack/network: endpoints run against each other over a simulated network (README.md).
// Everything not listed here is internal; the package's own tests import it by relative path.

export type { EndpointBuilder, RunSettings, ScenarioBuilder } from './builder.js';
export { simulation } from './builder.js';
export { checkSimulationConfig } from './config-checks.js';
export type { ConnectionReport, EndpointReport, SerializedInspection } from './endpoint.js';
export { expandGroups } from './groups.js';
export type { CapturePoint, PcapAt } from './pcap.js';
export { captureFiles, PCAP_AT, PcapCapture, PcapWriter, writePcapFile } from './pcap.js';
export { PcapFileError } from './pcap-file.js';
export type { ThreadsOption } from './placement.js';
export { deriveSeed } from './prng.js';
export type {
  AppAction,
  BurstLossModel,
  DelayDistribution,
  EndpointConfig,
  EndpointGroup,
  FaultAction,
  FaultModel,
  NetworkConfig,
  PacketMatcher,
  RawSegment,
  Reaction,
  SimulationConfig,
  TargetedFault,
  Topology,
} from './schema.js';
export { endpointAddresses, LIMITS, simulationConfigObject } from './schema.js';
export type { RunOptions, RunResult } from './simulation.js';
export { DEFAULT_MAX_TIME, defaultMaxTime, runSimulation } from './simulation.js';
export type { SummaryEvent } from './summary.js';
export { parseJsonLines, toJsonLine, toJsonLines } from './trace.js';
export type { RunStats } from './trace-recorder.js';
export type { DropReason, Packet, TraceEvent } from './types.js';
export { ConfigError, firstProblem, simulationConfigSchema, validateSimulationConfig } from './validate.js';
export { canLosePackets } from './warnings.js';
export { liveWorkerCount, WorkerPool } from './worker-pool.js';
