/**
 * One test (at least) per transition of the RFC 9293 state diagram (figure 5
 * plus the arrows §3.10.7 adds), i.e. per guarded edge of `connectionMachine`,
 * plus the self-loops that matter. Each test is a packetdrill-style timeline:
 * act, advance the virtual clock, assert the exact segments and the states.
 * The last block checks that the edges exercised here are exactly the
 * machine's edges, so a new edge cannot go untested.
 */
import { describe, expect, it } from 'vitest';
import { type AnyStateNode, createActor } from 'xstate';
import { VirtualClock } from '../src/clock.js';
import { connectionMachine } from '../src/machine/machine.js';
import { SYNCHRONIZED_STATES, TCP_STATES, type TcpState } from '../src/machine/states.js';
import { TRANSITION_TABLE } from '../src/machine/table-engine.js';
import { connectTimeout, getProfile, halfOpenLifetime } from '../src/profiles.js';
import { Flag, type Segment } from '../src/segment.js';
import type { TcpEventType } from '../src/tcb/tcb.js';
import { CLIENT, Pair, type PairOptions, pattern, SERVER } from './pair.js';

const ISN = { clientIsn: 1000, serverIsn: 5000 };
const HANDSHAKE = [
  '0 client [SYN] seq=1000 ack=0 len=0',
  '10 server [SYN,ACK] seq=5000 ack=1001 len=0',
  '20 client [ACK] seq=1001 ack=5001 len=0',
];

function pair(options: PairOptions = {}): Pair {
  return new Pair({ ...ISN, ...options });
}

/** Both sides ESTABLISHED at t = 30 (rfc9293 profile unless told otherwise). */
function established(options: PairOptions = {}): Pair {
  const p = pair(options);
  p.connect();
  p.advance(30);
  expect(p.state('client')).toBe('ESTABLISHED');
  expect(p.state('server')).toBe('ESTABLISHED');
  return p;
}

const covered = new Set<string>();

/** Declares a test that exercises the edge `from --event--> to`. */
function edge(from: TcpState, event: string, to: TcpState, title: string, fn: () => void): void {
  covered.add(`${from} --${event}--> ${to}`);
  it(`${from} → ${to} on ${event}: ${title}`, fn);
}

describe('from CLOSED', () => {
  edge('CLOSED', 'OPEN_ACTIVE', 'SYN_SENT', 'active OPEN sends <SEQ=ISS><CTL=SYN> with our MSS', () => {
    const p = pair();
    p.connect();
    expect(p.state('client')).toBe('SYN_SENT');
    expect(p.ladder()).toEqual([HANDSHAKE[0]]);
    expect(p.wire[0].segment.mss).toBe(1460);
    expect(p.wire[0].segment.win).toBe(65_535);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT']);
  });

  edge('CLOSED', 'OPEN_PASSIVE', 'LISTEN', 'passive OPEN sends nothing', () => {
    const p = pair();
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN']);
    p.advance(10_000);
    expect(p.wire).toEqual([]);
  });
});

describe('reopening a CLOSED connection', () => {
  it('OPEN after a full close starts from a fresh TCB (RFC 9293 §3.10.1: OPEN creates a new TCB)', () => {
    const p = established();
    p.send('client', 100);
    p.send('server', 100);
    p.advance(20);
    p.close('client');
    p.advance(20);
    p.close('server');
    p.advance(240_100);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.state('server')).toBe('CLOSED');
    // A second incarnation of the same 4-tuple (same fixed ISNs).
    p.openPassive('server');
    const t0 = p.clock.now();
    const mark = p.mark();
    p.connect();
    p.advance(30);
    expect(p.ladderSince(mark)).toEqual([
      `${t0} client [SYN] seq=1000 ack=0 len=0`,
      `${t0 + 10} server [SYN,ACK] seq=5000 ack=1001 len=0`,
      `${t0 + 20} client [ACK] seq=1001 ack=5001 len=0`,
    ]);
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.state('server')).toBe('ESTABLISHED');
    // Nothing of the old connection's FIN survives: 100 bytes go out without a FIN.
    p.send('client', 100, 1000);
    p.send('server', 100, 2000);
    p.advance(30);
    expect(p.ladderSince(mark + 3)).toEqual([
      `${t0 + 30} client [ACK,PSH] seq=1001 ack=5001 len=100`,
      `${t0 + 30} server [ACK,PSH] seq=5001 ack=1001 len=100`,
      `${t0 + 40} server [ACK] seq=5101 ack=1101 len=0`,
      `${t0 + 40} client [ACK] seq=1101 ack=5101 len=0`,
    ]);
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.state('server')).toBe('ESTABLISHED');
    expect(p.received.server.slice(100)).toEqual([...pattern(100, 1000)]);
    expect(p.received.client.slice(100)).toEqual([...pattern(100, 2000)]);
    for (const side of ['client', 'server'] as const) {
      expect(p.tcb(side).peerFinReceived).toBe(false);
      expect(p.tcb(side).closeReason).toBeUndefined();
    }
  });

  it('a reopened connection takes a fresh first RTT sample (SRTT = R, not smoothed with the old one)', () => {
    const p = pair({ delay: 300 });
    p.connect();
    p.advance(900);
    expect(p.tcb('client').rtt.srtt).toBe(600);
    p.abort('client');
    p.advance(1000);
    p.delay = 10;
    p.openPassive('server');
    p.connect();
    p.advance(30);
    expect(p.state('client')).toBe('ESTABLISHED');
    expect([p.tcb('client').rtt.srtt, p.tcb('client').rtt.rttvar]).toEqual([20, 10]);
  });
});

