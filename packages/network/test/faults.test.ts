import { Flag, type Segment } from '@synack/core';
import { from, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  bandwidthQueue,
  bernoulliLoss,
  createFaultPipeline,
  delayAndJitter,
  duplication,
  type FaultContext,
  type FaultEvent,
  gilbertElliottLoss,
  type LinkRuntimeState,
  modelFor,
  reordering,
} from '../src/faults.js';
import { createRng, deriveSeed } from '../src/prng.js';
import type { NetworkConfig, TargetedFault } from '../src/schema.js';
import type { Packet } from '../src/types.js';
import { validateNetworkConfig } from '../src/validate.js';

const CLIENT = { addr: '10.0.0.1', port: 40000 };
const SERVER = { addr: '10.0.0.2', port: 80 };

function segment(
  flags: number,
  opts: { seq?: number; ack?: number; len?: number; reverse?: boolean } = {},
): Segment {
  const [src, dst] = opts.reverse ? [SERVER, CLIENT] : [CLIENT, SERVER];
  return {
    srcAddr: src.addr,
    srcPort: src.port,
    dstAddr: dst.addr,
    dstPort: dst.port,
    seq: opts.seq ?? 1000,
    ack: opts.ack ?? 0,
    flags,
    win: 65535,
    ...(opts.len ? { data: new Uint8Array(opts.len) } : {}),
  };
}

interface PacketOpts {
  from?: string;
  to?: string;
  sentAt?: number;
  senderState?: string;
  len?: number;
}

function packet(id: number, flags: number, opts: PacketOpts = {}): Packet {
  const from = opts.from ?? 'client';
  const to = opts.to ?? (from === 'client' ? 'server' : 'client');
  const sentAt = opts.sentAt ?? 0;
  return {
    id,
    from,
    to,
    segment: segment(flags, { len: opts.len, reverse: from !== 'client' }),
    sentAt,
    deliverAt: sentAt,
    ...(opts.senderState ? { senderState: opts.senderState } : {}),
  };
}

/** `count` data packets client->server, 1 ms apart, ids 1..count. */
function dataPackets(count: number, opts: PacketOpts = {}): Packet[] {
  return Array.from({ length: count }, (_, i) =>
    packet(i + 1, Flag.ACK | Flag.PSH, { sentAt: i, len: 10, ...opts }),
  );
}

function idAllocator(start = 1000): () => number {
  let next = start;
  return () => next++;
}

/** Runs packets through the whole pipeline with a fresh rng. */
function run(config: NetworkConfig, packets: Packet[], seed = 1) {
  return createFaultPipeline(config, createRng(seed)).transmit(packets, 0, idAllocator());
}

/** Runs a single operator synchronously, returning its output and events. */
function runOperator(
  make: (ctx: FaultContext) => OperatorFunction<Packet, Packet>,
  packets: Packet[],
  seed = 1,
): { out: Packet[]; events: FaultEvent[]; ctx: FaultContext } {
  const events: FaultEvent[] = [];
  const ctx: FaultContext = {
    rng: createRng(seed),
    now: 0,
    emit: (e) => events.push(e),
    nextId: idAllocator(),
    linkState: new Map<string, LinkRuntimeState>(),
    matchCounts: new Map<TargetedFault, number>(),
  };
  const out: Packet[] = [];
  from(packets)
    .pipe(make(ctx))
    .subscribe((p) => out.push(p));
  return { out, events, ctx };
}

const SYN = Flag.SYN;
const SYN_ACK = Flag.SYN | Flag.ACK;
const ACK = Flag.ACK;

/** A handshake in which the server retransmits its SYN-ACK twice. */
function handshakeWithRetransmits(): Packet[] {
  return [
    packet(1, SYN, { from: 'client', sentAt: 0, senderState: 'SYN_SENT' }),
    packet(2, SYN_ACK, { from: 'server', sentAt: 10, senderState: 'SYN_RECEIVED' }),
    packet(3, SYN_ACK, { from: 'server', sentAt: 1010, senderState: 'SYN_RECEIVED' }),
    packet(4, SYN_ACK, { from: 'server', sentAt: 3010, senderState: 'SYN_RECEIVED' }),
    packet(5, ACK, { from: 'client', sentAt: 3020, senderState: 'ESTABLISHED' }),
  ];
}

