/**
 * When the receiver acknowledges data: RFC 9293 §3.8.6.3 and RFC 5681 §4.2 (delay an ACK, but ACK
 * at least every second full-sized segment, at once for out-of-order data and for data that fills
 * a hole), RFC 1122 4.2.3.2 (delay < 0.5 s), and Linux's refinements:
 *
 * - quick-ACK mode (tcp_event_data_recv, tcp_incr_quickack): the first data of a connection, data
 *   after an idle longer than the RTO, and a duplicate segment (tcp_enter_quickack_mode) make the
 *   next min(rcv_wnd / (2·rcv_mss), 16) ACKs immediate (conformance/quickack-connection-start.pkt);
 * - the "full-sized" test uses the receive MSS measured from arriving segments (tcp_measure_rcv_mss);
 * - ping-pong (interactive) mode: data we send within the ACK timeout of receiving some means the
 *   ACK can ride on our next reply, so quick ACKs stop until a delayed ACK fires with the mode on
 *   (tcp_event_data_sent, tcp_delack_timer_handler).
 *
 * Not modelled: Linux's receive-window autotuning beyond one growth step per full-sized segment
 * (tcp_grow_window, tcp_rcv_space_adjust) and SACK compression (tcp_comp_sack_delay_ns).
 */
import { payloadLength, type Segment, segmentEnd } from '../segment.js';
import { seqDiff, seqLt } from '../seq.js';
import { windowAllowsQuickAck } from './receive-window.js';
import { reportDuplicate } from './sack-blocks.js';
import type { Step } from './step.js';
import { receiveWindow, type Tcb } from './tcb.js';

/**
 * Linux's ACK timeout (icsk_ack.ato) is 0 until the first data arrives (TCP_ATO_MIN after): a
 * delayed ACK owed before that — the ACK of a bare FIN — leaves on the next timer tick, 1–2
 * jiffies later (4 ms at HZ=250; conformance/close-passive.pkt allows +0~+.01).
 */
const ACK_TICK = 4;

/** The delayed-ACK timer's delay (machine/effects.ts): the profile's, or one tick before any data. */
export function delayedAckDelay(t: Tcb): number {
  return t.lastDataAt === undefined ? Math.min(ACK_TICK, t.profile.ackDelay) : t.profile.ackDelay;
}

/** Linux tcp_incr_quickack: rcv_wnd / (2·rcv_mss) ACKs, at least 2, at most the profile's cap. */
function quickAckBudget(t: Tcb): number {
  const cap = t.profile.quickAcks;
  if (cap <= 0) return 0;
  return Math.min(cap, Math.max(2, Math.floor(receiveWindow(t) / (2 * t.rcvMss))));
}

/** Linux tcp_enter_quickack_mode / tcp_incr_quickack: the next ACKs leave at once. */
export function enterQuickAck(t: Tcb): void {
  t.quickAcks = Math.max(t.quickAcks, quickAckBudget(t));
  t.pingpong = false;
}

/**
 * In-order data of `length` bytes arrived (Linux tcp_event_data_recv): measure the receive MSS;
 * the first data, or data after an idle longer than the RTO, enters quick-ACK mode.
 */
export function noteDataArrival(step: Step, length: number): void {
  const t = step.tcb;
  if (length >= t.rcvMss) t.rcvMss = Math.min(length, t.profile.mss);
  if (t.lastDataAt === undefined || step.now - t.lastDataAt > t.rtt.rto) enterQuickAck(t);
  t.lastDataAt = step.now;
}

/**
 * Linux tcp_grow_window: a full-sized in-order segment lets the advertised window grow towards the
 * buffer (by two segments), and the grown window is announced at once (icsk_ack.quick |= 1).
 */
function growWindow(t: Tcb, length: number): boolean {
  const full = t.profile.mss - (t.tsOk ? 12 : 0);
  if (length < full || t.rcvWndCap >= t.profile.receiveBuffer) return false;
  t.rcvWndCap = Math.min(t.profile.receiveBuffer, t.rcvWndCap + 2 * t.rcvMss);
  return true;
}

/** ACK now or arm the delayed-ACK timer, for in-order data; `filledGap`: it closed a hole. */
export function acknowledgeData(step: Step, length: number, filledGap: boolean): void {
  const t = step.tcb;
  const grew = t.profile.roundInitialWindow && growWindow(t, length);
  const quick = t.quickAcks > 0 && !t.pingpong;
  // RFC 5681 §4.2: at least every second full-sized segment; Linux: more than one receive MSS,
  // unless unread data keeps the window from growing (receive-window.ts).
  const secondSegment = seqDiff(t.rcvNxt, t.lastAckSent) > t.rcvMss && windowAllowsQuickAck(t);
  if (filledGap || grew || quick || secondSegment || t.profile.ackDelay <= 0) {
    step.sendAck();
    return;
  }
  // The timer runs from the first unacknowledged segment (Linux keeps the earlier deadline).
  if (!t.ackPending) step.ackTimer = 'restart';
  t.ackPending = true;
}

/**
 * Data at least partly below RCV.NXT arrived again: the sender retransmitted what we had, so
 * report it in a D-SACK block and go back to quick-ACK mode (Linux tcp_send_dupack, tcp_dsack_set,
 * tcp_enter_quickack_mode). The caller sends the ACK.
 */
export function noteDuplicateData(t: Tcb, seg: Segment): void {
  if (payloadLength(seg) === 0 || !seqLt(seg.seq, t.rcvNxt)) return;
  const end = seqLt(segmentEnd(seg), t.rcvNxt) ? segmentEnd(seg) : t.rcvNxt;
  reportDuplicate(t, seg.seq, end);
  enterQuickAck(t);
}

/**
 * We send data: within the ACK timeout of the last data received, the connection looks
 * interactive and later ACKs wait to ride on replies (Linux tcp_event_data_sent → pingpong).
 */
export function noteDataSent(t: Tcb, now: number): void {
  if (t.profile.quickAcks > 0 && t.lastDataAt !== undefined && now - t.lastDataAt < t.profile.ackDelay)
    t.pingpong = true;
}

/** The delayed-ACK timer fired with an ACK owed while interactive: leave ping-pong mode (tcp_delack_timer_handler). */
export function delayedAckFired(t: Tcb): void {
  t.pingpong = false;
}
