/**
 * Sequence-number arithmetic modulo 2^32.
 *
 * RFC 9293 §3.4: "It is essential to remember that the actual sequence number
 * space is finite ... all arithmetic dealing with sequence numbers must be
 * performed modulo 2^32". Comparisons use the signed 32-bit difference (serial
 * number arithmetic, RFC 1982), so `seqLt(0xffff_fff0, 5)` is true.
 */

export const SEQ_MODULUS = 0x1_0000_0000;

/** Normalises any integer to an unsigned 32-bit sequence number. */
export function seq32(value: number): number {
  return value >>> 0;
}

/** a + n (mod 2^32). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** Signed distance from b to a, in (-2^31, 2^31]: positive when a is after b. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return seqDiff(a, b) >= 0;
}

/** low <= x < high, all modulo 2^32 (an empty range when low == high). */
export function seqInRange(x: number, low: number, high: number): boolean {
  return seqLe(low, x) && seqLt(x, high);
}

export function seqMax(a: number, b: number): number {
  return seqGe(a, b) ? a : b;
}

export function seqMin(a: number, b: number): number {
  return seqLe(a, b) ? a : b;
}
