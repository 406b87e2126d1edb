/**
 * The reliable byte stream: bulk transfer under loss, reassembly of
 * out-of-order data, duplicates, the RFC 6298 retransmission timer (SRTT,
 * RTTVAR, floors, Karn's rule, exponential back-off), bounded retries, and
 * flow control down to a zero window with persist probes. Some tests use
 * ISNs just below 2^32 so the stream crosses the sequence-number wrap.
 */
import { describe, expect, it } from 'vitest';
import { getProfile } from '../src/profiles.js';
import { Flag, payloadLength, type Segment } from '../src/segment.js';
import { seqAdd, seqDiff, seqGt } from '../src/seq.js';
import { Pair, type PairOptions, pattern } from './pair.js';

const ISN = { clientIsn: 1000, serverIsn: 5000 };
const WRAP = { clientIsn: 0xffff_fff0, serverIsn: 0xffff_ff00 };

function established(options: PairOptions = {}): Pair {
  const p = new Pair({ ...ISN, ...options });
  p.connect();
  p.advance(3 * p.delay); // SYN, SYN-ACK, ACK
  expect(p.state('client')).toBe('ESTABLISHED');
  expect(p.state('server')).toBe('ESTABLISHED');
  return p;
}

/** A drop predicate losing the first transmission of the client's data segment starting at `seq`. */
function dropOnce(seq: number): NonNullable<PairOptions['drop']> {
  let done = false;
  return (s, from) => {
    if (done || from !== 'client' || payloadLength(s) === 0 || s.seq !== seq) return false;
    done = true;
    return true;
  };
}

const dataOf = (p: Pair, side: 'client' | 'server') =>
  p.sentBy(side).filter((w) => payloadLength(w.segment) > 0);

/** Every byte the application saw, as delivered (order and multiplicity preserved). */
function deliveredBytes(p: Pair, side: 'client' | 'server'): number {
  return p.outputsOf(side, 'data').reduce((n, o) => n + o.bytes.length, 0);
}

describe('bulk transfer under loss', () => {
  for (const [name, options] of [
    ['rfc9293', { profile: 'rfc9293', ...ISN }],
    ['linux', { profile: 'linux', ...ISN }],
    ['rfc9293, ISNs at the wrap', { profile: 'rfc9293', ...WRAP }],
    ['linux, ISNs at the wrap', { profile: 'linux', ...WRAP }],
  ] as [string, PairOptions][]) {
    it(`${name}: 200 KB each way with every 7th segment dropped arrives intact, in order, exactly once`, () => {
      const size = 200_000;
      const p = new Pair({ ...options, drop: (_s, _from, n) => n % 7 === 6 });
      p.connect();
      p.send('client', size, 0);
      p.send('server', size, 17);
      p.advance(600_000);
      expect(p.wire.filter((w) => w.dropped).length).toBeGreaterThan(40);
      expect(p.received.server.length).toBe(size);
      expect(p.received.client.length).toBe(size);
      expect(p.received.server).toEqual([...pattern(size, 0)]);
      expect(p.received.client).toEqual([...pattern(size, 17)]);
      expect(deliveredBytes(p, 'server')).toBe(size);
      expect(deliveredBytes(p, 'client')).toBe(size);
      // And the connection still closes cleanly through the same lossy path.
      p.close('client');
      p.close('server');
      p.advance(900_000);
      expect(p.state('client')).toBe('CLOSED');
      expect(p.state('server')).toBe('CLOSED');
      expect(p.tcb('client').closeReason).toBe('normal');
      expect(p.tcb('server').closeReason).toBe('normal');
    });
  }

  it('ISNs at the wrap: sequence numbers of the data cross 2^32 and the stream is intact', () => {
    const p = established(WRAP);
    p.send('client', 50_000);
    p.advance(1000);
    const seqs = dataOf(p, 'client').map((w) => w.segment.seq);
    expect(seqs[0]).toBe(0xffff_fff1);
    expect(seqs.some((s) => s < 0x1000_0000)).toBe(true);
    expect(p.tcb('client').sndUna).toBe(seqAdd(0xffff_fff1, 50_000));
    expect(p.received.server).toEqual([...pattern(50_000)]);
  });
});

