/**
 * What leaves a connection: RFC 9293 §3.8.6.2 (when to send), §3.5 (SYN and
 * SYN,ACK) and §3.8.6.3 (when to acknowledge).
 */
import { beforeTransmitStart, validateCwnd } from '../congestion/restart.js';
import { clockIsn, rfc6528Isn } from '../isn.js';
import { appendSent, packetsInFlight } from '../loss/queue.js';
import { labelCause, retransmitLost } from '../loss/retransmit.js';
import { scheduleLossProbe } from '../loss/tlp.js';
import { Flag } from '../segment.js';
import { seqAdd, seqDiff, seqGe, seqLt, seqMax } from '../seq.js';
import { heldWithNothingInFlight, holdsShortSegment, noteSegmentSent } from './nagle.js';
import { segmentSize, takePush } from './push.js';
import { windowTooSmallToSend } from './sender-sws.js';
import type { Step } from './step.js';
import { dataEnd, type RetransmitKind, type Tcb } from './tcb.js';

/** RFC 6528 ISN for this 4-tuple at `now` (or, for teaching, the block's fixed ISN or RFC 793's bare clock). */
export function chooseIss(tcb: Tcb, now: number): number {
  if (tcb.fixedIsn !== undefined) return tcb.fixedIsn >>> 0;
  if (tcb.isnPolicy === 'clock') return clockIsn(now, tcb.profile.isnClockTickNs);
  return rfc6528Isn(now, tcb.local, tcb.remote, tcb.isnKey, tcb.profile.isnClockTickNs);
}

/**
 * What may override the holds on new data: false (none), true (Nagle and TCP_CORK: a tail loss
 * probe, TCP_NODELAY being set), or 'persist' (the persist timer fired: Nagle, TCP_CORK and the
 * sender's silly-window avoidance are overridden and the segment carries PSH, Linux tcp_write_wakeup).
 */
export type HoldOverride = boolean | 'persist';

/**
 * Sends whatever the windows allow: first segments deemed lost again (RFC 6675 §5 NextSeg rule
 * 1, loss/retransmit.ts), then new data from SND.NXT in MSS-sized segments, then the FIN when
 * CLOSE was called and all data is out — each while the packets in flight stay below cwnd
 * (RFC 5681 §3.1) and the data within the peer's window (RFC 9293 §3.8.6.2.1).
 * `limit` caps the number of segments (1 after a timeout: RFC 6298 (5.4) retransmits only the
 * earliest unacknowledged segment). Returns the number sent.
 */
export function transmit(
  step: Step,
  limit = Number.POSITIVE_INFINITY,
  retransmit?: RetransmitKind,
  push: HoldOverride = false,
): number {
  const t = step.tcb;
  let sent = retransmitLost(step, limit);
  if (sent < limit) sent += transmitNewData(step, limit - sent, false, retransmit, push);
  // RFC 9293 §3.8.6.1: data waiting on a zero window with nothing in flight would wait forever
  // (a lost window update is never retransmitted); keep the retransmission timer running as the
  // persist timer, so the timeout probes the window (RFC 1122 4.2.2.17: after one RTO). Corked
  // data, or data too large for a small window (sender-sws.ts), with nothing in flight waits on the
  // same timer (nagle.ts heldWithNothingInFlight).
  const unsent = seqDiff(dataEnd(t), t.sndNxt);
  if (sent === 0 && !t.rtoArmed && unsent > 0 && (t.sndWnd === 0 || heldWithNothingInFlight(t, unsent)))
    step.startRto();
  return sent;
}

/**
 * New data (and the FIN) from SND.NXT, at most `limit` segments; `ignoreCwnd` for a tail loss
 * probe (RFC 8985 §7.3: one segment whatever the congestion window). A short last segment may be
 * held back (nagle.ts) unless `push` (a tail loss probe: Linux tcp_send_loss_probe writes with
 * TCP_NAGLE_OFF, cork or not). Returns the number sent.
 */
export function transmitNewData(
  step: Step,
  limit: number,
  ignoreCwnd: boolean,
  retransmit?: RetransmitKind,
  push: HoldOverride = ignoreCwnd,
): number {
  const t = step.tcb;
  const end = dataEnd(t);
  const finPending = t.finSeq !== undefined && seqLt(t.sndNxt, seqAdd(t.finSeq, 1));
  if (seqDiff(end, t.sndNxt) <= 0 && !finPending) return 0;
  if (t.loss.queue.entries.length === 0) beforeTransmitStart(step);
  let sent = 0;
  let cwndLimited = false;
  while (sent < limit) {
    if (!ignoreCwnd && packetsInFlight(t.loss.queue) >= t.cc.cwnd) {
      cwndLimited = true;
      break;
    }
    const unsent = seqDiff(end, t.sndNxt);
    const windowLeft = seqDiff(seqAdd(t.sndUna, t.sndWnd), t.sndNxt);
    if (unsent > 0 && windowLeft > 0) {
      const n = Math.min(unsent, windowLeft, segmentSize(t));
      if (!push && holdsTail(t, n, unsent)) break;
      if (push !== 'persist' && windowTooSmallToSend(t, windowLeft, unsent, sent === 0)) break;
      sendDataSegment(step, n, unsent, retransmit, push === 'persist');
      sent++;
      continue;
    }
    if (unsent === 0 && t.finSeq !== undefined && t.sndNxt === t.finSeq) {
      sendFin(step, retransmit);
      sent++;
    }
    break;
  }
  validateCwnd(t, cwndLimited);
  if (sent > 0) scheduleLossProbe(step);
  return sent;
}

