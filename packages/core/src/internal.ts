// @synack/core/internal — the pieces behind the public API, for tools and tests that check them
// (engine equivalence, rule-level tests). Not a stable interface.

export { halfSipHash } from './hash.js';
export {
  applyClosedEntry,
  applyStepEffects,
  type EffectSink,
  TIME_WAIT_EXPIRY,
  TIMERS,
  type TimerId,
} from './machine/effects.js';
export { type EdgeGuard, guardHolds } from './machine/machine.js';
export {
  EVENT_TYPES,
  selectTransition,
  TableConnection,
  type TableTransition,
  TRANSITION_TABLE,
} from './machine/table-engine.js';
export {
  COOKIE_MAX_AGE,
  COOKIE_MSS_TABLE,
  COOKIE_SLOT_MS,
  cookieMssIndex,
  cookieSlot,
} from './syncookies.js';
export { step } from './tcb/process.js';
export { backOffRto, initialRtt, sampleRtt, withRto } from './tcb/rtt.js';
export { segmentAcceptable } from './tcb/segment-arrives.js';
export { Step, type StepResult, type TimerOp } from './tcb/step.js';
export { createTcb, receiveWindow, type TcbInit } from './tcb/tcb.js';
