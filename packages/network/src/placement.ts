/**
 * Where endpoints run: each on its own worker thread (fresh, or borrowed from a WorkerPool), or
 * inline on the main thread. A Driver hides the difference from the coordinator; both run the
 * same EndpointRuntime and give the same trace.
 */
import type { Segment } from '@synack/core';
import { decodeSegments, encodeSegments } from './codec.js';
import {
  type EndpointInit,
  type EndpointReport,
  EndpointRuntime,
  type TimedRecord,
  type WindowOutput,
} from './endpoint.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { endpointAddresses, type SimulationConfig } from './schema.js';
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

export interface Placement {
  /** 'worker' (default): one worker thread per endpoint; 'inline': the main thread. */
  threads?: 'worker' | 'inline';
  /** Borrow threads from this pool instead of starting (and ending) them. */
  pool?: WorkerPool;
  /** Nobody reads the trace: workers send back only segments and host drops. */
  quiet: boolean;
}

/** One driver per endpoint, in `config.endpoints` order. */
export function placeEndpoints(config: SimulationConfig, placement: Placement): Driver[] {
  const addresses = Object.fromEntries(endpointAddresses(config.endpoints));
  const profile = config.profile ?? 'linux';
  return config.endpoints.map((endpoint, index) => {
    const init: EndpointInit = {
      endpoint,
      addresses,
      profile,
      seed: config.seed,
      index,
      inspect: config.inspect,
      engine: config.engine ?? (config.inspect ? 'actor' : undefined),
    };
    return (placement.threads ?? 'worker') === 'worker'
      ? new WorkerDriver(
          endpoint.id,
          init,
          config.perturb?.[endpoint.id] ?? 0,
          placement.quiet,
          placement.pool,
        )
      : new InlineDriver(endpoint.id, init);
  });
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
        ...(e.cause !== undefined ? { cause: e.cause } : {}),
        t: e.t ?? 0,
      }));
      for (const r of packed) records.push(r as TimedRecord);
      records.sort((a, b) => a.t - b.t);
      return { records, next: reply.next, last: reply.last };
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
