/**
 * Placement (issue 24): every built-in scenario gives the same trace, byte for byte, whether its
 * endpoints run on the default pool (one thread per core), one per worker thread, all on one
 * shared thread, or inline on the main thread. The placements are compared with each other (the
 * golden test pins the default's trace to the recorded hash, so a deliberate trace change is
 * that test's business, not this one's), in-process and through `synack run --threads`.
 */
import { createHash } from 'node:crypto';
import { liveWorkerCount, type RunOptions, runSimulation, toJsonLines } from '@synack/network';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../src/run.js';
import { findScenario } from '../src/scenarios.js';
import { SCENARIO_NAMES, synack } from './helpers.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const PLACEMENTS: ReadonlyArray<RunOptions['threads']> = ['per-endpoint', 1, 'inline'];

describe('every built-in scenario: same trace per-endpoint, on one shared thread, inline', () => {
  for (const name of SCENARIO_NAMES) {
    for (const profile of ['linux', 'rfc9293'] as const) {
      it(`${name}.${profile}`, async () => {
        const config = buildConfig(findScenario(name)!, { profile, seed: 7 });
        const reference = toJsonLines((await runSimulation(config)).trace);
        expect(reference).toContain('"kind":"send"');
        for (const threads of PLACEMENTS) {
          const result = await runSimulation(config, { threads });
          expect(sha256(toJsonLines(result.trace)), `threads ${threads}`).toBe(sha256(reference));
        }
      });
    }
  }
});

describe('synack run --threads', () => {
  it('--threads 1, per-endpoint and inline print the same trace as the default', async () => {
    const traceOf = async (extra: string[]) => {
      const result = await synack(['run', 'lifecycle', '--format', 'jsonl', '--seed', '7', ...extra]);
      expect(result.code).toBe(0);
      return result.stdout.split('\n').slice(1).join('\n');
    };
    const reference = await traceOf([]);
    expect(reference).toContain('"kind":"send"');
    for (const threads of ['1', 'per-endpoint', 'inline']) {
      expect(sha256(await traceOf(['--threads', threads])), threads).toBe(sha256(reference));
    }
  });

  it.each(['0', '257', 'two', '1.5'])(
    '--threads %s: one error line (and the usage hint), exit 2',
    async (value) => {
      const result = await synack(['run', 'lifecycle', '--threads', value]);
      expect(result.code).toBe(2);
      const [error, hint] = result.stderr.trim().split('\n');
      expect(hint).toBe('(run with --help for usage)');
      expect(error).toContain(`must be an integer in [1, 256], "per-endpoint" or "inline", got "${value}"`);
    },
  );
});
