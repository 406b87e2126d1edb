/**
 * Listeners under pressure (issue 5): the SYN queue bounded by `backlog` (Linux holds backlog + 1),
 * the separate accept queue and what happens when it overflows, SYN-ACK retransmission and the exact
 * half-open lifetime of each profile, the listener actor counting its connections (each its own actor),
 * and one listener holding 50,000 half-open entries.
 *
 * Hosts run in memory on one VirtualClock; segments between hosts take DELAY ms, segments to
 * addresses no host owns (spoofed SYN sources) are lost. Every timing is exact virtual time.
 */

import { describe, expect, it } from 'vitest';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { VirtualClock } from '../src/clock.js';
import type { EngineKind } from '../src/engine.js';
import { keyFromSeed } from '../src/hash.js';
import { Host, type Host as HostType, type ListenOptions } from '../src/host.js';
import type { ListenerActor } from '../src/listener.js';
import type { TcpState } from '../src/machine/states.js';
import { getProfile, halfOpenLifetime, type Profile, synackTimeout } from '../src/profiles.js';
import { Flag, type Segment } from '../src/segment.js';
import { seqAdd } from '../src/seq.js';

const DELAY = 10;
const SERVER = '10.0.0.2';
const PORT = 80;
const ENGINES: EngineKind[] = ['actor', 'table'];

interface WireRecord {
  t: number;
  from: string;
  seg: Segment;
  conn?: string;
  retransmit?: string;
}

/** Hosts wired together on one virtual clock, recording everything they report. */
class Lab {
  readonly clock = new VirtualClock();
  readonly hosts = new Map<string, Host>();
  readonly wire: WireRecord[] = [];
  readonly drops: Array<{ t: number; host: string; seg: Segment; reason: string }> = [];
  readonly states: Array<{ t: number; host: string; conn: string; from: TcpState; to: TcpState }> = [];
  readonly apps: Array<{
    t: number;
    host: string;
    conn?: string;
    event: string;
    detail?: Record<string, unknown>;
  }> = [];
  readonly timers: Array<{ t: number; host: string; conn: string; detail: Record<string, unknown> }> = [];
  readonly inspections: Array<{ host: string; event: InspectionEvent }> = [];

  constructor(
    readonly engine: EngineKind = 'actor',
    readonly profile: Profile = getProfile('linux'),
  ) {}

  add(id: string, address: string, overrides: Partial<Profile> = {}): Host {
    const host = new Host({
      id,
      address,
      profile: { ...this.profile, ...overrides },
      clock: this.clock,
      isnKey: keyFromSeed(5, this.hosts.size + 1),
      engine: this.engine,
      inspect: (event) => this.inspections.push({ host: id, event }),
      events: {
        segment: (seg, info) => {
          this.wire.push({ t: this.now, from: id, seg, conn: info.conn, retransmit: info.retransmit });
          const to = this.hosts.get(seg.dstAddr);
          if (to) this.clock.setTimeout(() => this.deliver(to, seg), DELAY);
        },
        state: (conn, from, to) => this.states.push({ t: this.now, host: id, conn, from, to }),
        app: (conn, event, detail) => this.apps.push({ t: this.now, host: id, conn, event, detail }),
        timer: (conn, _timer, detail) => this.timers.push({ t: this.now, host: id, conn, detail }),
        drop: (seg, reason) => this.drops.push({ t: this.now, host: id, seg, reason }),
      },
    });
    this.hosts.set(address, host);
    return host;
  }

  get now(): number {
    return this.clock.now();
  }

  /** A segment arrives at `host` now (the network's deliveries and the attacker's injections). */
  deliver(host: Host, seg: Segment): void {
    host.deliver(seg);
    host.releaseClosed();
  }

  advanceTo(t: number): void {
    this.clock.advanceTo(t);
    for (const host of this.hosts.values()) host.releaseClosed();
  }

  /** SYN-ACKs a host sent to `addr`, with their times. */
  synAcksTo(from: string, addr: string): WireRecord[] {
    return this.wire.filter(
      (w) => w.from === from && w.seg.dstAddr === addr && w.seg.flags === (Flag.SYN | Flag.ACK),
    );
  }
}

/** A SYN from a spoofed source n (an address no host owns, so the SYN-ACKs go nowhere). */
function spoofedSyn(n: number, fields: Partial<Segment> = {}): Segment {
  return {
    srcAddr: `10.99.${(n >> 8) & 255}.${n & 255}`,
    srcPort: 1024 + (n % 60000),
    dstAddr: SERVER,
    dstPort: PORT,
    seq: (n * 2654435761) >>> 0,
    ack: 0,
    flags: Flag.SYN,
    win: 65535,
    mss: 1460,
    ...fields,
  };
}

