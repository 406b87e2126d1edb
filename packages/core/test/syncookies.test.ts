/**
 * SYN cookies (issue 5; the Linux layout: issue 21): the RFC 4987 cookie (syncookies.ts: 5-bit slot | 3-bit MSS index | 24-bit
 * HalfSipHash MAC, 64 s slots, valid for its own slot and COOKIE_MAX_AGE = 2 more), and a Host
 * listener using them — mode 0 off, 1 only when the SYN queue is full, 2 always — with the
 * connection a valid returning ACK creates directly in ESTABLISHED, and every way a cookie is
 * rejected (forged, stale, bad MSS index), counted and answered with RST.
 */

import { describe, expect, it } from 'vitest';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { VirtualClock } from '../src/clock.js';
import type { EngineKind } from '../src/engine.js';
import { type HashKey, keyFromSeed } from '../src/hash.js';
import { Host, type ListenOptions } from '../src/host.js';
import { type TcpState, tcpStateOf } from '../src/machine/states.js';
import { TRANSITION_TABLE } from '../src/machine/table-engine.js';
import { getProfile, type Profile } from '../src/profiles.js';
import { Flag, type Segment } from '../src/segment.js';
import { seqAdd } from '../src/seq.js';
import {
  COOKIE_MAX_AGE,
  COOKIE_MSS_TABLE,
  COOKIE_SLOT_MS,
  type CookieOptions,
  type CookieTuple,
  checkCookie,
  checkLinuxCookie,
  cookieMssIndex,
  cookieSlot,
  cookieTsval,
  decodeCookieTsecr,
  LINUX_COOKIE_PERIOD_MS,
  LINUX_MAX_SYNCOOKIE_AGE,
  linuxCookieCount,
  linuxCookieSecrets,
  makeCookie,
  makeLinuxCookie,
} from '../src/syncookies.js';

const KEY: HashKey = [0x01234567, 0x89abcdef];
const TUPLE: CookieTuple = {
  localAddr: '10.0.0.2',
  localPort: 80,
  remoteAddr: '10.0.0.1',
  remotePort: 40000,
};
const ISN = 0xdeadbeef;

