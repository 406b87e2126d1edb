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

export function halfSipHash(key: HashKey, message: Uint8Array): number {
  const k0 = key[0] >>> 0;
  const k1 = key[1] >>> 0;
  let v0 = k0;
  let v1 = k1;
  let v2 = (0x6c796765 ^ k0) >>> 0;
  let v3 = (0x74656462 ^ k1) >>> 0;

  const round = () => {
    v0 = (v0 + v1) >>> 0;
    v1 = rotl(v1, 5) ^ v0;
    v0 = rotl(v0, 16);
    v2 = (v2 + v3) >>> 0;
    v3 = rotl(v3, 8) ^ v2;
    v0 = (v0 + v3) >>> 0;
    v3 = rotl(v3, 7) ^ v0;
    v2 = (v2 + v1) >>> 0;
    v1 = rotl(v1, 13) ^ v2;
    v2 = rotl(v2, 16);
    v1 >>>= 0;
    v3 >>>= 0;
  };

  const length = message.length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    const m = (message[i] | (message[i + 1] << 8) | (message[i + 2] << 16) | (message[i + 3] << 24)) >>> 0;
    v3 = (v3 ^ m) >>> 0;
    round();
    round();
    v0 = (v0 ^ m) >>> 0;
  }
  let b = (length << 24) >>> 0;
  const left = length - whole;
  if (left >= 3) b |= message[whole + 2] << 16;
  if (left >= 2) b |= message[whole + 1] << 8;
  if (left >= 1) b |= message[whole];
  b >>>= 0;
  v3 = (v3 ^ b) >>> 0;
  round();
  round();
  v0 = (v0 ^ b) >>> 0;
  v2 = (v2 ^ 0xff) >>> 0;
  round();
  round();
  round();
  round();
  return (v1 ^ v3) >>> 0;
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
  const parts = addr.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: "${addr}"`);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`not an IPv4 address: "${addr}"`);
    return n;
  });
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
  out.set(ipv4Bytes(localAddr), 0);
  out.set(ipv4Bytes(remoteAddr), 4);
  out[8] = localPort >>> 8;
  out[9] = localPort & 0xff;
  out[10] = remotePort >>> 8;
  out[11] = remotePort & 0xff;
  extra.forEach((word, i) => {
    const o = 12 + 4 * i;
    out[o] = word & 0xff;
    out[o + 1] = (word >>> 8) & 0xff;
    out[o + 2] = (word >>> 16) & 0xff;
    out[o + 3] = (word >>> 24) & 0xff;
  });
  return out;
}
