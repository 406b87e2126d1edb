/**
 * NewReno's window rules: RFC 5681 §3.1 slow start and congestion avoidance (in packets, as Linux
 * tcp_reno_cong_avoid counts them) and RFC 5681 §3.1 eq. 4 for ssthresh. Fast retransmit and
 * the RFC 6582 recovery episode live in loss/recovery.ts, shared with CUBIC.
 */
import type { CongestionAlgorithm } from './algorithm.js';
import type { CongestionControl } from './state.js';
import { congestionAvoidanceIncrease, inSlowStart, slowStart } from './window.js';

export const newReno: CongestionAlgorithm = {
  name: 'newreno',
  // RFC 5681 §3.1 eq. 4: ssthresh = max(FlightSize / 2, 2·SMSS). (Linux tcp_reno_ssthresh halves
  // cwnd instead; the RFC's FlightSize is what the rfc9293 profile follows.)
  ssthresh: (_cc: CongestionControl, flightSize: number) => Math.max(Math.floor(flightSize / 2), 2),
  congestionAvoidance(cc: CongestionControl, acked: number): void {
    let left = acked;
    if (inSlowStart(cc)) {
      left = slowStart(cc, acked);
      if (left === 0) return;
    }
    // RFC 5681 §3.1: about one SMSS per RTT: one packet per cwnd packets acknowledged.
    congestionAvoidanceIncrease(cc, cc.cwnd, left);
  },
  onLoss: () => {},
  onTransmitStart: () => {},
  onRttSample: () => {},
};
