/**
 * The second step of `synack sweep`: runs the plan's jobs on an executor, with progress on
 * stderr, until every job has reported or the sweep is interrupted (Ctrl-C or the caller's
 * signal), in which case the runs in flight are abandoned and the rows so far are kept.
 */
import { availableParallelism } from 'node:os';
import type { Output } from '../run.js';
import { LocalExecutor } from './executor.js';
import { planJobs, type SweepRow } from './job.js';
import type { SweepOptions, SweepPlan } from './plan.js';
import type { Progress } from './progress.js';

export interface SweepExecution {
  /** In completion order. */
  rows: SweepRow[];
  concurrency: number;
  wallMs: number;
  runsPerSec: number;
  interrupted: boolean;
  /** A trace file that could not be written (--traces); later traces are not attempted. */
  traceWriteError?: string;
}

/** Runs every job of the plan; closes the executor unless the caller gave it. */
export async function executeSweep(
  plan: SweepPlan,
  options: SweepOptions,
  io: Output,
  writeTrace?: (point: number, seed: number, packed: string) => void,
): Promise<SweepExecution> {
  const executor =
    options.executor ?? new LocalExecutor({ concurrency: options.concurrency ?? availableParallelism() });
  const { concurrency } = executor;
  const { points, runs, total } = plan;
  io.err(
    `sweep: ${plan.scenario.name}, ${points.length} grid point${points.length === 1 ? '' : 's'} × ${runs} runs = ${total} runs, concurrency ${concurrency}\n`,
  );
  const rows: SweepRow[] = [];
  const progress = await sweepProgress(plan, options, io);
  const interruption = watchInterruption(options.signal, io);
  const start = performance.now();
  let traceWriteError: string | undefined;
  try {
    await executor.run(
      planJobs(plan.jobs),
      (row) => {
        if (row.trace !== undefined) {
          // Written on arrival and dropped from the row: a sweep never holds its traces in memory.
          if (writeTrace && traceWriteError === undefined) {
            try {
              writeTrace(row.point, row.seed, row.trace);
            } catch (err) {
              traceWriteError = (err as Error).message;
            }
          }
          delete row.trace;
        }
        rows.push(row);
        progress.tick(rows.length);
      },
      { signal: interruption.signal, onStatus: (text) => progress.note(text) },
    );
  } finally {
    interruption.dispose();
    progress.stop(rows.length);
    if (!options.executor) await executor.close();
  }
  const wallMs = performance.now() - start;
  const runsPerSec = rows.length / Math.max(1e-3, wallMs / 1000);
  return {
    rows,
    concurrency,
    wallMs,
    runsPerSec,
    interrupted: interruption.signal.aborted,
    ...(traceWriteError ? { traceWriteError } : {}),
  };
}

async function sweepProgress(plan: SweepPlan, options: SweepOptions, io: Output): Promise<Progress> {
  // Loaded on use, like the plots: only a sweep needs cli-progress.
  const { createProgress } = await import('./progress.js');
  return createProgress({
    total: plan.total,
    tty: process.stderr.isTTY ? process.stderr : undefined,
    write: io.err,
    enabled: options.progress !== false,
  });
}

/** A signal that aborts on the caller's `signal` or on Ctrl-C; `dispose` stops listening to both. */
function watchInterruption(
  signal: AbortSignal | undefined,
  io: Output,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal?.addEventListener('abort', abort);
  const onSigint = () => {
    io.err(
      '\nsweep: interrupted — abandoning the runs in flight, writing the results so far (Ctrl-C again to quit at once)\n',
    );
    abort();
  };
  process.once('SIGINT', onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', onSigint);
      signal?.removeEventListener('abort', abort);
    },
  };
}