describe('reassembly', () => {
  it('a dropped segment: later ones are buffered, duplicate-ACKed, and delivered with the retransmission', () => {
    const p = established();
    p.drop = dropOnce(2461);
    p.send('client', 4 * 1460);
    p.advance(30); // t = 60
    // rfc9293's initial window is 3 segments (RFC 5681 §3.1): the fourth leaves when the first
    // duplicate ACK shows a segment has left the network. Two duplicate ACKs are not three: no
    // fast retransmit (RFC 5681 §3.2), the RTO recovers.
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK] seq=1001 ack=5001 len=1460',
      '30 client [ACK] seq=2461 ack=5001 len=1460 DROPPED',
      '30 client [ACK] seq=3921 ack=5001 len=1460',
      '40 server [ACK] seq=5001 ack=2461 len=0',
      '40 server [ACK] seq=5001 ack=2461 len=0',
      '50 client [ACK,PSH] seq=5381 ack=5001 len=1460',
      '60 server [ACK] seq=5001 ack=2461 len=0',
    ]);
    // Only the first segment has reached the application; two are held out of order.
    expect(p.received.server).toEqual([...pattern(1460)]);
    expect(p.tcb('server').outOfOrder.map((o) => [o.seq, o.data.length])).toEqual([
      [3921, 1460],
      [5381, 1460],
    ]);
    p.advance(1020); // RTO (1 s, restarted by the ACK at 50) → retransmission at 1050
    expect(p.ladderSince(10)).toEqual([
      '1050 client [ACK] seq=2461 ack=5001 len=1460',
      '1060 server [ACK] seq=5001 ack=6841 len=0',
    ]);
    expect(p.received.server).toEqual([...pattern(4 * 1460)]);
    expect(p.tcb('server').outOfOrder).toEqual([]);
    expect(p.tcb('client').sndUna).toBe(6841);
    // Nothing else is retransmitted: the cumulative ACK covered the buffered segments.
    p.advance(10_000);
    expect(p.wire).toHaveLength(12);
  });

  it('segments arriving in reverse order are reassembled', () => {
    const p = established();
    p.drop = () => true;
    const data = pattern(500);
    const chunks = [400, 300, 200, 100, 0].map((o) =>
      p.segmentFrom('client', { seq: 1001 + o, ack: 5001, flags: Flag.ACK, data: data.subarray(o, o + 100) }),
    );
    for (const c of chunks.slice(0, 4)) p.inject('server', c);
    expect(p.received.server).toEqual([]);
    p.inject('server', chunks[4]);
    expect(p.received.server).toEqual([...data]);
    expect(p.tcb('server').rcvNxt).toBe(1501);
  });

  it('overlapping out-of-order segments deliver each byte once', () => {
    const p = established();
    p.drop = () => true;
    const data = pattern(300);
    const seg = (from: number, to: number) =>
      p.segmentFrom('client', {
        seq: 1001 + from,
        ack: 5001,
        flags: Flag.ACK,
        data: data.subarray(from, to),
      });
    p.inject('server', seg(100, 200));
    p.inject('server', seg(150, 300));
    p.inject('server', seg(100, 200));
    p.inject('server', seg(0, 120));
    expect(p.received.server).toEqual([...data]);
    expect(deliveredBytes(p, 'server')).toBe(300);
  });

  it('an out-of-order FIN is held until the gap is filled', () => {
    const p = established();
    p.drop = () => true;
    p.inject('server', p.segmentFrom('client', { seq: 1101, ack: 5001, flags: Flag.ACK | Flag.FIN }));
    expect(p.state('server')).toBe('ESTABLISHED');
    p.inject(
      'server',
      p.segmentFrom('client', { seq: 1001, ack: 5001, flags: Flag.ACK, data: pattern(100) }),
    );
    expect(p.state('server')).toBe('CLOSE_WAIT');
    expect(p.tcb('server').rcvNxt).toBe(1102);
    expect(p.received.server).toEqual([...pattern(100)]);
  });

  it('linux: out-of-order segments are ACKed at once with a SACK block, and so is the one that fills the gap (RFC 5681 §4.2, RFC 2018 §4)', () => {
    const p = established({ profile: 'linux' });
    p.drop = dropOnce(1001);
    // With timestamps in effect a full-sized segment carries 1460 − 12 = 1448 bytes.
    p.send('client', 2 * 1448);
    p.advance(400);
    expect(p.ladderSince(3).slice(0, 3)).toEqual([
      '30 client [ACK] seq=1001 ack=5001 len=1448 DROPPED',
      '30 client [ACK,PSH] seq=2449 ack=5001 len=1448',
      '40 server [ACK] seq=5001 ack=1001 len=0',
    ]);
    const serverAcks = p.sentBy('server').filter((w) => w.t >= 40);
    expect(serverAcks[0].segment.sack).toEqual([{ left: 2449, right: 3897 }]);
    // The retransmission fills the hole: acknowledged the moment it arrives, without SACK blocks.
    const resent = dataOf(p, 'client').filter((w) => w.segment.seq === 1001 && !w.dropped)[0];
    const fillAck = serverAcks.find((w) => w.segment.ack === 3897);
    expect(fillAck?.t).toBe(resent.t + p.delay);
    expect(fillAck?.segment.sack).toBeUndefined();
  });
});

