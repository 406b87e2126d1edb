/**
 * Binary encoding of segments for the thread boundary. Structured-cloning
 * thousands of small objects per step dominated the cost of a run; one
 * ArrayBuffer per step, transferred (not copied), costs a memcpy per payload.
 *
 * Layout per segment (little-endian):
 *   srcAddr u32 | dstAddr u32 | srcPort u16 | dstPort u16 | seq u32 | ack u32 |
 *   win u32 | mss u16 | flags u8 | meta u8 (bit 0: has mss, bit 1: SACK-permitted, bit 2: has
 *   timestamps, bits 3–5: number of SACK blocks 0–4) |
 *   senderState u8 (255: none) | retransmit u8 (255: none) | cause u8 (255: none) |
 *   window scale u8 (255: none) | dataLength u32 | reserved u32 | t f64 (virtual ms) |
 *   [TSval u32 | TSecr u32] | [left u32 | right u32] × SACK blocks | data bytes
 * Segments without options (every rfc9293 run) cost nothing beyond the 48-byte header.
 */
import { type RetransmitCause, RetransmitKinds, type Segment, TCP_STATES } from '@synack/core';

const HEADER = 48;
const META_MSS = 1;
const META_SACK_OK = 2;
const META_TS = 4;
const META_SACK_SHIFT = 3;
/** RFC 2018 §3: at most 4 SACK blocks fit in the option space. */
const MAX_SACK_BLOCKS = 4;

/** Bytes of the options area after the header: timestamps and SACK blocks. */
function optionBytes(seg: Segment): number {
  return (seg.ts ? 8 : 0) + Math.min(seg.sack?.length ?? 0, MAX_SACK_BLOCKS) * 8;
}

function metaByte(seg: Segment): number {
  const blocks = Math.min(seg.sack?.length ?? 0, MAX_SACK_BLOCKS);
  return (
    (seg.mss !== undefined ? META_MSS : 0) |
    (seg.sackOk ? META_SACK_OK : 0) |
    (seg.ts ? META_TS : 0) |
    (blocks << META_SACK_SHIFT)
  );
}

/** Writes the timestamps and SACK blocks at `o`; returns the offset after them. */
function writeOptions(view: DataView, o: number, seg: Segment): number {
  let at = o;
  if (seg.ts) {
    view.setUint32(at, seg.ts.val >>> 0, true);
    view.setUint32(at + 4, seg.ts.ecr >>> 0, true);
    at += 8;
  }
  for (const block of (seg.sack ?? []).slice(0, MAX_SACK_BLOCKS)) {
    view.setUint32(at, block.left >>> 0, true);
    view.setUint32(at + 4, block.right >>> 0, true);
    at += 8;
  }
  return at;
}

/** The option fields of a segment decoded from the header's meta and wscale bytes and the options area. */
function readOptions(view: DataView, o: number, meta: number, wscale: number): Partial<Segment> {
  const out: { sackOk?: boolean; wscale?: number; ts?: Segment['ts']; sack?: Segment['sack'] } = {};
  if (meta & META_SACK_OK) out.sackOk = true;
  if (wscale !== 255) out.wscale = wscale;
  let at = o;
  if (meta & META_TS) {
    out.ts = { val: view.getUint32(at, true), ecr: view.getUint32(at + 4, true) };
    at += 8;
  }
  const blocks = (meta >> META_SACK_SHIFT) & 7;
  if (blocks > 0) {
    const sack = [];
    for (let i = 0; i < blocks; i++, at += 8)
      sack.push({ left: view.getUint32(at, true), right: view.getUint32(at + 4, true) });
    out.sack = sack;
  }
  return out;
}

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
  for (const e of list) size += HEADER + optionBytes(e.seg) + (e.seg.data ? e.seg.data.length : 0);
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
    view.setUint8(o + 27, metaByte(seg));
    view.setUint8(o + 28, state !== undefined ? (STATE_INDEX.get(state) ?? 255) : 255);
    view.setUint8(o + 29, retransmit !== undefined ? (RETRANSMIT_INDEX.get(retransmit) ?? 255) : 255);
    view.setUint8(o + 30, cause !== undefined ? CAUSES.indexOf(cause) : 255);
    view.setUint8(o + 31, seg.wscale ?? 255);
    const length = seg.data ? seg.data.length : 0;
    view.setUint32(o + 32, length, true);
    view.setFloat64(o + 40, t ?? 0, true);
    const dataAt = writeOptions(view, o + HEADER, seg);
    if (length > 0) bytes.set(seg.data!, dataAt);
    o = dataAt + length;
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
    const meta = view.getUint8(o + 27);
    const hasMss = (meta & META_MSS) !== 0;
    const dataAt = o + HEADER + ((meta & META_TS ? 8 : 0) + ((meta >> META_SACK_SHIFT) & 7) * 8);
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
      ...(meta > META_MSS || view.getUint8(o + 31) !== 255
        ? readOptions(view, o + HEADER, meta, view.getUint8(o + 31))
        : {}),
      ...(length > 0 ? { data: new Uint8Array(buffer, dataAt, length) } : {}),
    };
    const stateIndex = view.getUint8(o + 28);
    const retransmitIndex = view.getUint8(o + 29);
    const entry: EncodedSegment = { seg, t: view.getFloat64(o + 40, true) };
    if (stateIndex !== 255) entry.state = TCP_STATES[stateIndex];
    if (retransmitIndex !== 255) entry.retransmit = RetransmitKinds[retransmitIndex];
    const causeIndex = view.getUint8(o + 30);
    if (causeIndex !== 255) entry.cause = CAUSES[causeIndex];
    out.push(entry);
    o = dataAt + length;
  }
  return out;
}
