/**
 * Issue 22 item 6: config.json and summary.json say exactly how to reproduce a sweep — version,
 * commit, Node, lockfile hash, resolved profile constants, the seed rule and its caveat — and a
 * scenario file is named by its absolute path, so every repro command works from anywhere.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findScenario } from '../src/scenarios.js';
import { parseCsv } from '../src/sweep/summary.js';
import { describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-sweep-provenance-');
afterAll(() => tmp.cleanup());

describe('sweep provenance', () => {
  it('records the provenance, and names a relative scenario file by its absolute path', async () => {
    const scenario = { ...findScenario('handshake')!, name: 'my-handshake' };
    writeFileSync(join(tmp.dir, 'my.json'), JSON.stringify(scenario));
    const out = join(tmp.dir, 'out');
    const r = await synack(
      ['sweep', 'my.json', '--runs', '2', '--seed', '9', '--out', out, '--no-progress'],
      {
        cwd: tmp.dir,
        timeoutMs: 60_000,
      },
    );
    expect(r.code, describeResult(r)).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    const absolute = join(tmp.dir, 'my.json');
    expect(config.command).toBe(`synack sweep ${absolute} --runs 2 --seed 9`);
    expect(config.provenance.nodeVersion).toBe(process.version);
    expect(config.provenance.synackVersion).toMatch(/^\d+\.\d+\.\d+/);
    // The tests run from the checkout: a commit (maybe -dirty) and the root lockfile's hash.
    expect(config.provenance.gitCommit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    expect(config.provenance.lockfileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(config.provenance.profiles.linux.timeWaitRules).toBe('linux');
    expect(config.seedNote).toMatch(/correlated/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.provenance).toEqual(config.provenance);
    expect(summary.seed).toBe(9);
    for (const row of parseCsv(readFileSync(join(out, 'runs.csv'), 'utf8'))) {
      expect(row.repro.startsWith(`synack run ${absolute} --seed ${row.seed}`)).toBe(true);
    }
  });
});
