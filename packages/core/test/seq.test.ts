/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4, serial-number
 * comparison as in RFC 1982), including a connection whose ISN sits just
 * below 2^32 so that SYN, data and FIN all cross the wrap.
 */
import { describe, expect, it } from 'vitest';
import {
  SEQ_MODULUS,
  seq32,
  seqAdd,
  seqDiff,
  seqGe,
  seqGt,
  seqInRange,
  seqLe,
  seqLt,
  seqMax,
  seqMin,
} from '../src/seq.js';
import { Pair, pattern } from './pair.js';

const MAX = 0xffff_ffff;

describe('seq32 / seqAdd', () => {
  it('seq32 normalises to uint32', () => {
    expect(seq32(-1)).toBe(MAX);
    expect(seq32(SEQ_MODULUS)).toBe(0);
    expect(seq32(SEQ_MODULUS + 5)).toBe(5);
    expect(seq32(1234)).toBe(1234);
  });

  it('seqAdd wraps past 2^32 - 1 to 0', () => {
    expect(seqAdd(MAX, 1)).toBe(0);
    expect(seqAdd(0xffff_fff0, 0x20)).toBe(0x10);
    expect(seqAdd(MAX, MAX)).toBe(MAX - 1);
  });

  it('seqAdd with a negative offset wraps below 0', () => {
    expect(seqAdd(0, -1)).toBe(MAX);
    expect(seqAdd(5, -10)).toBe(MAX - 4);
  });

  it('seqAdd always returns an unsigned 32-bit number', () => {
    for (const [a, n] of [
      [MAX, 1],
      [0x8000_0000, 0x8000_0000],
      [0x7fff_ffff, 1],
      [0, -0x8000_0000],
    ]) {
      const r = seqAdd(a, n);
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThanOrEqual(MAX);
      expect(Number.isInteger(r)).toBe(true);
    }
    expect(seqAdd(0x7fff_ffff, 1)).toBe(0x8000_0000);
  });
});

describe('seqDiff', () => {
  it('is the signed distance across the wrap', () => {
    expect(seqDiff(5, 0xffff_fff0)).toBe(21);
    expect(seqDiff(0xffff_fff0, 5)).toBe(-21);
    expect(seqDiff(0, MAX)).toBe(1);
    expect(seqDiff(MAX, 0)).toBe(-1);
    expect(seqDiff(7, 7)).toBe(0);
  });

  it('inverts seqAdd for any distance below 2^31', () => {
    for (const base of [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_fff0, MAX]) {
      for (const n of [0, 1, 100, 65_535, 0x7fff_ffff, -1, -100, -0x7fff_ffff]) {
        expect(seqDiff(seqAdd(base, n), base)).toBe(n);
      }
    }
  });

  it('returns a signed 32-bit integer', () => {
    const d = seqDiff(0x8000_0000, 0);
    expect(d).toBe(d | 0);
  });
});

describe('comparisons at the wrap', () => {
  it('seqLt: 0xfffffff0 comes before 5', () => {
    expect(seqLt(0xffff_fff0, 5)).toBe(true);
    expect(seqLt(5, 0xffff_fff0)).toBe(false);
    expect(seqLt(MAX, 0)).toBe(true);
    expect(seqLt(0, 0)).toBe(false);
  });

  it('seqGt: 5 comes after 0xfffffff0', () => {
    expect(seqGt(5, 0xffff_fff0)).toBe(true);
    expect(seqGt(0xffff_fff0, 5)).toBe(false);
    expect(seqGt(0, MAX)).toBe(true);
    expect(seqGt(3, 3)).toBe(false);
  });

  it('seqLe / seqGe include equality', () => {
    expect(seqLe(MAX, MAX)).toBe(true);
    expect(seqGe(MAX, MAX)).toBe(true);
    expect(seqLe(MAX, 0)).toBe(true);
    expect(seqGe(0, MAX)).toBe(true);
    expect(seqLe(0, MAX)).toBe(false);
    expect(seqGe(MAX, 0)).toBe(false);
  });

  it('ordering is relative, not absolute: 0x7fffffff < 0x80000000 and 0xffffffff < 0x7ffffffe', () => {
    expect(seqLt(0x7fff_ffff, 0x8000_0000)).toBe(true);
    expect(seqLt(MAX, 0x7fff_fffe)).toBe(true);
    expect(seqGt(0x7fff_fffe, MAX)).toBe(true);
  });

  it('lt/gt and le/ge are mirror images', () => {
    const samples = [0, 1, 2, 0x7fff_fff0, 0x8000_0010, 0xffff_fff0, MAX];
    for (const a of samples) {
      for (const b of samples) {
        if (seqDiff(a, b) === -0x8000_0000) continue; // exactly half the space apart: undefined (RFC 1982)
        expect(seqLt(a, b)).toBe(seqGt(b, a));
        expect(seqLe(a, b)).toBe(seqGe(b, a));
        expect(seqLe(a, b)).toBe(seqLt(a, b) || a === b);
      }
    }
  });

  it('seqMax / seqMin pick by sequence order, not numeric order', () => {
    expect(seqMax(0xffff_fff0, 5)).toBe(5);
    expect(seqMin(0xffff_fff0, 5)).toBe(0xffff_fff0);
    expect(seqMax(MAX, 0)).toBe(0);
    expect(seqMin(MAX, 0)).toBe(MAX);
    expect(seqMax(9, 9)).toBe(9);
  });
});

