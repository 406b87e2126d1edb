/**
 * Named textbook facts about TCP, each pinned by an exact timeline:
 * handshake numbering, sequence-space consumption of SYN and FIN, SYN and
 * SYN-ACK retransmission schedules (RFC 9293 / RFC 6298 and the Linux
 * defaults of shared/LINUX-TCP-FACTS.md), the lost last ACK, and the
 * closing variants (four-way, three-segment, half-close, simultaneous).
 */
import { describe, expect, it } from 'vitest';
import { rfc6528Isn } from '../src/isn.js';
import { connectTimeout, getProfile, halfOpenLifetime, type Profile, synTimeout } from '../src/profiles.js';
import { Flag, hasFlag, type Segment } from '../src/segment.js';
import { seqAdd } from '../src/seq.js';
import { CLIENT, Pair, type PairOptions, pattern, SERVER } from './pair.js';

const ISN = { clientIsn: 1000, serverIsn: 5000 };

function pair(options: PairOptions = {}): Pair {
  return new Pair({ ...ISN, ...options });
}

function established(options: PairOptions = {}): Pair {
  const p = pair(options);
  p.connect();
  p.advance(30);
  expect(p.state('client')).toBe('ESTABLISHED');
  expect(p.state('server')).toBe('ESTABLISHED');
  return p;
}

const isSyn = (s: Segment) => hasFlag(s, Flag.SYN) && !hasFlag(s, Flag.ACK);
const isSynAck = (s: Segment) => hasFlag(s, Flag.SYN) && hasFlag(s, Flag.ACK);

describe('three-way handshake', () => {
  it('numbers: SYN x, SYN-ACK y ack x+1, ACK x+1 ack y+1 (fixed ISNs 1000/5000)', () => {
    const p = pair();
    p.connect();
    p.advance(30);
    expect(p.ladder()).toEqual([
      '0 client [SYN] seq=1000 ack=0 len=0',
      '10 server [SYN,ACK] seq=5000 ack=1001 len=0',
      '20 client [ACK] seq=1001 ack=5001 len=0',
    ]);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED']);
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED']);
  });

  it('numbers: the same relations with RFC 6528 ISNs', () => {
    const key = [0xdead_beef, 0x0bad_f00d] as const;
    const p = new Pair({ isnKey: key });
    p.advance(1234);
    p.connect();
    p.advance(30);
    const x = rfc6528Isn(1234, CLIENT, SERVER, key);
    const y = rfc6528Isn(1244, SERVER, CLIENT, key);
    expect(x).not.toBe(y);
    const [syn, synAck, ack] = p.wire.map((w) => w.segment);
    expect([syn.flags, syn.seq]).toEqual([Flag.SYN, x]);
    expect([synAck.flags, synAck.seq, synAck.ack]).toEqual([Flag.SYN | Flag.ACK, y, seqAdd(x, 1)]);
    expect([ack.flags, ack.seq, ack.ack]).toEqual([Flag.ACK, seqAdd(x, 1), seqAdd(y, 1)]);
    expect(p.state('server')).toBe('ESTABLISHED');
  });

  it('the SYN consumes one sequence number: the first data byte is ISS+1', () => {
    const p = established();
    expect(p.tcb('client').sndNxt).toBe(1001);
    expect(p.tcb('server').rcvNxt).toBe(1001);
    p.send('client', 1);
    p.advance(20);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,PSH] seq=1001 ack=5001 len=1',
      '40 server [ACK] seq=5001 ack=1002 len=0',
    ]);
  });

  it('the FIN consumes one sequence number: 100 bytes then FIN → FIN at x+101, acked with x+102', () => {
    const p = established();
    p.send('client', 100);
    p.advance(20);
    p.close('client');
    p.advance(20);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,PSH] seq=1001 ack=5001 len=100',
      '40 server [ACK] seq=5001 ack=1101 len=0',
      '50 client [ACK,FIN] seq=1101 ack=5001 len=0',
      '60 server [ACK] seq=5001 ack=1102 len=0',
    ]);
    expect(p.tcb('client').sndUna).toBe(1102);
  });

  it('the MSS option: each side sends segments no larger than min(peer MSS, own MSS)', () => {
    const p = established();
    p.send('client', 3000);
    p.advance(50);
    expect(p.sentBy('client').map((w) => w.segment.data?.length ?? 0)).toEqual([0, 0, 1460, 1460, 80]);
    expect(p.received.server).toEqual([...pattern(3000)]);
  });
});

