/**
 * Executors turn a stream of jobs into rows. The sweep does not care where a
 * job runs: rows may arrive in any order (outputs are sorted by job id), and a
 * job is a pure function of its data, so re-running one (after a lost worker
 * or a lost machine) gives the same row.
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from '@synack/network';
import { runJob, type SweepJob, type SweepRow } from './job.js';

export interface ExecutorRunOptions {
  /** Stop taking new jobs and abort the runs in flight; their rows are not reported. */
  signal?: AbortSignal;
  /** Executor news for the progress line (a queue's workers and retries); optional to call. */
  onStatus?: (text: string) => void;
}

export interface Executor {
  /** How many jobs it runs at once (for progress and reporting). */
  readonly concurrency: number;
  /**
   * Runs every job and calls `onRow` once per finished job, in completion order. Resolves when
   * all jobs are done (or, after `signal` aborted, when the runs in flight have stopped);
   * rejects on the first job that throws (an invalid config — a protocol failure is a row).
   */
  run(jobs: Iterable<SweepJob>, onRow: (row: SweepRow) => void, options?: ExecutorRunOptions): Promise<void>;
  /** Releases its resources (threads, connections). */
  close(): Promise<void>;
}

/**
 * Runs jobs on this machine: `concurrency` simulations at once, every endpoint in a worker
 * thread from one shared WorkerPool (2 threads per concurrent handshake run), so thousands of
 * runs start no new threads.
 */
export class LocalExecutor implements Executor {
  readonly concurrency: number;
  private pool: WorkerPool | undefined;

  constructor(options: { concurrency?: number } = {}) {
    this.concurrency = options.concurrency ?? availableParallelism();
  }

  async run(
    jobs: Iterable<SweepJob>,
    onRow: (row: SweepRow) => void,
    options: ExecutorRunOptions = {},
  ): Promise<void> {
    this.pool ??= new WorkerPool();
    const pool = this.pool;
    const iterator = jobs[Symbol.iterator]();
    let failed = false;
    const lane = async () => {
      for (;;) {
        if (failed || options.signal?.aborted) return;
        const next = iterator.next();
        if (next.done) return;
        try {
          const row = await runJob(next.value, { pool, signal: options.signal });
          if (row) onRow(row);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    const results = await Promise.allSettled(Array.from({ length: this.concurrency }, lane));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }
}
