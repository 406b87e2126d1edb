/**
 * SYN cookies (RFC 4987 §3.6; D. J. Bernstein's scheme). When the SYN queue overflows (or always,
 * in mode 2) the listener keeps no state for a SYN: the ISN of its SYN-ACK *is* the state. Two
 * layouts, chosen by the profile's `synCookies`:
 *
 * - 'linux' (net/ipv4/syncookies.c, Linux 6.18): see {@link makeLinuxCookie} — a keyed hash of the
 *   4-tuple plus the client's ISN plus a per-minute counter in the top 8 bits plus (a second hash of
 *   the 4-tuple and the counter + the MSS index) in the low 24 bits, valid for the counter's minute
 *   and the next one; with timestamps, the SYN-ACK's TSval carries wscale, SACK-permitted and ECN
 *   in its low 6 bits ({@link cookieTsval}) so the ACK's TSecr brings them back.
 * - 'rfc4987' (the `rfc9293` profile, below): a self-describing MAC layout; a cookie connection
 *   gets no options but the MSS, as RFC 4987 §3.6 warns.
 *
 * The RFC 4987 layout's 32 bits are
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
import { type HashKey, halfSipHash, splitmix32, tupleBytes } from './hash.js';

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

// --- the Linux layout (net/ipv4/syncookies.c) ------------------------------------------------

/** Which cookie layout a profile uses (Profile.synCookies). */
export type CookieLayout = 'linux' | 'rfc4987';

/** Linux TCP_SYNCOOKIE_PERIOD: tcp_cookie_time() counts minutes (jiffies / (60 * HZ)). */
export const LINUX_COOKIE_PERIOD_MS = 60_000;

/** Linux MAX_SYNCOOKIE_AGE: check_tcp_syn_cookie accepts a counter 0 or 1 minute old. */
export const LINUX_MAX_SYNCOOKIE_AGE = 2;

/** Linux COOKIEBITS: the counter sits above the low 24 bits. */
const COOKIEBITS = 24;
const COOKIEMASK = (1 << COOKIEBITS) - 1;

/**
 * Linux syncookie_secret[2]: two siphash keys drawn once per boot (net_get_random_once). Here a
 * boot is a run: both come from the host's ISN key, itself derived from the simulation seed, so
 * the same seed gives the same cookies and another seed other ones.
 */
export type LinuxCookieSecrets = readonly [HashKey, HashKey];

export function linuxCookieSecrets(isnKey: HashKey): LinuxCookieSecrets {
  const derive = (label: number): HashKey => [
    splitmix32((isnKey[0] ^ label) >>> 0),
    splitmix32((isnKey[1] ^ Math.imul(label, 0x27d4eb2d)) >>> 0),
  ];
  return [derive(0x636b_3031), derive(0x636b_3032)];
}

/** tcp_cookie_time(): the minute counter at `nowMs`. */
export function linuxCookieCount(nowMs: number): number {
  return Math.floor(nowMs / LINUX_COOKIE_PERIOD_MS) >>> 0;
}

/** cookie_hash(saddr, daddr, sport, dport, count, c): siphash of the client→listener 4-tuple. */
function linuxCookieHash(secret: HashKey, tuple: CookieTuple, count: number): number {
  return halfSipHash(
    secret,
    tupleBytes(tuple.remoteAddr, tuple.remotePort, tuple.localAddr, tuple.localPort, count >>> 0),
  );
}

/**
 * secure_tcp_syn_cookie: hash1(4-tuple) + client ISN + (count << 24) + ((hash2(4-tuple, count) +
 * MSS index) mod 2^24), everything mod 2^32. Unlike the RFC 4987 layout nothing is readable without
 * the secrets: the counter's 8 bits are offset by the first hash and the client's ISN.
 */
