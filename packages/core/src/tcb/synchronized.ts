/**
 * SEGMENT ARRIVES in SYN-RECEIVED and the synchronized states, RFC 9293
 * §3.10.7.4, as a ladder: each rung is one step of the RFC's text and either
 * finishes the segment (returns a result) or passes it on (returns undefined).
 */

import { onAckArrived } from '../loss/recovery.js';
import type { TcpState } from '../machine/states.js';
import { peerWindow } from '../options.js';
import { Flag, payloadLength, type Segment, type SocketAddress, segmentLength } from '../segment.js';
import { seqAdd, seqGt, seqLe, seqLt } from '../seq.js';
import { noteDuplicateData } from './ack-policy.js';
import { heardFromPeer } from './keepalive.js';
import { acknowledge, sendSyn, transmit } from './output.js';
import { receiveText } from './reassembly.js';
import { acceptAck, segmentAcceptable, sendResetFor } from './segment-arrives.js';
import type { Step, StepResult } from './step.js';
import { EMPTY_BYTES, finAcked, finSent, type Tcb, UNSPECIFIED_SOCKET } from './tcb.js';
import { timeWaitRst, timeWaitText } from './time-wait.js';
import { pawsCheck, recordTsRecent } from './timestamps.js';

export function inSynchronized(step: Step, state: TcpState, seg: Segment): StepResult {
  return (
    duplicateSynInSynReceived(step, state, seg) ??
    simultaneousOpenSynAck(step, state, seg) ??
    pawsCheck(step, state, seg) ??
    checkSequenceNumber(step, state, seg) ??
    timeWaitRst(step, state, seg) ??
    checkRst(step, state, seg) ??
    checkSyn(step, state, seg) ??
    timeWaitText(step, state, seg) ??
    afterAck(step, state, seg)
  );
}

/**
 * A duplicate of the SYN that created this half-open entry is answered at once with a SYN-ACK
 * (Linux tcp_check_req; the RFC would only re-ACK). Linux counts it as a retransmission and
 * re-arms the SYN-ACK timer from now with the current backoff (`mod_timer_pending(…,
 * reqsk_timeout(req, TCP_RTO_MAX))`): the next timer-driven SYN-ACK comes one full timeout after
 * this one, and the timer-driven retry budget is unchanged
 * (conformance/listen-duplicate-syn-rearms-timer.pkt, checked on Linux 6.18).
 */
function duplicateSynInSynReceived(step: Step, state: TcpState, seg: Segment): StepResult | undefined {
  const t = step.tcb;
  if (state !== 'SYN_RECEIVED' || seg.flags & (Flag.ACK | Flag.RST) || !(seg.flags & Flag.SYN))
    return undefined;
  if (seg.seq !== t.irs) return undefined;
  sendSyn(step, true, 'SYN-ACK');
  t.stats.retransmits['SYN-ACK']++;
  // The re-arm is the request socket's (a passive open); a simultaneous opener keeps its SYN timer.
  if (t.passive) step.startRto();
  return step.result(state);
}

/**
 * Simultaneous open (figure 7): in SYN-RECEIVED, the peer's SYN-ACK for our SYN acknowledges us
 * (Linux tcp_validate_incoming makes the same exception to the SYN check below).
 */
function simultaneousOpenSynAck(step: Step, state: TcpState, seg: Segment): StepResult | undefined {
  const t = step.tcb;
  if (state !== 'SYN_RECEIVED' || t.passive) return undefined;
  if (!(seg.flags & Flag.SYN) || seg.flags & Flag.RST || !(seg.flags & Flag.ACK)) return undefined;
  if (seg.seq !== t.irs || seg.ack !== t.sndNxt) return undefined;
  acceptAck(step, seg);
  takeWindow(step, seg);
  step.emit({ type: 'connected' });
  transmit(step);
  // A CLOSE queued in SYN-RECEIVED: FIN-WAIT-1 whether or not the window let the FIN out yet
  // (RFC 9293 §3.10.4, see the fifth step below).
  return step.result(t.finSeq !== undefined ? 'FIN_WAIT_1' : 'ESTABLISHED');
}

/** Takes the window a segment advertises as the send window (SND.WND, SND.WL1, SND.WL2). */
function takeWindow(step: Step, seg: Segment): void {
  const t = step.tcb;
  // RFC 7323 §2.3: SEG.WND is the field shifted left by the peer's scale (not on a SYN).
  const window = peerWindow(t, seg);
  t.sndWnd = window;
  t.maxSndWnd = Math.max(t.maxSndWnd, window);
  t.sndWl1 = seg.seq;
  t.sndWl2 = seg.ack;
}