const ids = (packets: Packet[]) => packets.map((p) => p.id);
const drops = (events: FaultEvent[]) => events.filter((e) => e.kind === 'drop');

describe('prng', () => {
  it('same seed gives the same sequence, different seeds differ', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
  });

  it('next stays in [0, 1) and int stays within its inclusive bounds', () => {
    const rng = createRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = rng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const k = rng.int(-2, 2);
      expect(k).toBeGreaterThanOrEqual(-2);
      expect(k).toBeLessThanOrEqual(2);
      seen.add(k);
    }
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2]);
  });

  it('chance consumes one draw even when p is 0 or 1', () => {
    const a = createRng(5);
    const b = createRng(5);
    expect(a.chance(0)).toBe(false);
    expect(a.chance(1)).toBe(true);
    b.next();
    b.next();
    expect(a.next()).toBe(b.next());
  });

  it('neighbouring seeds do not start with correlated draws', () => {
    const firsts = Array.from({ length: 200 }, (_, seed) => createRng(seed).next());
    const mean = firsts.reduce((s, x) => s + x, 0) / firsts.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.1);
  });

  it('deriveSeed is deterministic, 32-bit and spreads neighbouring indices', () => {
    expect(deriveSeed(1, 0)).toBe(deriveSeed(1, 0));
    const derived = Array.from({ length: 1000 }, (_, i) => deriveSeed(1, i));
    expect(new Set(derived).size).toBe(1000);
    for (const s of derived) expect(s >>> 0).toBe(s);
    expect(deriveSeed(2, 0)).not.toBe(deriveSeed(1, 0));
  });
});

describe('random loss', () => {
  it('loss 0 drops nothing and loss 1 drops everything', () => {
    const none = run({ default: { loss: 0 } }, dataPackets(100));
    expect(none.scheduled).toHaveLength(100);
    expect(none.events).toEqual([]);

    const all = run({ default: { loss: 1 } }, dataPackets(100));
    expect(all.scheduled).toEqual([]);
    expect(drops(all.events)).toHaveLength(100);
    expect(all.events.every((e) => e.kind === 'drop' && e.reason === 'loss')).toBe(true);
  });

  it('Bernoulli loss rate over 20,000 packets is within 3 sigma of p', () => {
    const n = 20_000;
    const p = 0.1;
    const { out, events } = runOperator((ctx) => bernoulliLoss({ loss: p }, ctx), dataPackets(n), 123);
    const lost = n - out.length;
    expect(drops(events)).toHaveLength(lost);
    expect(Math.abs(lost - n * p)).toBeLessThan(3 * Math.sqrt(n * p * (1 - p)));
  });

  it('Gilbert–Elliott produces bursts with mean length about 1 / pBadToGood', () => {
    const n = 20_000;
    const burst = { pGoodToBad: 0.05, pBadToGood: 0.25 };
    const { out, events } = runOperator((ctx) => gilbertElliottLoss(burst, ctx), dataPackets(n));
    expect(events.every((e) => e.kind === 'drop' && e.reason === 'burst-loss')).toBe(true);

    const delivered = new Set(ids(out));
    const bursts: number[] = [];
    let current = 0;
    for (let id = 1; id <= n; id++) {
      if (!delivered.has(id)) current++;
      else if (current > 0) {
        bursts.push(current);
        current = 0;
      }
    }
    if (current > 0) bursts.push(current);
    const mean = bursts.reduce((s, x) => s + x, 0) / bursts.length;
    // Stationary loss rate is pGoodToBad / (pGoodToBad + pBadToGood) = 1/6.
    expect(Math.abs((n - out.length) / n - 1 / 6)).toBeLessThan(0.03);
    expect(mean).toBeGreaterThan(3.5);
    expect(mean).toBeLessThan(4.5);
  });

  it('Gilbert–Elliott starts in the good state and keeps its state per link', () => {
    const burst = { pGoodToBad: 0, pBadToGood: 0 };
    const { out } = runOperator((ctx) => gilbertElliottLoss(burst, ctx), dataPackets(50));
    expect(out).toHaveLength(50);

    const { out: out2, ctx } = runOperator(
      (c) => {
        c.linkState.set('client->server', {
          burstBad: true,
          busyUntil: 0,
          queuedStarts: [],
          jitteredUntil: -Infinity,
        });
        return gilbertElliottLoss(burst, c);
      },
      [...dataPackets(3), ...dataPackets(3, { from: 'server' }).map((p) => ({ ...p, id: p.id + 10 }))],
    );
    expect(ids(out2)).toEqual([11, 12, 13]);
    expect(ctx.linkState.get('server->client')?.burstBad).toBe(false);
  });
});