describe('lost SYN', () => {
  function synTimes(profile: Profile, lost: number): { p: Pair; syns: number[] } {
    const p = pair({ profile });
    p.drop = (s, from) =>
      from === 'client' && isSyn(s) && p.sentBy('client').filter((w) => isSyn(w.segment)).length < lost;
    p.connect();
    p.advance(100_000);
    return { p, syns: p.timesOf('client', isSyn) };
  }

  it('rfc9293: retransmitted after the initial RTO (1 s), and again after twice that (2 s)', () => {
    const { p, syns } = synTimes(getProfile('rfc9293'), 2);
    expect(syns).toEqual([0, 1000, 3000]);
    expect(p.ladder().slice(3)).toEqual([
      '3010 server [SYN,ACK] seq=5000 ack=1001 len=0',
      '3020 client [ACK] seq=1001 ack=5001 len=0',
    ]);
    expect(p.state('server')).toBe('ESTABLISHED');
  });

  it('linux with synLinearTimeouts 0: the classic 1 s then 2 s', () => {
    const { p, syns } = synTimes(getProfile('linux', { synLinearTimeouts: 0 }), 2);
    expect(syns).toEqual([0, 1000, 3000]);
    expect(p.state('client')).toBe('ESTABLISHED');
  });

  it('linux default (tcp_syn_linear_timeouts 4): the second retransmission also after 1 s', () => {
    const { p, syns } = synTimes(getProfile('linux'), 2);
    expect(syns).toEqual([0, 1000, 2000]);
    expect(p.state('client')).toBe('ESTABLISHED');
  });

  it('retransmitted SYNs are identical to the first (same ISS, same MSS option) and marked as retransmissions', () => {
    const { p } = synTimes(getProfile('rfc9293'), 2);
    const syns = p.sentBy('client').filter((w) => isSyn(w.segment));
    for (const w of syns) expect([w.segment.seq, w.segment.mss]).toEqual([1000, 1460]);
    expect(syns.map((w) => w.retransmit)).toEqual([undefined, 'SYN', 'SYN']);
    expect(p.outputsOf('client', 'retransmit').map((o) => [o.kind, o.count, o.rto])).toEqual([
      ['SYN', 1, 2000],
      ['SYN', 2, 4000],
    ]);
  });
});

describe('connect() timeout: the SYN schedule until ETIMEDOUT', () => {
  function unanswered(profile: Profile): { syns: number[]; closedAt: number; p: Pair } {
    const p = pair({ profile, noListen: true });
    p.drop = () => true;
    let closedAt = -1;
    p.client.on('closed', () => (closedAt = p.clock.now()));
    p.connect();
    p.advance(1_000_000);
    return { syns: p.timesOf('client', isSyn), closedAt, p };
  }

  it('linux default: SYNs at 0,1,2,3,4,5,7,11,19,35,67 s; ETIMEDOUT at connectTimeout = 131 s', () => {
    const profile = getProfile('linux');
    const { syns, closedAt, p } = unanswered(profile);
    expect(syns).toEqual([0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67].map((s) => s * 1000));
    expect(connectTimeout(profile)).toBe(131_000);
    expect(closedAt).toBe(131_000);
    expect(p.tcb('client').closeReason).toBe('timeout');
    expect(p.outputsOf('client', 'closed')).toEqual([{ type: 'closed', reason: 'timeout' }]);
  });

  it('linux synRetries 3: SYNs at 0,1,2,3,4,5,7,11 s and ETIMEDOUT at 19 s (measured on 6.18)', () => {
    const profile = getProfile('linux', { synRetries: 3 });
    const { syns, closedAt } = unanswered(profile);
    expect(syns).toEqual([0, 1, 2, 3, 4, 5, 7, 11].map((s) => s * 1000));
    expect(connectTimeout(profile)).toBe(19_000);
    expect(closedAt).toBe(19_000);
  });

  it('linux synRetries 3, synLinearTimeouts 0: classic 0,1,3,7 s and ETIMEDOUT at 15 s', () => {
    const profile = getProfile('linux', { synRetries: 3, synLinearTimeouts: 0 });
    const { syns, closedAt } = unanswered(profile);
    expect(syns).toEqual([0, 1000, 3000, 7000]);
    expect(closedAt).toBe(15_000);
    expect(connectTimeout(profile)).toBe(15_000);
  });

  it('rfc9293: 0,1,3,7,15,31,63,123 s (capped at 60 s) and the connection gives up at 183 s', () => {
    const profile = getProfile('rfc9293');
    const { syns, closedAt } = unanswered(profile);
    expect(syns).toEqual([0, 1, 3, 7, 15, 31, 63, 123].map((s) => s * 1000));
    expect(connectTimeout(profile)).toBe(183_000);
    expect(closedAt).toBe(183_000);
  });

  it('synTimeout: linear for the first synLinearTimeouts retransmissions, then doubling', () => {
    const linux = getProfile('linux');
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => synTimeout(linux, n))).toEqual([
      1000, 1000, 1000, 1000, 1000, 2000, 4000, 8000, 16_000,
    ]);
  });
});

