/**
 * The documented Python path (issue 22 item 8): examples/analysis/load.py, standard library only,
 * loads a fresh sweep's runs.csv, cdf.csv and gzip JSONL traces and prints the teardown and goodput
 * studies. Runs wherever python3 is on the PATH; skipped, saying so, where it is not.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_DIR, describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-analysis-');
afterAll(() => tmp.cleanup());

const LOADER = join(CLI_DIR, '..', '..', 'examples', 'analysis', 'load.py');
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const hasPython = python.status === 0;
const title = hasPython
  ? `examples/analysis/load.py (${python.stdout.trim() || python.stderr.trim()})`
  : 'examples/analysis/load.py — SKIPPED: python3 is not on the PATH';

describe.skipIf(!hasPython)(title, () => {
  it('loads runs.csv, cdf.csv and the traces of one sweep and prints both studies', async () => {
    const out = join(tmp.dir, 'sweep');
    const sweep = await synack(
      [
        'sweep',
        'lossy-transfer',
        '--loss',
        '0,0.05',
        '--runs',
        '4',
        '--traces',
        '2',
        '--out',
        out,
        '--no-progress',
      ],
      { timeoutMs: 120_000 },
    );
    expect(sweep.code, describeResult(sweep)).toBe(0);
    const run = spawnSync('python3', [LOADER, out], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(
      'reproduce with: synack sweep lossy-transfer --loss 0,0.05 --runs 4 --seed 1 --traces 2',
    );
    // One row per grid point: 4 runs each, clean rate, teardown and goodput numbers.
    const points = lines.filter((line) => /^[01] +linux +0(\.05)? +4 +\d+\.\d%/.test(line));
    expect(points, run.stdout).toHaveLength(2);
    for (const row of points)
      expect(
        row
          .split(/ +/)
          .slice(5)
          .every((cell) => /^\d+$/.test(cell)),
        row,
      ).toBe(true);
    expect(run.stdout).toMatch(/^cdf\.csv: 14 step functions over goodput_Bps, handshake_ms, /m);
    // --traces 2: the first two runs of each of the two points.
    expect(run.stdout).toMatch(/^traces: 4 runs, \d+ events$/m);
    expect(run.stdout).toMatch(/^ {2}point 0 seed \d+: \d+ events of kinds .*state/m);
  });

  it('fails with its usage line without a directory', () => {
    const run = spawnSync('python3', [LOADER], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('usage: load.py SWEEP_DIR');
  });
});
