/**
 * SYN-queue pruning against the real kernel (issue 14 item 2). The expected data below was measured
 * on Linux 6.18 (HZ=250) by experiments/syn-queue-pruning (README there): a listen(fd, 8) server
 * with tcp_syncookies=0 that never accepts, 32 clients connect()ing at the same instant from ports
 * 40000–40031 over loopback, and nftables dropping the segments that would complete the
 * handshakes, so every admitted client stays half-open:
 *
 * - drop-ack: the clients' pure ACKs to the server port are dropped (the issue's experiment: new
 *   clients are admitted after about 7 s and again after about 19 s). The kernel took this course
 *   in 3 of 5 runs; in the other 2 its timer wheel rounded the requests' 4 s timer past the
 *   clients' 7 s SYNs, which the model's exact timers never do (README "drop-ack runs that went
 *   the other way"); the data below is run 1;
 * - drop-synack: the server's SYN-ACKs are dropped, so the clients keep retransmitting their SYNs
 *   and each duplicate SYN makes the server resend the SYN-ACK (Linux tcp_check_req).
 *
 * The test runs only the model (no root, no kernel) and compares it with the recorded numbers.
 * Which of several simultaneously expiring requests go first is not compared per port (see
 * `requestsOf`); everything else is: how many requests the server admits, at which of its client's
 * SYNs, how many SYN-ACKs each gets, and at which instants, within the kernel's timer lateness.
 */
import { describe, expect, it } from 'vitest';
import { type RunResult, runSimulation, type SimulationConfig } from '../src/index.js';
import type { SegmentEvent } from './helpers.js';

const PORT = 8080;
const CLIENTS = 32;
const FIRST_CLIENT_PORT = 40_000;
/** The kernel capture ran 40 s (flood.py closes its sockets then); the model runs as long. */
const DURATION = 40_000;

/** One client in a capture: [port, its SYNs, the server's requests for it (their SYN-ACKs)], ms after the first SYN. */
type ClientRecord = [port: number, syns: number[], requests: number[][]];

const KERNEL_SYNS_DROP_ACK_LATE = [1025.6, 2049.5, 3073.6, 4097.6, 5121.5, 7137.6, 11201.6, 19393.6, 35521.6];

/** Kernel, drop-ack (experiments/syn-queue-pruning/results/drop-ack.json). */
const KERNEL_DROP_ACK: ClientRecord[] = [
  ...[40000, 40001, 40002, 40003].map(
    (port): ClientRecord => [port, [0.1], [[0.1, 1025.6, 3041.5, 7105.5, 15297.5, 31425.5]]],
  ),
  ...[40004, 40005, 40006, 40007, 40008].map((port): ClientRecord => [port, [0.1], [[0.1, 1025.6, 3041.5]]]),
  ...[40009, 40010, 40011, 40012, 40013].map(
    (port): ClientRecord => [
      port,
      [0.2, ...KERNEL_SYNS_DROP_ACK_LATE.slice(0, 6)],
      [[7137.6, 8165.5, 10177.5]],
    ],
  ),
  ...[40014, 40015, 40016, 40017, 40018].map(
    (port): ClientRecord => [
      port,
      [0.2, ...KERNEL_SYNS_DROP_ACK_LATE.slice(0, 8)],
      [[19393.6, 20417.6, 22433.5]],
    ],
  ),
  ...[40019, 40020, 40021, 40022, 40023, 40024, 40025, 40026].map(
    (port): ClientRecord => [port, [1.7, ...KERNEL_SYNS_DROP_ACK_LATE], []],
  ),
  ...[40027, 40028, 40029, 40030, 40031].map(
    (port): ClientRecord => [port, [1.8, ...KERNEL_SYNS_DROP_ACK_LATE], [[35521.6, 36545.6, 38561.5]]],
  ),
];

const KERNEL_SYNS_DROP_SYNACK = [
  0.2, 1001.0, 2025.0, 3049.0, 4073.0, 5097.0, 7117.0, 11145.1, 19337.1, 35465.0,
];
const KERNEL_FIRST_NINE_DROP_SYNACK = [0.1, 1001.0, 1001.0, 2025.0, 3049.0, 4073.0, 5097.0, 7117.0, 7117.0];