describe('duplication', () => {
  it('creates copies with new ids and duplicateOf the original', () => {
    const { out, events } = runOperator((ctx) => duplication({ duplicate: 1 }, ctx), dataPackets(3));
    expect(out).toHaveLength(6);
    const copies = out.filter((p) => p.duplicateOf !== undefined);
    expect(copies.map((p) => [p.id, p.duplicateOf])).toEqual([
      [1000, 1],
      [1001, 2],
      [1002, 3],
    ]);
    for (const copy of copies) {
      const original = out.find((p) => p.id === copy.duplicateOf)!;
      expect(copy.deliverAt).toBe(original.deliverAt);
      expect(copy.segment).toEqual(original.segment);
    }
    expect(events.map((e) => e.kind === 'duplicate' && [e.packet.id, e.original.id])).toEqual([
      [1000, 1],
      [1001, 2],
      [1002, 3],
    ]);
  });

  it('delivers the copy within [deliverAt, deliverAt + jitter]', () => {
    const { scheduled } = run({ default: { duplicate: 1, delay: 20, jitter: 5 } }, dataPackets(200));
    const byId = new Map(scheduled.map((p) => [p.id, p]));
    for (const copy of scheduled.filter((p) => p.duplicateOf !== undefined)) {
      const offset = copy.deliverAt - byId.get(copy.duplicateOf!)!.deliverAt;
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThanOrEqual(5);
    }
  });

  it('duplicate 0 creates no copies', () => {
    expect(run({ default: { duplicate: 0 } }, dataPackets(50)).scheduled).toHaveLength(50);
  });
});

describe('delay, jitter and reordering', () => {
  it('uses a 10 ms default delay', () => {
    const { scheduled } = run({}, [packet(1, SYN, { sentAt: 5 })]);
    expect(scheduled[0].deliverAt).toBe(15);
  });

  it('keeps deliverAt within [sentAt + delay, sentAt + delay + jitter] and uses the whole range', () => {
    const { out } = runOperator((ctx) => delayAndJitter({ delay: 30, jitter: 4 }, ctx), dataPackets(500));
    const offsets = out.map((p) => p.deliverAt - p.sentAt);
    expect(Math.min(...offsets)).toBe(30);
    expect(Math.max(...offsets)).toBe(34);
    expect(new Set(offsets).size).toBe(5);
  });

  it('never lets jitter reorder one link: a burst sent in one instant arrives in sending order', () => {
    const burst = dataPackets(50, { sentAt: 0 });
    const { out } = runOperator((ctx) => delayAndJitter({ delay: 10, jitter: 8 }, ctx), burst);
    const arrivals = out.map((p) => p.deliverAt);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]).toBeGreaterThanOrEqual(arrivals[i - 1]);
    // Jitter still varies the delay: not every packet is held at the first one's arrival.
    expect(new Set(arrivals).size).toBeGreaterThan(1);
    expect(Math.max(...arrivals)).toBeLessThanOrEqual(18);
  });

  it('keeps FIFO order per link only: the other direction is not held behind it', () => {
    const forward = dataPackets(20, { sentAt: 0 });
    const reverse = dataPackets(20, { sentAt: 0, from: 'server' }).map((p) => ({ ...p, id: p.id + 100 }));
    const { out } = runOperator(
      (ctx) => delayAndJitter({ delay: 10, jitter: 8 }, ctx),
      [...forward, ...reverse],
    );
    const arrivals = (from: string) => out.filter((p) => p.from === from).map((p) => p.deliverAt);
    // Held behind the forward link, every reverse packet would arrive at or after its last one.
    expect(Math.min(...arrivals('server'))).toBeLessThan(Math.max(...arrivals('client')));
  });

  it('draws continuous jitter when jitter is not an integer', () => {
    const { out } = runOperator((ctx) => delayAndJitter({ delay: 1, jitter: 0.5 }, ctx), dataPackets(100));
    for (const p of out) {
      expect(p.deliverAt - p.sentAt).toBeGreaterThanOrEqual(1);
      expect(p.deliverAt - p.sentAt).toBeLessThanOrEqual(1.5);
    }
    expect(out.some((p) => !Number.isInteger(p.deliverAt))).toBe(true);
  });

  it('reordering makes a later packet overtake', () => {
    const { scheduled } = run({ default: { delay: 10, reorder: 0.3 } }, dataPackets(30), 3);
    const held = scheduled.filter((p) => p.reordered);
    expect(held.length).toBeGreaterThan(0);
    // Default hold is max(1, 2 × (delay + jitter)) = 20 ms.
    for (const p of held) expect(p.deliverAt).toBe(p.sentAt + 30);
    const order = ids(scheduled);
    const overtaken = held.some((p) => order.indexOf(p.id) > order.indexOf(p.id + 1));
    expect(overtaken).toBe(true);
  });

  it('reordering uses reorderDelay when given', () => {
    const { out } = runOperator((ctx) => reordering({ reorder: 1, reorderDelay: 7 }, ctx), dataPackets(2));
    expect(out.map((p) => [p.deliverAt, p.reordered])).toEqual([
      [7, true],
      [8, true],
    ]);
  });
});

