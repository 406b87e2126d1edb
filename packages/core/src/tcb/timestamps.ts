/**
 * Timestamps on arrival (RFC 7323 §4–5): which TSval we echo (TS.Recent), RTT samples from the
 * echoed TSecr, and PAWS, which drops old duplicates whose TSval went backwards.
 */
import type { TcpState } from '../machine/states.js';
import { tsValue } from '../options.js';
import { Flag, payloadLength, type Segment } from '../segment.js';
import { seqDiff, seqLe, seqLt } from '../seq.js';
import { noteDuplicateData } from './ack-policy.js';
import type { Step, StepResult } from './step.js';
import type { Tcb } from './tcb.js';

/** TSvals compare in 32-bit serial arithmetic like sequence numbers (RFC 7323 §5.2). */
function tsBefore(a: number, b: number): boolean {
  return seqLt(a, b);
}

/**
 * RFC 7323 §5.3 R1 (PAWS), a rung of the §3.10.7.4 ladder before the sequence check: a non-RST
 * segment whose TSval is older than TS.Recent is an old duplicate — answered with an ACK (under the
 * invalid-reply rate limit, data exempt: Linux tcp_validate_incoming → tcp_send_dupack) and dropped
 * (conformance/timestamps-echo-paws.pkt).
 */
export function pawsCheck(step: Step, state: TcpState, seg: Segment): StepResult | undefined {
  const t = step.tcb;
  if (!t.tsOk || !seg.ts || seg.flags & Flag.RST || !tsBefore(seg.ts.val, t.tsRecent)) return undefined;
  const hasData = payloadLength(seg) > 0;
  noteDuplicateData(t, seg);
  step.replyToInvalid(hasData && !(seg.flags & Flag.SYN));
  return step.result(state);
}

/**
 * RFC 7323 §4.3 (2): a segment that passed the checks updates TS.Recent when it is not older and
 * starts at or below Last.ACK.sent — the TSval of the earliest segment an ACK covers is echoed, so
 * delayed ACKs make the RTT sample include the delay (Linux tcp_replace_ts_recent, rcv_wup).
 */
export function recordTsRecent(t: Tcb, seg: Segment): void {
  if (!t.tsOk || !seg.ts) return;
  if (seqLe(seg.seq, t.lastAckSent) && !tsBefore(seg.ts.val, t.tsRecent)) t.tsRecent = seg.ts.val;
}

/**
 * RFC 7323 §4.1: an ACK of new data echoing our TSval measures the RTT as now − TSecr in TSval
 * ticks (ms); at least 1 ms (Linux tcp_rtt_tsopt_us). Undefined without a usable echo.
 */
export function timestampRtt(t: Tcb, seg: Segment, now: number): number | undefined {
  if (!t.tsOk || !seg.ts || seg.ts.ecr === 0) return undefined;
  const delta = seqDiff(tsValue(t, now), seg.ts.ecr);
  if (delta < 0 || delta > 0x7fff_ffff) return undefined;
  return Math.max(1, delta);
}