/** Kernel, drop-synack (experiments/syn-queue-pruning/results/drop-synack.json). */
const KERNEL_DROP_SYNACK: ClientRecord[] = [
  ...[40000, 40001, 40002, 40003].map(
    (port): ClientRecord => [
      port,
      KERNEL_SYNS_DROP_SYNACK,
      [[...KERNEL_FIRST_NINE_DROP_SYNACK, 11145.0, 11145.1, 19337.0, 19337.2, 35465.0, 35465.0]],
    ],
  ),
  ...[40004, 40005, 40006, 40007, 40008].map(
    (port): ClientRecord => [
      port,
      KERNEL_SYNS_DROP_SYNACK,
      [KERNEL_FIRST_NINE_DROP_SYNACK, [19337.2, 20360.9, 22376.9]],
    ],
  ),
  ...Array.from({ length: 18 }, (_, i): ClientRecord => [40009 + i, KERNEL_SYNS_DROP_SYNACK, []]),
  ...[40027, 40028, 40029, 40030, 40031].map(
    (port): ClientRecord => [
      port,
      KERNEL_SYNS_DROP_SYNACK,
      [
        [11145.1, 12172.9, 14184.9],
        [35465.0, 36489.0, 38504.9],
      ],
    ],
  ),
];

/**
 * The namespace's counters after a kernel run that took the same course as the embedded ones
 * (results/drop-ack-run3.counters.txt, drop-synack-run3.counters.txt, nstat): TCPReqQFullDrop
 * counts SYNs dropped because the SYN queue was full (tcp_conn_request); TCPSynRetrans counts
 * retransmitted SYNs and SYN-ACKs, from which the clients' SYN retransmissions seen in the
 * capture (32 clients' SYNs minus their first) are taken to leave the SYN-ACK retransmissions.
 */
const KERNEL_COUNTERS = {
  'drop-ack': { reqQFullDrop: 195, synRetrans: 247 },
  'drop-synack': { reqQFullDrop: 230, synRetrans: 414 },
};

type Variant = 'drop-ack' | 'drop-synack';

interface ListenerCounters {
  synReceived: number;
  synQueueDrops: number;
  synAckRetransmitted: number;
  halfOpenExpired: number;
}

function listenerCountersOf(result: RunResult): ListenerCounters {
  const listeners = result.summary.listeners as Record<string, Record<string, ListenerCounters>>;
  return listeners.server[String(PORT)];
}

function expectKernelCounters(variant: Variant, result: RunResult, kernel: ClientRecord[]): void {
  const counters = listenerCountersOf(result);
  const clientSynRetransmissions = kernel.reduce((n, [, syns]) => n + syns.length - 1, 0);
  expect(counters.synQueueDrops).toBe(KERNEL_COUNTERS[variant].reqQFullDrop);
  expect(counters.synAckRetransmitted).toBe(KERNEL_COUNTERS[variant].synRetrans - clientSynRetransmissions);
  expect(counters.synReceived).toBe(kernel.reduce((n, [, syns]) => n + syns.length, 0));
}

/** The kernel experiment as a simulation: the same listener, clients, instants and drops, profile linux. */
function floodConfig(variant: Variant): SimulationConfig {
  const connects = Array.from({ length: CLIENTS }, (_, i) => ({
    at: 0,
    do: 'connect' as const,
    to: 'server',
    port: PORT,
    localPort: FIRST_CLIENT_PORT + i,
  }));
  const match =
    variant === 'drop-ack'
      ? { from: 'client', to: 'server', exactFlags: ['ACK' as const], nth: 0 }
      : { from: 'server', to: 'client', flags: ['SYN' as const, 'ACK' as const], nth: 0 };
  return {
    seed: 1,
    profile: 'linux',
    endpoints: [
      { id: 'client', actions: connects },
      {
        id: 'server',
        actions: [{ at: 0, do: 'listen', port: PORT, backlog: 8, syncookies: 0, autoAccept: false }],
      },
    ],
    network: { loopback: true, faults: [{ match, action: { drop: true }, label: variant }] },
    maxTime: DURATION,
  };
}

function sends(result: RunResult): SegmentEvent[] {
  return result.trace.filter((e): e is SegmentEvent => e.kind === 'send');
}

/** The model's run in the shape of the kernel data: per client port, its SYNs and its requests' SYN-ACKs. */
function clientRecordsOf(result: RunResult): ClientRecord[] {
  const byPort = new Map<number, { syns: number[]; requests: Map<string, number[]> }>();
  const client = (port: number) => {
    let record = byPort.get(port);
    if (!record) byPort.set(port, (record = { syns: [], requests: new Map() }));
    return record;
  };
  for (const e of sends(result)) {
    const flags = [...e.seg.flags].sort().join(',');
    if (e.from === 'client' && flags === 'SYN') client(e.seg.srcPort).syns.push(e.t);
    if (e.from === 'server' && flags === 'ACK,SYN') {
      // One server connection per request: a client admitted again is a new incarnation ("#2").
      const requests = client(e.seg.dstPort).requests;
      const conn = e.conn ?? '';
      requests.set(conn, [...(requests.get(conn) ?? []), e.t]);
    }
  }
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, c]) => [port, c.syns, [...c.requests.values()]]);
}