describe('from LISTEN', () => {
  /** The ACK a client sends after a cookie SYN-ACK: its ISN 1000, the cookie 5000. */
  const cookieAck = (flags: number, data?: Uint8Array): Segment => ({
    srcAddr: CLIENT.addr,
    srcPort: CLIENT.port,
    dstAddr: SERVER.addr,
    dstPort: SERVER.port,
    seq: 1001,
    ack: 5001,
    flags,
    win: 65_535,
    ...(data ? { data } : {}),
  });

  edge(
    'LISTEN',
    'COOKIE_ACK',
    'ESTABLISHED',
    'an ACK whose SYN cookie validated rebuilds the TCB from the ACK',
    () => {
      const p = pair();
      p.server.send({ type: 'COOKIE_ACK', now: 0, segment: cookieAck(Flag.ACK), mss: 1300 });
      expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'ESTABLISHED']);
      const t = p.tcb('server');
      expect([t.irs, t.rcvNxt, t.iss, t.sndUna, t.sndNxt]).toEqual([1000, 1001, 5000, 5001, 5001]);
      // The MSS comes from the cookie's table index, not from a SYN we no longer have.
      expect(t.sendMss).toBe(1300);
      expect(p.outputs.server.map((o) => o.type)).toEqual(['connected']);
      expect(p.wire).toEqual([]);
    },
  );

  edge(
    'LISTEN',
    'COOKIE_ACK',
    'CLOSE_WAIT',
    'a cookie ACK carrying data and FIN is processed like any segment',
    () => {
      const p = pair();
      p.server.send({
        type: 'COOKIE_ACK',
        now: 0,
        segment: cookieAck(Flag.ACK | Flag.FIN, pattern(3)),
        mss: 1460,
      });
      expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'CLOSE_WAIT']);
      expect(p.received.server).toEqual([...pattern(3)]);
      expect(p.ladder()).toEqual(['0 server [ACK] seq=5001 ack=1005 len=0']);
    },
  );

  edge(
    'LISTEN',
    'SEGMENT_ARRIVES',
    'SYN_RECEIVED',
    'rcv SYN / snd <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>',
    () => {
      const p = pair();
      p.connect();
      p.advance(10);
      expect(p.state('server')).toBe('SYN_RECEIVED');
      expect(p.ladder()).toEqual(HANDSHAKE.slice(0, 2));
      expect(p.wire[1].segment.mss).toBe(1460);
      expect(p.tcb('server').irs).toBe(1000);
      expect(p.tcb('server').rcvNxt).toBe(1001);
    },
  );

  edge('LISTEN', 'SEND', 'SYN_SENT', 'SEND with a known foreign socket turns the passive open active', () => {
    const p = pair();
    p.openPassive('client');
    p.send('server', 100);
    expect(p.state('server')).toBe('SYN_SENT');
    p.advance(40);
    expect(p.ladder()).toEqual([
      '0 server [SYN] seq=5000 ack=0 len=0',
      '10 client [SYN,ACK] seq=1000 ack=5001 len=0',
      // The queued data rides on the third segment of the handshake.
      '20 server [ACK,PSH] seq=5001 ack=1001 len=100',
      '30 client [ACK] seq=1001 ack=5101 len=0',
    ]);
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_SENT', 'ESTABLISHED']);
    expect(p.states.client).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED']);
    expect(p.received.client).toEqual([...pattern(100)]);
  });

  edge('LISTEN', 'OPEN_ACTIVE', 'SYN_SENT', 'active OPEN with the foreign socket specified (§3.10.1)', () => {
    const p = pair();
    p.openPassive('client');
    p.openActive('server');
    expect(p.outputsOf('server', 'error')).toEqual([]);
    p.advance(30);
    expect(p.ladder()).toEqual([
      '0 server [SYN] seq=5000 ack=0 len=0',
      '10 client [SYN,ACK] seq=1000 ack=5001 len=0',
      '20 server [ACK] seq=5001 ack=1001 len=0',
    ]);
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_SENT', 'ESTABLISHED']);
  });

  it('LISTEN: active OPEN without a foreign socket reports "foreign socket unspecified"', () => {
    const p = pair();
    p.drop = (_s, from, n) => from === 'client' && n > 0;
    p.connect();
    p.advance(10);
    p.inject('server', p.segmentFrom('client', { seq: 1001, flags: Flag.RST })); // back to LISTEN, remote forgotten
    expect(p.state('server')).toBe('LISTEN');
    p.openActive('server');
    expect(p.state('server')).toBe('LISTEN');
    expect(p.outputsOf('server', 'error')).toEqual([{ type: 'error', error: 'foreign socket unspecified' }]);
  });

  edge('LISTEN', 'CLOSE', 'CLOSED', 'CLOSE deletes the TCB', () => {
    const p = pair();
    p.close('server');
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'CLOSED']);
    expect(p.outputsOf('server', 'closed')).toEqual([{ type: 'closed', reason: 'normal' }]);
    expect(p.wire).toEqual([]);
  });

  edge('LISTEN', 'ABORT', 'CLOSED', 'ABORT deletes the TCB without a RST', () => {
    const p = pair();
    p.abort('server');
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'CLOSED']);
    expect(p.outputsOf('server', 'closed')).toEqual([{ type: 'closed', reason: 'aborted' }]);
    expect(p.wire).toEqual([]);
  });
});

