/**
 * Listeners under pressure, through real worker threads (issue 5): an attacker's spoofed SYN flood
 * fills a listener's SYN queue; a legitimate client fails to connect without SYN cookies and
 * connects with them; an application slow to accept overflows the accept queue; and the trace
 * summary reports each listener's statistics and queue occupancy over time.
 *
 * Timing (network delay 10 ms, linux profile without SYN-queue pruning): the attacker's SYN n (n = 1 … 400) leaves at
 * (n − 1)·50 ms and arrives 10 ms later. The backlog-8 queue holds the first 9 (arrivals 10 … 410 ms)
 * for the half-open lifetime, 63 s; the flood is over at 19.96 s, long before a slot frees. The
 * client (synRetries 2 + 4 linear) sends SYNs at 1, 2, 3, 4, 5, 6 and 8 s and gives up at 12 s.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  liveWorkerCount,
  type RunResult,
  runSimulation,
  type SimulationConfig,
  type TraceEvent,
} from '../src/index.js';
import {
  appEvents,
  type ConnectionSummary,
  connectionsOf,
  type SegmentEvent,
  stateEvents,
} from './helpers.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

const PORT = 80;

interface ListenerSummary {
  synReceived: number;
  synAckSent: number;
  synAckRetransmitted: number;
  synQueueDrops: number;
  cookiesSent: number;
  cookiesValidated: number;
  cookiesRejected: number;
  acceptQueueOverflows: number;
  halfOpenExpired: number;
  accepted: number;
  synQueuePeak: number;
  synQueue: number;
  acceptQueue: number;
  occupancy: Array<[number, number, number]>;
}

function listenerOf(result: RunResult, endpoint = 'server', port = PORT): ListenerSummary {
  const listeners = result.summary.listeners as Record<string, Record<string, ListenerSummary>>;
  return listeners[endpoint][String(port)];
}

function clientOf(result: RunResult): ConnectionSummary {
  return connectionsOf(result.summary).client[0];
}

function dropsBy(trace: readonly TraceEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of trace) if (e.kind === 'drop') out[String(e.reason)] = (out[String(e.reason)] ?? 0) + 1;
  return out;
}

function sends(trace: readonly TraceEvent[], from: string, to: string, flags: string): SegmentEvent[] {
  return trace.filter(
    (e): e is SegmentEvent =>
      e.kind === 'send' && e.from === from && e.to === to && [...e.seg.flags].sort().join(',') === flags,
  );
}

/** The flood of scenarios.ts (`syn-flood` / `syn-cookies`): 400 spoofed SYNs, 50 ms apart, backlog 8. */
function flood(syncookies: 0 | 1 | 2, extra: Partial<SimulationConfig> = {}): SimulationConfig {
  return {
    seed: 7,
    endpoints: [
      {
        id: 'client',
        profileOverrides: { synRetries: 2 },
        actions: [{ at: 1000, do: 'connect', to: 'server', port: PORT }],
      },
      {
        id: 'server',
        // These timelines are the unpruned queue's (every entry lives 63 s); linux's SYN-queue
        // pruning, which frees old entries sooner, is pinned in core's listener tests.
        profileOverrides: { synQueuePruning: false },
        actions: [{ at: 0, do: 'listen', port: PORT, backlog: 8, syncookies }],
      },
      {
        id: 'attacker',
        actions: [{ at: 0, do: 'syn-flood', to: 'server', port: PORT, count: 400, interval: 50 }],
      },
    ],
    network: { default: { delay: 10 } },
    maxTime: 120_000,
    ...extra,
  };
}

