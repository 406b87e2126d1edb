/**
 * The coordinator: owns virtual time, runs one worker thread per endpoint,
 * and carries segments between them through the RxJS fault pipeline.
 *
 * Conservative discrete-event synchronisation: the next instant is the
 * earliest pending delivery or worker timer; every worker with something to
 * do at that instant gets ONE message (all its deliveries batched) and the
 * coordinator waits for all replies before it looks at them, in endpoint
 * order. Packets get ids and go through the fault pipeline (one seeded PRNG)
 * in that fixed order, so the trace does not depend on thread scheduling.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { profiles, type Segment, toTraceSegment } from '@synack/core';
import { decodeSegments, encodeSegments } from './codec.js';
import {
  type EndpointInit,
  type EndpointReport,
  EndpointRuntime,
  type TimedRecord,
  type WindowOutput,
} from './endpoint.js';
import { createFaultPipeline, DEFAULT_DELAY, type FaultEvent, validateNetworkConfig } from './faults.js';
import { createRng } from './prng.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { endpointAddresses, type SimulationConfig } from './scenario.js';
import type { NetworkConfig, Packet, TraceEvent } from './types.js';

export type SummaryEvent = Extract<TraceEvent, { kind: 'summary' }>;

export interface RunStats {
  segmentsSent: number;
  segmentsDelivered: number;
  segmentsDropped: number;
  segmentsDuplicated: number;
  /** Retransmitted segments by kind (SYN, SYN-ACK, data, FIN, probe). */
  retransmits: Record<string, number>;
  /** Virtual ms of the last event. */
  endTime: number;
  /** Number of coordinator steps (virtual instants with work). */
  steps: number;
  /** Wall-clock ms the run took. */
  wallMs: number;
}

export interface RunResult {
  ok: boolean;
  error?: string;
  summary: SummaryEvent;
  /** The whole trace (empty when `collectTrace: false`). */
  trace: TraceEvent[];
  reports: EndpointReport[];
  stats: RunStats;
}

export interface RunOptions {
  /** 'worker' (default): one worker thread per endpoint. 'inline': same code on the main thread. */
  threads?: 'worker' | 'inline';
  /** Called for every trace event as it happens (streaming). */
  onTrace?: (event: TraceEvent) => void;
  /** Keep the trace in the result (default true). */
  collectTrace?: boolean;
  /** Awaited before each virtual instant is processed (pause/step control for inspectors). */
  beforeStep?: (t: number) => Promise<void> | void;
  /** Forwarded XState inspection events (config.inspect must be true). */
  onInspect?: (endpoint: string, event: import('./endpoint.js').SerializedInspection, t: number) => void;
  /** Every segment as it leaves its sender, with addresses and payload (for pcap writers). */
  onPacket?: (t: number, packet: Packet) => void;
  /**
   * Let endpoints run ahead within the smallest link delay (default true): same trace, more
   * parallelism. False forces lockstep, one virtual instant at a time.
   */
  lookahead?: boolean;
  /** Reuse worker threads from this pool instead of starting (and ending) threads for this run. */
  pool?: WorkerPool;
  /** Test hook: crash this endpoint's worker at the first step at or after this virtual time. */
  crash?: { endpoint: string; at: number };
  signal?: AbortSignal;
}

interface Driver {
  readonly id: string;
  start(): Promise<number | null>;
  runWindow(
    start: number,
    until: number,
    deliveries: Array<{ t: number; seg: Segment }>,
  ): Promise<WindowOutput>;
  report(): Promise<EndpointReport>;
  crash(): void;
  terminate(): Promise<void>;
}

let liveWorkers = 0;

/** Worker threads currently alive (started by this module and not yet exited). */
export function liveWorkerCount(): number {
  return liveWorkers;
}

function workerScript(): URL {
  const here = fileURLToPath(import.meta.url);
  // Under vitest the sources run from src/*.ts, but Node loads worker files itself: use the build.
  return here.endsWith('.ts')
    ? new URL('../dist/worker.js', import.meta.url)
    : new URL('./worker.js', import.meta.url);
}

function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if ((arg === '--conditions' || arg === '-C') && i + 1 < argv.length) out.push(arg, argv[++i]);
    else if (arg.startsWith('--conditions=') || arg === '--enable-source-maps' || arg === '--no-warnings')
      out.push(arg);
  }
  return out;
}