describe('bandwidth queue', () => {
  it('serialises packets back to back at (40 + payload) / bandwidth', () => {
    // 60 payload bytes + 40 header bytes at 1000 B/s = 100 ms per packet.
    const packets = [1, 2, 3].map((id) => packet(id, ACK, { sentAt: 0, len: 60 }));
    const { scheduled } = run({ default: { delay: 5, bandwidth: 1000 } }, packets);
    expect(scheduled.map((p) => p.deliverAt)).toEqual([105, 205, 305]);
  });

  it('an idle link only adds the serialisation time', () => {
    const packets = [packet(1, ACK, { sentAt: 0 }), packet(2, ACK, { sentAt: 500 })];
    const { scheduled } = run({ default: { delay: 0, bandwidth: 1000 } }, packets);
    expect(scheduled.map((p) => p.deliverAt)).toEqual([40, 540]);
  });

  it('tail-drops with queue-full beyond queueLimit waiting packets', () => {
    // 40 ms per packet. #1 transmits, #2 waits, #3 and #4 overflow; by t=50 #2 is on the wire.
    const packets = [
      ...[1, 2, 3, 4].map((id) => packet(id, ACK, { sentAt: 0 })),
      packet(5, ACK, { sentAt: 50 }),
    ];
    const { out, events } = runOperator(
      (ctx) => bandwidthQueue({ bandwidth: 1000, queueLimit: 1 }, ctx),
      packets,
    );
    expect(out.map((p) => [p.id, p.deliverAt])).toEqual([
      [1, 40],
      [2, 80],
      [5, 120],
    ]);
    expect(events.map((e) => e.kind === 'drop' && [e.packet.id, e.reason])).toEqual([
      [3, 'queue-full'],
      [4, 'queue-full'],
    ]);
  });

  it('keeps the link busy across transmit calls', () => {
    const pipeline = createFaultPipeline({ default: { delay: 0, bandwidth: 1000 } }, createRng(1));
    const first = pipeline.transmit([packet(1, ACK, { sentAt: 0 })], 0, idAllocator());
    const second = pipeline.transmit([packet(2, ACK, { sentAt: 10 })], 10, idAllocator());
    expect(first.scheduled[0].deliverAt).toBe(40);
    expect(second.scheduled[0].deliverAt).toBe(80);
  });
});

