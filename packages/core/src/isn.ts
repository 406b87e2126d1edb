import { type HashKey, halfSipHash, tupleBytes } from './hash.js';
import type { SocketAddress } from './segment.js';

/** RFC 793's ISN clock: one tick every 4 µs (the `rfc9293` profile's isnClockTickNs). */
export const RFC793_ISN_TICK_NS = 4000;

/**
 * How a host chooses its ISNs. 'keyed-hash' (default, RFC 6528 §3, what Linux does): the clock M
 * plus a keyed hash of the 4-tuple, so seeing one connection's ISN tells nothing about another's.
 * 'clock' (RFC 793 §3.3's generator alone, as 1980s stacks did): ISN = M, the same clock for
 * every 4-tuple, so an off-path attacker who saw one ISN can predict the next (RFC 6528 §1,
 * Morris 1985) — for teaching that attack only.
 */
export type IsnPolicy = 'keyed-hash' | 'clock';

/** RFC 793 §3.3: the ISN generator's clock M alone, one tick every `tickNs` ns, modulo 2^32. */
export function clockIsn(nowMs: number, tickNs: number = RFC793_ISN_TICK_NS): number {
  // Whole ticks since time 0; ToUint32 keeps M modulo 2^32 (exact while below 2^53).
  return Math.floor((nowMs * 1_000_000) / tickNs) >>> 0;
}

/**
 * RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * where M is a timer ticking every `tickNs` nanoseconds (RFC 793: 4 µs; Linux secure_tcp_seq:
 * ktime_get_real_ns() >> 6, a 64 ns tick) and F a keyed hash (Linux: siphash of the 4-tuple
 * with net_secret; here HalfSipHash). M comes from the simulation clock (virtual ms), the key
 * from the run's seed — never a random number generator — so runs replay exactly, while different
 * connections (and different incarnations of one 4-tuple) still get
 * unpredictable, well-separated ISNs.
 */
export function rfc6528Isn(
  nowMs: number,
  local: SocketAddress,
  remote: SocketAddress,
  key: HashKey,
  tickNs: number = RFC793_ISN_TICK_NS,
): number {
  const m = clockIsn(nowMs, tickNs);
  const f = halfSipHash(key, tupleBytes(local.addr, local.port, remote.addr, remote.port));
  return (m + f) >>> 0;
}
