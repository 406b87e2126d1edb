/**
 * Classic libpcap file writer for simulated TCP segments.
 *
 * File format choices (see https://www.tcpdump.org/manpages/pcap-savefile.5.txt and
 * https://www.tcpdump.org/linktypes.html):
 * - magic 0xa1b2c3d4 written little-endian (bytes d4 c3 b2 a1): the microsecond-resolution
 *   variant exactly as a little-endian host's libpcap writes it, so every reader
 *   (tcpdump, Wireshark, scapy) accepts it without guessing.
 * - version 2.4, thiszone 0, sigfigs 0, snaplen 65535 (no IPv4 datagram can be longer,
 *   so records are never truncated and incl_len always equals orig_len).
 * - linktype 101 LINKTYPE_RAW: each record is a bare IPv4 datagram. The simulator has no
 *   link layer, so inventing Ethernet MACs would only add fake data. (101 is the
 *   file-format value; the platform-dependent DLT_RAW 12/14 must not be written to files.)
 */
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Segment } from '@synack/core';
import { PcapFileSink } from './pcap-file.js';
import type { Packet } from './types.js';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
export const PCAP_SNAPLEN = 65535;
export const LINKTYPE_RAW = 101;

const PCAP_GLOBAL_HEADER_LEN = 24;
const PCAP_RECORD_HEADER_LEN = 16;
const IPV4_HEADER_LEN = 20;
const TCP_HEADER_LEN = 20;
const IPPROTO_TCP = 6;
const DEFAULT_TTL = 64;
/** RFC 791 §3.1: flags are the top 3 bits of the fragment word; 0b010 = Don't Fragment. */
const IPV4_FLAG_DF = 0x4000;
/** RFC 9293 §3.2: MSS option kind 2, length 4. */
const TCP_OPT_MSS_KIND = 2;
const TCP_OPT_MSS_LEN = 4;
/** RFC 9293 §3.2: no-operation, used to align the options that follow. */
const TCP_OPT_NOP = 1;
/** RFC 7323 §2.2: window scale, kind 3, length 3. */
const TCP_OPT_WSCALE = 3;
/** RFC 2018 §2: SACK-permitted, kind 4, length 2; §3: SACK, kind 5, length 2 + 8 per block. */
const TCP_OPT_SACK_PERMITTED = 4;
const TCP_OPT_SACK = 5;
/** RFC 7323 §3.2: timestamps, kind 8, length 10. */
const TCP_OPT_TIMESTAMPS = 8;
/** RFC 9293 §3.1: a data offset of 15 words leaves 40 bytes for options. */
const MAX_TCP_OPTIONS_LEN = 40;
const MAX_IPV4_TOTAL_LEN = 0xffff;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement
 * sum of all 16-bit big-endian words. An odd trailing byte is padded with a zero byte on
 * the right (RFC 1071 §4.1, "Mop up left-over byte"). `initial` lets callers fold in a
 * pseudo-header sum computed separately; one's complement addition is associative and
 * commutative (RFC 1071 §2(A)), so the parts may be summed in any order.
 */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  const evenEnd = bytes.length & ~1;
  for (let i = 0; i < evenEnd; i += 2) {
    sum += (bytes[i] << 8) | bytes[i + 1];
  }
  if (bytes.length & 1) sum += bytes[bytes.length - 1] << 8;
  // Deferred carries (RFC 1071 §2(C)): fold the high bits back in until none remain.
  // Inputs are at most 64 KiB, so `sum` stays far below 2^53 and is exact.
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Parses a dotted-quad IPv4 address into 4 bytes; throws on anything else. */
export function parseIpv4(addr: string): Uint8Array {
  if (typeof addr !== 'string')
    throw new Error(`invalid IPv4 address ${String(addr)}: expected a dotted quad`);
  const parts = addr.split('.');
  // Leading zeros are rejected because some parsers read them as octal ("010" = 8).
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) {
    throw new Error(`invalid IPv4 address "${addr}": expected a dotted quad such as 10.0.0.1`);
  }
  return Uint8Array.from(parts.map(Number));
}

function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`invalid ${name} ${value}: expected an integer in [0, ${max}]`);
  }
}

/**
 * The TCP option bytes of a segment in Linux's order and alignment (tcp_options_write): MSS;
 * SACK-permitted with timestamps (`sackOK,TS`) or NOP,NOP before timestamps; NOP,NOP,SACK-permitted
 * when there are no timestamps; NOP + window scale; NOP,NOP + SACK blocks. Always a multiple of 4.
 */