describe('a spoofed SYN flood against a backlog-8 listener (worker threads)', () => {
  it('without cookies: the queue fills with 9 entries, every other SYN is dropped and the client times out', async () => {
    const result = await runSimulation(flood(0));
    expect(result.ok).toBe(true);
    expect(clientOf(result)).toMatchObject({ state: 'CLOSED', reason: 'timeout' });
    expect(stateEvents(result.trace, 'client').map((e) => [e.t, e.from, e.to])).toEqual([
      [1_000, 'CLOSED', 'SYN_SENT'],
      [12_000, 'SYN_SENT', 'CLOSED'],
    ]);
    expect(appEvents(result.trace, 'client', 'closed').map((e) => e.reason)).toEqual(['timeout']);
    // The client's 7 SYNs all found the queue full.
    const clientSyns = sends(result.trace, 'client', 'server', 'SYN').map((e) => e.t);
    expect(clientSyns).toEqual([1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 8_000]);
    const queueFull = result.trace.filter((e) => e.kind === 'drop' && e.reason === 'syn-queue-full');
    expect(queueFull.filter((e) => (e as SegmentEvent).from === 'client').map((e) => e.t)).toEqual(
      clientSyns.map((t) => t + 10),
    );
    expect(dropsBy(result.trace)['syn-queue-full']).toBe(391 + 7);
    const stats = listenerOf(result);
    expect(stats).toEqual({
      synReceived: 407,
      synAckSent: 9 * 6,
      synAckRetransmitted: 9 * 5,
      synQueueDrops: 398,
      cookiesSent: 0,
      cookiesValidated: 0,
      cookiesRejected: 0,
      acceptQueueOverflows: 0,
      halfOpenExpired: 9,
      accepted: 0,
      synQueuePeak: 9,
      synQueue: 0,
      acceptQueue: 0,
      occupancy: expect.any(Array),
    });
    // Occupancy over time: up by one per admitted SYN, flat at backlog + 1 = 9 for 63 s, down by one per expiry.
    expect(stats.occupancy).toEqual([
      [0, 0, 0],
      ...Array.from({ length: 9 }, (_, i) => [10 + 50 * i, i + 1, 0]),
      ...Array.from({ length: 9 }, (_, i) => [63_010 + 50 * i, 8 - i, 0]),
    ]);
    expect(Math.max(...stats.occupancy.map((p) => p[1]))).toBe(9);
    expect(result.summary.t).toBe(63_410);
  });

  it('the SYN-ACKs of one half-open entry: 0, 1, 3, 7, 15, 31 s after its SYN, then it is removed at exactly 63 s', async () => {
    const result = await runSimulation(flood(0));
    const conn = '80-10.99.0.1:1025';
    const synAcks = result.trace.filter(
      (e): e is SegmentEvent => e.kind === 'send' && e.from === 'server' && (e as SegmentEvent).conn === conn,
    );
    expect(synAcks.map((e) => [e.t - 10, e.retransmit === true])).toEqual([
      [0, false],
      [1_000, true],
      [3_000, true],
      [7_000, true],
      [15_000, true],
      [31_000, true],
    ]);
    expect(
      stateEvents(result.trace, 'server')
        .filter((e) => e.conn === conn)
        .map((e) => [e.t - 10, e.to]),
    ).toEqual([
      // Born of the listener (already LISTEN since listen()): its first state is SYN_RECEIVED.
      [0, 'SYN_RECEIVED'],
      [63_000, 'CLOSED'],
    ]);
    expect(appEvents(result.trace, 'server', 'closed').filter((e) => e.conn === conn)[0].reason).toBe(
      'timeout',
    );
  });

  it('with cookies (mode 1): the overflowing SYNs get cookies, the client connects at once and nothing is dropped', async () => {
    const result = await runSimulation(flood(1));
    expect(result.ok).toBe(true);
    expect(clientOf(result)).toMatchObject({ state: 'ESTABLISHED' });
    expect(stateEvents(result.trace, 'client').map((e) => [e.t, e.to])).toEqual([
      [1_000, 'SYN_SENT'],
      [1_020, 'ESTABLISHED'],
    ]);
    // The server's connection never was half-open: LISTEN → ESTABLISHED on the cookie ACK.
    const serverConn = stateEvents(result.trace, 'server').filter((e) => e.conn === '80-10.0.0.1:40000');
    expect(serverConn.map((e) => [e.t, e.from, e.to])).toEqual([[1_030, 'LISTEN', 'ESTABLISHED']]);
    expect(dropsBy(result.trace)['syn-queue-full']).toBeUndefined();
    expect(listenerOf(result)).toMatchObject({
      synReceived: 401,
      synQueueDrops: 0,
      cookiesSent: 392,
      cookiesValidated: 1,
      cookiesRejected: 0,
      synAckSent: 9 * 6 + 392,
      synAckRetransmitted: 45,
      halfOpenExpired: 9,
      accepted: 1,
      synQueuePeak: 9,
    });
    expect(Math.max(...listenerOf(result).occupancy.map((p) => p[1]))).toBe(9);
  });

  it('with cookies always (mode 2): no half-open entry at all, the client connects', async () => {
    const result = await runSimulation(flood(2));
    expect(clientOf(result)).toMatchObject({ state: 'ESTABLISHED' });
    const stats = listenerOf(result);
    expect(stats).toMatchObject({
      synQueuePeak: 0,
      halfOpenExpired: 0,
      cookiesSent: 401,
      cookiesValidated: 1,
    });
    expect(stats.occupancy.every((p) => p[1] === 0)).toBe(true);
    expect(stateEvents(result.trace, 'server').some((e) => e.to === 'SYN_RECEIVED')).toBe(false);
  });

  it('forged cookie ACKs are rejected, traced as syncookie-bad-mac and answered with RST', async () => {
    const config = flood(1);
    config.endpoints[2].actions!.push(
      ...[0, 1, 2].map((i) => ({
        at: 5_000 + i,
        do: 'raw' as const,
        to: 'server',
        segment: {
          srcPort: 5000 + i,
          dstPort: PORT,
          seq: 1000,
          ack: 0x12345678 + i,
          flags: ['ACK' as const],
        },
      })),
    );
    const result = await runSimulation(config);
    expect(clientOf(result)).toMatchObject({ state: 'ESTABLISHED' });
    expect(listenerOf(result)).toMatchObject({ cookiesRejected: 3, cookiesValidated: 1 });
    const rejected = result.trace.filter((e) => e.kind === 'drop' && e.reason === 'syncookie-bad-mac');
    expect(rejected.map((e) => e.t)).toEqual([5_010, 5_011, 5_012]);
    const rsts = sends(result.trace, 'server', 'attacker', 'RST');
    expect(rsts.map((e) => [e.t, e.seg.seq])).toEqual([0, 1, 2].map((i) => [5_010 + i, 0x12345678 + i]));
  });

  it('the same run on the table engine and on the main thread reports the same listener statistics', async () => {
    const actor = await runSimulation(flood(1));
    const table = await runSimulation({ ...flood(1), engine: 'table' });
    const inline = await runSimulation(flood(1), { threads: 'inline' });
    expect(listenerOf(table)).toEqual(listenerOf(actor));
    expect(listenerOf(inline)).toEqual(listenerOf(actor));
    expect(table.summary.connections).toEqual(actor.summary.connections);
  });

  it('a bigger flood: backlog 128 peaks at 129 half-open entries, all of them expiring 63 s later', async () => {
    const result = await runSimulation({
      seed: 3,
      endpoints: [
        {
          id: 'server',
          profileOverrides: { synQueuePruning: false },
          actions: [{ at: 0, do: 'listen', port: PORT, backlog: 128, syncookies: 0 }],
        },
        {
          id: 'attacker',
          actions: [{ at: 0, do: 'syn-flood', to: 'server', port: PORT, count: 3_000, interval: 1 }],
        },
      ],
      network: { default: { delay: 10 } },
    });
    const stats = listenerOf(result);
    expect(stats).toMatchObject({
      synReceived: 3_000,
      synQueuePeak: 129,
      synQueueDrops: 3_000 - 129,
      halfOpenExpired: 129,
      synAckSent: 129 * 6,
    });
    expect(Math.max(...stats.occupancy.map((p) => p[1]))).toBe(129);
    expect(stats.occupancy.find((p) => p[1] === 129)![0]).toBe(10 + 128);
    expect(stats.occupancy.at(-1)).toEqual([63_010 + 128, 0, 0]);
  });
});