function serverLab(engine: EngineKind, listen: ListenOptions, profile = getProfile('linux')) {
  const lab = new Lab(engine, profile);
  const server = lab.add('server', SERVER);
  server.listen(PORT, listen);
  return { lab, server };
}

function statsOf(host: HostType) {
  return host.listenerStats()[String(PORT)];
}

/** The listener actor of a host (actor engine), read from Host internals. */
function listenerActor(host: HostType): ListenerActor | undefined {
  const internals = host as unknown as { listeners: Map<number, { actor?: ListenerActor }> };
  return internals.listeners.get(PORT)?.actor;
}

function parentOf(actor: AnyActorRef | undefined): AnyActorRef | undefined {
  return (actor as unknown as { _parent?: AnyActorRef } | undefined)?._parent;
}

describe.each(ENGINES)('SYN queue bounded by backlog (%s engine)', (engine) => {
  it('backlog 8 holds 9 half-open entries; the 10th SYN is dropped, traced as syn-queue-full and counted', () => {
    const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 0 });
    for (let n = 1; n <= 10; n++) lab.deliver(server, spoofedSyn(n));
    expect(server.connections()).toHaveLength(9);
    expect(server.connections().every((c) => c.state === 'SYN_RECEIVED')).toBe(true);
    expect(lab.drops).toEqual([{ t: 0, host: 'server', seg: spoofedSyn(10), reason: 'syn-queue-full' }]);
    expect(lab.synAcksTo('server', spoofedSyn(10).srcAddr)).toHaveLength(0);
    const stats = statsOf(server);
    expect(stats).toMatchObject({
      synReceived: 10,
      synAckSent: 9,
      synQueueDrops: 1,
      synQueue: 9,
      synQueuePeak: 9,
      acceptQueue: 0,
      cookiesSent: 0,
    });
    // Every further SYN is dropped too, while a retransmission of a queued SYN is answered at once.
    lab.deliver(server, spoofedSyn(11));
    lab.deliver(server, spoofedSyn(3));
    expect(lab.drops.map((d) => d.reason)).toEqual(['syn-queue-full', 'syn-queue-full']);
    expect(lab.synAcksTo('server', spoofedSyn(3).srcAddr)).toHaveLength(2);
    expect(statsOf(server)).toMatchObject({ synReceived: 12, synQueueDrops: 2, synQueue: 9 });
  });

  it.each([1, 2, 8, 100])('backlog %i holds backlog + 1 half-open entries', (backlog) => {
    const { lab, server } = serverLab(engine, { backlog, syncookies: 0 });
    for (let n = 1; n <= backlog + 5; n++) lab.deliver(server, spoofedSyn(n));
    expect(statsOf(server)).toMatchObject({
      synQueue: backlog + 1,
      synQueuePeak: backlog + 1,
      synQueueDrops: 4,
    });
    expect(lab.drops).toHaveLength(4);
  });

  it('an expired half-open entry frees its slot at exactly 63 s: a SYN then is admitted, one a ms earlier is not', () => {
    const { lab, server } = serverLab(engine, { backlog: 1, syncookies: 0 });
    lab.deliver(server, spoofedSyn(1));
    lab.deliver(server, spoofedSyn(2));
    lab.advanceTo(62_999);
    lab.deliver(server, spoofedSyn(3));
    expect(lab.drops.map((d) => [d.t, d.reason])).toEqual([[62_999, 'syn-queue-full']]);
    lab.advanceTo(63_000);
    expect(statsOf(server)).toMatchObject({ synQueue: 0, halfOpenExpired: 2 });
    lab.deliver(server, spoofedSyn(4));
    expect(server.connections()).toEqual([
      { conn: expect.stringContaining('10.99.0.4'), state: 'SYN_RECEIVED' },
    ]);
  });

  it('a completed handshake moves the entry from the SYN queue to the accept queue, freeing its slot', () => {
    const { lab, server } = serverLab(engine, { backlog: 1, autoAccept: false, syncookies: 0 });
    const client = lab.add('client', '10.0.0.1');
    lab.deliver(server, spoofedSyn(1));
    const conn = client.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(15);
    expect(statsOf(server)).toMatchObject({ synQueue: 2, acceptQueue: 0 });
    lab.advanceTo(30); // the client's ACK arrives at 20 + DELAY
    expect(client.snapshotOf(conn)?.value).toBe('ESTABLISHED');
    expect(statsOf(server)).toMatchObject({ synQueue: 1, acceptQueue: 1, synQueuePeak: 2 });
    lab.deliver(server, spoofedSyn(2));
    expect(statsOf(server)).toMatchObject({ synQueue: 2, synQueueDrops: 0 });
  });
});