/**
 * A request of the server: which of its client's SYNs (0 = the first) it was admitted at, and its
 * SYN-ACKs. Sorted by that SYN, then by how many SYN-ACKs: several requests whose timers expire at
 * the same instant are told apart only by port, and the kernel and the model pick different ones
 * first (the README: Linux's timer wheel runs a bucket's timers newest first), so the comparison is
 * of the sorted multiset of requests, not per port.
 */
interface Request {
  admittedAtSyn: number;
  synAcks: number[];
}

function requestsOf(records: ClientRecord[]): Request[] {
  const out: Request[] = [];
  for (const [, syns, requests] of records) {
    for (const synAcks of requests) {
      // Over loopback the SYN-ACK leaves in the same softirq as the SYN that was admitted (≤ 0.1 ms).
      const admittedAtSyn = syns.findIndex((t) => Math.abs(t - synAcks[0]) <= 0.5);
      out.push({ admittedAtSyn, synAcks });
    }
  }
  return out.sort((a, b) => a.admittedAtSyn - b.admittedAtSyn || a.synAcks.length - b.synAcks.length);
}

/**
 * How late a kernel timer of `timeout` ms may fire at HZ=250: the timer wheel (kernel/time/timer.c)
 * rounds an expiry up to its level's granularity, 8^level jiffies, where a timer of 64·8^(level−1)
 * jiffies or more lands on `level` — at most 1/8 of the timeout — plus the jiffy it was armed in.
 */
function timerSlack(timeout: number): number {
  const JIFFY = 4;
  return timeout < 64 * JIFFY ? JIFFY : timeout / 8 + JIFFY;
}

/**
 * flood.py's 32 connect()s are a Python loop: their first SYNs left up to 1.8 ms apart in the
 * recorded run and up to 8.9 ms apart in a second run (results/drop-ack-run2.json).
 */
const CONNECT_SPREAD = 10;

/**
 * Kernel instants lag the model's by how late the client connected plus the lateness of every
 * timer in their chain: at most 1/8 of the chain's time plus a jiffy per timer.
 */
function chainSlack(modelInstant: number, timers: number): number {
  return CONNECT_SPREAD + modelInstant / 8 + 4 * timers;
}

function expectWithinKernelLateness(kernel: Request[], model: Request[]): void {
  kernel.forEach((k, i) => {
    const m = model[i];
    // Admission: reached through the client's SYN timers, one per earlier SYN.
    const lateness = k.synAcks[0] - m.synAcks[0];
    expect(
      lateness,
      `request ${i} admitted at ${k.synAcks[0]} (model ${m.synAcks[0]})`,
    ).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThanOrEqual(chainSlack(m.synAcks[0], k.admittedAtSyn));
    // Each SYN-ACK after the first is one timer (the request's or its client's SYN timer) after the previous one.
    for (let j = 1; j < k.synAcks.length; j++) {
      const kernelGap = k.synAcks[j] - k.synAcks[j - 1];
      const modelGap = m.synAcks[j] - m.synAcks[j - 1];
      const where = `request ${i}, SYN-ACK ${j}: kernel gap ${kernelGap.toFixed(1)} ms, model ${modelGap} ms`;
      // A gap between two timer chains (the request's and its client's) can also come out early by
      // the previous timer's lateness.
      expect(kernelGap - modelGap, where).toBeGreaterThanOrEqual(-timerSlack(2 * modelGap) - 1);
      expect(kernelGap - modelGap, where).toBeLessThanOrEqual(timerSlack(modelGap) + 1);
    }
  });
}

const signature = (requests: Request[]) => requests.map((r) => [r.admittedAtSyn, r.synAcks.length]);

const dropAck = await runSimulation(floodConfig('drop-ack'), { threads: 'inline' });
const dropSynAck = await runSimulation(floodConfig('drop-synack'), { threads: 'inline' });

