/**
 * Where endpoints run: packed onto a few worker threads (the default: as many threads as cores),
 * each on a thread of its own ('per-endpoint'), or inline on the main thread. Every endpoint keeps
 * its own runtime, virtual clock view and statecharts wherever it runs; a Driver hides the
 * placement from the coordinator, and every placement gives the same trace byte for byte.
 *
 * Which thread: endpoint i goes to thread i mod N (round robin in config order). All traffic
 * crosses the coordinator on the main thread whatever the placement, so keeping two talking
 * endpoints on one thread saves no message; what matters is that each lookahead window keeps
 * every thread busy. Round robin spreads a group of clients whose actions are staggered in time
 * (client-0 first, client-9999 last) over all threads at every moment, where contiguous blocks
 * would leave one thread working at a time.
 */
import { availableParallelism } from 'node:os';
import type { Segment } from '@synack/core';
import { decodeSegments, encodeSegments } from './codec.js';
import {
  type EndpointInit,
  type EndpointReport,
  EndpointRuntime,
  type TimedRecord,
  type WindowOutput,
} from './endpoint.js';
import type { FromWorker, SlotInit, ToWorker, WindowResult } from './protocol.js';
import { endpointAddresses, LIMITS, type SimulationConfig } from './schema.js';
import { ConfigError } from './validate.js';
import { EndpointThread, type WorkerPool } from './worker-pool.js';

/** One endpoint as the coordinator sees it, wherever it runs. */
export interface Driver {
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

/**
 * A number: that many worker threads shared by all endpoints (at most one per endpoint).
 * 'per-endpoint': one thread each ('worker' is its older name). 'inline': the main thread.
 */
export type ThreadsOption = number | 'per-endpoint' | 'worker' | 'inline';

export interface Placement {
  /** Default: one thread per available core (os.availableParallelism()). */
  threads?: ThreadsOption;
  /** Borrow threads from this pool instead of starting (and ending) them. */
  pool?: WorkerPool;
  /** Nobody reads the trace: workers send back only segments and host drops. */
  quiet: boolean;
}

/** How many threads `threads` asks for with `endpoints` endpoints; 0 for inline. Throws ConfigError. */
export function threadCount(threads: ThreadsOption | undefined, endpoints: number): number {
  if (threads === 'inline') return 0;
  if (threads === 'per-endpoint' || threads === 'worker') return endpoints;
  const wanted = threads ?? availableParallelism();
  if (!Number.isSafeInteger(wanted) || wanted < 1 || wanted > LIMITS.threads) {
    throw new ConfigError(
      `threads: must be an integer between 1 and ${LIMITS.threads}, 'per-endpoint' or 'inline', got ${String(threads)}`,
    );
  }
  return Math.min(wanted, endpoints);
}

/** One driver per endpoint, in `config.endpoints` order. */
export function placeEndpoints(config: SimulationConfig, placement: Placement): Driver[] {
  const addresses = Object.fromEntries(endpointAddresses(config.endpoints));
  const profile = config.profile ?? 'linux';
  const inits = config.endpoints.map(
    (endpoint, index): Omit<EndpointInit, 'addresses'> => ({
      endpoint,
      profile,
      seed: config.seed,
      index,
      inspect: config.inspect,
      engine: config.engine ?? (config.inspect ? 'actor' : undefined),
      quiet: placement.quiet,
    }),
  );
  const count = threadCount(placement.threads, inits.length);
  if (count === 0) return inits.map((init) => new InlineDriver(init.endpoint.id, { ...init, addresses }));
  const threads = Array.from(
    { length: count },
    () => new SharedThread(placement.pool, addresses, placement.quiet),
  );
  return inits.map((init) => threads[init.index % count].host(init, config.perturb?.[init.endpoint.id] ?? 0));
}

type Kind = 'init' | 'window' | 'report';

interface Job {
  slot: number;
  deliveries?: ArrayBuffer;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * One worker thread and the endpoints placed on it. Requests its drivers make in the same tick
 * (the coordinator asks every endpoint at once) go out as one message and come back as one reply.
 */
class SharedThread {
  private readonly thread: EndpointThread;
  private readonly inits: SlotInit[] = [];
  private readonly ids: string[] = [];
  private batch: { kind: Kind; start: number; until: number; jobs: Job[] } | undefined;
  private released: Promise<void> | undefined;

  constructor(
    private readonly pool: WorkerPool | undefined,
    private readonly addresses: Record<string, string>,
    private readonly quiet: boolean,
  ) {
    this.thread = pool ? pool.acquire() : new EndpointThread();
  }

  /** Places one endpoint on this thread and returns its driver. */
  host(init: Omit<EndpointInit, 'addresses'>, perturbMs: number): Driver {
    const slot = this.inits.length;
    this.inits.push({ init, perturbMs });
    this.ids.push(init.endpoint.id);
    this.thread.label = this.ids.join(', ');
    return new ThreadDriver(init.endpoint.id, slot, this, this.quiet);
  }

