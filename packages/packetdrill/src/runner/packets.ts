/**
 * Script packets ↔ simulated segments. Sequence numbers in a script are relative: an inbound (`<`)
 * packet's seq counts from the remote ISN the runner picks and its ack from the endpoint's ISN; an
 * outbound (`>`) packet the other way round. The endpoint's ISN is learnt from its first SYN or
 * SYN-ACK, as packetdrill does. Outbound TS val and ecr are not compared (packetdrill's default
 * --tcp_ts_tick_usecs=0 "disables checks of TS val"); an inbound TS ecr naming a TS val the script
 * wrote on an earlier outbound packet is replaced by the value the endpoint really sent.
 */
import { Flag, type SackBlock, type Segment, seqAdd, seqDiff } from '@synack/core';
import type { TcpOption, TcpPacketEvent } from '../ast.js';
import { LOCAL_IP, REMOTE_IP } from './endpoint.js';
import { BIND_PORT } from './sockets.js';

/** The remote peer's ISN (any value works: the script only writes relative numbers). */
export const REMOTE_ISN = 0x3a00_0000;
/** The remote port of a connection the script opens towards a listener. */
export const REMOTE_PORT = 49_152;

/** What the runner knows about the one connection a script talks about. */
export class Conversation {
  localIsn: number | undefined;
  localPort = BIND_PORT;
  remotePort = REMOTE_PORT;
  /** Script TS val → TS val the endpoint really sent (packetdrill's outbound TS val mapping). */
  private readonly tsVals = new Map<number, number>();
  private tsBase: { script: number; actual: number } | undefined;

  /** The endpoint's ISN, 0 until learnt (a script may ACK before any SYN was seen). */
  private isn(): number {
    return this.localIsn ?? 0;
  }

  /** Builds the segment a `<` line injects. */
  inbound(packet: TcpPacketEvent): Segment {
    const f = packet.flags;
    const flags =
      (f.syn ? Flag.SYN : 0) |
      (f.ack ? Flag.ACK : 0) |
      (f.fin ? Flag.FIN : 0) |
      (f.rst ? Flag.RST : 0) |
      (f.psh ? Flag.PSH : 0);
    const options = packet.options === 'wildcard' ? [] : (packet.options ?? []);
    const segment: {
      -readonly [K in keyof Segment]: Segment[K];
    } = {
      srcAddr: REMOTE_IP,
      srcPort: this.remotePort,
      dstAddr: LOCAL_IP,
      dstPort: this.localPort,
      seq: seqAdd(REMOTE_ISN, packet.seq.start),
      ack: packet.ack !== undefined ? seqAdd(this.isn(), packet.ack) : 0,
      flags,
      win: Math.max(0, Math.min(packet.win ?? 0, 65_535)),
    };
    if (packet.seq.len > 0) segment.data = new Uint8Array(Math.min(packet.seq.len, 1 << 20));
    for (const option of options) this.applyOption(segment, option);
    return segment;
  }

  private applyOption(segment: { -readonly [K in keyof Segment]: Segment[K] }, option: TcpOption): void {
    if (option.kind === 'mss') segment.mss = option.value;
    else if (option.kind === 'sackOK') segment.sackOk = true;
    else if (option.kind === 'wscale') segment.wscale = option.value;
    else if (option.kind === 'timestamp')
      segment.ts = { val: option.val >>> 0, ecr: this.liveEcr(option.ecr) };
    else if (option.kind === 'sack')
      segment.sack = option.blocks.map((b) => ({
        left: seqAdd(this.isn(), b.start),
        right: seqAdd(this.isn(), b.end),
      }));
  }

  private liveEcr(scriptEcr: number): number {
    const exact = this.tsVals.get(scriptEcr >>> 0);
    if (exact !== undefined) return exact;
    if (this.tsBase) return (this.tsBase.actual + (scriptEcr - this.tsBase.script)) >>> 0;
    return scriptEcr >>> 0;
  }

  /** The endpoint's ISN and ports, from the first SYN or SYN-ACK it sends (before comparing it). */
  learnIsn(expected: TcpPacketEvent, actual: Segment): void {
    if (!(actual.flags & Flag.SYN) || this.localIsn !== undefined) return;
    this.localIsn = seqAdd(actual.seq, -expected.seq.start);
    if (!(actual.flags & Flag.ACK)) {
      this.localPort = actual.srcPort;
      this.remotePort = actual.dstPort;
    }
  }

  /** Called for every outbound segment that matched a `>` line: remembers its TS val. */
  learn(expected: TcpPacketEvent, actual: Segment): void {
    const options = expected.options;
    const scriptTs = Array.isArray(options) ? options.find((o) => o.kind === 'timestamp') : undefined;
    if (scriptTs?.kind === 'timestamp' && actual.ts) {
      this.tsVals.set(scriptTs.val >>> 0, actual.ts.val);
      this.tsBase ??= { script: scriptTs.val, actual: actual.ts.val };
    }
  }