describe('SYN-queue pruning reproduces Linux 6.18 (listen(8), 32 clients, cookies off)', () => {
  describe('drop-ack: the clients’ final ACKs are lost, admitted clients stay half-open', () => {
    const result = dropAck;
    const model = clientRecordsOf(result);
    const kernelRequests = requestsOf(KERNEL_DROP_ACK);
    const modelRequests = requestsOf(model);

    it('admits the same number of clients at the same SYNs: 9 at once, 5 at 7 s, 5 at 19 s, 5 at 35 s', () => {
      const admitted = (requests: Request[]) => requests.map((r) => r.admittedAtSyn);
      expect(admitted(kernelRequests)).toEqual([
        ...Array(9).fill(0),
        ...Array(5).fill(6),
        ...Array(5).fill(8),
        ...Array(5).fill(9),
      ]);
      expect(signature(modelRequests)).toEqual(signature(kernelRequests));
    });

    it('prunes as the kernel does: 5 of the first 9 requests expire after 2 retransmissions, 4 keep the full budget', () => {
      const first = (requests: Request[]) =>
        requests.filter((r) => r.admittedAtSyn === 0).map((r) => r.synAcks.length);
      expect(first(kernelRequests)).toEqual([3, 3, 3, 3, 3, 6, 6, 6, 6]);
      expect(first(modelRequests)).toEqual(first(kernelRequests));
    });

    it('sends every SYN-ACK at the kernel’s instants, within its timer lateness', () => {
      expectWithinKernelLateness(kernelRequests, modelRequests);
    });

    it('the clients retransmit their SYNs at the kernel’s instants (1,1,1,1,1,2,4,8,16 s apart)', () => {
      const kernelSyns = KERNEL_DROP_ACK.map(([, syns]) => syns.length);
      expect(model.map(([, syns]) => syns.length)).toEqual(kernelSyns);
      const unadmitted = model.find(([port]) => port === 40019);
      expect(unadmitted?.[1]).toEqual([0, 1000, 2000, 3000, 4000, 5000, 7000, 11_000, 19_000, 35_000]);
      KERNEL_SYNS_DROP_ACK_LATE.forEach((t, n) => {
        const modelT = unadmitted?.[1][n + 1] ?? Number.NaN;
        expect(t - modelT).toBeGreaterThanOrEqual(0);
        expect(t - modelT).toBeLessThanOrEqual(chainSlack(modelT, n + 1));
      });
    });

    it('the listener counts what the kernel counts: 195 SYNs dropped on a full queue, 60 SYN-ACK retransmissions', () => {
      expectKernelCounters('drop-ack', result, KERNEL_DROP_ACK);
      // 5 of the first 9, then each later cohort once its 2 retransmissions are spent (the last one after 40 s).
      expect(listenerCountersOf(result).halfOpenExpired).toBe(15);
    });

    it('every SYN-ACK is the same segment: seq = the request’s ISN, ack = the client’s ISN + 1, no payload', () => {
      const synAcks = sends(result).filter((e) => e.from === 'server');
      expect(synAcks.length).toBe(kernelRequests.reduce((n, r) => n + r.synAcks.length, 0));
      const clientIsn = new Map<number, number>();
      for (const e of sends(result))
        if (e.from === 'client' && !clientIsn.has(e.seg.srcPort)) clientIsn.set(e.seg.srcPort, e.seg.seq);
      const requestIsn = new Map<string, number>();
      for (const e of synAcks) {
        const conn = e.conn ?? '';
        if (!requestIsn.has(conn)) requestIsn.set(conn, e.seg.seq);
        expect([[...e.seg.flags].sort(), e.seg.seq, e.seg.ack, e.seg.len], conn).toEqual([
          ['ACK', 'SYN'],
          requestIsn.get(conn),
          ((clientIsn.get(e.seg.dstPort) ?? 0) + 1) >>> 0,
          0,
        ]);
      }
    });
  });

  describe('drop-synack: the SYN-ACKs are lost, the clients keep sending SYNs', () => {
    const kernelRequests = requestsOf(KERNEL_DROP_SYNACK);
    const modelRequests = requestsOf(clientRecordsOf(dropSynAck));

    it('admits 9 at once, then 5 at 11 s, 19 s and 35 s (at the client’s 8th, 9th and 10th SYN)', () => {
      const admitted = (requests: Request[]) => requests.map((r) => r.admittedAtSyn);
      expect(admitted(kernelRequests)).toEqual([
        ...Array(9).fill(0),
        ...Array(5).fill(7),
        ...Array(5).fill(8),
        ...Array(5).fill(9),
      ]);
      expect(signature(modelRequests)).toEqual(signature(kernelRequests));
    });

    it('the listener counts what the kernel counts: 230 SYNs dropped on a full queue, 126 SYN-ACKs resent', () => {
      expectKernelCounters('drop-synack', dropSynAck, KERNEL_DROP_SYNACK);
    });

    it('sends every SYN-ACK (timer and duplicate-SYN ones) at the kernel’s instants, within its timer lateness', () => {
      expectWithinKernelLateness(kernelRequests, modelRequests);
    });
  });
});
