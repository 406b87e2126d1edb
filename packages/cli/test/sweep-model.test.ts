/**
 * Model validation: sweeps of the real simulator (endpoints in worker threads,
 * one shared pool) against the analytic handshake model, for both profiles.
 * The model's success probability must lie inside the 95 % Wilson interval of
 * the observed rate, and its mean handshake time inside mean ± 3·sd/√n.
 * Seeds are fixed, so the outcome is deterministic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { findScenario } from '../src/scenarios.js';
import {
  type Direction,
  expandGrid,
  type JobPlan,
  LocalExecutor,
  type PointSummary,
  planJobs,
  type SweepRow,
  summarize,
} from '../src/sweep/index.js';

const handshake = findScenario('handshake')!;
const executor = new LocalExecutor({ concurrency: 2 });
afterAll(() => executor.close());

async function sweep(
  direction: Direction,
  loss: number[],
  runs: number,
  seed: number,
): Promise<PointSummary[]> {
  const points = expandGrid(
    { loss, profile: ['linux', 'rfc9293'] },
    { profile: 'linux', loss: 0, reorder: 0, duplicate: 0, delay: 10, jitter: 0 },
    direction,
  );
  const plan: JobPlan = {
    scenario: handshake,
    target: 'handshake',
    points,
    runs,
    baseSeed: seed,
    criterion: 'established',
    engine: 'table',
  };
  const rows: SweepRow[] = [];
  await executor.run(planJobs(plan), (row) => rows.push(row));
  expect(rows).toHaveLength(points.length * runs);
  return summarize(handshake, points, rows);
}

function check(summaries: PointSummary[], method: string): void {
  const table = summaries.map((s) => {
    const m = s.model!;
    const halfWidth = (3 * s.handshake.sd!) / Math.sqrt(s.handshake.n);
    return {
      profile: s.profile,
      loss: s.loss,
      n: s.n,
      rate: s.successRate,
      wilson: `[${s.wilsonLo!.toFixed(4)}, ${s.wilsonHi!.toFixed(4)}]`,
      model: m.successRate.toFixed(4),
      hsMean: s.handshake.mean!.toFixed(1),
      modelMean: m.handshakeMean!.toFixed(1),
      z: m.handshakeMeanZ!.toFixed(2),
      halfWidth,
    };
  });
  console.log(`${summaries[0].direction} (${method})\n${table.map((r) => JSON.stringify(r)).join('\n')}`);
  for (const s of summaries) {
    const m = s.model;
    expect(m, `model for ${s.profile} loss ${s.loss}`).not.toBeNull();
    expect(m!.method).toBe(method);
    const where = `${s.profile} loss ${s.loss} ${s.direction}`;
    expect(m!.successRate, `${where}: model success in the Wilson interval`).toBeGreaterThanOrEqual(
      s.wilsonLo!,
    );
    expect(m!.successRate, `${where}: model success in the Wilson interval`).toBeLessThanOrEqual(s.wilsonHi!);
    expect(m!.inWilson).toBe(true);
    const se = s.handshake.sd! / Math.sqrt(s.handshake.n);
    expect(
      Math.abs(s.handshake.mean! - m!.handshakeMean!),
      `${where}: mean handshake time`,
    ).toBeLessThanOrEqual(3 * se);
  }
}

describe('handshake sweeps agree with the analytic model', () => {
  it('client->server loss (closed form), 3 loss levels × 400 runs × 2 profiles', async () => {
    const summaries = await sweep('client->server', [0.3, 0.6, 0.8], 400, 7);
    check(summaries, 'closed-form');
    // At 80 % loss the profiles differ visibly: 1 − 0.8^11 = 91.4 % (linux) vs 1 − 0.8^8 = 83.2 % (rfc9293).
    const at = (profile: string) => summaries.find((s) => s.profile === profile && s.loss === 0.8)!;
    expect(at('linux').model!.successRate).toBeCloseTo(1 - 0.8 ** 11, 10);
    expect(at('rfc9293').model!.successRate).toBeCloseTo(1 - 0.8 ** 8, 10);
    expect(at('linux').successRate!).toBeGreaterThan(at('rfc9293').successRate!);
  });

  it('server->client loss (exact enumeration), 2 loss levels × 300 runs × 2 profiles', async () => {
    check(await sweep('server->client', [0.5, 0.85], 300, 11), 'exact-enumeration');
  });

  it('loss both ways (exact enumeration), 2 loss levels × 300 runs × 2 profiles', async () => {
    check(await sweep('both', [0.4, 0.75], 300, 13), 'exact-enumeration');
  });
});