describe('targeted faults', () => {
  const dropSynAck = (nth?: number, label = 'drop the SYN-ACK'): NetworkConfig => ({
    faults: [
      {
        match: { from: 'server', flags: ['SYN', 'ACK'], ...(nth === undefined ? {} : { nth }) },
        action: { drop: true },
        label,
      },
    ],
  });

  it('drops only the first SYN-ACK by default (nth 1)', () => {
    const { scheduled, events } = run(
      dropSynAck(undefined, 'drop the first SYN-ACK'),
      handshakeWithRetransmits(),
    );
    expect(ids(scheduled)).toEqual([1, 3, 4, 5]);
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'drop',
        reason: 'targeted: drop the first SYN-ACK',
        label: 'drop the first SYN-ACK',
      }),
    ]);
    expect(events[0].packet.id).toBe(2);
  });

  it('reason is plain "targeted" without a label', () => {
    const { events } = run(
      { faults: [{ match: { flags: ['SYN'] }, action: { drop: true } }] },
      handshakeWithRetransmits(),
    );
    expect(events).toEqual([expect.objectContaining({ kind: 'drop', reason: 'targeted' })]);
  });

  it('drops only the 2nd match with nth 2', () => {
    expect(ids(run(dropSynAck(2), handshakeWithRetransmits()).scheduled)).toEqual([1, 2, 4, 5]);
  });

  it('drops every match with nth 0', () => {
    expect(ids(run(dropSynAck(0), handshakeWithRetransmits()).scheduled)).toEqual([1, 5]);
  });

  it('counts matches across transmit calls', () => {
    const pipeline = createFaultPipeline(dropSynAck(2), createRng(1));
    const [syn, synAck1, synAck2] = handshakeWithRetransmits();
    expect(ids(pipeline.transmit([syn, synAck1], 10, idAllocator()).scheduled)).toEqual([1, 2]);
    expect(ids(pipeline.transmit([synAck2], 1010, idAllocator()).scheduled)).toEqual([]);
  });

  it('counts per fault, independently of earlier faults dropping the packet', () => {
    const config: NetworkConfig = {
      faults: [
        { match: { flags: ['SYN', 'ACK'], nth: 1 }, action: { drop: true } },
        { match: { flags: ['SYN', 'ACK'], nth: 2 }, action: { drop: true } },
      ],
    };
    expect(ids(run(config, handshakeWithRetransmits()).scheduled)).toEqual([1, 4, 5]);
  });

  it('exactFlags matches only that exact set while flags matches a superset', () => {
    const exact = run(
      { faults: [{ match: { exactFlags: ['SYN'], nth: 0 }, action: { drop: true } }] },
      handshakeWithRetransmits(),
    );
    expect(ids(exact.scheduled)).toEqual([2, 3, 4, 5]);
    const subset = run(
      { faults: [{ match: { flags: ['SYN'], nth: 0 }, action: { drop: true } }] },
      handshakeWithRetransmits(),
    );
    expect(ids(subset.scheduled)).toEqual([5]);
  });

  it('matches on senderState', () => {
    const { scheduled } = run(
      { faults: [{ match: { senderState: 'ESTABLISHED' }, action: { drop: true } }] },
      handshakeWithRetransmits(),
    );
    expect(ids(scheduled)).toEqual([1, 2, 3, 4]);
  });

  it('matches on from, to and minLen', () => {
    const packets = [
      packet(1, ACK, { from: 'client', len: 0 }),
      packet(2, ACK, { from: 'client', len: 100 }),
      packet(3, ACK, { from: 'server', len: 100 }),
    ];
    const { scheduled } = run(
      { faults: [{ match: { from: 'client', to: 'server', minLen: 1, nth: 0 }, action: { drop: true } }] },
      packets,
    );
    expect(ids(scheduled)).toEqual([1, 3]);
  });

  it('delay action adds to deliverAt', () => {
    const { scheduled } = run(
      {
        default: { delay: 10 },
        faults: [{ match: { flags: ['SYN'], exactFlags: ['SYN'] }, action: { delay: 250 } }],
      },
      handshakeWithRetransmits(),
    );
    expect(scheduled.find((p) => p.id === 1)!.deliverAt).toBe(260);
    expect(scheduled.find((p) => p.id === 2)!.deliverAt).toBe(20);
  });

  it('duplicate action delivers a copy with a new id', () => {
    const { scheduled, events } = run(
      {
        faults: [{ match: { to: 'server', flags: ['ACK'] }, action: { duplicate: true }, label: 'dup ACK' }],
      },
      handshakeWithRetransmits(),
    );
    const copy = scheduled.find((p) => p.duplicateOf === 5)!;
    expect(copy).toBeDefined();
    expect(copy.id).toBe(1000);
    expect(copy.deliverAt).toBe(scheduled.find((p) => p.id === 5)!.deliverAt);
    expect(events).toEqual([expect.objectContaining({ kind: 'duplicate' })]);
  });

  it('accepts a predicate function, applied to every packet it accepts', () => {
    const fault: TargetedFault = {
      match: (p) => p.sentAt >= 1000 && p.from === 'server',
      action: { drop: true },
      label: 'late server packets',
    };
    const { scheduled, events } = run({ faults: [fault] }, handshakeWithRetransmits());
    expect(ids(scheduled)).toEqual([1, 2, 5]);
    expect(events.map((e) => e.packet.id)).toEqual([3, 4]);
  });

  it('rethrows an error from a predicate', () => {
    const config: NetworkConfig = {
      faults: [
        {
          match: () => {
            throw new Error('boom');
          },
          action: { drop: true },
        },
      ],
    };
    expect(() => run(config, dataPackets(1))).toThrow('boom');
  });
});

