/**
 * How Linux sizes segments and marks PSH (profile.linuxPush):
 * - the MSS used to cut segments is bounded by the largest window the peer ever offered: half of
 *   it, or all of it when that is at most 536 bytes (tcp_sync_mss → tcp_bound_to_half_wnd), so a
 *   tiny window is still used in full-sized pieces;
 * - PSH marks the end of every write (tcp_push → tcp_mark_push on the tail skb), and inside a long
 *   write the end of each skb of `sizeGoal` bytes once more than half the max window was written
 *   since the last push (forced_push in tcp_sendmsg_locked). A mark inside a segment is lost
 *   (tcp_fragment keeps PSH on the second part), so a segment carries PSH when it ends on one.
 * A MSG_MORE write leaves its end unmarked, so its tail leaves without PSH (when an ACK releases
 * it) unless the persist timer sends it (tcp_write_wakeup sets PSH: output.ts transmit 'persist').
 * Without linuxPush the model marks the segment that empties the send queue (RFC 9293 §3.9.1: PSH
 * at the end of the data the user pushed; every SEND pushes).
 */
import { seqAdd, seqDiff, seqGt } from '../seq.js';
import type { Tcb } from './tcb.js';

/** Linux's GSO size limit minus headers (sk_gso_max_size − 1 − MAX_TCP_HEADER): the largest skb. */
const GSO_LIMIT = 65_536 - 1 - 320;

/** Linux tcp_bound_to_half_wnd; min 68 − header bytes (20 here, options counted in sendMss). */
function boundToHalfWindow(t: Tcb, size: number): number {
  const cutoff = t.maxSndWnd > 536 ? t.maxSndWnd >> 1 : t.maxSndWnd;
  return cutoff > 0 && size > cutoff ? Math.max(cutoff, 48) : size;
}

/** The MSS new data is cut with (Linux mss_now). */
export function segmentSize(t: Tcb): number {
  return t.profile.linuxPush ? boundToHalfWindow(t, t.sendMss) : t.sendMss;
}

/** Linux tcp_xmit_size_goal: the skb size a write is cut into, a multiple of the MSS. */
function sizeGoal(t: Tcb, mss: number): number {
  return Math.max(mss, Math.floor(boundToHalfWindow(t, GSO_LIMIT) / mss) * mss);
}

/**
 * A SEND of `length` bytes starting at `start`: records where Linux would put PSH marks. A
 * MSG_MORE write (`more`) marks its end only when forced_push would (Linux tcp_push:
 * `if (!(flags & MSG_MORE) || forced_push(tp)) tcp_mark_push`).
 */
export function markPushes(t: Tcb, start: number, length: number, more = false): void {
  if (!t.profile.linuxPush || length === 0) return;
  const goal = sizeGoal(t, segmentSize(t));
  const end = seqAdd(start, length);
  const marks = [...t.pushMarks];
  for (let at = seqAdd(start, goal); seqGt(end, at); at = seqAdd(at, goal)) {
    if (seqDiff(at, t.pushedSeq ?? start) > t.maxSndWnd >> 1) {
      marks.push(at);
      t.pushedSeq = at;
    }
  }
  if (!more || seqDiff(end, t.pushedSeq ?? start) > t.maxSndWnd >> 1) {
    marks.push(end);
    t.pushedSeq = end;
  }
  t.pushMarks = marks;
}

/**
 * Whether a new-data segment ending at `end` carries PSH; `reachesEnd`: it empties the queue.
 * Marks at or below `end` are used up.
 */
export function takePush(t: Tcb, end: number, reachesEnd: boolean): boolean {
  if (!t.profile.linuxPush) return reachesEnd;
  const marks = t.pushMarks;
  // Every write marks its end but a MSG_MORE one: an unmarked segment carries no PSH.
  if (marks.length === 0 || seqGt(marks[0] as number, end)) return false;
  let used = 0;
  while (used < marks.length && !seqGt(marks[used] as number, end)) used++;
  const onMark = marks[used - 1] === end;
  t.pushMarks = marks.slice(used);
  return onMark || reachesEnd;
}
