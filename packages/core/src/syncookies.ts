/**
 * SYN cookies (RFC 4987 §3.6; the scheme of D. J. Bernstein as Linux uses it).
 *
 * When the SYN queue overflows (or always, in mode 2) the listener keeps no
 * state for a SYN: the ISN of its SYN-ACK *is* the state. The 32 bits are
 *
 *   | 5 bits: time slot mod 32 | 3 bits: MSS index | 24 bits: keyed MAC |
 *
 * where the MAC is HalfSipHash(key; 4-tuple, full time slot, client ISN, MSS
 * index) — the index is authenticated too, so nobody can raise the MSS the
 * listener will use by flipping those 3 bits (Linux adds it under its hash).
 * A returning ACK carries cookie + 1 in its acknowledgment field; the
 * listener recomputes the MAC for the current and the previous slots and,
 * when it matches, creates the connection directly in ESTABLISHED with the
 * MSS the cookie remembered. A forged cookie fails the MAC; a stale one (more
 * than `maxAge` slots old) fails the time check.
 */
import { type HashKey, halfSipHash, tupleBytes } from './hash.js';

/** Linux's msstab (net/ipv4/syncookies.c): the MSS values a cookie can remember. */
export const COOKIE_MSS_TABLE = [536, 1300, 1440, 1460] as const;

/** One time slot: 64 s of virtual time (Linux counts minutes; the idea is the same). */
export const COOKIE_SLOT_MS = 64_000;

/** A cookie is valid in its own slot and the next `COOKIE_MAX_AGE` slots (Linux MAX_SYNCOOKIE_AGE = 2). */
export const COOKIE_MAX_AGE = 2;

export interface CookieTuple {
  /** The listener's address and port. */
  localAddr: string;
  localPort: number;
  /** The client's address and port. */
  remoteAddr: string;
  remotePort: number;
}

function mac(key: HashKey, tuple: CookieTuple, slot: number, clientIsn: number, mssIndex: number): number {
  return (
    halfSipHash(
      key,
      tupleBytes(
        tuple.localAddr,
        tuple.localPort,
        tuple.remoteAddr,
        tuple.remotePort,
        slot >>> 0,
        clientIsn >>> 0,
        mssIndex,
      ),
    ) & 0xff_ffff
  );
}

/** Index of the largest table MSS not above the client's (RFC 9293 §3.7.1: 536 when absent). */
export function cookieMssIndex(clientMss: number | undefined): number {
  const mss = clientMss ?? 536;
  let index = 0;
  for (let i = 0; i < COOKIE_MSS_TABLE.length; i++) if (COOKIE_MSS_TABLE[i] <= mss) index = i;
  return index;
}

export function cookieSlot(nowMs: number): number {
  return Math.floor(nowMs / COOKIE_SLOT_MS);
}

/** The ISN of a cookie SYN-ACK answering a SYN with sequence number `clientIsn`. */
export function makeCookie(
  key: HashKey,
  tuple: CookieTuple,
  clientIsn: number,
  clientMss: number | undefined,
  nowMs: number,
): number {
  const slot = cookieSlot(nowMs);
  const index = cookieMssIndex(clientMss);
  return (((slot & 0x1f) << 27) | (index << 24) | mac(key, tuple, slot, clientIsn, index)) >>> 0;
}

export type CookieCheck =
  | { valid: true; mss: number; slot: number }
  | { valid: false; reason: 'bad-mac' | 'stale' | 'bad-mss' };

/**
 * Checks the cookie an ACK returns: `cookie` = SEG.ACK − 1, `clientIsn` = SEG.SEQ − 1.
 */
export function checkCookie(
  key: HashKey,
  tuple: CookieTuple,
  cookie: number,
  clientIsn: number,
  nowMs: number,
): CookieCheck {
  const index = (cookie >>> 24) & 0x7;
  if (index >= COOKIE_MSS_TABLE.length) return { valid: false, reason: 'bad-mss' };
  const slotBits = cookie >>> 27;
  const now = cookieSlot(nowMs);
  const expectedMac = cookie & 0xff_ffff;
  let macMatchedOutsideWindow = false;
  for (let age = 0; age < 32; age++) {
    const slot = now - age;
    if (slot < 0) break;
    if ((slot & 0x1f) !== slotBits) continue;
    if (mac(key, tuple, slot, clientIsn, index) !== expectedMac) continue;
    if (age <= COOKIE_MAX_AGE) return { valid: true, mss: COOKIE_MSS_TABLE[index], slot };
    macMatchedOutsideWindow = true;
  }
  return { valid: false, reason: macMatchedOutsideWindow ? 'stale' : 'bad-mac' };
}