/** First, check the sequence number. */
function checkSequenceNumber(step: Step, state: TcpState, seg: Segment): StepResult | undefined {
  if (segmentAcceptable(step.tcb, seg)) return undefined;
  const isRst = (seg.flags & Flag.RST) !== 0;
  // TIME-WAIT: the only thing that can arrive is a retransmission of the remote FIN —
  // acknowledge it and restart the 2 MSL timeout (eighth step; Linux does the same).
  if (
    state === 'TIME_WAIT' &&
    seg.flags & Flag.FIN &&
    !isRst &&
    seqAdd(seg.seq, segmentLength(seg)) === step.tcb.rcvNxt
  ) {
    step.sendAck();
    step.reenter = true;
    return step.result('TIME_WAIT');
  }
  // A duplicate of data already received: D-SACK it and ACK at once (Linux tcp_send_dupack).
  if (!isRst) noteDuplicateData(step.tcb, seg);
  // If the RST bit is set, drop silently; otherwise send <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
  // (rate-limited unless the segment carries data without a SYN: Linux tcp_oow_rate_limited).
  if (!isRst) step.replyToInvalid(payloadLength(seg) > 0 && !(seg.flags & Flag.SYN));
  return step.result(state);
}

/** Second, check the RST bit (RFC 5961 §3.2: only an exact match resets; in-window → challenge ACK). */
function checkRst(step: Step, state: TcpState, seg: Segment): StepResult | undefined {
  const t = step.tcb;
  if (!(seg.flags & Flag.RST)) return undefined;
  if (seg.seq !== t.rcvNxt) {
    step.replyToInvalid(); // challenge ACK (Linux tcp_send_challenge_ack: rate-limited)
    return step.result(state);
  }
  switch (state) {
    case 'SYN_RECEIVED':
      if (t.passive && t.returnToListen) return backToListen(step);
      if (t.passive) return step.close('reset');
      step.emit({ type: 'error', error: 'connection refused' });
      return step.close('refused');
    case 'ESTABLISHED':
    case 'FIN_WAIT_1':
    case 'FIN_WAIT_2':
    case 'CLOSE_WAIT':
      step.emit({ type: 'error', error: 'connection reset' });
      return step.close('reset');
    default:
      // CLOSING, LAST-ACK, TIME-WAIT: enter CLOSED.
      return step.close('reset');
  }
}

/** Fourth, check the SYN bit (the third step, security, is not modelled). */
function checkSyn(step: Step, state: TcpState, seg: Segment): StepResult | undefined {
  const t = step.tcb;
  if (!(seg.flags & Flag.SYN)) return undefined;
  if (state === 'SYN_RECEIVED' && t.passive && t.returnToListen) return backToListen(step);
  // RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK, whatever its sequence number.
  step.replyToInvalid();
  return step.result(state);
}

/** Fifth step onwards, for a segment that passed the checks above. */
function afterAck(step: Step, state: TcpState, seg: Segment): StepResult {
  // Fifth, check the ACK field: if off, drop.
  if (!(seg.flags & Flag.ACK)) return step.result(state);
  // The segment is acceptable: RFC 7323 §4.3 takes its TSval as TS.Recent (before the ACK is used).
  recordTsRecent(step.tcb, seg);
  const synAcked = ackOfSynReceived(step, state, seg);
  if (typeof synAcked === 'object') return synAcked;
  const current = synAcked;
  // The same segment carrying the peer's FIN would take us from SYN-RECEIVED to CLOSING, an edge
  // the statechart lacks: leave its text and FIN unacknowledged, the peer sends them again.
  const deferText = state === 'SYN_RECEIVED' && current === 'FIN_WAIT_1' && (seg.flags & Flag.FIN) !== 0;
  const rejected = checkAckRange(step, current, seg);
  if (rejected) return rejected;
  // Linux tcp_ack (rcv_tstamp) and data arrival (lrcvtime): the peer is alive; keepalive rests.
  if (!seqLt(seg.ack, step.tcb.sndUna) || payloadLength(seg) > 0) heardFromPeer(step.tcb, step.now);
  const priorUna = step.tcb.sndUna;
  const priorWnd = step.tcb.sndWnd;
  if (seqGt(seg.ack, step.tcb.sndUna)) acceptAck(step, seg);
  updateWindow(step, seg, priorUna);
  // Congestion control and loss detection (loss/recovery.ts); what they allow leaves below.
  onAckArrived(step, seg, priorUna, priorWnd);
  const settled = ackInClosingStates(step, current);
  if (typeof settled === 'object') return settled;
  const afterText = deferText ? settled : processTextAndFin(step, settled, seg);
  if (typeof afterText === 'object') return afterText;
  return sendWhatTheWindowAllows(step, afterText);
}

