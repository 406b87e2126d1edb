/**
 * What an endpoint may send in its current state — the checks `synack replay` marks a
 * captured segment with when the model would not have sent it at that moment. Each rule
 * names the RFC text or the Linux behaviour it follows.
 */
import type { CapturedSegment } from './capture.js';
import { isRetransmit, isSynchronized, type Side, seqLt } from './observer.js';

export interface Divergence {
  rule:
    | 'unexpected-flags'
    | 'unexpected-seq'
    | 'unexpected-ack'
    | 'missing-ack'
    | 'window'
    | 'rto-early'
    | 'rto-late';
  detail: string;
}

/** The profile's timers as the RTO rules use them (ms). */
export interface RuleLimits {
  rtoInitial: number;
  rtoMin: number;
  rtoMax: number;
  /** Relative slack for timer checks: jiffies, timer slack and capture timestamps. */
  tolerance: number;
  /** Wait before a SYN's (n+1)-th copy, n = 0 for the first retransmission (core's synTimeout). */
  synTimeout: (n: number) => number;
  /** The same for a SYN-ACK (core's synackTimeout). */
  synackTimeout: (n: number) => number;
}

const has = (seg: CapturedSegment, flag: string) => seg.flags.includes(flag);

/** The first rule this segment breaks, sent by `sender` to `receiver`, or undefined. */
export function checkSegment(
  sender: Side,
  receiver: Side,
  seg: CapturedSegment,
  limits: RuleLimits,
): Divergence | undefined {
  return (
    flagRule(sender, seg) ?? numberRule(sender, receiver, seg) ?? timerRule(sender, receiver, seg, limits)
  );
}

/** Whether the sender's state allows these flags at all (RFC 9293 §3.10). */
export function flagRule(sender: Side, seg: CapturedSegment): Divergence | undefined {
  const { state } = sender;
  if (has(seg, 'RST')) return undefined; // a reset is a legal answer in any state (§3.10.7.1)
  const syn = has(seg, 'SYN');
  if (state === 'CLOSED' && !syn) {
    return {
      rule: 'unexpected-flags',
      detail: `[${seg.flags}] from a CLOSED endpoint (only a RST may leave it)`,
    };
  }
  if (state === 'LISTEN')
    return { rule: 'unexpected-flags', detail: 'a listener sends only after a SYN arrives' };
  if (syn && isSynchronized(state)) {
    return {
      rule: 'unexpected-flags',
      detail: `SYN in ${state} (RFC 9293 §3.10.7.4: a SYN is only sent to open)`,
    };
  }
  if (syn && state === 'SYN_RECEIVED' && !has(seg, 'ACK')) {
    return {
      rule: 'unexpected-flags',
      detail: 'a SYN without ACK in SYN_RECEIVED (its SYN is a SYN-ACK, §3.10.7.2)',
    };
  }
  if (!syn && !has(seg, 'ACK') && (isSynchronized(state) || state === 'SYN_RECEIVED')) {
    return {
      rule: 'missing-ack',
      detail: `no ACK flag in ${state} (RFC 9293 §3.10.7.4: every segment once synchronized carries ACK)`,
    };
  }
  if ((seg.len > 0 || has(seg, 'FIN')) && state === 'SYN_SENT') {
    return { rule: 'unexpected-flags', detail: 'data or FIN before the handshake completed' };
  }
  if (seg.len > 0 && sender.finSeq !== undefined && !seqLt(seg.seq, sender.finSeq)) {
    return { rule: 'unexpected-flags', detail: `new data after its FIN (${state})` };
  }
  return undefined;
}

function numberRule(sender: Side, receiver: Side, seg: CapturedSegment): Divergence | undefined {
  if (has(seg, 'SYN') || has(seg, 'RST')) return undefined;
  if (sender.sndNxt !== undefined && seqLt(sender.sndNxt, seg.seq)) {
    return {
      rule: 'unexpected-seq',
      detail: `seq ${rel(seg.seq, sender)} skips past what it had sent (${rel(sender.sndNxt, sender)})`,
    };
  }
  if (has(seg, 'ACK') && receiver.sndNxt !== undefined && seqLt(receiver.sndNxt, seg.ack)) {
    return {
      rule: 'unexpected-ack',
      detail: `ack ${rel(seg.ack, receiver)} acknowledges data never sent (its next is ${rel(receiver.sndNxt, receiver)})`,
    };
  }
  const end = (seg.seq + seg.len) >>> 0;
  if (seg.len > 0 && receiver.windowRight !== undefined && seqLt(receiver.windowRight, end)) {
    return {
      rule: 'window',
      detail: `data to ${rel(end, sender)} past the advertised window's right edge ${rel(receiver.windowRight, sender)} (RFC 9293 §3.8.6)`,
    };
  }
  return undefined;
}

