/**
 * Resets: RFC 9293 §3.10.7 RST processing in every state, the RFC 5961
 * blind-attack mitigations (exact-match RST, challenge ACKs, ACK range
 * check), the old-duplicate-SYN and half-open-discovery exchanges of
 * RFC 9293 figures 8 and 10, ABORT, and the reply to a segment for a
 * connection that does not exist (§3.10.7.1).
 */
import { describe, expect, it } from 'vitest';
import type { TcpState } from '../src/machine/states.js';
import { Flag, type Segment } from '../src/segment.js';
import { resetForClosed } from '../src/tcb/segment-arrives.js';
import { Pair, type PairOptions, pattern } from './pair.js';

const ISN = { clientIsn: 1000, serverIsn: 5000 };

function pair(options: PairOptions = {}): Pair {
  return new Pair({ ...ISN, ...options });
}

function established(options: PairOptions = {}): Pair {
  const p = pair(options);
  p.connect();
  p.advance(30);
  return p;
}

/** Scenarios that park the client in a given synchronized state (server segments dropped from then on). */
const CLIENT_IN: Record<string, (p: Pair) => void> = {
  ESTABLISHED: (p) => {
    p.connect();
    p.advance(30);
  },
  FIN_WAIT_1: (p) => {
    p.connect();
    p.advance(30);
    p.drop = () => true;
    p.close('client');
  },
  FIN_WAIT_2: (p) => {
    p.connect();
    p.advance(30);
    p.close('client');
    p.advance(20);
  },
  CLOSE_WAIT: (p) => {
    p.connect();
    p.advance(30);
    p.close('server');
    p.advance(10);
  },
  CLOSING: (p) => {
    p.connect();
    p.advance(30);
    p.drop = (s) => s.flags === Flag.ACK;
    p.close('client');
    p.close('server');
    p.advance(10);
  },
  LAST_ACK: (p) => {
    p.connect();
    p.advance(30);
    p.close('server');
    p.advance(10);
    p.drop = () => true;
    p.close('client');
  },
  TIME_WAIT: (p) => {
    p.connect();
    p.advance(30);
    p.close('client');
    p.advance(20);
    p.close('server');
    p.advance(10);
  },
};

function clientIn(state: string): Pair {
  const p = pair();
  CLIENT_IN[state](p);
  expect(p.state('client')).toBe(state);
  p.drop = () => true; // from here on, only what we inject reaches the client
  return p;
}

function rstTo(p: Pair, seq: number): Segment {
  return p.segmentFrom('server', { seq, flags: Flag.RST });
}

