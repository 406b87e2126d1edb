/**
 * HalfSipHash-2-4 (32-bit output) against the reference implementation's
 * known-answer vectors, and the RFC 6528 ISN generator built on it.
 */
import { describe, expect, it } from 'vitest';
import { type HashKey, halfSipHash, ipv4Bytes, keyFromSeed, splitmix32, tupleBytes } from '../src/hash.js';
import { clockIsn, rfc6528Isn } from '../src/isn.js';
import { getProfile } from '../src/profiles.js';
import { seqDiff } from '../src/seq.js';
import { chooseIss } from '../src/tcb/output.js';
import { createTcb } from '../src/tcb/tcb.js';
import { Pair } from './pair.js';

/**
 * `vectors_hsip32` from the SipHash reference implementation
 * (github.com/veorq/SipHash, vectors.h): HalfSipHash-2-4, 32-bit tag,
 * key = 00 01 02 … 07, message i = the i bytes 00 01 … (i−1).
 * Each entry is the tag's 4 output bytes in order (little-endian uint32).
 */
const VECTORS_HSIP32 = [
  'a9359f5b',
  '27475ab8',
  'fa62a603',
  '8afee704',
  '2a6e4689',
  'c5fab669',
  '5863fc23',
  '8bcf63c5',
  'd0b8848f',
  'f806e779',
  '94b07934',
  '08083050',
  '57f0872f',
  '77e663ff',
  'd6fff87c',
  '74fe2b97',
  'd9b5ac84',
  'c474645b',
  '465b8d9b',
  '7befe387',
  'e34d1045',
  '613f62b3',
  '70f367fe',
  'e6adb8bd',
  '27400c63',
  '26787875',
  '4f567b5f',
  '3ab0e669',
  'b0644000',
  'ff670fb4',
  '509e338b',
  '5d589f1a',
  'fee72112',
  '33753259',
  '6a434f8c',
  'fe28b729',
  'e75cc6ec',
  '697e8d54',
  '63688b0f',
  '650b62b4',
  'b6bc1840',
  '5d074505',
  '2442fd2e',
  '7bb7863a',
  '7705d548',
  'd75208b1',
  'b6d499c8',
  '0892202e',
  '69e12ce3',
  '8db580e5',
  '369764c6',
  '016e0204',
  '3b85f3d4',
  'fedb66be',
  '1e692a3a',
  'c68984c0',
  'a5c5b940',
  '9be9e88c',
  '7dbc8140',
  '7c078ec5',
  'd4e76c73',
  '428fcbb9',
  'bd83997a',
  '59ea4a74',
];

/** Key bytes 00 01 … 07 read as two little-endian words (U8TO32_LE in the reference code). */
const REFERENCE_KEY: HashKey = [0x0302_0100, 0x0706_0504];

function tagBytes(tag: number): string {
  return [tag & 0xff, (tag >>> 8) & 0xff, (tag >>> 16) & 0xff, tag >>> 24]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

function message(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => i);
}

const client = { addr: '10.0.0.1', port: 40000 };
const server = { addr: '10.0.0.2', port: 80 };
const KEY: HashKey = [0x1234_5678, 0x9abc_def0];

describe('HalfSipHash-2-4 known answers (reference vectors_hsip32)', () => {
  it('empty message: a9 35 9f 5b', () => {
    expect(halfSipHash(REFERENCE_KEY, new Uint8Array(0))).toBe(0x5b9f_35a9);
  });

  it('1-byte message (tail only): 27 47 5a b8', () => {
    expect(halfSipHash(REFERENCE_KEY, message(1))).toBe(0xb85a_4727);
  });

  it('4-byte message (one whole word, empty tail): 2a 6e 46 89', () => {
    expect(halfSipHash(REFERENCE_KEY, message(4))).toBe(0x8946_6e2a);
  });

  it('all 64 vectors, lengths 0..63 (every tail length 0..3)', () => {
    const got = Array.from({ length: 64 }, (_, i) => tagBytes(halfSipHash(REFERENCE_KEY, message(i))));
    expect(got).toEqual(VECTORS_HSIP32);
  });

  it('returns an unsigned 32-bit integer', () => {
    for (let i = 0; i < 64; i++) {
      const h = halfSipHash(REFERENCE_KEY, message(i));
      expect(h).toBe(h >>> 0);
    }
  });

  it('depends on both key words', () => {
    const m = message(12);
    const base = halfSipHash(REFERENCE_KEY, m);
    expect(halfSipHash([REFERENCE_KEY[0] ^ 1, REFERENCE_KEY[1]], m)).not.toBe(base);
    expect(halfSipHash([REFERENCE_KEY[0], REFERENCE_KEY[1] ^ 0x8000_0000], m)).not.toBe(base);
  });
});

