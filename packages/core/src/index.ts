// @synack/core — the public API. Internals for tools and tests: '@synack/core/internal'.

// Time, profiles, segments, sequence numbers, ISNs, cookies
export { type Timer, type TimerHandle, VirtualClock } from './clock.js';
export {
  type ConnectionHandle,
  type ConnectionHooks,
  createConnection,
  type EngineKind,
  type EngineOptions,
} from './engine.js';
export { type HashKey, keyFromSeed, splitmix32 } from './hash.js';
// Hosts and listeners
export {
  type FinalConnection,
  Host,
  type HostEvents,
  type HostOptions,
  isListenerConn,
  type ListenerStats,
  type ListenOptions,
  listenerConnId,
  type OccupancySample,
} from './host.js';
export { clockIsn, type IsnPolicy, rfc6528Isn } from './isn.js';
export { createListenerActor, type ListenerActor, type ListenerEvent, listenerMachine } from './listener.js';
// The statechart
export {
  type ConnectionActor,
  type ConnectionEvent,
  type ConnectionInput,
  type ConnectionMachine,
  type ConnectionSnapshot,
  connectionMachine,
  connectionState,
} from './machine/machine.js';
export {
  CLOSING_STATES,
  isSynchronized,
  isTcpState,
  OPEN_STATES,
  SEND_ACCEPTING_STATES,
  SYNCHRONIZED_STATES,
  type SynchronizedState,
  TCP_STATES,
  type TcpState,
  tcpStateOf,
} from './machine/states.js';
export {
  connectTimeout,
  getProfile,
  halfOpenLifetime,
  linuxProfile,
  PROFILE_SOCKET_OPTIONS,
  type Profile,
  type ProfileName,
  type ProfileSocketOptions,
  profiles,
  rfc9293Profile,
  synackTimeout,
  synRetransmissions,
  synTimeout,
  worstCaseLifetime,
} from './profiles.js';
export {
  describeSegment,
  FLAG_NAMES,
  Flag,
  type FlagName,
  flagLabel,
  flagNames,
  flagsFromNames,
  hasFlag,
  payloadLength,
  type SackBlock,
  type Segment,
  type SocketAddress,
  segmentEnd,
  segmentLength,
  type TimestampOption,
  type TraceOptions,
  type TraceSegment,
  toTraceSegment,
} from './segment.js';
export {
  SEQ_MODULUS,
  seq32,
  seqAdd,
  seqDiff,
  seqGe,
  seqGt,
  seqInRange,
  seqLe,
  seqLt,
  seqMax,
  seqMin,
} from './seq.js';
export {
  type CookieCheck,
  type CookieLayout,
  type CookieOptions,
  type CookieTuple,
  checkCookie,
  checkLinuxCookie,
  cookieTsval,
  decodeCookieTsecr,
  type LinuxCookieSecrets,
  linuxCookieSecrets,
  makeCookie,
  makeLinuxCookie,
} from './syncookies.js';
export { armedTimers } from './tcb/armed-timers.js';
export { MODEL_RTO_BASE, modelTimeout } from './tcb/give-up.js';
// The TCB and what a connection emits
export type { RttEstimator } from './tcb/rtt.js';
export { resetForClosed } from './tcb/segment-arrives.js';
export {
  type CloseReason,
  type CongestionSnapshot,
  type CongestionStateName,
  CongestionStates,
  type ConnectionOutput,
  DEFAULT_MSS,
  INFINITE_SSTHRESH,
  type RetransmitCause,
  type RetransmitKind,
  RetransmitKinds,
  type SocketOptions,
  type Tcb,
  type TcpEvent,
  type TcpEventType,
} from './tcb/tcb.js';