describe('RST in every state (RFC 9293 §3.10.7)', () => {
  it('CLOSED: an incoming RST is discarded, never answered', () => {
    const p = pair({ noListen: true });
    p.inject('client', rstTo(p, 1));
    expect(p.state('client')).toBe('CLOSED');
    expect(p.wire).toEqual([]);
  });

  it('LISTEN: an incoming RST is ignored', () => {
    const p = pair();
    p.inject('server', p.segmentFrom('client', { seq: 99, flags: Flag.RST }));
    expect(p.state('server')).toBe('LISTEN');
    expect(p.wire).toEqual([]);
  });

  it('SYN_SENT: a RST whose ACK acknowledges our SYN → CLOSED "connection reset", reason refused', () => {
    const p = pair({ noListen: true });
    p.drop = () => true;
    p.connect();
    p.inject('client', p.segmentFrom('server', { seq: 0, ack: 1001, flags: Flag.RST | Flag.ACK }));
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('refused');
    expect(p.outputsOf('client', 'error')).toEqual([{ type: 'error', error: 'connection reset' }]);
  });

  it('SYN_SENT: a RST with an unacceptable ACK is dropped (no RST in reply to a RST)', () => {
    const p = pair({ noListen: true });
    p.drop = () => true;
    p.connect();
    p.inject('client', p.segmentFrom('server', { seq: 0, ack: 999, flags: Flag.RST | Flag.ACK }));
    p.inject('client', p.segmentFrom('server', { seq: 0, ack: 1002, flags: Flag.RST | Flag.ACK }));
    expect(p.state('client')).toBe('SYN_SENT');
    expect(p.wire).toHaveLength(1);
  });

  it('SYN_SENT: a RST without ACK is dropped', () => {
    const p = pair({ noListen: true });
    p.drop = () => true;
    p.connect();
    p.inject('client', rstTo(p, 0));
    expect(p.state('client')).toBe('SYN_SENT');
  });

  it('SYN_RECEIVED (passive): RST with SEQ = RCV.NXT → back to LISTEN', () => {
    const p = pair();
    p.drop = (_s, from) => from === 'server';
    p.connect();
    p.advance(10);
    p.inject('server', p.segmentFrom('client', { seq: 1001, flags: Flag.RST }));
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'LISTEN']);
  });

  it('SYN_RECEIVED (passive): a later SYN from another client is served after returning to LISTEN', () => {
    const p = pair();
    p.drop = (_s, from) => from === 'server';
    p.connect();
    p.advance(10);
    p.inject('server', p.segmentFrom('client', { seq: 1001, flags: Flag.RST }));
    const other = { ...p.segmentFrom('client', { seq: 7000, flags: Flag.SYN, mss: 1460 }), srcPort: 40001 };
    const mark = p.mark();
    p.inject('server', other);
    expect(p.state('server')).toBe('SYN_RECEIVED');
    expect(p.wire[mark].segment).toMatchObject({ dstPort: 40001, ack: 7001, flags: Flag.SYN | Flag.ACK });
  });

  it.each(['ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT'])(
    '%s: RST with SEQ = RCV.NXT → CLOSED, user told "connection reset"',
    (state) => {
      const p = clientIn(state);
      const mark = p.mark();
      p.inject('client', rstTo(p, p.tcb('client').rcvNxt));
      expect(p.states.client.slice(-2)).toEqual([state, 'CLOSED']);
      expect(p.tcb('client').closeReason).toBe('reset');
      expect(p.outputsOf('client', 'error')).toEqual([{ type: 'error', error: 'connection reset' }]);
      expect(p.outputsOf('client', 'closed')).toEqual([{ type: 'closed', reason: 'reset' }]);
      expect(p.ladderSince(mark)).toEqual([]);
      // No timer survives the reset.
      p.advance(1_000_000);
      expect(p.ladderSince(mark)).toEqual([]);
    },
  );

  it.each(['CLOSING', 'LAST_ACK', 'TIME_WAIT'])('%s: RST with SEQ = RCV.NXT → CLOSED', (state) => {
    const p = clientIn(state);
    const mark = p.mark();
    p.inject('client', rstTo(p, p.tcb('client').rcvNxt));
    expect(p.states.client.slice(-2)).toEqual([state, 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('reset');
    p.advance(1_000_000);
    expect(p.wire.slice(mark).filter((w) => w.from === 'client')).toEqual([]);
  });

  it('a RST carrying an ACK resets just the same (the ACK field is not checked first)', () => {
    const p = clientIn('ESTABLISHED');
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1001, flags: Flag.RST | Flag.ACK }));
    expect(p.state('client')).toBe('CLOSED');
  });
});

