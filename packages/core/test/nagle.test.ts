/**
 * Holding back short segments (tcb/nagle.ts): Nagle's algorithm (RFC 896, RFC 9293 §3.7.4) in
 * Linux's Minshall variant (tcp_nagle_check, tcp_minshall_check), TCP_NODELAY and TCP_CORK
 * (tcb/socket-options.ts), MSG_MORE. Kernel-checked counterparts: conformance/nagle-*.pkt, cork-*.pkt,
 * msg-more-*.pkt.
 */
import { describe, expect, it } from 'vitest';
import { getProfile, type Profile } from '../src/profiles.js';
import { Flag } from '../src/segment.js';
import type { SocketOptions } from '../src/tcb/tcb.js';
import { Pair } from './pair.js';

/** linux without timestamps: the MSS is a round 1460, as in the conformance scripts. */
const LINUX = getProfile('linux', { timestamps: false });

/** Client and server ESTABLISHED at t = 30 (one-way delay 10 ms); client data starts at seq 1001. */
function established(profile: Profile = LINUX): Pair {
  const p = new Pair({ profile, clientIsn: 1000, serverIsn: 5000 });
  p.connect();
  p.advance(30);
  expect(p.state('client')).toBe('ESTABLISHED');
  return p;
}

/** The client's data segments as "t seq len", from wire index `from` on. */
function clientData(p: Pair, from: number): string[] {
  return p.wire
    .slice(from)
    .filter((w) => w.from === 'client' && (w.segment.data?.length ?? 0) > 0)
    .map((w) => `${w.t} ${w.segment.seq} ${w.segment.data?.length}`);
}

function setOptions(p: Pair, options: Partial<SocketOptions>): void {
  p.client.send({ type: 'SET_SOCKET_OPTIONS', now: p.clock.now(), options });
}

describe('Nagle (linux: Minshall variant)', () => {
  it('holds a second small write while the first is unacknowledged and releases it on the ACK', () => {
    const p = established();
    const start = p.mark();
    p.send('client', 100);
    p.advance(1);
    p.send('client', 100, 100);
    // Sent at 30, ACKed by the server at 40 (quick ACK), the ACK arrives at 50.
    expect(clientData(p, start)).toEqual(['30 1001 100']);
    p.advance(30);
    expect(clientData(p, start)).toEqual(['30 1001 100', '50 1101 100']);
  });

  it('TCP_NODELAY sends the second small write at once', () => {
    const p = established();
    setOptions(p, { nodelay: true });
    const start = p.mark();
    p.send('client', 100);
    p.advance(1);
    p.send('client', 100, 100);
    expect(clientData(p, start)).toEqual(['30 1001 100', '31 1101 100']);
  });

  it('setting TCP_NODELAY pushes a held segment at once', () => {
    const p = established();
    const start = p.mark();
    p.send('client', 100);
    p.advance(1);
    p.send('client', 100, 100);
    p.advance(1);
    setOptions(p, { nodelay: true });
    expect(clientData(p, start)).toEqual(['30 1001 100', '32 1101 100']);
  });

  it('Minshall: full-sized segments in flight do not hold a short one; a short one in flight does', () => {
    const p = established();
    const start = p.mark();
    p.send('client', 2920);
    p.advance(1);
    p.send('client', 100, 2920);
    p.advance(1);
    p.send('client', 100, 3020);
    expect(clientData(p, start)).toEqual(['30 1001 1460', '30 2461 1460', '31 3921 100']);
  });

  it('rfc896: any unacknowledged data holds a short segment (RFC 1122 §4.2.3.4)', () => {
    const p = established({ ...LINUX, nagle: 'rfc896' });
    const start = p.mark();
    p.send('client', 2920);
    p.advance(1);
    p.send('client', 100, 2920);
    expect(clientData(p, start)).toEqual(['30 1001 1460', '30 2461 1460']);
  });

  it("nagle 'off' sends every small write at once", () => {
    const p = established({ ...LINUX, nagle: 'off' });
    const start = p.mark();
    p.send('client', 100);
    p.send('client', 100, 100);
    expect(clientData(p, start)).toEqual(['30 1001 100', '30 1101 100']);
  });

  it('a held segment leaves with the FIN when the application closes', () => {
    const p = established();
    const start = p.mark();
    p.send('client', 100);
    p.send('client', 100, 100);
    p.close('client');
    expect(clientData(p, start)).toEqual(['30 1001 100', '30 1101 100']);
  });
});