describe('duplicates', () => {
  it('a duplicate segment is not delivered twice; it is answered with an immediate ACK', () => {
    const p = established();
    p.send('client', 100);
    p.advance(20);
    const original = dataOf(p, 'client')[0].segment;
    const mark = p.mark();
    p.inject('server', original);
    p.inject('server', original);
    expect(p.received.server).toEqual([...pattern(100)]);
    expect(p.ladderSince(mark)).toEqual([
      '50 server [ACK] seq=5001 ack=1101 len=0',
      '50 server [ACK] seq=5001 ack=1101 len=0',
    ]);
  });

  it('a retransmission overlapping new data delivers only the new bytes', () => {
    const p = established();
    p.drop = () => true;
    const data = pattern(200);
    p.inject(
      'server',
      p.segmentFrom('client', { seq: 1001, ack: 5001, flags: Flag.ACK, data: data.subarray(0, 100) }),
    );
    p.inject('server', p.segmentFrom('client', { seq: 1001, ack: 5001, flags: Flag.ACK, data }));
    expect(p.received.server).toEqual([...data]);
    expect(deliveredBytes(p, 'server')).toBe(200);
  });

  it('spurious retransmissions (ACKs lost) do not duplicate data at the receiver', () => {
    const p = established();
    p.drop = (_s, from) => from === 'server' && p.clock.now() < 5000;
    p.send('client', 3000);
    p.advance(20_000);
    expect(p.sentBy('client').filter((w) => w.retransmit === 'data').length).toBeGreaterThan(1);
    expect(p.received.server).toEqual([...pattern(3000)]);
    expect(p.tcb('client').sndUna).toBe(4001);
  });
});

