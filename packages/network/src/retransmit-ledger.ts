/**
 * Retransmitted bytes by cause, and how many of them were redundant: bytes the receiving endpoint
 * already held when they were resent. Computed from the network's view alone (what was delivered
 * to whom, and when), so it is deterministic, needs no trace and costs a few array operations per
 * data segment: quiet runs (sweeps) get the same numbers as traced ones.
 *
 * "Held" means delivered to the receiving endpoint before the resend (an original, an earlier
 * retransmission or a network duplicate), whatever the receiver then did with it — a receiver that
 * buffers out-of-order data within its window (RFC 9293 §3.10.7.4, as Linux and core both do) holds
 * every such byte. Sequence numbers are counted from the flow's last SYN (ISN + 1), so one flow of
 * up to 4 GiB is measured exactly and a new incarnation of a 4-tuple starts afresh.
 */
import { Flag, type RetransmitCause, type Segment } from '@synack/core';

/** A retransmission without a cause was sent by core's retransmission timer (all there was before RFC 6675 / RACK-TLP). */
const DEFAULT_CAUSE: RetransmitCause = 'rto';

export interface RetransmittedBytes {
  rto: number;
  fast: number;
  tlp: number;
}

/** Byte ranges [start, end) of one direction of one connection, relative to ISN + 1, merged and sorted. */
interface Flow {
  base: number;
  held: number[];
}

export class RetransmitLedger {
  readonly bytes: RetransmittedBytes = { rto: 0, fast: 0, tlp: 0 };
  /** Retransmitted bytes the receiver already held when they were resent. */
  redundant = 0;
  private readonly flows = new Map<string, Flow>();

  /** A segment leaves its sender; `retransmitted` when the sender says it is a retransmission. */
  sent(segment: Segment, retransmitted: boolean, cause: RetransmitCause | undefined): void {
    if (segment.flags & Flag.SYN) {
      // RFC 9293 §3.4: the first data byte is ISN + 1.
      this.flows.set(flowKey(segment), { base: (segment.seq + 1) >>> 0, held: [] });
      return;
    }
    const length = segment.data?.length ?? 0;
    if (!retransmitted || length === 0) return;
    this.bytes[cause ?? DEFAULT_CAUSE] += length;
    const flow = this.flows.get(flowKey(segment));
    if (!flow) return;
    const start = (segment.seq - flow.base) >>> 0;
    this.redundant += overlap(flow.held, start, start + length);
  }

  /** A segment reaches the endpoint it was addressed to. */
  delivered(segment: Segment): void {
    const length = segment.data?.length ?? 0;
    if (length === 0) return;
    const flow = this.flows.get(flowKey(segment));
    if (!flow) return;
    const start = (segment.seq - flow.base) >>> 0;
    insertRange(flow.held, start, start + length);
  }
}

function flowKey(segment: Segment): string {
  return `${segment.srcAddr}:${segment.srcPort}>${segment.dstAddr}:${segment.dstPort}`;
}

/** Bytes of [start, end) covered by the sorted, disjoint ranges in `held` (flat [s0, e0, s1, e1, …]). */
export function overlap(held: readonly number[], start: number, end: number): number {
  let covered = 0;
  for (let i = 0; i < held.length; i += 2) {
    if (held[i] >= end) break;
    const from = Math.max(start, held[i]);
    const to = Math.min(end, held[i + 1]);
    if (to > from) covered += to - from;
  }
  return covered;
}

/** Adds [start, end) to the sorted, disjoint ranges in `held`, merging what touches it. */
export function insertRange(held: number[], start: number, end: number): void {
  const last = held.length - 2;
  // The common case, in-order arrival: extend or append at the end.
  if (last < 0 || start > held[last + 1]) {
    held.push(start, end);
    return;
  }
  if (start >= held[last]) {
    held[last + 1] = Math.max(held[last + 1], end);
    return;
  }
  let i = 0;
  while (i < held.length && held[i + 1] < start) i += 2;
  let j = i;
  let from = start;
  let to = end;
  while (j < held.length && held[j] <= end) {
    from = Math.min(from, held[j]);
    to = Math.max(to, held[j + 1]);
    j += 2;
  }
  held.splice(i, j - i, from, to);
}
