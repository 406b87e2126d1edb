/** Timeouts: RFC 9293 §3.10.8 and RFC 6298 §5 (retransmission), §3.8.6.3 (delayed ACK). */

import { enterLoss } from '../loss/recovery.js';
import { probeInsteadOfRto } from '../loss/tlp.js';
import type { TcpState } from '../machine/states.js';
import { synackTimeout, synRetransmissions, synTimeout } from '../profiles.js';
import { Flag } from '../segment.js';
import { seqAdd, seqDiff, seqGe, seqLe, seqLt, seqMax } from '../seq.js';
import { delayedAckFired } from './ack-policy.js';
import { clampedRtoDelay, noteRetransmission, retransmissionGivesUp } from './give-up.js';
import { heldWithNothingInFlight } from './nagle.js';
import { sendSyn, transmit } from './output.js';
import { backOffRto, withRto } from './rtt.js';
import type { Step, StepResult } from './step.js';
import { dataEnd, type RetransmitKind, type Tcb } from './tcb.js';

/** Which retransmission budget and schedule a timeout in `state` follows. */
interface RetransmitPlan {
  /** The SYN's budget and schedule (SYN-SENT, and an active opener's SYN,ACK). */
  synBudget: boolean;
  /** The earliest unacknowledged segment is our SYN,ACK. */
  synAckUnacked: boolean;
  /** Retransmissions allowed before the connection times out. */
  limit: number;
}

function planRetransmit(t: Tcb, state: TcpState): RetransmitPlan {
  // Our SYN,ACK is unacknowledged in SYN-RECEIVED, and still in FIN-WAIT-1 after a CLOSE there
  // (§3.10.4 sends the FIN at once): the earliest unacknowledged segment is then the SYN,ACK,
  // which is what gets retransmitted (RFC 6298 (5.4)) — never the FIN queued behind it.
  const synAckUnacked = state !== 'SYN_SENT' && seqLe(t.sndUna, t.iss);
  // An active opener's SYN,ACK (simultaneous open, RFC 9293 figure 7) is its SYN again, with the
  // retries it already spent in SYN-SENT: it keeps the SYN budget and schedule (§3.8.3 R2 "for
  // a SYN segment"; Linux tcp_write_timeout uses syn_retries in SYN_SENT and SYN_RECV alike).
  // Counting those retries against synackRetries timed out without a single SYN,ACK
  // retransmission (found by the network fuzzer).
  const synBudget = state === 'SYN_SENT' || (synAckUnacked && !t.passive);
  const limit = synBudget
    ? synRetransmissions(t.profile)
    : synAckUnacked
      ? (t.synAckBudget?.() ?? t.profile.synackRetries)
      : t.profile.dataRetries;
  return { synBudget, synAckUnacked, limit };
}

/** The zero-window persist condition: data waits on a shut window. */
function probing(t: Tcb): boolean {
  return t.sndWnd === 0 && seqLt(t.sndUna, dataEnd(t));
}

function retransmitKind(t: Tcb, state: TcpState, plan: RetransmitPlan): Exclude<RetransmitKind, 'keepalive'> {
  if (state === 'SYN_SENT') return 'SYN';
  if (plan.synAckUnacked) return 'SYN-ACK';
  if (probing(t)) return 'probe';
  return seqDiff(dataEnd(t), t.sndUna) > 0 ? 'data' : 'FIN';
}

