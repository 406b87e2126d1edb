/**
 * One processing step: a working TCB plus the outputs and timer operations
 * the rules decide on. The rules (user-calls, segment-arrives, timeouts)
 * never touch a clock or an actor; they fill a Step and return its result,
 * which the machine (or the table engine) turns into a transition and effects.
 */
import { reportCongestion } from '../congestion/report.js';
import { cloneCongestionControl } from '../congestion/state.js';
import { cloneLossState } from '../loss/state.js';
import type { TcpState } from '../machine/states.js';
import { segmentOptions, synOptions, synWindow, windowField } from '../options.js';
import type { Profile } from '../profiles.js';
import { Flag, type Segment } from '../segment.js';
import { seqGt } from '../seq.js';
import { noteDataSent } from './ack-policy.js';
import { keepaliveOnEstablish } from './keepalive.js';
import { type CloseReason, type ConnectionOutput, createTcb, type RetransmitKind, type Tcb } from './tcb.js';

/** What a step does to a timer: restart it (with the TCB's current delay), stop it, or leave it alone. */
export type TimerOp = 'restart' | 'stop' | undefined;

export interface StepResult {
  /** The state the rules lead to (equal to the current one when nothing changes). */
  next: TcpState;
  /** The updated TCB (`tcb.state === next`). */
  tcb: Tcb;
  /** Outputs in the order they happen. */
  out: ConnectionOutput[];
  /** Retransmission timer: restart with tcb.rtt.rto (or rtoDelay), stop, or leave alone. */
  rtoTimer?: TimerOp;
  /** The retransmission timer's delay when it is not tcb.rtt.rto (TCP_USER_TIMEOUT clamp, give-up.ts). */
  rtoDelay?: number;
  /** Delayed-ACK timer. */
  ackTimer?: TimerOp;
  /** FIN_WAIT_2 timer (profile.finWait2Timeout). */
  finWait2Timer?: TimerOp;
  /** RFC 8985 tail loss probe timer (delay tcb.loss.probeDelay). */
  probeTimer?: TimerOp;
  /** RFC 8985 RACK reordering timer (delay tcb.loss.reorderDelay). */
  reorderTimer?: TimerOp;
  /** Keepalive timer (delay tcb.keepaliveDelay; tcb/keepalive.ts). */
  keepaliveTimer?: TimerOp;
  /** Re-enter the same state (TIME_WAIT: restart the 2·MSL timer). */
  reenter?: boolean;
}

/**
 * Copies a TCB (the actor engine's steps work on a fresh copy, so snapshots stay immutable).
 * Built once from the field list of a real TCB as a single object literal: V8 then creates
 * every copy with the same hidden class, several times faster than `{ ...tcb }` on an object
 * this wide — and this runs for every event of every connection.
 */
const cloneTcb: (tcb: Tcb) => Tcb = (() => {
  const fields = Object.keys(createTcb({ local: { addr: '0.0.0.0', port: 0 }, profile: {} as Profile }));
  // The congestion and loss blocks are mutable nested state: each copy gets its own.
  const nested: Record<string, string> = {
    stats:
      'stats: { segmentsSent: t.stats.segmentsSent, segmentsReceived: t.stats.segmentsReceived, ' +
      'bytesSent: t.stats.bytesSent, bytesReceived: t.stats.bytesReceived, retransmits: { ...t.stats.retransmits } }',
    cc: 'cc: cloneCc(t.cc)',
    loss: 'loss: cloneLoss(t.loss)',
  };
  const body = fields.map((f) => nested[f] ?? `${f}: t.${f}`).join(', ');
  const clone = new Function('t', 'cloneCc', 'cloneLoss', `return { ${body} };`);
  return (tcb: Tcb) => clone(tcb, cloneCongestionControl, cloneLossState) as Tcb;
})();

export class Step implements StepResult {
  /** Set by `result`: the state the rules lead to. */
  next: TcpState = 'CLOSED';
  readonly tcb: Tcb;
  readonly out: ConnectionOutput[] = [];
  rtoTimer: TimerOp;
  rtoDelay: number | undefined;
  ackTimer: TimerOp;
  finWait2Timer: TimerOp;
  probeTimer: TimerOp;
  reorderTimer: TimerOp;
  keepaliveTimer: TimerOp;
  reenter = false;