describe.each(ENGINES)('the accept queue (%s engine)', (engine) => {
  it('is bounded separately from the SYN queue: a full accept queue does not stop SYNs, a full SYN queue does not touch it', () => {
    const { lab, server } = serverLab(engine, {
      backlog: 2,
      acceptQueue: 1,
      autoAccept: false,
      syncookies: 0,
    });
    const client = lab.add('client', '10.0.0.1');
    client.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(100);
    expect(statsOf(server)).toMatchObject({ synQueue: 0, acceptQueue: 1 });
    for (let n = 1; n <= 4; n++) lab.deliver(server, spoofedSyn(n));
    expect(statsOf(server)).toMatchObject({ synQueue: 3, acceptQueue: 1, synQueueDrops: 1 });
    expect(lab.drops.map((d) => d.reason)).toEqual(['syn-queue-full']);
    expect(server.accept(PORT)).toBe('80-10.0.0.1:40000');
    expect(server.accept(PORT)).toBeUndefined();
    expect(statsOf(server)).toMatchObject({ synQueue: 3, acceptQueue: 0, accepted: 1 });
  });

  it('the application takes completed connections in arrival order with accept(); nothing is accepted before', () => {
    const { lab, server } = serverLab(engine, { backlog: 8, autoAccept: false });
    const a = lab.add('a', '10.0.0.1');
    const b = lab.add('b', '10.0.0.3');
    a.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(5);
    b.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(100);
    expect(lab.apps.filter((e) => e.host === 'server' && e.event === 'accept')).toEqual([]);
    expect(statsOf(server)).toMatchObject({ acceptQueue: 2, accepted: 0 });
    expect(server.connections().map((c) => c.state)).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect([server.accept(PORT), server.accept(PORT), server.accept(PORT)]).toEqual([
      '80-10.0.0.1:40000',
      '80-10.0.0.3:40000',
      undefined,
    ]);
    expect(lab.apps.filter((e) => e.host === 'server' && e.event === 'accept').map((e) => e.conn)).toEqual([
      '80-10.0.0.1:40000',
      '80-10.0.0.3:40000',
    ]);
    // The occupancy series saw the accept queue rise to 2 and drain.
    const occupancy = statsOf(server).occupancy;
    expect(Math.max(...occupancy.map((p) => p[2]))).toBe(2);
    expect(occupancy.at(-1)).toEqual([100, 0, 0]);
  });

  it('autoAccept (the default) accepts each connection as it completes', () => {
    const { lab, server } = serverLab(engine, {});
    const client = lab.add('client', '10.0.0.1');
    client.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(100);
    expect(lab.apps.filter((e) => e.host === 'server' && e.event === 'accept').map((e) => e.t)).toEqual([30]);
    expect(statsOf(server)).toMatchObject({ acceptQueue: 0, accepted: 1 });
  });
});