describe('RFC 6298 retransmission timer', () => {
  it('first sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4·RTTVAR (above the 1 s floor)', () => {
    const p = established({ delay: 300 }); // handshake RTT R = 600 ms
    const t = p.tcb('client');
    expect([t.rtt.srtt, t.rtt.rttvar, t.rtt.rto]).toEqual([600, 300, 1800]);
    const s = p.tcb('server');
    expect([s.rtt.srtt, s.rtt.rttvar, s.rtt.rto]).toEqual([600, 300, 1800]);
  });

  it('second sample: RTTVAR = ¾·RTTVAR + ¼·|SRTT − R′|, SRTT = ⅞·SRTT + ⅛·R′', () => {
    const p = established({ delay: 300 });
    p.delay = 500; // the data's RTT R′ = 1000 ms
    p.send('client', 10);
    p.advance(1000);
    const t = p.tcb('client');
    expect(t.rtt.rttvar).toBe(0.75 * 300 + 0.25 * 400);
    expect(t.rtt.srtt).toBe(0.875 * 600 + 0.125 * 1000);
    expect(t.rtt.rto).toBe(Math.ceil(650 + 4 * 325));
  });

  it('the computed RTO is the actual retransmission delay', () => {
    const p = established({ delay: 300 });
    const sentAt = p.clock.now();
    p.drop = (s, from) => from === 'client' && payloadLength(s) > 0 && p.clock.now() === sentAt;
    p.send('client', 10);
    p.advance(5000);
    expect(dataOf(p, 'client').map((w) => w.t - sentAt)).toEqual([0, 1800]);
  });

  it('rfc9293: RTO is floored at 1 s on a small RTT (RFC 6298 (2.4))', () => {
    const p = established({ profile: 'rfc9293' });
    expect([p.tcb('client').rtt.srtt, p.tcb('client').rtt.rttvar, p.tcb('client').rtt.rto]).toEqual([
      20, 10, 1000,
    ]);
    p.drop = (_s, from) => from === 'server';
    p.send('client', 10);
    p.advance(1100);
    expect(dataOf(p, 'client').map((w) => w.t)).toEqual([30, 1030]);
  });

  it('linux: RTO = SRTT + max(200 ms, 4·RTTVAR) — about 200 ms plus SRTT on a small RTT', () => {
    const p = established({ profile: 'linux', delay: 1 }); // R = 2 ms
    expect(p.tcb('client').rtt.rto).toBe(202);
    p.drop = (_s, from) => from === 'server';
    const sentAt = p.clock.now();
    p.send('client', 10);
    p.advance(300);
    expect(dataOf(p, 'client').map((w) => w.t - sentAt)).toEqual([0, 202]);
  });

  it('linux: a large RTTVAR dominates the 200 ms floor', () => {
    const p = established({ profile: 'linux', delay: 100 }); // R = 200: 200 + max(200, 400)
    expect(p.tcb('client').rtt.rto).toBe(600);
  });

  it("Karn's rule: the ACK of a retransmitted segment yields no RTT sample", () => {
    const p = established();
    p.drop = (s, from) => from === 'client' && payloadLength(s) > 0 && p.clock.now() === 30;
    p.send('client', 10);
    p.advance(1100); // retransmitted at 1030, ACKed at 1050
    expect(p.tcb('client').sndUna).toBe(1011);
    // A sample would have been ~1020 ms; SRTT/RTTVAR still hold the handshake's 20/10.
    expect([p.tcb('client').rtt.srtt, p.tcb('client').rtt.rttvar]).toEqual([20, 10]);
  });

  it("Karn's rule: the backed-off RTO is kept until new data yields a valid sample, then it collapses", () => {
    const p = established();
    p.drop = (s, from) => from === 'client' && payloadLength(s) > 0 && p.clock.now() === 30;
    p.send('client', 10);
    p.advance(1100); // t = 1130; the retransmission was ACKed at 1050
    expect(p.tcb('client').rtt.rto).toBe(2000);
    // The next segment is lost once: its retransmission waits the backed-off 2 s.
    p.drop = (s, from) => from === 'client' && payloadLength(s) > 0 && p.clock.now() === 1130;
    p.send('client', 10, 10);
    p.advance(2100);
    expect(dataOf(p, 'client').map((w) => w.t)).toEqual([30, 1030, 1130, 3130]);
    // A segment sent once and ACKed gives a fresh sample: RTO back to max(1 s, 20 + 4·RTTVAR).
    p.send('client', 10, 20);
    p.advance(100);
    expect(p.tcb('client').rtt.rto).toBe(1000);
    expect(p.received.server).toEqual([...pattern(30)]);
  });

  it('exponential back-off: rfc9293 retransmits after 1, 2, 4, 8, 16, 32 s, then every 60 s (RTO max)', () => {
    const p = established();
    p.drop = (_s, from) => from === 'server';
    p.send('client', 10);
    p.advance(300_000);
    const times = dataOf(p, 'client').map((w) => w.t - 30);
    expect(times.slice(0, 10)).toEqual([0, 1, 3, 7, 15, 31, 63, 123, 183, 243].map((s) => s * 1000));
    expect(
      p
        .outputsOf('client', 'retransmit')
        .map((o) => o.rto)
        .slice(0, 8),
    ).toEqual([2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('exponential back-off: linux doubles from 220 ms and caps at 120 s', () => {
    // Without RACK-TLP: a tail loss probe would take the first RTO's place (its PTO is capped by it).
    const p = established({ profile: getProfile('linux', { rack: false }) });
    p.drop = (_s, from) => from === 'server';
    p.send('client', 10);
    p.advance(600_000);
    const times = dataOf(p, 'client').map((w) => w.t - 30);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps.slice(0, 11)).toEqual([
      220, 440, 880, 1760, 3520, 7040, 14_080, 28_160, 56_320, 112_640, 120_000,
    ]);
  });

  // Without timestamps: with them the SYN-ACK's TSecr times the retransmitted SYN (test below).
  for (const profile of ['rfc9293', 'linux'] as const) {
    it(`${profile}: after a SYN timeout the data phase starts with RTO = 3 s (RFC 6298 (5.7))`, () => {
      // Without RACK-TLP: a tail loss probe (PTO 1 s without an RTT sample) would come first.
      const p = new Pair({ ...ISN, profile: getProfile(profile, { timestamps: false, rack: false }) });
      p.drop = (_s, from, n) => from === 'client' && n === 0; // the first SYN is lost
      p.connect();
      p.advance(1030); // SYN again at 1000, ESTABLISHED at 1020 (client) / 1030 (server)
      expect(p.state('server')).toBe('ESTABLISHED');
      // Karn: the handshake gave the client no RTT sample.
      expect(p.tcb('client').rtt.srtt).toBeUndefined();
      expect(p.tcb('client').rtt.rto).toBe(3000);
      p.drop = (_s, from) => from === 'server';
      p.send('client', 10);
      p.advance(3100);
      expect(dataOf(p, 'client').map((w) => w.t)).toEqual([1030, 4030]);
    });
  }

  it('after a SYN,ACK timeout the server too starts the data phase with RTO = 3 s (RFC 6298 (5.7))', () => {
    const p = new Pair({ ...ISN, profile: 'rfc9293' });
    p.drop = (_s, from, n) => from === 'server' && n === 0; // the first SYN,ACK is lost
    p.connect();
    p.advance(3000);
    expect(p.state('server')).toBe('ESTABLISHED');
    expect(p.tcb('server').rtt.srtt).toBeUndefined();
    expect(p.tcb('server').rtt.rto).toBe(3000);
  });

  it('after a timeout only the earliest unacknowledged segment is retransmitted (RFC 6298 (5.4))', () => {
    const p = established();
    p.drop = (_s, from) => from === 'server' && p.clock.now() < 1000;
    p.send('client', 3 * 1460);
    p.advance(1010);
    expect(dataOf(p, 'client').map((w) => [w.t, w.segment.seq])).toEqual([
      [30, 1001],
      [30, 2461],
      [30, 3921],
      [1030, 1001],
    ]);
  });
});

describe('bounded retries', () => {
  it('rfc9293: 15 retransmissions, then CLOSED with closeReason "timeout" and a "closed" output', () => {
    const p = established();
    p.drop = (_s, from) => from === 'server';
    p.send('client', 100);
    let closedAt = -1;
    p.client.on('closed', () => (closedAt = p.clock.now()));
    p.advance(2_000_000);
    expect(p.sentBy('client').filter((w) => w.retransmit === 'data')).toHaveLength(15);
    // 1+2+4+8+16+32 s, then ten waits of 60 s.
    expect(closedAt).toBe(30 + 63_000 + 10 * 60_000);
    expect(p.tcb('client').closeReason).toBe('timeout');
    expect(p.outputsOf('client', 'closed')).toEqual([{ type: 'closed', reason: 'timeout' }]);
    expect(p.outputsOf('client', 'retransmit').map((o) => o.count)).toEqual(
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
  });

  it('linux: tcp_retries2 = 15 retransmissions, then CLOSED by timeout', () => {
    // Without RACK-TLP (a tail loss probe is one more retransmission, not an RTO).
    const p = established({ profile: getProfile('linux', { rack: false }) });
    p.drop = (_s, from) => from === 'server';
    p.send('client', 100);
    let closedAt = -1;
    p.client.on('closed', () => (closedAt = p.clock.now()));
    p.advance(2_000_000);
    expect(p.sentBy('client').filter((w) => w.retransmit === 'data')).toHaveLength(15);
    // 220 ms · (2^10 − 1), then six waits at the 120 s cap.
    expect(closedAt).toBe(30 + 220 * 1023 + 6 * 120_000);
    expect(p.tcb('client').closeReason).toBe('timeout');
  });

  it('the retry count restarts whenever new data is acknowledged', () => {
    const p = established();
    // Every data segment is lost 3 times before getting through.
    const attempts = new Map<number, number>();
    p.drop = (s, from) => {
      if (from !== 'client' || payloadLength(s) === 0) return false;
      const n = (attempts.get(s.seq) ?? 0) + 1;
      attempts.set(s.seq, n);
      return n <= 3;
    };
    for (let i = 0; i < 8; i++) p.send('client', 1460, i * 1460);
    p.advance(3_000_000);
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.received.server).toEqual([...pattern(8 * 1460)]);
  });
});

describe('flow control and the zero window', () => {
  /**
   * Server that does not read (autoRead false): its window closes after 65 535 bytes. The last
   * 1295 bytes (65 535 − 44 × 1460) are shorter than an MSS and than the data waiting: sender
   * silly-window avoidance holds them until the override (persist) timer, one RTO after the ACK
   * that left the 1295-byte window (tcb/sender-sws.ts), so the stall waits for that.
   */
  function stalled(options: PairOptions = {}): Pair {
    const p = established({ serverAutoRead: false, ...options });
    p.send('client', 100_000);
    p.advance(2000);
    return p;
  }

  function windowOf(s: Segment): number {
    return s.win;
  }

  it('the sender stops at the advertised window', () => {
    const p = stalled();
    const sent = dataOf(p, 'client').reduce((n, w) => n + payloadLength(w.segment), 0);
    expect(sent).toBe(65_535);
    expect(p.tcb('server').readable.length).toBe(65_535);
    expect(p.received.server).toEqual([]);
    const lastAck = p.sentBy('server').at(-1)!.segment;
    expect([lastAck.ack, windowOf(lastAck)]).toEqual([1001 + 65_535, 0]);
    expect(p.tcb('client').sndWnd).toBe(0);
  });

  it('the windows advertised by the receiver shrink as its buffer fills', () => {
    const p = stalled();
    const wins = p
      .sentBy('server')
      .slice(1)
      .map((w) => windowOf(w.segment));
    for (let i = 1; i < wins.length; i++) expect(wins[i]).toBeLessThanOrEqual(wins[i - 1]);
    expect(wins.at(-1)).toBe(0);
  });

  it('a zero window is probed with one byte after the RTO, backed off, each probe answered with an ACK', () => {
    const p = stalled();
    const closedAt = p.sentBy('server').at(-1)!.t + 10; // when the client learnt of the zero window
    p.advance(20_000);
    const probes = p.sentBy('client').filter((w) => w.retransmit === 'probe');
    expect(probes.length).toBeGreaterThanOrEqual(3);
    for (const w of probes) {
      expect(payloadLength(w.segment)).toBe(1);
      expect(w.segment.seq).toBe(1001 + 65_535);
    }
    const times = probes.map((w) => w.t - closedAt);
    expect(times[0]).toBe(1000);
    // Exponential back-off between probes.
    expect(times.slice(1, 3).map((t, i) => t - times[i])).toEqual([2000, 4000]);
    // The receiver answers each probe with ACK (RCV.NXT unchanged) and window 0; nothing is accepted.
    expect(p.tcb('server').readable.length).toBe(65_535);
    expect(p.state('client')).toBe('ESTABLISHED');
  });

  it('linux: a zero-window probe is a zero-length ACK at SND.UNA − 1 (tcp_xmit_probe_skb), answered with an ACK', () => {
    const p = stalled({ profile: 'linux' });
    expect(p.tcb('client').sndWnd).toBe(0);
    const una = p.tcb('client').sndUna;
    const sndMax = p.tcb('client').sndMax;
    const mark = p.mark();
    p.advance(20_000);
    const probes = p.wire.slice(mark).filter((w) => w.from === 'client' && w.retransmit === 'probe');
    expect(probes.length).toBeGreaterThanOrEqual(3);
    for (const w of probes) {
      expect(payloadLength(w.segment)).toBe(0);
      expect(w.segment.seq).toBe((una - 1) >>> 0);
    }
    // Each probe is an old sequence number: the receiver re-ACKs RCV.NXT with its (zero) window.
    const answers = p.wire.slice(mark).filter((w) => w.from === 'server' && w.segment.ack === una);
    // (the last probe's answer may still be on the wire when the 20 s end)
    expect(answers.length).toBeGreaterThanOrEqual(probes.length - 1);
    // No octet is sent beyond the window: SND.MAX does not move while probing.
    expect(p.tcb('client').sndMax).toBe(sndMax);
    p.receive('server');
    p.advance(1000);
    expect(seqGt(p.tcb('client').sndUna, una)).toBe(true);
  });

  it('RECEIVE opens the window: the receiver sends a window update and the sender resumes', () => {
    const p = stalled();
    p.advance(3000);
    p.receive('server');
    expect(p.received.server).toEqual([...pattern(65_535)]);
    const update = p.sentBy('server').at(-1)!.segment;
    expect(update.flags).toBe(Flag.ACK);
    expect(update.win).toBe(65_535);
    for (let i = 0; i < 50 && p.received.server.length < 100_000; i++) {
      p.advance(200);
      p.receive('server');
    }
    expect(p.received.server).toEqual([...pattern(100_000)]);
    expect(p.tcb('client').sndUna).toBe(1001 + 100_000);
  });

  it('a lost window update is recovered by the next probe', () => {
    const p = stalled();
    p.advance(1500); // one probe so far
    expect(p.sentBy('client').filter((w) => w.retransmit === 'probe')).toHaveLength(1);
    p.drop = (_s, from) => from === 'server';
    p.receive('server'); // the window update is lost
    expect(p.sentBy('server').at(-1)!.segment.win).toBe(65_535);
    expect(p.sentBy('server').at(-1)!.dropped).toBe(true);
    p.drop = () => false;
    p.advance(10_000);
    // The next probe found the open window: the rest of the data (34 465 bytes) went out.
    expect(p.tcb('client').sndUna).toBe(1001 + 100_000);
    expect(p.tcb('server').readable.length).toBe(100_000 - 65_535);
    for (let i = 0; i < 50 && p.received.server.length < 100_000; i++) {
      p.advance(200);
      p.receive('server');
    }
    expect(p.received.server).toEqual([...pattern(100_000)]);
  });

  it('a connection is not aborted while the peer keeps answering probes (RFC 9293 §3.8.6.1, RFC 1122 4.2.2.17)', () => {
    const p = stalled();
    p.advance(3_600_000); // an hour with the window closed: far more than 15 back-offs
    expect(p.state('client')).toBe('ESTABLISHED');
    const probes = p.sentBy('client').filter((w) => w.retransmit === 'probe');
    expect(probes.length).toBeGreaterThan(15);
    // Probing continues at the maximum back-off (60 s), not faster.
    const gaps = probes.slice(1).map((w, i) => w.t - probes[i].t);
    expect(Math.max(...gaps)).toBe(60_000);
    p.receive('server');
    for (let i = 0; i < 50 && p.received.server.length < 100_000; i++) {
      p.advance(200);
      p.receive('server');
    }
    expect(p.received.server).toEqual([...pattern(100_000)]);
  });

  it('a peer that stops answering probes times the connection out', () => {
    const p = stalled();
    p.drop = (_s, from) => from === 'server';
    p.advance(3_600_000);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.tcb('client').closeReason).toBe('timeout');
  });

  it('linux: the same stall and recovery with delayed ACKs', () => {
    const p = stalled({ profile: 'linux' });
    expect(p.tcb('client').sndWnd).toBe(0);
    p.advance(5000);
    expect(p.sentBy('client').filter((w) => w.retransmit === 'probe').length).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 50 && p.received.server.length < 100_000; i++) {
      p.receive('server');
      p.advance(200);
    }
    expect(p.received.server).toEqual([...pattern(100_000)]);
  });
});

describe('send window updates (RFC 9293 §3.10.7.4, SND.WL1/SND.WL2)', () => {
  it('the window is taken from the newest segment only', () => {
    const p = established();
    p.drop = () => true;
    p.inject(
      'client',
      p.segmentFrom('server', { seq: 5001, ack: 1001, flags: Flag.ACK, win: 1000, data: pattern(10) }),
    );
    expect(p.tcb('client').sndWnd).toBe(1000);
    // An older segment (reordered) does not roll the window back.
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1001, flags: Flag.ACK, win: 2000 }));
    expect(p.tcb('client').sndWnd).toBe(1000);
    p.inject('client', p.segmentFrom('server', { seq: 5011, ack: 1001, flags: Flag.ACK, win: 3000 }));
    expect(p.tcb('client').sndWnd).toBe(3000);
  });

  it('an old ACK (SEG.ACK < SND.UNA) does not update the window, even from a newer segment', () => {
    const p = established();
    p.send('client', 100);
    p.advance(20);
    expect(p.tcb('client').sndUna).toBe(1101);
    p.drop = () => true;
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1101, flags: Flag.ACK, data: pattern(10) }));
    // Acceptable under RFC 5961 (within MAX.SND.WND below SND.UNA), but not a window update.
    p.inject(
      'client',
      p.segmentFrom('server', { seq: 5011, ack: 1050, flags: Flag.ACK, win: 0, data: pattern(5, 10) }),
    );
    expect(p.received.client).toEqual([...pattern(15)]);
    expect(p.tcb('client').sndWnd).toBe(65_535);
  });

  it('a window-update-only ACK (same SEQ, same ACK, bigger window) is taken', () => {
    const p = established();
    p.drop = () => true;
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1001, flags: Flag.ACK, win: 0 }));
    expect(p.tcb('client').sndWnd).toBe(0);
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1001, flags: Flag.ACK, win: 4096 }));
    expect(p.tcb('client').sndWnd).toBe(4096);
  });
});