describe('lost SYN-ACK', () => {
  function unacked(profile: Profile): { synAcks: number[]; closedAt: number; p: Pair } {
    const p = pair({ profile });
    p.drop = (_s, from, n) => from === 'client' && n > 0; // the SYN gets through, nothing after it
    let closedAt = -1;
    p.server.on('closed', () => (closedAt = p.clock.now()));
    p.connect();
    p.advance(1_000_000);
    return { synAcks: p.timesOf('server', isSynAck), closedAt, p };
  }

  it('linux: SYN-ACK retransmissions back off 1,2,4,8,16 s; the half-open entry lives 63 s', () => {
    const profile = getProfile('linux');
    const { synAcks, closedAt, p } = unacked(profile);
    expect(synAcks.map((t) => t - 10)).toEqual([0, 1, 3, 7, 15, 31].map((s) => s * 1000));
    const gaps = synAcks.slice(1).map((t, i) => t - synAcks[i]);
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16_000]);
    expect(halfOpenLifetime(profile)).toBe(63_000);
    expect(closedAt).toBe(10 + 63_000);
    expect(p.tcb('server').closeReason).toBe('timeout');
  });

  it('rfc9293: 1,2,4,8,16,32,60 s back-off; the half-open entry lives 183 s', () => {
    const profile = getProfile('rfc9293');
    const { synAcks, closedAt } = unacked(profile);
    expect(synAcks.map((t) => t - 10)).toEqual([0, 1, 3, 7, 15, 31, 63, 123].map((s) => s * 1000));
    expect(halfOpenLifetime(profile)).toBe(183_000);
    expect(closedAt).toBe(10 + 183_000);
  });

  it('a retransmitted SYN-ACK is answered by the ESTABLISHED client with a duplicate ACK, which completes the handshake', () => {
    const p = pair();
    p.drop = (_s, from, n) => from === 'client' && n === 1;
    p.connect();
    p.advance(1100);
    expect(p.ladder()).toEqual([
      '0 client [SYN] seq=1000 ack=0 len=0',
      '10 server [SYN,ACK] seq=5000 ack=1001 len=0',
      '20 client [ACK] seq=1001 ack=5001 len=0 DROPPED',
      '1010 server [SYN,ACK] seq=5000 ack=1001 len=0',
      '1020 client [ACK] seq=1001 ack=5001 len=0',
    ]);
    expect(p.states.server.at(-1)).toBe('ESTABLISHED');
  });
});