export function rtoTimeout(step: Step, state: TcpState): StepResult {
  const t = step.tcb;
  t.rtoArmed = false;
  if (heldWithNothingInFlight(t, seqDiff(dataEnd(t), t.sndNxt))) {
    // The persist timer of corked data (nagle.ts) or of data a small window holds (sender-sws.ts):
    // Linux tcp_probe_timer → tcp_write_wakeup sends one segment of what the window allows, with
    // PSH (so a MSG_MORE tail gets one too), cork or not; no backoff, no retry counted
    // (tcp_send_probe0 resets both once something is in flight).
    transmit(step, 1, undefined, 'persist');
    return step.result(state);
  }
  if (seqGe(t.sndUna, t.sndMax) && !(t.sndWnd === 0 && seqLt(t.sndNxt, dataEnd(t)))) {
    // Nothing outstanding (a stale timer): nothing to do.
    return step.result(state);
  }
  if (probeInsteadOfRto(step)) return step.result(state);
  t.retries++;
  const plan = planRetransmit(t, state);
  const handshake = plan.synBudget || plan.synAckUnacked;
  // Zero-window probes and handshake segments count their retries; data and FIN follow give-up.ts.
  const givesUp = handshake || probing(t) ? t.retries > plan.limit : retransmissionGivesUp(t, step.now);
  if (givesUp) {
    // RFC 9293 §3.8.3: R2 exceeded — close the connection and tell the user "timeout".
    t.retries--;
    return step.close('timeout');
  }
  // RFC 6298 (5.5) back off the timer; (5.6) restart it; Karn: no RTT sample from a retransmission.
  if (!handshake) noteRetransmission(t, step.now);
  if (plan.synBudget) t.rtt = withRto(t.rtt, synTimeout(t.profile, t.retries));
  else if (plan.synAckUnacked) t.rtt = withRto(t.rtt, synackTimeout(t.profile, t.retries));
  else t.rtt = backOffRto(t.rtt, t.profile);
  t.rttSeq = undefined;

  const kind = retransmitKind(t, state, plan);
  t.stats.retransmits[kind]++;
  // The timer's expiry is reported before the segment it causes, in the order things happen.
  step.emit({ type: 'retransmit', kind, count: t.retries, rto: t.rtt.rto });
  if (kind === 'SYN' || kind === 'SYN-ACK') sendSyn(step, kind === 'SYN-ACK', kind);
  else if (kind === 'probe') sendZeroWindowProbe(step);
  else if (t.loss.queue.entries.length > 0) {
    // RFC 5681 §3.1 eq. 4 / Linux tcp_enter_loss: cwnd 1, everything not SACKed lost; the earliest
    // unacknowledged segment goes again (RFC 6298 (5.4)), the rest as ACKs open the window.
    enterLoss(step);
    transmit(step, 1);
  } else {
    // Nothing on the queue (a probe byte beyond it): go back to SND.UNA.
    t.sndNxt = t.sndUna;
    transmit(step, 1, kind);
  }
  step.startRto(clampedRtoDelay(t, step.now));
  return step.result(state);
}

/**
 * Zero-window probe (RFC 9293 §3.8.6.1, RFC 1122 4.2.2.17): the octet at SND.UNA, beyond the
 * window, backed off like an RTO — again and again while the window stays shut (a refused probe
 * is not acknowledged, so it stays the earliest unacknowledged octet). Only SND.MAX covers it (so
 * its ACK is acceptable); SND.NXT stays at SND.UNA, and sending resumes from there, probe octet
 * included, once the window opens.
 */
function sendZeroWindowProbe(step: Step): void {
  const t = step.tcb;
  t.sndNxt = t.sndUna;
  // Linux tcp_write_wakeup → tcp_xmit_probe_skb(sk, 0): a zero-length ACK with SEG.SEQ = SND.UNA − 1,
  // an old sequence number the receiver must answer with an ACK carrying its window, and no data
  // beyond the window (profile.zeroWindowProbe = 'empty-below-una').
  if (t.profile.zeroWindowProbe === 'empty-below-una') {
    step.send(Flag.ACK, seqAdd(t.sndUna, -1), t.rcvNxt, undefined, 'probe');
    return;
  }
  const offset = seqDiff(t.sndUna, t.dataStart);
  const data = t.sendBuffer.subarray(offset, offset + 1).slice();
  step.send(Flag.ACK, t.sndUna, t.rcvNxt, data, 'probe');
  t.sndMax = seqMax(t.sndMax, seqAdd(t.sndUna, 1));
}

/** The FIN_WAIT_2 timer expired: the connection is dropped without a segment (Linux inet_twsk_kill). */
export function finWait2Timeout(step: Step, state: TcpState): StepResult {
  if (state !== 'FIN_WAIT_2') return step.result(state);
  return step.close('timeout');
}

export function delayedAckTimeout(step: Step, state: TcpState): StepResult {
  if (step.tcb.ackPending && state !== 'CLOSED' && state !== 'LISTEN' && state !== 'SYN_SENT') {
    step.tcb.ackPending = false;
    // Linux tcp_delack_timer_handler: a delayed ACK that had to fire ends ping-pong mode.
    delayedAckFired(step.tcb);
    step.sendAck();
  }
  step.tcb.ackPending = false;
  return step.result(state);
}