describe('hash helpers', () => {
  it('ipv4Bytes parses dotted quads and rejects anything else', () => {
    expect(ipv4Bytes('10.0.0.1')).toEqual([10, 0, 0, 1]);
    expect(ipv4Bytes('255.255.255.255')).toEqual([255, 255, 255, 255]);
    expect(() => ipv4Bytes('10.0.0')).toThrow();
    expect(() => ipv4Bytes('10.0.0.256')).toThrow();
    expect(() => ipv4Bytes('a.b.c.d')).toThrow();
  });

  it('tupleBytes lays out local addr, remote addr, ports (big-endian), then extra words (little-endian)', () => {
    expect([...tupleBytes('10.0.0.1', 40000, '10.0.0.2', 80)]).toEqual([
      10, 0, 0, 1, 10, 0, 0, 2, 0x9c, 0x40, 0x00, 0x50,
    ]);
    expect([...tupleBytes('1.2.3.4', 1, '5.6.7.8', 2, 0x0a0b0c0d)].slice(12)).toEqual([
      0x0d, 0x0c, 0x0b, 0x0a,
    ]);
  });

  it('keyFromSeed is deterministic and label-separated', () => {
    expect(keyFromSeed(42, 1)).toEqual(keyFromSeed(42, 1));
    expect(keyFromSeed(42, 1)).not.toEqual(keyFromSeed(42, 2));
    expect(keyFromSeed(42, 1)).not.toEqual(keyFromSeed(43, 1));
    expect(splitmix32(0)).toBe(splitmix32(0));
    expect(splitmix32(0)).not.toBe(splitmix32(1));
  });
});