describe('makeCookie / checkCookie', () => {
  it('the layout: 5 bits of time slot, 3 bits of MSS index, 24 bits of MAC', () => {
    const t = 10 * COOKIE_SLOT_MS + 5;
    const cookie = makeCookie(KEY, TUPLE, ISN, 1400, t);
    expect(cookie >>> 27).toBe(10);
    expect((cookie >>> 24) & 7).toBe(1);
    expect(cookie).toBeGreaterThanOrEqual(0);
    expect(cookie).toBeLessThan(2 ** 32);
    // Slot 37 is 5 mod 32.
    expect(makeCookie(KEY, TUPLE, ISN, 1460, 37 * COOKIE_SLOT_MS) >>> 24).toBe((5 << 3) | 3);
    expect(checkCookie(KEY, TUPLE, cookie, ISN, t)).toEqual({ valid: true, mss: 1300, slot: 10 });
  });

  it('is deterministic: the same key, tuple, ISN, MSS and slot give the same cookie, any time within the slot', () => {
    const a = makeCookie(KEY, TUPLE, ISN, 1460, 128_000);
    expect(makeCookie(KEY, { ...TUPLE }, ISN, 1460, 128_000)).toBe(a);
    expect(makeCookie(KEY, TUPLE, ISN, 1460, 191_999)).toBe(a);
    expect(makeCookie(KEY, TUPLE, ISN, 1460, 192_000)).not.toBe(a);
    expect(makeCookie(KEY, TUPLE, ISN, 1461, 128_000)).toBe(a); // same table entry (1460)
  });

  it('depends on the key: another key gives another MAC, and its cookies fail the MAC check', () => {
    const other: HashKey = [KEY[0] ^ 1, KEY[1]];
    let differ = 0;
    for (let port = 1; port <= 1000; port++) {
      const tuple = { ...TUPLE, remotePort: port };
      const mine = makeCookie(KEY, tuple, ISN, 1460, 0);
      const theirs = makeCookie(other, tuple, ISN, 1460, 0);
      if ((mine & 0xffffff) !== (theirs & 0xffffff)) differ++;
      expect(checkCookie(KEY, tuple, theirs, ISN, 0)).toEqual({ valid: false, reason: 'bad-mac' });
    }
    expect(differ).toBe(1000);
    expect(makeCookie(keyFromSeed(1, 1), TUPLE, ISN, 1460, 0)).not.toBe(
      makeCookie(keyFromSeed(1, 2), TUPLE, ISN, 1460, 0),
    );
  });

  it.each([
    ['local address', { localAddr: '10.0.0.3' }],
    ['local port', { localPort: 81 }],
    ['remote address', { remoteAddr: '10.0.0.9' }],
    ['remote port', { remotePort: 40001 }],
    ['addresses swapped', { localAddr: '10.0.0.1', remoteAddr: '10.0.0.2' }],
    ['ports swapped', { localPort: 40000, remotePort: 80 }],
  ])('is bound to the 4-tuple: a different %s fails the MAC check', (_, change) => {
    const cookie = makeCookie(KEY, TUPLE, ISN, 1460, 0);
    expect(checkCookie(KEY, TUPLE, cookie, ISN, 0).valid).toBe(true);
    expect(checkCookie(KEY, { ...TUPLE, ...change }, cookie, ISN, 0)).toEqual({
      valid: false,
      reason: 'bad-mac',
    });
  });

  it("is bound to the client's ISN", () => {
    const cookie = makeCookie(KEY, TUPLE, ISN, 1460, 0);
    for (const isn of [ISN + 1, ISN - 1, ISN ^ 0x80000000, 0]) {
      expect(checkCookie(KEY, TUPLE, cookie, isn >>> 0, 0)).toEqual({ valid: false, reason: 'bad-mac' });
    }
    expect(makeCookie(KEY, TUPLE, 0, 1460, 0)).not.toBe(makeCookie(KEY, TUPLE, 1, 1460, 0));
  });

  it('the MSS index is authenticated too: changing it to another table entry fails the MAC, to no entry is bad-mss', () => {
    const cookie = makeCookie(KEY, TUPLE, ISN, 536, 0);
    for (let index = 1; index < COOKIE_MSS_TABLE.length; index++) {
      const raised = ((cookie & ~(7 << 24)) | (index << 24)) >>> 0;
      expect(checkCookie(KEY, TUPLE, raised, ISN, 0)).toEqual({ valid: false, reason: 'bad-mac' });
    }
    for (let index = COOKIE_MSS_TABLE.length; index < 8; index++) {
      const bad = ((cookie & ~(7 << 24)) | (index << 24)) >>> 0;
      expect(checkCookie(KEY, TUPLE, bad, ISN, 0)).toEqual({ valid: false, reason: 'bad-mss' });
    }
  });

  it.each([
    [undefined, 536],
    [100, 536],
    [536, 536],
    [1299, 536],
    [1300, 1300],
    [1400, 1300],
    [1439, 1300],
    [1440, 1440],
    [1459, 1440],
    [1460, 1460],
    [9000, 1460],
  ])(
    'client MSS %s is remembered as %i (the largest table value not above it; 536 when absent)',
    (clientMss, mss) => {
      expect(COOKIE_MSS_TABLE[cookieMssIndex(clientMss)]).toBe(mss);
      const cookie = makeCookie(KEY, TUPLE, ISN, clientMss, 0);
      expect(checkCookie(KEY, TUPLE, cookie, ISN, 0)).toEqual({ valid: true, mss, slot: 0 });
    },
  );

  it.each([0, 1, 63_999, 64_000, 100_000, 1_000_000, 2_047_999])(
    'a cookie made at %i ms is valid to the last ms of the second slot after its own and stale from the next slot edge',
    (t0) => {
      const cookie = makeCookie(KEY, TUPLE, ISN, 1460, t0);
      const slot = cookieSlot(t0);
      const lastValid = (slot + COOKIE_MAX_AGE + 1) * COOKIE_SLOT_MS - 1;
      for (const t of [t0, (slot + 1) * COOKIE_SLOT_MS, (slot + 2) * COOKIE_SLOT_MS, lastValid]) {
        expect(checkCookie(KEY, TUPLE, cookie, ISN, t)).toEqual({ valid: true, mss: 1460, slot });
      }
      expect(lastValid + 1).toBe((slot + 3) * COOKIE_SLOT_MS);
      expect(checkCookie(KEY, TUPLE, cookie, ISN, lastValid + 1)).toEqual({ valid: false, reason: 'stale' });
      expect(checkCookie(KEY, TUPLE, cookie, ISN, t0 + 200_000)).toEqual({ valid: false, reason: 'stale' });
      // A cookie from the future (a slot not yet reached) is not valid either.
      if (slot > 0) expect(checkCookie(KEY, TUPLE, cookie, ISN, slot * COOKIE_SLOT_MS - 1).valid).toBe(false);
    },
  );

  it('the 5-bit slot wraps every 32 slots: a cookie 31 slots old is stale, 32 slots old is no cookie at all', () => {
    const cookie = makeCookie(KEY, TUPLE, ISN, 1460, 0);
    expect(checkCookie(KEY, TUPLE, cookie, ISN, 31 * COOKIE_SLOT_MS)).toEqual({
      valid: false,
      reason: 'stale',
    });
    expect(checkCookie(KEY, TUPLE, cookie, ISN, 32 * COOKIE_SLOT_MS)).toEqual({
      valid: false,
      reason: 'bad-mac',
    });
    expect(checkCookie(KEY, TUPLE, cookie, ISN, 64 * COOKIE_SLOT_MS)).toEqual({
      valid: false,
      reason: 'bad-mac',
    });
  });

  it('random 32-bit values are not cookies (24-bit MAC: forging one blindly is a 1 in 2^24 guess)', () => {
    let state = 12345;
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      if (checkCookie(KEY, TUPLE, state, ISN, 5_000).valid) valid++;
    }
    expect(valid).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// A listener with cookies. Hosts run on one VirtualClock; segments between hosts take DELAY ms.

const DELAY = 10;
const SERVER = '10.0.0.2';
const PORT = 80;
const SERVER_KEY = keyFromSeed(9, 1);

interface WireRecord {
  t: number;
  from: string;
  seg: Segment;
  conn?: string;
}

class Lab {
  readonly clock = new VirtualClock();
  readonly hosts = new Map<string, Host>();
  readonly wire: WireRecord[] = [];
  readonly drops: Array<{ t: number; seg: Segment; reason: string }> = [];
  readonly states: Array<{ t: number; host: string; conn: string; from: TcpState; to: TcpState }> = [];
  readonly inspections: InspectionEvent[] = [];
  /** Drop segments on the wire matching this (e.g. a client's ACK). */
  lose: (w: WireRecord) => boolean = () => false;

  /** The host tests above the Linux-layout block pin the RFC 4987 layout on an otherwise linux host. */
  constructor(
    readonly engine: EngineKind,
    readonly overrides: Partial<Profile> = { synCookies: 'rfc4987' },
    readonly profileName = 'linux',
  ) {}

  add(id: string, address: string, mss = 1460): Host {
    const host = new Host({
      id,
      address,
      profile: getProfile(this.profileName, { ...this.overrides, mss }),
      clock: this.clock,
      isnKey: id === 'server' ? SERVER_KEY : keyFromSeed(9, this.hosts.size + 2),
      engine: this.engine,
      inspect: (event) => this.inspections.push(event),
      events: {
        segment: (seg, info) => {
          const record = { t: this.clock.now(), from: id, seg, conn: info.conn };
          this.wire.push(record);
          const to = this.hosts.get(seg.dstAddr);
          if (to && !this.lose(record)) this.clock.setTimeout(() => this.deliver(to, seg), DELAY);
        },
        state: (conn, from, to) => this.states.push({ t: this.clock.now(), host: id, conn, from, to }),
        app: () => {},
        timer: () => {},
        drop: (seg, reason) => this.drops.push({ t: this.clock.now(), seg, reason }),
      },
    });
    this.hosts.set(address, host);
    return host;
  }

  deliver(host: Host, seg: Segment): void {
    host.deliver(seg);
    host.releaseClosed();
  }

  advanceTo(t: number): void {
    this.clock.advanceTo(t);
    for (const host of this.hosts.values()) host.releaseClosed();
  }

  /** The last segment the server sent to `addr`. */
  lastTo(addr: string): Segment {
    const found = this.wire.filter((w) => w.from === 'server' && w.seg.dstAddr === addr).at(-1);
    if (!found) throw new Error(`nothing sent to ${addr}`);
    return found.seg;
  }
}

function serverLab(
  engine: EngineKind,
  listen: ListenOptions,
  overrides?: Partial<Profile>,
  profile?: string,
) {
  const lab = new Lab(engine, overrides, profile);
  const server = lab.add('server', SERVER);
  server.listen(PORT, listen);
  return { lab, server };
}

/** A SYN from a host that does not exist (its segments are injected by hand). */
function syn(n: number, fields: Partial<Segment> = {}): Segment {
  return {
    srcAddr: `10.99.0.${n}`,
    srcPort: 2000 + n,
    dstAddr: SERVER,
    dstPort: PORT,
    seq: (n * 0x9e3779b1) >>> 0,
    ack: 0,
    flags: Flag.SYN,
    win: 65535,
    mss: 1460,
    ...fields,
  };
}

/** The ACK completing the handshake of `synSeg` whose SYN-ACK was `synAck` (cookie = its ISN). */
function ackFor(synSeg: Segment, synAck: Segment, fields: Partial<Segment> = {}): Segment {
  return {
    srcAddr: synSeg.srcAddr,
    srcPort: synSeg.srcPort,
    dstAddr: SERVER,
    dstPort: PORT,
    seq: seqAdd(synSeg.seq, 1),
    ack: seqAdd(synAck.seq, 1),
    flags: Flag.ACK,
    win: 65535,
    ...fields,
  };
}

function tupleOf(seg: Segment): CookieTuple {
  return { localAddr: SERVER, localPort: PORT, remoteAddr: seg.srcAddr, remotePort: seg.srcPort };
}

const statsOf = (host: Host) => host.listenerStats()[String(PORT)];

describe.each(['actor', 'table'] as EngineKind[])('a listener with SYN cookies (%s engine)', (engine) => {
  it('mode 0 (off): SYNs overflowing the SYN queue are dropped; no cookie is ever sent or checked', () => {
    const { lab, server } = serverLab(engine, { backlog: 1, syncookies: 0 });
    for (let n = 1; n <= 3; n++) lab.deliver(server, syn(n));
    expect(lab.drops.map((d) => d.reason)).toEqual(['syn-queue-full']);
    expect(statsOf(server)).toMatchObject({ synQueue: 2, synQueueDrops: 1, cookiesSent: 0 });
    // Even an ACK carrying what would be a valid cookie is only an ACK to a LISTEN socket: RST.
    const cookie = makeCookie(SERVER_KEY, tupleOf(syn(3)), syn(3).seq, 1460, 0);
    lab.deliver(server, ackFor(syn(3), { ...syn(3), seq: cookie }));
    expect(server.connections()).toHaveLength(2);
    expect(lab.lastTo(syn(3).srcAddr).flags).toBe(Flag.RST);
    expect(statsOf(server)).toMatchObject({ cookiesValidated: 0, cookiesRejected: 0 });
  });

  it('mode 1 (default): half-open entries while the queue has room, a cookie only for a SYN that finds it full', () => {
    const { lab, server } = serverLab(engine, { backlog: 1 });
    lab.deliver(server, syn(1));
    lab.deliver(server, syn(2));
    expect(statsOf(server)).toMatchObject({ synQueue: 2, cookiesSent: 0 });
    lab.deliver(server, syn(3));
    const synAck = lab.lastTo(syn(3).srcAddr);
    expect(synAck.flags).toBe(Flag.SYN | Flag.ACK);
    expect(synAck.seq).toBe(makeCookie(SERVER_KEY, tupleOf(syn(3)), syn(3).seq, 1460, 0));
    expect(synAck.ack).toBe(seqAdd(syn(3).seq, 1));
    expect(synAck.mss).toBe(1460);
    expect(lab.drops).toEqual([]);
    expect(server.connections()).toHaveLength(2);
    expect(statsOf(server)).toMatchObject({
      synQueue: 2,
      synQueuePeak: 2,
      cookiesSent: 1,
      synAckSent: 3,
      synQueueDrops: 0,
    });
    // Nothing of the cookie SYN-ACK is kept, so nothing is retransmitted.
    lab.advanceTo(100_000);
    expect(lab.wire.filter((w) => w.seg.dstAddr === syn(3).srcAddr)).toHaveLength(1);
    // Once the entries expired the queue has room again: the next SYN gets a half-open entry.
    lab.deliver(server, syn(4));
    expect(statsOf(server)).toMatchObject({ synQueue: 1, cookiesSent: 1 });
  });

  it('mode 2: every SYN is answered with a cookie; no half-open entry ever exists', () => {
    const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 2 });
    for (let n = 1; n <= 20; n++) lab.deliver(server, syn(n));
    expect(server.connections()).toEqual([]);
    expect(statsOf(server)).toMatchObject({
      synReceived: 20,
      cookiesSent: 20,
      synAckSent: 20,
      synQueue: 0,
      synQueuePeak: 0,
    });
    const client = lab.add('client', '10.0.0.1');
    const conn = client.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(100);
    expect(client.snapshotOf(conn)?.value).toBe('ESTABLISHED');
    expect(server.connections()).toEqual([{ conn: '80-10.0.0.1:40000', state: 'ESTABLISHED' }]);
    expect(statsOf(server)).toMatchObject({
      cookiesSent: 21,
      cookiesValidated: 1,
      synQueuePeak: 0,
      accepted: 1,
    });
    expect(statsOf(server).occupancy.every(([, synQueue]) => synQueue === 0)).toBe(true);
    expect(lab.states.filter((s) => s.host === 'server' && s.to === 'SYN_RECEIVED')).toEqual([]);
  });

  it('a valid returning ACK creates the connection directly in ESTABLISHED: LISTEN → ESTABLISHED on COOKIE_ACK (the listener alone went CLOSED → LISTEN, at listen())', () => {
    const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 2 });
    const client = lab.add('client', '10.0.0.1');
    const conn = client.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(100);
    const id = '80-10.0.0.1:40000';
    expect(lab.states.filter((s) => s.host === 'server').map((s) => [s.t, s.conn, s.from, s.to])).toEqual([
      [0, 'listener:80', 'CLOSED', 'LISTEN'],
      [30, id, 'LISTEN', 'ESTABLISHED'],
    ]);
    expect(
      TRANSITION_TABLE.get('LISTEN')
        ?.get('COOKIE_ACK')
        ?.map((e) => e.target),
    ).toContain('ESTABLISHED');
    if (engine === 'actor') {
      // The connection actor took the LISTEN --COOKIE_ACK--> ESTABLISHED transition of the statechart.
      const snapshots = lab.inspections.filter(
        (e): e is Extract<InspectionEvent, { type: '@xstate.snapshot' }> =>
          e.type === '@xstate.snapshot' && (e.actorRef as AnyActorRef).id === id,
      );
      expect(
        snapshots.map((e) => [e.event.type, tcpStateOf((e.snapshot as unknown as { value: unknown }).value)]),
      ).toEqual([
        ['xstate.init', 'CLOSED'],
        ['OPEN_PASSIVE', 'LISTEN'],
        ['COOKIE_ACK', 'ESTABLISHED'],
      ]);
    }
    // The server's TCB is rebuilt from the ACK: its ISS is the cookie, its IRS the client's ISN.
    const synSeg = lab.wire.find((w) => w.from === 'client')!.seg;
    const synAck = lab.wire.find((w) => w.from === 'server')!.seg;
    const tcb = server.snapshotOf(id)!.context;
    expect(tcb.iss).toBe(synAck.seq);
    expect(tcb.irs).toBe(synSeg.seq);
    expect(tcb.sndNxt).toBe(seqAdd(synAck.seq, 1));
    expect(tcb.rcvNxt).toBe(seqAdd(synSeg.seq, 1));
    // Data flows both ways.
    client.send(conn, new Uint8Array(2000));
    server.send(id, new Uint8Array(100));
    lab.advanceTo(1_000);
    expect(server.snapshotOf(id)!.context.rcvNxt).toBe(seqAdd(synSeg.seq, 2001));
    expect(client.snapshotOf(conn)!.context.rcvNxt).toBe(seqAdd(synAck.seq, 101));
  });

  it.each([
    [1400, 1300],
    [undefined, 536],
    [1460, 1460],
    [1440, 1440],
    [9000, 1460],
  ])('client MSS %s: the cookie connection sends segments of %i bytes (the table MSS)', (clientMss, mss) => {
    const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 2 });
    const synSeg = syn(1, { mss: clientMss });
    lab.deliver(server, synSeg);
    const synAck = lab.lastTo(synSeg.srcAddr);
    expect((synAck.seq >>> 24) & 7).toBe(cookieMssIndex(clientMss));
    lab.deliver(server, ackFor(synSeg, synAck));
    const [{ conn, state }] = server.connections();
    expect(state).toBe('ESTABLISHED');
    expect(server.snapshotOf(conn)!.context.sendMss).toBe(mss);
    server.send(conn, new Uint8Array(5000));
    const data = lab.wire.filter((w) => w.from === 'server' && (w.seg.data?.length ?? 0) > 0);
    expect(data[0].seg.data!.length).toBe(mss);
  });

  it('end to end: a client with MSS 1400 connects through a full queue and gets MSS 1300', () => {
    const { lab, server } = serverLab(engine, { backlog: 1 });
    lab.deliver(server, syn(1));
    lab.deliver(server, syn(2));
    const client = lab.add('client', '10.0.0.1', 1400);
    client.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(100);
    expect(server.snapshotOf('80-10.0.0.1:40000')).toMatchObject({
      value: 'ESTABLISHED',
      context: { sendMss: 1300 },
    });
    expect(statsOf(server)).toMatchObject({ cookiesSent: 1, cookiesValidated: 1, synQueue: 2 });
  });

  describe('rejected cookies: counted, traced as syncookie-…, answered with RST, no connection', () => {
    function rejected(make: (synSeg: Segment, synAck: Segment) => Segment, at = 0) {
      const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 2 });
      const synSeg = syn(7);
      lab.deliver(server, synSeg);
      const synAck = lab.lastTo(synSeg.srcAddr);
      lab.advanceTo(at);
      const ack = make(synSeg, synAck);
      lab.deliver(server, ack);
      const rst = lab.lastTo(synSeg.srcAddr);
      expect(rst).toMatchObject({ flags: Flag.RST, seq: ack.ack, srcPort: PORT, dstPort: ack.srcPort });
      expect(server.connections()).toEqual([]);
      expect(statsOf(server)).toMatchObject({ cookiesValidated: 0, cookiesRejected: 1 });
      return lab.drops.map((d) => [d.t, d.reason]);
    }

    it('a forged cookie (wrong MAC)', () => {
      expect(rejected((s, a) => ackFor(s, { ...a, seq: (a.seq ^ 1) >>> 0 }))).toEqual([
        [0, 'syncookie-bad-mac'],
      ]);
    });

    it('a cookie with its MSS index changed to another table entry', () => {
      const lower = (a: Segment) => ({ ...a, seq: (a.seq & ~(7 << 24)) >>> 0 });
      expect(rejected((s, a) => ackFor(s, lower(a)))).toEqual([[0, 'syncookie-bad-mac']]);
    });

    it('a cookie with an MSS index beyond the table', () => {
      const bad = (a: Segment) => ({ ...a, seq: ((a.seq & ~(7 << 24)) | (6 << 24)) >>> 0 });
      expect(rejected((s, a) => ackFor(s, bad(a)))).toEqual([[0, 'syncookie-bad-mss']]);
    });

    it('a stale cookie: the ACK 200 s later', () => {
      expect(rejected((s, a) => ackFor(s, a), 200_000)).toEqual([[200_000, 'syncookie-stale']]);
    });

    it("an ACK whose sequence number is not the client's ISN + 1", () => {
      expect(rejected((s, a) => ackFor(s, a, { seq: seqAdd(s.seq, 2) }))).toEqual([[0, 'syncookie-bad-mac']]);
    });

    it('a valid cookie returned from another port', () => {
      expect(rejected((s, a) => ackFor(s, a, { srcPort: s.srcPort + 1 }))).toEqual([
        [0, 'syncookie-bad-mac'],
      ]);
    });
  });

  it('the validity window at the host: made at 63 999 ms (slot 0) → accepted at 191 999, stale at 192 000', () => {
    const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 2 });
    lab.advanceTo(63_999);
    lab.deliver(server, syn(1));
    lab.deliver(server, syn(2));
    const synAck1 = lab.lastTo(syn(1).srcAddr);
    const synAck2 = lab.lastTo(syn(2).srcAddr);
    lab.advanceTo(191_999);
    lab.deliver(server, ackFor(syn(1), synAck1));
    lab.advanceTo(192_000);
    lab.deliver(server, ackFor(syn(2), synAck2));
    expect(server.connections()).toEqual([
      { conn: `80-${syn(1).srcAddr}:${syn(1).srcPort}`, state: 'ESTABLISHED' },
    ]);
    expect(lab.drops.map((d) => [d.t, d.reason])).toEqual([[192_000, 'syncookie-stale']]);
    expect(statsOf(server)).toMatchObject({ cookiesValidated: 1, cookiesRejected: 1 });
    // Made at 192 000 (slot 3): valid until 383 999.
    lab.deliver(server, syn(3));
    const synAck3 = lab.lastTo(syn(3).srcAddr);
    expect(synAck3.seq >>> 27).toBe(3);
    lab.advanceTo(383_999);
    lab.deliver(server, ackFor(syn(3), synAck3));
    expect(server.connections()).toHaveLength(2);
  });

  it("a lost cookie ACK is recovered by the client's first data segment (it carries the same SEQ and ACK)", () => {
    const { lab, server } = serverLab(engine, { backlog: 8, syncookies: 2 });
    const client = lab.add('client', '10.0.0.1');
    lab.lose = (w) => w.from === 'client' && w.seg.flags === Flag.ACK && !w.seg.data;
    const conn = client.connect({ addr: SERVER, port: PORT });
    lab.advanceTo(100);
    expect(client.snapshotOf(conn)?.value).toBe('ESTABLISHED');
    expect(server.connections()).toEqual([]);
    lab.lose = () => false;
    client.send(conn, new Uint8Array(10));
    lab.advanceTo(200);
    expect(server.connections()).toEqual([{ conn: '80-10.0.0.1:40000', state: 'ESTABLISHED' }]);
    expect(server.snapshotOf('80-10.0.0.1:40000')!.context.rcvNxt).toBe(
      seqAdd(client.snapshotOf(conn)!.context.iss, 11),
    );
  });

  it('a valid cookie ACK finding the accept queue full is dropped silently and counted as an overflow', () => {
    const { lab, server } = serverLab(engine, {
      backlog: 8,
      syncookies: 2,
      acceptQueue: 1,
      autoAccept: false,
    });
    for (const n of [1, 2]) {
      lab.deliver(server, syn(n));
      lab.deliver(server, ackFor(syn(n), lab.lastTo(syn(n).srcAddr)));
    }
    expect(server.connections()).toHaveLength(1);
    expect(lab.drops.map((d) => d.reason)).toEqual(['accept-queue-full']);
    expect(lab.lastTo(syn(2).srcAddr).flags).toBe(Flag.SYN | Flag.ACK); // no RST
    expect(statsOf(server)).toMatchObject({ cookiesValidated: 1, acceptQueueOverflows: 1, acceptQueue: 1 });
  });

  it('a stray ACK to a mode-1 listener that never sent a cookie is answered with RST and not counted as a cookie', () => {
    const { lab, server } = serverLab(engine, { backlog: 8 });
    lab.deliver(server, ackFor(syn(1), { ...syn(1), seq: 12345 }));
    expect(lab.lastTo(syn(1).srcAddr).flags).toBe(Flag.RST);
    expect(lab.drops).toEqual([]);
    expect(statsOf(server)).toMatchObject({ cookiesRejected: 0, cookiesValidated: 0 });
  });
});

