/**
 * `synack worker --queue URL`: consumes sweep batches from the queue, on any machine with the
 * same synack version. Each batch's runs go through runJob, exactly as in a local sweep; the
 * rows and the batch's "done" mark are written in one MULTI/EXEC under idempotent keys, so a
 * batch retried after a lost worker (BullMQ's stalled-job check) never counts twice.
 */
import { availableParallelism } from 'node:os';
import { WorkerPool } from '@synack/network';
import type { Job, Worker } from 'bullmq';
import { type Command, InvalidArgumentError } from 'commander';
import type { Redis } from 'ioredis';
import type { Output } from '../../run.js';
import { synackVersion } from '../../version.js';
import { intArg } from '../grid.js';
import { runJob } from '../job.js';
import { checkReachable } from './connection.js';
import {
  type BatchPayload,
  decodeJobs,
  errorText,
  loadQueueModules,
  QUEUE_NAME,
  rowField,
  sweepKeys,
} from './protocol.js';
import { parseQueueUrl, type QueueUrl } from './url.js';

/** BullMQ's default lock duration and stalled-check interval; --stall-interval shortens both. */
const DEFAULT_STALL_MS = 30_000;
/** How often a worker reports that Redis is still unreachable. */
const OUTAGE_REPORT_MS = 10_000;

export interface WorkerOptions {
  queue: QueueUrl;
  concurrency: number;
  /** Lock duration and stalled-check interval: a killed worker's batch is retried after about this long. */
  stallMs: number;
  /** A line on stderr when a batch starts and when it is stored. */
  verbose?: boolean;
}

/** Runs batches of one batch payload; returns the number of runs. */
async function processBatch(job: Job<BatchPayload>, redis: Redis, pool: WorkerPool): Promise<number> {
  const payload = job.data;
  const version = synackVersion();
  if (payload.synack !== version) {
    const { bullmq } = await loadQueueModules();
    throw new bullmq.UnrecoverableError(
      `worker runs synack ${version}, the sweep was planned with ${payload.synack}: results could differ`,
    );
  }
  const jobs = decodeJobs(payload);
  const fields: Record<string, string> = {};
  for (const sweepJob of jobs) {
    const row = await runJob(sweepJob, { pool });
    if (!row) throw new Error(`run ${sweepJob.id} was aborted`);
    fields[rowField(sweepJob.point.id, sweepJob.seed)] = JSON.stringify(row);
  }
  const keys = sweepKeys(payload.sweepId);
  const replies = await redis
    .multi()
    .hset(keys.rows, fields)
    .rpush(keys.done, job.id as string)
    .exec();
  const failed = replies?.find(([err]) => err);
  if (!replies || failed) throw new Error(`storing the rows failed: ${errorText(failed?.[0])}`);
  return jobs.length;
}

/** Starts consuming; resolves with a stop function once connected. */
export async function startWorker(
  options: WorkerOptions,
  io: Output,
): Promise<{ worker: Worker; stop: () => Promise<void>; stats: { batches: number; runs: number } }> {
  const { bullmq, Redis } = await loadQueueModules();
  await checkReachable(options.queue);
  const redis = new Redis(options.queue.url, { maxRetriesPerRequest: null });
  let lastReport = -Infinity;
  const report = (err: unknown) => {
    if (performance.now() - lastReport < OUTAGE_REPORT_MS) return;
    lastReport = performance.now();
    io.err(`worker: Redis at ${options.queue.shown}: ${errorText(err)}; retrying\n`);
  };
  redis.on('error', report);
  const pool = new WorkerPool();
  const stats = { batches: 0, runs: 0 };
  const worker = new bullmq.Worker<BatchPayload, number>(
    QUEUE_NAME,
    async (job) => {
      if (options.verbose) io.err(`worker: batch ${job.id} started (${job.data.runs} runs)\n`);
      const runs = await processBatch(job, redis, pool);
      if (options.verbose) io.err(`worker: batch ${job.id} stored\n`);
      stats.batches++;
      stats.runs += runs;
      return runs;
    },
    {
      connection: { url: options.queue.url, maxRetriesPerRequest: null },
      concurrency: options.concurrency,
      lockDuration: options.stallMs,
      stalledInterval: options.stallMs,
      // A batch whose worker died twice is retried a third time before it counts as failed.
      maxStalledCount: 2,
    },
  );
  worker.on('error', report);
  await worker.waitUntilReady();
  const stop = async () => {
    await worker.close();
    await pool.close();
    redis.disconnect();
  };
  return { worker, stop, stats };
}

/** Runs until SIGTERM or SIGINT: then finishes the batches in flight and resolves. */
async function runWorkerUntilSignalled(options: WorkerOptions, io: Output): Promise<void> {
  const { stop, stats } = await startWorker(options, io);
  io.err(
    `worker: pid ${process.pid} consuming ${QUEUE_NAME} on ${options.queue.shown}, concurrency ${options.concurrency}, stall interval ${options.stallMs} ms\n`,
  );
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      io.err(`worker: ${signal}: finishing the batches in flight (${signal} again to quit at once)\n`);
      process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await stop();
  io.err(`worker: stopped after ${stats.batches} batches (${stats.runs} runs)\n`);
}

/** Registers `synack worker`. */
export function registerWorker(program: Command, io: Output, setExit: (code: number) => void): Command {
  return program
    .command('worker')
    .description('run sweep batches from a Redis queue (see `synack sweep --queue`) until SIGTERM')
    .requiredOption('--queue <url>', 'the queue: redis://[:password@]host:port[/db] or rediss:// (TLS)')
    .option('--concurrency <n>', 'batches at once (default: available CPUs)', intArg(256))
    .option(
      '--stall-interval <ms>',
      `lock duration and stalled-job check: a killed worker's batch is retried after about this long (default ${DEFAULT_STALL_MS})`,
      boundedMs(1000, 600_000),
    )
    .option('--verbose', 'a line on stderr when each batch starts and is stored')
    .action(
      async (opts: { queue: string; concurrency?: number; stallInterval?: number; verbose?: boolean }) => {
        await runWorkerUntilSignalled(
          {
            queue: parseQueueUrl(opts.queue),
            concurrency: opts.concurrency ?? availableParallelism(),
            stallMs: opts.stallInterval ?? DEFAULT_STALL_MS,
            verbose: opts.verbose === true,
          },
          io,
        );
        setExit(0);
      },
    );
}

function boundedMs(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer in [${min}, ${max}] ms, got "${value}"`);
    }
    return n;
  };
}