export function tcpOptionBytes(segment: Segment): number[] {
  const out: number[] = [];
  const u32 = (n: number) => out.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
  if (segment.mss !== undefined)
    out.push(TCP_OPT_MSS_KIND, TCP_OPT_MSS_LEN, segment.mss >>> 8, segment.mss & 255);
  if (segment.ts) {
    if (segment.sackOk) out.push(TCP_OPT_SACK_PERMITTED, 2);
    else out.push(TCP_OPT_NOP, TCP_OPT_NOP);
    out.push(TCP_OPT_TIMESTAMPS, 10);
    u32(segment.ts.val);
    u32(segment.ts.ecr);
  } else if (segment.sackOk) {
    out.push(TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_SACK_PERMITTED, 2);
  }
  if (segment.wscale !== undefined) out.push(TCP_OPT_NOP, TCP_OPT_WSCALE, 3, segment.wscale);
  const room = Math.floor((MAX_TCP_OPTIONS_LEN - out.length - 4) / 8);
  const blocks = (segment.sack ?? []).slice(0, Math.max(0, room));
  if (blocks.length > 0) {
    out.push(TCP_OPT_NOP, TCP_OPT_NOP, TCP_OPT_SACK, 2 + 8 * blocks.length);
    for (const block of blocks) {
      u32(block.left);
      u32(block.right);
    }
  }
  return out;
}

/**
 * Encodes `segment` as a complete IPv4 datagram carrying TCP: a 20-byte IPv4 header
 * (RFC 791, no options), the TCP header (RFC 793 / RFC 9293 §3.1) with the segment's options
 * (MSS, SACK-permitted, timestamps, window scale, SACK blocks: tcpOptionBytes), then the payload.
 * Both checksums are filled in.
 */
export function encodeIpv4Tcp(segment: Segment, ipId = 0, ttl = DEFAULT_TTL): Buffer {
  const src = parseIpv4(segment.srcAddr);
  const dst = parseIpv4(segment.dstAddr);
  checkUint('source port', segment.srcPort, 0xffff);
  checkUint('destination port', segment.dstPort, 0xffff);
  checkUint('sequence number', segment.seq, 0xffffffff);
  checkUint('acknowledgment number', segment.ack, 0xffffffff);
  // The header carries 8 control bits (CWR..FIN) in octet 13.
  checkUint('TCP flags', segment.flags, 0xff);
  checkUint('IP identification', ipId, 0xffff);
  checkUint('TTL', ttl, 0xff);
  if (!Number.isFinite(segment.win) || segment.win < 0) {
    throw new Error(`invalid window ${segment.win}: expected a non-negative number`);
  }
  if (segment.mss !== undefined) checkUint('MSS', segment.mss, 0xffff);

  if (segment.wscale !== undefined) checkUint('window scale', segment.wscale, 14);
  const options = tcpOptionBytes(segment);
  // Data offset counts 32-bit words, so options are padded to a 4-byte boundary.
  const tcpHeaderLen = TCP_HEADER_LEN + ((options.length + 3) & ~3);
  const data = segment.data ?? new Uint8Array(0);
  const tcpLen = tcpHeaderLen + data.length;
  const totalLen = IPV4_HEADER_LEN + tcpLen;
  if (totalLen > MAX_IPV4_TOTAL_LEN) {
    throw new Error(`segment too large for one IPv4 datagram: ${totalLen} > ${MAX_IPV4_TOTAL_LEN} bytes`);
  }

  // Buffer.alloc zero-fills, which covers the checksum fields (zero while summing),
  // urgent pointer 0, reserved bits and option padding (EOL = 0).
  const buf = Buffer.alloc(totalLen);

  // --- IPv4 header (RFC 791 §3.1) ---
  buf[0] = (4 << 4) | (IPV4_HEADER_LEN / 4); // version 4, IHL in 32-bit words
  buf[1] = 0; // DSCP/ECN
  buf.writeUInt16BE(totalLen, 2);
  buf.writeUInt16BE(ipId, 4);
  // DF is set because TCP already sizes segments (MSS) and we never emit fragments.
  buf.writeUInt16BE(IPV4_FLAG_DF, 6);
  buf[8] = ttl;
  buf[9] = IPPROTO_TCP;
  buf.set(src, 12);
  buf.set(dst, 16);
  // RFC 791: "the 16 bit one's complement of the one's complement sum of all 16 bit
  // words in the header", computed with the checksum field itself set to zero.
  buf.writeUInt16BE(internetChecksum(buf.subarray(0, IPV4_HEADER_LEN)), 10);

  // --- TCP header (RFC 793 §3.1, RFC 9293 §3.1) ---
  const t = IPV4_HEADER_LEN;
  buf.writeUInt16BE(segment.srcPort, t);
  buf.writeUInt16BE(segment.dstPort, t + 2);
  buf.writeUInt32BE(segment.seq, t + 4);
  buf.writeUInt32BE(segment.ack, t + 8);
  buf[t + 12] = (tcpHeaderLen / 4) << 4; // data offset; reserved bits 0
  buf[t + 13] = segment.flags;
  // `win` is already the 16-bit field (shifted by the sender's window scale, RFC 7323 §2.3).
  buf.writeUInt16BE(Math.min(Math.floor(segment.win), 0xffff), t + 14);
  buf.set(options, t + TCP_HEADER_LEN);
  buf.set(data, t + tcpHeaderLen);

  // RFC 793 §3.1: the TCP checksum also covers a 96-bit pseudo-header of source address,
  // destination address, zero, protocol and TCP length, protecting against misrouting.
  const pseudo = Buffer.alloc(12);
  pseudo.set(src, 0);
  pseudo.set(dst, 4);
  pseudo[9] = IPPROTO_TCP;
  pseudo.writeUInt16BE(tcpLen, 10);
  const pseudoSum = ~internetChecksum(pseudo) & 0xffff; // un-complement to get the raw sum
  buf.writeUInt16BE(internetChecksum(buf.subarray(t), pseudoSum), t + 16);
  return buf;
}

