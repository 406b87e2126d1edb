/**
 * Tail loss probe (RFC 8985 §7; Linux tcp_schedule_loss_probe, tcp_send_loss_probe,
 * tcp_process_tlp_ack): when the ACKs stop with data outstanding, send one segment after a
 * probe timeout of about two RTTs — new data if the windows allow, else the last segment again —
 * so that a lost tail is repaired by fast recovery instead of an RTO.
 */
import type { SackBlock, Segment } from '../segment.js';
import { seqGt, seqLt } from '../seq.js';
import { transmitNewData } from '../tcb/output.js';
import type { Step } from '../tcb/step.js';
import { endCwndReduction, initCwndReduction, settleOpenState } from './recovery.js';
import { resend } from './retransmit.js';

/** RFC 8985 §7.2 / Linux TCP_TIMEOUT_INIT: the PTO before any RTT sample, ms. */
const PTO_WITHOUT_SRTT = 1000;
/** Linux TCP_TIMEOUT_MIN (2 jiffies): slack added to 2·SRTT when several segments are in flight, ms. */
const PTO_SLACK = 2;

/** RFC 8985 §7.2: the probe timeout now, capped by when the RTO would fire; undefined: no probe. */
export function probeTimeout(step: Step): number | undefined {
  const t = step.tcb;
  const q = t.loss.queue;
  // Linux: only with RACK and SACK, in Open, with data outstanding, one probe at a time.
  if (!t.profile.rack || !t.sackOk || t.cc.state !== 'Open') return undefined;
  if (q.entries.length === 0 || t.loss.tlpHighSeq >= 0) return undefined;
  const srtt = t.rtt.srtt;
  let pto = PTO_WITHOUT_SRTT;
  if (srtt !== undefined) {
    // One segment in flight: allow for the peer's delayed ACK (WCDelAckT; Linux adds tcp_rto_min).
    pto = 2 * srtt + (q.entries.length === 1 ? t.profile.rtoMin : PTO_SLACK);
  }
  if (t.rtoArmed && t.rtoDeadline !== undefined) pto = Math.min(pto, Math.max(t.rtoDeadline - step.now, 0));
  return Math.ceil(pto);
}

/** (Re)arms or stops the probe timer for the state the step leaves the connection in. */
export function scheduleLossProbe(step: Step): void {
  const L = step.tcb.loss;
  const pto = probeTimeout(step);
  if (pto === undefined || pto <= 0) {
    if (L.probeArmed) step.probeTimer = 'stop';
    L.probeArmed = false;
    return;
  }
  L.probeDelay = pto;
  L.probeDeadline = step.now + pto;
  L.probeArmed = true;
  step.probeTimer = 'restart';
}

/**
 * Linux runs the probe and the RTO on one timer: a probe due no later than the RTO replaces it
 * (tcp_schedule_loss_probe caps the PTO at the RTO), and the RTO is re-armed after the probe
 * (tcp_rearm_rto). Here both timers may expire at one instant; the RTO handler asks this first.
 * Returns true when the probe went instead.
 */
export function probeInsteadOfRto(step: Step): boolean {
  const L = step.tcb.loss;
  if (!L.probeArmed || L.probeDeadline > step.now || step.tcb.cc.state !== 'Open') return false;
  sendLossProbe(step);
  step.probeTimer = 'stop';
  step.startRto();
  return true;
}

/** RFC 8985 §7.3: the PTO expired — send the probe. */
export function sendLossProbe(step: Step): void {
  const t = step.tcb;
  const L = t.loss;
  L.probeArmed = false;
  const q = L.queue;
  if (q.entries.length === 0 || L.tlpHighSeq >= 0) return;
  L.tlpRetransmitted = false;
  // New data first, one segment, regardless of cwnd (Linux tcp_write_xmit with push_one = 2).
  if (transmitNewData(step, 1, true) === 0) {
    resend(step, q.entries[q.entries.length - 1], 'tlp');
    L.tlpRetransmitted = true;
  }
  L.tlpHighSeq = t.sndMax;
}

/**
 * RFC 8985 §7.4 (Linux tcp_process_tlp_ack): when the probe's episode is acknowledged, a probe
 * that was a retransmission and was not reported as a duplicate (D-SACK) repaired a real loss:
 * reduce cwnd once (CWR).
 */
export function processProbeAck(
  step: Step,
  seg: Segment,
  dsack: SackBlock | undefined,
  progress: boolean,
): void {
  const t = step.tcb;
  const L = t.loss;
  if (L.tlpHighSeq < 0 || seqLt(seg.ack, L.tlpHighSeq)) return;
  if (!L.tlpRetransmitted || (dsack !== undefined && dsack.right === L.tlpHighSeq)) {
    L.tlpHighSeq = -1;
  } else if (seqGt(seg.ack, L.tlpHighSeq)) {
    initCwndReduction(step);
    t.cc.state = 'CWR';
    endCwndReduction(t);
    settleOpenState(t);
  } else if (!progress) {
    // A pure duplicate ACK: original and probe both arrived, nothing was lost.
    L.tlpHighSeq = -1;
  }
}
