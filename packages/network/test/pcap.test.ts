import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flag, type Segment } from '@synack/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeIpv4Tcp, internetChecksum, LINKTYPE_RAW, PcapWriter, writePcapFile } from '../src/pcap.js';
import { tshark } from './tshark.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Minimal independent decoder, used to check that every header field round-trips. */
function decode(buf: Buffer) {
  const ihl = (buf[0] & 0x0f) * 4;
  const t = buf.subarray(ihl);
  const dataOffset = (t[12] >> 4) * 4;
  return {
    version: buf[0] >> 4,
    ihl,
    totalLength: buf.readUInt16BE(2),
    ipId: buf.readUInt16BE(4),
    df: (buf.readUInt16BE(6) & 0x4000) !== 0,
    mf: (buf.readUInt16BE(6) & 0x2000) !== 0,
    fragOffset: buf.readUInt16BE(6) & 0x1fff,
    ttl: buf[8],
    protocol: buf[9],
    srcAddr: [...buf.subarray(12, 16)].join('.'),
    dstAddr: [...buf.subarray(16, 20)].join('.'),
    srcPort: t.readUInt16BE(0),
    dstPort: t.readUInt16BE(2),
    seq: t.readUInt32BE(4),
    ack: t.readUInt32BE(8),
    dataOffset,
    flags: t[13],
    win: t.readUInt16BE(14),
    urgent: t.readUInt16BE(18),
    options: t.subarray(20, dataOffset),
    data: t.subarray(dataOffset),
  };
}

/** Verifies the TCP checksum the way a receiver does (RFC 793 §3.1): the sum over pseudo-header + segment is 0. */
function tcpChecksumOk(buf: Buffer): boolean {
  const tcp = buf.subarray(20);
  const pseudo = Buffer.concat([buf.subarray(12, 20), Buffer.from([0, 6]), Buffer.alloc(2)]);
  pseudo.writeUInt16BE(tcp.length, 10);
  return internetChecksum(Buffer.concat([pseudo, tcp])) === 0;
}