/** The 24-byte global header every pcap file starts with (pcap-savefile(5)). */
export function pcapGlobalHeader(): Buffer {
  const header = Buffer.alloc(PCAP_GLOBAL_HEADER_LEN);
  header.writeUInt32LE(PCAP_MAGIC_MICROS, 0);
  header.writeUInt16LE(PCAP_VERSION_MAJOR, 4);
  header.writeUInt16LE(PCAP_VERSION_MINOR, 6);
  header.writeInt32LE(0, 8); // thiszone: timestamps are already "UTC" (virtual time)
  header.writeUInt32LE(0, 12); // sigfigs: always 0 in practice
  header.writeUInt32LE(PCAP_SNAPLEN, 16);
  header.writeUInt32LE(LINKTYPE_RAW, 20);
  return header;
}

/**
 * Accumulates records in memory and serialises them as one pcap file; or, given a `sink`, hands
 * each record to it as it is added and keeps none (a file streamed as the run goes, pcap-file.ts).
 */
export class PcapWriter {
  private readonly records: Buffer[] = [];
  private bytes = 0;
  private added = 0;

  constructor(private readonly sink?: (record: Buffer) => void) {}

  /** Number of packets added so far. */
  get count(): number {
    return this.added;
  }

  /**
   * Appends `segment` captured at virtual time `timeMs` (milliseconds, may be fractional;
   * stored with microsecond precision). By default the IP identification is the packet's
   * index in this file (mod 2^16) so that frames are easy to tell apart, and TTL is 64.
   */
  add(timeMs: number, segment: Segment, opts: { ipId?: number; ttl?: number } = {}): void {
    if (!Number.isFinite(timeMs) || timeMs < 0) {
      throw new Error(`invalid capture time ${timeMs} ms: expected a finite, non-negative number`);
    }
    const packet = encodeIpv4Tcp(segment, opts.ipId ?? this.added & 0xffff, opts.ttl ?? DEFAULT_TTL);
    // Round once to whole microseconds, then split, so usec can never reach 1_000_000.
    const totalMicros = Math.round(timeMs * 1000);
    const seconds = Math.floor(totalMicros / 1_000_000);
    if (seconds > 0xffffffff)
      throw new Error(`capture time ${timeMs} ms does not fit a 32-bit seconds field`);
    const header = Buffer.alloc(PCAP_RECORD_HEADER_LEN);
    header.writeUInt32LE(seconds, 0); // ts_sec
    header.writeUInt32LE(totalMicros - seconds * 1_000_000, 4); // ts_usec
    header.writeUInt32LE(packet.length, 8); // incl_len
    header.writeUInt32LE(packet.length, 12); // orig_len
    const record = Buffer.concat([header, packet]);
    this.added++;
    if (this.sink) {
      this.sink(record);
      return;
    }
    this.records.push(record);
    this.bytes += record.length;
  }

  /** The complete file: global header followed by every record in insertion order (in-memory writers only). */
  toBuffer(): Buffer {
    if (this.sink) throw new Error('a streaming PcapWriter keeps no records: its file is already written');
    return Buffer.concat([pcapGlobalHeader(), ...this.records], PCAP_GLOBAL_HEADER_LEN + this.bytes);
  }
}

/** Writes `records` (virtual time in ms and segment) to a pcap file at `path`. */
export function writePcapFile(path: string, records: Array<{ t: number; segment: Segment }>): void {
  const writer = new PcapWriter();
  for (const { t, segment } of records) writer.add(t, segment);
  writeFileSync(path, writer.toBuffer());
}