describe('the lost last ACK', () => {
  it('rfc9293: LAST_ACK retransmits the FIN; TIME_WAIT re-ACKs it and restarts 2MSL from the re-ACK', () => {
    const p = established();
    p.close('client');
    p.advance(20); // t = 50
    p.close('server');
    p.drop = (s, from) => from === 'client' && s.ack === 5002 && p.clock.now() === 60;
    p.advance(1100);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      '40 server [ACK] seq=5001 ack=1002 len=0',
      '50 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '60 client [ACK] seq=1002 ack=5002 len=0 DROPPED',
      '1050 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '1060 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    expect(p.wire.at(-2)?.retransmit).toBe('FIN');
    expect(p.states.server.slice(-2)).toEqual(['LAST_ACK', 'CLOSED']);
    expect(p.states.client.slice(-2)).toEqual(['FIN_WAIT_2', 'TIME_WAIT']);
    // 2MSL = 240 s after the re-ACK at 1060, not after the first ACK at 60.
    p.advance(240_060 - p.clock.now());
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(241_060 - 1 - p.clock.now());
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(1);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.tcb('client').closeReason).toBe('normal');
  });

  it('linux: the same with the 200 ms RTO floor and the 60 s TIME_WAIT', () => {
    const p = established({ profile: 'linux' });
    p.drop = (s, from) => from === 'client' && s.ack === 5002 && p.clock.now() === 50;
    p.close('client');
    p.advance(10); // t = 40: the server app closes as soon as it sees the FIN
    p.close('server');
    p.advance(300);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      '40 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '50 client [ACK] seq=1002 ack=5002 len=0 DROPPED',
      // RTO = SRTT + max(200 ms, 4·RTTVAR) = 20 + 200 ms.
      '260 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '270 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    expect(p.state('server')).toBe('CLOSED');
    p.advance(60_270 - 1 - p.clock.now());
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(1);
    expect(p.state('client')).toBe('CLOSED');
  });

  it('every further retransmitted FIN restarts TIME_WAIT again', () => {
    const p = established();
    p.close('client');
    p.advance(20);
    p.close('server');
    p.drop = (_s, from) => from === 'client' && p.clock.now() >= 60; // the server never hears an ACK
    p.advance(10_000);
    const reAcks = p.timesOf('client', (s) => s.ack === 5002);
    // FIN retransmissions at 1050, 3050, 7050 (1, 2, 4 s back-off) are each re-ACKed.
    expect(reAcks).toEqual([60, 1060, 3060, 7060]);
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(7060 + 240_000 - 1 - p.clock.now());
    // The FIN retransmitted at 15050, 31050, … keeps restarting it.
    expect(p.state('client')).toBe('TIME_WAIT');
  });
});