describe('RFC 5961 §3: blind RST mitigation', () => {
  it.each([
    'ESTABLISHED',
    'FIN_WAIT_1',
    'FIN_WAIT_2',
    'CLOSE_WAIT',
    'CLOSING',
    'LAST_ACK',
    'TIME_WAIT',
  ] as TcpState[])(
    '%s: an in-window RST with the wrong sequence number gets a challenge ACK, no reset',
    (state) => {
      const p = clientIn(state);
      const t = p.tcb('client');
      const mark = p.mark();
      p.inject('client', rstTo(p, t.rcvNxt + 1));
      p.inject('client', rstTo(p, t.rcvNxt + 60_000));
      expect(p.state('client')).toBe(state);
      const challenge = `${p.clock.now()} client [ACK] seq=${t.sndNxt} ack=${t.rcvNxt} len=0 DROPPED`;
      expect(p.ladderSince(mark)).toEqual([challenge, challenge]);
      expect(p.outputsOf('client', 'error')).toEqual([]);
    },
  );

  it('SYN_RECEIVED: an in-window RST with the wrong sequence number gets a challenge ACK', () => {
    const p = pair();
    p.drop = (_s, from, n) => from === 'client' && n > 0;
    p.connect();
    p.advance(10);
    const mark = p.mark();
    p.inject('server', p.segmentFrom('client', { seq: 1500, flags: Flag.RST }));
    expect(p.state('server')).toBe('SYN_RECEIVED');
    expect(p.ladderSince(mark)).toEqual(['10 server [ACK] seq=5001 ack=1001 len=0']);
  });

  it('an out-of-window RST is dropped silently (no ACK, no reset)', () => {
    const p = clientIn('ESTABLISHED');
    const mark = p.mark();
    for (const seq of [5000, 4000, 5001 + 65_535, 5001 + 1_000_000, 0]) p.inject('client', rstTo(p, seq));
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.ladderSince(mark)).toEqual([]);
  });

  it('the exact-match RST still works after data moved RCV.NXT', () => {
    const p = established();
    p.send('server', 300);
    p.advance(20);
    expect(p.tcb('client').rcvNxt).toBe(5301);
    p.drop = () => true;
    p.inject('client', rstTo(p, 5001)); // the old RCV.NXT is now below the window: dropped
    expect(p.state('client')).toBe('ESTABLISHED');
    p.inject('client', rstTo(p, 5301));
    expect(p.state('client')).toBe('CLOSED');
  });

  it('a genuine peer that receives the challenge ACK can reset with the right number', () => {
    // The server has lost its state (ABORT with the RST lost), so the challenge ACK's
    // ACK field tells the peer's CLOSED side what <SEQ=SEG.ACK> to use.
    const p = established();
    p.drop = () => true;
    p.abort('server');
    p.drop = () => false;
    p.inject('client', rstTo(p, 5002)); // wrong: one past RCV.NXT
    p.advance(30);
    expect(p.ladderSince(3)).toEqual([
      '30 server [RST] seq=5001 ack=0 len=0 DROPPED',
      '30 client [ACK] seq=1001 ack=5001 len=0',
      '40 server [RST] seq=5001 ack=0 len=0',
    ]);
    expect(p.state('client')).toBe('CLOSED');
  });
});

describe('RFC 5961 §4: SYN in a synchronized state', () => {
  it.each([
    ['in the window', 5001 + 100],
    ['exactly at RCV.NXT', 5001],
    ['below the window', 4000],
    ['far beyond the window', 5001 + 200_000],
  ])('ESTABLISHED: a SYN %s gets a challenge ACK and does not reset', (_name, seq) => {
    const p = clientIn('ESTABLISHED');
    const mark = p.mark();
    p.inject('client', p.segmentFrom('server', { seq, flags: Flag.SYN, mss: 1460 }));
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.ladderSince(mark)).toEqual(['30 client [ACK] seq=1001 ack=5001 len=0 DROPPED']);
    expect(p.outputsOf('client', 'error')).toEqual([]);
  });

  it('ESTABLISHED: a SYN,ACK gets a challenge ACK too', () => {
    const p = clientIn('ESTABLISHED');
    const mark = p.mark();
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1001, flags: Flag.SYN | Flag.ACK }));
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.ladderSince(mark)).toEqual(['30 client [ACK] seq=1001 ack=5001 len=0 DROPPED']);
  });

  it.each(['FIN_WAIT_2', 'CLOSE_WAIT', 'TIME_WAIT'])('%s: a SYN gets a challenge ACK', (state) => {
    const p = clientIn(state);
    const t = p.tcb('client');
    const mark = p.mark();
    p.inject('client', p.segmentFrom('server', { seq: t.rcvNxt, flags: Flag.SYN }));
    expect(p.state('client')).toBe(state);
    expect(p.ladderSince(mark)).toEqual([
      `${p.clock.now()} client [ACK] seq=${t.sndNxt} ack=${t.rcvNxt} len=0 DROPPED`,
    ]);
  });
});

describe('RFC 5961 §5: ACK range check', () => {
  it('an ACK for data never sent is answered with an ACK and the segment (with its data) dropped', () => {
    const p = clientIn('ESTABLISHED');
    const mark = p.mark();
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1500, flags: Flag.ACK, data: pattern(10) }));
    expect(p.received.client).toEqual([]);
    expect(p.tcb('client').rcvNxt).toBe(5001);
    expect(p.ladderSince(mark)).toEqual(['30 client [ACK] seq=1001 ack=5001 len=0 DROPPED']);
  });

  it('an ACK too far below SND.UNA (< SND.UNA − MAX.SND.WND) is answered with an ACK and dropped', () => {
    const p = clientIn('ESTABLISHED');
    const mark = p.mark();
    p.inject(
      'client',
      p.segmentFrom('server', { seq: 5001, ack: 1001 - 70_000, flags: Flag.ACK, data: pattern(10) }),
    );
    expect(p.received.client).toEqual([]);
    expect(p.ladderSince(mark)).toEqual(['30 client [ACK] seq=1001 ack=5001 len=0 DROPPED']);
  });

  it('an old but acceptable duplicate ACK (within MAX.SND.WND) is ignored and its data accepted', () => {
    const p = established();
    p.send('client', 100);
    p.advance(20);
    p.drop = () => true;
    p.inject('client', p.segmentFrom('server', { seq: 5001, ack: 1050, flags: Flag.ACK, data: pattern(10) }));
    expect(p.received.client).toEqual([...pattern(10)]);
    expect(p.tcb('client').sndUna).toBe(1101);
  });
});

