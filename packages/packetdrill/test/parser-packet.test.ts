/** Packet lines: direction, flags, sequence numbers, ack, window, TCP options, udp and icmp. */
import { describe, expect, it } from 'vitest';
import type { TcpPacketEvent } from '../src/ast.js';
import { onlyEvent, parseError } from './helpers.js';

const tcp = (line: string) => onlyEvent(`+0 ${line}`) as TcpPacketEvent;

describe('TCP flags', () => {
  it.each([
    ['S', { syn: true, ack: false }],
    ['S.', { syn: true, ack: true }],
    ['.', { ack: true, syn: false }],
    ['F.', { fin: true, ack: true }],
    ['R', { rst: true, ack: false }],
    ['R.', { rst: true, ack: true }],
    ['P.', { psh: true, ack: true }],
    ['SEWA', { syn: true, ece: true, cwr: true, ae: true }],
    ['U.', { urg: true }],
    ['-', { syn: false, ack: false, fin: false, rst: false }],
  ])('%s', (flags, expected) => {
    expect(tcp(`< ${flags} 0:0(0) win 100`).flags).toMatchObject({ text: flags, ...expected });
  });

  it('reads flags written with a blank before the dot (F . 1:1(0))', () => {
    expect(tcp('<F . 1:1(0) ack 1 win 1').flags).toMatchObject({ text: 'F.', fin: true, ack: true });
  });

  it('reads the AccECN ACE digit (P.6)', () => {
    expect(tcp('> P.6 1:101(100) ack 1').flags).toMatchObject({ psh: true, ack: true, ace: 6 });
    expect(tcp('> S6 0:0(0)').flags).toMatchObject({ syn: true, ace: 6 });
  });

  it.each(['SX', 'S..', 'S.9'])('rejects %s', (flags) => {
    expect(parseError(`+0 > ${flags} 0:0(0)`).message).toMatch(/^bad TCP flags/);
  });

  it('needs flags before the sequence numbers', () => {
    expect(parseError('+0 > 0:0(0)').message).toMatch(/^expected TCP flags/);
  });
});

describe('sequence numbers, ack, window', () => {
  it('reads start:end(len), ack, win and urg (spaces allowed inside)', () => {
    expect(tcp('< P. 1 : 1001 ( 1000 ) ack 1 win 257 urg 3')).toMatchObject({
      direction: '<',
      seq: { start: 1, end: 1001, len: 1000 },
      ack: 1,
      win: 257,
      urg: 3,
    });
  });

  it('accepts a range that wraps at 2^32', () => {
    expect(tcp('> . 4294967295:9(10) ack 1').seq).toEqual({ start: 4294967295, end: 9, len: 10 });
  });

  it('rejects a length that does not match the range', () => {
    expect(parseError('+0 < . 1:2(0) ack 1 win 1').message).toBe('sequence range 1:2 does not hold 0 bytes');
  });

  it.each([
    ['< . 1:1(0) ack 4294967296 win 1', /ACK number 4294967296 is out of range/],
    ['< . 1:1(0) ack 1 win 65536', /window 65536 is out of range/],
    ['< . 4294967296:4294967296(0) ack 1 win 1', /start sequence number .* out of range/],
  ])('rejects out-of-range numbers: %s', (line, message) => {
    expect(parseError(`+0 ${line}`).message).toMatch(message);
  });

  it('needs a window on inbound packets only', () => {
    expect(parseError('+0 < . 1:1(0) ack 1').message).toBe('an inbound (<) packet needs its window (win N)');
    expect(tcp('> . 1:1(0) ack 1').win).toBeUndefined();
  });
});

