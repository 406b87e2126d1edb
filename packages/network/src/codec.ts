/**
 * Binary encoding of segments for the thread boundary. Structured-cloning
 * thousands of small objects per step dominated the cost of a run; one
 * ArrayBuffer per step, transferred (not copied), costs a memcpy per payload.
 *
 * Layout per segment (little-endian):
 *   srcAddr u32 | dstAddr u32 | srcPort u16 | dstPort u16 | seq u32 | ack u32 |
 *   win u32 | mss u16 | flags u8 | meta u8 (bit 0: has mss) |
 *   senderState u8 (255: none) | retransmit u8 (255: none) | cause u8 (255: none) | reserved u8 |
 *   dataLength u32 | reserved u32 | t f64 (virtual ms) | data bytes
 */
import { type RetransmitCause, RetransmitKinds, type Segment, TCP_STATES } from '@synack/core';

const HEADER = 48;

export interface EncodedSegment {
  seg: Segment;
  state?: string;
  retransmit?: string;
  /** Why a retransmission was sent (core's RetransmitCause). */
  cause?: RetransmitCause;
  /** Virtual time: when it was sent (worker → coordinator) or is delivered (coordinator → worker). */
  t?: number;
}

const STATE_INDEX = new Map<string, number>(TCP_STATES.map((s, i) => [s, i]));
const RETRANSMIT_INDEX = new Map<string, number>(RetransmitKinds.map((k, i) => [k, i]));
/** The cause byte's values, in this order (core's RetransmitCause). */
const CAUSES: readonly RetransmitCause[] = ['rto', 'fast', 'tlp'];

function addrToU32(addr: string): number {
  let n = 0;
  let part = 0;
  let parts = 0;
  for (let i = 0; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
      parts++;
    } else {
      part = part * 10 + (c - 48);
    }
  }
  if (parts !== 3) throw new Error(`not an IPv4 address: "${addr}"`);
  return (n * 256 + part) >>> 0;
}

const addrCache = new Map<number, string>();
function u32ToAddr(n: number): string {
  let s = addrCache.get(n);
  if (s === undefined) {
    s = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    if (addrCache.size < 100_000) addrCache.set(n, s);
  }
  return s;
}

export function encodeSegments(list: readonly EncodedSegment[]): ArrayBuffer {
  let size = 0;
  for (const e of list) size += HEADER + (e.seg.data ? e.seg.data.length : 0);
  const buffer = new ArrayBuffer(size);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  let o = 0;
  for (const { seg, state, retransmit, cause, t } of list) {
    view.setUint32(o, addrToU32(seg.srcAddr), true);
    view.setUint32(o + 4, addrToU32(seg.dstAddr), true);
    view.setUint16(o + 8, seg.srcPort, true);
    view.setUint16(o + 10, seg.dstPort, true);
    view.setUint32(o + 12, seg.seq >>> 0, true);
    view.setUint32(o + 16, seg.ack >>> 0, true);
    view.setUint32(o + 20, seg.win >>> 0, true);
    view.setUint16(o + 24, seg.mss ?? 0, true);
    view.setUint8(o + 26, seg.flags);
    view.setUint8(o + 27, seg.mss !== undefined ? 1 : 0);
    view.setUint8(o + 28, state !== undefined ? (STATE_INDEX.get(state) ?? 255) : 255);
    view.setUint8(o + 29, retransmit !== undefined ? (RETRANSMIT_INDEX.get(retransmit) ?? 255) : 255);
    view.setUint8(o + 30, cause !== undefined ? CAUSES.indexOf(cause) : 255);
    const length = seg.data ? seg.data.length : 0;
    view.setUint32(o + 32, length, true);
    view.setFloat64(o + 40, t ?? 0, true);
    if (length > 0) bytes.set(seg.data!, o + HEADER);
    o += HEADER + length;
  }
  return buffer;
}

/** Decodes every segment; payloads are views into `buffer` (no copy). */
export function decodeSegments(buffer: ArrayBuffer): EncodedSegment[] {
  const view = new DataView(buffer);
  const out: EncodedSegment[] = [];
  let o = 0;
  while (o < buffer.byteLength) {
    const length = view.getUint32(o + 32, true);
    const hasMss = (view.getUint8(o + 27) & 1) !== 0;
    const seg: Segment = {
      srcAddr: u32ToAddr(view.getUint32(o, true)),
      srcPort: view.getUint16(o + 8, true),
      dstAddr: u32ToAddr(view.getUint32(o + 4, true)),
      dstPort: view.getUint16(o + 10, true),
      seq: view.getUint32(o + 12, true),
      ack: view.getUint32(o + 16, true),
      flags: view.getUint8(o + 26),
      win: view.getUint32(o + 20, true),
      ...(hasMss ? { mss: view.getUint16(o + 24, true) } : {}),
      ...(length > 0 ? { data: new Uint8Array(buffer, o + HEADER, length) } : {}),
    };
    const stateIndex = view.getUint8(o + 28);
    const retransmitIndex = view.getUint8(o + 29);
    const entry: EncodedSegment = { seg, t: view.getFloat64(o + 40, true) };
    if (stateIndex !== 255) entry.state = TCP_STATES[stateIndex];
    if (retransmitIndex !== 255) entry.retransmit = RetransmitKinds[retransmitIndex];
    const causeIndex = view.getUint8(o + 30);
    if (causeIndex !== 255) entry.cause = CAUSES[causeIndex];
    out.push(entry);
    o += HEADER + length;
  }
  return out;
}