describe('SYN_SENT: the SYN timer after an unacceptable ACK', () => {
  /** When the client's SYNs leave, after one unacceptable segment arrives at 100 ms. */
  function synTimesAfter(profile: string, flags: number): number[] {
    const p = pair({ noListen: true, profile });
    p.drop = () => true;
    p.connect();
    p.advance(100);
    p.inject('client', p.segmentFrom('server', { seq: 300, ack: 1100, flags }));
    p.advance(1500);
    return p
      .sentBy('client')
      .filter((w) => w.segment.flags === Flag.SYN)
      .map((w) => w.t);
  }

  it.each([
    ['SYN,ACK', Flag.SYN | Flag.ACK],
    ['RST,ACK', Flag.RST | Flag.ACK],
  ])(
    'linux (%s): re-armed to TCP_TIMEOUT_MIN, the SYN goes again 8 ms later (tcp_rcv_synsent_state_process)',
    (_name, flags) => {
      expect(synTimesAfter('linux', flags)).toEqual([0, 108, 1108]);
    },
  );

  it('rfc9293: the SYN timer is left alone (first retransmission at the initial RTO)', () => {
    expect(synTimesAfter('rfc9293', Flag.SYN | Flag.ACK)).toEqual([0, 1000]);
  });
});

describe('old duplicate SYN (RFC 9293 figure 8)', () => {
  it('SYN_SENT: a SYN,ACK with an unacceptable ACK gets <SEQ=SEG.ACK><CTL=RST>; the state stays SYN_SENT', () => {
    const p = pair({ noListen: true });
    p.drop = () => true;
    p.connect();
    for (const ack of [1000, 900, 1002]) {
      p.inject('client', p.segmentFrom('server', { seq: 300, ack, flags: Flag.SYN | Flag.ACK }));
    }
    expect(p.state('client')).toBe('SYN_SENT');
    expect(p.ladderSince(1)).toEqual([
      '0 client [RST] seq=1000 ack=0 len=0 DROPPED',
      '0 client [RST] seq=900 ack=0 len=0 DROPPED',
      '0 client [RST] seq=1002 ack=0 len=0 DROPPED',
    ]);
    // The connection is still usable: a correct SYN,ACK completes it.
    p.inject('client', p.segmentFrom('server', { seq: 300, ack: 1001, flags: Flag.SYN | Flag.ACK }));
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.tcb('client').rcvNxt).toBe(301);
  });

  it('the full figure: the old SYN is reset at the server, the real SYN then completes the handshake', () => {
    // TCP A = client (ISS 100 in the RFC; 1000 here), TCP B = server (ISS 5000).
    const p = pair();
    // A's SYN is delayed (lost, then retransmitted at 1 s); an old duplicate SYN (seq 90) arrives first.
    p.drop = (_s, from, n) => from === 'client' && n === 0;
    p.connect();
    p.inject('server', p.segmentFrom('client', { seq: 900, flags: Flag.SYN, mss: 1460 }));
    p.advance(1100);
    expect(p.ladder()).toEqual([
      '0 client [SYN] seq=1000 ack=0 len=0 DROPPED',
      // B answers the old SYN …
      '0 server [SYN,ACK] seq=5000 ack=901 len=0',
      // … A, in SYN_SENT, sees an ACK of something it never sent: RST <SEQ=SEG.ACK> …
      '10 client [RST] seq=901 ack=0 len=0',
      // … which returns B to LISTEN. A's (retransmitted) SYN then opens normally.
      '1000 client [SYN] seq=1000 ack=0 len=0',
      '1010 server [SYN,ACK] seq=5000 ack=1001 len=0',
      '1020 client [ACK] seq=1001 ack=5001 len=0',
    ]);
    expect(p.states.server).toEqual([
      'CLOSED',
      'LISTEN',
      'SYN_RECEIVED',
      'LISTEN',
      'SYN_RECEIVED',
      'ESTABLISHED',
    ]);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED']);
  });
});

