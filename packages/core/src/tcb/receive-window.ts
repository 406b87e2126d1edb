/**
 * Receiver silly-window avoidance (RFC 9293 §3.8.6.2.2; RFC 1122 §4.2.3.3): the window we offer
 * does not open in steps too small to be worth a segment, and never moves its right edge left.
 *
 * - 'linux' (tcp_select_window → __tcp_select_window): below half the buffer free, the free space
 *   is rounded down to the window-scale unit and offered as 0 when under one receive MSS or 1/16
 *   of the buffer; capped at rcv_ssthresh (rcvWndCap); then, with window scaling, aligned up to the
 *   scale unit, and without it, rounded down to a multiple of the MSS unless the window offered last
 *   is within one MSS of the free space (kept as it is). A window smaller than the one still open
 *   (RCV.NXT to the right edge offered) is not offered: the open one is kept (no shrinking).
 *   After a read, a window update leaves only if the window at least doubles and the window still
 *   open is at most half the clamp (__tcp_cleanup_rbuf: "rcv_window_now * 2 <= window_clamp").
 * - 'rfc9293': keep RCV.NXT + RCV.WND fixed until the free space exceeds the window open by at
 *   least min(Fr·RCV.BUFF, Eff.snd.MSS), Fr = 1/2; a read that allows that sends the update.
 * - 'off': offer all the free space at once; a read sends an update only to reopen a zero window.
 *
 * Segments are accepted up to the larger of the free space and the right edge offered (Linux
 * tcp_sequence takes what it offered: the no-shrink rule, aligned up to the scale unit, may offer
 * a little more than the buffer holds); on linux, nothing while the window offered is 0. Not modelled: Linux's memory accounting (truesize,
 * scaling_ratio, autotuning, pruning) — the buffer is counted in payload bytes.
 */
import { seqAdd, seqDiff } from '../seq.js';
import { receiveWindow, type Tcb } from './tcb.js';

/** The window still open: from RCV.NXT to the right edge we last offered (Linux tcp_receive_window). */
export function openWindow(t: Tcb): number {
  return t.rcvWndEdge === undefined ? 0 : Math.max(0, seqDiff(t.rcvWndEdge, t.rcvNxt));
}

/**
 * The window a segment may fall in (RCV.WND of the acceptability test): free space or what we
 * offered. On linux a window offered as 0 stays shut until an update opens it, whatever a read
 * freed meanwhile (tcp_data_queue: "tcp_receive_window(tp) == 0" drops the data and ACKs at once;
 * conformance/sws-receiver-zero-window-until-sixteenth.pkt).
 */
export function acceptableWindow(t: Tcb): number {
  const open = openWindow(t);
  if (t.profile.receiverSws === 'linux' && t.rcvWndEdge !== undefined && open === 0) return 0;
  return Math.max(receiveWindow(t), open);
}

/** The largest window the connection can offer (Linux window_clamp). */
function windowClamp(t: Tcb): number {
  const fieldMax = t.wsOk ? 65_535 * 2 ** t.rcvWscale : 65_535;
  return Math.min(t.profile.receiveBuffer, fieldMax);
}

/** Linux __tcp_select_window: the window the free space allows, before the no-shrink rule. */
function linuxWindow(t: Tcb): number {
  const unit = 2 ** t.rcvWscale;
  const allowed = t.profile.receiveBuffer;
  const full = windowClamp(t);
  const mss = Math.min(t.rcvMss, full);
  let free = Math.max(0, t.profile.receiveBuffer - t.readable.length);
  if (free < full >> 1) {
    free = Math.floor(free / unit) * unit;
    if (free < allowed >> 4 || free < mss) return 0;
  }
  free = Math.min(free, t.rcvWndCap);
  if (t.wsOk && t.rcvWscale > 0) return Math.min(65_535 * unit, Math.ceil(free / unit) * unit);
  free = Math.min(free, 65_535);
  const last = t.rcvWnd;
  if (last <= free - mss || last > free) return Math.floor(free / mss) * mss;
  if (mss === full && free > last + (full >> 1)) return free;
  return last;
}

/** RFC 9293 §3.8.6.2.2: the free space, once it exceeds the open window by min(Fr·RCV.BUFF, MSS). */
function rfcWindow(t: Tcb): number {
  const free = receiveWindow(t);
  const open = openWindow(t);
  const step = Math.min(Math.floor(t.profile.receiveBuffer / 2), t.sendMss);
  return free - open >= step ? free : open;
}

/** The window the receiver would offer now by its profile's rule, without the no-shrink rule. */
function selectWindow(t: Tcb): number {
  switch (t.profile.receiverSws) {
    case 'linux':
      return linuxWindow(t);
    case 'rfc9293':
      return rfcWindow(t);
    case 'off':
      return receiveWindow(t);
  }
}

/**
 * The window a segment we send now offers (Linux tcp_select_window): never less than the window
 * still open, aligned up to the scale unit. Records it as the window offered (RCV.WND from RCV.NXT).
 */
export function offerWindow(t: Tcb): number {
  const unit = 2 ** t.rcvWscale;
  const open = Math.ceil(openWindow(t) / unit) * unit;
  const window = Math.max(selectWindow(t), open);
  t.rcvWnd = window;
  t.rcvWndEdge = seqAdd(t.rcvNxt, window);
  return window;
}

/** The window on our SYN or SYN-ACK was offered (tcp_select_initial_window): the first right edge. */
export function noteSynWindow(t: Tcb, window: number, withAck: boolean): void {
  t.rcvWnd = window;
  // A SYN does not acknowledge anything: RCV.NXT is not known yet, so no right edge.
  t.rcvWndEdge = withAck ? seqAdd(t.rcvNxt, window) : undefined;
}

/**
 * Linux __tcp_ack_snd_check: more than one receive MSS unacknowledged is ACKed at once only if the
 * application has read everything or the window the free space allows (before the no-shrink rule)
 * is not below the one offered last — "right edge of window advances far enough", else the read
 * that frees space sends the update (conformance/sws-receiver-window-opens-by-mss.pkt). Other
 * profiles: always (RFC 5681 §4.2, every second full-sized segment).
 */
export function windowAllowsQuickAck(t: Tcb): boolean {
  if (t.profile.receiverSws !== 'linux' || t.readable.length === 0) return true;
  return linuxWindow(t) >= t.rcvWnd;
}

/**
 * Linux __tcp_cleanup_rbuf: a read sends the ACK of more than one receive MSS that arrival held
 * back ("Once-per-two-segments ACK was not sent by tcp_input.c", windowAllowsQuickAck).
 */
export function owedSecondSegmentAck(t: Tcb): boolean {
  return t.ackPending && seqDiff(t.rcvNxt, t.lastAckSent) > t.rcvMss;
}

/**
 * The application read data (`freeBefore`: the free window before the read): whether a window
 * update should leave now (Linux __tcp_cleanup_rbuf; RFC 9293 §3.8.6.2.2, RFC 1122 §4.2.3.3).
 */
export function windowUpdateAfterRead(t: Tcb, freeBefore: number): boolean {
  const open = openWindow(t);
  switch (t.profile.receiverSws) {
    case 'linux': {
      if (2 * open > windowClamp(t)) return false;
      const window = linuxWindow(t);
      return window > 0 && window >= 2 * open;
    }
    case 'rfc9293':
      return rfcWindow(t) > open;
    case 'off':
      return freeBefore === 0 && receiveWindow(t) > 0;
  }
}
