/**
 * CUBIC (RFC 9438) as Linux's tcp_cubic.c computes it: beta 717/1024 (≈ 0.7, RFC 9438 §4.6),
 * C = 0.4 (bic_scale 41 / 1024 · 10), fast convergence on (§4.7), the Reno-friendly region
 * (§4.3, Linux tcp_friendliness), the window clock in 1/1024 s (BICTCP_HZ = 10).
 * Divergences: virtual ms stand in for jiffies (the kernel here has HZ = 250), the cube root is
 * exact rather than Linux's table-and-Newton approximation, and HyStart is not modelled (slow
 * start ends at ssthresh or a loss, as in RFC 5681).
 */
import type { CongestionAlgorithm } from './algorithm.js';
import { type CongestionControl, type CubicState, initialCubic } from './state.js';
import { congestionAvoidanceIncrease, inSlowStart, slowStart } from './window.js';

/** β·1024 (RFC 9438 §4.6: β_cubic = 0.7; Linux beta = 717). */
export const CUBIC_BETA = 717;
const BETA_SCALE = 1024;
/** C·1024/10 (RFC 9438 §5: C = 0.4; Linux bic_scale = 41). */
const BIC_SCALE = 41;
/** The window clock runs in 2^-10 s (Linux BICTCP_HZ). */
const BICTCP_HZ = 10;
/** Linux cube_rtt_scale = bic_scale · 10. */
const CUBE_RTT_SCALE = BIC_SCALE * 10;
/** Linux cube_factor = 2^(10 + 3·BICTCP_HZ) / (bic_scale · 10): K = cbrt(cube_factor · (Wmax − cwnd)). */
const CUBE_FACTOR = 2 ** (10 + 3 * BICTCP_HZ) / CUBE_RTT_SCALE;
/** Reno-friendly growth: 3(1−β)/(1+β) as Linux's beta_scale = 8·(1024+β)/3/(1024−β) (integer: 15). */
const BETA_SCALE_FRIENDLY = Math.floor(
  Math.floor((8 * (BETA_SCALE + CUBIC_BETA)) / 3) / (BETA_SCALE - CUBIC_BETA),
);
/** Virtual ms per second: the model's "HZ". */
const MS_PER_SECOND = 1000;

/**
 * W_cubic(t) in packets (RFC 9438 §4.2 eq. 1, Linux's fixed-point form): `t` ms since the epoch
 * began, for a window that was `wMax` packets at the last reduction.
 */
export function cubicWindow(originPoint: number, k: number, t: number): number {
  const tScaled = Math.floor((t * 2 ** BICTCP_HZ) / MS_PER_SECOND);
  const offs = Math.abs(tScaled - k);
  // c/rtt · (t − K)^3, shifted back out of 2^(10 + 3·BICTCP_HZ).
  const delta = Math.floor((CUBE_RTT_SCALE * offs * offs * offs) / 2 ** (10 + 3 * BICTCP_HZ));
  return tScaled < k ? originPoint - delta : originPoint + delta;
}

/** K in 2^-10 s (RFC 9438 §4.2 eq. 2: K = cbrt(W_max·(1−β)/C), with W_max − cwnd for the drop). */
export function cubicK(wMax: number, cwnd: number): number {
  return Math.floor(Math.cbrt(CUBE_FACTOR * (wMax - cwnd)));
}

/** Linux bictcp_update: how many ACKed packets earn one more packet of cwnd (ca->cnt). */
function updateCount(ca: CubicState, cwnd: number, acked: number, now: number): void {
  ca.ackCount += acked;
  if (ca.lastCwnd === cwnd && now - ca.lastTime <= MS_PER_SECOND / 32) return;
  if (!(ca.epochStart >= 0 && now === ca.lastTime)) {
    ca.lastCwnd = cwnd;
    ca.lastTime = now;
    if (ca.epochStart < 0) startEpoch(ca, cwnd, acked, now);
    // RFC 9438 §4.2: the target one RTT ahead (Linux adds delay_min to t).
    const target = cubicWindow(ca.originPoint, ca.k, now - ca.epochStart + ca.delayMin);
    ca.cnt = target > cwnd ? Math.floor(cwnd / (target - cwnd)) : 100 * cwnd;
    // Before the first loss the bandwidth is unknown: grow at least 5 % per RTT.
    if (ca.lastMaxCwnd === 0 && ca.cnt > 20) ca.cnt = 20;
  }
  renoFriendly(ca, cwnd);
  // At most one packet per two ACKed: 1.5× per RTT.
  ca.cnt = Math.max(ca.cnt, 2);
}

function startEpoch(ca: CubicState, cwnd: number, acked: number, now: number): void {
  ca.epochStart = now;
  ca.ackCount = acked;
  ca.tcpCwnd = cwnd;
  if (ca.lastMaxCwnd <= cwnd) {
    ca.k = 0;
    ca.originPoint = cwnd;
  } else {
    ca.k = cubicK(ca.lastMaxCwnd, cwnd);
    ca.originPoint = ca.lastMaxCwnd;
  }
}

/** RFC 9438 §4.3 Reno-friendly region (Linux tcp_friendliness): never slower than Reno would be. */
function renoFriendly(ca: CubicState, cwnd: number): void {
  const delta = Math.floor((cwnd * BETA_SCALE_FRIENDLY) / 8);
  if (delta > 0) {
    while (ca.ackCount > delta) {
      ca.ackCount -= delta;
      ca.tcpCwnd++;
    }
  }
  if (ca.tcpCwnd > cwnd) {
    const maxCount = Math.floor(cwnd / (ca.tcpCwnd - cwnd));
    if (ca.cnt > maxCount) ca.cnt = maxCount;
  }
}

export const cubic: CongestionAlgorithm = {
  name: 'cubic',
  // RFC 9438 §4.6 multiplicative decrease and §4.7 fast convergence (Linux cubictcp_recalc_ssthresh).
  ssthresh(cc: CongestionControl): number {
    const ca = cc.cubic;
    ca.epochStart = -1;
    ca.lastMaxCwnd =
      cc.cwnd < ca.lastMaxCwnd
        ? Math.floor((cc.cwnd * (BETA_SCALE + CUBIC_BETA)) / (2 * BETA_SCALE))
        : cc.cwnd;
    return Math.max(Math.floor((cc.cwnd * CUBIC_BETA) / BETA_SCALE), 2);
  },
  congestionAvoidance(cc: CongestionControl, acked: number, now: number): void {
    let left = acked;
    if (inSlowStart(cc)) {
      left = slowStart(cc, acked);
      if (left === 0) return;
    }
    updateCount(cc.cubic, cc.cwnd, left, now);
    congestionAvoidanceIncrease(cc, cc.cubic.cnt, left);
  },
  // Linux cubictcp_state: entering Loss forgets the curve (bictcp_reset).
  onLoss(cc: CongestionControl): void {
    cc.cubic = initialCubic();
  },
  // Linux cubictcp_cwnd_event(CA_EVENT_TX_START): idle time does not count as growth time.
  onTransmitStart(cc: CongestionControl, now: number, idle: number): void {
    const ca = cc.cubic;
    if (ca.epochStart >= 0 && idle > 0) ca.epochStart = Math.min(ca.epochStart + idle, now);
  },
  // Linux cubictcp_acked: delay_min is the smallest RTT sample.
  onRttSample(cc: CongestionControl, rtt: number): void {
    const ca = cc.cubic;
    if (rtt > 0 && (ca.delayMin === 0 || rtt < ca.delayMin)) ca.delayMin = rtt;
  },
};