/** One worker thread and its request/response channel; reusable across runs through a WorkerPool. */
export class EndpointThread {
  private readonly worker: Worker;
  private pending: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;
  private exited = false;
  private readonly exitPromise: Promise<void>;
  /** Endpoint id, for error messages. */
  label = '?';

  constructor() {
    this.worker = new Worker(workerScript(), {
      name: 'synack:endpoint',
      // Workers inherit only flags that make sense per thread (resolution conditions, source maps);
      // per-process flags such as --expose-gc or --input-type are refused in a Worker.
      execArgv: workerExecArgv(),
    });
    liveWorkers++;
    this.exitPromise = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        liveWorkers--;
        this.exited = true;
        if (this.pending) {
          this.fail(
            new Error(`endpoint "${this.label}": worker exited${code !== 0 ? ` with code ${code}` : ''}`),
          );
        }
        resolve();
      });
    });
    this.worker.on('error', (err) => this.fail(new Error(`endpoint "${this.label}": ${err.message}`)));
    this.worker.on('message', (message: FromWorker) => {
      const pending = this.pending;
      this.pending = undefined;
      if (message.type === 'error')
        pending?.reject(new Error(`endpoint "${this.label}": ${message.message}`));
      else pending?.resolve(message);
    });
  }

  /** True while the thread is alive, has never failed and owes no reply (so it may serve another run). */
  get healthy(): boolean {
    return !this.failure && !this.exited && this.pending === undefined;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  request(message: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.exited) return Promise.reject(new Error(`endpoint "${this.label}": worker is gone`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  post(message: ToWorker): void {
    if (this.healthy) this.worker.postMessage(message);
  }

  async terminate(): Promise<void> {
    if (!this.exited) await this.worker.terminate();
    await this.exitPromise;
  }
}

/**
 * Long-lived endpoint threads shared by many runs (sweeps run thousands of short simulations;
 * starting threads would cost more than simulating). A thread that failed is never reused.
 */
export class WorkerPool {
  private idle: EndpointThread[] = [];
  private closed = false;

  acquire(): EndpointThread {
    if (this.closed) throw new Error('worker pool is closed');
    return this.idle.pop() ?? new EndpointThread();
  }

  release(thread: EndpointThread): Promise<void> {
    if (this.closed || !thread.healthy) return thread.terminate();
    // Drop the finished run's endpoint so the thread holds no state between runs.
    thread.post({ type: 'dispose' });
    this.idle.push(thread);
    return Promise.resolve();
  }

  /** Threads alive in the pool, idle. */
  get size(): number {
    return this.idle.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    const idle = this.idle;
    this.idle = [];
    await Promise.all(idle.map((t) => t.terminate()));
  }
}

class WorkerDriver implements Driver {
  private readonly thread: EndpointThread;

  constructor(
    readonly id: string,
    private readonly init: EndpointInit,
    private readonly perturbMs: number,
    private readonly quiet: boolean,
    private readonly pool?: WorkerPool,
  ) {
    this.thread = pool ? pool.acquire() : new EndpointThread();
    this.thread.label = id;
  }

  private request(message: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    return this.thread.request(message, transfer);
  }

  async start(): Promise<number | null> {
    const reply = await this.request({
      type: 'init',
      init: this.init,
      perturbMs: this.perturbMs,
      quiet: this.quiet,
    });
    if (reply.type !== 'ready') throw new Error(`endpoint "${this.id}": unexpected ${reply.type}`);
    return reply.next;
  }

  async runWindow(
    start: number,
    until: number,
    deliveries: Array<{ t: number; seg: Segment }>,
  ): Promise<WindowOutput> {
    const buffer = encodeSegments(deliveries);
    const reply = await this.request({ type: 'window', start, until, deliveries: buffer }, [buffer]);
    if (reply.type !== 'stepped') throw new Error(`endpoint "${this.id}": unexpected ${reply.type}`);
    const segments = decodeSegments(reply.segments);
    const packed = JSON.parse(reply.records, reviveDropPayload) as Array<
      TimedRecord | { k: 'seg'; i: number; conn?: string; t: number }
    >;
    if (this.quiet) {
      // Only segments and host drops came back; drops only feed counters, so their exact
      // place among the segments does not matter when nobody reads the trace.
      const records: TimedRecord[] = segments.map((e) => ({
        k: 'seg',
        seg: e.seg,
        state: e.state,
        retransmit: e.retransmit,
        t: e.t ?? 0,
      }));
      for (const r of packed) records.push(r as TimedRecord);
      records.sort((a, b) => a.t - b.t);
      return { records, next: reply.next, last: reply.last };
    }
    const records = packed.map((r): TimedRecord => {
      if (r.k !== 'seg') return r as TimedRecord;
      const e = segments[(r as { i: number }).i];
      return { k: 'seg', seg: e.seg, conn: r.conn, state: e.state, retransmit: e.retransmit, t: r.t };
    });
    return { records, next: reply.next, last: reply.last };
  }

  async report(): Promise<EndpointReport> {
    const reply = await this.request({ type: 'report' });
    if (reply.type !== 'report') throw new Error(`endpoint "${this.id}": unexpected ${reply.type}`);
    return reply.report;
  }

  crash(): void {
    this.thread.post({ type: 'crash' });
  }

  async terminate(): Promise<void> {
    if (this.pool) await this.pool.release(this.thread);
    else await this.thread.terminate();
  }
}

class InlineDriver implements Driver {
  private runtime: EndpointRuntime | undefined;
  private crashNext = false;

  constructor(
    readonly id: string,
    private readonly init: EndpointInit,
  ) {}

  async start(): Promise<number | null> {
    this.runtime = new EndpointRuntime(this.init);
    return this.runtime.nextDeadline();
  }

  async runWindow(
    start: number,
    until: number,
    deliveries: Array<{ t: number; seg: Segment }>,
  ): Promise<WindowOutput> {
    if (this.crashNext) throw new Error(`endpoint "${this.id}": crashed (test hook)`);
    // Segments cross a MessagePort in worker mode; inline runs share objects, which is safe
    // because nothing mutates a segment after it is built.
    return this.runtime!.runWindow(start, until, deliveries);
  }

  async report(): Promise<EndpointReport> {
    return this.runtime!.report();
  }

  crash(): void {
    this.crashNext = true;
  }

  async terminate(): Promise<void> {
    this.runtime?.dispose();
  }
}

/** Min-heap of in-flight packets ordered by (deliverAt, id). */
class DeliveryQueue {
  private heap: Packet[] = [];

  get size(): number {
    return this.heap.length;
  }

  peekTime(): number | undefined {
    return this.heap[0]?.deliverAt;
  }

  push(packet: Packet): void {
    const h = this.heap;
    h.push(packet);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  pop(): Packet | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Packet, b: Packet): boolean {
  return a.deliverAt < b.deliverAt || (a.deliverAt === b.deliverAt && a.id < b.id);
}

const EMPTY_SEG = toTraceSegment({
  srcAddr: '0.0.0.0',
  srcPort: 0,
  dstAddr: '0.0.0.0',
  dstPort: 0,
  seq: 0,
  ack: 0,
  flags: 0,
  win: 0,
});

/**
 * Host-drop records cross the thread boundary as JSON with `dataLength` instead of the payload
 * (see worker.ts); a zero-filled payload of that length keeps their trace line's `len` exact.
 */
function reviveDropPayload(key: string, value: unknown): unknown {
  if (key === 'seg' && value && typeof value === 'object' && 'dataLength' in value) {
    const { dataLength, ...seg } = value as { dataLength: number };
    return dataLength > 0 ? { ...seg, data: new Uint8Array(dataLength) } : seg;
  }
  return value;
}

/** Smallest one-way delay any packet can have: base delay of the default and every link. */
export function minimumDelay(network: NetworkConfig): number {
  let min = network.default?.delay ?? DEFAULT_DELAY;
  for (const model of Object.values(network.links ?? {})) min = Math.min(min, model.delay ?? DEFAULT_DELAY);
  return Math.max(0, min);
}

export const DEFAULT_MAX_TIME = 30 * 60 * 1000;
export const DEFAULT_WALL_TIMEOUT = 5 * 60 * 1000;

/** Checks a simulation config; throws an Error naming the offending field. */
export function validateSimulationConfig(config: SimulationConfig): void {
  if (!config || typeof config !== 'object') throw new Error('config must be an object');
  if (!Number.isSafeInteger(config.seed))
    throw new Error(`seed must be an integer, got ${String(config.seed)}`);
  if (!Array.isArray(config.endpoints) || config.endpoints.length === 0) {
    throw new Error('endpoints must be a non-empty array');
  }
  const seen = new Set<string>();
  config.endpoints.forEach((endpoint, i) => {
    if (typeof endpoint.id !== 'string' || endpoint.id === '')
      throw new Error(`endpoints[${i}].id must be a string`);
    if (seen.has(endpoint.id)) throw new Error(`endpoints[${i}].id "${endpoint.id}" is used twice`);
    seen.add(endpoint.id);
  });
  const addresses = endpointAddresses(config.endpoints);
  const used = new Map<string, string>();
  for (const [id, addr] of addresses) {
    if (
      !/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(addr) ||
      addr.split('.').some((p) => Number(p) > 255)
    ) {
      throw new Error(`endpoints.${id}.address must be an IPv4 address, got "${addr}"`);
    }
    if (used.has(addr)) throw new Error(`endpoints.${id}.address ${addr} is also used by ${used.get(addr)}`);
    used.set(addr, id);
  }
  for (const [field, value] of [
    ['maxTime', config.maxTime],
    ['wallTimeout', config.wallTimeout],
    ['realtime', config.realtime],
  ] as const) {
    if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new Error(`${field} must be a positive number, got ${String(value)}`);
    }
  }
  if (config.network !== undefined) validateNetworkConfig(config.network);
  const profileNames = Object.keys(profiles);
  if (config.profile !== undefined && !profileNames.includes(config.profile)) {
    throw new Error(`profile must be one of ${profileNames.join(', ')}, got "${config.profile}"`);
  }
  if (config.engine !== undefined && config.engine !== 'actor' && config.engine !== 'table') {
    throw new Error(`engine must be "actor" or "table", got "${String(config.engine)}"`);
  }
  config.endpoints.forEach((endpoint, i) => {
    if (endpoint.profile !== undefined && !profileNames.includes(endpoint.profile)) {
      throw new Error(
        `endpoints[${i}].profile must be one of ${profileNames.join(', ')}, got "${endpoint.profile}"`,
      );
    }
    (endpoint.actions ?? []).forEach((action, j) => {
      const where = `endpoints[${i}].actions[${j}]`;
      if (!ACTIONS.has(action?.do)) throw new Error(`${where}.do must be one of ${[...ACTIONS].join(', ')}`);
      if (!(typeof action.at === 'number' && action.at >= 0 && Number.isFinite(action.at))) {
        throw new Error(`${where}.at must be a non-negative number of ms`);
      }
    });
    (endpoint.reactions ?? []).forEach((reaction, j) => {
      if (!REACTION_EVENTS.has(reaction?.on)) {
        throw new Error(
          `endpoints[${i}].reactions[${j}].on must be one of ${[...REACTION_EVENTS].join(', ')}`,
        );
      }
    });
  });
}

const ACTIONS = new Set([
  'listen',
  'connect',
  'send',
  'close',
  'abort',
  'accept',
  'receive',
  'restart',
  'raw',
  'syn-flood',
]);
const REACTION_EVENTS = new Set(['connected', 'accept', 'peer-closed']);

/** Runs a simulation to quiescence (or a limit) and returns its trace, summary and reports. */
export async function runSimulation(config: SimulationConfig, options: RunOptions = {}): Promise<RunResult> {
  validateSimulationConfig(config);
  // wall-clock: only to report how long a run took and to enforce the wall-clock limit.
  const wallStart = performance.now();
  const addresses = endpointAddresses(config.endpoints);
  const addressToId = new Map([...addresses].map(([id, addr]) => [addr, id]));
  const addressRecord = Object.fromEntries(addresses);
  const profile = config.profile ?? 'linux';
  const threads = options.threads ?? 'worker';
  const collect = options.collectTrace ?? true;
  const maxTime = config.maxTime ?? DEFAULT_MAX_TIME;
  const wallTimeout = config.wallTimeout ?? DEFAULT_WALL_TIMEOUT;
  const trace: TraceEvent[] = [];
  // Trace events are only built when someone reads them (benchmarks and sweeps may not).
  const tracing = collect || options.onTrace !== undefined;
  const emit = (event: TraceEvent) => {
    if (collect) trace.push(event);
    options.onTrace?.(event);
  };
  const stats: RunStats = {
    segmentsSent: 0,
    segmentsDelivered: 0,
    segmentsDropped: 0,
    segmentsDuplicated: 0,
    retransmits: { SYN: 0, 'SYN-ACK': 0, data: 0, FIN: 0, probe: 0 },
    endTime: 0,
    steps: 0,
    wallMs: 0,
  };

  const drivers: Driver[] = config.endpoints.map((endpoint, index) => {
    const init: EndpointInit = {
      endpoint,
      addresses: addressRecord,
      profile,
      seed: config.seed,
      index,
      inspect: config.inspect,
      engine: config.engine ?? (config.inspect ? 'actor' : undefined),
    };
    return threads === 'worker'
      ? new WorkerDriver(
          endpoint.id,
          init,
          config.perturb?.[endpoint.id] ?? 0,
          !tracing && !options.onInspect,
          options.pool,
        )
      : new InlineDriver(endpoint.id, init);
  });
  const rng = createRng(config.seed);
  const pipeline = createFaultPipeline(config.network ?? {}, rng);
  const queue = new DeliveryQueue();
  const nextTimer: Array<number | null> = drivers.map(() => null);
  let nextPacketId = 1;
  const allocateId = () => nextPacketId++;
  let error: string | undefined;
  let now = 0;
  let crashed = false;
  const indexOf = new Map(config.endpoints.map((e, i) => [e.id, i]));
  // Realtime pacing and step-by-step control need one instant at a time.
  const paced = Boolean(config.realtime) || options.beforeStep !== undefined || options.lookahead === false;
  const lookahead = minimumDelay(config.network ?? {});

  try {
    const starts = await Promise.all(drivers.map((d) => d.start()));
    starts.forEach((next, i) => {
      nextTimer[i] = next;
    });

    for (;;) {
      if (options.signal?.aborted) {
        error = 'run aborted';
        break;
      }
      let t = queue.peekTime() ?? Number.POSITIVE_INFINITY;
      for (const next of nextTimer) if (next !== null && next < t) t = next;
      if (t === Number.POSITIVE_INFINITY) break; // quiescent: nothing in flight, no timer anywhere
      if (t > maxTime) {
        error = `virtual-time limit of ${maxTime} ms reached (next event at ${t} ms): raise maxTime (synack --max-time) or look for a connection that never closes`;
        break;
      }
      // wall-clock: enforce the wall-clock limit.
      if (performance.now() - wallStart > wallTimeout) {
        error = `wall-clock limit of ${wallTimeout} ms reached at virtual time ${now} ms`;
        break;
      }
      // Lookahead (conservative synchronisation): nothing sent at or after t can arrive before
      // t + L, L the smallest one-way delay of any link, so every endpoint may process all of its
      // own instants in [t, t + L) without waiting for the others. Pacing and stepping controls
      // need single instants, so they run in lockstep (L = 0).
      const window = paced ? 0 : lookahead;
      const until = window > 0 ? Math.min(t + window, maxTime) : t;
      const inWindow = (x: number) => x === t || x < until;
      if (config.realtime) await paceTo(wallStart, t, config.realtime);
      await options.beforeStep?.(t);
      now = t;

      // Deliveries due in the window, in (deliverAt, id) order, grouped by destination.
      const delivered: Packet[] = [];
      const deliveries: Array<Array<{ t: number; seg: Segment }>> = drivers.map(() => []);
      while (queue.size > 0 && inWindow(queue.peekTime()!)) {
        const packet = queue.pop()!;
        delivered.push(packet);
        deliveries[indexOf.get(packet.to)!].push({ t: packet.deliverAt, seg: packet.segment });
      }
      if (options.crash && !crashed && t >= options.crash.at) {
        const target = drivers.find((d) => d.id === options.crash!.endpoint);
        target?.crash();
        crashed = true;
      }
      const active = drivers.map(
        (_, i) => deliveries[i].length > 0 || (nextTimer[i] !== null && inWindow(nextTimer[i]!)),
      );
      const outputs = await Promise.all(
        drivers.map((driver, i) =>
          active[i] ? driver.runWindow(t, until, deliveries[i]) : Promise.resolve(undefined),
        ),
      );
      outputs.forEach((output, i) => {
        if (!output) return;
        nextTimer[i] = output.next;
        // The last instant anything happened, even what quiet workers did not report.
        if (output.last !== null && output.last > stats.endTime) stats.endTime = output.last;
        if (output.last !== null && output.last > now) now = output.last;
      });

      // Replay the window instant by instant, exactly as lockstep would have: deliveries first,
      // then each endpoint's records in endpoint order; packets get ids and meet the fault
      // pipeline (and its PRNG) in that order.
      const instants = new Set<number>();
      for (const p of delivered) instants.add(p.deliverAt);
      for (const output of outputs) for (const r of output?.records ?? []) instants.add(r.t);
      const cursor = drivers.map(() => 0);
      let di = 0;
      for (const instant of [...instants].sort((a, b) => a - b)) {
        stats.steps++;
        for (; di < delivered.length && delivered[di].deliverAt === instant; di++) {
          const packet = delivered[di];
          stats.segmentsDelivered++;
          if (tracing)
            emit({
              t: instant,
              kind: 'deliver',
              endpoint: packet.to,
              from: packet.from,
              to: packet.to,
              id: packet.id,
              seg: toTraceSegment(packet.segment),
              ...(packet.duplicateOf !== undefined ? { duplicateOf: packet.duplicateOf } : {}),
              ...(packet.reordered ? { reordered: true } : {}),
            });
        }
        processInstant(
          instant,
          outputs.map((output, i) => {
            const records = output?.records ?? [];
            const from = cursor[i];
            while (cursor[i] < records.length && records[cursor[i]].t === instant) cursor[i]++;
            return records.slice(from, cursor[i]);
          }),
        );
      }
    }
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }

  /** Everything that happened at one instant: build packets, run faults, emit the trace. */
  function processInstant(t: number, recordsByEndpoint: TimedRecord[][]): void {
    // Collect every endpoint's records in endpoint order; build packets in that order.
    const packets: Packet[] = [];
    const packetMeta = new Map<number, { conn?: string; retransmit?: string }>();
    const ordered: Array<{ endpoint: string; record: TimedRecord; packet?: Packet }> = [];
    recordsByEndpoint.forEach((records, i) => {
      const endpoint = drivers[i].id;
      for (const record of records) {
        if (record.k === 'seg') {
          const to = addressToId.get(record.seg.dstAddr) ?? record.seg.dstAddr;
          const packet: Packet = {
            id: allocateId(),
            from: endpoint,
            to,
            segment: record.seg,
            sentAt: t,
            senderState: record.state,
            deliverAt: t,
          };
          packetMeta.set(packet.id, { conn: record.conn, retransmit: record.retransmit });
          ordered.push({ endpoint, record, packet });
          if (addressToId.has(record.seg.dstAddr)) packets.push(packet);
        } else {
          ordered.push({ endpoint, record });
        }
      }
    });
    const { scheduled, events } = packets.length
      ? pipeline.transmit(packets, t, allocateId)
      : { scheduled: [] as Packet[], events: [] as FaultEvent[] };
    const faultsByPacket = new Map<number, FaultEvent[]>();
    for (const event of events) {
      const key = event.kind === 'duplicate' ? event.original.id : event.packet.id;
      const list = faultsByPacket.get(key) ?? [];
      list.push(event);
      faultsByPacket.set(key, list);
    }
    const scheduledById = new Map(scheduled.map((p) => [p.id, p]));

    for (const { endpoint, record, packet } of ordered) {
      switch (record.k) {
        case 'seg': {
          const p = packet!;
          const meta = packetMeta.get(p.id)!;
          const seg = tracing ? toTraceSegment(p.segment) : EMPTY_SEG;
          const delivered = scheduledById.get(p.id);
          stats.segmentsSent++;
          options.onPacket?.(t, p);
          if (meta.retransmit && meta.retransmit in stats.retransmits) stats.retransmits[meta.retransmit]++;
          if (tracing)
            emit({
              t,
              kind: 'send',
              endpoint,
              from: p.from,
              to: p.to,
              id: p.id,
              seg,
              ...(meta.conn ? { conn: meta.conn } : {}),
              ...(p.senderState ? { state: p.senderState } : {}),
              ...(meta.retransmit ? { retransmit: true, retransmitKind: meta.retransmit } : {}),
              ...(delivered ? { delay: delivered.deliverAt - t } : {}),
              ...(delivered?.reordered ? { reordered: true } : {}),
            });
          if (!addressToId.has(p.segment.dstAddr)) {
            stats.segmentsDropped++;
            if (tracing)
              emit({
                t,
                kind: 'drop',
                endpoint,
                from: p.from,
                to: p.to,
                id: p.id,
                seg,
                reason: 'no-route',
              });
          }
          for (const fault of faultsByPacket.get(p.id) ?? []) {
            if (fault.kind === 'drop') {
              stats.segmentsDropped++;
              if (tracing)
                emit({
                  t,
                  kind: 'drop',
                  endpoint,
                  from: p.from,
                  to: p.to,
                  id: p.id,
                  seg,
                  reason: fault.reason,
                });
            } else {
              stats.segmentsDuplicated++;
              const copy = scheduledById.get(fault.packet.id);
              if (tracing)
                emit({
                  t,
                  kind: 'duplicate',
                  endpoint,
                  from: p.from,
                  to: p.to,
                  id: fault.packet.id,
                  duplicateOf: p.id,
                  seg,
                  ...(copy ? { delay: copy.deliverAt - t } : {}),
                });
            }
          }
          break;
        }
        case 'state':
          if (tracing)
            emit({ t, kind: 'state', endpoint, conn: record.conn, from: record.from, to: record.to });
          break;
        case 'app':
          if (tracing)
            emit({
              t,
              kind: 'app',
              endpoint,
              ...(record.conn !== undefined ? { conn: record.conn } : {}),
              event: record.event,
              ...(record.detail ?? {}),
            });
          break;
        case 'timer': {
          // The host reports what was retransmitted as `kind`; the trace's `kind` is "timer".
          const { kind: retransmitKind, ...detail } = record.detail;
          if (tracing)
            emit({
              t,
              kind: 'timer',
              endpoint,
              conn: record.conn,
              timer: record.timer,
              action: 'retransmit',
              retransmitKind: String(retransmitKind),
              ...detail,
            });
          break;
        }
        case 'drop': {
          const from = addressToId.get(record.seg.srcAddr) ?? record.seg.srcAddr;
          stats.segmentsDropped++;
          if (tracing)
            emit({
              t,
              kind: 'drop',
              endpoint,
              from,
              to: endpoint,
              id: 0,
              seg: toTraceSegment(record.seg),
              reason: record.reason,
            });
          break;
        }
        case 'inspect':
          options.onInspect?.(endpoint, record.ev, t);
          break;
      }
    }
    for (const p of scheduled) queue.push(p);
    if ((packets.length || ordered.length) && t > stats.endTime) stats.endTime = t;
  }

  // Reports also after a limit was hit (the workers are healthy; the stuck states are the point),
  // but not from a crashed worker.
  // allSettled: every request must be answered before the threads go back to a pool (a stray
  // reply would otherwise answer the next run's first request).
  let reports: EndpointReport[] = [];
  const settled = await Promise.allSettled(drivers.map((d) => d.report()));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    error ??= failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
  } else {
    reports = settled.map((r) => (r as PromiseFulfilledResult<EndpointReport>).value);
  }
  await Promise.all(drivers.map((d) => d.terminate().catch(() => undefined)));
  stats.wallMs = performance.now() - wallStart;

  const final: Record<string, string[]> = {};
  for (const endpoint of config.endpoints) final[endpoint.id] = [];
  for (const report of reports) final[report.id] = report.connections.map((c) => c.state);
  const summary: SummaryEvent = {
    t: now,
    kind: 'summary',
    endpoint: '*',
    ok: error === undefined,
    final,
    ...(error !== undefined ? { error } : {}),
    seed: config.seed,
    stats: {
      segmentsSent: stats.segmentsSent,
      segmentsDelivered: stats.segmentsDelivered,
      segmentsDropped: stats.segmentsDropped,
      segmentsDuplicated: stats.segmentsDuplicated,
      retransmits: stats.retransmits,
      endTime: stats.endTime,
    },
    listeners: Object.fromEntries(
      reports.map((r) => [r.id, r.listeners]).filter(([, l]) => Object.keys(l).length),
    ),
    connections: Object.fromEntries(
      reports.map((r) => [
        r.id,
        r.connections.map((c) => ({
          conn: c.conn,
          ...(c.label ? { label: c.label } : {}),
          state: c.state,
          ...(c.reason ? { reason: c.reason } : {}),
          bytesSent: c.bytesSent,
          bytesReceived: c.bytesReceived,
          integrityErrors: c.integrityErrors,
        })),
      ]),
    ),
  };
  emit(summary);
  return { ok: error === undefined, error, summary, trace, reports, stats };
}

async function paceTo(wallStart: number, t: number, speed: number): Promise<void> {
  // wall-clock: realtime mode deliberately paces virtual time against the wall clock.
  const due = wallStart + t / speed;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 2_147_483_647))); // wall-clock: realtime pacing
}