/**
 * SYN-RECEIVED: if SND.UNA < SEG.ACK =< SND.NXT, enter ESTABLISHED; otherwise <SEQ=SEG.ACK><CTL=RST>.
 * Returns the state processing continues in, or the finished result.
 */
function ackOfSynReceived(step: Step, state: TcpState, seg: Segment): TcpState | StepResult {
  if (state !== 'SYN_RECEIVED') return state;
  const t = step.tcb;
  if (!(seqLt(t.sndUna, seg.ack) && seqLe(seg.ack, t.sndMax))) {
    sendResetFor(step, seg);
    return step.result(state);
  }
  // Linux tcp_create_openreq_child: the new socket's max_window is the window of this ACK, not of
  // the SYN (it bounds the MSS on linux, tcb/push.ts: conformance/options-synack-echoes-offer.pkt).
  if (t.profile.linuxPush) t.maxSndWnd = 0;
  takeWindow(step, seg);
  step.emit({ type: 'connected' });
  // A CLOSE queued in SYN-RECEIVED (data was pending, §3.10.4) is processed now, and CLOSE in
  // ESTABLISHED says "in any case, enter FIN-WAIT-1 state" — also while the window still holds
  // the FIN back (as from SYN-SENT above). Staying ESTABLISHED with a FIN pending made the ACK
  // that finally let it out an ESTABLISHED → FIN-WAIT-1 transition the statechart does not
  // have: the engine threw (found by the network fuzzer).
  return t.finSeq !== undefined ? 'FIN_WAIT_1' : 'ESTABLISHED';
}

/**
 * RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA − MAX.SND.WND, SND.MAX]; others are dropped and
 * answered with a (challenge) ACK, under the invalid-reply rate limit (Linux tcp_ack sends a
 * challenge ACK for both: conformance/challenge-ack-rate-limit.pkt, with --strict_segments).
 */
function checkAckRange(step: Step, current: TcpState, seg: Segment): StepResult | undefined {
  const t = step.tcb;
  const tooNew = seqGt(seg.ack, t.sndMax);
  const tooOld = seqLt(seg.ack, seqAdd(t.sndUna, -Math.max(t.maxSndWnd, 1)));
  if (!(tooNew || tooOld)) return undefined;
  step.replyToInvalid();
  return step.result(current);
}

/**
 * Whether this ACK may change the send window (profile.sendWindowUpdate). Only "If SND.UNA =<
 * SEG.ACK" (RFC 9293 §3.10.7.4; Linux tcp_ack stops at an old ACK): one that RFC 5961 lets
 * through below SND.UNA must not move the window — e.g. shut it with a stale or blind zero window.
 * `priorUna`: SND.UNA before this ACK.
 */
function mayUpdateWindow(t: Tcb, seg: Segment, priorUna: number): boolean {
  if (seqLt(seg.ack, priorUna)) return false;
  if (seqLt(t.sndWl1, seg.seq)) return true;
  if (t.profile.sendWindowUpdate === 'rfc9293') return t.sndWl1 === seg.seq && seqLe(t.sndWl2, seg.ack);
  // Linux tcp_may_update_window: after(ack, snd_una) || after(ack_seq, snd_wl1) ||
  // (ack_seq == snd_wl1 && (nwin > snd_wnd || !nwin)).
  if (seqGt(seg.ack, priorUna)) return true;
  const window = peerWindow(t, seg);
  return t.sndWl1 === seg.seq && (window > t.sndWnd || window === 0);
}

/** Window update from a segment the profile's rule accepts (SND.WL1/SND.WL2, mayUpdateWindow). */
function updateWindow(step: Step, seg: Segment, priorUna: number): void {
  const t = step.tcb;
  if (mayUpdateWindow(t, seg, priorUna)) takeWindow(step, seg);
  // RFC 1122 4.2.2.17 (RFC 9293 §3.8.6.1): a zero window may stay closed indefinitely; as long as
  // the peer acknowledges our probes the connection MUST stay open, so answered probes do not
  // count toward the retry limit (Linux likewise clears icsk_probes_out on every ACK).
  if (t.sndWnd === 0) t.retries = 0;
}