describe('RFC 6528 ISN = M + F(4-tuple, key)', () => {
  it('is deterministic given key and time', () => {
    expect(rfc6528Isn(1234, client, server, KEY)).toBe(rfc6528Isn(1234, client, server, KEY));
    expect(rfc6528Isn(0, client, server, KEY)).toBe(
      halfSipHash(KEY, tupleBytes(client.addr, client.port, server.addr, server.port)),
    );
  });

  it('differs by local port, remote port, local address and remote address', () => {
    const base = rfc6528Isn(0, client, server, KEY);
    const variants = [
      rfc6528Isn(0, { ...client, port: 40001 }, server, KEY),
      rfc6528Isn(0, client, { ...server, port: 81 }, KEY),
      rfc6528Isn(0, { ...client, addr: '10.0.0.3' }, server, KEY),
      rfc6528Isn(0, client, { ...server, addr: '10.0.0.4' }, KEY),
      rfc6528Isn(0, server, client, KEY), // the reverse direction is another connection's view
    ];
    for (const v of variants) expect(v).not.toBe(base);
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('differs by key', () => {
    expect(rfc6528Isn(0, client, server, [1, 2])).not.toBe(rfc6528Isn(0, client, server, [1, 3]));
    expect(rfc6528Isn(0, client, server, [1, 2])).not.toBe(rfc6528Isn(0, client, server, [2, 2]));
  });

  it('grows by 250 per ms (one tick per 4 µs), modulo 2^32', () => {
    const t0 = rfc6528Isn(0, client, server, KEY);
    expect(seqDiff(rfc6528Isn(1, client, server, KEY), t0)).toBe(250);
    expect(seqDiff(rfc6528Isn(1000, client, server, KEY), t0)).toBe(250_000);
    expect(seqDiff(rfc6528Isn(60_000, client, server, KEY), rfc6528Isn(59_999, client, server, KEY))).toBe(
      250,
    );
    // Sub-millisecond times count whole 4 µs ticks.
    expect(seqDiff(rfc6528Isn(0.004, client, server, KEY), t0)).toBe(1);
    expect(seqDiff(rfc6528Isn(0.003, client, server, KEY), t0)).toBe(0);
  });

  it("with the linux profile's 64 ns tick (secure_tcp_seq: ktime_get_real_ns() >> 6) grows by 15,625 per ms", () => {
    const tick = getProfile('linux').isnClockTickNs;
    expect(tick).toBe(64);
    expect(getProfile('rfc9293').isnClockTickNs).toBe(4000);
    const t0 = rfc6528Isn(0, client, server, KEY, tick);
    expect(t0).toBe(rfc6528Isn(0, client, server, KEY));
    expect(seqDiff(rfc6528Isn(1, client, server, KEY, tick), t0)).toBe(15_625);
    expect(seqDiff(rfc6528Isn(0.000064, client, server, KEY, tick), t0)).toBe(1);
    // One second moves the ISN 15,625,000: the sequence space turns over in 2^32 × 64 ns ≈ 275 s.
    expect(seqDiff(rfc6528Isn(1000, client, server, KEY, tick), t0)).toBe(15_625_000);
    expect(rfc6528Isn(274_877.906944, client, server, KEY, tick)).toBe(t0);
  });

  it('wraps modulo 2^32 (M cycles every 2^32 × 4 µs ≈ 4.77 h)', () => {
    const isn = rfc6528Isn(20_000_000, client, server, KEY);
    expect(isn).toBe(isn >>> 0);
    expect(seqDiff(rfc6528Isn(20_000_001, client, server, KEY), isn)).toBe(250);
  });

  it('is what a connection without a fixed ISN puts in its SYN and SYN-ACK', () => {
    const p = new Pair({ isnKey: KEY });
    p.advance(500);
    p.connect();
    p.advance(30);
    const [syn, synAck] = p.wire;
    expect(syn.segment.seq).toBe(rfc6528Isn(500, client, server, KEY));
    expect(synAck.segment.seq).toBe(rfc6528Isn(510, server, client, KEY));
    expect(p.state('client')).toBe('ESTABLISHED');
  });

  it('a later incarnation of the same 4-tuple starts 250 × Δms further on', () => {
    const a = new Pair({ isnKey: KEY });
    a.connect();
    const b = new Pair({ isnKey: KEY });
    b.advance(2000);
    b.connect();
    expect(seqDiff(b.wire[0].segment.seq, a.wire[0].segment.seq)).toBe(500_000);
  });
});

describe("isnPolicy 'clock': RFC 793's bare clock, predictable across 4-tuples (teaching the off-path attack)", () => {
  const tcb = (isnPolicy: 'clock' | 'keyed-hash', port: number) =>
    createTcb({
      local: { addr: '10.0.0.2', port: 80 },
      remote: { addr: '10.0.0.1', port },
      profile: getProfile('rfc9293'),
      isnPolicy,
    });

  it('gives every 4-tuple the same ISN at one instant, M = 250 ticks per ms', () => {
    expect(clockIsn(1000)).toBe(250_000);
    expect(clockIsn(1000, 64)).toBe(15_625_000);
    expect(chooseIss(tcb('clock', 40000), 1000)).toBe(250_000);
    expect(chooseIss(tcb('clock', 1023), 1000)).toBe(250_000);
    // What one connection's ISN tells an attacker about another's a moment later: everything.
    expect(seqDiff(chooseIss(tcb('clock', 1023), 1400), chooseIss(tcb('clock', 40000), 1000))).toBe(100_000);
  });

  it("the default, 'keyed-hash' (RFC 6528), gives different 4-tuples unrelated ISNs", () => {
    expect(createTcb({ local: { addr: '10.0.0.2', port: 80 }, profile: getProfile('linux') }).isnPolicy).toBe(
      'keyed-hash',
    );
    expect(chooseIss(tcb('keyed-hash', 40000), 1000)).not.toBe(chooseIss(tcb('keyed-hash', 1023), 1000));
    expect(chooseIss(tcb('keyed-hash', 40000), 1000)).not.toBe(clockIsn(1000));
  });
});
