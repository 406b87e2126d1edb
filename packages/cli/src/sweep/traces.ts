/**
 * `synack sweep --traces none|failed|all|N` (issue 22 item 2): which runs keep their trace, written
 * as gzip-compressed JSONL (the `synack run --format jsonl` lines) beside runs.csv, one file per
 * run named by its point and seed.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { InvalidArgumentError } from 'commander';

/** 'none', 'failed' (runs that did not complete), 'all', or the first N runs of every point. */
export type TracePolicy = 'none' | 'failed' | 'all' | number;

/** What a job does with its trace: keep it always, keep it if the run fails, or never record it. */
export type TraceKeep = 'always' | 'if-failed' | undefined;

/** The subdirectory of the output directory that holds the traces. */
export const TRACES_DIR = 'traces';

/** At most this many traces per point with --traces N (a million-run sweep's traces would fill a disk). */
export const MAX_TRACES_PER_POINT = 100_000;

export function tracesArg(value: string): TracePolicy {
  const text = value.trim();
  if (text === 'none' || text === 'failed' || text === 'all') return text;
  const n = Number(text);
  if (/^\d+$/.test(text) && Number.isSafeInteger(n) && n >= 1 && n <= MAX_TRACES_PER_POINT) return n;
  throw new InvalidArgumentError(
    `must be none, failed, all or a number of runs per point in [1, ${MAX_TRACES_PER_POINT}], got "${value}"`,
  );
}

/** Decided before the run: a run whose trace cannot be kept records none (no cost). */
export function traceKeep(policy: TracePolicy | undefined, run: number): TraceKeep {
  if (policy === undefined || policy === 'none') return undefined;
  if (policy === 'failed') return 'if-failed';
  if (policy === 'all') return 'always';
  return run < policy ? 'always' : undefined;
}

/** traces/point-3-seed-123456.jsonl.gz: the point (runs.csv `point`) and the run's seed. */
export function traceFileName(point: number, seed: number): string {
  return `${TRACES_DIR}/point-${point}-seed-${seed}.jsonl.gz`;
}

/** toJsonLine lines (each ends in a newline) → gzip, base64 (a row travels as JSON through a queue executor too). */
export function packTrace(lines: readonly string[]): string {
  return gzipSync(lines.join(''), { level: 6 }).toString('base64');
}

export function unpackTrace(packed: string): Buffer {
  return Buffer.from(packed, 'base64');
}

/** A trace file's JSONL text (for tests and readers in JS). */
export function readTraceText(gz: Buffer): string {
  return gunzipSync(gz).toString('utf8');
}