/** The fifth step's additions for FIN-WAIT-1, CLOSING, LAST-ACK and TIME-WAIT. */
function ackInClosingStates(step: Step, current: TcpState): TcpState | StepResult {
  const t = step.tcb;
  switch (current) {
    case 'FIN_WAIT_1':
      // In addition, if our FIN is now acknowledged, enter FIN-WAIT-2 and continue.
      if (!finAcked(t)) return current;
      // The application has closed: Linux bounds FIN-WAIT-2 by tcp_fin_timeout (tcp_rcv_state_process).
      if (t.profile.finWait2Timeout > 0) step.finWait2Timer = 'restart';
      return 'FIN_WAIT_2';
    case 'CLOSING':
      // If the ACK acknowledges our FIN, enter TIME-WAIT; otherwise ignore the segment.
      if (finAcked(t)) return timeWait(step);
      // "In addition to the processing for the ESTABLISHED state" (RFC 9293 §3.10.7.4): CLOSE
      // queues the FIN "until all preceding SENDs have been segmentized" (§3.10.4), so data and
      // the FIN may still wait for this ACK to open the window; with everything sent acknowledged
      // no timer runs, so unless they go now they never go (found by the network fuzzer).
      transmit(step);
      return step.result(current);
    case 'LAST_ACK':
      // The only thing that can arrive is an acknowledgment of our FIN: then delete the TCB.
      if (finAcked(t)) return step.close('normal');
      // Not yet: data and the FIN queued behind a full window go out as it opens (as in CLOSING).
      transmit(step);
      return step.result(current);
    case 'TIME_WAIT':
      return step.result(current);
    default:
      return current;
  }
}

/** Seventh, process the segment text; eighth, the FIN — both only in order. */
function processTextAndFin(step: Step, current: TcpState, seg: Segment): TcpState | StepResult {
  const aborted = abortOnOrphanData(step, current, seg);
  if (aborted) return aborted;
  const receiving = current === 'ESTABLISHED' || current === 'FIN_WAIT_1' || current === 'FIN_WAIT_2';
  if (!receiving || (payloadLength(seg) === 0 && !(seg.flags & Flag.FIN))) return current;
  if (!receiveText(step, seg)) return current;
  step.emit({ type: 'peer-closed' });
  switch (current) {
    case 'ESTABLISHED':
      // The ACK of a FIN may be delayed: when the application closes at once, it rides on
      // our FIN and the close takes three segments (what Linux shows with nothing pending).
      acknowledge(step, false);
      return 'CLOSE_WAIT';
    case 'FIN_WAIT_1':
      // Our FIN acknowledged too (by this segment or earlier): TIME-WAIT; else CLOSING.
      if (finAcked(step.tcb)) {
        step.sendAck();
        return timeWait(step);
      }
      // Queued data and our FIN may still wait for the window this segment opened (see CLOSING
      // above); they acknowledge the peer's FIN themselves, else a bare ACK does.
      if (transmit(step) === 0) step.sendAck();
      return step.result('CLOSING');
    default:
      // FIN-WAIT-2
      step.sendAck();
      if (step.tcb.profile.finWait2Timeout > 0) step.finWait2Timer = 'stop';
      return timeWait(step);
  }
}

/**
 * Linux tcp_rcv_state_process, FIN_WAIT1/FIN_WAIT2 with RCV_SHUTDOWN: new data for a socket the
 * application closed can never be read, so the connection is reset (TCPAbortOnData: tcp_reset, then
 * tcp_v4_send_reset answers the segment <SEQ=SEG.ACK><CTL=RST>) — RFC 1122 §4.2.2.13, where RFC 9293
 * §3.10.7.4 would queue the text (profile.abortOnOrphanData;
 * conformance/orphan-data-after-close-rst.pkt).
 */
function abortOnOrphanData(step: Step, current: TcpState, seg: Segment): StepResult | undefined {
  const t = step.tcb;
  if (!t.profile.abortOnOrphanData || !t.orphaned) return undefined;
  if (current !== 'FIN_WAIT_1' && current !== 'FIN_WAIT_2') return undefined;
  if (!seqGt(seqAdd(seg.seq, payloadLength(seg)), t.rcvNxt)) return undefined;
  sendResetFor(step, seg);
  return step.close('reset');
}

/** Anything the window now allows (new data, our FIN), and the state that leaves us in. */
function sendWhatTheWindowAllows(step: Step, current: TcpState): StepResult {
  const t = step.tcb;
  transmit(step);
  if (t.finSeq !== undefined && current === 'SYN_RECEIVED') return step.result('FIN_WAIT_1');
  if (current === 'ESTABLISHED' && t.finSeq !== undefined && finSent(t)) return step.result('FIN_WAIT_1');
  return step.result(current);
}

/** RFC 9293 §3.10.7.4: a passively opened connection reset in SYN-RECEIVED returns to LISTEN. */
function backToListen(step: Step): StepResult {
  const t = step.tcb;
  step.stopRto();
  t.sendBuffer = EMPTY_BYTES;
  t.finSeq = undefined;
  t.outOfOrder = [];
  t.readable = EMPTY_BYTES;
  t.retries = 0;
  (t as { remote: SocketAddress }).remote = UNSPECIFIED_SOCKET;
  return step.result('LISTEN');
}

function timeWait(step: Step): StepResult {
  step.stopRto();
  step.reenter = true;
  return step.result('TIME_WAIT');
}
