import { type HashKey, halfSipHash, tupleBytes } from './hash.js';
import type { SocketAddress } from './segment.js';

/**
 * RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey),
 * where M is a timer ticking every 4 microseconds and F a keyed hash.
 * M comes from the simulation clock (virtual ms × 250), the key from the
 * run's seed — never a random number generator — so runs replay exactly, while different
 * connections (and different incarnations of one 4-tuple) still get
 * unpredictable, well-separated ISNs.
 */
export function rfc6528Isn(nowMs: number, local: SocketAddress, remote: SocketAddress, key: HashKey): number {
  const m = Math.floor(nowMs * 250) >>> 0;
  const f = halfSipHash(key, tupleBytes(local.addr, local.port, remote.addr, remote.port));
  return (m + f) >>> 0;
}