describe.each(ENGINES)(
  'accept-queue overflow when the application is slow to accept (%s engine)',
  (engine) => {
    /**
     * Client A fills the accept queue (1); client B connects at 100 ms: SYN arrives 110, SYN-ACK
     * reaches B at 120 (B ESTABLISHED), B's ACK reaches the server at 130 — with the queue full.
     */
    function slowApp(listen: ListenOptions) {
      const { lab, server } = serverLab(engine, { backlog: 8, acceptQueue: 1, autoAccept: false, ...listen });
      const a = lab.add('a', '10.0.0.1');
      const b = lab.add('b', '10.0.0.3');
      a.connect({ addr: SERVER, port: PORT });
      lab.advanceTo(100);
      const bConn = b.connect({ addr: SERVER, port: PORT });
      const serverB = '80-10.0.0.3:40000';
      return { lab, server, b, bConn, serverB };
    }

    it('Linux default: the final ACK is dropped silently; the SYN-ACK timer retransmits, B re-ACKs, and once the app accepts, the next re-ACK completes', () => {
      const { lab, server, b, bConn, serverB } = slowApp({});
      lab.advanceTo(130);
      expect(b.snapshotOf(bConn)?.value).toBe('ESTABLISHED');
      expect(server.snapshotOf(serverB)?.value).toBe('SYN_RECEIVED');
      expect(lab.drops.map((d) => [d.t, d.reason, d.seg.srcAddr])).toEqual([
        [130, 'accept-queue-full', '10.0.0.3'],
      ]);
      expect(lab.wire.filter((w) => w.from === 'server' && w.seg.flags & Flag.RST)).toEqual([]);
      // 1 s after the SYN-ACK: retransmitted; B answers the duplicate SYN-ACK with an ACK, dropped again.
      lab.advanceTo(2_500);
      expect(lab.synAcksTo('server', '10.0.0.3').map((w) => [w.t, w.retransmit])).toEqual([
        [110, undefined],
        [1_110, 'SYN-ACK'],
      ]);
      expect(lab.drops.map((d) => d.t)).toEqual([130, 1_130]);
      expect(statsOf(server)).toMatchObject({ acceptQueueOverflows: 2, synQueue: 1, acceptQueue: 1 });
      // B sent nothing but ACKs (it believes it is connected): no SYN, no retransmission.
      expect(lab.wire.filter((w) => w.from === 'b').map((w) => [w.t, w.seg.flags])).toEqual([
        [100, Flag.SYN],
        [120, Flag.ACK],
        [1_120, Flag.ACK],
      ]);
      // The application accepts A; the SYN-ACK retransmitted at 3 110 brings B's ACK at 3 130.
      expect(server.accept(PORT)).toBe('80-10.0.0.1:40000');
      lab.advanceTo(5_000);
      expect(lab.synAcksTo('server', '10.0.0.3').map((w) => w.t)).toEqual([110, 1_110, 3_110]);
      expect(
        lab.states.filter((s) => s.host === 'server' && s.conn === serverB).map((s) => [s.t, s.from, s.to]),
      ).toEqual([
        [110, 'LISTEN', 'SYN_RECEIVED'],
        [3_130, 'SYN_RECEIVED', 'ESTABLISHED'],
      ]);
      expect(statsOf(server)).toMatchObject({ acceptQueueOverflows: 2, synQueue: 0, acceptQueue: 1 });
      expect(server.accept(PORT)).toBe(serverB);
      expect(b.snapshotOf(bConn)?.value).toBe('ESTABLISHED');
      expect(lab.states.filter((s) => s.host === 'b')).toHaveLength(2); // CLOSED→SYN_SENT→ESTABLISHED only
      // Data flows both ways now.
      b.send(bConn, new Uint8Array([1, 2, 3]));
      lab.advanceTo(6_000);
      expect(lab.apps.filter((e) => e.host === 'server' && e.event === 'data')).toEqual([
        { t: 5_010, host: 'server', conn: serverB, event: 'data', detail: { bytes: 3 } },
      ]);
    });

    it('an application that never accepts: the server gives up after its SYN-ACK retries (63 s) while B stays ESTABLISHED; B learns with its first data (RST)', () => {
      const { lab, server, b, bConn, serverB } = slowApp({});
      lab.advanceTo(70_000);
      expect(lab.synAcksTo('server', '10.0.0.3').map((w) => w.t)).toEqual([
        110, 1_110, 3_110, 7_110, 15_110, 31_110,
      ]);
      expect(lab.drops.map((d) => d.t)).toEqual([130, 1_130, 3_130, 7_130, 15_130, 31_130]);
      expect(lab.states.filter((s) => s.conn === serverB).at(-1)).toMatchObject({
        t: 63_110,
        from: 'SYN_RECEIVED',
        to: 'CLOSED',
      });
      expect(server.finishedConnections()).toEqual([{ conn: serverB, state: 'CLOSED', reason: 'timeout' }]);
      expect(statsOf(server)).toMatchObject({ acceptQueueOverflows: 6, halfOpenExpired: 1, synQueue: 0 });
      expect(b.snapshotOf(bConn)?.value).toBe('ESTABLISHED');
      b.send(bConn, new Uint8Array([1]));
      lab.advanceTo(70_100);
      expect(b.snapshotOf(bConn)).toBeUndefined();
      expect(b.finishedConnections()).toEqual([{ conn: bConn, state: 'CLOSED', reason: 'reset' }]);
      // A stray ACK is not a cookie when the listener never sent one.
      expect(statsOf(server).cookiesRejected).toBe(0);
    });

    it('abortOnOverflow: the final ACK finding the accept queue full is answered with RST and the entry removed', () => {
      const { lab, server, b, bConn, serverB } = slowApp({ abortOnOverflow: true });
      lab.advanceTo(200);
      const rst = lab.wire.filter((w) => w.from === 'server' && w.seg.flags & Flag.RST);
      expect(rst).toHaveLength(1);
      expect(rst[0]).toMatchObject({ t: 130, conn: serverB });
      const bTcb = lab.wire.find((w) => w.from === 'b' && w.seg.flags === Flag.ACK)!.seg;
      expect(rst[0].seg.seq).toBe(bTcb.ack);
      expect(server.finishedConnections()).toEqual([{ conn: serverB, state: 'CLOSED', reason: 'aborted' }]);
      expect(b.finishedConnections()).toEqual([{ conn: bConn, state: 'CLOSED', reason: 'reset' }]);
      expect(statsOf(server)).toMatchObject({
        acceptQueueOverflows: 1,
        halfOpenExpired: 0,
        synQueue: 0,
        acceptQueue: 1,
      });
      expect(lab.drops).toEqual([]);
      lab.advanceTo(70_000);
      expect(lab.synAcksTo('server', '10.0.0.3')).toHaveLength(1);
    });

    it('an ACK that does not acknowledge the SYN-ACK is not an overflow: it gets the usual RST', () => {
      const { lab, server, serverB } = slowApp({});
      lab.advanceTo(115); // B's SYN is in; its SYN-ACK is on the way
      const synAck = lab.synAcksTo('server', '10.0.0.3')[0].seg;
      lab.deliver(server, {
        srcAddr: '10.0.0.3',
        srcPort: 40000,
        dstAddr: SERVER,
        dstPort: PORT,
        seq: synAck.ack,
        ack: seqAdd(synAck.seq, 1000),
        flags: Flag.ACK,
        win: 65535,
      });
      expect(statsOf(server).acceptQueueOverflows).toBe(0);
      expect(lab.wire.at(-1)).toMatchObject({
        from: 'server',
        seg: { flags: Flag.RST, seq: seqAdd(synAck.seq, 1000) },
      });
      expect(server.snapshotOf(serverB)?.value).toBe('SYN_RECEIVED');
    });
  },
);