  /** The first difference between a `>` line and the segment the endpoint sent, or undefined. */
  mismatch(expected: TcpPacketEvent, actual: Segment): string | undefined {
    const wantFlags = flagText(expectedFlags(expected));
    const gotFlags = flagText(actual.flags);
    if (wantFlags !== gotFlags) return `bad outbound TCP flags: expected ${wantFlags} vs actual ${gotFlags}`;
    const seq = relative(actual.seq, this.isn());
    if (seq !== expected.seq.start >>> 0)
      return `live packet field tcp_seq: expected: ${expected.seq.start >>> 0} vs actual: ${seq}`;
    const length = actual.data?.length ?? 0;
    if (length !== expected.seq.len)
      return `bad outbound TCP payload length: expected ${expected.seq.len} vs actual ${length}`;
    if (expected.ack !== undefined && relative(actual.ack, REMOTE_ISN) !== expected.ack >>> 0)
      return `live packet field tcp_ack_seq: expected: ${expected.ack >>> 0} vs actual: ${relative(actual.ack, REMOTE_ISN)}`;
    if (expected.win !== undefined && actual.win !== expected.win)
      return `live packet field tcp_window: expected: ${expected.win} vs actual: ${actual.win}`;
    if (expected.options === 'wildcard') return undefined;
    const want = optionsText(expected.options ?? [], (o) => this.expectedOption(o));
    const got = optionsText(
      actualOptions(actual, (n) => relative(n, REMOTE_ISN)),
      (o) => this.expectedOption(o),
    );
    return want === got ? undefined : `bad outbound TCP options: expected <${want}> vs actual <${got}>`;
  }

  /** An option as compared: TS val/ecr blanked (not compared by default). */
  private expectedOption(option: TcpOption): string | undefined {
    switch (option.kind) {
      case 'nop':
      case 'eol':
        return undefined;
      case 'timestamp':
        return 'TS';
      case 'sack':
        return `sack ${option.blocks.map((b) => `${b.start >>> 0}:${b.end >>> 0}`).join(' ')}`;
      case 'mss':
        return `mss ${option.value}`;
      case 'wscale':
        return `wscale ${option.value}`;
      case 'sackOK':
        return 'sackOK';
      default:
        return option.kind;
    }
  }

  /** The segment the endpoint sent, in packetdrill's notation (relative numbers). */
  describe(segment: Segment): string {
    const isn = this.localIsn ?? 0;
    const start = relative(segment.seq, isn);
    const length = segment.data?.length ?? 0;
    let text = `${flagText(segment.flags)} ${start}:${(start + length) >>> 0}(${length})`;
    if (segment.flags & Flag.ACK) text += ` ack ${relative(segment.ack, REMOTE_ISN)}`;
    text += ` win ${segment.win}`;
    const options = actualOptions(segment, (n) => relative(n, REMOTE_ISN));
    if (options.length > 0) text += ` <${options.map(formatOption).join(',')}>`;
    return text;
  }
}

function relative(n: number, isn: number): number {
  return seqDiff(n, isn) >>> 0;
}

function expectedFlags(packet: TcpPacketEvent): number {
  const f = packet.flags;
  return (
    (f.syn ? Flag.SYN : 0) |
    (f.ack ? Flag.ACK : 0) |
    (f.fin ? Flag.FIN : 0) |
    (f.rst ? Flag.RST : 0) |
    (f.psh ? Flag.PSH : 0)
  );
}

/** packetdrill's flag letters, in its order (S F R P then `.` for ACK). */
export function flagText(flags: number): string {
  let text = '';
  if (flags & Flag.SYN) text += 'S';
  if (flags & Flag.FIN) text += 'F';
  if (flags & Flag.RST) text += 'R';
  if (flags & Flag.PSH) text += 'P';
  if (flags & Flag.ACK) text += '.';
  return text === '' ? '-' : text;
}

const POS = { line: 0, column: 0 };

/** The options of a simulated segment in the order Linux writes them (tcp_options_write). */
function actualOptions(segment: Segment, sackEdge: (n: number) => number): TcpOption[] {
  const out: TcpOption[] = [];
  if (segment.mss !== undefined) out.push({ ...POS, kind: 'mss', value: segment.mss });
  if (segment.sackOk && segment.ts) out.push({ ...POS, kind: 'sackOK' });
  else if (segment.ts) out.push({ ...POS, kind: 'nop' }, { ...POS, kind: 'nop' });
  if (segment.ts) out.push({ ...POS, kind: 'timestamp', val: segment.ts.val, ecr: segment.ts.ecr });
  if (segment.sackOk && !segment.ts)
    out.push({ ...POS, kind: 'nop' }, { ...POS, kind: 'nop' }, { ...POS, kind: 'sackOK' });
  if (segment.wscale !== undefined)
    out.push({ ...POS, kind: 'nop' }, { ...POS, kind: 'wscale', value: segment.wscale });
  if (segment.sack && segment.sack.length > 0)
    out.push(
      { ...POS, kind: 'nop' },
      { ...POS, kind: 'nop' },
      { ...POS, kind: 'sack', blocks: sackBlocks(segment.sack, sackEdge) },
    );
  return out;
}

function sackBlocks(blocks: readonly SackBlock[], edge: (n: number) => number) {
  return blocks.map((b) => ({ start: edge(b.left), end: edge(b.right) }));
}

/**
 * The options that matter as one comparable string: nop and eol left out, sorted — the model keeps
 * no option order (Linux's is mss, sackOK, TS, nop, wscale on a SYN, see actualOptions).
 */
function optionsText(options: readonly TcpOption[], key: (o: TcpOption) => string | undefined): string {
  return options
    .map(key)
    .filter((k): k is string => k !== undefined)
    .sort()
    .join(',');
}

function formatOption(option: TcpOption): string {
  switch (option.kind) {
    case 'timestamp':
      return `TS val ${option.val} ecr ${option.ecr}`;
    case 'sack':
      return `sack ${option.blocks.map((b) => `${b.start}:${b.end}`).join(' ')}`;
    case 'mss':
    case 'wscale':
      return `${option.kind} ${option.value}`;
    default:
      return option.kind;
  }
}
