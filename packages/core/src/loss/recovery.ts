/**
 * What an ACK does to congestion control and loss recovery (Linux tcp_ack →
 * tcp_fastretrans_alert → tcp_cong_control), and what an RTO does (tcp_enter_loss):
 * - RFC 5681 §3.2 / RFC 6582 without SACK: duplicate ACKs counted; the third starts fast
 *   retransmit and recovery, each partial ACK retransmits the next hole;
 * - RFC 6675 with SACK: the scoreboard decides what is lost (IsLost), or RACK does (RFC 8985);
 * - Linux's congestion states Open → Disorder → Recovery / Loss, CWR;
 * - during recovery cwnd follows RFC 6937 PRR (profile.prr) or stays at ssthresh.
 */
import { congestionAlgorithm } from '../congestion/algorithm.js';
import { inSlowStart } from '../congestion/window.js';
import { Flag, payloadLength, type Segment } from '../segment.js';
import { seqGe, seqGt } from '../seq.js';
import type { Step } from '../tcb/step.js';
import { INFINITE_SSTHRESH, type Tcb } from '../tcb/tcb.js';
import { markAllLost, markLost, packetsInFlight, removeAcknowledged, type SentSegment } from './queue.js';
import { rackAdvance, rackDetectLoss, rackUpdateReorderingWindow } from './rack.js';
import { DUP_THRESH, dsackBlock, markLostByDupThresh, noteReordering, tagSackBlocks } from './sack.js';
import { processProbeAck, scheduleLossProbe } from './tlp.js';

/** What one ACK did, for the state machine and the window. */
interface AckEffect {
  unaAdvanced: boolean;
  /** Segments newly delivered: cumulatively ACKed, SACKed, or (no SACK) signalled by a duplicate ACK. */
  delivered: number;
  /** Segments newly marked lost. */
  newlyLost: number;
}

/**
 * Called for every acceptable ACK in a synchronized state, after SND.UNA and the window were
 * updated (`priorUna`, `priorWnd`: their values before). The caller then transmits.
 */
export function onAckArrived(step: Step, seg: Segment, priorUna: number, priorWnd: number): void {
  const t = step.tcb;
  const q = t.loss.queue;
  if (q.entries.length === 0 && t.cc.state === 'Open' && t.loss.tlpHighSeq < 0) return;
  const now = step.now;
  const priorLost = q.lostOut;
  const priorDupAcks = q.dupAckSacked;
  // The highest SACKed sequence number before this ACK (−1: nothing SACKed), for reordering.
  const priorHighest = q.sackedOut > 0 ? t.loss.highestSacked : -1;
  const acked = q.entries.length === 0 ? 0 : removeAcknowledged(q, seg.ack, cumulativelyAcked, step);
  const dsack = t.sackOk ? dsackBlock(seg) : undefined;
  if (dsack) {
    t.loss.dsacks++;
    t.loss.dsackSeen = true;
  }
  const sacked = t.sackOk ? tagSackBlocks(t, seg, dsack !== undefined, now, priorHighest) : 0;
  const unaAdvanced = seqGt(seg.ack, priorUna);
  const dupAck = !unaAdvanced && isDuplicateAck(t, seg, priorUna, priorWnd);
  let delivered = acked + sacked;
  if (!t.sackOk) delivered = countDuplicateAcks(t, dupAck, acked, priorDupAcks);
  const effect: AckEffect = { unaAdvanced, delivered, newlyLost: 0 };
  const recoveryEnded = checkRecoveryExit(step, effect);
  identifyLoss(step, effect);
  effect.newlyLost = Math.max(0, q.lostOut - priorLost);
  updateCongestionState(step);
  adjustWindow(step, effect, acked > 0);
  processProbeAck(step, seg, dsack, unaAdvanced || sacked > 0 || dsack !== undefined);
  if (t.profile.rack) rackUpdateReorderingWindow(t, recoveryEnded);
  scheduleLossProbe(step);
}

/** A segment the cumulative ACK covers reached the peer: reordering evidence, a RACK sample. */
function cumulativelyAcked(e: SentSegment, step: Step): void {
  const t = step.tcb;
  noteReordering(t, e, t.loss.queue.sackedOut > 0 ? t.loss.highestSacked : -1);
  rackAdvance(t, e, step.now);
}

/**
 * RFC 5681 §2 DUPLICATE ACKNOWLEDGMENT: data outstanding, no data and no SYN/FIN on the ACK,
 * SEG.ACK = SND.UNA, the window unchanged.
 */
function isDuplicateAck(t: Tcb, seg: Segment, priorUna: number, priorWnd: number): boolean {
  return (
    t.loss.queue.entries.length > 0 &&
    payloadLength(seg) === 0 &&
    (seg.flags & (Flag.SYN | Flag.FIN)) === 0 &&
    seg.ack === priorUna &&
    t.sndWnd === priorWnd
  );
}

/**
 * Without SACK each duplicate ACK stands for a segment that left the network (RFC 6582 §3.2's
 * window inflation, in Linux's form: tcp_add_reno_sack / tcp_remove_reno_sacks). Returns the
 * segments delivered.
 */
