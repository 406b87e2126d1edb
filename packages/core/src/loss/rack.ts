/**
 * RACK (RFC 8985 §6): a segment is lost when a segment sent after it has been delivered and
 * more than RACK.rtt + reo_wnd has passed since it was sent (Linux tcp_rack_detect_loss,
 * tcp_rack_advance, tcp_rack_reo_wnd).
 */
import { congestionAlgorithm } from '../congestion/algorithm.js';
import type { Tcb } from '../tcb/tcb.js';
import { markLost, type SentSegment } from './queue.js';
import { DUP_THRESH } from './sack.js';

/** RFC 8985 §6.2 step 4: reo_wnd_mult is at most this (Linux caps reo_wnd_steps at 0xFF). */
const MAX_REO_WND_STEPS = 255;
/** Linux TCP_RACK_RECOVERY_THRESH: recoveries without D-SACK before the multiplier resets. */
const REO_WND_PERSIST = 16;

/**
 * RFC 8985 §6.2 steps 1–2: a newly delivered (ACKed or SACKed) segment advances RACK.xmit_ts to
 * the most recently sent delivered segment, and yields an RTT sample.
 */
export function rackAdvance(t: Tcb, e: SentSegment, now: number): void {
  const L = t.loss;
  const rtt = now - e.sentAt;
  // Without timestamps the ACK of a retransmitted segment may be for the original: an RTT below
  // the minimum must be that (RFC 8985 §6.2 step 2; Linux tcp_rack_advance).
  if (e.everRetrans && L.minRtt >= 0 && rtt < L.minRtt) return;
  if (!e.everRetrans) {
    if (L.minRtt < 0 || rtt < L.minRtt) L.minRtt = rtt;
    congestionAlgorithm(t.profile).onRttSample(t.cc, rtt);
  }
  // RFC 8985 §6.2 RACK_sent_after, by sending order (see SentSegment.order).
  if (e.order > L.rackOrder) {
    L.rackRtt = rtt;
    L.rackXmitTime = e.sentAt;
    L.rackOrder = e.order;
  }
}

/** RFC 8985 §6.2 step 4 (Linux tcp_rack_reo_wnd): the reordering window, ms. */
export function rackReorderingWindow(t: Tcb): number {
  const L = t.loss;
  if (!L.reorderingSeen) {
    // No reordering seen: be aggressive in recovery, or once DupThresh segments are SACKed.
    if (t.cc.state === 'Recovery' || t.cc.state === 'Loss') return 0;
    if (L.queue.sackedOut >= DUP_THRESH) return 0;
  }
  const srtt = t.rtt.srtt ?? 0;
  return Math.min(Math.floor(Math.max(L.minRtt, 0) / 4) * L.reoWndSteps, srtt);
}

/**
 * RFC 8985 §6.2 step 5: marks lost every segment sent before the most recently delivered one
 * whose reordering window has passed. Returns the longest wait (ms) of those still inside it (0:
 * none), for the reordering timer.
 */
export function rackDetectLoss(t: Tcb, now: number): number {
  const L = t.loss;
  if (L.rackOrder < 0) return 0;
  const reoWnd = rackReorderingWindow(t);
  let wait = 0;
  for (const e of L.queue.entries) {
    if (e.sacked || (e.lost && !e.retrans)) continue;
    if (e.order >= L.rackOrder) continue;
    const remaining = e.sentAt + L.rackRtt + reoWnd - now;
    if (remaining <= 0) markLost(L.queue, e);
    else if (remaining > wait) wait = remaining;
  }
  return wait;
}

/**
 * RFC 8985 §6.2 step 4: a D-SACK (a spurious retransmission) widens the window by min_RTT/4, at
 * most once per recovery; after 16 recoveries without one it returns to min_RTT/4.
 */
export function rackUpdateReorderingWindow(t: Tcb, recoveryEnded: boolean): void {
  const L = t.loss;
  if (L.dsackSeen) {
    L.reoWndSteps = Math.min(L.reoWndSteps + 1, MAX_REO_WND_STEPS);
    L.reoWndPersist = REO_WND_PERSIST;
    L.dsackSeen = false;
  } else if (recoveryEnded && L.reoWndPersist > 0 && --L.reoWndPersist === 0) {
    L.reoWndSteps = 1;
  }
}
