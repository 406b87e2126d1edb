/**
 * Reading real captures for `synack replay`: classic pcap (both byte orders, µs and ns
 * timestamps) and pcapng (section header, interface description, enhanced and simple packet
 * blocks), link types Ethernet, raw IP, Linux cooked (SLL, SLL2) and BSD loopback; IPv4 and
 * IPv6; TCP with its options. No npm parser fits (the maintained ones need libpcap or read
 * classic pcap only), and the formats are small: pcap(5), pcapng (IETF draft-ietf-opsawg-pcapng).
 * Anything that is not TCP is skipped; a file that is neither format is a usage error.
 */
import { InputError } from '../schema.js';

/** One TCP segment as captured. Times in ms from the first packet of the file. */
export interface CapturedSegment {
  t: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: string[];
  len: number;
  win: number;
  mss?: number;
  wscale?: number;
  sackOk?: boolean;
  ts?: [number, number];
}

/** Largest capture read (bytes). */
export const MAX_CAPTURE_BYTES = 256 * 1024 * 1024;
/** Most segments replayed from one capture (the observer keeps them all). */
export const MAX_SEGMENTS = 1_000_000;

const FLAG_BITS: Array<[number, string]> = [
  [0x02, 'SYN'],
  [0x10, 'ACK'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x20, 'URG'],
];

interface Frame {
  /** Absolute capture time in µs (float). */
  us: number;
  link: number;
  data: Buffer;
}

export function readCapture(buf: Buffer, name: string): CapturedSegment[] {
  if (buf.length < 24) throw new InputError(`${name}: too short to be a pcap or pcapng file`);
  const magic = buf.readUInt32LE(0);
  let frames: Frame[];
  if (magic === 0x0a0d0d0a) frames = pcapngFrames(buf, name);
  else if ([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1].includes(magic)) frames = pcapFrames(buf, name);
  else throw new InputError(`${name}: not a pcap or pcapng file (magic 0x${magic.toString(16)})`);
  const segments: CapturedSegment[] = [];
  const t0 = frames[0]?.us ?? 0;
  for (const frame of frames) {
    const seg = tcpOfFrame(frame);
    if (!seg) continue;
    if (segments.length >= MAX_SEGMENTS)
      throw new InputError(`${name}: more than ${MAX_SEGMENTS} TCP segments`);
    segments.push({ ...seg, t: Math.round(frame.us - t0) / 1000 });
  }
  return segments;
}

