/**
 * The loss-detection block of a TCB: the retransmission queue with its SACK scoreboard, RACK's
 * state (RFC 8985 §6.1; Linux tcp_sock.rack) and the tail loss probe's (RFC 8985 §7; tlp_high_seq).
 * Plain data, deep-copied with the TCB so snapshots stay immutable.
 */
import { cloneQueue, createQueue, type RetransmissionQueue } from './queue.js';

export interface LossState {
  queue: RetransmissionQueue;
  /** RACK.xmit_ts of the most recently sent segment known delivered; −1: none yet. */
  rackXmitTime: number;
  /** That segment's place in the sending order (RACK's tiebreak, see SentSegment.order); −1: none. */
  rackOrder: number;
  /** RACK.rtt: the RTT of that segment, ms. */
  rackRtt: number;
  /** Smallest RTT sample, ms (Linux tcp_min_rtt); −1 before the first. */
  minRtt: number;
  /** RACK.reord: reordering was observed on this connection (Linux reord_seen). */
  reorderingSeen: boolean;
  /** RFC 8985 §6.2 step 4: the reordering window multiplier, raised by D-SACKs (reo_wnd_steps). */
  reoWndSteps: number;
  /** Recoveries left before reoWndSteps resets to 1 (Linux reo_wnd_persist). */
  reoWndPersist: number;
  /** A D-SACK arrived since the multiplier last grew (RFC 8985 §6.2 step 4 "once per round trip"). */
  dsackSeen: boolean;
  /** Highest SACKed sequence number (RFC 6675 HighACK side; Linux fackets): reordering detection. */
  highestSacked: number;
  /** Delay the reordering timer was last armed with, ms. */
  reorderDelay: number;
  /** TLP: SND.NXT when the outstanding probe was sent; −1 while none is outstanding (tlp_high_seq). */
  tlpHighSeq: number;
  /** The outstanding probe was a retransmission (tlp_retrans). */
  tlpRetransmitted: boolean;
  /** Delay the probe timer was last armed with (PTO), ms. */
  probeDelay: number;
  /** Virtual time the armed probe timer fires. */
  probeDeadline: number;
  /** The probe timer runs. */
  probeArmed: boolean;
  /** The reordering timer runs. */
  reorderArmed: boolean;
  /** D-SACK blocks received (RFC 3708 §2: counted; used to widen RACK's reordering window). */
  dsacks: number;
}

export function createLossState(): LossState {
  return {
    queue: createQueue(),
    rackXmitTime: -1,
    rackOrder: -1,
    rackRtt: 0,
    minRtt: -1,
    reorderingSeen: false,
    reoWndSteps: 1,
    reoWndPersist: 0,
    dsackSeen: false,
    highestSacked: 0,
    reorderDelay: 0,
    tlpHighSeq: -1,
    tlpRetransmitted: false,
    probeDelay: 0,
    probeDeadline: 0,
    probeArmed: false,
    reorderArmed: false,
    dsacks: 0,
  };
}

export function cloneLossState(s: LossState): LossState {
  return { ...s, queue: cloneQueue(s.queue) };
}