// ---------------------------------------------------------------------------------------------
// The Linux layout (profile linux, synCookies 'linux'; net/ipv4/syncookies.c) against the RFC 4987
// layout the rfc9293 profile keeps.

const SECRETS = linuxCookieSecrets(KEY);
const MINUTE = LINUX_COOKIE_PERIOD_MS;

describe('makeLinuxCookie / checkLinuxCookie (secure_tcp_syn_cookie, check_tcp_syn_cookie)', () => {
  it('is hash1 + client ISN + (minute counter << 24) + ((hash2 + MSS index) mod 2^24)', () => {
    // Two cookies a minute apart differ by exactly 1 in the top 8 bits plus the change of hash2 below.
    const a = makeLinuxCookie(SECRETS, TUPLE, ISN, 1460, 5 * MINUTE);
    const b = makeLinuxCookie(SECRETS, TUPLE, ISN, 1460, 6 * MINUTE);
    expect(((b >>> 24) - (a >>> 24) + 256) % 256).toBeLessThanOrEqual(2);
    // The client's ISN is added: ISN + 1 gives cookie + 1 (same minute, same index).
    expect(makeLinuxCookie(SECRETS, TUPLE, ISN + 1, 1460, 5 * MINUTE)).toBe((a + 1) >>> 0);
    // The MSS index is added under hash2: index 3 (1460) vs index 1 (1400 → 1300) differ by 2.
    const low = (c: number) => c & 0xffffff;
    expect(
      (low(a) - low(makeLinuxCookie(SECRETS, TUPLE, ISN, 1400, 5 * MINUTE)) + 0x1000000) % 0x1000000,
    ).toBe(2);
    expect(checkLinuxCookie(SECRETS, TUPLE, a, ISN, 5 * MINUTE)).toEqual({ valid: true, mss: 1460, slot: 5 });
  });

  it('the per-boot secret comes from the seed: another seed gives other cookies, which fail', () => {
    const other = linuxCookieSecrets(keyFromSeed(2, 1));
    expect(linuxCookieSecrets(KEY)).toEqual(SECRETS);
    const theirs = makeLinuxCookie(other, TUPLE, ISN, 1460, 0);
    expect(theirs).not.toBe(makeLinuxCookie(SECRETS, TUPLE, ISN, 1460, 0));
    expect(checkLinuxCookie(SECRETS, TUPLE, theirs, ISN, 0).valid).toBe(false);
  });

  it.each([0, 1, 59_999, 60_000, 600_000, 15_359_999])(
    'a cookie made at %i ms is valid in its minute and the next, rejected as stale from the minute after',
    (t0) => {
      const cookie = makeLinuxCookie(SECRETS, TUPLE, ISN, 1460, t0);
      const minute = linuxCookieCount(t0);
      const lastValid = (minute + LINUX_MAX_SYNCOOKIE_AGE) * MINUTE - 1;
      for (const t of [t0, (minute + 1) * MINUTE, lastValid]) {
        expect(checkLinuxCookie(SECRETS, TUPLE, cookie, ISN, t)).toEqual({
          valid: true,
          mss: 1460,
          slot: minute,
        });
      }
      expect(checkLinuxCookie(SECRETS, TUPLE, cookie, ISN, lastValid + 1)).toEqual({
        valid: false,
        reason: 'stale',
      });
      expect(checkLinuxCookie(SECRETS, TUPLE, cookie, ISN, t0 + 10 * MINUTE)).toEqual({
        valid: false,
        reason: 'stale',
      });
    },
  );

  it("a change of the client's ISN invalidates the cookie (the low bits no longer decode to an MSS index)", () => {
    const cookie = makeLinuxCookie(SECRETS, TUPLE, ISN, 1460, 0);
    for (const isn of [ISN + 0x1000000, ISN - 0x1000000, ISN ^ 0x80000000, ISN + 4, 0]) {
      expect(checkLinuxCookie(SECRETS, TUPLE, cookie, isn >>> 0, 0).valid).toBe(false);
    }
  });

  it.each([
    ['local port', { localPort: 81 }],
    ['remote address', { remoteAddr: '10.0.0.9' }],
    ['remote port', { remotePort: 40001 }],
  ])('is bound to the 4-tuple: another %s fails', (_, change) => {
    const cookie = makeLinuxCookie(SECRETS, TUPLE, ISN, 1460, 0);
    expect(checkLinuxCookie(SECRETS, { ...TUPLE, ...change }, cookie, ISN, 0).valid).toBe(false);
  });

  it('client MSS 1400 is remembered as 1300 (msstab)', () => {
    const cookie = makeLinuxCookie(SECRETS, TUPLE, ISN, 1400, 0);
    expect(checkLinuxCookie(SECRETS, TUPLE, cookie, ISN, 0)).toMatchObject({ valid: true, mss: 1300 });
  });

  it('random 32-bit values are not cookies', () => {
    let state = 777;
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      if (checkLinuxCookie(SECRETS, TUPLE, state, ISN, 5_000).valid) valid++;
    }
    expect(valid).toBe(0);
  });
});

