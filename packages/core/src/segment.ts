import { seqAdd } from './seq.js';

/** TCP control bits as a bitmask (RFC 9293 §3.1 header format). */
export const Flag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
} as const;

export type FlagName = keyof typeof Flag;

/** Order used whenever flags are listed (trace, ladder, narration). */
export const FLAG_NAMES: readonly FlagName[] = ['SYN', 'ACK', 'FIN', 'RST', 'PSH'];

/** An IPv4 address (dotted quad) and port. */
export interface SocketAddress {
  readonly addr: string;
  readonly port: number;
}

/** A SACK block (RFC 2018 §3): the receiver holds sequence numbers [left, right), uint32. */
export interface SackBlock {
  readonly left: number;
  readonly right: number;
}

/** The timestamps option (RFC 7323 §3.2): TSval and TSecr, uint32. */
export interface TimestampOption {
  readonly val: number;
  readonly ecr: number;
}

/**
 * One TCP segment as it crosses the simulated network.
 * `seq`/`ack` are uint32; `data` holds the real payload bytes so that stream
 * integrity can be checked end to end and pcap files carry the payload.
 */
export interface Segment {
  readonly srcAddr: string;
  readonly srcPort: number;
  readonly dstAddr: string;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  /** Bitmask of {@link Flag}. */
  readonly flags: number;
  /**
   * The window field as sent (16 bits): the advertised window right-shifted by the sender's
   * window scale (RFC 7323 §2.3); never scaled on a SYN. The receiver of the segment applies
   * the shift it learnt from the sender's SYN.
   */
  readonly win: number;
  /** MSS option (RFC 9293 §3.7.1), only meaningful on SYN segments. */
  readonly mss?: number;
  /** SACK-permitted option (RFC 2018 §2), SYN segments only. */
  readonly sackOk?: boolean;
  /** Window scale option (RFC 7323 §2.2): the sender's shift count 0–14, SYN segments only. */
  readonly wscale?: number;
  /** Timestamps option (RFC 7323 §3). */
  readonly ts?: TimestampOption;
  /**
   * SACK blocks (RFC 2018 §3), most recent first; a D-SACK block (RFC 2883 §4) comes first and
   * lies below SEG.ACK or inside the second block. At most 4 (3 with timestamps).
   */
  readonly sack?: readonly SackBlock[];
  readonly data?: Uint8Array;
}

export function hasFlag(segment: Pick<Segment, 'flags'>, flag: number): boolean {
  return (segment.flags & flag) !== 0;
}

/** Payload length in bytes. */
export function payloadLength(segment: Pick<Segment, 'data'>): number {
  return segment.data ? segment.data.length : 0;
}

/**
 * SEG.LEN: RFC 9293 §3.4 "the number of octets occupied by the data in the
 * segment (counting SYN and FIN)". SYN and FIN each consume one sequence number.
 */
export function segmentLength(segment: Pick<Segment, 'data' | 'flags'>): number {
  return payloadLength(segment) + (segment.flags & Flag.SYN ? 1 : 0) + (segment.flags & Flag.FIN ? 1 : 0);
}

/** Sequence number just after this segment (SEG.SEQ + SEG.LEN). */
export function segmentEnd(segment: Pick<Segment, 'seq' | 'data' | 'flags'>): number {
  return seqAdd(segment.seq, segmentLength(segment));
}

export function flagNames(flags: number): FlagName[] {
  return FLAG_NAMES.filter((name) => (flags & Flag[name]) !== 0);
}

export function flagsFromNames(names: readonly string[]): number {
  let flags = 0;
  for (const name of names) {
    const bit = (Flag as Record<string, number>)[name];
    if (bit === undefined) throw new Error(`unknown TCP flag "${name}"`);
    flags |= bit;
  }
  return flags;
}

/** Flags joined the way ladders print them: "SYN,ACK". */
export function flagLabel(flags: number): string {
  return flagNames(flags).join(',');
}

/** A compact one-line description: `10.0.0.1:40000 > 10.0.0.2:80 [SYN] seq=1000 ack=0 win=65535 len=0`. */
export function describeSegment(segment: Segment): string {
  return (
    `${segment.srcAddr}:${segment.srcPort} > ${segment.dstAddr}:${segment.dstPort} ` +
    `[${flagLabel(segment.flags)}] seq=${segment.seq} ack=${segment.ack} win=${segment.win} ` +
    `len=${payloadLength(segment)}${segment.mss !== undefined ? ` mss=${segment.mss}` : ''}`
  );
}

/** The 4-tuple key as seen from the receiver of `segment` (local first). */
export function receiverTupleKey(segment: Segment): string {
  return `${segment.dstAddr}:${segment.dstPort}|${segment.srcAddr}:${segment.srcPort}`;
}

export function tupleKey(local: SocketAddress, remote: SocketAddress): string {
  return `${local.addr}:${local.port}|${remote.addr}:${remote.port}`;
}

/** The JSON shape of a segment in the public trace (see @synack/network README). */
export interface TraceSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: FlagName[];
  len: number;
  win: number;
  mss?: number;
  /** The segment's TCP options (absent when it carries none); SACK edges absolute like seq/ack. */
  opts?: TraceOptions;
}

/** TCP options in the trace: `{"mss":1460,"sackOk":true,"ts":[val,ecr],"wscale":10,"sack":[[l,r]]}`. */
export interface TraceOptions {
  mss?: number;
  sackOk?: true;
  ts?: [number, number];
  wscale?: number;
  sack?: [number, number][];
}

function traceOptions(segment: Segment): TraceOptions | undefined {
  if (
    segment.mss === undefined &&
    !segment.sackOk &&
    !segment.ts &&
    segment.wscale === undefined &&
    !segment.sack
  )
    return undefined;
  const opts: TraceOptions = {};
  if (segment.mss !== undefined) opts.mss = segment.mss;
  if (segment.sackOk) opts.sackOk = true;
  if (segment.ts) opts.ts = [segment.ts.val, segment.ts.ecr];
  if (segment.wscale !== undefined) opts.wscale = segment.wscale;
  if (segment.sack && segment.sack.length > 0) opts.sack = segment.sack.map((b) => [b.left, b.right]);
  return opts;
}

export function toTraceSegment(segment: Segment): TraceSegment {
  const out: TraceSegment = {
    srcPort: segment.srcPort,
    dstPort: segment.dstPort,
    seq: segment.seq,
    ack: segment.ack,
    flags: flagNames(segment.flags),
    len: payloadLength(segment),
    win: segment.win,
  };
  if (segment.mss !== undefined) out.mss = segment.mss;
  const opts = traceOptions(segment);
  if (opts) out.opts = opts;
  return out;
}
