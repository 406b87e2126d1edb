/**
 * The retransmission queue with its scoreboard (Linux's rtx queue of skbs with TCPCB_SACKED_ACKED,
 * TCPCB_LOST and TCPCB_SACKED_RETRANS; RFC 6675 §3's scoreboard): one entry per segment sent and
 * not yet cumulatively acknowledged, sorted by sequence number, with the counters Linux keeps
 * (sacked_out, lost_out, retrans_out) so that "pipe" costs nothing per ACK.
 */
import { seqGe, seqGt, seqLe } from '../seq.js';

export interface SentSegment {
  /** First sequence number; moves up when a cumulative ACK covers part of the segment. */
  seq: number;
  /** Sequence number after the segment (the FIN counted). */
  end: number;
  /** The segment carries our FIN. */
  fin: boolean;
  /** It was sent with PSH (it emptied the send buffer then): a retransmission keeps the flag. */
  psh: boolean;
  /** Virtual time of its latest (re)transmission (RACK's xmit_ts). */
  sentAt: number;
  /**
   * Place of its latest (re)transmission in the connection's sending order. Many segments leave
   * in one virtual millisecond; Linux tells them apart by nanosecond timestamps, the model by this
   * (RACK's "sent after" must not fall back on sequence order: a retransmission sent after new
   * data has the lower sequence number).
   */
  order: number;
  /** The peer SACKed it (RFC 6675 §3 "SACKed"). */
  sacked: boolean;
  /** Deemed lost (RFC 6675 IsLost, RACK, RTO) and not SACKed. */
  lost: boolean;
  /** Retransmitted since it was last marked lost: in flight again (Linux TCPCB_SACKED_RETRANS). */
  retrans: boolean;
  /** Ever retransmitted (Linux TCPCB_EVER_RETRANS): its ACK is ambiguous for RTT (Karn). */
  everRetrans: boolean;
}

export interface RetransmissionQueue {
  entries: SentSegment[];
  sackedOut: number;
  lostOut: number;
  retransOut: number;
  /** Without SACK: duplicate ACKs counted as segments that left the network (Linux tcp_add_reno_sack). */
  dupAckSacked: number;
  /** Transmissions so far: the next one's `order`. */
  transmissions: number;
}

export function createQueue(): RetransmissionQueue {
  return { entries: [], sackedOut: 0, lostOut: 0, retransOut: 0, dupAckSacked: 0, transmissions: 0 };
}

export function cloneQueue(q: RetransmissionQueue): RetransmissionQueue {
  return { ...q, entries: q.entries.map((e) => ({ ...e })) };
}

/** Packets in flight (Linux tcp_packets_in_flight; RFC 6675 §4 "pipe" in packets). */
export function packetsInFlight(q: RetransmissionQueue): number {
  return q.entries.length - (q.sackedOut + q.dupAckSacked + q.lostOut) + q.retransOut;
}

/** A newly sent segment [seq, end) at `now`; anything queued at or beyond `seq` is forgotten (a go-back). */
export function appendSent(
  q: RetransmissionQueue,
  seq: number,
  end: number,
  fin: boolean,
  psh: boolean,
  now: number,
): void {
  while (q.entries.length > 0 && seqGe(q.entries[q.entries.length - 1].seq, seq)) {
    uncount(q, q.entries[q.entries.length - 1]);
    q.entries.pop();
  }
  q.entries.push({
    seq,
    end,
    fin,
    psh,
    sentAt: now,
    order: q.transmissions++,
    sacked: false,
    lost: false,
    retrans: false,
    everRetrans: false,
  });
}

function uncount(q: RetransmissionQueue, e: SentSegment): void {
  if (e.sacked) q.sackedOut--;
  if (e.lost) q.lostOut--;
  if (e.retrans) q.retransOut--;
}

/**
 * Drops what a cumulative ACK covers, calling `delivered(e, context)` for each segment that
 * reached the peer for the first time (not SACKed before); trims a partly acknowledged head
 * (tcp_trim_head). Returns the number of segments removed. (A plain function and its context
 * rather than a closure: this runs for every ACK.)
 */
export function removeAcknowledged<C>(
  q: RetransmissionQueue,
  ack: number,
  delivered: (e: SentSegment, context: C) => void,
  context: C,
): number {
  let n = 0;
  while (n < q.entries.length && seqLe(q.entries[n].end, ack)) {
    const e = q.entries[n];
    if (!e.sacked) delivered(e, context);
    uncount(q, e);
    n++;
  }
  if (n > 0) q.entries.splice(0, n);
  const head = q.entries[0];
  if (head && seqGt(ack, head.seq)) head.seq = ack;
  return n;
}

export function markLost(q: RetransmissionQueue, e: SentSegment): void {
  if (e.sacked) return;
  if (e.retrans) {
    // A retransmission deemed lost again (RACK): it needs another retransmission (tcp_mark_skb_lost).
    e.retrans = false;
    q.retransOut--;
  }
  if (!e.lost) {
    e.lost = true;
    q.lostOut++;
  }
}

export function markSacked(q: RetransmissionQueue, e: SentSegment): void {
  if (e.sacked) return;
  if (e.lost) {
    e.lost = false;
    q.lostOut--;
  }
  if (e.retrans) {
    e.retrans = false;
    q.retransOut--;
  }
  e.sacked = true;
  q.sackedOut++;
}

export function markRetransmitted(q: RetransmissionQueue, e: SentSegment, now: number): void {
  if (!e.retrans) q.retransOut++;
  e.retrans = true;
  e.everRetrans = true;
  e.sentAt = now;
  e.order = q.transmissions++;
}

/** The first segment waiting for retransmission (lost, not yet resent): RFC 6675 NextSeg rule (1). */
export function firstToRetransmit(q: RetransmissionQueue): SentSegment | undefined {
  if (q.lostOut === 0) return undefined;
  for (const e of q.entries) if (e.lost && !e.retrans) return e;
  return undefined;
}

/**
 * RTO (RFC 5681 §3.1 / Linux tcp_timeout_mark_lost): everything not SACKed is lost, nothing is in
 * flight. A SACKed head means the receiver reneged on its SACKs (RFC 2018 §8): then the SACK
 * marks are all forgotten and everything is lost.
 */
export function markAllLost(q: RetransmissionQueue): void {
  const reneged = q.entries.length > 0 && q.entries[0].sacked;
  for (const e of q.entries) {
    if (e.sacked && reneged) {
      e.sacked = false;
      q.sackedOut--;
    }
    markLost(q, e);
  }
}
