/**
 * Sending segments again from the retransmission queue: lost ones first (RFC 6675 §5 NextSeg
 * rule 1, Linux tcp_xmit_retransmit_queue), within the congestion window.
 */
import { Flag } from '../segment.js';
import { seqDiff, seqGt, seqLe } from '../seq.js';
import type { Step } from '../tcb/step.js';
import type { RetransmitCause } from '../tcb/tcb.js';
import { firstToRetransmit, markRetransmitted, packetsInFlight, type SentSegment } from './queue.js';

/** Retransmits lost segments while cwnd allows, at most `limit`; returns how many went out. */
export function retransmitLost(step: Step, limit: number): number {
  const t = step.tcb;
  const q = t.loss.queue;
  let sent = 0;
  while (sent < limit && q.lostOut > 0 && (packetsInFlight(q) < t.cc.cwnd || t.cc.retransmitNow)) {
    const e = firstToRetransmit(q);
    if (!e) break;
    t.cc.retransmitNow = false;
    // Retransmissions in Loss are the RTO's (RFC 6298 (5.4) and onwards in slow start); others
    // are loss recovery's (RFC 5681 §3.2, RFC 6675, RFC 8985).
    resend(step, e, t.cc.state === 'Loss' ? 'rto' : 'fast');
    sent++;
  }
  return sent;
}

/** Sends queued segment `e` again, with the flags it first had, labelled with its cause. */
export function resend(step: Step, e: SentSegment, cause: RetransmitCause): void {
  const t = step.tcb;
  const q = t.loss.queue;
  const isHead = e === q.entries[0];
  const dataLength = seqDiff(e.end, e.seq) - (e.fin ? 1 : 0);
  markRetransmitted(q, e, step.now);
  // Karn (RFC 6298 §3): the timed segment went again, its ACK can no longer be timed.
  if (t.rttSeq !== undefined && seqGt(t.rttSeq, e.seq) && seqLe(t.rttSeq, e.end)) t.rttSeq = undefined;
  if (dataLength > 0) {
    const offset = seqDiff(e.seq, t.dataStart);
    const data = t.sendBuffer.subarray(offset, offset + dataLength).slice();
    const flags = Flag.ACK | (e.psh ? Flag.PSH : 0) | (e.fin ? Flag.FIN : 0);
    step.send(flags, e.seq, t.rcvNxt, data, 'data');
  } else {
    step.send(Flag.FIN | Flag.ACK, e.seq, t.rcvNxt, undefined, 'FIN');
  }
  labelCause(step, cause);
  t.cc.lastSendAt = step.now;
  if (t.cc.state === 'Recovery' || t.cc.state === 'CWR') t.cc.prrOut++;
  // Linux tcp_xmit_retransmit_queue: resending the head restarts the retransmission timer.
  if (isHead || !t.rtoArmed) step.startRto();
}

/** Sets the retransmission cause on the segment just emitted. */
export function labelCause(step: Step, cause: RetransmitCause): void {
  const last = step.out[step.out.length - 1];
  if (last?.type === 'segment') last.cause = cause;
}