describe('TCP options', () => {
  it('reads every modelled option, each with its column', () => {
    const line = '+0 < S 0:0(0) win 1 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>';
    const at = (word: string) => ({ line: 1, column: line.indexOf(word) + 1 });
    expect((onlyEvent(line) as TcpPacketEvent).options).toEqual([
      { kind: 'mss', value: 1460, ...at('mss') },
      { kind: 'sackOK', ...at('sackOK') },
      { kind: 'timestamp', val: 100, ecr: 0, ...at('TS') },
      { kind: 'nop', ...at('nop') },
      { kind: 'wscale', value: 7, ...at('wscale') },
    ]);
  });

  it('reads SACK blocks, EOL and a Fast Open cookie', () => {
    const p = tcp('> . 1:1(0) ack 1 <nop,nop,sack 2001:3001 4001:5001,FO abcd1234,eol,eol>');
    expect(p.options).toMatchObject([
      { kind: 'nop' },
      { kind: 'nop' },
      {
        kind: 'sack',
        blocks: [
          { start: 2001, end: 3001 },
          { start: 4001, end: 5001 },
        ],
      },
      { kind: 'fastopen', cookie: 'abcd1234' },
      { kind: 'eol' },
      { kind: 'eol' },
    ]);
  });

  it('reads <...> as any options', () => {
    expect(tcp('> S. 0:0(0) ack 1 <...>').options).toBe('wildcard');
    expect(tcp('> S. 0:0(0) ack 1 < ... >').options).toBe('wildcard');
  });

  it('keeps an option it does not model as text', () => {
    expect(tcp('> . 1:1(0) ack 1 <ECN e1b 1 ceb 0 e0b 1,nop>').options).toMatchObject([
      { kind: 'other', name: 'ECN', text: 'ECN e1b 1 ceb 0 e0b 1' },
      { kind: 'nop' },
    ]);
  });

  it('rejects option lists a stack could not send (RFC 9293 §3.1: 4-byte words, 40 bytes)', () => {
    expect(parseError('+0 < S 0:0(0) win 1 <mss 1460,nop>').message).toBe(
      'TCP options take 5 bytes, not a multiple of 4 (pad with nop or eol)',
    );
    expect(parseError('+0 > . 1:1(0) ack 1 <nop,nop,sack 1:2 3:4 5:6 7:8 9:10>').message).toBe(
      'TCP options take 44 bytes, more than 40',
    );
  });

  it.each([
    ['<>', /^expected a TCP option/],
    ['<mss>', /^expected MSS/],
    ['<TS val 1>', /^expected 'ecr' after TS val N/],
    ['<mss 1460', /^expected '>' or ','/],
    ['<wscale 256,nop>', /window scale 256 is out of range/],
  ])('rejects %s', (options, message) => {
    expect(parseError(`+0 > S 0:0(0) ${options}`).message).toMatch(message);
  });
});

describe('IP fields, UDP and ICMP', () => {
  it('reads [ect0] and (tos 0x1) before the flags', () => {
    expect(tcp('> [ect0] . 1:1(0) ack 1').ipInfo).toEqual({ kind: 'ecn', ecn: 'ect0' });
    expect(tcp('< (tos 0x1) S 0:0(0) win 1').ipInfo).toEqual({ kind: 'field', name: 'tos', value: 1 });
    expect(parseError('+0 > [red] . 1:1(0)').message).toBe(
      "expected an ECN codepoint (noecn, ect0, ect1, ect01, ce), found 'red'",
    );
  });

  it('reads udp (N)', () => {
    expect(onlyEvent('+0 < udp (100)')).toMatchObject({ type: 'packet', protocol: 'udp', length: 100 });
  });

  it('reads an ICMP message with its quoted segment', () => {
    expect(onlyEvent('+0 < icmp unreachable frag_needed mtu 840 [0:1000(1000)]')).toMatchObject({
      protocol: 'icmp',
      icmpType: 'unreachable',
      code: 'frag_needed',
      mtu: 840,
      echoed: { start: 0, end: 1000, len: 1000 },
    });
    expect(onlyEvent('+0 > icmp echo_request')).toMatchObject({ protocol: 'icmp', icmpType: 'echo_request' });
  });
});

describe('encapsulation', () => {
  it('keeps IP, GRE, MPLS and PSP layers before the flags as text', () => {
    const p = tcp(
      '< ipv6 2::2222 > 1::1111: gre:\n  mpls (label 1, tc 7, [S], ttl 255): . 1:1001(1000) ack 1 win 123',
    );
    expect(p.encapsulation).toEqual([
      'ipv6 2::2222 > 1::1111:',
      'gre:',
      'mpls (label 1, tc 7, [S], ttl 255):',
    ]);
    expect(p.flags.text).toBe('.');
    expect(tcp('> encap psp spi 23 S 0:0(0)')).toMatchObject({
      encapsulation: ['encap psp spi 23'],
      flags: { syn: true },
    });
  });

  it('needs the ":" that ends a layer', () => {
    expect(parseError('+0 < ipv4 1.1.1.1 > 2.2.2.2 . 1:1(0) ack 1 win 1').message).toMatch(
      /^expected ':' to end the ipv4 header/,
    );
  });
});