describe('internetChecksum (RFC 1071)', () => {
  it('matches the RFC 1071 §3 numerical example', () => {
    // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 have one's complement sum ddf2; the checksum is its complement.
    expect(internetChecksum(hex('0001 f203 f4f5 f6f7'))).toBe(0xffff - 0xddf2);
    expect(internetChecksum(hex('0001 f203 f4f5 f6f7'))).toBe(0x220d);
  });

  it('matches a well-known IPv4 header checksum', () => {
    // The classic 192.168.0.1 -> 192.168.0.199 UDP header, checksum field zeroed; its checksum is b861.
    expect(internetChecksum(hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7'))).toBe(0xb861);
    // Receiver-side verification (RFC 1071 §1): summing with the checksum in place yields zero.
    expect(internetChecksum(hex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7'))).toBe(0);
  });

  it('pads an odd trailing byte with zero on the right', () => {
    expect(internetChecksum(hex('01'))).toBe(0xfeff);
    expect(internetChecksum(hex('0001 f203 f4'))).toBe(internetChecksum(hex('0001 f203 f400')));
  });
});

describe('encodeIpv4Tcp', () => {
  const syn: Segment = {
    srcAddr: '192.168.1.10',
    srcPort: 54321,
    dstAddr: '93.184.216.34',
    dstPort: 80,
    seq: 0xfffffff0,
    ack: 0,
    flags: Flag.SYN,
    win: 64240,
    mss: 1460,
  };

  it('encodes a known SYN byte for byte, checksums included', () => {
    // Expected bytes were checked with tshark 4.0 ("Header checksum status: Good", "Checksum Status: Good")
    // and with an independent Python RFC 1071 implementation: IP checksum 26f9, TCP checksum d135.
    const expected = hex(
      '4500 002c 1c46 4000 4006 26f9 c0a8 010a 5db8 d822' + // IPv4: len 44, id 0x1c46, DF, TTL 64, proto 6
        'd431 0050 ffff fff0 0000 0000 6002 faf0 d135 0000' + // TCP: offset 6 words, SYN, win 64240
        '0204 05b4', // MSS option: kind 2, len 4, 1460
    );
    expect(encodeIpv4Tcp(syn, 0x1c46, 64).toString('hex')).toBe(expected.toString('hex'));
  });

  it('encodes a known data segment with an odd-length payload', () => {
    const seg: Segment = {
      srcAddr: '10.0.0.2',
      srcPort: 80,
      dstAddr: '10.0.0.1',
      dstPort: 40000,
      seq: 1,
      ack: 2,
      flags: Flag.PSH | Flag.ACK,
      win: 1000,
      data: new TextEncoder().encode('hello'),
    };
    // Also verified with tshark and Python: IP checksum 26c2, TCP checksum b777.
    expect(encodeIpv4Tcp(seg, 7, 64).toString('hex')).toBe(
      '4500002d00074000400626c20a0000020a00000100509c400000000100000002501803e8b777000068656c6c6f',
    );
  });

  it('round-trips every header field', () => {
    const data = Uint8Array.from({ length: 101 }, (_, i) => (i * 37 + 11) & 0xff);
    const seg: Segment = {
      srcAddr: '172.16.254.1',
      srcPort: 65535,
      dstAddr: '255.255.255.254',
      dstPort: 1,
      seq: 0xffffffff,
      ack: 0x80000000,
      flags: Flag.FIN | Flag.PSH | Flag.ACK,
      win: 12345,
      mss: 536,
      data,
    };
    const buf = encodeIpv4Tcp(seg, 0xbeef, 3);
    const d = decode(buf);
    expect(d).toMatchObject({
      version: 4,
      ihl: 20,
      totalLength: 20 + 24 + 101,
      ipId: 0xbeef,
      df: true,
      mf: false,
      fragOffset: 0,
      ttl: 3,
      protocol: 6,
      srcAddr: seg.srcAddr,
      dstAddr: seg.dstAddr,
      srcPort: seg.srcPort,
      dstPort: seg.dstPort,
      seq: seg.seq,
      ack: seg.ack,
      dataOffset: 24,
      flags: seg.flags,
      win: seg.win,
      urgent: 0,
    });
    expect([...d.options]).toEqual([2, 4, 536 >> 8, 536 & 0xff]);
    expect(Buffer.compare(d.data, Buffer.from(data))).toBe(0);
    expect(buf.length).toBe(d.totalLength);
    expect(internetChecksum(buf.subarray(0, 20))).toBe(0);
    expect(tcpChecksumOk(buf)).toBe(true);
  });

  it('omits options without mss, uses defaults, and clamps the window to 65535', () => {
    const buf = encodeIpv4Tcp({ ...syn, mss: undefined, flags: Flag.ACK, win: 1_000_000 });
    const d = decode(buf);
    expect(d).toMatchObject({ dataOffset: 20, totalLength: 40, win: 65535, ipId: 0, ttl: 64 });
    expect(d.options.length).toBe(0);
    expect(tcpChecksumOk(buf)).toBe(true);
  });

  it('detects corruption via the checksums', () => {
    const buf = encodeIpv4Tcp(syn);
    buf[30] ^= 0x01;
    expect(tcpChecksumOk(buf)).toBe(false);
    const buf2 = encodeIpv4Tcp(syn);
    buf2[8] ^= 0x01;
    expect(internetChecksum(buf2.subarray(0, 20))).not.toBe(0);
  });

  it.each(['10.0.0', '10.0.0.1.5', '256.0.0.1', '10.0.0.-1', 'a.b.c.d', '01.2.3.4', ' 10.0.0.1', '', '::1'])(
    'rejects the address %j',
    (addr) => {
      expect(() => encodeIpv4Tcp({ ...syn, srcAddr: addr })).toThrow(/invalid IPv4 address/);
      expect(() => encodeIpv4Tcp({ ...syn, dstAddr: addr })).toThrow(/dotted quad/);
    },
  );

  it('rejects out-of-range fields and oversized datagrams', () => {
    expect(() => encodeIpv4Tcp({ ...syn, srcPort: 65536 })).toThrow(/source port/);
    expect(() => encodeIpv4Tcp({ ...syn, seq: 2 ** 32 })).toThrow(/sequence number/);
    expect(() => encodeIpv4Tcp({ ...syn, ack: -1 })).toThrow(/acknowledgment number/);
    expect(() => encodeIpv4Tcp({ ...syn, mss: 70000 })).toThrow(/MSS/);
    expect(() => encodeIpv4Tcp({ ...syn, win: -1 })).toThrow(/window/);
    expect(() => encodeIpv4Tcp(syn, 65536)).toThrow(/IP identification/);
    expect(() => encodeIpv4Tcp(syn, 0, 256)).toThrow(/TTL/);
    expect(() => encodeIpv4Tcp({ ...syn, data: new Uint8Array(65535 - 44 + 1) })).toThrow(/too large/);
    expect(encodeIpv4Tcp({ ...syn, data: new Uint8Array(65535 - 44) }).length).toBe(65535);
  });
});

describe('PcapWriter', () => {
  const seg: Segment = {
    srcAddr: '10.0.0.1',
    srcPort: 40000,
    dstAddr: '10.0.0.2',
    dstPort: 80,
    seq: 1,
    ack: 0,
    flags: Flag.SYN,
    win: 65535,
  };

  it('writes the classic microsecond global header', () => {
    const w = new PcapWriter();
    expect(w.count).toBe(0);
    const file = w.toBuffer();
    expect(file.length).toBe(24);
    expect(file.subarray(0, 4).toString('hex')).toBe('d4c3b2a1'); // 0xa1b2c3d4 little-endian
    expect(file.readUInt16LE(4)).toBe(2);
    expect(file.readUInt16LE(6)).toBe(4);
    expect(file.readInt32LE(8)).toBe(0);
    expect(file.readUInt32LE(12)).toBe(0);
    expect(file.readUInt32LE(16)).toBe(65535);
    expect(file.readUInt32LE(20)).toBe(LINKTYPE_RAW);
    expect(LINKTYPE_RAW).toBe(101);
  });

  it('writes record headers with seconds + microseconds from virtual ms', () => {
    const w = new PcapWriter();
    w.add(1234.5678, seg);
    w.add(0, seg, { ipId: 77, ttl: 9 });
    w.add(5_999.9996, seg); // rounds up to a whole second: usec must not reach 1_000_000
    expect(w.count).toBe(3);
    const file = w.toBuffer();
    const recs: Array<{ sec: number; usec: number; packet: Buffer }> = [];
    let off = 24;
    while (off < file.length) {
      const incl = file.readUInt32LE(off + 8);
      expect(file.readUInt32LE(off + 12)).toBe(incl);
      recs.push({
        sec: file.readUInt32LE(off),
        usec: file.readUInt32LE(off + 4),
        packet: file.subarray(off + 16, off + 16 + incl),
      });
      off += 16 + incl;
    }
    expect(off).toBe(file.length);
    expect(recs.map((r) => [r.sec, r.usec])).toEqual([
      [1, 234568],
      [0, 0],
      [6, 0],
    ]);
    expect(recs[0].packet.equals(encodeIpv4Tcp(seg, 0, 64))).toBe(true); // default ipId = packet index
    expect(recs[1].packet.equals(encodeIpv4Tcp(seg, 77, 9))).toBe(true);
    expect(decode(recs[2].packet).ipId).toBe(2);
  });

  it('rejects invalid times and invalid segments without recording them', () => {
    const w = new PcapWriter();
    expect(() => w.add(-1, seg)).toThrow(/capture time/);
    expect(() => w.add(Number.NaN, seg)).toThrow(/capture time/);
    expect(() => w.add(0, { ...seg, dstAddr: 'server' })).toThrow(/invalid IPv4 address "server"/);
    expect(w.count).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Integration: a real dissector must agree with what we wrote.
// ---------------------------------------------------------------------------------------------

const FIELDS = [
  'frame.number',
  'ip.src',
  'ip.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'tcp.flags',
  'tcp.len',
  'tcp.options.mss_val',
  'tcp.checksum.status',
  'ip.checksum.status',
  'frame.time_epoch',
  'ip.id',
  'ip.ttl',
  'ip.flags.df',
  'ip.proto',
  'tcp.window_size_value',
  'tcp.hdr_len',
  'tcp.payload',
  'tcp.stream',
] as const;

/** Preferences that force checksum validation (Wireshark skips it by default). */
const CHECKSUM_PREFS = ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];

describe('pcap file read back by tshark', () => {
  let dir: string;
  let file: string;

  const C = '10.0.0.1';
  const S = '10.0.0.2';
  const CP = 40000;
  const SP = 80;
  // Client ISN two below 2^32: the SYN takes 0xfffffffd, data starts at 0xfffffffe and its
  // 100 bytes wrap the sequence space, so the FIN sits at 98.
  const CISN = 0xfffffffd;
  const SISN = 0xffffff00;
  const payload = Uint8Array.from({ length: 100 }, (_, i) => (i * 7 + 3) & 0xff);
  const seg = (
    from: 'c' | 's',
    seq: number,
    ack: number,
    flags: number,
    extra: Partial<Segment> = {},
  ): Segment => ({
    srcAddr: from === 'c' ? C : S,
    srcPort: from === 'c' ? CP : SP,
    dstAddr: from === 'c' ? S : C,
    dstPort: from === 'c' ? SP : CP,
    seq,
    ack,
    flags,
    win: from === 'c' ? 64240 : 65535,
    ...extra,
  });
  const records: Array<{ t: number; segment: Segment }> = [
    { t: 0, segment: seg('c', CISN, 0, Flag.SYN, { mss: 1460 }) },
    { t: 10.25, segment: seg('s', SISN, 0xfffffffe, Flag.SYN | Flag.ACK) },
    { t: 20.5, segment: seg('c', 0xfffffffe, SISN + 1, Flag.ACK) },
    { t: 21, segment: seg('c', 0xfffffffe, SISN + 1, Flag.PSH | Flag.ACK, { data: payload }) },
    { t: 31.001, segment: seg('s', SISN + 1, 98, Flag.ACK) }, // 0xfffffffe + 100 wraps to 98
    { t: 1000, segment: seg('c', 98, SISN + 1, Flag.FIN | Flag.ACK) },
    { t: 1010, segment: seg('s', SISN + 1, 99, Flag.FIN | Flag.ACK) },
    { t: 1020.999, segment: seg('c', 99, SISN + 2, Flag.ACK) },
  ];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'synack-pcap-'));
    file = join(dir, 'handshake.pcap');
    writePcapFile(file, records);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes what PcapWriter produces', () => {
    const w = new PcapWriter();
    for (const r of records) w.add(r.t, r.segment);
    expect(readFileSync(file).equals(w.toBuffer())).toBe(true);
  });

  it('dissects every field exactly as written, with good checksums', { timeout: 30_000 }, () => {
    const out = tshark([
      '-r',
      file,
      '-n',
      '-T',
      'fields',
      ...FIELDS.flatMap((f) => ['-e', f]),
      ...CHECKSUM_PREFS,
    ]);
    const rows = out
      .trimEnd()
      .split('\n')
      .map(
        (line) =>
          Object.fromEntries(line.split('\t').map((v, i) => [FIELDS[i], v])) as Record<string, string>,
      );
    expect(rows.length).toBe(records.length);
    rows.forEach((row, i) => {
      const s = records[i].segment;
      const dataLen = s.data?.length ?? 0;
      expect(row, `frame ${i + 1}`).toEqual({
        'frame.number': String(i + 1),
        'ip.src': s.srcAddr,
        'ip.dst': s.dstAddr,
        'tcp.srcport': String(s.srcPort),
        'tcp.dstport': String(s.dstPort),
        'tcp.seq_raw': String(s.seq),
        'tcp.ack_raw': String(s.ack),
        'tcp.flags': `0x${s.flags.toString(16).padStart(4, '0')}`,
        'tcp.len': String(dataLen),
        'tcp.options.mss_val': s.mss === undefined ? '' : String(s.mss),
        // Wireshark's proto_checksum_enum_e: 0 = Bad, 1 = Good, 2 = Unverified.
        'tcp.checksum.status': '1',
        'ip.checksum.status': '1',
        'frame.time_epoch': (records[i].t / 1000).toFixed(9),
        'ip.id': `0x${i.toString(16).padStart(4, '0')}`,
        'ip.ttl': '64',
        'ip.flags.df': '1',
        'ip.proto': '6',
        'tcp.window_size_value': String(s.win),
        'tcp.hdr_len': String(s.mss === undefined ? 20 : 24),
        'tcp.payload': s.data ? Buffer.from(s.data).toString('hex') : '',
        'tcp.stream': '0',
      });
    });
    // The numeric status codes above are Wireshark internals; cross-check with the named value.
    const good = tshark([
      '-r',
      file,
      '-n',
      '-Y',
      'ip.checksum.status == "Good" && tcp.checksum.status == "Good"',
      ...CHECKSUM_PREFS,
    ]);
    expect(good.trimEnd().split('\n').length).toBe(records.length);
  });

  it('has no malformed packets or expert warnings', { timeout: 30_000 }, () => {
    // A correct handshake/data/FIN exchange should not trigger any expert info at warning level or
    // above (bad checksum, previous segment not captured, ...), and certainly no dissector exceptions.
    expect(tshark(['-r', file, '-n', '-Y', '_ws.malformed', ...CHECKSUM_PREFS])).toBe('');
    expect(tshark(['-r', file, '-n', '-Y', '_ws.expert.severity >= warning', ...CHECKSUM_PREFS])).toBe('');
  });

  it('shows exactly one TCP conversation', { timeout: 30_000 }, () => {
    const out = tshark(['-r', file, '-n', '-q', '-z', 'conv,tcp']);
    const convs = out.split('\n').filter((line) => line.includes('<->'));
    expect(convs.length, out).toBe(1);
    expect(convs[0]).toMatch(new RegExp(`^${C}:${CP}\\s+<->\\s+${S}:${SP}\\s`));
    // Columns are "<-" (towards the client: 3 frames) then "->" (from the client: 5 frames), then totals.
    const bytes = (from: string) =>
      records
        .filter((r) => r.segment.srcAddr === from)
        .reduce((n, r) => n + encodeIpv4Tcp(r.segment).length, 0);
    expect(convs[0]).toMatch(
      new RegExp(`\\s3 ${bytes(S)} bytes\\s+5 ${bytes(C)} bytes\\s+8 ${bytes(S) + bytes(C)} bytes\\s`),
    );
  });
});
