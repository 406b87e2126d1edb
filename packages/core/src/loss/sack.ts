/**
 * The peer's SACK blocks on the scoreboard: RFC 2018 §3 / RFC 6675 §5 "Update" (Linux
 * tcp_sacktag_write_queue), D-SACK recognition (RFC 2883 §4, Linux tcp_check_dsack) and RFC 6675
 * §4 IsLost for the profile without RACK.
 */
import type { SackBlock, Segment } from '../segment.js';
import { seqGe, seqGt, seqLe, seqLt } from '../seq.js';
import type { Tcb } from '../tcb/tcb.js';
import { markLost, markSacked, type SentSegment } from './queue.js';
import { rackAdvance } from './rack.js';

/** RFC 6675 §2 DupThresh, in segments (Linux's default tcp_reordering). */
export const DUP_THRESH = 3;

/**
 * The D-SACK block of a segment, if its first block is one (RFC 2883 §4): it lies below the
 * cumulative ACK, or inside the second block.
 */
export function dsackBlock(seg: Segment): SackBlock | undefined {
  const blocks = seg.sack;
  if (!blocks || blocks.length === 0) return undefined;
  const first = blocks[0];
  if (seqLt(first.left, seg.ack)) return first;
  if (blocks.length > 1 && seqGe(first.left, blocks[1].left) && seqLe(first.right, blocks[1].right))
    return first;
  return undefined;
}

/** Linux tcp_is_sackblock_valid: a non-empty block within [SND.UNA, SND.MAX]. */
function validBlock(t: Tcb, b: SackBlock): boolean {
  return seqLt(b.left, b.right) && seqGe(b.left, t.sndUna) && seqLe(b.right, t.sndMax);
}

/**
 * Marks the segments the blocks cover as SACKed; `skipFirst` when the first block is a D-SACK.
 * Returns the number newly SACKed. Invalid blocks are ignored (RFC 2018 §3 leaves them to the
 * sender; Linux counts and drops them).
 */
export function tagSackBlocks(
  t: Tcb,
  seg: Segment,
  skipFirst: boolean,
  now: number,
  priorHighest: number,
): number {
  const blocks = seg.sack;
  if (!blocks) return 0;
  let newly = 0;
  for (let i = skipFirst ? 1 : 0; i < blocks.length; i++) {
    if (validBlock(t, blocks[i])) newly += tagRange(t, blocks[i].left, blocks[i].right, now, priorHighest);
  }
  return newly;
}

/** Marks every whole segment inside [left, right) SACKed (a partly covered one stays as it is). */
function tagRange(t: Tcb, left: number, right: number, now: number, priorHighest: number): number {
  const entries = t.loss.queue.entries;
  let newly = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (seqGe(e.seq, right)) break;
    if (e.sacked || seqLt(e.seq, left) || seqGt(e.end, right)) continue;
    newlySacked(t, e, now, priorHighest);
    newly++;
  }
  return newly;
}

function newlySacked(t: Tcb, e: SentSegment, now: number, priorHighest: number): void {
  const L = t.loss;
  noteReordering(t, e, priorHighest);
  markSacked(L.queue, e);
  rackAdvance(t, e, now);
  if (L.queue.sackedOut === 1 || seqGt(e.end, L.highestSacked)) L.highestSacked = e.end;
}

/**
 * A never-retransmitted segment delivered (SACKed or cumulatively ACKed) below the highest
 * segment SACKed before this ACK arrived out of order (Linux tcp_check_sack_reordering): the
 * path reorders, and RACK keeps its reordering window from now on (RFC 8985 §6.2 step 3).
 */
export function noteReordering(t: Tcb, e: SentSegment, priorHighest: number): void {
  if (!e.everRetrans && priorHighest >= 0 && seqLt(e.seq, priorHighest)) t.loss.reorderingSeen = true;
}

/**
 * RFC 6675 §4 IsLost: a segment is lost once DupThresh segments above it are SACKed (counted in
 * segments, as Linux's tcp_mark_head_lost). Marks them; returns how many were newly marked.
 */
export function markLostByDupThresh(t: Tcb): number {
  const q = t.loss.queue;
  let sackedAbove = 0;
  let marked = 0;
  for (let i = q.entries.length - 1; i >= 0; i--) {
    const e = q.entries[i];
    if (e.sacked) sackedAbove++;
    else if (sackedAbove >= DUP_THRESH && !e.lost) {
      markLost(q, e);
      marked++;
    }
  }
  return marked;
}