describe('accept-queue overflow: an application slow to accept (worker threads)', () => {
  /**
   * Client a connects at 0 and fills the accept queue (1). Client b connects at 100: its SYN-ACK
   * reaches it at 120 and its ACK the server at 130 — with the accept queue full.
   */
  function slowAccept(listen: { abortOnOverflow?: boolean }, accepts: number[]): SimulationConfig {
    return {
      seed: 11,
      endpoints: [
        { id: 'a', actions: [{ at: 0, do: 'connect', to: 'server', port: PORT }] },
        { id: 'b', actions: [{ at: 100, do: 'connect', to: 'server', port: PORT }] },
        {
          id: 'server',
          actions: [
            { at: 0, do: 'listen', port: PORT, backlog: 8, acceptQueue: 1, autoAccept: false, ...listen },
            ...accepts.map((at) => ({ at, do: 'accept' as const, port: PORT })),
          ],
        },
      ],
      network: { default: { delay: 10 } },
      maxTime: 200_000,
    };
  }

  it('Linux default: the ACK is dropped silently, the SYN-ACK is retransmitted and re-ACKed until the app accepts', async () => {
    const result = await runSimulation(slowAccept({}, [2_500, 5_000]));
    expect(result.ok).toBe(true);
    const overflows = result.trace.filter((e) => e.kind === 'drop' && e.reason === 'accept-queue-full');
    expect(overflows.map((e) => [e.t, (e as SegmentEvent).from])).toEqual([
      [130, 'b'],
      [1_130, 'b'],
    ]);
    expect(sends(result.trace, 'server', 'b', 'ACK,SYN').map((e) => e.t)).toEqual([110, 1_110, 3_110]);
    expect(sends(result.trace, 'b', 'server', 'ACK').map((e) => e.t)).toEqual([120, 1_120, 3_120]);
    const serverB = stateEvents(result.trace, 'server').filter((e) => e.conn === '80-10.0.0.11:40000');
    expect(serverB.map((e) => [e.t, e.to])).toEqual([
      [110, 'SYN_RECEIVED'],
      [3_130, 'ESTABLISHED'],
    ]);
    // b never noticed: connected at 120, never retransmitted anything.
    expect(stateEvents(result.trace, 'b').map((e) => [e.t, e.to])).toEqual([
      [100, 'SYN_SENT'],
      [120, 'ESTABLISHED'],
    ]);
    expect(appEvents(result.trace, 'server', 'accept').map((e) => [e.t, e.conn])).toEqual([
      [2_500, '80-10.0.0.10:40000'],
      [5_000, '80-10.0.0.11:40000'],
    ]);
    expect(listenerOf(result)).toMatchObject({
      acceptQueueOverflows: 2,
      accepted: 2,
      synQueuePeak: 1,
      synQueue: 0,
      acceptQueue: 0,
      halfOpenExpired: 0,
      synAckRetransmitted: 2,
    });
    expect(Math.max(...listenerOf(result).occupancy.map((p) => p[2]))).toBe(1);
    expect(result.summary.final).toMatchObject({ a: ['ESTABLISHED'], b: ['ESTABLISHED'] });
  });

  it('abortOnOverflow: the ACK finding the accept queue full is answered with RST; b is reset', async () => {
    const result = await runSimulation(slowAccept({ abortOnOverflow: true }, [2_500]));
    expect(sends(result.trace, 'server', 'b', 'RST').map((e) => e.t)).toEqual([130]);
    expect(connectionsOf(result.summary).b[0]).toMatchObject({ state: 'CLOSED', reason: 'reset' });
    expect(dropsBy(result.trace)['accept-queue-full']).toBeUndefined();
    expect(listenerOf(result)).toMatchObject({ acceptQueueOverflows: 1, accepted: 1, halfOpenExpired: 0 });
  });
});
