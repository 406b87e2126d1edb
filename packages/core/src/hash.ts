/**
 * HalfSipHash-2-4 (Aumasson & Bernstein), 32-bit output with a 64-bit key.
 * Linux uses the SipHash family for exactly this job — keyed, fast hashes of
 * the 4-tuple for ISNs and SYN cookies — so we do too (keeps core free of
 * dependencies; 40 lines of well-known arithmetic).
 */

function rotl(x: number, b: number): number {
  return ((x << b) | (x >>> (32 - b))) >>> 0;
}

export type HashKey = readonly [number, number];

/**
 * The four state words v0..v3, kept in one module-level array so a hash allocates nothing (a
 * round as a closure over local variables cost one context object per call). Hashing is
 * synchronous and never re-entered, so one array serves every call.
 */
const state = new Uint32Array(4);

/** One SipRound over `state` (Uint32Array stores wrap to 32 bits by themselves). */
function sipRound(v: Uint32Array): void {
  v[0] += v[1];
  v[1] = rotl(v[1], 5) ^ v[0];
  v[0] = rotl(v[0], 16);
  v[2] += v[3];
  v[3] = rotl(v[3], 8) ^ v[2];
  v[0] += v[3];
  v[3] = rotl(v[3], 7) ^ v[0];
  v[2] += v[1];
  v[1] = rotl(v[1], 13) ^ v[2];
  v[2] = rotl(v[2], 16);
}

/** Absorbs one 32-bit little-endian word: c = 2 compression rounds. */
function absorb(v: Uint32Array, m: number): void {
  v[3] ^= m;
  sipRound(v);
  sipRound(v);
  v[0] ^= m;
}

export function halfSipHash(key: HashKey, message: Uint8Array): number {
  const v = state;
  v[0] = key[0];
  v[1] = key[1];
  v[2] = 0x6c796765 ^ key[0];
  v[3] = 0x74656462 ^ key[1];
  const length = message.length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    absorb(v, message[i] | (message[i + 1] << 8) | (message[i + 2] << 16) | (message[i + 3] << 24));
  }
  let b = (length << 24) >>> 0;
  const left = length - whole;
  if (left >= 3) b |= message[whole + 2] << 16;
  if (left >= 2) b |= message[whole + 1] << 8;
  if (left >= 1) b |= message[whole];
  absorb(v, b >>> 0);
  // d = 4 finalisation rounds.
  v[2] ^= 0xff;
  for (let r = 0; r < 4; r++) sipRound(v);
  return (v[1] ^ v[3]) >>> 0;
}

/** splitmix32: spreads a 32-bit seed into well-mixed words (used to derive keys from a seed). */
export function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A 64-bit hash key derived deterministically from a seed and a label. */
export function keyFromSeed(seed: number, label: number): HashKey {
  const a = splitmix32((seed ^ Math.imul(label, 0x27d4eb2d)) >>> 0);
  return [a, splitmix32(a ^ 0x5bd1e995)];
}

/** Encodes an IPv4 dotted quad as 4 bytes. */
export function ipv4Bytes(addr: string): number[] {
  const out = new Uint8Array(4);
  writeIpv4(out, 0, addr);
  return [...out];
}

/**
 * Writes the dotted quad `addr` as 4 bytes at `out[offset]`, parsing by character codes (no
 * split, no intermediate arrays: this runs twice per ISN and timestamp offset). Throws on anything
 * but four decimal numbers 0–255.
 */
function writeIpv4(out: Uint8Array, offset: number, addr: string): void {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= addr.length; i++) {
    const c = i < addr.length ? addr.charCodeAt(i) : 46; // a final '.' closes the last part
    if (c === 46) {
      if (digits === 0 || value > 255 || part > 3) throw new Error(`not an IPv4 address: "${addr}"`);
      out[offset + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      value = value * 10 + (c - 48);
      digits++;
    } else {
      throw new Error(`not an IPv4 address: "${addr}"`);
    }
  }
  if (part !== 4) throw new Error(`not an IPv4 address: "${addr}"`);
}

/** Bytes of a 4-tuple (plus optional extra 32-bit words) for hashing. */
export function tupleBytes(
  localAddr: string,
  localPort: number,
  remoteAddr: string,
  remotePort: number,
  ...extra: number[]
): Uint8Array {
  const out = new Uint8Array(12 + 4 * extra.length);
  writeIpv4(out, 0, localAddr);
  writeIpv4(out, 4, remoteAddr);
  out[8] = localPort >>> 8;
  out[9] = localPort & 0xff;
  out[10] = remotePort >>> 8;
  out[11] = remotePort & 0xff;
  for (let i = 0; i < extra.length; i++) {
    const word = extra[i];
    const o = 12 + 4 * i;
    out[o] = word & 0xff;
    out[o + 1] = (word >>> 8) & 0xff;
    out[o + 2] = (word >>> 16) & 0xff;
    out[o + 3] = (word >>> 24) & 0xff;
  }
  return out;
}
