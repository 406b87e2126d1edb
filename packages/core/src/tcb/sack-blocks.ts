/**
 * The receiver's SACK blocks (RFC 2018 §4) and D-SACK block (RFC 2883 §4).
 *
 * RFC 2018 §4: "The first SACK block MUST specify the contiguous block of data containing the
 * segment which triggered this ACK"; the others repeat the most recently reported blocks, so each
 * block is reported in up to three successive ACKs. At most 4 blocks fit, 3 beside timestamps.
 * RFC 2883 §4: a duplicate segment is reported in the first block (the D-SACK block), once.
 * Linux keeps the same order (tcp_sack_new_ofo_skb moves the block to the front; tcp_dsack_set).
 */
import type { SackBlock } from '../segment.js';
import { seqAdd, seqGe, seqGt, seqLe, seqLt } from '../seq.js';
import type { Tcb } from './tcb.js';

/** RFC 2018 §3: 40 option bytes hold 4 blocks, 3 beside the 12 bytes of timestamps. */
export function maxSackBlocks(t: Tcb): number {
  return t.tsOk ? 3 : 4;
}

/** The blocks the next ACK carries: the D-SACK block first, then the most recent held blocks. */
export function currentSackBlocks(t: Tcb): SackBlock[] {
  const max = maxSackBlocks(t);
  const out: SackBlock[] = t.dsackBlock ? [t.dsackBlock] : [];
  for (const block of t.sackBlocks) {
    if (out.length >= max) break;
    out.push(block);
  }
  return out;
}

/** Held out-of-order text as contiguous ranges [left, right) in sequence order (a FIN counts). */
function heldRanges(t: Tcb): SackBlock[] {
  const ranges: { left: number; right: number }[] = [];
  for (const entry of t.outOfOrder) {
    const right = seqAdd(entry.seq, entry.data.length + (entry.fin ? 1 : 0));
    const last = ranges[ranges.length - 1];
    if (last && seqLe(entry.seq, last.right)) {
      if (seqGt(right, last.right)) last.right = right;
    } else {
      ranges.push({ left: entry.seq, right });
    }
  }
  return ranges;
}

function overlaps(a: SackBlock, b: SackBlock): boolean {
  return seqLt(a.left, b.right) && seqLt(b.left, a.right);
}

/**
 * Recomputes the blocks from the held text: `arrived` (the segment that triggered this ACK) first,
 * then the blocks reported before in their order, extents updated, those no longer held dropped.
 */
export function updateSackBlocks(t: Tcb, arrived?: SackBlock): void {
  if (!t.sackOk) return;
  const ranges = heldRanges(t);
  const ordered: SackBlock[] = [];
  const take = (range: SackBlock | undefined) => {
    if (range && !ordered.includes(range)) ordered.push(range);
  };
  if (arrived) take(ranges.find((r) => seqLe(r.left, arrived.left) && seqGe(r.right, arrived.right)));
  for (const old of t.sackBlocks) take(ranges.find((r) => overlaps(r, old)));
  for (const range of ranges) take(range);
  t.sackBlocks = ordered;
}

/** RFC 2883 §4: report the duplicate range [left, right) in the next ACK's first block. */
export function reportDuplicate(t: Tcb, left: number, right: number): void {
  if (!t.sackOk || !t.profile.dsack || !seqLt(left, right)) return;
  t.dsackBlock = { left, right };
}

/** The part of [left, right) some held out-of-order text already covers (for D-SACK), if any. */
export function heldOverlap(t: Tcb, left: number, right: number): SackBlock | undefined {
  for (const range of heldRanges(t)) {
    if (!overlaps(range, { left, right })) continue;
    return {
      left: seqGt(range.left, left) ? range.left : left,
      right: seqLt(range.right, right) ? range.right : right,
    };
  }
  return undefined;
}
