/**
 * Holding back short segments: Nagle's algorithm (RFC 896; RFC 9293 §3.7.4; RFC 1122 §4.2.3.4)
 * in Linux's Minshall variant, TCP_NODELAY and TCP_CORK — Linux tcp_nagle_test, tcp_nagle_check,
 * tcp_minshall_check and tcp_minshall_update (net/ipv4/tcp_output.c).
 *
 * Only the tail of the queue can be short (the model cuts new data into MSS-sized segments), and
 * only fresh data is ever held: retransmissions, a FIN (Linux tcp_nagle_test lets a FIN through)
 * and the pushes below are not.
 */
import { seqGt, seqLe, seqLt } from '../seq.js';
import { segmentSize } from './push.js';
import type { Tcb } from './tcb.js';

/**
 * Whether a segment of `length` new bytes — the last queued data, no FIN — must wait.
 * Linux tcp_nagle_check: `partial && (corked || (!nodelay && packets_out && minshall_check))`.
 * Cork wins over TCP_NODELAY (TCP_NAGLE_CORK is tested first); a MSG_MORE write is corked too.
 */
export function holdsShortSegment(t: Tcb, length: number): boolean {
  if (length >= segmentSize(t)) return false;
  if (t.cork || t.moreWrite) return true;
  if (t.nodelay) return false;
  switch (t.profile.nagle) {
    case 'off':
      return false;
    case 'rfc896':
      // RFC 1122 §4.2.3.4: "if there is unacknowledged data (i.e., SND.NXT > SND.UNA), then the
      // sending TCP buffers all user data ... until the outstanding data has been acknowledged or
      // until the TCP can send a full-sized segment".
      return seqLt(t.sndUna, t.sndNxt);
    case 'minshall':
      // Linux tcp_minshall_check: an earlier short segment is sent and not yet acknowledged
      // (SND.UNA < snd_sml ≤ SND.NXT); full-sized segments in flight do not hold a short one.
      return (
        t.smallSentEnd !== undefined && seqGt(t.smallSentEnd, t.sndUna) && seqLe(t.smallSentEnd, t.sndNxt)
      );
  }
}

/** Linux tcp_minshall_update: remember where a short segment of new data ended. */
export function noteSegmentSent(t: Tcb, length: number, end: number): void {
  if (length < segmentSize(t)) t.smallSentEnd = end;
}

/**
 * Data waits with nothing in flight, so no ACK will come to release it: TCP_CORK does that (Nagle
 * holds a segment only while something is unacknowledged), and so does the sender's silly-window
 * avoidance when the usable window is too small (sender-sws.ts). Linux then arms the persist
 * ("probe0") timer, tcp_check_probe_timer: max(RTO, TCP_RTO_MIN), and when it fires
 * tcp_write_wakeup sends what the window allows, up to one MSS, with PSH, cork or not — the
 * "200 ms ceiling" of tcp(7) is that timer's floor (conformance/cork-flush-after-rto.pkt).
 */
export function heldWithNothingInFlight(t: Tcb, unsent: number): boolean {
  return unsent > 0 && seqLe(t.sndMax, t.sndUna) && t.sndWnd > 0;
}
