/**
 * The long fuzz run, started by packages/network/fuzz/run.mjs (not part of `vitest run`: the
 * file name does not end in .test.ts). It cycles through the same properties as
 * test/fuzz.test.ts with fresh seeds, each for a slice of the time budget, until the budget is
 * spent; every failure is shrunk and written as a scenario file, and a summary.json tells run.mjs
 * what happened.
 *
 * Environment (set by run.mjs): SYNACK_FUZZ_MINUTES, SYNACK_FUZZ_SEED, SYNACK_FUZZ_OUT,
 * SYNACK_FUZZ_WORKERS ("0" skips the worker-thread property).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type fc from 'fast-check';
import { it } from 'vitest';
import type { SimulationConfig } from '../../src/index.js';
import { scenario } from './arbitraries.js';
import { type CaseOptions, checkProperty } from './check.js';

interface Property {
  name: string;
  arb: fc.Arbitrary<SimulationConfig>;
  options: CaseOptions;
  /** Share of each round's time. */
  weight: number;
}

const PROPERTIES: Property[] = [
  { name: 'random scenarios', arb: scenario({ engine: 'table' }), options: {}, weight: 5 },
  {
    name: 'everything closes',
    arb: scenario({ engine: 'table', aborts: false, closers: true }),
    options: {},
    weight: 2,
  },
  { name: 'actor engine', arb: scenario({ engine: 'actor' }), options: {}, weight: 1 },
  {
    name: 'determinism',
    arb: scenario({ engine: 'table' }),
    options: { compare: ['rerun', 'engine', 'lockstep'] },
    weight: 1,
  },
  {
    name: 'worker threads',
    arb: scenario({ engine: 'table' }),
    options: { threads: 'worker', compare: ['inline'] },
    weight: 1,
  },
];

/** A failure's identity for de-duplication: its first violation without numbers. */
function signature(violation: string): string {
  return violation.replace(/\d+/g, 'N').slice(0, 160);
}

it('long fuzz run', { timeout: 0 }, async () => {
  const minutes = Number(process.env.SYNACK_FUZZ_MINUTES ?? 5);
  const baseSeed = Number(process.env.SYNACK_FUZZ_SEED ?? 1);
  const out = process.env.SYNACK_FUZZ_OUT ?? 'test-results/fuzz';
  const properties = PROPERTIES.filter((p) => process.env.SYNACK_FUZZ_WORKERS !== '0' || !p.options.threads);
  mkdirSync(out, { recursive: true });
  // wall-clock: the fuzz run's time budget.
  const start = Date.now();
  const deadline = start + minutes * 60_000;
  const round = Math.max(10_000, Math.min(60_000, (minutes * 60_000) / 4));
  const totalWeight = properties.reduce((sum, p) => sum + p.weight, 0);
  const counts: Record<string, number> = {};
  const failures: Array<{ property: string; seed: number; file: string; violations: string[] }> = [];
  const seen = new Set<string>();
  let seed = baseSeed;
  const save = () =>
    writeFileSync(
      join(out, 'summary.json'),
      `${JSON.stringify({ baseSeed, minutes, elapsedMs: Date.now() - start, counts, failures }, null, 2)}\n`,
    );
  while (Date.now() < deadline) {
    for (const property of properties) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const slice = Math.min(left, (round * property.weight) / totalWeight);
      const { failure, numRuns } = await checkProperty(property.name, property.arb, {
        ...property.options,
        numRuns: Number.MAX_SAFE_INTEGER,
        seed,
        timeLimit: slice,
      });
      counts[property.name] = (counts[property.name] ?? 0) + numRuns;
      if (failure) {
        const key = signature(failure.violations[0] ?? '');
        if (!seen.has(key)) {
          seen.add(key);
          const file = join(out, `${property.name.replace(/\W+/g, '-')}-seed-${seed}.json`);
          writeFileSync(file, failure.scenario);
          writeFileSync(file.replace(/\.json$/, '.txt'), `${failure.report}\n`);
          failures.push({ property: property.name, seed, file, violations: failure.violations });
        }
      }
      seed++;
      save();
    }
  }
  save();
});