function countDuplicateAcks(t: Tcb, dupAck: boolean, acked: number, prior: number): number {
  const q = t.loss.queue;
  if (dupAck) {
    // Never more than the segments outstanding minus one hole (tcp_limit_reno_sacked).
    q.dupAckSacked = Math.min(q.dupAckSacked + 1, Math.max(0, q.entries.length - Math.max(q.lostOut, 1)));
    return 1;
  }
  if (acked === 0) return 0;
  q.dupAckSacked = acked - 1 >= q.dupAckSacked ? 0 : q.dupAckSacked - (acked - 1);
  return Math.max(acked - prior, 1);
}

/** Recovery, Loss and CWR end once SND.UNA reaches the point they began at (RFC 6582 §3.2 step 3). */
function checkRecoveryExit(step: Step, effect: AckEffect): boolean {
  const t = step.tcb;
  const cc = t.cc;
  if (cc.state === 'Open' || cc.state === 'Disorder' || !effect.unaAdvanced) return false;
  if (!seqGe(t.sndUna, cc.recoveryPoint)) return false;
  if (cc.state !== 'Loss') endCwndReduction(t);
  t.loss.queue.dupAckSacked = 0;
  cc.retransmitNow = false;
  cc.state = 'Open';
  return true;
}

/** Marks what the ACK shows lost (Linux tcp_identify_packet_loss). */
function identifyLoss(step: Step, effect: AckEffect): void {
  const t = step.tcb;
  const q = t.loss.queue;
  if (q.entries.length === 0) return;
  if (!t.sackOk) {
    markLostNewReno(t, effect.unaAdvanced);
    return;
  }
  if (t.profile.rack) {
    const wait = rackDetectLoss(t, step.now);
    armReorderTimer(step, wait);
  } else {
    markLostByDupThresh(t);
  }
}

/**
 * Without SACK (Linux tcp_newreno_mark_lost): the third duplicate ACK marks the first
 * unacknowledged segment lost (RFC 5681 §3.2 fast retransmit); in recovery each partial ACK
 * marks the next one (RFC 6582 §3.2 step 5).
 */
function markLostNewReno(t: Tcb, unaAdvanced: boolean): void {
  const q = t.loss.queue;
  const state = t.cc.state;
  const beforeRecovery = state === 'Open' || state === 'Disorder' || state === 'CWR';
  const partialAck = state === 'Recovery' && unaAdvanced;
  if ((beforeRecovery && q.dupAckSacked >= DUP_THRESH) || partialAck) {
    const head = q.entries[0];
    if (!head.lost) markLost(q, head);
    // RFC 6582 §3.2 step 5: a partial ACK retransmits the first unacknowledged segment at once.
    if (partialAck && !head.retrans) t.cc.retransmitNow = true;
  }
}

function armReorderTimer(step: Step, wait: number): void {
  const L = step.tcb.loss;
  if (wait > 0) {
    L.reorderDelay = wait;
    L.reorderArmed = true;
    step.reorderTimer = 'restart';
  } else if (L.reorderArmed) {
    L.reorderArmed = false;
    step.reorderTimer = 'stop';
  }
}

/** Open ↔ Disorder, and into Recovery once something is lost (Linux tcp_time_to_recover). */
function updateCongestionState(step: Step): void {
  const t = step.tcb;
  const state = t.cc.state;
  if (state === 'Recovery' || state === 'Loss') return;
  if (t.loss.queue.lostOut > 0) enterRecovery(step);
  else if (state !== 'CWR') settleOpenState(t);
}

/** Linux tcp_try_keep_open: Disorder while SACKed, lost or retransmitted segments are outstanding. */
export function settleOpenState(t: Tcb): void {
  const q = t.loss.queue;
  const disorder = q.sackedOut + q.dupAckSacked + q.lostOut + q.retransOut > 0;
  const next = disorder ? 'Disorder' : 'Open';
  if (t.cc.state !== next) t.cc.recoveryPoint = t.sndMax;
  t.cc.state = next;
}

/** RFC 5681 §3.2 steps 2–3, RFC 6582 §3.2 step 2, RFC 6675 §5 step 4 (Linux tcp_enter_recovery). */
export function enterRecovery(step: Step): void {
  const t = step.tcb;
  if (t.cc.state !== 'CWR') initCwndReduction(step);
  t.cc.state = 'Recovery';
  t.cc.recoveryPoint = t.sndMax;
  // Without PRR: cwnd = ssthresh (the duplicate ACKs already counted out of the pipe are RFC 6582's
  // "+ 3·SMSS" inflation), and the lost segment goes at once (RFC 5681 §3.2 step 2; PRR forces it
  // in its own way).
  if (!t.profile.prr) {
    t.cc.cwnd = t.cc.ssthresh;
    t.cc.retransmitNow = true;
  }
}

