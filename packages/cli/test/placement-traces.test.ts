/**
 * Placement (issue 24): every built-in scenario gives the trace recorded in golden-traces.json
 * whether its endpoints run one per worker thread, all on one shared thread, or inline on the
 * main thread (the golden test itself covers the default, one thread per core). The hash is the
 * golden test's: the JSONL trace after the meta line, `--profile P --seed 7`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveWorkerCount, type RunOptions, runSimulation, toJsonLines } from '@synack/network';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../src/run.js';
import { findScenario } from '../src/scenarios.js';
import { CLI_DIR, SCENARIO_NAMES, synack } from './helpers.js';

const golden: Record<string, string> = JSON.parse(
  readFileSync(join(CLI_DIR, 'test/golden-traces.json'), 'utf8'),
);

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
        for (const threads of PLACEMENTS) {
          const result = await runSimulation(config, { threads });
          expect(sha256(toJsonLines(result.trace)), `threads ${threads}`).toBe(golden[`${name}.${profile}`]);
        }
      });
    }
  }
});

describe('synack run --threads', () => {
  it('--threads 1 and --threads per-endpoint print the golden trace', async () => {
    for (const threads of ['1', 'per-endpoint']) {
      const result = await synack([
        'run',
        'lifecycle',
        '--format',
        'jsonl',
        '--seed',
        '7',
        '--threads',
        threads,
      ]);
      expect(result.code).toBe(0);
      const trace = result.stdout.split('\n').slice(1).join('\n');
      expect(sha256(trace)).toBe(golden['lifecycle.linux']);
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