  /** `inPlace`: update the caller's TCB itself (a caller that keeps no older snapshot of it). */
  constructor(
    tcb: Tcb,
    readonly now: number,
    inPlace: boolean,
  ) {
    this.tcb = inPlace ? tcb : cloneTcb(tcb);
    this.tcb.lastEventAt = now;
  }

  result(next: TcpState): StepResult {
    if (next !== this.tcb.state) keepaliveOnEstablish(this, this.tcb.state, next);
    this.tcb.state = next;
    // Once per step, after all processing: a `cc` output when the congestion picture changed.
    reportCongestion(this);
    // The step is its own result (one object less per event): every rule returns result() as its
    // last act, so nothing changes the step after this.
    this.next = next;
    return this;
  }

  emit(output: ConnectionOutput): void {
    this.out.push(output);
  }

  /** Builds and emits a segment from this TCB; every segment we send carries our current ACK unless told otherwise. */
  send(
    flags: number,
    seq: number,
    ack: number,
    data?: Uint8Array,
    retransmit?: RetransmitKind,
    mss?: number,
  ): void {
    const t = this.tcb;
    const syn = (flags & Flag.SYN) !== 0;
    const withAck = (flags & Flag.ACK) !== 0;
    // Built by assignment, not spreads: one object per segment, in one order of fields.
    const segment: { -readonly [K in keyof Segment]: Segment[K] } = {
      srcAddr: t.local.addr,
      srcPort: t.local.port,
      dstAddr: t.remote.addr,
      dstPort: t.remote.port,
      seq: seq >>> 0,
      ack: withAck ? ack >>> 0 : 0,
      flags,
      // RFC 7323 §2.2: the window on a SYN is never scaled; on every other segment it is.
      win: syn ? synWindow(t, withAck) : windowField(t),
    };
    if (mss !== undefined) segment.mss = mss;
    // Options ride on every segment we send (options.ts): part of building the segment.
    if (syn) synOptions(t, withAck, this.now, segment);
    else segmentOptions(t, flags, this.now, segment);
    if (data && data.length > 0) segment.data = data;
    t.stats.segmentsSent++;
    if (data) t.stats.bytesSent += data.length;
    if (data && data.length > 0) noteDataSent(t, this.now);
    if (flags & Flag.ACK) {
      // Any segment carrying an ACK acknowledges everything: no delayed ACK pending any more.
      if (t.ackPending) this.ackTimer = 'stop';
      t.ackPending = false;
      // Linux tcp_dec_quickack_mode: one quick ACK spent per ACK of new data.
      if (t.quickAcks > 0 && seqGt(ack, t.lastAckSent)) t.quickAcks--;
      t.lastAckSent = ack >>> 0;
      // RFC 2883 §4: a D-SACK block is reported once.
      t.dsackBlock = undefined;
    }
    this.emit(retransmit ? { type: 'segment', segment, retransmit } : { type: 'segment', segment });
  }

  /** A bare ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
  sendAck(): void {
    this.send(Flag.ACK, this.tcb.sndNxt, this.tcb.rcvNxt);
  }

  /** Arms the retransmission timer with the RTO, or with `delay` when given (a user-timeout clamp). */
  startRto(delay?: number): void {
    this.tcb.rtoArmed = true;
    this.tcb.rtoDeadline = this.now + (delay ?? this.tcb.rtt.rto);
    this.rtoDelay = delay;
    this.rtoTimer = 'restart';
  }

  stopRto(): void {
    if (this.tcb.rtoArmed) this.rtoTimer = 'stop';
    this.tcb.rtoArmed = false;
    this.tcb.rtoDeadline = undefined;
  }

  /**
   * Answers an invalid segment with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, at most once per
   * profile.challengeAckInterval (Linux __tcp_oow_rate_limited); `exempt`: a segment carrying data
   * (and no SYN) is always answered and does not count (Linux tcp_oow_rate_limited: "data packets
   * without SYNs are not likely part of an ACK loop").
   */
  replyToInvalid(exempt = false): void {
    const t = this.tcb;
    const interval = t.profile.challengeAckInterval;
    if (interval > 0 && !exempt) {
      const last = t.lastInvalidReplyAt;
      if (last !== undefined && this.now - last < interval) return;
      t.lastInvalidReplyAt = this.now;
    }
    this.sendAck();
  }

  close(reason: CloseReason): StepResult {
    this.stopRto();
    if (this.tcb.ackPending) this.ackTimer = 'stop';
    this.tcb.ackPending = false;
    this.tcb.closeReason = reason;
    return this.result('CLOSED');
  }
}