describe('from SYN_SENT', () => {
  edge('SYN_SENT', 'SEGMENT_ARRIVES', 'ESTABLISHED', 'rcv SYN,ACK / snd ACK', () => {
    const p = pair();
    p.connect();
    p.advance(20);
    expect(p.ladder()).toEqual(HANDSHAKE);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED']);
    expect(p.outputsOf('client', 'connected')).toHaveLength(1);
    expect(p.tcb('client').sndUna).toBe(1001);
    expect(p.tcb('client').rcvNxt).toBe(5001);
  });

  edge(
    'SYN_SENT',
    'SEGMENT_ARRIVES',
    'SYN_RECEIVED',
    'simultaneous open: both sides end ESTABLISHED (figure 7)',
    () => {
      const p = pair({ noListen: true });
      p.openActive('client');
      p.openActive('server');
      p.advance(30);
      expect(p.ladder()).toEqual([
        '0 client [SYN] seq=1000 ack=0 len=0',
        '0 server [SYN] seq=5000 ack=0 len=0',
        '10 server [SYN,ACK] seq=5000 ack=1001 len=0',
        '10 client [SYN,ACK] seq=1000 ack=5001 len=0',
      ]);
      for (const side of ['client', 'server'] as const) {
        expect(p.states[side]).toEqual(['CLOSED', 'SYN_SENT', 'SYN_RECEIVED', 'ESTABLISHED']);
        expect(p.outputsOf(side, 'connected')).toHaveLength(1);
      }
      // The connection works both ways and no timer keeps retransmitting the SYN.
      p.send('client', 10);
      p.send('server', 20);
      p.advance(5000);
      expect(p.received.server).toEqual([...pattern(10)]);
      expect(p.received.client).toEqual([...pattern(20)]);
      expect(p.wire.filter((w) => w.retransmit)).toEqual([]);
    },
  );

  edge('SYN_SENT', 'SEGMENT_ARRIVES', 'CLOSED', 'rcv RST acking our SYN: connection refused', () => {
    const p = pair({ noListen: true });
    p.connect();
    p.advance(30);
    expect(p.ladder()).toEqual([HANDSHAKE[0], '10 server [ACK,RST] seq=0 ack=1001 len=0']);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('refused');
    expect(p.outputsOf('client', 'error')).toEqual([{ type: 'error', error: 'connection reset' }]);
    expect(p.outputsOf('client', 'closed')).toEqual([{ type: 'closed', reason: 'refused' }]);
    p.advance(10_000);
    expect(p.wire).toHaveLength(2); // no SYN retransmission after the refusal
  });

  edge('SYN_SENT', 'RTO_TIMEOUT', 'CLOSED', 'SYN retries exhausted', () => {
    const p = pair({ noListen: true, profile: 'rfc9293' });
    p.drop = () => true;
    p.connect();
    const limit = connectTimeout(p.profile);
    p.advance(limit - 1);
    expect(p.state('client')).toBe('SYN_SENT');
    p.advance(1);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('timeout');
    expect(p.outputsOf('client', 'closed')).toEqual([{ type: 'closed', reason: 'timeout' }]);
  });

  edge(
    'SYN_SENT',
    'CLOSE',
    'CLOSED',
    'CLOSE deletes the TCB; the late SYN,ACK is answered with a RST',
    () => {
      const p = pair();
      p.connect();
      p.close('client');
      expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
      p.advance(30);
      expect(p.ladder()).toEqual([HANDSHAKE[0], HANDSHAKE[1], '20 client [RST] seq=1001 ack=0 len=0']);
      // The RST returns the server's half-open connection to LISTEN.
      expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'LISTEN']);
    },
  );

  it('CLOSE in SYN_SENT with queued SENDs: "error: closing" for them (RFC 9293 §3.10.4), none is sent', () => {
    const p = pair({ noListen: true });
    p.connect();
    p.send('client', 300);
    p.send('client', 200);
    p.close('client');
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
    expect(p.outputs.client.filter((o) => o.type !== 'segment')).toEqual([
      { type: 'error', error: 'connection closing', discarded: 500 },
      { type: 'closed', reason: 'normal' },
    ]);
    p.advance(10_000);
    expect(p.sentBy('client').filter((w) => (w.segment.data?.length ?? 0) > 0)).toEqual([]);
  });

  edge('SYN_SENT', 'ABORT', 'CLOSED', 'ABORT sends no RST (nothing synchronized yet)', () => {
    const p = pair({ noListen: true });
    p.connect();
    p.abort('client');
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'CLOSED']);
    expect(p.outputsOf('client', 'closed')).toEqual([{ type: 'closed', reason: 'aborted' }]);
    p.advance(10_000);
    // Only the CLOSED server's answer to the SYN; the closed client does not answer a RST.
    expect(p.ladder()).toEqual([HANDSHAKE[0], '10 server [ACK,RST] seq=0 ack=1001 len=0']);
  });

  edge(
    'SYN_SENT',
    'SEGMENT_ARRIVES',
    'FIN_WAIT_1',
    'SYN,ACK with a FIN pending / snd ACK,FIN (TCB crafted)',
    () => {
      // No user call leaves a FIN pending in SYN-SENT (RFC 9293 §3.10.4: CLOSE there deletes
      // the TCB), so the rule is exercised on a crafted TCB: SYN_SENT with finSeq = SND.NXT.
      const p = pair();
      p.connect();
      const context = { ...p.tcb('client'), finSeq: 1001 };
      const clock = new VirtualClock();
      const actor = createActor(connectionMachine, {
        clock,
        input: { local: CLIENT, remote: SERVER, profile: p.profile, fixedIsn: 1000 },
        snapshot: connectionMachine.resolveState({ value: { open: 'SYN_SENT' }, context }),
      });
      const sent: Segment[] = [];
      actor.on('segment', (o) => sent.push(o.segment));
      actor.start();
      actor.send({
        type: 'SEGMENT_ARRIVES',
        now: 10,
        segment: p.segmentFrom('server', { seq: 5000, ack: 1001, flags: Flag.SYN | Flag.ACK, mss: 1460 }),
      });
      expect(actor.getSnapshot().value).toEqual({ open: { synchronized: 'FIN_WAIT_1' } });
      expect(sent.map((s) => [s.flags, s.seq, s.ack])).toEqual([[Flag.ACK | Flag.FIN, 1001, 5001]]);
      actor.stop();
    },
  );
});