export function makeLinuxCookie(
  secrets: LinuxCookieSecrets,
  tuple: CookieTuple,
  clientIsn: number,
  clientMss: number | undefined,
  nowMs: number,
): number {
  const count = linuxCookieCount(nowMs);
  const low = (linuxCookieHash(secrets[1], tuple, count) + cookieMssIndex(clientMss)) & COOKIEMASK;
  return (linuxCookieHash(secrets[0], tuple, 0) + clientIsn + ((count << COOKIEBITS) >>> 0) + low) >>> 0;
}

/**
 * check_tcp_syn_cookie + __cookie_v4_check: strip hash1 and the client's ISN, read the counter's
 * age from the top 8 bits (stale from 2 minutes on: the cookie was made in the minute before last
 * or earlier), then the MSS index left under hash2. Linux counts every failure alike
 * (SYNCOOKIESFAILED); here a cookie whose low bits decode to no MSS index (a forged one, or a
 * wrong client ISN: a 1 in 2^22 chance to pass) is 'bad-mac', a genuine one too old 'stale'.
 */
export function checkLinuxCookie(
  secrets: LinuxCookieSecrets,
  tuple: CookieTuple,
  cookie: number,
  clientIsn: number,
  nowMs: number,
): CookieCheck {
  const count = linuxCookieCount(nowMs);
  const stripped = (cookie - linuxCookieHash(secrets[0], tuple, 0) - clientIsn) >>> 0;
  const age = (count - (stripped >>> COOKIEBITS)) & 0xff;
  const made = (count - age) >>> 0;
  const index = (stripped - linuxCookieHash(secrets[1], tuple, made)) & COOKIEMASK;
  if (index >= COOKIE_MSS_TABLE.length) return { valid: false, reason: 'bad-mac' };
  if (age >= LINUX_MAX_SYNCOOKIE_AGE) return { valid: false, reason: 'stale' };
  return { valid: true, mss: COOKIE_MSS_TABLE[index], slot: made };
}

/** TS_OPT_WSCALE_MASK: 0xf in the low 4 bits means "the SYN had no window scale option". */
const TS_OPT_WSCALE_MASK = 0xf;
const TS_OPT_SACK = 1 << 4;
const TS_OPT_ECN = 1 << 5;
/** TSBITS: the options take the TSval's low 6 bits. */
const TSBITS = 6;

/** What the SYN offered that a cookie must remember (besides the MSS). */
export interface CookieOptions {
  /** The client's window shift (undefined: no window scale option on the SYN). */
  readonly wscale?: number;
  readonly sackOk: boolean;
  /** ECN setup (never set by this model, which does not do ECN; decoded for completeness). */
  readonly ecn?: boolean;
}

/**
 * cookie_init_timestamp: our TS clock `tsNow` with its low 6 bits replaced by the options
 * (| ECN | SACK | wscale |), stepped back by 64 if that would be ahead of the clock, so later
 * TSvals never go backwards. Add the connection's TS offset to get the TSval sent.
 */
export function cookieTsval(tsNow: number, options: CookieOptions): number {
  let bits = options.wscale === undefined ? TS_OPT_WSCALE_MASK : options.wscale & TS_OPT_WSCALE_MASK;
  if (options.sackOk) bits |= TS_OPT_SACK;
  if (options.ecn) bits |= TS_OPT_ECN;
  const now = tsNow >>> 0;
  let ts = ((now >>> TSBITS) << TSBITS) >>> 0;
  ts = (ts | bits) >>> 0;
  if (ts > now) ts = (ts - (1 << TSBITS)) >>> 0;
  return ts;
}

/**
 * cookie_timestamp_decode: the options a cookie ACK's TSecr (less our TS offset) brings back.
 * Without timestamps on the ACK a cookie connection has no window scaling and no SACK
 * (tcp_clear_options).
 */
export function decodeCookieTsecr(echoed: number | undefined): CookieOptions {
  if (echoed === undefined) return { sackOk: false };
  const wscale = echoed & TS_OPT_WSCALE_MASK;
  return {
    sackOk: (echoed & TS_OPT_SACK) !== 0,
    ecn: (echoed & TS_OPT_ECN) !== 0,
    ...(wscale === TS_OPT_WSCALE_MASK ? {} : { wscale }),
  };
}
