/**
 * One congestion-control interface, shaped like Linux's struct tcp_congestion_ops: the
 * algorithm decides ssthresh on a loss, how cwnd grows on an ACK, and hears about RTO, idle
 * restarts and RTT samples. The recovery machinery (loss/recovery.ts) decides when to call it.
 */
import type { Profile } from '../profiles.js';
import { cubic } from './cubic.js';
import { newReno } from './newreno.js';
import type { CongestionControl } from './state.js';

export interface CongestionAlgorithm {
  readonly name: Profile['cc'];
  /** ssthresh after a loss, packets (tcp_congestion_ops.ssthresh); `flightSize`: packets in flight. */
  ssthresh(cc: CongestionControl, flightSize: number): number;
  /** Grows cwnd for `acked` newly delivered packets outside recovery (cong_avoid). */
  congestionAvoidance(cc: CongestionControl, acked: number, now: number): void;
  /** A retransmission timeout put the connection in Loss (set_state(TCP_CA_Loss)). */
  onLoss(cc: CongestionControl): void;
  /** Transmission starts after the pipe ran empty, `idle` ms after the last send (CA_EVENT_TX_START). */
  onTransmitStart(cc: CongestionControl, now: number, idle: number): void;
  /** An RTT sample, ms (pkts_acked). */
  onRttSample(cc: CongestionControl, rtt: number): void;
}

export function congestionAlgorithm(profile: Profile): CongestionAlgorithm {
  return profile.cc === 'newreno' ? newReno : cubic;
}
