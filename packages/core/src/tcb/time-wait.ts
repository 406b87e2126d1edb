/**
 * TIME-WAIT as Linux runs it (profile.timeWaitRules = 'linux', tcp_timewait_state_process):
 * Linux's "in window" there is only a bare ACK or a RST exactly at RCV.NXT; everything else is out
 * of window and answered with an ACK (TCP_TW_ACK), except a new SYN, which may reopen the 4-tuple
 * (TCP_TW_SYN). RFC 9293 §3.10.7.4 ignores text in TIME-WAIT and challenges a SYN instead.
 */
import type { TcpState } from '../machine/states.js';
import { Flag, payloadLength, type Segment, segmentLength } from '../segment.js';
import { seqAdd, seqGt, seqLt } from '../seq.js';
import type { Step, StepResult } from './step.js';
import type { Tcb } from './tcb.js';

/**
 * The ISS a SYN arriving in TIME-WAIT reopens the connection with, or undefined when it does not.
 * Linux tcp_timewait_state_process: a SYN without ACK/RST, not rejected by PAWS, whose sequence
 * number lies above RCV.NXT or whose TSval is newer than TS.Recent returns TCP_TW_SYN with
 * isn = tw_snd_nxt + 65535 + 2 (never 0), so the new incarnation cannot overlap the old one's
 * sequence space (RFC 1122 §4.2.2.13 (1)). tcp_v4_rcv then hands the SYN to the listener.
 */
export function timeWaitReopenIss(t: Tcb, seg: Segment): number | undefined {
  if (t.profile.timeWaitRules !== 'linux' || t.state !== 'TIME_WAIT') return undefined;
  if (!(seg.flags & Flag.SYN) || seg.flags & (Flag.ACK | Flag.RST)) return undefined;
  const useTs = t.tsOk && seg.ts !== undefined;
  // PAWS (tcp_paws_reject): an older TSval marks an old duplicate, which never reopens.
  if (useTs && seg.ts && seqLt(seg.ts.val, t.tsRecent)) return undefined;
  const newerTs = useTs && seg.ts !== undefined && seqGt(seg.ts.val, t.tsRecent);
  if (!seqGt(seg.seq, t.rcvNxt) && !newerTs) return undefined;
  const isn = seqAdd(t.sndNxt, 65_535 + 2);
  return isn === 0 ? 1 : isn;
}

/**
 * A rung of the §3.10.7.4 ladder for Linux TIME-WAIT: a segment occupying sequence space (text or
 * a FIN) that is not the retransmitted FIN is answered with an ACK and restarts the TIME-WAIT timer
 * (tcp_timewait_state_process → TCP_TW_ACK, `if (paws_reject || th->ack) inet_twsk_reschedule`);
 * data without a SYN is exempt from the invalid-reply rate limit (tcp_oow_rate_limited).
 */
export function timeWaitText(step: Step, state: TcpState, seg: Segment): StepResult | undefined {
  const t = step.tcb;
  if (t.profile.timeWaitRules !== 'linux' || state !== 'TIME_WAIT') return undefined;
  if (seg.flags & (Flag.RST | Flag.SYN) || segmentLength(seg) === 0) return undefined;
  step.replyToInvalid(payloadLength(seg) > 0);
  if (seg.flags & Flag.ACK) step.reenter = true;
  return step.result('TIME_WAIT');
}

/**
 * A RST in TIME-WAIT. Exactly at RCV.NXT it ends TIME-WAIT unless profile.rfc1337 (RFC 1337 §3,
 * Linux sysctl_tcp_rfc1337: ignored). Elsewhere Linux drops it silently (out of window for
 * tcp_timewait_state_process, no challenge ACK); returns undefined to let the RFC 5961 rules run.
 */
export function timeWaitRst(step: Step, state: TcpState, seg: Segment): StepResult | undefined {
  const t = step.tcb;
  if (state !== 'TIME_WAIT' || !(seg.flags & Flag.RST)) return undefined;
  if (seg.seq === t.rcvNxt) return t.profile.rfc1337 ? step.result('TIME_WAIT') : undefined;
  return t.profile.timeWaitRules === 'linux' ? step.result('TIME_WAIT') : undefined;
}
