/**
 * `synack sweep … --queue URL` (with --resume ID or --status ID): the queue form of a sweep.
 * Loaded only when --queue is given, so bullmq stays out of every other command's start-up.
 * Exit codes: 0 done, 130 interrupted by Ctrl-C (pending batches removed, resumable),
 * 1 the queue could not finish it (one line saying why), 2 input errors.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { tolerateRejections } from '../../internal-error.js';
import type { Output } from '../../run.js';
import { findScenario } from '../../scenarios.js';
import { InputError } from '../../schema.js';
import { synackVersion } from '../../version.js';
import { runSweep, sweepExitCode } from '../command.js';
import { planSweep, type SweepOptions } from '../plan.js';
import { QueueSweepError } from './collect.js';
import { openQueueConnection } from './connection.js';
import { QueueExecutor } from './executor.js';
import { checkSweepId, errorText, isConnectionLoss, type SweepMeta, sweepKeys } from './protocol.js';
import { printStatus } from './status.js';
import { parseQueueUrl, type QueueUrl } from './url.js';

export interface QueueFlags {
  queue: string;
  resume?: string;
  status?: string;
  batch: number;
  outageMs?: number;
}

/** Runs, resumes or reports a queue sweep; resolves to the exit code. */
export async function queueSweep(options: SweepOptions, flags: QueueFlags, io: Output): Promise<number> {
  const target = parseQueueUrl(flags.queue);
  if (flags.status !== undefined) {
    return printStatus(target, checkSweepId(flags.status, '--status'), io);
  }
  if (options.target === '-') {
    throw new InputError('--queue: a scenario from stdin cannot be resumed; save it to a file first');
  }
  const resuming = flags.resume !== undefined;
  const sweepId = resuming
    ? checkSweepId(flags.resume as string, '--resume')
    : randomBytes(5).toString('hex');
  const stored = resuming ? await readMeta(target, sweepId) : undefined;
  const sweepOptions = stored ? { ...stored.options, progress: options.progress } : storable(options);
  const plan = planSweep(sweepOptions);
  const scenarioSha256 = createHash('sha256').update(JSON.stringify(plan.scenario)).digest('hex');
  if (stored && stored.scenarioSha256 !== scenarioSha256) {
    throw new InputError(`--resume ${sweepId}: the scenario changed since the sweep started`);
  }
  const executor = new QueueExecutor({
    queue: target,
    sweepId,
    resume: resuming,
    batchSize: stored?.batchSize ?? flags.batch,
    total: plan.total,
    sweepOptions: storable(sweepOptions),
    synack: synackVersion(),
    scenarioSha256,
    // On a terminal the progress bar owns the last line: clear it first, the bar redraws itself.
    warn: (text) => io.err(process.stderr.isTTY ? `\r\x1b[K${text}` : text),
    outageMs: flags.outageMs,
  });
  // Redis may go away mid-sweep: BullMQ's and ioredis's background promises then reject with a
  // lost connection; the collect loop's health check decides whether that outage ends the sweep.
  const untolerate = tolerateRejections(isConnectionLoss);
  try {
    await executor.open();
    const result = await runSweep({ ...sweepOptions, executor, signal: options.signal }, io);
    return sweepExitCode(result);
  } catch (err) {
    if (isConnectionLoss(err)) {
      io.err(
        `synack: sweep ${sweepId}: lost Redis at ${target.shown} (${errorText(err)}); once it is back, continue with --resume ${sweepId}\n`,
      );
      return 1;
    }
    if (!(err instanceof QueueSweepError)) throw err;
    io.err(`synack: sweep ${sweepId}: ${err.message}\n`);
    return 1;
  } finally {
    await executor.close();
    untolerate();
  }
}

/** The options a resumed sweep plans from: JSON-safe, paths absolute. */
function storable(options: SweepOptions): Record<string, unknown> {
  const { executor: _executor, signal: _signal, ...rest } = options;
  const target = rest.target;
  const isFile = target !== undefined && !findScenario(target) && existsSync(target);
  return {
    ...rest,
    target: isFile ? resolve(target) : target,
    out: resolve(rest.out ?? 'sweep-out'),
  };
}

/** A stored sweep's meta; InputError when the queue has no such sweep. */
export async function readMeta(target: QueueUrl, sweepId: string): Promise<SweepMeta> {
  const conn = await openQueueConnection(target);
  try {
    const text = await conn.redis.get(sweepKeys(sweepId).meta);
    if (text === null) throw new InputError(`no sweep ${sweepId} on ${target.shown}`);
    const meta = JSON.parse(text) as SweepMeta;
    if (meta.synack !== synackVersion()) {
      throw new InputError(
        `sweep ${sweepId} was planned with synack ${meta.synack}, this is ${synackVersion()}`,
      );
    }
    return meta;
  } finally {
    await conn.close();
  }
}