function pcapFrames(buf: Buffer, name: string): Frame[] {
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const link = u32(20) & 0xffff;
  const frames: Frame[] = [];
  for (let o = 24; o + 16 <= buf.length; ) {
    const incl = u32(o + 8);
    if (o + 16 + incl > buf.length) throw new InputError(`${name}: truncated packet record at byte ${o}`);
    const us = u32(o) * 1e6 + (nano ? u32(o + 4) / 1000 : u32(o + 4));
    frames.push({ us, link, data: buf.subarray(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return frames;
}

function pcapngFrames(buf: Buffer, name: string): Frame[] {
  let le = true;
  const interfaces: Array<{ link: number; unitsPerUs: number }> = [];
  const frames: Frame[] = [];
  for (let o = 0; o + 12 <= buf.length; ) {
    if (buf.readUInt32LE(o) === 0x0a0d0d0a) {
      le = buf.readUInt32LE(o + 8) === 0x1a2b3c4d;
      interfaces.length = 0;
    }
    const u32 = (p: number) => (le ? buf.readUInt32LE(p) : buf.readUInt32BE(p));
    const type = u32(o);
    const length = u32(o + 4);
    if (length < 12 || o + length > buf.length)
      throw new InputError(`${name}: truncated pcapng block at byte ${o}`);
    if (type === 1) {
      interfaces.push({
        link: le ? buf.readUInt16LE(o + 8) : buf.readUInt16BE(o + 8),
        unitsPerUs: tsResolution(buf, o, length, le),
      });
    } else if (type === 6) {
      const iface = interfaces[u32(o + 8)];
      if (!iface) throw new InputError(`${name}: packet block at byte ${o} names an undeclared interface`);
      const ticks = u32(o + 12) * 2 ** 32 + u32(o + 16);
      const captured = u32(o + 20);
      frames.push({
        us: ticks / iface.unitsPerUs,
        link: iface.link,
        data: buf.subarray(o + 28, o + 28 + captured),
      });
    } else if (type === 3 && interfaces[0]) {
      frames.push({
        us: frames.at(-1)?.us ?? 0,
        link: interfaces[0].link,
        data: buf.subarray(o + 12, o + length - 4),
      });
    }
    o += length;
  }
  return frames;
}

/** The interface's if_tsresol option (code 9) as timestamp units per µs; default µs. */
function tsResolution(buf: Buffer, block: number, length: number, le: boolean): number {
  for (let o = block + 16; o + 4 <= block + length - 4; ) {
    const code = le ? buf.readUInt16LE(o) : buf.readUInt16BE(o);
    const len = le ? buf.readUInt16LE(o + 2) : buf.readUInt16BE(o + 2);
    if (code === 0) break;
    if (code === 9 && len >= 1) {
      const r = buf[o + 4];
      const perSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
      return perSecond / 1e6;
    }
    o += 4 + Math.ceil(len / 4) * 4;
  }
  return 1;
}

/** The IP packet inside a link-layer frame, or undefined for what is not IP. */
function ipOfFrame(frame: Frame): Buffer | undefined {
  const d = frame.data;
  switch (frame.link) {
    case 1: // Ethernet: the type after two MACs (a VLAN tag shifts it by 4)
      return d.readUInt16BE(12) === 0x8100 ? d.subarray(18) : d.subarray(14);
    case 101: // raw IP
    case 12:
      return d;
    case 113: // Linux cooked capture (SLL)
      return d.subarray(16);
    case 276: // SLL2
      return d.subarray(20);
    case 0: // BSD loopback: 4-byte family
      return d.subarray(4);
    default:
      return undefined;
  }
}

function tcpOfFrame(frame: Frame): Omit<CapturedSegment, 't'> | undefined {
  const ip = ipOfFrame(frame);
  if (!ip || ip.length < 20) return undefined;
  const version = ip[0] >> 4;
  let src: string;
  let dst: string;
  let tcp: Buffer;
  if (version === 4) {
    if (ip[9] !== 6) return undefined;
    const ihl = (ip[0] & 0x0f) * 4;
    src = [...ip.subarray(12, 16)].join('.');
    dst = [...ip.subarray(16, 20)].join('.');
    tcp = ip.subarray(ihl, Math.min(ip.length, ip.readUInt16BE(2)));
  } else if (version === 6 && ip.length >= 40) {
    if (ip[6] !== 6) return undefined;
    src = ipv6(ip.subarray(8, 24));
    dst = ipv6(ip.subarray(24, 40));
    tcp = ip.subarray(40, 40 + ip.readUInt16BE(4));
  } else return undefined;
  if (tcp.length < 20) return undefined;
  return { src, dst, ...tcpHeader(tcp) };
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function tcpHeader(tcp: Buffer): Omit<CapturedSegment, 't' | 'src' | 'dst'> {
  const offset = (tcp[12] >> 4) * 4;
  const bits = tcp[13];
  const seg: Omit<CapturedSegment, 't' | 'src' | 'dst'> = {
    srcPort: tcp.readUInt16BE(0),
    dstPort: tcp.readUInt16BE(2),
    seq: tcp.readUInt32BE(4),
    ack: tcp.readUInt32BE(8),
    flags: FLAG_BITS.filter(([bit]) => bits & bit).map(([, name]) => name),
    len: Math.max(0, tcp.length - offset),
    win: tcp.readUInt16BE(14),
  };
  // RFC 9293 §3.1 options: kind 0 ends, 1 pads, others are kind, length, value.
  for (let o = 20; o < Math.min(offset, tcp.length); ) {
    const kind = tcp[o];
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    const len = tcp[o + 1];
    if (!len || len < 2) break;
    if (kind === 2 && len === 4) seg.mss = tcp.readUInt16BE(o + 2);
    if (kind === 3 && len === 3) seg.wscale = tcp[o + 2];
    if (kind === 4) seg.sackOk = true;
    if (kind === 8 && len === 10) seg.ts = [tcp.readUInt32BE(o + 2), tcp.readUInt32BE(o + 6)];
    o += len;
  }
  return seg;
}
