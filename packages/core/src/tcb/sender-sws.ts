/**
 * Sender silly-window avoidance (RFC 9293 §3.8.6.2.1; RFC 1122 §4.2.3.4): new data does not go
 * out in a segment shorter than both the MSS and the data waiting just because the usable window
 * is that short — a small window is filled once it is worth it, or by the override timer.
 *
 * - 'linux' (tcp_write_xmit → tcp_snd_wnd_test): the segment at the head of the queue is sent
 *   only if its first MSS (or all of it, when shorter) fits in the window. The MSS here is Linux's
 *   mss_now, already bounded to half the largest window the peer offered (tcb/push.ts,
 *   tcp_bound_to_half_wnd) — that is Linux's "Fs = 1/2". Once the head fits, the burst may end in a
 *   window-limited short segment (tcp_mss_split_point sends `needed`), so only the first segment of
 *   a burst is tested (the Nagle test tcp_mss_split_point applies to that short end is not modelled).
 * - 'rfc9293': send when a full segment fits, when all the data waiting fits, or when the usable
 *   window is at least Fs·Max(SND.WND) with Fs = 1/2 ("a fraction Fs of the maximum window").
 * - 'off': any usable window is filled at once.
 *
 * The override timer (§3.8.6.2.1 "override timeout"): data held this way with nothing in flight
 * gets no ACK to release it, so the persist timer runs (output.ts transmit, Linux
 * tcp_check_probe_timer: max(RTO, 200 ms)); when it fires, what the window allows leaves with PSH
 * (tcp_write_wakeup: "We are probing the opening of a window but the window size is != 0 must have
 * been a result SWS avoidance ( sender )"; conformance/sws-sender-persist-fills-window.pkt).
 */
import { segmentSize } from './push.js';
import type { Tcb } from './tcb.js';

/**
 * Whether new data must wait although `windowLeft` (> 0) bytes of window are usable: `unsent`
 * bytes wait; `firstOfBurst`: no segment of new data has left yet in this burst.
 */
export function windowTooSmallToSend(
  t: Tcb,
  windowLeft: number,
  unsent: number,
  firstOfBurst: boolean,
): boolean {
  const mss = segmentSize(t);
  // A full-sized segment fits, or all the data waiting does (RFC: "data is pushed and all queued
  // data can be sent now" — every SEND pushes in this model).
  if (windowLeft >= Math.min(unsent, mss)) return false;
  switch (t.profile.senderSws) {
    case 'off':
      return false;
    case 'rfc9293':
      return 2 * windowLeft < t.maxSndWnd;
    case 'linux':
      return firstOfBurst;
  }
}
