/**
 * Puts a sweep's jobs on the queue as batches (consecutive runs of one grid point, at most
 * `batchSize`), and remembers each batch's result fields so the collector can fetch its rows.
 * On --resume, batches already done are skipped and failed ones retried; a batch still
 * queued is left alone (BullMQ ignores an add with an existing job id).
 */
import type { JobsOptions } from 'bullmq';
import type { SweepJob } from '../job.js';
import type { QueueConnection } from './connection.js';
import { type BatchPayload, batchId, encodeJobs, rowField, sweepKeys } from './protocol.js';

/** Attempts per batch: a throw is an environment problem (a protocol failure is a row). */
const ATTEMPTS = 3;
/**
 * Most batches added per round trip. The first round trips carry 1, 2, 4, … batches, so the
 * workers start on the first batch while the rest are still being planned and encoded.
 */
const ADD_CHUNK = 64;

export interface PlannedBatch {
  id: string;
  /** Row fields (point:seed) of its runs, in run order. */
  fields: string[];
}

export interface EnqueueOptions {
  sweepId: string;
  synack: string;
  batchSize: number;
  resume: boolean;
}

type BulkJob = { name: string; data: BatchPayload; opts: JobsOptions };

/**
 * Enqueues every batch not yet done. Returns every batch of the sweep by id — those done before
 * a --resume too: the collector delivers their stored rows from the done list like the others.
 */
export async function enqueueBatches(
  conn: QueueConnection,
  jobs: Iterable<SweepJob>,
  options: EnqueueOptions,
): Promise<{ batches: Map<string, PlannedBatch>; queued: number }> {
  const done = new Set(await conn.redis.lrange(sweepKeys(options.sweepId).done, 0, -1));
  const batches = new Map<string, PlannedBatch>();
  let queued = 0;
  let bulk: BulkJob[] = [];
  let chunk = 1;
  const flush = async () => {
    if (options.resume) await retryFailed(conn, bulk);
    if (bulk.length) await conn.queue.addBulk(bulk);
    bulk = [];
    chunk = Math.min(ADD_CHUNK, 2 * chunk);
  };
  for (const batch of batchesOf(jobs, options.batchSize)) {
    const first = batch[0];
    const id = batchId(options.sweepId, first.point.id, first.run);
    batches.set(id, { id, fields: batch.map((job) => rowField(job.point.id, job.seed)) });
    if (done.has(id)) continue;
    queued++;
    const data: BatchPayload = {
      sweepId: options.sweepId,
      synack: options.synack,
      point: first.point.id,
      runs: batch.length,
      jobs: encodeJobs(batch),
    };
    // Completed batches leave the queue (their rows are in the sweep's hash); failed ones stay
    // for --status and --resume.
    bulk.push({ name: 'batch', data, opts: { jobId: id, attempts: ATTEMPTS, removeOnComplete: true } });
    if (bulk.length >= chunk) await flush();
  }
  await flush();
  return { batches, queued };
}

/** Consecutive jobs of one grid point, at most `size` at a time. */
export function* batchesOf(jobs: Iterable<SweepJob>, size: number): Generator<SweepJob[]> {
  let batch: SweepJob[] = [];
  for (const job of jobs) {
    if (batch.length && (batch.length >= size || batch[0].point.id !== job.point.id)) {
      yield batch;
      batch = [];
    }
    batch.push(job);
  }
  if (batch.length) yield batch;
}

/** --resume: a batch that failed for good gets its attempts back (an add would be ignored). */
async function retryFailed(conn: QueueConnection, bulk: readonly BulkJob[]): Promise<void> {
  const states = await Promise.all(bulk.map((b) => conn.queue.getJobState(b.opts.jobId as string)));
  await Promise.all(
    bulk.map(async (b, i) => {
      if (states[i] !== 'failed') return;
      const job = await conn.queue.getJob(b.opts.jobId as string);
      await job?.retry('failed');
    }),
  );
}
