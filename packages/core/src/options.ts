/**
 * TCP options: negotiation on the SYN exchange and the options every segment carries.
 *
 * - MSS (RFC 9293 §3.7.1), SACK-permitted (RFC 2018 §2), timestamps (RFC 7323 §3) and window
 *   scale (RFC 7323 §2). An option is in effect only when both SYNs carried it (RFC 7323 §1.3,
 *   §2.2, §3.2; RFC 2018 §2): a SYN offers what the profile enables, a SYN-ACK echoes only what
 *   the SYN offered (Linux tcp_synack_options).
 * - In effect, timestamps ride on every segment but a RST (RFC 7323 §3.2) and SACK blocks on every
 *   ACK while out-of-order data is held (RFC 2018 §4; the blocks come from tcb/sack-blocks.ts).
 * - The window field is scaled by our shift except on a SYN (RFC 7323 §2.3); Linux rounds the
 *   window on its SYN down to a multiple of the MSS (tcp_select_initial_window).
 */
import { type HashKey, halfSipHash, tupleBytes } from './hash.js';
import { Flag, type SackBlock, type Segment, type TimestampOption } from './segment.js';
import { noteSynWindow, offerWindow } from './tcb/receive-window.js';
import { currentSackBlocks } from './tcb/sack-blocks.js';
import type { Tcb } from './tcb/tcb.js';

/** RFC 7323 §3.2: the timestamps option takes 10 bytes, 12 with the two NOPs Linux aligns it with. */
export const TIMESTAMPS_OPTION_SPACE = 12;

/** RFC 7323 §2.3: a shift count above 14 is treated as 14. */
export const MAX_WINDOW_SHIFT = 14;

/** The 16-bit window field's largest value. */
const MAX_WINDOW_FIELD = 0xffff;

/** The options a SYN or SYN-ACK carries (besides MSS, which sendSyn passes itself). */
export interface SynOptions {
  sackOk?: boolean;
  wscale?: number;
  ts?: TimestampOption;
}

/**
 * Our TSval clock (RFC 7323 §5.4): virtual ms plus a per-connection offset from a keyed hash of
 * the addresses (Linux secure_tcp_ts_off: 1 kHz tcp_clock_ms + tsoffset), so TSvals reveal no
 * uptime and replay exactly for the same seed.
 */
export function tsValue(t: Tcb, now: number): number {
  if (t.tsOffset === undefined) t.tsOffset = tsOffsetFor(t.isnKey, t.local.addr, t.remote.addr);
  return (Math.floor(now) + t.tsOffset) >>> 0;
}

/**
 * The TS offset of a pair of addresses (Linux secure_tcp_ts_off hashes the addresses only): what a
 * connection's TSvals add to the clock, also known to a listener that answers with a SYN cookie
 * before any connection exists (cookie_init_timestamp + tsoff; cookie_v4_check subtracts it again).
 */
export function tsOffsetFor(key: HashKey, localAddr: string, remoteAddr: string): number {
  return halfSipHash(key, tupleBytes(localAddr, 0, remoteAddr, 0, 0x7473_6f66));
}

/**
 * A SYN arrived (in LISTEN or SYN-SENT): decide which options are in effect. Our SYN, if we sent
 * one, offered exactly what the profile enables, so "both SYNs carried it" = profile ∧ peer.
 */
export function negotiateOptions(t: Tcb, syn: Segment): void {
  const p = t.profile;
  t.tsOk = p.timestamps && syn.ts !== undefined;
  t.sackOk = p.sack && syn.sackOk === true;
  const scaling = p.windowScaling && syn.wscale !== undefined;
  t.wsOk = scaling;
  t.rcvWscale = scaling ? Math.min(p.windowScale, MAX_WINDOW_SHIFT) : 0;
  t.sndWscale = scaling ? Math.min(syn.wscale ?? 0, MAX_WINDOW_SHIFT) : 0;
  // RFC 7323 §4.3: TS.Recent starts with the SYN's TSval (the SYN-ACK echoes it).
  if (t.tsOk && syn.ts) t.tsRecent = syn.ts.val;
}

/** Bytes a data segment's options take (Linux tcp_current_mss: MSS less the timestamps). */
export function optionSpace(t: Tcb): number {
  return t.tsOk ? TIMESTAMPS_OPTION_SPACE : 0;
}

/**
 * Options of our SYN (offer what the profile enables) or SYN-ACK (echo what is in effect), set on
 * `out` (the segment being built, so no options object is made and spread per segment).
 */
export function synOptions<T extends SynOptions>(t: Tcb, withAck: boolean, now: number, out: T): T {
  const p = t.profile;
  const offerTs = withAck ? t.tsOk : p.timestamps;
  const offerSack = withAck ? t.sackOk : p.sack;
  const offerScale = withAck ? t.wsOk : p.windowScaling;
  if (offerSack) out.sackOk = true;
  if (offerTs) out.ts = { val: tsValue(t, now), ecr: withAck ? t.tsRecent : 0 };
  if (offerScale) out.wscale = Math.min(p.windowScale, MAX_WINDOW_SHIFT);
  return out;
}

/**
 * The window on our SYN or SYN-ACK, never scaled (RFC 7323 §2.2). Linux rounds it down to a
 * multiple of the MSS the peer will send (1460, or 1448 on a SYN-ACK with timestamps): 64240 or
 * 65160 (tcp_select_initial_window), and caps what we advertise until the window grows (rcv_ssthresh).
 */
export function synWindow(t: Tcb, withAck: boolean): number {
  const free = Math.max(0, Math.min(MAX_WINDOW_FIELD, t.profile.receiveBuffer - t.readable.length));
  const mss = t.profile.mss - (withAck ? optionSpace(t) : 0);
  const rounded = t.profile.roundInitialWindow && free > mss ? free - (free % mss) : free;
  if (t.profile.roundInitialWindow) t.rcvWndCap = rounded;
  noteSynWindow(t, rounded, withAck);
  return rounded;
}

/**
 * The window field of a non-SYN segment: the window offered by the receiver's silly-window rules
 * (tcb/receive-window.ts), right-shifted by our scale (RFC 7323 §2.3). Call once per segment sent.
 */
export function windowField(t: Tcb): number {
  return Math.min(MAX_WINDOW_FIELD, Math.floor(offerWindow(t) / 2 ** t.rcvWscale));
}

/** SEG.WND in bytes: the field left-shifted by the peer's scale, never on a SYN (RFC 7323 §2.3). */
export function peerWindow(t: Tcb, seg: Segment): number {
  return seg.flags & Flag.SYN ? seg.win : seg.win * 2 ** t.sndWscale;
}

/** Timestamps and SACK blocks for a non-SYN segment we send (nothing on a RST), set on `out`. */
export function segmentOptions<T extends { ts?: TimestampOption; sack?: readonly SackBlock[] }>(
  t: Tcb,
  flags: number,
  now: number,
  out: T,
): T {
  if (flags & Flag.RST) return out;
  if (t.tsOk) out.ts = { val: tsValue(t, now), ecr: t.tsRecent };
  if (t.sackOk && flags & Flag.ACK) {
    const blocks = currentSackBlocks(t);
    if (blocks.length > 0) out.sack = blocks;
  }
  return out;
}
