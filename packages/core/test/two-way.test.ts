/**
 * The two-way handshake teaching model (profile.twoWayHandshake, NOT TCP): a listener's
 * connection enters ESTABLISHED as soon as it sends its SYN-ACK. This is the edge
 * LISTEN --SEGMENT_ARRIVES--> ESTABLISHED of the statechart; `synack why two-way-handshake`
 * uses it to show why TCP needs the third segment.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock.js';
import { createConnection } from '../src/engine.js';
import type { TcpState } from '../src/machine/states.js';
import { TRANSITION_TABLE } from '../src/machine/table-engine.js';
import { getProfile } from '../src/profiles.js';
import { Flag } from '../src/segment.js';
import { step } from '../src/tcb/process.js';
import { type ConnectionOutput, createTcb } from '../src/tcb/tcb.js';
import { CLIENT, Pair, SERVER } from './pair.js';

const twoWay = getProfile('rfc9293', { twoWayHandshake: true });

describe('two-way handshake model (NOT TCP)', () => {
  it('is off by default: a SYN takes a listener to SYN_RECEIVED', () => {
    expect(getProfile('linux').twoWayHandshake).toBeUndefined();
    expect(getProfile('rfc9293').twoWayHandshake).toBeUndefined();
    const p = new Pair({ clientIsn: 1000, serverIsn: 5000 });
    p.connect();
    p.advance(10);
    expect(p.state('server')).toBe('SYN_RECEIVED');
  });

  it('LISTEN → ESTABLISHED on SEGMENT_ARRIVES: the SYN-ACK is sent and the connection is open at once', () => {
    const p = new Pair({ profile: twoWay, clientIsn: 1000, serverIsn: 5000 });
    p.connect();
    p.advance(10);
    // Established on the SYN alone, before the client has even seen the SYN-ACK.
    expect(p.state('server')).toBe('ESTABLISHED');
    expect(p.states.server).toEqual(['CLOSED', 'LISTEN', 'ESTABLISHED']);
    expect(p.outputsOf('server', 'connected')).toHaveLength(1);
    expect(p.ladder()).toEqual([
      '0 client [SYN] seq=1000 ack=0 len=0',
      '10 server [SYN,ACK] seq=5000 ack=1001 len=0',
    ]);
    p.advance(20);
    expect(p.state('client')).toBe('ESTABLISHED');
    // Data then flows normally both ways.
    p.send('client', 100);
    p.send('server', 50);
    p.advance(100);
    expect(p.received.server).toHaveLength(100);
    expect(p.received.client).toHaveLength(50);
  });

  it('an old duplicate SYN alone opens a connection nobody asked for', () => {
    const p = new Pair({ profile: twoWay, serverIsn: 5000 });
    // The client never connects: only a stale SYN from an earlier incarnation arrives.
    p.inject('server', p.segmentFrom('client', { seq: 90, flags: Flag.SYN, mss: 1460 }));
    expect(p.state('server')).toBe('ESTABLISHED');
    expect(p.outputsOf('server', 'connected')).toHaveLength(1);
    // The same stale SYN under real TCP only creates a half-open entry.
    const tcp = new Pair({ serverIsn: 5000 });
    tcp.inject('server', tcp.segmentFrom('client', { seq: 90, flags: Flag.SYN, mss: 1460 }));
    expect(tcp.state('server')).toBe('SYN_RECEIVED');
    expect(tcp.outputsOf('server', 'connected')).toHaveLength(0);
  });

  it('the edge is declared (so both interpreters accept it) and says NOT TCP', () => {
    const edges = TRANSITION_TABLE.get('LISTEN')?.get('SEGMENT_ARRIVES') ?? [];
    const edge = edges.find((e) => e.target === 'ESTABLISHED');
    expect(edge?.description).toMatch(/NOT TCP/);
    const tcb = {
      ...createTcb({ local: SERVER, profile: twoWay, fixedIsn: 5000 }),
      passive: true,
      opened: true,
    };
    const result = step('LISTEN', tcb, {
      type: 'SEGMENT_ARRIVES',
      now: 0,
      segment: {
        srcAddr: CLIENT.addr,
        srcPort: CLIENT.port,
        dstAddr: SERVER.addr,
        dstPort: SERVER.port,
        seq: 1000,
        ack: 0,
        flags: Flag.SYN,
        win: 65_535,
      },
    });
    expect(result.next).toBe('ESTABLISHED');
  });

  it('the table interpreter takes the same edge', () => {
    const clock = new VirtualClock();
    const states: TcpState[] = [];
    const outputs: ConnectionOutput[] = [];
    const conn = createConnection(
      'table',
      { id: 'server', local: SERVER, profile: twoWay, fixedIsn: 5000, returnToListen: false },
      { processed: (s) => states.push(s), output: (o) => outputs.push(o) },
      { clock },
    );
    conn.send({ type: 'OPEN_PASSIVE', now: 0 });
    conn.send({
      type: 'SEGMENT_ARRIVES',
      now: 0,
      segment: {
        srcAddr: CLIENT.addr,
        srcPort: CLIENT.port,
        dstAddr: SERVER.addr,
        dstPort: SERVER.port,
        seq: 1000,
        ack: 0,
        flags: Flag.SYN,
        win: 65_535,
      },
    });
    expect(states).toEqual(['LISTEN', 'ESTABLISHED']);
    expect(outputs.map((o) => o.type)).toEqual(['segment', 'connected']);
    conn.stop();
  });
});