  /** Queues one endpoint's request; the whole batch leaves at the end of the current tick. */
  call<T>(kind: Kind, slot: number, window?: { start: number; until: number; deliveries: ArrayBuffer }) {
    if (this.batch && this.batch.kind !== kind) this.flush();
    if (!this.batch) {
      this.batch = { kind, start: window?.start ?? 0, until: window?.until ?? 0, jobs: [] };
      queueMicrotask(() => this.flush());
    }
    const jobs = this.batch.jobs;
    return new Promise<T>((resolve, reject) => {
      jobs.push({ slot, deliveries: window?.deliveries, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  crash(slot: number): void {
    this.thread.post({ type: 'crash', slot });
  }

  /** Gives the thread back (or ends it) once, whichever of its drivers asks first. */
  release(): Promise<void> {
    this.released ??= this.pool ? this.pool.release(this.thread) : this.thread.terminate();
    return this.released;
  }

  private flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const { message, transfer } = this.message(batch);
    this.thread
      .request(message, transfer)
      .then((reply) => {
        const values = replyValues(batch.kind, reply);
        // An init reply lists every slot; the others list the batch's jobs in order.
        batch.jobs.forEach((job, i) => {
          job.resolve(values[batch.kind === 'init' ? job.slot : i]);
        });
      })
      .catch((error: Error) => {
        for (const job of batch.jobs) job.reject(error);
      });
  }

  private message(batch: NonNullable<SharedThread['batch']>): { message: ToWorker; transfer: ArrayBuffer[] } {
    if (batch.kind === 'init') {
      // Every endpoint placed here starts, in slot order, whichever asked.
      return {
        message: { type: 'init', addresses: this.addresses, endpoints: this.inits, quiet: this.quiet },
        transfer: [],
      };
    }
    if (batch.kind === 'report') {
      return { message: { type: 'report', slots: batch.jobs.map((j) => j.slot) }, transfer: [] };
    }
    const jobs = batch.jobs.map((j) => ({ slot: j.slot, deliveries: j.deliveries! }));
    return {
      message: { type: 'window', start: batch.start, until: batch.until, jobs },
      transfer: jobs.map((j) => j.deliveries),
    };
  }
}

/** The values a reply carries, one per slot (init) or per job (window, report). */
function replyValues(kind: Kind, reply: FromWorker): unknown[] {
  if (kind === 'init' && reply.type === 'ready') return reply.next;
  if (kind === 'window' && reply.type === 'stepped') return reply.results;
  if (kind === 'report' && reply.type === 'report') return reply.reports;
  throw new Error(`worker answered ${kind} with ${reply.type}`);
}

/** One endpoint on a (possibly shared) worker thread. */
class ThreadDriver implements Driver {
  constructor(
    readonly id: string,
    private readonly slot: number,
    private readonly thread: SharedThread,
    private readonly quiet: boolean,
  ) {}

  start(): Promise<number | null> {
    return this.thread.call<number | null>('init', this.slot);
  }

  async runWindow(
    start: number,
    until: number,
    deliveries: Array<{ t: number; seg: Segment }>,
  ): Promise<WindowOutput> {
    const buffer = encodeSegments(deliveries);
    const result = await this.thread.call<WindowResult>('window', this.slot, {
      start,
      until,
      deliveries: buffer,
    });
    return unpackWindow(result, this.quiet);
  }

  report(): Promise<EndpointReport> {
    return this.thread.call<EndpointReport>('report', this.slot);
  }

  crash(): void {
    this.thread.crash(this.slot);
  }

  terminate(): Promise<void> {
    return this.thread.release();
  }
}

/** A window's records as the coordinator reads them, rebuilt from the worker's packed form (worker.ts pack). */
function unpackWindow(result: WindowResult, quiet: boolean): WindowOutput {
  const segments = decodeSegments(result.segments);
  const packed = JSON.parse(result.records, reviveDropPayload) as Array<
    TimedRecord | { k: 'seg'; i: number; conn?: string; t: number }
  >;
  if (quiet) {
    // Only segments and host drops came back; drops only feed counters, so their exact
    // place among the segments does not matter when nobody reads the trace.
    const records: TimedRecord[] = segments.map((e) => ({
      k: 'seg',
      seg: e.seg,
      state: e.state,
      retransmit: e.retransmit,
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
      t: e.t ?? 0,
    }));
    for (const r of packed) records.push(r as TimedRecord);
    records.sort((a, b) => a.t - b.t);
    return { records, next: result.next, last: result.last };
  }
  const records = packed.map((r): TimedRecord => {
    if (r.k !== 'seg') return r as TimedRecord;
    const e = segments[(r as { i: number }).i];
    return {
      k: 'seg',
      seg: e.seg,
      conn: r.conn,
      state: e.state,
      retransmit: e.retransmit,
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
      t: r.t,
    };
  });
  return { records, next: result.next, last: result.last };
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