describe('closing', () => {
  it('rfc9293: four-way close FIN / ACK / FIN / ACK', () => {
    const p = established();
    p.close('client');
    p.advance(70); // t = 100
    p.close('server');
    p.advance(20);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      '40 server [ACK] seq=5001 ack=1002 len=0',
      '100 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '110 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    expect(p.states.client).toEqual([
      'CLOSED',
      'SYN_SENT',
      'ESTABLISHED',
      'FIN_WAIT_1',
      'FIN_WAIT_2',
      'TIME_WAIT',
    ]);
    expect(p.states.server).toEqual([
      'CLOSED',
      'LISTEN',
      'SYN_RECEIVED',
      'ESTABLISHED',
      'CLOSE_WAIT',
      'LAST_ACK',
      'CLOSED',
    ]);
  });

  it('linux: three segments when the server app closes as soon as it sees the FIN (ACK rides on the FIN)', () => {
    const p = established({ profile: 'linux' });
    p.server.on('peer-closed', () => p.close('server'));
    p.close('client');
    p.advance(100);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      '40 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '50 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT']);
    expect(p.states.server.slice(-3)).toEqual(['CLOSE_WAIT', 'LAST_ACK', 'CLOSED']);
  });

  it('linux: four segments when the server app waits longer than its delayed ACK', () => {
    const p = established({ profile: 'linux' });
    p.close('client');
    p.advance(70); // t = 100
    p.close('server');
    p.advance(20);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      // No data was received yet: Linux's ATO is 0 and the delayed ACK leaves on the next tick,
      // 4 ms later (conformance/close-passive.pkt); after data it would wait 40 ms.
      '44 server [ACK] seq=5001 ack=1002 len=0',
      '100 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '110 client [ACK] seq=1002 ack=5002 len=0',
    ]);
  });

  it('FIN and ACK together: FIN_WAIT_1 goes straight to TIME_WAIT', () => {
    const p = established();
    p.close('client');
    // The server's FIN carries the ACK of our FIN (as a combined FIN,ACK would).
    p.drop = () => true;
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1002, flags: Flag.FIN | Flag.ACK }));
    expect(p.states.client.slice(-2)).toEqual(['FIN_WAIT_1', 'TIME_WAIT']);
    expect(p.ladderSince(4)).toEqual(['30 client [ACK] seq=1002 ack=5002 len=0 DROPPED']);
  });

  it('a FIN that does not yet acknowledge ours: FIN_WAIT_1 → CLOSING → TIME_WAIT', () => {
    const p = established();
    p.close('client');
    p.drop = () => true;
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1001, flags: Flag.FIN | Flag.ACK }));
    expect(p.state('client')).toBe('CLOSING');
    p.inject('client', p.segmentFrom('server', { seq: 5002, ack: 1002, flags: Flag.ACK }));
    expect(p.states.client.slice(-3)).toEqual(['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
  });

  it('simultaneous close through CLOSING: both sides end in TIME_WAIT, then CLOSED after 2MSL', () => {
    const p = established();
    p.close('client');
    p.close('server');
    p.advance(20);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      '30 server [ACK,FIN] seq=5001 ack=1001 len=0',
      '40 server [ACK] seq=5002 ack=1002 len=0',
      '40 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    for (const side of ['client', 'server'] as const) {
      expect(p.states[side].slice(-4)).toEqual(['ESTABLISHED', 'FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    }
    p.advance(50 + 240_000 - p.clock.now());
    expect(p.state('client')).toBe('CLOSED');
    expect(p.state('server')).toBe('CLOSED');
  });

  it('linux simultaneous close: the FINs are ACKed at once, not delayed', () => {
    const p = established({ profile: 'linux' });
    p.close('client');
    p.close('server');
    p.advance(20);
    expect(p.ladderSince(5)).toEqual([
      '40 server [ACK] seq=5002 ack=1002 len=0',
      '40 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    expect(p.state('client')).toBe('TIME_WAIT');
    expect(p.state('server')).toBe('TIME_WAIT');
  });

  it('half-close: the CLOSE_WAIT side keeps sending; the FIN_WAIT_2 side receives every byte', () => {
    const p = established();
    p.close('client');
    p.advance(20); // client FIN_WAIT_2, server CLOSE_WAIT
    p.send('server', 20_000);
    p.advance(100);
    expect(p.state('client')).toBe('FIN_WAIT_2');
    expect(p.state('server')).toBe('CLOSE_WAIT');
    p.send('server', 5000, 20_000);
    p.advance(100);
    expect(p.received.client).toEqual([...pattern(25_000)]);
    // The client's ACKs keep acknowledging its FIN (1002) while they acknowledge the data.
    expect(
      new Set(
        p
          .sentBy('client')
          .slice(3)
          .map((w) => w.segment.seq),
      ),
    ).toEqual(new Set([1002]));
    p.close('server');
    p.advance(100);
    expect(p.state('client')).toBe('TIME_WAIT');
    expect(p.state('server')).toBe('CLOSED');
    expect(p.received.client).toHaveLength(25_000);
  });

  it('half-close: data sent before CLOSE precedes the FIN, which takes the next sequence number', () => {
    const p = established();
    p.send('client', 2000);
    p.close('client');
    // Nagle (RFC 896, rfc9293 profile) holds the short 540-byte tail behind the unacknowledged
    // first segment until the CLOSE, which pushes it: the FIN rides on it, at seq 3001.
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK] seq=1001 ack=5001 len=1460',
      '30 client [ACK,FIN,PSH] seq=2461 ack=5001 len=540',
    ]);
    p.advance(20);
    expect(p.received.server).toEqual([...pattern(2000)]);
    expect(p.state('server')).toBe('CLOSE_WAIT');
    expect(p.state('client')).toBe('FIN_WAIT_2');
  });
});