describe('pipeline', () => {
  const noisy: NetworkConfig = {
    default: {
      loss: 0.1,
      burstLoss: { pGoodToBad: 0.05, pBadToGood: 0.5 },
      delay: 20,
      jitter: 10,
      reorder: 0.1,
      duplicate: 0.1,
      bandwidth: 100_000,
      queueLimit: 50,
    },
    faults: [{ match: { flags: ['PSH'], nth: 3 }, action: { drop: true } }],
  };

  it('same seed gives identical output', () => {
    expect(run(noisy, dataPackets(300), 17)).toEqual(run(noisy, dataPackets(300), 17));
  });

  it('different seeds give different output', () => {
    expect(run(noisy, dataPackets(300), 17)).not.toEqual(run(noisy, dataPackets(300), 18));
  });

  it('sorts scheduled packets by (deliverAt, id)', () => {
    const { scheduled } = run(noisy, dataPackets(300), 5);
    for (let i = 1; i < scheduled.length; i++) {
      const [a, b] = [scheduled[i - 1], scheduled[i]];
      expect(a.deliverAt < b.deliverAt || (a.deliverAt === b.deliverAt && a.id < b.id)).toBe(true);
    }
  });

  it('does not mutate the input packets', () => {
    const packets = dataPackets(20);
    const snapshot = structuredClone(packets);
    run(noisy, packets);
    expect(packets).toEqual(snapshot);
  });

  it('a link override replaces the default entirely', () => {
    const config: NetworkConfig = {
      default: { loss: 1, delay: 50 },
      links: { 'client->server': { jitter: 0 } },
    };
    expect(modelFor(config, 'client', 'server')).toEqual({ jitter: 0 });
    expect(modelFor(config, 'server', 'client')).toEqual({ loss: 1, delay: 50 });
    expect(modelFor({}, 'a', 'b')).toEqual({});

    const packets = [packet(1, SYN, { from: 'client' }), packet(2, SYN_ACK, { from: 'server' })];
    const { scheduled, events } = run(config, packets);
    expect(scheduled.map((p) => [p.id, p.deliverAt])).toEqual([[1, 10]]);
    expect(events.map((e) => e.kind === 'drop' && [e.packet.id, e.reason])).toEqual([[2, 'loss']]);
  });

  it('validates the config when created', () => {
    expect(() => createFaultPipeline({ default: { loss: 2 } }, createRng(1))).toThrow('default.loss');
  });
});