describe('seqInRange (low <= x < high)', () => {
  it('a window that wraps through 0', () => {
    const low = 0xffff_fff0;
    const high = 0x10;
    expect(seqInRange(low, low, high)).toBe(true); // low is inside
    expect(seqInRange(MAX, low, high)).toBe(true);
    expect(seqInRange(0, low, high)).toBe(true);
    expect(seqInRange(0xf, low, high)).toBe(true);
    expect(seqInRange(high, low, high)).toBe(false); // high is outside
    expect(seqInRange(0xffff_ffef, low, high)).toBe(false);
    expect(seqInRange(0x8000_0000, low, high)).toBe(false);
  });

  it('an empty range (low == high) contains nothing', () => {
    expect(seqInRange(5, 5, 5)).toBe(false);
    expect(seqInRange(MAX, MAX, MAX)).toBe(false);
    expect(seqInRange(4, 5, 5)).toBe(false);
  });

  it('a range ending exactly at 2^32 (high = 0)', () => {
    expect(seqInRange(MAX, 0xffff_ff00, 0)).toBe(true);
    expect(seqInRange(0, 0xffff_ff00, 0)).toBe(false);
  });
});

describe('a connection whose ISNs sit at 2^32 - 1', () => {
  it('SYN consumes 0xffffffff; the handshake ACK is 0', () => {
    const p = new Pair({ clientIsn: MAX, serverIsn: MAX - 1 });
    p.connect();
    p.advance(30);
    expect(p.ladder()).toEqual([
      '0 client [SYN] seq=4294967295 ack=0 len=0',
      '10 server [SYN,ACK] seq=4294967294 ack=0 len=0',
      '20 client [ACK] seq=0 ack=4294967295 len=0',
    ]);
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.state('server')).toBe('ESTABLISHED');
    expect(p.tcb('client').sndNxt).toBe(0);
    expect(p.tcb('server').rcvNxt).toBe(0);
  });

  it('data and FIN numbered across the wrap, both directions', () => {
    const p = new Pair({ clientIsn: MAX - 2, serverIsn: MAX - 100 });
    p.connect();
    p.advance(30);
    p.send('client', 10);
    p.send('server', 300);
    p.advance(30);
    expect(p.received.server).toEqual([...pattern(10)]);
    expect(p.received.client).toEqual([...pattern(300)]);
    p.close('client');
    p.advance(30);
    p.close('server');
    p.advance(30);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,PSH] seq=4294967294 ack=4294967196 len=10',
      '30 server [ACK,PSH] seq=4294967196 ack=4294967294 len=300',
      '40 server [ACK] seq=200 ack=8 len=0',
      '40 client [ACK] seq=8 ack=200 len=0',
      '60 client [ACK,FIN] seq=8 ack=200 len=0',
      '70 server [ACK] seq=200 ack=9 len=0',
      '90 server [ACK,FIN] seq=200 ack=9 len=0',
      '100 client [ACK] seq=9 ack=201 len=0',
    ]);
    expect(p.state('client')).toBe('TIME_WAIT');
    expect(p.state('server')).toBe('CLOSED');
  });
});
