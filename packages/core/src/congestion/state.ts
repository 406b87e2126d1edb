/**
 * The congestion-control block of a TCB: Linux's tcp_sock congestion fields (snd_cwnd,
 * snd_ssthresh, snd_cwnd_cnt, high_seq, prior_cwnd, prr_*) and the per-algorithm private state
 * (inet_csk_ca). Plain data, deep-copied with the TCB so snapshots stay immutable.
 */
import { type CongestionSnapshot, type CongestionStateName, INFINITE_SSTHRESH } from '../tcb/tcb.js';

/** CUBIC's private state (Linux struct bictcp), times in virtual ms; `epochStart` −1: no epoch. */
export interface CubicState {
  cnt: number;
  lastMaxCwnd: number;
  lastCwnd: number;
  lastTime: number;
  originPoint: number;
  k: number;
  /** Smallest RTT seen (ms); 0 before the first sample. */
  delayMin: number;
  epochStart: number;
  ackCount: number;
  tcpCwnd: number;
}

export interface CongestionControl {
  /** Linux tcp_ca_state. */
  state: CongestionStateName;
  /** Congestion window, packets (≥ 1). */
  cwnd: number;
  /** Packets acknowledged towards the next additive increase (snd_cwnd_cnt). */
  cwndCount: number;
  ssthresh: number;
  /** cwnd and ssthresh when the last reduction began (undo and PRR: prior_cwnd). */
  priorCwnd: number;
  priorSsthresh: number;
  /** SND.MAX when recovery / loss / CWR began: the episode ends once it is acknowledged (high_seq). */
  recoveryPoint: number;
  /** RFC 6937 PRR: packets delivered and sent since recovery began. */
  prrDelivered: number;
  prrOut: number;
  /**
   * One retransmission goes out whatever cwnd says: the fast retransmit on entering recovery
   * (RFC 5681 §3.2 step 2) and the one a partial ACK calls for (RFC 6582 §3.2 step 5).
   */
  retransmitNow: boolean;
  /** Last time data left (Linux lsndtime); −1 before the first. */
  lastSendAt: number;
  /** The last transmit stopped on cwnd with data waiting (Linux is_cwnd_limited). */
  cwndLimited: boolean;
  /** Most packets out in the current window (Linux max_packets_out). */
  maxPacketsOut: number;
  /** SND.MAX when cwndLimited / maxPacketsOut were last reset: a new window starts once it is ACKed. */
  cwndUsageSeq: number;
  cubic: CubicState;
  /** The snapshot last emitted as a `cc` output; undefined before the first. */
  reported: CongestionSnapshot | undefined;
}

export function initialCubic(): CubicState {
  return {
    cnt: 0,
    lastMaxCwnd: 0,
    lastCwnd: 0,
    lastTime: 0,
    originPoint: 0,
    k: 0,
    delayMin: 0,
    epochStart: -1,
    ackCount: 0,
    tcpCwnd: 0,
  };
}

export function createCongestionControl(initialWindow: number): CongestionControl {
  return {
    state: 'Open',
    cwnd: initialWindow,
    cwndCount: 0,
    ssthresh: INFINITE_SSTHRESH,
    priorCwnd: 0,
    priorSsthresh: 0,
    recoveryPoint: 0,
    prrDelivered: 0,
    prrOut: 0,
    retransmitNow: false,
    lastSendAt: -1,
    cwndLimited: false,
    maxPacketsOut: 0,
    cwndUsageSeq: 0,
    cubic: initialCubic(),
    reported: undefined,
  };
}

/** A copy sharing nothing mutable with `cc` (snapshots are immutable; `reported` is never mutated). */
export function cloneCongestionControl(cc: CongestionControl): CongestionControl {
  return { ...cc, cubic: { ...cc.cubic } };
}