/** Linux tcp_init_cwnd_reduction: remember the window, take the algorithm's ssthresh. */
export function initCwndReduction(step: Step): void {
  const t = step.tcb;
  const cc = t.cc;
  cc.priorCwnd = cc.cwnd;
  cc.priorSsthresh = currentSsthresh(t);
  // RFC 5681 eq. 4's FlightSize: everything sent and not cumulatively acknowledged.
  cc.ssthresh = congestionAlgorithm(t.profile).ssthresh(cc, t.loss.queue.entries.length);
  cc.cwndCount = 0;
  cc.prrDelivered = 0;
  cc.prrOut = 0;
  cc.recoveryPoint = t.sndMax;
  t.loss.tlpHighSeq = -1;
}

/** Linux tcp_end_cwnd_reduction: leaving recovery or CWR, cwnd drops to ssthresh. */
export function endCwndReduction(t: Tcb): void {
  if (t.cc.ssthresh < INFINITE_SSTHRESH) t.cc.cwnd = t.cc.ssthresh;
  t.cc.cwndCount = 0;
}

/** Linux tcp_current_ssthresh: ssthresh, or ¾ of cwnd when that is larger and no reduction runs. */
export function currentSsthresh(t: Tcb): number {
  const cc = t.cc;
  if (cc.state === 'CWR' || cc.state === 'Recovery') return cc.ssthresh;
  return Math.max(cc.ssthresh, Math.floor(cc.cwnd / 2) + Math.floor(cc.cwnd / 4));
}

/** Linux tcp_cong_control: PRR while reducing, the algorithm's growth otherwise. */
function adjustWindow(step: Step, effect: AckEffect, dataAcked: boolean): void {
  const t = step.tcb;
  const cc = t.cc;
  if (cc.state === 'Recovery' || cc.state === 'CWR') {
    if (t.profile.prr) proportionalRateReduction(t, effect);
    return;
  }
  // RFC 5681 §3.1 / Linux tcp_may_raise_cwnd: grow only on in-order delivery, and only when
  // the window was what limited sending (tcp_is_cwnd_limited).
  if (dataAcked && isCwndLimited(t)) {
    congestionAlgorithm(t.profile).congestionAvoidance(cc, effect.delivered, step.now);
  }
}

/** Linux tcp_is_cwnd_limited (RFC 7661 spirit): the window was used, or slow start up to twice the flight. */
function isCwndLimited(t: Tcb): boolean {
  const cc = t.cc;
  if (cc.cwndLimited) return true;
  return inSlowStart(cc) && cc.cwnd < 2 * cc.maxPacketsOut;
}

/** RFC 6937 §3.1 PRR with the SSRB bound (Linux tcp_cwnd_reduction). */
function proportionalRateReduction(t: Tcb, effect: AckEffect): void {
  const cc = t.cc;
  if (effect.delivered <= 0 || cc.priorCwnd === 0) return;
  const inFlight = packetsInFlight(t.loss.queue);
  const delta = cc.ssthresh - inFlight;
  cc.prrDelivered += effect.delivered;
  let sendCount: number;
  if (delta < 0) {
    sendCount = Math.floor((cc.ssthresh * cc.prrDelivered + cc.priorCwnd - 1) / cc.priorCwnd) - cc.prrOut;
  } else {
    sendCount = Math.max(cc.prrDelivered - cc.prrOut, effect.delivered);
    if (effect.unaAdvanced && effect.newlyLost === 0) sendCount++;
    sendCount = Math.min(delta, sendCount);
  }
  // Force a fast retransmit on entering recovery.
  sendCount = Math.max(sendCount, cc.prrOut > 0 ? 0 : 1);
  cc.cwnd = Math.max(inFlight + sendCount, 1);
}

/**
 * RFC 5681 §3.1 eq. 4 and RFC 6298 (5.4) on a retransmission timeout (Linux tcp_enter_loss):
 * ssthresh from the algorithm (once per episode), cwnd = 1, everything not SACKed lost — the
 * retransmissions that follow skip what the receiver holds.
 */
export function enterLoss(step: Step): void {
  const t = step.tcb;
  const cc = t.cc;
  const q = t.loss.queue;
  const algorithm = congestionAlgorithm(t.profile);
  if (
    cc.state === 'Open' ||
    cc.state === 'Disorder' ||
    cc.state === 'CWR' ||
    !seqGt(cc.recoveryPoint, t.sndUna)
  ) {
    cc.priorSsthresh = currentSsthresh(t);
    cc.priorCwnd = cc.cwnd;
    cc.ssthresh = algorithm.ssthresh(cc, q.entries.length);
  }
  q.dupAckSacked = 0;
  markAllLost(q);
  cc.cwnd = packetsInFlight(q) + 1;
  cc.cwndCount = 0;
  if (cc.state !== 'Loss') algorithm.onLoss(cc);
  cc.state = 'Loss';
  cc.retransmitNow = false;
  cc.recoveryPoint = t.sndMax;
  const L = t.loss;
  if (L.probeArmed) step.probeTimer = 'stop';
  if (L.reorderArmed) step.reorderTimer = 'stop';
  L.probeArmed = false;
  L.reorderArmed = false;
}