describe.each(ENGINES)('SYN-ACK retransmission and the half-open lifetime (%s engine)', (engine) => {
  const cases = [
    {
      profile: 'linux',
      backoff: [1_000, 2_000, 4_000, 8_000, 16_000],
      lifetime: 63_000,
    },
    {
      profile: 'rfc9293',
      backoff: [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000],
      lifetime: 183_000,
    },
  ];
  it.each(cases)(
    '$profile: SYN-ACK backoff $backoff ms, entry removed exactly $lifetime ms after the SYN',
    ({ profile: name, backoff, lifetime }) => {
      const profile = getProfile(name);
      const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 0 }, profile);
      const t0 = 500;
      lab.advanceTo(t0);
      lab.deliver(server, spoofedSyn(1));
      lab.advanceTo(t0 + lifetime + 60_000);
      const times = lab.synAcksTo('server', spoofedSyn(1).srcAddr).map((w) => w.t - t0);
      const expected = [0];
      for (const gap of backoff) expected.push(expected.at(-1)! + gap);
      expect(times).toEqual(expected);
      expect(times.slice(1).map((t, i) => t - times[i])).toEqual(backoff);
      // The last SYN-ACK's timer runs out too: the entry goes exactly at the half-open lifetime.
      const closed = lab.states.filter((s) => s.to === 'CLOSED');
      expect(closed.map((s) => [s.t - t0, s.from])).toEqual([[lifetime, 'SYN_RECEIVED']]);
      expect(halfOpenLifetime(profile)).toBe(lifetime);
      expect(times.at(-1)! + synackTimeout(profile, backoff.length)).toBe(lifetime);
      // The RTO timer reports each expiry with the count and the next RTO.
      expect(lab.timers.map((e) => [e.t - t0, e.detail.kind, e.detail.count, e.detail.rto])).toEqual(
        backoff.map((_, i) => [expected[i + 1], 'SYN-ACK', i + 1, synackTimeout(profile, i + 1)]),
      );
      expect(lab.apps.filter((e) => e.event === 'closed').map((e) => [e.t - t0, e.detail?.reason])).toEqual([
        [lifetime, 'timeout'],
      ]);
      expect(statsOf(server)).toMatchObject({
        synReceived: 1,
        synAckSent: backoff.length + 1,
        synAckRetransmitted: backoff.length,
        halfOpenExpired: 1,
        synQueue: 0,
      });
      expect(server.connections()).toEqual([]);
      expect(lab.clock.pending).toBe(0);
    },
  );

  it('a duplicate SYN is answered at once with a SYN-ACK that re-arms the timer (Linux tcp_check_req)', () => {
    // The kernel's timeline (conformance/listen-duplicate-syn-rearms-timer.pkt): the reply at
    // 2.5 s re-arms the timer with the current backoff (2 s), the backoff goes on from there, and
    // the entry expires 32 s after the last SYN-ACK — 1.5 s later than without the duplicate.
    const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 0 });
    lab.deliver(server, spoofedSyn(1));
    lab.advanceTo(2_500);
    lab.deliver(server, spoofedSyn(1));
    lab.advanceTo(100_000);
    expect(lab.synAcksTo('server', spoofedSyn(1).srcAddr).map((w) => w.t)).toEqual([
      0, 1_000, 2_500, 4_500, 8_500, 16_500, 32_500,
    ]);
    expect(lab.states.filter((s) => s.to === 'CLOSED').map((s) => s.t)).toEqual([64_500]);
    expect(statsOf(server)).toMatchObject({ synReceived: 2, synAckSent: 7, halfOpenExpired: 1 });
  });

  it('without SYN-queue pruning, a flood: 9 entries of backlog 8 each live 63 s; SYNs meanwhile are dropped', () => {
    const { lab, server } = serverLab(
      engine,
      { backlog: 8, syncookies: 0 },
      getProfile('linux', { synQueuePruning: false }),
    );
    for (let n = 1; n <= 200; n++) {
      lab.advanceTo(n * 500);
      lab.deliver(server, spoofedSyn(n));
    }
    lab.advanceTo(200_000);
    const stats = statsOf(server);
    // Entries 1-9 (t 0.5-4.5 s) expire at 63.5-67.5 s; SYNs 127-135 (63.5-67.5 s) take their slots.
    expect(stats).toMatchObject({ synReceived: 200, synQueuePeak: 9, halfOpenExpired: 18, synQueue: 0 });
    expect(stats.synQueueDrops).toBe(200 - 18);
    expect(Math.max(...stats.occupancy.map((p) => p[1]))).toBe(9);
    expect(stats.occupancy[0]).toEqual([0, 0, 0]);
    expect(stats.occupancy.at(-1)).toEqual([130_500, 0, 0]);
    expect(lab.states.filter((s) => s.to === 'SYN_RECEIVED').map((s) => s.t / 500)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 127, 128, 129, 130, 131, 132, 133, 134, 135,
    ]);
  });

  it('linux prunes the full SYN queue: old entries keep 2 retries, so new SYNs get in after ~7 s (reqsk_timer_handler)', () => {
    const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 0 });
    for (let n = 1; n <= 200; n++) {
      lab.advanceTo(n * 500);
      lab.deliver(server, spoofedSyn(n));
    }
    lab.advanceTo(200_000);
    const stats = statsOf(server);
    expect(stats.synQueuePeak).toBe(9);
    // The first nine entries (0.5 … 4.5 s) are old by their second timeout while the queue is more
    // than half full: their budget falls to 2, so each expires at its third timeout, 1 + 2 + 4 s
    // after its SYN — not 63 s as with every entry keeping tcp_synack_retries = 5.
    const closedAt = lab.states.filter((s) => s.to === 'CLOSED').map((s) => s.t);
    expect(closedAt.slice(0, 2)).toEqual([7_500, 8_000]);
    // From then on the young entries admitted into the freed slots count too: the more of them, the
    // larger an expiring old entry's budget (2 … 5), so lifetimes are 7, 15, 31 or 63 s.
    const lifetimes = lab.states
      .filter((s) => s.to === 'CLOSED')
      .map((s) => s.t - lab.states.find((o) => o.conn === s.conn && o.to === 'SYN_RECEIVED')!.t);
    for (const lifetime of lifetimes) expect([7_000, 15_000, 31_000, 63_000]).toContain(lifetime);
    expect(lifetimes.filter((l) => l === 7_000).length).toBeGreaterThan(lifetimes.length / 2);
    // Each freed slot is taken by the next SYN, so far more clients get in than the 18 of an unpruned queue.
    expect(stats.halfOpenExpired).toBeGreaterThan(18);
    expect(stats.synQueueDrops).toBe(200 - stats.halfOpenExpired - stats.synQueue);
    // An old entry's SYN-ACKs: at 0, 1 and 3 s after its SYN, then nothing (the budget of 2 spent).
    expect(lab.synAcksTo('server', spoofedSyn(1).srcAddr).map((w) => w.t)).toEqual([500, 1_500, 3_500]);
  });
});