describe('from SYN_RECEIVED', () => {
  edge('SYN_RECEIVED', 'SEGMENT_ARRIVES', 'ESTABLISHED', 'rcv ACK of SYN', () => {
    const p = pair();
    p.connect();
    p.advance(30);
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED']);
    expect(p.outputsOf('server', 'connected')).toHaveLength(1);
    expect(p.tcb('server').sndUna).toBe(5001);
  });

  edge(
    'SYN_RECEIVED',
    'SEGMENT_ARRIVES',
    'FIN_WAIT_1',
    'rcv ACK of SYN with CLOSE pending / snd data,FIN',
    () => {
      const p = pair();
      p.drop = (_s, from, n) => from === 'client' && n === 1; // the handshake's ACK is lost
      p.connect();
      p.advance(10);
      // SEND and CLOSE in SYN-RECEIVED: the data waits for ESTABLISHED, so the FIN waits too.
      p.send('server', 100);
      p.close('server');
      expect(p.state('server')).toBe('SYN_RECEIVED');
      p.advance(1050);
      expect(p.ladder()).toEqual([
        ...HANDSHAKE.slice(0, 2),
        '20 client [ACK] seq=1001 ack=5001 len=0 DROPPED',
        '1010 server [SYN,ACK] seq=5000 ack=1001 len=0',
        '1020 client [ACK] seq=1001 ack=5001 len=0',
        '1030 server [ACK,FIN,PSH] seq=5001 ack=1001 len=100',
        '1040 client [ACK] seq=1001 ack=5102 len=0',
      ]);
      expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'FIN_WAIT_1', 'FIN_WAIT_2']);
      expect(p.received.client).toEqual([...pattern(100)]);
      expect(p.state('client')).toBe('CLOSE_WAIT');
    },
  );

  edge(
    'SYN_RECEIVED',
    'SEGMENT_ARRIVES',
    'CLOSE_WAIT',
    'rcv ACK of SYN together with a FIN / snd ACK',
    () => {
      const p = pair();
      p.drop = (_s, from, n) => from === 'client' && n === 1;
      p.connect();
      p.advance(20);
      p.close('client');
      p.advance(30);
      expect(p.ladder()).toEqual([
        ...HANDSHAKE.slice(0, 2),
        '20 client [ACK] seq=1001 ack=5001 len=0 DROPPED',
        '20 client [ACK,FIN] seq=1001 ack=5001 len=0',
        '30 server [ACK] seq=5001 ack=1002 len=0',
      ]);
      expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'CLOSE_WAIT']);
      expect(p.outputsOf('server', 'peer-closed')).toHaveLength(1);
      expect(p.state('client')).toBe('FIN_WAIT_2');
    },
  );

  edge(
    'SYN_RECEIVED',
    'SEGMENT_ARRIVES',
    'LISTEN',
    'rcv RST (passive OPEN): back to LISTEN, SYN,ACK timer stopped',
    () => {
      const p = pair();
      p.drop = (_s, from, n) => from === 'client' && n > 0;
      p.connect();
      p.advance(10);
      p.inject('server', p.segmentFrom('client', { seq: 1001, flags: Flag.RST }));
      expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'LISTEN']);
      expect(p.outputsOf('server', 'closed')).toEqual([]);
      const mark = p.mark();
      p.advance(100_000);
      expect(p.sentBy('server').filter((w) => p.wire.indexOf(w) >= mark)).toEqual([]);
    },
  );

  edge(
    'SYN_RECEIVED',
    'SEGMENT_ARRIVES',
    'LISTEN',
    'rcv an in-window SYN (passive OPEN): back to LISTEN (§3.10.7.4 fourth)',
    () => {
      const p = pair();
      p.drop = (_s, from, n) => from === 'client' && n > 0;
      p.connect();
      p.advance(10);
      const mark = p.mark();
      p.inject('server', p.segmentFrom('client', { seq: 1500, flags: Flag.SYN }));
      expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'LISTEN']);
      expect(p.ladderSince(mark)).toEqual([]);
    },
  );

  edge(
    'SYN_RECEIVED',
    'SEGMENT_ARRIVES',
    'CLOSED',
    'rcv RST on a listener child (no return to LISTEN)',
    () => {
      const p = pair({ returnToListen: false });
      p.connect();
      p.advance(10);
      p.inject('server', p.segmentFrom('client', { seq: 1001, flags: Flag.RST }));
      expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'CLOSED']);
      expect(p.tcb('server').closeReason).toBe('reset');
    },
  );

  edge(
    'SYN_RECEIVED',
    'SEGMENT_ARRIVES',
    'CLOSED',
    'rcv RST after a simultaneous open: connection refused',
    () => {
      const p = pair({ noListen: true });
      p.drop = (_s, from) => from === 'server';
      p.openActive('client');
      p.inject('client', p.segmentFrom('server', { seq: 5000, flags: Flag.SYN, mss: 1460 }));
      expect(p.state('client')).toBe('SYN_RECEIVED');
      p.inject('client', p.segmentFrom('server', { seq: 5001, flags: Flag.RST }));
      expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'SYN_RECEIVED', 'CLOSED']);
      expect(p.tcb('client').closeReason).toBe('refused');
      expect(p.outputsOf('client', 'error')).toEqual([{ type: 'error', error: 'connection refused' }]);
    },
  );

  edge('SYN_RECEIVED', 'CLOSE', 'FIN_WAIT_1', 'CLOSE with nothing queued sends the FIN at once', () => {
    const p = pair();
    p.connect();
    p.advance(10);
    p.close('server');
    expect(p.state('server')).toBe('FIN_WAIT_1');
    p.advance(30);
    expect(p.ladder()).toEqual([
      ...HANDSHAKE.slice(0, 2),
      '10 server [ACK,FIN] seq=5001 ack=1001 len=0',
      '20 client [ACK] seq=1001 ack=5001 len=0',
      '20 client [ACK] seq=1001 ack=5002 len=0',
    ]);
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'FIN_WAIT_1', 'FIN_WAIT_2']);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'CLOSE_WAIT']);
  });

  it('after CLOSE in SYN_RECEIVED, a lost SYN,ACK is what the RTO retransmits (the earliest unacknowledged segment)', () => {
    const p = pair();
    p.drop = (_s, from, n) => from === 'server' && n === 0; // the SYN,ACK is lost
    p.connect();
    p.advance(10);
    p.close('server'); // FIN_WAIT_1 with our SYN still unacknowledged
    p.advance(1005); // t = 1015
    expect(p.ladder()).toEqual([
      '0 client [SYN] seq=1000 ack=0 len=0',
      '10 server [SYN,ACK] seq=5000 ack=1001 len=0 DROPPED',
      '10 server [ACK,FIN] seq=5001 ack=1001 len=0',
      // (the FIN reaches the client in SYN_SENT: no SYN bit, dropped)
      '1000 client [SYN] seq=1000 ack=0 len=0',
      '1010 server [SYN,ACK] seq=5000 ack=1001 len=0',
      '1010 server [ACK] seq=5002 ack=1001 len=0',
    ]);
    expect(p.wire[4].retransmit).toBe('SYN-ACK');
    p.advance(10_000);
    // The connection completes and closes the way the server asked.
    expect(p.state('client')).toBe('CLOSE_WAIT');
    expect(p.states.server.slice(-2)).toEqual(['FIN_WAIT_1', 'FIN_WAIT_2']);
    // Never a FIN on the SYN's sequence number.
    expect(p.sentBy('server').filter((w) => w.segment.seq === 5000 && w.segment.flags & Flag.FIN)).toEqual(
      [],
    );
  });

  edge('SYN_RECEIVED', 'RTO_TIMEOUT', 'CLOSED', 'SYN,ACK retries exhausted (half-open lifetime)', () => {
    const p = pair({ profile: 'linux' });
    p.drop = (_s, from, n) => from === 'client' && n > 0;
    p.connect();
    const lifetime = halfOpenLifetime(p.profile);
    expect(lifetime).toBe(63_000);
    p.advance(10 + lifetime - 1);
    expect(p.state('server')).toBe('SYN_RECEIVED');
    p.advance(1);
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'CLOSED']);
    expect(p.tcb('server').closeReason).toBe('timeout');
  });

  edge('SYN_RECEIVED', 'ABORT', 'CLOSED', 'ABORT sends <SEQ=SND.NXT><CTL=RST>', () => {
    const p = pair();
    p.connect();
    p.advance(10);
    p.abort('server');
    p.advance(20);
    expect(p.ladder()).toEqual([
      ...HANDSHAKE.slice(0, 2),
      '10 server [RST] seq=5001 ack=0 len=0',
      '20 client [ACK] seq=1001 ack=5001 len=0',
      // The handshake ACK reaches the CLOSED server: <SEQ=SEG.ACK><CTL=RST>.
      '30 server [RST] seq=5001 ack=0 len=0',
    ]);
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'CLOSED']);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('reset');
  });
});

describe('from ESTABLISHED', () => {
  edge('ESTABLISHED', 'SEGMENT_ARRIVES', 'CLOSE_WAIT', 'rcv FIN / snd ACK', () => {
    const p = established();
    p.close('client');
    p.advance(20);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      '40 server [ACK] seq=5001 ack=1002 len=0',
    ]);
    expect(p.states.server.at(-1)).toBe('CLOSE_WAIT');
    expect(p.outputsOf('server', 'peer-closed')).toHaveLength(1);
  });

  edge('ESTABLISHED', 'SEGMENT_ARRIVES', 'CLOSED', 'rcv RST: connection reset', () => {
    const p = established();
    p.abort('client');
    p.advance(20);
    expect(p.ladderSince(3)).toEqual(['30 client [RST] seq=1001 ack=0 len=0']);
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSED']);
    expect(p.tcb('server').closeReason).toBe('reset');
    expect(p.outputsOf('server', 'error')).toEqual([{ type: 'error', error: 'connection reset' }]);
  });

  edge('ESTABLISHED', 'CLOSE', 'FIN_WAIT_1', 'CLOSE / snd FIN', () => {
    const p = established();
    p.close('client');
    expect(p.state('client')).toBe('FIN_WAIT_1');
    expect(p.ladderSince(3)).toEqual(['30 client [ACK,FIN] seq=1001 ack=5001 len=0']);
  });

  edge('ESTABLISHED', 'RTO_TIMEOUT', 'CLOSED', 'data retries exhausted', () => {
    const p = established();
    p.drop = (_s, from) => from === 'server';
    p.send('client', 100);
    p.advance(663_000 - 1);
    expect(p.state('client')).toBe('ESTABLISHED');
    p.advance(1);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.tcb('client').closeReason).toBe('timeout');
    expect(p.outputsOf('client', 'retransmit')).toHaveLength(15);
  });

  edge('ESTABLISHED', 'ABORT', 'CLOSED', 'ABORT sends <SEQ=SND.NXT><CTL=RST>', () => {
    const p = established();
    p.send('client', 10);
    p.abort('client');
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,PSH] seq=1001 ack=5001 len=10',
      '30 client [RST] seq=1011 ack=0 len=0',
    ]);
    expect(p.states.client.at(-1)).toBe('CLOSED');
    expect(p.tcb('client').closeReason).toBe('aborted');
  });
});