/**
 * Where a capture taps the simulated network. `sender`: every segment as it leaves its sender,
 * including those the network then drops (a tcpdump on the sending host). `receiver`: every
 * segment as it reaches its destination endpoint, at its delivery time: dropped segments are
 * missing, a duplicated one appears twice and reordered ones in arrival order (a tcpdump on the
 * receiving host, for both directions).
 */
export type CapturePoint = 'sender' | 'receiver';

/** The values of `synack run --pcap-at`: one capture point, or both into two files. */
export const PCAP_AT = ['sender', 'receiver', 'both'] as const;
export type PcapAt = (typeof PCAP_AT)[number];

/**
 * The file each capture point of `at` writes, given the path the user asked for. One point
 * writes `path` itself; `both` writes two files, `x.sender.pcap` and `x.receiver.pcap` for
 * `x.pcap` (the point goes before the extension), because one file holding every segment
 * twice, from two places, would read to Wireshark as a storm of retransmissions.
 */
export function captureFiles(path: string, at: PcapAt): Array<{ point: CapturePoint; path: string }> {
  if (at !== 'both') return [{ point: at, path }];
  const ext = extname(path);
  const stem = ext ? path.slice(0, -ext.length) : path;
  return (['sender', 'receiver'] as const).map((point) => ({
    point,
    path: `${stem}.${point}${ext || '.pcap'}`,
  }));
}

/**
 * A pcap capture of a run at one or both capture points: pass `hooks` to `runSimulation`, then
 * write the files with `writeFiles`. The sender capture is exactly what `onPacket` sees, so it
 * is byte-identical to a `PcapWriter` fed from `onPacket`.
 *
 * `PcapCapture.streaming(path, at)` instead opens the files at once and appends each packet as it
 * is captured (pcap-file.ts): a killed run leaves a readable prefix; `close()` ends the files.
 */
export class PcapCapture {
  private readonly writers = new Map<CapturePoint, PcapWriter>();
  private readonly sinks: PcapFileSink[] = [];
  /** Packet id → its index among the packets sent: the IP identification both captures give it. */
  private readonly sendIndex = new Map<number, number>();

  constructor(readonly at: PcapAt = 'sender') {
    for (const { point } of captureFiles('', at)) this.writers.set(point, new PcapWriter());
  }

  /** A capture streamed to `path` (and its sibling with `both`); throws PcapFileError if a file cannot be created. */
  static streaming(path: string, at: PcapAt = 'sender'): PcapCapture {
    const capture = new PcapCapture(at);
    try {
      for (const file of captureFiles(path, at)) {
        const sink = new PcapFileSink(file.path);
        capture.sinks.push(sink);
        capture.writers.set(file.point, new PcapWriter((record) => sink.append(record)));
      }
    } catch (err) {
      capture.closeQuietly();
      throw err;
    }
    return capture;
  }

  /** Closes a streaming capture's files; throws PcapFileError naming the first file not written completely. */
  close(): string[] {
    let first: unknown;
    for (const sink of this.sinks) {
      try {
        sink.close();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
    return this.sinks.map((sink) => sink.path);
  }

  private closeQuietly(): void {
    try {
      this.close();
    } catch {
      // Already failing: the caller reports the first error.
    }
  }

  /** The writer of one capture point, if this capture has it. */
  writer(point: CapturePoint): PcapWriter | undefined {
    return this.writers.get(point);
  }

  /**
   * `onPacket` feeds the sender capture, `onDeliver` the receiver capture. A segment has the same
   * IP identification in both files (its index among the segments sent, as the sender capture has
   * always written it), so frames can be matched across them, and a network duplicate carries its
   * original's, as a copy made by the network would (a retransmission gets a new one).
   */
  get hooks(): {
    onPacket: (t: number, packet: Packet) => void;
    onDeliver?: (t: number, packet: Packet) => void;
  } {
    const sender = this.writers.get('sender');
    const receiver = this.writers.get('receiver');
    const onPacket = (t: number, packet: Packet) => {
      if (receiver) this.sendIndex.set(packet.id, this.sendIndex.size);
      sender?.add(t, packet.segment);
    };
    if (!receiver) return { onPacket };
    const onDeliver = (t: number, packet: Packet) => {
      const index = this.sendIndex.get(packet.duplicateOf ?? packet.id) ?? 0;
      receiver.add(t, packet.segment, { ipId: index & 0xffff });
    };
    return { onPacket, onDeliver };
  }

  /** Writes each capture point's file (see `captureFiles`); returns the paths written. */
  writeFiles(path: string): string[] {
    return captureFiles(path, this.at).map((file) => {
      writeFileSync(file.path, this.writers.get(file.point)!.toBuffer());
      return file.path;
    });
  }
}