describe('validateNetworkConfig', () => {
  const bad = (config: unknown) => () => validateNetworkConfig(config);
  /** The one-line message a bad network config is rejected with. */
  const messageOf = (config: unknown): string => {
    try {
      validateNetworkConfig(config);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('accepts a full valid config', () => {
    expect(
      bad({
        default: {
          loss: 0,
          burstLoss: { pGoodToBad: 0.1, pBadToGood: 0.5, lossBad: 0.9 },
          bandwidth: 1e6,
          queueLimit: 10,
        },
        links: { 'client->server': {} },
        faults: [
          { match: { flags: ['SYN'], nth: 0 }, action: { drop: true }, label: 'x' },
          { match: () => true, action: { delay: 5 } },
        ],
      }),
    ).not.toThrow();
  });

  it('names the field path of an out-of-range probability', () => {
    expect(messageOf({ links: { 'client->server': { loss: 1.5 } } })).toBe(
      'links.client->server.loss: must be between 0 and 1, got 1.5',
    );
    expect(messageOf({ default: { reorder: -0.1 } })).toBe(
      'default.reorder: must be between 0 and 1, got -0.1',
    );
    expect(messageOf({ default: { duplicate: Number.NaN } })).toBe(
      'default.duplicate: Invalid input: expected number, received NaN',
    );
    expect(messageOf({ default: { burstLoss: { pGoodToBad: 0.1 } } })).toBe(
      'default.burstLoss.pBadToGood: Invalid input: expected number, received undefined',
    );
  });

  it('names negative or huge delay, jitter and bandwidth', () => {
    expect(messageOf({ default: { delay: -1 } })).toBe(
      'default.delay: must be between 0 and 3600000 ms, got -1',
    );
    expect(messageOf({ default: { delay: 3_600_001 } })).toMatch(/^default\.delay: must be between/);
    expect(messageOf({ links: { 'a->b': { jitter: -5 } } })).toMatch(/^links\.a->b\.jitter: /);
    expect(messageOf({ default: { bandwidth: -100 } })).toBe(
      'default.bandwidth: must be greater than 0 and at most 1000000000000 bytes/s, got -100',
    );
    expect(messageOf({ default: { bandwidth: 0 } })).toMatch(/^default\.bandwidth: /);
  });

  it('names queueLimit below 1 or without bandwidth', () => {
    expect(messageOf({ default: { bandwidth: 1000, queueLimit: 0 } })).toBe(
      'default.queueLimit: must be an integer between 1 and 1000000, got 0',
    );
    expect(messageOf({ default: { queueLimit: 5 } })).toBe(
      'default.queueLimit: needs bandwidth (no queue without it)',
    );
  });

  it('rejects non-objects, unknown fields and malformed link keys', () => {
    expect(messageOf(null)).toBe('(root): Invalid input: expected object, received null');
    expect(messageOf([])).toBe('(root): Invalid input: expected object, received array');
    expect(messageOf({ default: 3 })).toBe('default: Invalid input: expected object, received number');
    expect(messageOf({ default: { jiter: 3 } })).toBe('default: unknown field "jiter"');
    expect(messageOf({ links: { clientserver: {} } })).toBe(
      'links.clientserver: link keys look like "client->server"',
    );
  });

  it('names bad targeted faults', () => {
    expect(messageOf({ faults: {} })).toBe('faults: Invalid input: expected array, received object');
    expect(messageOf({ faults: [{ match: { nth: -1 }, action: { drop: true } }] })).toBe(
      'faults[0].match.nth: must be an integer between 0 and 1000000, got -1',
    );
    expect(messageOf({ faults: [{ match: { flags: ['SYN', 'URG'] }, action: { drop: true } }] })).toBe(
      'faults[0].match.flags[1]: must be one of SYN, ACK, FIN, RST, PSH, got "URG"',
    );
    expect(messageOf({ faults: [{ match: { senderState: 'TIME-WAIT' }, action: { drop: true } }] })).toMatch(
      /^faults\[0\]\.match\.senderState: must be one of CLOSED, LISTEN, .*, TIME_WAIT, got "TIME-WAIT"$/,
    );
    expect(messageOf({ faults: [{ match: {}, action: { drop: true, delay: 1 } }] })).toBe(
      'faults[0].action: must be exactly one of { drop: true }, { delay: ms }, { duplicate: true }',
    );
    expect(messageOf({ faults: [{ match: {}, action: { delay: -3 } }] })).toBe(
      'faults[0].action.delay: must be between 0 and 3600000 ms, got -3',
    );
    expect(messageOf({ faults: [{ match: {}, action: { drop: false } }] })).toBe(
      'faults[0].action.drop: must be one of true, got false',
    );
    expect(messageOf({ faults: [{ action: { drop: true } }] })).toBe(
      'faults[0].match: must be a matcher object or a function',
    );
  });
});
