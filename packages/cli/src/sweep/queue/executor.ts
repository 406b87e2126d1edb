/**
 * An Executor on BullMQ: the sweep's jobs go to a Redis queue in batches, `synack worker`
 * processes on any number of machines run them, and the rows come back through the sweep's
 * result hash (idempotent per point and seed). The rows are the very objects the local
 * executor produces, serialised, so whatever columns a row gains flow through unchanged.
 */

import { InputError } from '../../schema.js';
import type { Executor, ExecutorRunOptions } from '../executor.js';
import type { SweepJob, SweepRow } from '../job.js';
import { collectRows } from './collect.js';
import { openQueueConnection, type QueueConnection } from './connection.js';
import { enqueueBatches, type PlannedBatch } from './enqueue.js';
import { errorText, FINISHED_TTL_S, isConnectionLoss, type SweepMeta, sweepKeys } from './protocol.js';
import type { QueueUrl } from './url.js';

/** Default for how long the submitter waits for an unreachable Redis before giving up. */
export const DEFAULT_OUTAGE_MS = 60_000;

export interface QueueExecutorOptions {
  queue: QueueUrl;
  sweepId: string;
  /** Continue a sweep whose meta is already stored (--resume). */
  resume: boolean;
  batchSize: number;
  /** Planned runs (for --status). */
  total: number;
  /** The sweep's options, JSON-safe: what --resume plans from. */
  sweepOptions: Record<string, unknown>;
  synack: string;
  scenarioSha256: string;
  warn: (text: string) => void;
  outageMs?: number;
}

export class QueueExecutor implements Executor {
  /** Workers connected when the sweep started (they may come and go). */
  concurrency = 0;
  private conn: QueueConnection | undefined;

  constructor(private readonly options: QueueExecutorOptions) {}

  /** Connects (InputError when Redis cannot be reached) and counts the workers. */
  async open(): Promise<void> {
    this.conn ??= await openQueueConnection(this.options.queue);
    this.concurrency = await this.conn.queue.getWorkersCount();
  }

  async run(
    jobs: Iterable<SweepJob>,
    onRow: (row: SweepRow) => void,
    runOptions: ExecutorRunOptions = {},
  ): Promise<void> {
    await this.open();
    const conn = this.conn as QueueConnection;
    const { sweepId, resume, warn } = this.options;
    if (!resume && !(await this.writeMeta('enqueuing', 0, 'NX'))) {
      throw new InputError(`sweep id ${sweepId} is taken on ${this.options.queue.shown}`);
    }
    const { batches: pending, queued } = await enqueueBatches(conn, jobs, { ...this.options });
    await this.writeMeta('running', pending.size);
    const before = pending.size - queued;
    warn(
      `sweep: id ${sweepId} on ${this.options.queue.shown}: ${queued} batches queued${before ? ` (${before} done before)` : ''}, ${this.concurrency} worker${this.concurrency === 1 ? '' : 's'} connected${this.concurrency ? '' : ` (start some: synack worker --queue ${this.options.queue.shown})`}; progress: --status ${sweepId}\n`,
    );
    await collectRows(conn, pending, onRow, {
      sweepId,
      queueShown: this.options.queue.shown,
      outageMs: this.options.outageMs ?? DEFAULT_OUTAGE_MS,
      signal: runOptions.signal,
      onStatus: runOptions.onStatus,
      warn,
    });
    if (runOptions.signal?.aborted) {
      const removed = await removePending(conn, pending);
      await this.writeMeta('interrupted', pending.size);
      warn(
        `sweep: removed ${removed} pending batches from the queue (${pending.size - removed} in flight finish on their workers); continue with --resume ${sweepId}\n`,
      );
      return;
    }
    await this.markDone(conn);
  }

  /**
   * Marks the sweep done and lets its keys expire. Every row is in hand by now, so an outage here
   * only delays this bookkeeping: it is waited out like one in the collect loop (CI saw Redis
   * restart just as the last rows were read, and the sweep exit 1 on this very write), and one
   * outlasting the outage limit costs only --status its answer.
   */
  private async markDone(conn: QueueConnection): Promise<void> {
    const keys = sweepKeys(this.options.sweepId);
    const done = await waitOutOutage(
      async () => {
        await this.writeMeta('done', 0);
        await Promise.all([keys.meta, keys.rows, keys.done].map((k) => conn.redis.expire(k, FINISHED_TTL_S)));
      },
      this.options.outageMs ?? DEFAULT_OUTAGE_MS,
      this.options.warn,
    );
    if (!done) {
      this.options.warn(
        `sweep: every result is in, but Redis at ${this.options.queue.shown} stayed unreachable: --status ${this.options.sweepId} will not report it done\n`,
      );
    }
  }

  async close(): Promise<void> {
    await this.conn?.close();
    this.conn = undefined;
  }

  /** Stores the sweep's meta; with 'NX', only when absent (false when the id is taken). */
  private async writeMeta(state: SweepMeta['state'], batches: number, mode?: 'NX'): Promise<boolean> {
    const meta: SweepMeta = {
      synack: this.options.synack,
      scenarioSha256: this.options.scenarioSha256,
      options: this.options.sweepOptions,
      total: this.options.total,
      batches,
      batchSize: this.options.batchSize,
      state,
    };
    const key = sweepKeys(this.options.sweepId).meta;
    const text = JSON.stringify(meta);
    const conn = this.conn as QueueConnection;
    const reply = mode ? await conn.redis.set(key, text, mode) : await conn.redis.set(key, text);
    return reply === 'OK';
  }
}

/** Between attempts of a Redis step during an outage. */
const OUTAGE_RETRY_MS = 250;

/**
 * Runs a Redis step, repeating it while it fails for a lost connection (protocol
 * isConnectionLoss), for at most `outageMs`; other errors are thrown. True once it succeeded.
 */
export async function waitOutOutage(
  step: () => Promise<void>,
  outageMs: number,
  warn: (text: string) => void,
): Promise<boolean> {
  const start = performance.now();
  let down = false;
  for (;;) {
    try {
      await step();
      if (down) warn('sweep: Redis is back; continuing\n');
      return true;
    } catch (err) {
      if (!isConnectionLoss(err)) throw err;
      if (!down) warn(`sweep: Redis unreachable (${errorText(err)}); waiting for it\n`);
      down = true;
      if (performance.now() - start >= outageMs) return false;
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_RETRY_MS));
    }
  }
}

/** Ctrl-C: removes the sweep's batches not yet taken by a worker; returns how many. */
async function removePending(conn: QueueConnection, pending: Map<string, PlannedBatch>): Promise<number> {
  let removed = 0;
  const ids = [...pending.keys()];
  for (let i = 0; i < ids.length; i += 200) {
    const results = await Promise.all(ids.slice(i, i + 200).map((id) => conn.queue.remove(id)));
    removed += results.filter((r) => r === 1).length;
  }
  return removed;
}
