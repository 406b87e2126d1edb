/**
 * The window arithmetic every algorithm shares, in packets as Linux counts them
 * (tcp_cong.c: tcp_slow_start, tcp_cong_avoid_ai, tcp_reno_cong_avoid).
 */
import type { CongestionControl } from './state.js';

/**
 * RFC 5681 §3.1 slow start: cwnd grows by the number of packets newly acknowledged, up to
 * ssthresh (Linux tcp_slow_start). Returns the acknowledged packets left over for congestion
 * avoidance once ssthresh is reached.
 */
export function slowStart(cc: CongestionControl, acked: number): number {
  const grown = Math.min(cc.cwnd + acked, cc.ssthresh);
  const left = acked - (grown - cc.cwnd);
  cc.cwnd = grown;
  return Math.max(0, left);
}

/**
 * Additive increase by one packet per `w` packets acknowledged (Linux tcp_cong_avoid_ai, the
 * packet-counting form of RFC 5681 §3.1 eq. 3: cwnd += SMSS·SMSS/cwnd per ACK).
 */
export function congestionAvoidanceIncrease(cc: CongestionControl, w: number, acked: number): void {
  if (cc.cwndCount >= w) {
    cc.cwndCount = 0;
    cc.cwnd++;
  }
  cc.cwndCount += acked;
  if (cc.cwndCount >= w) {
    const delta = Math.floor(cc.cwndCount / w);
    cc.cwndCount -= delta * w;
    cc.cwnd += delta;
  }
}

/** RFC 5681 §3.1: slow start while cwnd < ssthresh (Linux tcp_in_slow_start). */
export function inSlowStart(cc: CongestionControl): boolean {
  return cc.cwnd < cc.ssthresh;
}
