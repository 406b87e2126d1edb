/**
 * Property-based fuzzing of whole simulations (fast-check): random fault models, application
 * timelines, profiles and seeds, checked against the invariants of test/fuzz/invariants.ts —
 * stream integrity, consistent sequence spaces, TIME_WAIT only after both FINs, liveness within a
 * bound computed from the profiles' retry schedules — and against determinism (a re-run, the
 * other engine, lockstep instead of lookahead windows, worker threads instead of inline: the same
 * JSON Lines trace, byte for byte).
 *
 * A failure is shrunk to a minimal scenario and reported as a scenario file for `synack run FILE`.
 * CI runs about 520 cases in well under a minute on 2 cores; `node packages/network/fuzz/run.mjs
 * --minutes N` runs the same properties for longer with random seeds.
 *
 * Environment: SYNACK_FUZZ_SEED (fast-check seed for every property; default: a fixed seed per
 * property, so CI is reproducible), SYNACK_FUZZ_SCALE (multiplies every case count; default 1).
 */
import type fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { liveWorkerCount, type SimulationConfig } from '../src/index.js';
import { scenario } from './fuzz/arbitraries.js';
import { type CaseOutcome, checkProperty, type PropertyOptions } from './fuzz/check.js';

const BASE_SEED = 20_251_125;
const FIXED_SEED =
  process.env.SYNACK_FUZZ_SEED === undefined ? undefined : Number(process.env.SYNACK_FUZZ_SEED);
const SCALE = Number(process.env.SYNACK_FUZZ_SCALE ?? 1);

/** How often each tag (what a run exercised) was seen, across every property of this file. */
const coverage = new Map<string, number>();
let cases = 0;
function tally(outcome: CaseOutcome): void {
  cases++;
  for (const tag of outcome.tags) coverage.set(tag, (coverage.get(tag) ?? 0) + 1);
}

async function holds(
  name: string,
  index: number,
  arb: fc.Arbitrary<SimulationConfig>,
  options: Omit<PropertyOptions, 'seed' | 'onCase'> & { afterCase?: () => void },
): Promise<void> {
  const numRuns = Math.max(1, Math.round(options.numRuns * SCALE));
  const { failure, numRuns: ran } = await checkProperty(name, arb, {
    ...options,
    numRuns,
    seed: FIXED_SEED ?? BASE_SEED + index,
    onCase: (outcome) => {
      tally(outcome);
      options.afterCase?.();
    },
  });
  if (failure) expect.fail(failure.report);
  expect(ran).toBe(numRuns);
}

describe('fuzz: random scenarios keep every invariant', { timeout: 170_000 }, () => {
  it('300 random scenarios (table engine, inline): integrity, sequence spaces, TIME_WAIT, liveness', async () => {
    await holds('random scenarios', 1, scenario({ engine: 'table' }), { numRuns: 300 });
  });

  it('100 scenarios with no abort and both sides closing: every connection ends CLOSED in bounded time', async () => {
    await holds('everything closes', 2, scenario({ engine: 'table', aborts: false, closers: true }), {
      numRuns: 100,
    });
  });

  it('60 random scenarios on the XState actor engine', async () => {
    await holds('actor engine', 3, scenario({ engine: 'actor' }), { numRuns: 60 });
  });

  it('40 scenarios are deterministic: a re-run, the other engine and lockstep give the same JSONL', async () => {
    await holds('determinism', 4, scenario({ engine: 'table' }), {
      numRuns: 40,
      compare: ['rerun', 'engine', 'lockstep'],
    });
  });

  it('20 scenarios across real worker threads: the inline trace, every invariant, no worker left', async () => {
    await holds('worker threads', 5, scenario({ engine: 'table' }), {
      numRuns: 20,
      threads: 'worker',
      compare: ['inline'],
      afterCase: () => expect(liveWorkerCount()).toBe(0),
    });
    expect(liveWorkerCount()).toBe(0);
  });
});

describe('fuzz, pooled placement (issue 24)', () => {
  it('12 scenarios with every endpoint on one shared worker thread: the inline trace, every invariant', async () => {
    await holds('one shared thread', 5, scenario({ engine: 'table' }), {
      numRuns: 12,
      threads: 1,
      compare: ['inline', 'rerun'],
      afterCase: () => expect(liveWorkerCount()).toBe(0),
    });
    expect(liveWorkerCount()).toBe(0);
  });
});

describe('fuzz coverage: the generated scenarios exercise what the invariants are about', () => {
  afterAll(() => {
    const table = [...coverage.entries()].sort(([a], [b]) => a.localeCompare(b));
    console.info(`fuzz coverage over ${cases} cases: ${table.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  });

  it('liveness applies to many cases; timeouts, resets, aborts and full closes all occur', () => {
    // Only meaningful over the full default run (one property alone, or a tiny scale, sees less).
    if (cases < 500) return;
    const seen = (tag: string) => coverage.get(tag) ?? 0;
    expect(seen('liveness')).toBeGreaterThan(cases * 0.25);
    for (const tag of ['closed:normal', 'closed:reset', 'closed:timeout', 'closed:aborted', 'all-normal']) {
      expect(seen(tag), tag).toBeGreaterThan(0);
    }
    for (const state of ['SYN_RECEIVED', 'FIN_WAIT_2', 'CLOSING', 'LAST_ACK', 'TIME_WAIT', 'CLOSE_WAIT']) {
      expect(seen(`state:${state}`), state).toBeGreaterThan(0);
    }
    for (const kind of ['SYN', 'SYN-ACK', 'data', 'FIN']) {
      expect(seen(`retransmit:${kind}`), kind).toBeGreaterThan(0);
    }
    for (const reason of ['loss', 'burst-loss', 'targeted']) {
      expect(seen(`drop:${reason}`), reason).toBeGreaterThan(0);
    }
    expect(seen('duplicate')).toBeGreaterThan(0);
    expect(seen('reordered')).toBeGreaterThan(0);
  });
});
