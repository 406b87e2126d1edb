/**
 * The effects of one processing step — timer operations and emitted outputs —
 * in one place, so both interpreters (the XState machine and the table
 * engine) perform exactly the same operations in the same order.
 */
import { delayedAckDelay } from '../tcb/ack-policy.js';
import type { StepResult } from '../tcb/step.js';
import type { CloseReason, ConnectionOutput, Tcb, TcpEvent } from '../tcb/tcb.js';

/** The connection's timers, by the ids the machine schedules them under. */
export const TIMERS = {
  /** Retransmission (and persist) timer, RFC 6298. */
  rto: 'rto',
  /** Delayed-ACK timer, RFC 9293 §3.8.6.3. */
  delayedAck: 'delayed-ack',
  /** FIN_WAIT_2 timer of a closed connection (Linux tcp_fin_timeout). */
  finWait2: 'fin-wait-2',
  /** Tail loss probe timer, RFC 8985 §7 (profile.rack). */
  lossProbe: 'loss-probe',
  /** RACK reordering timer, RFC 8985 §6.3 (profile.rack). */
  rackReorder: 'rack-reorder',
  /** Keepalive timer, RFC 1122 §4.2.3.6 (profile.keepalive, per connection by SET_SOCKET_OPTIONS). */
  keepalive: 'keepalive',
} as const;

export type TimerId = (typeof TIMERS)[keyof typeof TIMERS];

/** Where effects go: XState's enqueue (machine.ts) or the table engine's clock. */
export interface EffectSink {
  cancel(timer: TimerId): void;
  /** Schedules `event` after `delay` ms under the timer id (replacing nothing: cancel first). */
  start(timer: TimerId, delay: number, event: TcpEvent): void;
  emit(output: ConnectionOutput): void;
}

/** The transition's own effects: timers as the rules decided, then the outputs in order. */
export function applyStepEffects(result: StepResult, now: number, sink: EffectSink): void {
  if (result.rtoTimer) {
    sink.cancel(TIMERS.rto);
    if (result.rtoTimer === 'restart') {
      const delay = result.rtoDelay ?? result.tcb.rtt.rto;
      sink.start(TIMERS.rto, delay, { type: 'RTO_TIMEOUT', now: now + delay });
    }
  }
  if (result.ackTimer) {
    sink.cancel(TIMERS.delayedAck);
    if (result.ackTimer === 'restart') {
      const delay = delayedAckDelay(result.tcb);
      sink.start(TIMERS.delayedAck, delay, { type: 'DELAYED_ACK_TIMEOUT', now: now + delay });
    }
  }
  if (result.finWait2Timer) {
    sink.cancel(TIMERS.finWait2);
    if (result.finWait2Timer === 'restart') {
      const delay = result.tcb.profile.finWait2Timeout;
      sink.start(TIMERS.finWait2, delay, { type: 'FIN_WAIT_2_TIMEOUT', now: now + delay });
    }
  }
  if (result.probeTimer) {
    sink.cancel(TIMERS.lossProbe);
    if (result.probeTimer === 'restart') {
      const delay = result.tcb.loss.probeDelay;
      sink.start(TIMERS.lossProbe, delay, { type: 'TLP_TIMEOUT', now: now + delay });
    }
  }
  if (result.reorderTimer) {
    sink.cancel(TIMERS.rackReorder);
    if (result.reorderTimer === 'restart') {
      const delay = result.tcb.loss.reorderDelay;
      sink.start(TIMERS.rackReorder, delay, { type: 'RACK_REORDER_TIMEOUT', now: now + delay });
    }
  }
  if (result.keepaliveTimer) {
    sink.cancel(TIMERS.keepalive);
    if (result.keepaliveTimer === 'restart') {
      const delay = result.tcb.keepaliveDelay;
      sink.start(TIMERS.keepalive, delay, { type: 'KEEPALIVE_TIMEOUT', now: now + delay });
    }
  }
  for (const output of result.out) sink.emit(output);
}

/** Entering CLOSED: no timer survives, and an opened connection tells its user why it closed. */
export function applyClosedEntry(tcb: Tcb, sink: EffectSink): void {
  sink.cancel(TIMERS.rto);
  sink.cancel(TIMERS.delayedAck);
  if (tcb.profile.finWait2Timeout > 0) sink.cancel(TIMERS.finWait2);
  if (tcb.profile.keepalive) sink.cancel(TIMERS.keepalive);
  if (tcb.profile.rack) {
    sink.cancel(TIMERS.lossProbe);
    sink.cancel(TIMERS.rackReorder);
  }
  if (tcb.opened) sink.emit({ type: 'closed', reason: tcb.closeReason ?? 'normal' });
}

/** The TCB after the TIME_WAIT timer expired (RFC 9293 §3.10.8 "Time-Wait Timeout"). */
export const TIME_WAIT_EXPIRY: { closeReason: CloseReason; state: 'CLOSED' } = {
  closeReason: 'normal',
  state: 'CLOSED',
};