describe('the occupancy series of a long flood', () => {
  it('stays bounded (≤ 2000 points) and keeps the peak when a full queue keeps losing and regaining one entry', () => {
    // SYNs every 640 ms: each expiry (63 s after its SYN) falls between two arrivals, so the queue
    // alternates 9, 8, 9, 8 … — thousands of changes, halved again and again.
    const { lab, server } = serverLab('table', { backlog: 8, syncookies: 0 });
    for (let n = 0; n < 12_000; n++) {
      lab.advanceTo(320 + n * 640);
      lab.deliver(server, spoofedSyn(n));
    }
    const { occupancy, synQueuePeak, halfOpenExpired } = statsOf(server);
    expect(halfOpenExpired).toBeGreaterThan(1_000);
    expect(occupancy.length).toBeLessThanOrEqual(2_000);
    expect(occupancy.length).toBeGreaterThan(900);
    expect(synQueuePeak).toBe(9);
    expect(Math.max(...occupancy.map((p) => p[1]))).toBe(9);
    expect(occupancy.filter((p) => p[1] === 9).length).toBeGreaterThan(occupancy.length / 3);
    expect(occupancy[0]).toEqual([0, 0, 0]);
    expect(occupancy.at(-1)![0]).toBeLessThanOrEqual(lab.now);
    const times = occupancy.map((p) => p[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('a peak within one instant is kept: 8 → 9 → 8 at the same ms leaves both the 9 and the 8', () => {
    const { lab, server } = serverLab('table', { backlog: 8, syncookies: 0, autoAccept: false });
    const client = lab.add('client', '10.0.0.1');
    for (let n = 1; n <= 8; n++) lab.deliver(server, spoofedSyn(n));
    client.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(30); // the client's ACK: its entry moves to the accept queue at 30
    expect(statsOf(server).occupancy.slice(-3)).toEqual([
      [0, 8, 0],
      [10, 9, 0],
      [30, 8, 1],
    ]);
  });
});

describe('the listener actor counts its connections; each connection is its own actor (actor engine)', () => {
  it('each half-open entry is its own root connection actor; the listener counts it until it ends', () => {
    const { lab, server } = serverLab('actor', { backlog: 8, syncookies: 0 });
    for (let n = 1; n <= 5; n++) lab.deliver(server, spoofedSyn(n));
    const listener = listenerActor(server)!;
    expect(listener.id).toBe('listener:80');
    expect(listener.getSnapshot().value).toBe('LISTEN');
    expect(listener.getSnapshot().context).toEqual({ port: 80, backlog: 8, connections: 5 });
    const ids = server.connections().map((c) => c.conn);
    expect(ids).toHaveLength(5);
    const actors = ids.map((id) => server.actorOf(id)!);
    expect(new Set(actors).size).toBe(5);
    for (const [i, actor] of actors.entries()) {
      expect(actor.id).toBe(ids[i]);
      // No XState parent: no children map to copy and no shared scheduler to scan (see listener.ts).
      expect(parentOf(actor)).toBeUndefined();
      expect(actor.getSnapshot().context.state).toBe('SYN_RECEIVED');
      expect(actor.getSnapshot().matches({ open: { synchronized: 'SYN_RECEIVED' } })).toBe(true);
    }
    // The inspection events tell the same story: the listener, then one actor per connection.
    const created = lab.inspections
      .filter((i) => i.event.type === '@xstate.actor')
      .map((i) => i.event.actorRef as AnyActorRef);
    expect(created[0]).toBe(listener);
    expect(created.slice(1).map((a) => a.id)).toEqual(ids);
    // Entries that expire are stopped and no longer counted.
    lab.advanceTo(63_000);
    expect(listener.getSnapshot().context.connections).toBe(0);
    for (const id of ids) expect(server.actorOf(id)).toBeUndefined();
    expect(lab.clock.pending).toBe(0);
  });

  it('completed and cookie-validated connections are counted too; a closed connection is released', () => {
    const { lab, server } = serverLab('actor', { backlog: 1, syncookies: 1 });
    const listener = listenerActor(server)!;
    lab.deliver(server, spoofedSyn(1));
    lab.deliver(server, spoofedSyn(2));
    const client = lab.add('client', '10.0.0.1');
    const conn = client.connect({ addr: SERVER, port: PORT }); // the queue is full: a cookie
    lab.advanceTo(100);
    expect(statsOf(server)).toMatchObject({ cookiesSent: 1, cookiesValidated: 1, synQueue: 2 });
    const cookieConn = '80-10.0.0.1:40000';
    const actor = server.actorOf(cookieConn)!;
    expect(actor.getSnapshot().context.state).toBe('ESTABLISHED');
    expect(listener.getSnapshot().context.connections).toBe(3);
    client.close(conn);
    lab.advanceTo(200);
    server.close(cookieConn);
    lab.advanceTo(300);
    expect(server.snapshotOf(cookieConn)).toBeUndefined();
    expect(actor.getSnapshot().context.state).toBe('CLOSED');
    expect(listener.getSnapshot().context.connections).toBe(2);
  });

  it('the table engine has no listener actor and no connection actors', () => {
    const { lab, server } = serverLab('table', { backlog: 8 });
    lab.deliver(server, spoofedSyn(1));
    expect(listenerActor(server)).toBeUndefined();
    expect(server.actorOf(server.connections()[0].conn)).toBeUndefined();
    expect(lab.inspections).toEqual([]);
  });

  it('restart and dispose stop every connection actor', () => {
    const { lab, server } = serverLab('actor', { backlog: 100, syncookies: 0 });
    const listener = listenerActor(server)!;
    for (let n = 1; n <= 50; n++) lab.deliver(server, spoofedSyn(n));
    const before = server.connections().map((c) => server.actorOf(c.conn)!);
    expect(before).toHaveLength(50);
    server.restart();
    expect(listener.getSnapshot().context.connections).toBe(0);
    expect(before.every((c) => c.getSnapshot().status === 'stopped')).toBe(true);
    expect(lab.clock.pending).toBe(0);
    for (let n = 51; n <= 60; n++) lab.deliver(server, spoofedSyn(n));
    expect(listener.getSnapshot().context.connections).toBe(10);
    server.dispose();
    expect(listener.getSnapshot().status).toBe('stopped');
    expect(lab.clock.pending).toBe(0);
  });
});

describe('one listener holds 50,000 concurrent half-open entries', () => {
  const N = 50_000;
  it(`table engine: ${N} spoofed SYNs → ${N} entries in SYN_RECEIVED; all expire at 63 s`, () => {
    // Pruning off, so that every entry lives its full 63 s (with it, a queue this full is pruned).
    const noPruning = getProfile('linux', { synQueuePruning: false });
    const { lab, server } = serverLab('table', { backlog: 60_000, syncookies: 0 }, noPruning);
    for (let n = 1; n <= N; n++) server.deliver(spoofedSyn(n));
    const synAcks = lab.wire.length;
    expect(synAcks).toBe(N);
    const conns = server.connections();
    expect(conns).toHaveLength(N);
    expect(conns.every((c) => c.state === 'SYN_RECEIVED')).toBe(true);
    expect(statsOf(server)).toMatchObject({ synQueue: N, synQueuePeak: N, synQueueDrops: 0, synReceived: N });
    lab.wire.length = 0;
    lab.states.length = 0;
    lab.advanceTo(63_000);
    expect(statsOf(server)).toMatchObject({ synQueue: 0, halfOpenExpired: N, synAckRetransmitted: 5 * N });
    expect(server.connections()).toEqual([]);
    expect(lab.clock.pending).toBe(0);
  }, 60_000);

  // How the cost per entry scales with the number of entries is a benchmark (bench/syn-queue-scale.mjs),
  // not a test: wall-clock ratios fail on a busy machine.
  it('actor engine: 10,000 entries arrive 1 ms apart and expire 1 ms apart; every actor released', () => {
    const count = 10_000;
    const noPruning = getProfile('linux', { synQueuePruning: false });
    const { lab, server } = serverLab('actor', { backlog: count, syncookies: 0 }, noPruning);
    for (let n = 1; n <= count; n++) {
      lab.advanceTo(n);
      server.deliver(spoofedSyn(n));
    }
    expect(listenerActor(server)!.getSnapshot().context.connections).toBe(count);
    for (let t = 63_001; t <= 63_000 + count; t++) lab.advanceTo(t);
    expect(statsOf(server)).toMatchObject({ synQueuePeak: count, halfOpenExpired: count, synQueue: 0 });
    expect(listenerActor(server)!.getSnapshot().context.connections).toBe(0);
    expect(lab.clock.pending).toBe(0);
  }, 120_000);
});