describe('TCP_CORK', () => {
  it('holds partial segments until a full MSS is queued; the uncork sends the rest', () => {
    const p = established();
    setOptions(p, { cork: true });
    const start = p.mark();
    p.send('client', 1000);
    p.advance(1);
    expect(clientData(p, start)).toEqual([]);
    p.send('client', 1000, 1000);
    expect(clientData(p, start)).toEqual(['31 1001 1460']);
    p.advance(1);
    setOptions(p, { cork: false });
    expect(clientData(p, start)).toEqual(['31 1001 1460', '32 2461 540']);
  });

  it('with nothing in flight, corked data leaves when the persist timer (the RTO) fires', () => {
    const p = established();
    setOptions(p, { cork: true });
    const start = p.mark();
    const rto = p.tcb('client').rtt.rto;
    p.send('client', 100);
    p.advance(rto - 1);
    expect(clientData(p, start)).toEqual([]);
    p.advance(1);
    expect(clientData(p, start)).toEqual([`${30 + rto} 1001 100`]);
    // The push is not a retransmission: nothing counted, no backoff.
    expect(p.tcb('client').retries).toBe(0);
    expect(p.tcb('client').rtt.rto).toBe(rto);
  });

  it('the cork outlives a re-OPEN of the block (set before connect)', () => {
    const p = new Pair({ profile: LINUX, clientIsn: 1000, serverIsn: 5000 });
    setOptions(p, { cork: true });
    p.connect();
    p.advance(30);
    expect(p.tcb('client').cork).toBe(true);
  });
});

describe('MSG_MORE (a SEND with more: true)', () => {
  /** The client's data segments as "t seq len flags". */
  function withPush(p: Pair, from: number): string[] {
    return p.wire
      .slice(from)
      .filter((w) => w.from === 'client' && (w.segment.data?.length ?? 0) > 0)
      .map(
        (w) => `${w.t} ${w.segment.seq} ${w.segment.data?.length} ${w.segment.flags & Flag.PSH ? 'P' : '-'}`,
      );
  }
  function sendMore(p: Pair, bytes: number, start: number): void {
    p.client.send({ type: 'SEND', now: p.clock.now(), data: new Uint8Array(bytes).fill(start), more: true });
  }

  it('corks that write only: full segments leave without PSH, the next plain write pushes the rest', () => {
    const p = established();
    const start = p.mark();
    sendMore(p, 1000, 0);
    p.advance(1);
    expect(withPush(p, start)).toEqual([]);
    sendMore(p, 1000, 1);
    expect(withPush(p, start)).toEqual(['31 1001 1460 -']);
    expect(p.tcb('client').cork).toBe(false);
    p.advance(1);
    p.send('client', 100, 2000);
    expect(withPush(p, start)).toEqual(['31 1001 1460 -', '32 2461 640 P']);
  });

  it('with nothing in flight the held tail leaves with PSH when the persist timer fires', () => {
    const p = established();
    const start = p.mark();
    const rto = p.tcb('client').rtt.rto;
    sendMore(p, 100, 0);
    p.advance(rto - 1);
    expect(withPush(p, start)).toEqual([]);
    p.advance(1);
    expect(withPush(p, start)).toEqual([`${30 + rto} 1001 100 P`]);
  });

  it('without more the same write leaves at once', () => {
    const p = established();
    const start = p.mark();
    p.send('client', 100);
    expect(withPush(p, start)).toEqual(['30 1001 100 P']);
  });
});