describe('half-open connection discovery (RFC 9293 figure 10)', () => {
  it('a crashed peer reconnects: the survivor challenge-ACKs the SYN, gets RST <SEQ=SEG.ACK> and aborts', () => {
    // RFC 6528 ISNs so that the reincarnated client picks a new ISS.
    const p = new Pair({ serverIsn: 5000, isnKey: [1, 2] });
    p.connect();
    p.advance(30);
    p.send('client', 100);
    p.send('server', 200);
    p.advance(30); // t = 60
    const oldIss = p.tcb('client').iss;
    const serverRcvNxt = p.tcb('server').rcvNxt;
    expect(serverRcvNxt).toBe((oldIss + 101) >>> 0);
    // Peer A crashes: its state is gone and nothing reaches B.
    p.drop = () => true;
    p.abort('client');
    p.drop = () => false;
    p.advance(940); // t = 1000
    const mark = p.mark();
    p.connect();
    const newIss = p.tcb('client').iss;
    expect(newIss).not.toBe(oldIss);
    p.advance(30);
    expect(p.ladderSince(mark)).toEqual([
      `1000 client [SYN] seq=${newIss} ack=0 len=0`,
      // B (ESTABLISHED) answers the SYN with a challenge ACK (RFC 5961 §4) …
      `1010 server [ACK] seq=5201 ack=${serverRcvNxt} len=0`,
      // … A (SYN_SENT) sees an unacceptable ACK: <SEQ=SEG.ACK><CTL=RST> …
      `1020 client [RST] seq=${serverRcvNxt} ack=0 len=0`,
    ]);
    // … which exactly matches B's RCV.NXT: B aborts.
    expect(p.states.server.slice(-2)).toEqual(['ESTABLISHED', 'CLOSED']);
    expect(p.tcb('server').closeReason).toBe('reset');
    expect(p.state('client')).toBe('SYN_SENT');
    // B listens again; A's retransmitted SYN then opens a fresh connection.
    p.openPassive('server');
    p.advance(2000);
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.state('server')).toBe('ESTABLISHED');
    expect(p.tcb('server').irs).toBe(newIss);
  });
});

describe('ABORT', () => {
  it('ESTABLISHED: ABORT sends <SEQ=SND.NXT><CTL=RST>; the peer is told "connection reset"', () => {
    const p = established();
    p.send('client', 50);
    p.abort('client');
    p.advance(20);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,PSH] seq=1001 ack=5001 len=50',
      '30 client [RST] seq=1051 ack=0 len=0',
      '40 server [ACK] seq=5001 ack=1051 len=0',
      // The ACK of the data reaches the CLOSED client: <SEQ=SEG.ACK><CTL=RST>, harmless.
      '50 client [RST] seq=1051 ack=0 len=0',
    ]);
    expect(p.states.server.at(-1)).toBe('CLOSED');
    expect(p.outputsOf('server', 'error')).toEqual([{ type: 'error', error: 'connection reset' }]);
    expect(p.outputsOf('client', 'closed')).toEqual([{ type: 'closed', reason: 'aborted' }]);
  });

  it('ABORT stops every timer: nothing is retransmitted afterwards', () => {
    const p = established();
    p.drop = (_s, from) => from === 'server';
    p.send('client', 500);
    p.abort('client');
    const mark = p.mark();
    p.advance(1_000_000);
    expect(p.wire.slice(mark).filter((w) => w.from === 'client')).toEqual([]);
  });
});

