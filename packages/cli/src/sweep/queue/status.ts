/**
 * `synack sweep --queue URL --status SWEEP_ID`: a queue sweep's progress, read from Redis
 * (runs stored, batches done, in flight and failed, workers connected).
 */
import type { Output } from '../../run.js';
import { InputError } from '../../schema.js';
import { openQueueConnection } from './connection.js';
import { type SweepMeta, sweepKeys } from './protocol.js';
import type { QueueUrl } from './url.js';

/** Prints the status; resolves to exit code 0 (InputError when there is no such sweep). */
export async function printStatus(target: QueueUrl, sweepId: string, io: Output): Promise<number> {
  const conn = await openQueueConnection(target);
  try {
    const keys = sweepKeys(sweepId);
    const text = await conn.redis.get(keys.meta);
    if (text === null) throw new InputError(`no sweep ${sweepId} on ${target.shown}`);
    const meta = JSON.parse(text) as SweepMeta;
    const [runsDone, doneIds, workers, active, failed] = await Promise.all([
      conn.redis.hlen(keys.rows),
      conn.redis.lrange(keys.done, 0, -1),
      conn.queue.getWorkersCount(),
      conn.queue.getJobs(['active']),
      conn.queue.getJobs(['failed']),
    ]);
    const mine = (ids: { id?: string }[]) => ids.filter((j) => j.id?.startsWith(`${sweepId}-`)).length;
    const batchesDone = new Set(doneIds).size;
    const pct = meta.total ? ((100 * runsDone) / meta.total).toFixed(1) : '100.0';
    io.out(
      `sweep ${sweepId} on ${target.shown}: ${meta.state}\n` +
        `  runs     ${runsDone}/${meta.total} (${pct} %)\n` +
        `  batches  ${batchesDone} done, ${mine(active)} running, ${mine(failed)} failed (${meta.batchSize} runs each)\n` +
        `  workers  ${workers} connected to the queue\n`,
    );
    return 0;
  } finally {
    await conn.close();
  }
}