describe('cookieTsval / decodeCookieTsecr (cookie_init_timestamp, cookie_timestamp_decode)', () => {
  it.each([
    [{ wscale: 7, sackOk: true }, 0b01_0111],
    [{ wscale: 0, sackOk: false }, 0b00_0000],
    [{ sackOk: true }, 0b01_1111],
    [{ sackOk: false }, 0b00_1111],
    [{ wscale: 14, sackOk: true, ecn: true }, 0b11_1110],
  ] as Array<[CookieOptions, number]>)(
    '%o goes into the low 6 bits as %i and comes back',
    (options, bits) => {
      const ts = cookieTsval(1_000_000, options);
      expect(ts & 0x3f).toBe(bits);
      expect(ts).toBeLessThanOrEqual(1_000_000);
      expect(1_000_000 - ts).toBeLessThan(64);
      expect(decodeCookieTsecr(ts)).toEqual({ ecn: options.ecn ?? false, ...options });
    },
  );

  it('never runs ahead of the clock (stepped back by 64 when the options exceed its low bits)', () => {
    expect(cookieTsval(64 * 100 + 3, { wscale: 7, sackOk: true })).toBe(64 * 99 + 0b01_0111);
  });

  it('without timestamps on the ACK nothing is restored', () => {
    expect(decodeCookieTsecr(undefined)).toEqual({ sackOk: false });
  });
});