/** A short tail of fresh data without a FIN that Nagle or TCP_CORK keeps back (nagle.ts). */
function holdsTail(t: Tcb, n: number, unsent: number): boolean {
  const fresh = seqGe(t.sndNxt, t.sndMax);
  return n === unsent && fresh && t.finSeq === undefined && holdsShortSegment(t, n);
}

/** One data segment of `n` bytes from SND.NXT; `unsent` bytes were waiting; `forcePush`: PSH whatever the marks. */
function sendDataSegment(
  step: Step,
  n: number,
  unsent: number,
  retransmit?: RetransmitKind,
  forcePush = false,
): void {
  const t = step.tcb;
  const offset = seqDiff(t.sndNxt, t.dataStart);
  const data = t.sendBuffer.subarray(offset, offset + n).slice();
  const reachesEnd = n === unsent;
  // The FIN rides on the last data segment when it fits (RFC 9293 §3.10.4: FIN after all queued SENDs).
  const withFin = reachesEnd && t.finSeq !== undefined && seqAdd(t.sndNxt, n) === t.finSeq;
  const isRetransmit = retransmit ?? (seqLt(t.sndNxt, t.sndMax) ? 'data' : undefined);
  const marked = isRetransmit ? reachesEnd : takePush(t, seqAdd(t.sndNxt, n), reachesEnd);
  const push = marked || forcePush;
  const flags = Flag.ACK | (push ? Flag.PSH : 0) | (withFin ? Flag.FIN : 0);
  if (t.rttSeq === undefined && !isRetransmit) {
    // RFC 6298 (2.2): time one segment per RTT, never a retransmitted one (Karn).
    t.rttSeq = seqAdd(t.sndNxt, n);
    t.rttStart = step.now;
  }
  step.send(flags, t.sndNxt, t.rcvNxt, data, isRetransmit);
  if (isRetransmit) labelCause(step, 'rto');
  else noteSegmentSent(t, n, seqAdd(t.sndNxt, n));
  const end = seqAdd(t.sndNxt, n + (withFin ? 1 : 0));
  sentNewSegment(step, end, withFin, push);
  if (!t.rtoArmed) step.startRto();
}

/** A bare FIN,ACK at SND.NXT (= the FIN's sequence number). */
function sendFin(step: Step, retransmit?: RetransmitKind): void {
  const t = step.tcb;
  const isRetransmit = retransmit ? 'FIN' : seqLt(t.sndNxt, t.sndMax) ? 'FIN' : undefined;
  step.send(Flag.FIN | Flag.ACK, t.sndNxt, t.rcvNxt, undefined, isRetransmit);
  if (isRetransmit) labelCause(step, 'rto');
  sentNewSegment(step, seqAdd(t.sndNxt, 1), true, false);
  if (!t.rtoArmed) step.startRto();
}

/** Book-keeping of a segment sent from SND.NXT up to `end`: the queue, SND.NXT/SND.MAX, PRR. */
function sentNewSegment(step: Step, end: number, fin: boolean, psh: boolean): void {
  const t = step.tcb;
  appendSent(t.loss.queue, t.sndNxt, end, fin, psh, step.now);
  t.sndNxt = end;
  t.sndMax = seqMax(t.sndMax, t.sndNxt);
  t.cc.lastSendAt = step.now;
  if (t.cc.state === 'Recovery' || t.cc.state === 'CWR') t.cc.prrOut++;
}

/** SYN or SYN-ACK (RFC 9293 §3.5), always from ISS, with our MSS option. */
export function sendSyn(step: Step, withAck: boolean, retransmit?: RetransmitKind): void {
  const t = step.tcb;
  step.send(withAck ? Flag.SYN | Flag.ACK : Flag.SYN, t.iss, t.rcvNxt, undefined, retransmit, t.profile.mss);
  if (!t.rtoArmed) step.startRto();
}

/** Acknowledges received data/FIN now, or arms the delayed-ACK timer (RFC 9293 §3.8.6.3). */
export function acknowledge(step: Step, immediately: boolean): void {
  const t = step.tcb;
  if (immediately || t.profile.ackDelay <= 0 || t.ackPending) {
    // RFC 9293 §3.8.6.3: an ACK SHOULD be generated for at least every second full-sized segment.
    step.sendAck();
    return;
  }
  t.ackPending = true;
  step.ackTimer = 'restart';
}