describe('from FIN_WAIT_1', () => {
  edge('FIN_WAIT_1', 'SEGMENT_ARRIVES', 'FIN_WAIT_2', 'rcv ACK of FIN', () => {
    const p = established();
    p.close('client');
    p.advance(20);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2']);
  });

  edge('FIN_WAIT_1', 'SEGMENT_ARRIVES', 'CLOSING', 'rcv FIN (simultaneous close) / snd ACK', () => {
    const p = established();
    p.close('client');
    p.close('server');
    p.advance(10);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      '30 server [ACK,FIN] seq=5001 ack=1001 len=0',
      '40 server [ACK] seq=5002 ack=1002 len=0',
      '40 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    expect(p.state('client')).toBe('CLOSING');
    expect(p.state('server')).toBe('CLOSING');
  });

  edge('FIN_WAIT_1', 'SEGMENT_ARRIVES', 'TIME_WAIT', 'rcv FIN,ACK acking our FIN / snd ACK', () => {
    const p = established({ profile: 'linux' });
    p.close('client');
    p.advance(10); // t = 40: the server has seen the FIN; its ACK is delayed
    p.close('server');
    p.advance(20);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      '40 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '50 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'TIME_WAIT']);
  });

  edge('FIN_WAIT_1', 'SEGMENT_ARRIVES', 'CLOSED', 'rcv RST', () => {
    const p = established();
    p.close('client');
    p.abort('server');
    p.advance(10);
    expect(p.ladderSince(3)).toEqual([
      '30 client [ACK,FIN] seq=1001 ack=5001 len=0',
      '30 server [RST] seq=5001 ack=0 len=0',
      // The FIN reaches a CLOSED server: <SEQ=SEG.ACK><CTL=RST> (§3.10.7.1), ignored by the closed client.
      '40 server [RST] seq=5001 ack=0 len=0',
    ]);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('reset');
  });

  edge('FIN_WAIT_1', 'RTO_TIMEOUT', 'CLOSED', 'FIN retries exhausted', () => {
    const p = established();
    p.drop = (_s, from) => from === 'server';
    p.close('client');
    p.advance(663_000 - 1);
    expect(p.state('client')).toBe('FIN_WAIT_1');
    p.advance(1);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.tcb('client').closeReason).toBe('timeout');
    expect(p.sentBy('client').filter((w) => w.retransmit === 'FIN')).toHaveLength(15);
  });

  edge('FIN_WAIT_1', 'ABORT', 'CLOSED', 'ABORT sends a RST after the FIN', () => {
    const p = established();
    p.close('client');
    p.abort('client');
    expect(p.ladderSince(4)).toEqual(['30 client [RST] seq=1002 ack=0 len=0']);
    expect(p.states.client.at(-1)).toBe('CLOSED');
  });
});