describe('a segment for a connection that does not exist (§3.10.7.1 resetForClosed)', () => {
  const base = { srcAddr: '10.0.0.9', srcPort: 1234, dstAddr: '10.0.0.2', dstPort: 80, win: 1000 };

  it('a SYN gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, addresses swapped', () => {
    expect(resetForClosed({ ...base, seq: 777, ack: 0, flags: Flag.SYN })).toEqual({
      srcAddr: '10.0.0.2',
      srcPort: 80,
      dstAddr: '10.0.0.9',
      dstPort: 1234,
      win: 0,
      seq: 0,
      ack: 778,
      flags: Flag.RST | Flag.ACK,
    });
  });

  it('SEG.LEN counts data, SYN and FIN, modulo 2^32', () => {
    const r = resetForClosed({
      ...base,
      seq: 0xffff_fffe,
      ack: 0,
      flags: Flag.SYN | Flag.FIN,
      data: pattern(3),
    });
    expect(r?.ack).toBe(3);
    expect(resetForClosed({ ...base, seq: 10, ack: 0, flags: Flag.FIN })?.ack).toBe(11);
    expect(resetForClosed({ ...base, seq: 10, ack: 0, flags: 0, data: pattern(5) })?.ack).toBe(15);
  });

  it('a segment with ACK gets <SEQ=SEG.ACK><CTL=RST>', () => {
    expect(resetForClosed({ ...base, seq: 1, ack: 4242, flags: Flag.ACK, data: pattern(20) })).toMatchObject({
      seq: 4242,
      ack: 0,
      flags: Flag.RST,
    });
    expect(resetForClosed({ ...base, seq: 1, ack: 4242, flags: Flag.FIN | Flag.ACK })?.flags).toBe(Flag.RST);
  });

  it('a RST is never answered', () => {
    expect(resetForClosed({ ...base, seq: 1, ack: 0, flags: Flag.RST })).toBeUndefined();
    expect(resetForClosed({ ...base, seq: 1, ack: 5, flags: Flag.RST | Flag.ACK })).toBeUndefined();
  });

  it('a CLOSED connection answers exactly that on the wire', () => {
    const p = pair({ noListen: true });
    const segments = [
      p.segmentFrom('client', { seq: 1000, flags: Flag.SYN }),
      p.segmentFrom('client', { seq: 1001, ack: 5001, flags: Flag.ACK, data: pattern(10) }),
      p.segmentFrom('client', { seq: 1001, ack: 5001, flags: Flag.FIN | Flag.ACK }),
    ];
    for (const s of segments) p.inject('server', s);
    expect(p.ladder()).toEqual([
      '0 server [ACK,RST] seq=0 ack=1001 len=0',
      '0 server [RST] seq=5001 ack=0 len=0',
      '0 server [RST] seq=5001 ack=0 len=0',
    ]);
    for (let i = 0; i < segments.length; i++) expect(p.wire[i].segment).toEqual(resetForClosed(segments[i]));
  });
});

describe('data for a connection the application closed (Linux TCPAbortOnData)', () => {
  /** The client closed (close() when `orphan`, else a half-close) and its FIN is ACKed: FIN_WAIT_2. */
  function clientClosed(profile: string, orphan: boolean): Pair {
    const p = established({ profile });
    p.endpoint('client').send({ type: 'CLOSE', now: p.clock.now(), orphan });
    p.advance(50);
    expect(p.state('client')).toBe('FIN_WAIT_2');
    p.drop = () => true;
    return p;
  }

  function dataFromServer(p: Pair): void {
    const t = p.tcb('client');
    const data = new Uint8Array(100);
    p.inject(
      'client',
      p.segmentFrom('server', { seq: t.rcvNxt, ack: t.sndNxt, flags: Flag.ACK | Flag.PSH, data }),
    );
  }

  it('linux, after close(): new data in FIN_WAIT_2 is answered <SEQ=SEG.ACK><CTL=RST> and the connection ends', () => {
    const p = clientClosed('linux', true);
    const sndNxt = p.tcb('client').sndNxt;
    const mark = p.mark();
    dataFromServer(p);
    const sent = p.wire.slice(mark).filter((w) => w.from === 'client');
    expect(sent.map((w) => [w.segment.flags, w.segment.seq])).toEqual([[Flag.RST, sndNxt]]);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.tcb('client').closeReason).toBe('reset');
  });

  it('linux, after a half-close (SHUT_WR): the same data is received and ACKed', () => {
    const p = clientClosed('linux', false);
    dataFromServer(p);
    expect(p.state('client')).toBe('FIN_WAIT_2');
    expect(p.received.client).toHaveLength(100);
  });

  it('rfc9293, after close(): the text is processed as in ESTABLISHED (§3.10.7.4 seventh)', () => {
    const p = clientClosed('rfc9293', true);
    dataFromServer(p);
    expect(p.state('client')).toBe('FIN_WAIT_2');
  });
});