/** A SYN offering everything Linux does: MSS 1400, SACK-permitted, timestamps, window scale 7. */
function fullSyn(n: number, withTs = true): Segment {
  return syn(n, {
    mss: 1400,
    sackOk: true,
    wscale: 7,
    ...(withTs ? { ts: { val: 5000, ecr: 0 } } : {}),
  });
}

describe.each(['actor', 'table'] as EngineKind[])('SYN cookies by profile (%s engine)', (engine) => {
  const linuxLab = () => serverLab(engine, { backlog: 8, syncookies: 2 }, {});
  const rfcLab = () => serverLab(engine, { backlog: 8, syncookies: 2 }, {}, 'rfc9293');

  function connect(
    lab: Lab,
    server: Host,
    synSeg: Segment,
    ackFields: (synAck: Segment) => Partial<Segment>,
  ) {
    lab.deliver(server, synSeg);
    const synAck = lab.lastTo(synSeg.srcAddr);
    lab.deliver(server, ackFor(synSeg, synAck, { win: 512, ...ackFields(synAck) }));
    return { synAck, conn: server.connections()[0]?.conn };
  }

  it('linux: options restored from TSecr — SACK, window scale 7 on the ACK window, MSS 1400 → 1300 − 12', () => {
    const { lab, server } = linuxLab();
    const { synAck, conn } = connect(lab, server, fullSyn(1), (a) => ({
      ts: { val: 6000, ecr: a.ts!.val },
    }));
    expect(synAck).toMatchObject({ sackOk: true, wscale: 10, win: 65160, ts: { ecr: 5000 } });
    const tcb = server.snapshotOf(conn!)!.context;
    expect(tcb).toMatchObject({ tsOk: true, sackOk: true, wsOk: true, sndWscale: 7, rcvWscale: 10 });
    expect(tcb).toMatchObject({ sndWnd: 512 * 128, sendMss: 1288, tsRecent: 6000 });
    // Data leaves with timestamps whose clock continued from the cookie's TSval.
    server.send(conn!, new Uint8Array(2000));
    const data = lab.wire.filter((w) => w.from === 'server' && (w.seg.data?.length ?? 0) > 0);
    expect(data[0].seg.data!.length).toBe(1288);
    expect(data[0].seg.ts!.val).toBeGreaterThanOrEqual(synAck.ts!.val);
    expect(data[0].seg.ts!.ecr).toBe(6000);
  });

  it('linux: what the TSecr says is what is restored (no SACK, no scaling offered → none)', () => {
    const { lab, server } = linuxLab();
    const { synAck, conn } = connect(lab, server, syn(2, { mss: 1460, ts: { val: 1, ecr: 0 } }), (a) => ({
      ts: { val: 2, ecr: a.ts!.val },
    }));
    expect(synAck.sackOk).toBeUndefined();
    expect(synAck.wscale).toBeUndefined();
    expect(server.snapshotOf(conn!)!.context).toMatchObject({
      tsOk: true,
      sackOk: false,
      wsOk: false,
      sendMss: 1448,
    });
  });

  it('linux: without timestamps a cookie connection gets no SACK and no window scaling (the SYN-ACK offers none)', () => {
    const { lab, server } = linuxLab();
    const { synAck, conn } = connect(lab, server, fullSyn(3, false), () => ({}));
    expect(synAck).toMatchObject({ mss: 1460, win: 64240 });
    expect(synAck.sackOk ?? synAck.wscale ?? synAck.ts).toBeUndefined();
    const tcb = server.snapshotOf(conn!)!.context;
    expect(tcb).toMatchObject({ tsOk: false, sackOk: false, wsOk: false, sndWnd: 512, sendMss: 1300 });
  });

  it('linux: a cookie is valid within 2 minutes (its minute and the next) and rejected after', () => {
    const { lab, server } = linuxLab();
    lab.advanceTo(59_999);
    lab.deliver(server, fullSyn(4, false));
    lab.deliver(server, fullSyn(5, false));
    const [a4, a5] = [lab.lastTo(fullSyn(4).srcAddr), lab.lastTo(fullSyn(5).srcAddr)];
    lab.advanceTo(119_999);
    lab.deliver(server, ackFor(fullSyn(4, false), a4));
    lab.advanceTo(120_000);
    lab.deliver(server, ackFor(fullSyn(5, false), a5));
    expect(server.connections()).toHaveLength(1);
    expect(lab.drops.map((d) => [d.t, d.reason])).toEqual([[120_000, 'syncookie-stale']]);
  });

  it("linux: an ACK whose SEQ is not the client's ISN + 1 is no cookie (the ISN is part of it)", () => {
    const { lab, server } = linuxLab();
    const synSeg = fullSyn(6, false);
    lab.deliver(server, synSeg);
    lab.deliver(
      server,
      ackFor(synSeg, lab.lastTo(synSeg.srcAddr), { seq: seqAdd(synSeg.seq, 1 + 0x1000000) }),
    );
    expect(server.connections()).toEqual([]);
    expect(lab.lastTo(synSeg.srcAddr).flags).toBe(Flag.RST);
    expect(lab.drops.map((d) => d.reason)).toEqual(['syncookie-bad-mac']);
  });

  it('rfc9293: the RFC 4987 layout — slot | MSS index in the top byte, no options even with timestamps', () => {
    const { lab, server } = rfcLab();
    const { synAck, conn } = connect(lab, server, fullSyn(7), (a) => ({ ts: { val: 6000, ecr: a.seq } }));
    expect(synAck.seq).toBe(makeCookie(SERVER_KEY, tupleOf(fullSyn(7)), fullSyn(7).seq, 1400, 0));
    expect((synAck.seq >>> 24) & 7).toBe(1);
    expect(synAck.sackOk ?? synAck.wscale ?? synAck.ts).toBeUndefined();
    expect(server.snapshotOf(conn!)!.context).toMatchObject({
      tsOk: false,
      sackOk: false,
      wsOk: false,
      sendMss: 1300,
    });
  });
});
