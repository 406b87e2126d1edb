/**
 * The submitter's half of a queue sweep after enqueuing: reads the sweep's done list (batch ids
 * appended by workers together with their rows), fetches each batch's rows once, and hands
 * them to the sweep; watches for failed batches, for Redis losing the sweep's state, and for
 * an outage longer than it should wait. Queue events wake it early; a short poll covers events
 * missed while Redis was away.
 */
import type { SweepRow } from '../job.js';
import type { QueueConnection } from './connection.js';
import type { PlannedBatch } from './enqueue.js';
import { errorText, parseRow, sweepKeys } from './protocol.js';

/** A sweep the queue cannot finish: printed as one line, exit 1. */
export class QueueSweepError extends Error {}

const POLL_MS = 250;
/** Between checks of the worker count and the sweep's meta key. */
const HEALTH_MS = 2000;
/** Without a new row for this long, pending batches are checked for having vanished from the queue. */
const QUIET_MS = 10_000;

export interface CollectOptions {
  sweepId: string;
  queueShown: string;
  /** How long Redis may be unreachable before the sweep gives up (resumable). */
  outageMs: number;
  signal?: AbortSignal;
  onStatus?: (text: string) => void;
  warn: (text: string) => void;
}

interface Counters {
  workers: number;
  retried: number;
}

/** Resolves when every pending batch has delivered its rows, or the signal aborted. */
export async function collectRows(
  conn: QueueConnection,
  pending: Map<string, PlannedBatch>,
  onRow: (row: SweepRow) => void,
  options: CollectOptions,
): Promise<void> {
  const keys = sweepKeys(options.sweepId);
  const counters: Counters = { workers: 0, retried: 0 };
  let cursor = 0;
  let wake: () => void = () => {};
  const mine = (jobId: string | undefined) => jobId !== undefined && pending.has(jobId);
  let failure: QueueSweepError | undefined;
  const onCompleted = ({ jobId }: { jobId: string }) => mine(jobId) && wake();
  const onStalled = ({ jobId }: { jobId: string }) => {
    if (mine(jobId)) counters.retried++;
  };
  const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
    if (!mine(jobId)) return;
    void conn.queue.getJobState(jobId).then((state) => {
      if (state === 'failed') failure ??= new QueueSweepError(`batch ${jobId} failed: ${failedReason}`);
      else counters.retried++;
      wake();
    }, wake);
  };
  conn.events.on('completed', onCompleted);
  conn.events.on('stalled', onStalled);
  conn.events.on('failed', onFailed);
  const health = new HealthCheck(conn, pending, options, counters);
  // The socket closing is the outage's first sign; a short one may otherwise pass between two
  // polls unseen (ioredis reconnects and replays the queued commands).
  const onClose = () => health.connectionLost();
  conn.redis.on('close', onClose);
  const drain = async () => {
    const ids = await conn.redis.lrange(keys.done, cursor, -1);
    cursor += ids.length;
    for (const id of ids) {
      const batch = pending.get(id);
      if (!batch) continue; // a batch retried after its rows were stored: delivered already
      const values = await conn.redis.hmget(keys.rows, ...batch.fields);
      if (values.some((v) => v === null)) {
        throw new QueueSweepError(`batch ${id} is marked done but some of its rows are missing from Redis`);
      }
      pending.delete(id);
      health.progressed();
      for (const value of values) onRow(parseRow(value as string));
    }
  };
  const onAbort = () => wake();
  options.signal?.addEventListener('abort', onAbort);
  try {
    while (pending.size > 0 && !options.signal?.aborted) {
      if (failure) throw failure;
      await health.guard(drain);
      await health.maybeCheck(drain);
      options.onStatus?.(statusText(counters));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (failure) throw failure;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    conn.redis.off('close', onClose);
    conn.events.off('completed', onCompleted);
    conn.events.off('stalled', onStalled);
    conn.events.off('failed', onFailed);
  }
}

/** For the progress line: workers connected, and batch attempts that failed or stalled (then retried). */
function statusText(c: Counters): string {
  return `${c.workers} worker${c.workers === 1 ? '' : 's'}, ${c.retried} failed`;
}

/**
 * Periodic checks: the worker count (for progress), the sweep's meta key (gone means Redis lost
 * the sweep: restarted without persistence, or flushed) and batches that vanished from the
 * queue without being done (Redis lost recent writes). Also tolerates an outage up to
 * `outageMs`, then fails with the way to continue.
 */
class HealthCheck {
  private lastOk = performance.now();
  private lastCheck = 0;
  private lastProgress = performance.now();
  private outage = false;

  constructor(
    private readonly conn: QueueConnection,
    private readonly pending: Map<string, PlannedBatch>,
    private readonly options: CollectOptions,
    private readonly counters: Counters,
  ) {}

  progressed(): void {
    this.lastProgress = performance.now();
  }

  /** The connection to Redis closed: an outage until the next Redis step succeeds. */
  connectionLost(): void {
    if (!this.outage) this.options.warn('sweep: Redis unreachable (connection closed); waiting for it\n');
    this.outage = true;
  }

  /** Runs a Redis step; a connection error is tolerated until the outage lasts too long. */
  async guard(step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      if (this.outage) this.options.warn('sweep: Redis is back; continuing\n');
      this.outage = false;
      this.lastOk = performance.now();
      return true;
    } catch (err) {
      if (err instanceof QueueSweepError) throw err;
      const down = performance.now() - this.lastOk;
      if (down > this.options.outageMs) {
        throw new QueueSweepError(
          `lost Redis at ${this.options.queueShown} for ${Math.round(down / 1000)} s (${errorText(err)}); once it is back, continue with --resume ${this.options.sweepId}`,
        );
      }
      if (!this.outage) this.options.warn(`sweep: Redis unreachable (${errorText(err)}); waiting for it\n`);
      this.outage = true;
      return false;
    }
  }

  async maybeCheck(drain: () => Promise<void>): Promise<void> {
    const now = performance.now();
    if (now - this.lastCheck < HEALTH_MS) return;
    this.lastCheck = now;
    await this.guard(async () => {
      const { redis, queue } = this.conn;
      if (!(await redis.exists(sweepKeys(this.options.sweepId).meta))) {
        throw new QueueSweepError(
          `its state is gone from Redis at ${this.options.queueShown} (restarted without persistence, or flushed); no result written`,
        );
      }
      this.counters.workers = await queue.getWorkersCount();
      if (now - this.lastProgress > QUIET_MS) await this.checkVanished(drain);
    });
  }

  /** A pending batch whose job is unknown to the queue, and still not done after a drain, is lost. */
  private async checkVanished(drain: () => Promise<void>): Promise<void> {
    const unknown: string[] = [];
    const ids = [...this.pending.keys()];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const states = await Promise.all(chunk.map((id) => this.conn.queue.getJobState(id)));
      unknown.push(...chunk.filter((_, j) => states[j] === 'unknown'));
    }
    if (!unknown.length) return;
    await drain();
    const lost = unknown.filter((id) => this.pending.has(id));
    if (lost.length) {
      throw new QueueSweepError(
        `${lost.length} batch${lost.length === 1 ? '' : 'es'} vanished from the queue without results (Redis lost data, e.g. ${lost[0]}); --resume ${this.options.sweepId} queues them again`,
      );
    }
  }
}