describe('from FIN_WAIT_2', () => {
  function finWait2(options: PairOptions = {}): Pair {
    const p = established(options);
    p.close('client');
    // The FIN reaches the server at t = 40; linux: the server, which has received no data, ACKs it
    // on the next timer tick (Linux's ATO is still 0: conformance/close-passive.pkt), at 44; here 54.
    p.advance(options.profile === 'linux' ? 24 : 20);
    expect(p.state('client')).toBe('FIN_WAIT_2');
    return p;
  }

  edge('FIN_WAIT_2', 'SEGMENT_ARRIVES', 'TIME_WAIT', 'rcv FIN / snd ACK', () => {
    const p = finWait2();
    p.close('server');
    p.advance(20);
    expect(p.ladderSince(5)).toEqual([
      '50 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '60 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    expect(p.states.client.slice(-2)).toEqual(['FIN_WAIT_2', 'TIME_WAIT']);
  });

  edge('FIN_WAIT_2', 'SEGMENT_ARRIVES', 'CLOSED', 'rcv RST', () => {
    const p = finWait2();
    p.abort('server');
    p.advance(10);
    expect(p.ladderSince(5)).toEqual(['50 server [RST] seq=5001 ack=0 len=0']);
    expect(p.states.client.slice(-2)).toEqual(['FIN_WAIT_2', 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('reset');
  });

  edge('FIN_WAIT_2', 'ABORT', 'CLOSED', 'ABORT sends a RST', () => {
    const p = finWait2();
    p.abort('client');
    expect(p.ladderSince(5)).toEqual(['50 client [RST] seq=1002 ack=0 len=0']);
    expect(p.state('client')).toBe('CLOSED');
  });

  edge(
    'FIN_WAIT_2',
    'FIN_WAIT_2_TIMEOUT',
    'CLOSED',
    'linux: the application closed and the peer never does: dropped silently after tcp_fin_timeout (60 s)',
    () => {
      const p = finWait2({ profile: 'linux' });
      const entered = p.clock.now(); // the ACK of our FIN arrived at t = 54
      expect(entered).toBe(54);
      p.advance(59_999);
      expect(p.state('client')).toBe('FIN_WAIT_2');
      p.advance(1);
      expect(p.state('client')).toBe('CLOSED');
      expect(p.tcb('client').closeReason).toBe('timeout');
      expect(p.outputsOf('client', 'closed')).toEqual([{ type: 'closed', reason: 'timeout' }]);
      // No segment: Linux frees the FIN_WAIT_2 socket without a RST (inet_twsk_kill).
      expect(p.sentBy('client').filter((w) => w.t > entered)).toEqual([]);
      expect(p.clock.pending).toBe(0);
    },
  );

  it('linux: a FIN before the FIN_WAIT_2 timeout moves to TIME_WAIT and the timer is gone', () => {
    const p = finWait2({ profile: 'linux' });
    p.advance(30_000);
    p.close('server');
    p.advance(100);
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(40_000); // past the FIN_WAIT_2 deadline: TIME_WAIT is unaffected
    expect(p.state('client')).toBe('TIME_WAIT');
    expect(p.tcb('client').closeReason).toBeUndefined();
  });

  it('FIN_WAIT_2 has nothing to retransmit: no RTO runs and the state waits for the peer (RFC 9293)', () => {
    const p = finWait2();
    expect(p.tcb('client').rtoArmed).toBe(false);
    p.advance(3_600_000);
    expect(p.state('client')).toBe('FIN_WAIT_2');
    expect(p.ladder()).toHaveLength(5);
  });
});

describe('from CLOSE_WAIT', () => {
  function closeWait(options: PairOptions = {}): Pair {
    const p = established(options);
    p.close('client');
    p.advance(10); // t = 40
    expect(p.state('server')).toBe('CLOSE_WAIT');
    return p;
  }

  edge('CLOSE_WAIT', 'CLOSE', 'LAST_ACK', 'CLOSE / snd FIN', () => {
    const p = closeWait();
    p.close('server');
    expect(p.state('server')).toBe('LAST_ACK');
    expect(p.ladderSince(5)).toEqual(['40 server [ACK,FIN] seq=5001 ack=1002 len=0']);
  });

  edge('CLOSE_WAIT', 'SEGMENT_ARRIVES', 'CLOSED', 'rcv RST', () => {
    const p = closeWait();
    p.advance(10);
    p.abort('client');
    p.advance(10);
    expect(p.ladderSince(5)).toEqual(['50 client [RST] seq=1002 ack=0 len=0']);
    expect(p.states.server.slice(-2)).toEqual(['CLOSE_WAIT', 'CLOSED']);
    expect(p.tcb('server').closeReason).toBe('reset');
  });

  edge('CLOSE_WAIT', 'RTO_TIMEOUT', 'CLOSED', 'data sent after the peer closed is never acknowledged', () => {
    const p = closeWait();
    p.drop = (_s, from) => from === 'client';
    p.send('server', 100);
    p.advance(663_000 - 1);
    expect(p.state('server')).toBe('CLOSE_WAIT');
    p.advance(1);
    expect(p.state('server')).toBe('CLOSED');
    expect(p.tcb('server').closeReason).toBe('timeout');
  });

  edge('CLOSE_WAIT', 'ABORT', 'CLOSED', 'ABORT sends a RST', () => {
    const p = closeWait();
    p.abort('server');
    expect(p.ladderSince(5)).toEqual(['40 server [RST] seq=5001 ack=0 len=0']);
    expect(p.state('server')).toBe('CLOSED');
  });
});

describe('from CLOSING', () => {
  /** Simultaneous close whose ACKs are lost: both sides CLOSING at t = 40. */
  function closing(): Pair {
    const p = established();
    p.drop = (s) => s.flags === Flag.ACK;
    p.close('client');
    p.close('server');
    p.advance(10);
    expect(p.state('client')).toBe('CLOSING');
    expect(p.state('server')).toBe('CLOSING');
    return p;
  }

  edge('CLOSING', 'SEGMENT_ARRIVES', 'TIME_WAIT', 'rcv ACK of FIN', () => {
    const p = established();
    p.close('client');
    p.close('server');
    p.advance(20);
    for (const side of ['client', 'server'] as const) {
      expect(p.states[side].slice(-3)).toEqual(['FIN_WAIT_1', 'CLOSING', 'TIME_WAIT']);
    }
  });

  edge('CLOSING', 'SEGMENT_ARRIVES', 'CLOSED', 'rcv RST', () => {
    const p = closing();
    p.inject('client', p.segmentFrom('server', { seq: 5002, flags: Flag.RST }));
    expect(p.states.client.slice(-2)).toEqual(['CLOSING', 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('reset');
  });

  edge('CLOSING', 'RTO_TIMEOUT', 'CLOSED', 'FIN retries exhausted', () => {
    const p = closing();
    p.drop = () => true;
    p.advance(663_000);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.tcb('client').closeReason).toBe('timeout');
  });

  edge('CLOSING', 'ABORT', 'CLOSED', 'ABORT deletes the TCB without a RST', () => {
    const p = closing();
    const mark = p.mark();
    p.abort('client');
    expect(p.state('client')).toBe('CLOSED');
    expect(p.ladderSince(mark)).toEqual([]);
  });
});

describe('from LAST_ACK', () => {
  function lastAck(): Pair {
    const p = established();
    p.close('client');
    p.advance(10);
    p.close('server'); // t = 40
    expect(p.state('server')).toBe('LAST_ACK');
    return p;
  }

  edge('LAST_ACK', 'SEGMENT_ARRIVES', 'CLOSED', 'rcv ACK of FIN / delete TCB', () => {
    const p = lastAck();
    p.advance(20);
    expect(p.ladderSince(5)).toEqual([
      '40 server [ACK,FIN] seq=5001 ack=1002 len=0',
      '50 client [ACK] seq=1002 ack=5002 len=0',
    ]);
    expect(p.states.server.slice(-2)).toEqual(['LAST_ACK', 'CLOSED']);
    expect(p.tcb('server').closeReason).toBe('normal');
  });

  edge('LAST_ACK', 'SEGMENT_ARRIVES', 'CLOSED', 'rcv RST', () => {
    const p = lastAck();
    p.drop = () => true;
    p.inject('server', p.segmentFrom('client', { seq: 1002, flags: Flag.RST }));
    expect(p.states.server.slice(-2)).toEqual(['LAST_ACK', 'CLOSED']);
    expect(p.tcb('server').closeReason).toBe('reset');
  });

  edge('LAST_ACK', 'RTO_TIMEOUT', 'CLOSED', 'FIN retries exhausted', () => {
    const p = lastAck();
    p.drop = (_s, from) => from === 'client';
    p.advance(663_000);
    expect(p.state('server')).toBe('CLOSED');
    expect(p.tcb('server').closeReason).toBe('timeout');
  });

  edge('LAST_ACK', 'ABORT', 'CLOSED', 'ABORT deletes the TCB without a RST', () => {
    const p = lastAck();
    const mark = p.mark();
    p.abort('server');
    expect(p.state('server')).toBe('CLOSED');
    expect(p.ladderSince(mark)).toEqual([]);
  });
});

describe('from TIME_WAIT', () => {
  /** rfc9293 four-way close: the client enters TIME_WAIT at t = 60. */
  function timeWait(options: PairOptions = {}): Pair {
    const p = established(options);
    p.close('client');
    p.advance(20);
    p.close('server');
    p.advance(10);
    expect(p.state('client')).toBe('TIME_WAIT');
    return p;
  }

  edge('TIME_WAIT', 'SEGMENT_ARRIVES', 'TIME_WAIT', 'rcv retransmitted FIN / snd ACK, restart 2MSL', () => {
    const p = timeWait();
    const fin = p.segmentFrom('server', { seq: 5001, ack: 1002, flags: Flag.FIN | Flag.ACK });
    p.advance(1000); // t = 1060
    // The server is gone: its RST answering our re-ACK would (rightly) end TIME-WAIT early.
    p.drop = (_s, from) => from === 'client';
    const mark = p.mark();
    p.inject('client', fin);
    expect(p.ladderSince(mark)).toEqual(['1060 client [ACK] seq=1002 ack=5002 len=0 DROPPED']);
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(240_000 - 1);
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(1);
    expect(p.state('client')).toBe('CLOSED');
  });

  edge('TIME_WAIT', 'SEGMENT_ARRIVES', 'CLOSED', 'rcv RST', () => {
    const p = timeWait();
    p.inject('client', p.segmentFrom('server', { seq: 5002, flags: Flag.RST }));
    expect(p.states.client.slice(-2)).toEqual(['TIME_WAIT', 'CLOSED']);
    expect(p.tcb('client').closeReason).toBe('reset');
  });

  edge('TIME_WAIT', 'ABORT', 'CLOSED', 'ABORT deletes the TCB without a RST', () => {
    const p = timeWait();
    const mark = p.mark();
    p.abort('client');
    expect(p.state('client')).toBe('CLOSED');
    expect(p.ladderSince(mark)).toEqual([]);
  });

  edge('TIME_WAIT', 'after 2MSL', 'CLOSED', '240 s in rfc9293', () => {
    const p = timeWait();
    p.advance(240_000 - 1);
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(1);
    expect(p.state('client')).toBe('CLOSED');
    expect(p.outputsOf('client', 'closed')).toEqual([{ type: 'closed', reason: 'normal' }]);
  });

  edge('TIME_WAIT', 'after 2MSL', 'CLOSED', '60 s in linux (TCP_TIMEWAIT_LEN)', () => {
    const p = established({ profile: 'linux' });
    p.close('client');
    p.advance(10);
    p.close('server');
    p.advance(10); // t = 50: FIN,ACK received, client in TIME_WAIT
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(60_000 - 1);
    expect(p.state('client')).toBe('TIME_WAIT');
    p.advance(1);
    expect(p.state('client')).toBe('CLOSED');
  });
});

describe('self-loops', () => {
  it('CLOSED: SEND and CLOSE report "connection does not exist"; ABORT and RECEIVE do nothing', () => {
    const p = pair({ noListen: true });
    p.send('client', 10);
    p.close('client');
    p.abort('client');
    p.receive('client');
    expect(p.state('client')).toBe('CLOSED');
    expect(p.outputsOf('client', 'error')).toEqual([
      { type: 'error', error: 'connection does not exist' },
      { type: 'error', error: 'connection does not exist' },
    ]);
    expect(p.wire).toEqual([]);
  });

  it('CLOSED: an arriving RST is not answered', () => {
    const p = pair({ noListen: true });
    p.inject('server', p.segmentFrom('client', { seq: 1, flags: Flag.RST }));
    expect(p.wire).toEqual([]);
  });

  it('LISTEN: an incoming RST is ignored', () => {
    const p = pair();
    p.inject('server', p.segmentFrom('client', { seq: 1, ack: 2, flags: Flag.RST | Flag.ACK }));
    expect(p.state('server')).toBe('LISTEN');
    expect(p.wire).toEqual([]);
  });

  it('LISTEN: an ACK is answered with <SEQ=SEG.ACK><CTL=RST>', () => {
    const p = pair();
    p.inject('server', p.segmentFrom('client', { seq: 1001, ack: 777, flags: Flag.ACK }));
    expect(p.state('server')).toBe('LISTEN');
    expect(p.ladder()).toEqual(['0 server [RST] seq=777 ack=0 len=0']);
  });

  it('LISTEN: a segment with neither SYN, ACK nor RST is dropped', () => {
    const p = pair();
    p.inject('server', p.segmentFrom('client', { seq: 1001, flags: Flag.FIN }));
    expect(p.state('server')).toBe('LISTEN');
    expect(p.wire).toEqual([]);
  });

  it('OPEN in any state but CLOSED: "connection already exists"', () => {
    const p = established();
    p.openActive('client');
    p.openPassive('server');
    expect(p.state('client')).toBe('ESTABLISHED');
    expect(p.state('server')).toBe('ESTABLISHED');
    expect(p.outputsOf('client', 'error')).toEqual([{ type: 'error', error: 'connection already exists' }]);
    expect(p.outputsOf('server', 'error')).toEqual([{ type: 'error', error: 'connection already exists' }]);
  });

  it('SYN_SENT: SEND queues data; it rides on the third segment of the handshake', () => {
    const p = pair();
    p.connect();
    p.send('client', 100);
    expect(p.state('client')).toBe('SYN_SENT');
    p.advance(30);
    expect(p.ladder()).toEqual([
      HANDSHAKE[0],
      HANDSHAKE[1],
      '20 client [ACK,PSH] seq=1001 ack=5001 len=100',
      '30 server [ACK] seq=5001 ack=1101 len=0',
    ]);
    expect(p.received.server).toEqual([...pattern(100)]);
  });

  it('SYN_SENT: a RST that does not acknowledge our SYN is ignored', () => {
    const p = pair({ noListen: true });
    p.connect();
    p.inject('client', p.segmentFrom('server', { seq: 0, flags: Flag.RST }));
    expect(p.state('client')).toBe('SYN_SENT');
    expect(p.wire).toHaveLength(1);
  });

  it('SYN_SENT: an acceptable ACK without SYN is dropped', () => {
    const p = pair({ noListen: true });
    p.connect();
    p.inject('client', p.segmentFrom('server', { seq: 5000, ack: 1001, flags: Flag.ACK }));
    expect(p.state('client')).toBe('SYN_SENT');
    expect(p.wire).toHaveLength(1);
  });

  it('SYN_RECEIVED: a duplicate SYN is answered at once with a SYN,ACK (Linux)', () => {
    const p = pair({ profile: 'linux' });
    p.drop = (_s, from, n) => from === 'client' && n > 0;
    p.connect();
    p.advance(500);
    p.inject('server', p.wire[0].segment);
    expect(p.state('server')).toBe('SYN_RECEIVED');
    expect(p.ladderSince(3)).toEqual(['500 server [SYN,ACK] seq=5000 ack=1001 len=0']);
  });

  it('ESTABLISHED: data keeps the state; CLOSE twice reports "connection closing"', () => {
    const p = established();
    p.send('client', 5);
    p.advance(20);
    expect(p.states.client).toEqual(['CLOSED', 'SYN_SENT', 'ESTABLISHED']);
    p.close('client');
    p.close('client');
    expect(p.outputsOf('client', 'error')).toEqual([{ type: 'error', error: 'connection closing' }]);
  });

  it('FIN_WAIT_1 / FIN_WAIT_2 / TIME_WAIT: SEND reports "connection closing"', () => {
    const p = established();
    p.close('client');
    p.send('client', 1);
    p.advance(20);
    p.send('client', 1);
    p.close('server');
    p.advance(10);
    expect(p.state('client')).toBe('TIME_WAIT');
    p.send('client', 1);
    expect(p.outputsOf('client', 'error')).toHaveLength(3);
    expect(p.ladder().filter((l) => l.includes('len=1'))).toEqual([]);
  });

  /** Each scenario parks the client in one state (all eleven). */
  const SCENARIOS: [TcpState, (p: Pair) => void][] = [
    ['CLOSED', () => {}],
    ['LISTEN', (p) => p.openPassive('client')],
    ['SYN_SENT', (p) => p.connect()],
    [
      'SYN_RECEIVED',
      (p) => {
        p.openPassive('client');
        p.send('server', 5);
        p.advance(10);
      },
    ],
    [
      'ESTABLISHED',
      (p) => {
        p.connect();
        p.advance(30);
      },
    ],
    [
      'FIN_WAIT_1',
      (p) => {
        p.connect();
        p.advance(30);
        p.close('client');
      },
    ],
    [
      'FIN_WAIT_2',
      (p) => {
        p.connect();
        p.advance(30);
        p.close('client');
        p.advance(20);
      },
    ],
    [
      'CLOSE_WAIT',
      (p) => {
        p.connect();
        p.advance(30);
        p.close('server');
        p.advance(10);
      },
    ],
    [
      'CLOSING',
      (p) => {
        p.connect();
        p.advance(30);
        p.drop = (s) => s.flags === Flag.ACK;
        p.close('client');
        p.close('server');
        p.advance(10);
        p.drop = () => false;
      },
    ],
    [
      'LAST_ACK',
      (p) => {
        p.connect();
        p.advance(30);
        p.close('server');
        p.advance(10);
        p.close('client');
      },
    ],
    [
      'TIME_WAIT',
      (p) => {
        p.connect();
        p.advance(30);
        p.close('client');
        p.advance(20);
        p.close('server');
        p.advance(10);
      },
    ],
  ];

  it('every user call in every state is handled (never an undeclared transition)', () => {
    const calls: ((p: Pair) => void)[] = [
      (p) => p.openActive('client'),
      (p) => p.openPassive('client'),
      (p) => p.send('client', 3),
      (p) => p.receive('client'),
      (p) => p.close('client'),
      (p) => p.abort('client'),
    ];
    for (const [state, setup] of SCENARIOS) {
      for (const call of calls) {
        const p = pair();
        setup(p);
        expect(p.state('client')).toBe(state);
        expect(() => {
          call(p);
          p.advance(300_000);
        }).not.toThrow();
        expect(p.client.getSnapshot().status).toBe('active');
      }
    }
  });

  it('every kind of arriving segment in every state is handled (never an undeclared transition)', () => {
    const flagSets = [
      Flag.SYN,
      Flag.SYN | Flag.ACK,
      Flag.ACK,
      Flag.RST,
      Flag.RST | Flag.ACK,
      Flag.FIN | Flag.ACK,
      Flag.FIN,
      Flag.SYN | Flag.FIN,
    ];
    let cases = 0;
    for (const [state, setup] of SCENARIOS) {
      for (const flags of flagSets) {
        for (const dSeq of [0, -1, 100, 100_000]) {
          for (const dAck of [0, 1, -1, 2, -100_000]) {
            for (const withData of [false, true]) {
              const p = pair();
              setup(p);
              expect(p.state('client')).toBe(state);
              const t = p.tcb('client');
              const segment = p.segmentFrom('server', {
                seq: t.rcvNxt + dSeq,
                ack: t.sndUna + dAck,
                flags,
                ...(withData ? { data: pattern(20) } : {}),
              });
              expect(() => {
                p.inject('client', segment);
                p.advance(10_000);
              }).not.toThrow();
              expect(p.client.getSnapshot().status).toBe('active');
              expect(p.server.getSnapshot().status).toBe('active');
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBe(11 * 8 * 4 * 5 * 2);
  });
});

describe('socket behaviours (issue 25)', () => {
  edge('ESTABLISHED', 'CLOSE', 'CLOSED', 'close() with unread data sends RST (Linux tcp_close)', () => {
    const p = established({ profile: 'linux', serverAutoRead: false });
    p.send('client', 10);
    p.advance(20);
    const mark = p.mark();
    p.endpoint('server').send({ type: 'CLOSE', now: p.clock.now(), orphan: true });
    expect(p.ladderSince(mark)).toEqual(['50 server [ACK,RST] seq=5001 ack=1011 len=0']);
    expect(p.tcb('server').closeReason).toBe('aborted');
  });

  edge('ESTABLISHED', 'KEEPALIVE_TIMEOUT', 'CLOSED', 'unanswered keepalive probes: RST, timeout', () => {
    const profile = getProfile('linux', {
      keepalive: true,
      keepaliveIdle: 1000,
      keepaliveInterval: 500,
      keepaliveProbes: 2,
    });
    const p = established({ profile });
    p.drop = (_s, from) => from === 'server';
    const mark = p.mark();
    p.advance(3000);
    // Idle since the handshake's last ACK went out at 20 (both sides probe; the server's are dropped).
    expect(p.ladderSince(mark).filter((line) => line.includes(' client '))).toEqual([
      '1020 client [ACK] seq=1000 ack=5001 len=0',
      '1520 client [ACK] seq=1000 ack=5001 len=0',
      '2020 client [ACK,RST] seq=1001 ack=5001 len=0',
    ]);
    expect(p.tcb('client').closeReason).toBe('timeout');
  });
});

describe('the diagram', () => {
  it('every transition declared in connectionMachine (on a leaf or a parent) has a test in this file', () => {
    // Declared transitions with a target, named by the node that declares them.
    const declared = new Set<string>();
    const visit = (node: AnyStateNode) => {
      for (const [event, transitions] of node.transitions) {
        for (const t of transitions) {
          if (!t.target) continue;
          const label = event.startsWith('xstate.after.') ? 'after 2MSL' : event;
          declared.add(`${node.key} --${label}--> ${t.target[0].key}`);
        }
      }
      for (const child of Object.values(node.states)) visit(child as AnyStateNode);
    };
    visit(connectionMachine.root);
    // A test of (leaf, event, to) exercises the transitions XState would consider for it, leaf first.
    const exercised = new Set<string>();
    for (const key of covered) {
      const [, from, event, to] = /^(\S+) --(.+)--> (\S+)$/.exec(key)!;
      expect(TCP_STATES, key).toContain(from);
      if (event === 'after 2MSL') {
        exercised.add(key);
        continue;
      }
      const candidates = TRANSITION_TABLE.get(from as TcpState)!.get(event as TcpEventType)!;
      const matching = candidates.filter((c) => c.target === to);
      expect(matching.length, `${key} is not a transition of the machine`).toBeGreaterThan(0);
      for (const c of matching) exercised.add(`${c.source.split('.').at(-1)} --${event}--> ${to}`);
    }
    // The two-way handshake model (profile.twoWayHandshake, NOT TCP) is tested in two-way.test.ts.
    const elsewhere = ['LISTEN --SEGMENT_ARRIVES--> ESTABLISHED'];
    expect([...declared].filter((d) => !exercised.has(d) && !elsewhere.includes(d)).sort()).toEqual([]);
  });

  it('shared transitions are written once, on the parent that owns them (RFC 9293 grouping)', () => {
    const open = connectionMachine.root.states.open as AnyStateNode;
    const synchronized = open.states.synchronized as AnyStateNode;
    expect([...open.transitions.keys()].sort()).toEqual([
      'ABORT',
      'CLOSE',
      'KEEPALIVE_TIMEOUT',
      'RTO_TIMEOUT',
    ]);
    expect([...synchronized.transitions.keys()]).toEqual(['SEGMENT_ARRIVES']);
    expect(Object.keys(synchronized.states)).toEqual([...SYNCHRONIZED_STATES]);
    // No leaf repeats them.
    for (const state of TCP_STATES) {
      for (const t of TRANSITION_TABLE.get(state)!.get('ABORT')!) {
        if (t.target) expect(t.source).toBe('open');
      }
    }
  });
});
