/**
 * TCP options across the thread boundary (codec.ts) and on the wire (pcap.ts): round trips,
 * Linux's option order and alignment, and tshark's reading of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flag, type Segment } from '@synack/core';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSegments, type EncodedSegment, encodeSegments } from '../src/codec.js';
import { encodeIpv4Tcp, tcpOptionBytes, writePcapFile } from '../src/pcap.js';
import { tsharkFields } from './tshark.js';

const base = { srcAddr: '10.0.0.1', srcPort: 40000, dstAddr: '10.0.0.2', dstPort: 80 };

const linuxSyn: Segment = {
  ...base,
  seq: 1000,
  ack: 0,
  flags: Flag.SYN,
  win: 64240,
  mss: 1460,
  sackOk: true,
  ts: { val: 0xdead_beef, ecr: 0 },
  wscale: 10,
};

const ackWithSack: Segment = {
  ...base,
  seq: 1001,
  ack: 0xffff_fff0,
  flags: Flag.ACK,
  win: 63,
  ts: { val: 7, ecr: 0xffff_ffff },
  sack: [
    { left: 0xffff_fff8, right: 8 },
    { left: 100, right: 200 },
    { left: 300, right: 400 },
  ],
};

describe('codec: options and cause survive the thread boundary', () => {
  it('round-trips SYN options, SACK blocks (wrapping edges), timestamps and the retransmission cause', () => {
    const list: EncodedSegment[] = [
      { seg: linuxSyn, state: 'SYN_SENT', t: 0 },
      { seg: { ...ackWithSack, data: new Uint8Array([1, 2, 3]) }, retransmit: 'data', cause: 'tlp', t: 12.5 },
      {
        seg: { ...base, seq: 5, ack: 6, flags: Flag.ACK, win: 10, sack: [{ left: 1, right: 2 }] },
        cause: 'fast',
      },
      {
        seg: {
          ...base,
          seq: 5,
          ack: 6,
          flags: Flag.ACK | Flag.SYN,
          win: 10,
          mss: 536,
          sackOk: true,
          wscale: 0,
        },
      },
    ];
    const back = decodeSegments(encodeSegments(list));
    expect(back.map((e) => ({ ...e.seg, data: e.seg.data ? [...e.seg.data] : undefined }))).toEqual(
      list.map((e) => ({ ...e.seg, data: e.seg.data ? [...e.seg.data] : undefined })),
    );
    expect(back.map((e) => e.cause)).toEqual([undefined, 'tlp', 'fast', undefined]);
    expect(back[1].t).toBe(12.5);
  });

  it('a segment without options costs only the 48-byte header', () => {
    const plain: Segment = { ...base, seq: 1, ack: 2, flags: Flag.ACK, win: 100 };
    expect(encodeSegments([{ seg: plain }]).byteLength).toBe(48);
    expect(encodeSegments([{ seg: ackWithSack }]).byteLength).toBe(48 + 8 + 3 * 8);
  });
});

describe('pcap: option bytes in Linux order', () => {
  it('a Linux SYN is <mss 1460,sackOK,TS val … ecr 0,nop,wscale 10>: 20 option bytes, data offset 10 words', () => {
    const bytes = tcpOptionBytes(linuxSyn);
    expect(bytes).toEqual([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 1, 3, 3, 10]);
    const packet = encodeIpv4Tcp(linuxSyn);
    expect(packet[20 + 12] >> 4).toBe(10);
    expect(packet.length).toBe(20 + 40);
  });

  it('without timestamps: <mss,nop,nop,sackOK,nop,wscale> (conformance/options-synack-echoes-offer.pkt)', () => {
    const { ts: _ts, ...noTs } = linuxSyn;
    expect(tcpOptionBytes(noTs)).toEqual([2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 10]);
  });

  it('an ACK carries nop,nop,TS then nop,nop,SACK with at most 3 blocks beside timestamps', () => {
    const bytes = tcpOptionBytes({
      ...ackWithSack,
      sack: [...(ackWithSack.sack ?? []), { left: 500, right: 600 }],
    });
    expect(bytes.slice(0, 4)).toEqual([1, 1, 8, 10]);
    expect(bytes.slice(12, 16)).toEqual([1, 1, 5, 2 + 3 * 8]);
    expect(bytes.length).toBe(40);
    expect(bytes.length % 4).toBe(0);
  });
});

describe('pcap read back by tshark: every option decoded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synack-options-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('MSS, SACK-permitted, timestamps, window scale and SACK blocks', { timeout: 30_000 }, () => {
    const file = join(dir, 'options.pcap');
    writePcapFile(file, [
      { t: 0, segment: linuxSyn },
      {
        t: 1,
        segment: { ...ackWithSack, dstAddr: '10.0.0.1', srcAddr: '10.0.0.2', srcPort: 80, dstPort: 40000 },
      },
    ]);
    const rows = tsharkFields(file, [
      'tcp.options.mss_val',
      'tcp.options.sack_perm',
      'tcp.options.timestamp.tsval',
      'tcp.options.timestamp.tsecr',
      'tcp.options.wscale.shift',
      'tcp.options.sack_le',
      'tcp.options.sack_re',
      '_ws.malformed',
    ]);
    // tcp.options.sack_perm is the option's raw bytes: kind 4, length 2.
    expect(rows[0].slice(0, 5)).toEqual(['1460', '0402', String(0xdead_beef), '0', '10']);
    expect(rows[1][2]).toBe('7');
    expect(rows[1][3]).toBe(String(0xffff_ffff));
    expect(rows[1][5].split(',').length).toBe(3);
    expect(rows.every((r) => r[7] === undefined || r[7] === '')).toBe(true);
  });
});
