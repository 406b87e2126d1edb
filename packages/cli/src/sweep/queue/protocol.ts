/**
 * What the sweep submitter (`synack sweep --queue`) and `synack worker` agree on: the BullMQ
 * queue name, the Redis keys of a sweep, the job payload, and how both load bullmq lazily.
 *
 * A queue job is a batch of runs of one grid point. Its payload carries the batch's SweepJobs
 * themselves (deflated JSON: 50 near-identical configs shrink to about one), so a worker runs
 * exactly what the local executor would run, whatever a job contains. Rows go into a hash under
 * one field per (point, seed) — the idempotent key: a retried batch overwrites its rows with the
 * same values, never adds them twice — and the batch id is appended to the sweep's done list in
 * the same MULTI/EXEC, so "done" and "rows stored" cannot disagree, not even in the append-only
 * file after a Redis crash.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { InputError } from '../../schema.js';
import type { SweepJob, SweepRow } from '../job.js';
import type { QueueUrl } from './url.js';

/** One queue for every sweep: workers need no sweep id to start. */
export const QUEUE_NAME = 'synack-sweep';

/** Redis keys of one sweep (outside BullMQ's own "bull:" prefix). */
export function sweepKeys(sweepId: string): { meta: string; rows: string; done: string } {
  const base = `synack:sweep:${sweepId}`;
  return { meta: `${base}:meta`, rows: `${base}:rows`, done: `${base}:done` };
}

/** How long a finished sweep's state stays in Redis (for --status), in seconds: 7 days. */
export const FINISHED_TTL_S = 7 * 24 * 3600;

/** Sweep ids: what --resume and --status accept (no "-": it separates the parts of a batch id). */
export const SWEEP_ID_PATTERN = /^[a-z0-9]{1,64}$/;

export function checkSweepId(id: string, flag: string): string {
  if (!SWEEP_ID_PATTERN.test(id)) {
    throw new InputError(`${flag}: "${id}" is not a sweep id (1–64 characters of a-z and 0-9)`);
  }
  return id;
}

/** The idempotent result key of one run: its grid point and seed (unique within a point). */
export function rowField(point: number, seed: number): string {
  return `${point}:${seed}`;
}

/** Queue job id of a batch: sweep id, point, index of the batch's first run (BullMQ forbids ":"). */
export function batchId(sweepId: string, point: number, firstRun: number): string {
  return `${sweepId}-p${point}-r${firstRun}`;
}

export interface BatchPayload {
  sweepId: string;
  /** The synack version that planned the sweep; a worker of another version refuses the batch. */
  synack: string;
  point: number;
  runs: number;
  /** base64 of deflate-raw(JSON of SweepJob[]). */
  jobs: string;
}

/**
 * Level 1: on 50 handshake jobs it compresses about as well as the default level (the jobs repeat
 * each other) at a quarter of the time, and the submitter's time competes with the workers'.
 */
export function encodeJobs(jobs: readonly SweepJob[]): string {
  return deflateRawSync(JSON.stringify(jobs), { level: 1 }).toString('base64');
}

export function decodeJobs(payload: BatchPayload): SweepJob[] {
  return JSON.parse(inflateRawSync(Buffer.from(payload.jobs, 'base64')).toString('utf8')) as SweepJob[];
}

/**
 * What is stored per sweep under its meta key: the sweep's options (for --resume), the planned
 * run count and state (for --status).
 */
export interface SweepMeta {
  synack: string;
  /** sha256 of the planned scenario: --resume refuses a scenario file changed since. */
  scenarioSha256: string;
  /** JSON-safe SweepOptions (no executor, no signal). */
  options: Record<string, unknown>;
  total: number;
  batches: number;
  batchSize: number;
  state: 'enqueuing' | 'running' | 'interrupted' | 'done';
}

export function parseRow(text: string): SweepRow {
  return JSON.parse(text) as SweepRow;
}

type BullMq = typeof import('bullmq');
type IoRedis = typeof import('ioredis');

/** bullmq and ioredis, loaded on use: every other command starts without them. */
export async function loadQueueModules(): Promise<{ bullmq: BullMq; Redis: IoRedis['Redis'] }> {
  try {
    const [bullmq, ioredis] = await Promise.all([import('bullmq'), import('ioredis')]);
    return { bullmq, Redis: ioredis.Redis };
  } catch {
    throw new InputError(
      '--queue needs the optional dependencies bullmq and ioredis (npm install bullmq ioredis)',
    );
  }
}

/** Connection options shared by every client: the URL; blocking commands must not give up. */
export function connectionOptions(queue: QueueUrl): { url: string; maxRetriesPerRequest: null } {
  return { url: queue.url, maxRetriesPerRequest: null };
}

/** A one-line reason from a Redis/network error. */
export function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e?.code ?? e?.message ?? String(err)).toString().split('\n')[0];
}

/**
 * An error that only says the connection to Redis is (for now) gone: ioredis gave up a command
 * after its retries, or the socket closed or was refused. An outage, not a bug.
 */
export function isConnectionLoss(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.name === 'MaxRetriesPerRequestError') return true;
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ECONNRESET' || e?.code === 'EPIPE') return true;
  return typeof e?.message === 'string' && /^Connection is closed\.?$/.test(e.message);
}
