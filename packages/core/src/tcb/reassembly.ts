/**
 * RFC 9293 §3.10.7.4 seventh step (process the segment text) and the eighth
 * step's in-order test for the FIN: in-order text is delivered, out-of-order
 * text within the window is held for reassembly.
 */
import { Flag, type Segment } from '../segment.js';
import { seqAdd, seqDiff, seqGt, seqLe } from '../seq.js';
import { acknowledgeData, noteDataArrival, noteDuplicateData } from './ack-policy.js';
import { acceptableWindow } from './receive-window.js';
import { heldOverlap, reportDuplicate, updateSackBlocks } from './sack-blocks.js';
import type { Step } from './step.js';
import { concatBytes, EMPTY_BYTES, type OutOfOrder } from './tcb.js';

/**
 * Accepts in-order text, buffers out-of-order text (within the window), and reports whether the
 * FIN is now in order (eighth step). ACKs: out-of-order text is acknowledged at once with SACK
 * blocks (RFC 2018 §4), in-order text as the ACK policy says (ack-policy.ts), the FIN by the caller.
 */
export function receiveText(step: Step, seg: Segment): boolean {
  const t = step.tcb;
  let seq = seg.seq;
  let data = seg.data ?? EMPTY_BYTES;
  const fin = (seg.flags & Flag.FIN) !== 0;
  const hadGap = t.outOfOrder.length > 0;
  // Trim what we already have (segment starting before RCV.NXT): a partial duplicate (D-SACK).
  const already = seqDiff(t.rcvNxt, seq);
  if (already > 0) {
    noteDuplicateData(t, seg);
    data = data.subarray(Math.min(already, data.length));
    seq = seqAdd(seq, already);
  }
  // Trim beyond the window.
  const room = seqDiff(seqAdd(t.rcvNxt, acceptableWindow(t)), seq);
  let finInWindow = fin;
  if (data.length > room) {
    data = data.subarray(0, Math.max(0, room));
    finInWindow = false;
  }
  if (seq !== t.rcvNxt) {
    holdOutOfOrder(step, seq, data, finInWindow);
    return false;
  }
  if (data.length > 0) {
    noteDataArrival(step, data.length);
    deliver(step, data);
  }
  const finReached = finInWindow || pullReassembled(step);
  if (hadGap) updateSackBlocks(t);
  if (finReached) {
    // FIN consumes one sequence number.
    t.rcvNxt = seqAdd(t.rcvNxt, 1);
    t.peerFinReceived = true;
    t.outOfOrder = [];
    t.sackBlocks = [];
    return true;
  }
  // RFC 5681 §4.2: "a TCP receiver SHOULD send an immediate ACK when the incoming segment fills in
  // all or part of a gap" — also when it fills the whole gap (Linux: ICSK_ACK_NOW once the
  // out-of-order queue empties), so the sender learns at once that the hole is repaired.
  if (data.length > 0) acknowledgeData(step, data.length, hadGap);
  return false;
}

/**
 * Out of order: keep it for later and send a duplicate ACK at once (RFC 9293 §3.10.7.4, RFC 5681
 * §4.2) whose first SACK block holds this segment (RFC 2018 §4); text we already hold is reported
 * in a D-SACK block (RFC 2883 §4; Linux tcp_data_queue_ofo → tcp_dsack_set).
 */
function holdOutOfOrder(step: Step, seq: number, data: Uint8Array, fin: boolean): void {
  const t = step.tcb;
  if (data.length > 0 || fin) {
    const end = seqAdd(seq, data.length);
    const held = data.length > 0 ? heldOverlap(t, seq, end) : undefined;
    if (held) reportDuplicate(t, held.left, held.right);
    t.outOfOrder = insertOutOfOrder(t.outOfOrder, { seq, data, fin });
    updateSackBlocks(t, { left: seq, right: seqAdd(end, fin ? 1 : 0) });
  }
  step.sendAck();
}

/** Delivers whatever held text the gap just closed; true when a held FIN is now in order. */
function pullReassembled(step: Step): boolean {
  const t = step.tcb;
  while (t.outOfOrder.length > 0) {
    const head = t.outOfOrder[0];
    const headEnd = seqAdd(head.seq, head.data.length);
    if (seqGt(head.seq, t.rcvNxt)) break;
    t.outOfOrder = t.outOfOrder.slice(1);
    if (seqLe(headEnd, t.rcvNxt) && !(head.fin && headEnd === t.rcvNxt)) continue;
    const skip = seqDiff(t.rcvNxt, head.seq);
    const bytes = head.data.subarray(Math.max(0, skip));
    if (bytes.length > 0) deliver(step, bytes);
    if (head.fin) return true;
  }
  return false;
}

function deliver(step: Step, bytes: Uint8Array): void {
  const t = step.tcb;
  t.rcvNxt = seqAdd(t.rcvNxt, bytes.length);
  t.stats.bytesReceived += bytes.length;
  if (t.autoRead) step.emit({ type: 'data', bytes: bytes.slice() });
  else t.readable = concatBytes(t.readable, bytes);
}

/** Inserts text into the sorted out-of-order list, replacing what it covers at the same seq. */
function insertOutOfOrder(list: OutOfOrder[], entry: OutOfOrder): OutOfOrder[] {
  const out = list.filter(
    (e) => !(e.seq === entry.seq && e.data.length <= entry.data.length && (!e.fin || entry.fin)),
  );
  if (out.some((e) => e.seq === entry.seq && e.data.length >= entry.data.length && (e.fin || !entry.fin))) {
    return out;
  }
  const copy = { seq: entry.seq, data: entry.data.slice(), fin: entry.fin };
  let i = out.length;
  while (i > 0 && seqGt(out[i - 1].seq, copy.seq)) i--;
  out.splice(i, 0, copy);
  return out;
}