describe('delayed ACKs and quick ACKs (linux profile, Linux tcp_event_data_recv / __tcp_ack_snd_check)', () => {
  /** Spends the 16 quick ACKs of connection start: 16 small segments, each ACKed at once. */
  function pastQuickAcks(p: Pair): void {
    for (let i = 0; i < 16; i++) {
      p.send('client', 100, i * 100);
      p.advance(20);
    }
    expect(p.tcb('server').quickAcks).toBe(0);
  }

  it('the first data of a connection is ACKed at once (quick-ACK mode), not after 40 ms', () => {
    const p = established({ profile: 'linux' });
    p.send('client', 100);
    p.advance(100);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,PSH] seq=1001 ack=5001 len=100',
      '40 server [ACK] seq=5001 ack=1101 len=0',
    ]);
  });

  it('sixteen segments get quick ACKs (TCP_MAX_QUICKACKS); the seventeenth waits 40 ms', () => {
    const p = established({ profile: 'linux' });
    const start = p.mark();
    pastQuickAcks(p);
    const acks = p.sentBy('server').filter((w) => w.t >= 30);
    expect(acks.map((w) => w.t)).toEqual(Array.from({ length: 16 }, (_, i) => 40 + 20 * i));
    expect(p.ladderSince(start).length).toBe(32);
    const mark = p.mark();
    p.send('client', 100, 1600); // t = 350
    p.advance(100);
    expect(p.ladderSince(mark)).toEqual([
      '350 client [ACK,PSH] seq=2601 ack=5001 len=100',
      '400 server [ACK] seq=5001 ack=2701 len=0',
    ]);
  });

  it('data after an idle longer than the RTO is quick-ACKed again (Linux tcp_event_data_recv)', () => {
    const p = established({ profile: 'linux' });
    pastQuickAcks(p);
    p.advance(1000); // t = 1350: far beyond the RTO of about 220 ms
    const mark = p.mark();
    p.send('client', 100, 1600);
    p.advance(100);
    expect(p.ladderSince(mark)).toEqual([
      '1350 client [ACK,PSH] seq=2601 ack=5001 len=100',
      '1360 server [ACK] seq=5001 ack=2701 len=0',
    ]);
  });

  it('rfc9293 has no quick-ACK mode and no delay: every segment is ACKed at once', () => {
    const p = established({ profile: 'rfc9293' });
    p.send('client', 100);
    p.advance(100);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,PSH] seq=1001 ack=5001 len=100',
      '40 server [ACK] seq=5001 ack=1101 len=0',
    ]);
    expect(p.tcb('server').quickAcks).toBe(0);
  });

  it('every second full-sized segment is ACKed at once (more than one receive MSS unacknowledged)', () => {
    const p = established({ profile: 'linux' });
    pastQuickAcks(p);
    const mark = p.mark();
    p.send('client', 4 * 1448, 1600); // t = 350: four full-sized segments back to back
    p.advance(100);
    expect(p.ladderSince(mark).filter((l) => l.includes('server'))).toEqual([
      // The first full-sized segment grows the window to the whole buffer, announced at once
      // (Linux tcp_grow_window); from then on every second segment is ACKed at once, and the
      // fourth waits for the delayed-ACK timer.
      '360 server [ACK] seq=5001 ack=4049 len=0',
      '360 server [ACK] seq=5001 ack=6945 len=0',
      '400 server [ACK] seq=5001 ack=8393 len=0',
    ]);
  });

  it('a delayed ACK rides on data sent in the meantime', () => {
    const p = established({ profile: 'linux' });
    pastQuickAcks(p);
    const mark = p.mark();
    p.send('client', 100, 1600); // t = 350
    p.advance(20); // t = 370: the server has the data, its ACK is pending
    p.send('server', 10);
    p.advance(100);
    expect(p.ladderSince(mark).slice(0, 2)).toEqual([
      '350 client [ACK,PSH] seq=2601 ack=5001 len=100',
      '370 server [ACK,PSH] seq=5001 ack=2701 len=10',
    ]);
  });

  it('a reply within 40 ms makes the connection interactive: the next data waits for the delayed ACK', () => {
    // conformance: Linux tcp_event_data_sent enters ping-pong mode, quick ACKs stop.
    const p = established({ profile: 'linux' });
    p.send('client', 100);
    p.advance(20); // t = 50: ACKed at once at 40 (quick)
    p.send('server', 10); // a reply 10 ms after the data
    p.advance(100);
    const mark = p.mark();
    p.send('client', 100, 100); // t = 150
    p.advance(100);
    expect(p.ladderSince(mark)).toEqual([
      '150 client [ACK,PSH] seq=1101 ack=5011 len=100',
      '200 server [ACK] seq=5011 ack=1201 len=0',
    ]);
    expect(p.tcb('server').pingpong).toBe(false); // the delayed ACK that fired ended the mode
  });

  it('a duplicate segment is D-SACKed and puts the receiver back in quick-ACK mode (RFC 2883 §4)', () => {
    const p = established({ profile: 'linux' });
    pastQuickAcks(p);
    const dup = p.segmentFrom('client', { seq: 1001, ack: 5001, flags: Flag.ACK, data: pattern(100) });
    const mark = p.mark();
    p.inject('server', dup);
    const [reply] = p.sentBy('server').slice(mark - p.sentBy('client').length);
    expect(p.ladderSince(mark)).toEqual(['350 server [ACK] seq=5001 ack=2601 len=0']);
    expect(p.wire[mark].segment.sack).toEqual([{ left: 1001, right: 1101 }]);
    expect(reply).toBeDefined();
    expect(p.tcb('server').quickAcks).toBe(16);
    expect(p.tcb('server').dsackBlock).toBeUndefined(); // reported once
  });
});

describe('sequence space', () => {
  it('SND.UNA, SND.NXT and RCV.NXT agree on both sides after a two-way exchange', () => {
    const p = established(WRAP);
    p.send('client', 12_345);
    p.send('server', 54_321);
    p.advance(2000);
    const c = p.tcb('client');
    const s = p.tcb('server');
    expect(seqDiff(c.sndNxt, 0xffff_fff1)).toBe(12_345);
    expect(c.sndUna).toBe(c.sndNxt);
    expect(s.rcvNxt).toBe(c.sndNxt);
    expect(seqDiff(s.sndNxt, 0xffff_ff01)).toBe(54_321);
    expect(c.rcvNxt).toBe(s.sndNxt);
  });
});