/**
 * A timer retransmission must wait at least the RTO floor since the last transmission of
 * the same sequence number (SYNs: the initial RTO, RFC 6298 §2.1; later: the profile's
 * minimum, Linux TCP_RTO_MIN) and never longer than the maximum.
 */
function timerRule(
  sender: Side,
  _receiver: Side,
  seg: CapturedSegment,
  limits: RuleLimits,
): Divergence | undefined {
  if (!isRetransmit(sender, seg)) return undefined;
  const prev = sender.sentAt.get(seg.seq);
  if (!prev) return undefined;
  const waited = seg.t - prev.t;
  // Only a copy of the same segment is timed: a SYN-ACK answering a simultaneous open reuses
  // the SYN's number (RFC 9293 §3.5), and a copy at the same instant is a network duplicate.
  if (prev.flags !== seg.flags.join(',') || waited === 0) return undefined;
  // Data: loss recovery (fast retransmit, SACK, RFC 8985 RACK-TLP) retransmits before any RTO;
  // only the upper bound is checked. SYNs and FINs are retransmitted by the timer alone.
  if (seg.len > 0) {
    return waited > limits.rtoMax * (1 + limits.tolerance)
      ? {
          rule: 'rto-late',
          detail: `data retransmitted ${waited.toFixed(1)} ms after the last copy; the RTO is at most ${limits.rtoMax} ms`,
        }
      : undefined;
  }
  const slack = limits.tolerance;
  if (has(seg, 'SYN')) return synTimerRule(sender, seg, waited, prev.count, limits);
  if (waited < limits.rtoMin * (1 - slack)) {
    return {
      rule: 'rto-early',
      detail: `retransmitted ${waited.toFixed(1)} ms after the last copy; the RTO is at least ${limits.rtoMin} ms`,
    };
  }
  if (waited > limits.rtoMax * (1 + slack)) {
    return {
      rule: 'rto-late',
      detail: `retransmitted ${waited.toFixed(1)} ms after the last copy; the RTO is at most ${limits.rtoMax} ms`,
    };
  }
  return undefined;
}

/**
 * A SYN's or SYN-ACK's copies follow the profile's schedule exactly (no RTT is known yet): the
 * initial RTO, doubled after each copy and capped at the maximum (RFC 6298 §2.1 and §5.5; Linux
 * reqsk_timer_handler for a SYN-ACK), a SYN's first `synLinearTimeouts` copies at the initial RTO
 * (Linux ≥ 6.5 tcp_retransmit_timer, tcp_syn_linear_timeouts). A SYN-ACK sent again at once because the peer's
 * SYN came again (Linux tcp_check_req → inet_rtx_syn_ack) is an answer, not a timer.
 */
function synTimerRule(
  sender: Side,
  seg: CapturedSegment,
  waited: number,
  copiesBefore: number,
  limits: RuleLimits,
): Divergence | undefined {
  if (has(seg, 'ACK') && sender.synCopyReceivedAt !== undefined && sender.synCopyReceivedAt > seg.t - waited)
    return undefined;
  const n = Math.min(copiesBefore - 1, 64);
  const due = has(seg, 'ACK') ? limits.synackTimeout(n) : limits.synTimeout(n);
  const timer = has(seg, 'ACK') ? 'SYN-ACK' : 'SYN';
  if (waited < due * (1 - limits.tolerance)) {
    return {
      rule: 'rto-early',
      detail: `retransmission ${copiesBefore} came ${waited.toFixed(1)} ms after the last copy; the ${timer} timer is ${due} ms then`,
    };
  }
  if (waited > due * (1 + limits.tolerance)) {
    return {
      rule: 'rto-late',
      detail: `retransmission ${copiesBefore} came ${waited.toFixed(1)} ms after the last copy; the ${timer} timer is ${due} ms then`,
    };
  }
  return undefined;
}

/** A sequence number relative to the endpoint's ISS, as Wireshark shows it. */
export function rel(n: number, side: Side): number {
  return side.iss === undefined ? n : (n - side.iss) >>> 0;
}
