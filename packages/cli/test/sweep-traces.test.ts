/**
 * Issue 22 item 2: `synack sweep --traces none|failed|all|N` keeps gzip JSONL traces beside
 * runs.csv, named by point and seed; each is the run's full trace (its summary agrees with the row).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonLines } from '@synack/network';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../src/sweep/summary.js';
import { readTraceText, traceFileName, traceKeep, tracesArg } from '../src/sweep/traces.js';
import { describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-sweep-traces-');
afterAll(() => tmp.cleanup());

describe('--traces policy', () => {
  it('parses none, failed, all and a bounded N; anything else is refused', () => {
    expect(['none', 'failed', 'all', '3'].map(tracesArg)).toEqual(['none', 'failed', 'all', 3]);
    for (const bad of ['0', '-1', '1.5', 'some', '100001']) expect(() => tracesArg(bad)).toThrow();
  });

  it('N keeps the first N runs of every point; failed decides after the run', () => {
    expect([0, 1, 2].map((run) => traceKeep(2, run))).toEqual(['always', 'always', undefined]);
    expect(traceKeep('failed', 5)).toBe('if-failed');
    expect(traceKeep('none', 0)).toBeUndefined();
    expect(traceFileName(3, 42)).toBe('traces/point-3-seed-42.jsonl.gz');
  });
});

describe('synack sweep --traces', () => {
  it('failed: exactly the runs that did not complete, each trace ending in its row’s summary', async () => {
    const out = join(tmp.dir, 'failed');
    const r = await synack(
      [
        'sweep',
        'handshake',
        '--loss',
        '0,0.9',
        '--runs',
        '12',
        '--seed',
        '4',
        '--traces',
        'failed',
        '--out',
        out,
        '--no-progress',
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, describeResult(r)).toBe(0);
    const rows = parseCsv(readFileSync(join(out, 'runs.csv'), 'utf8'));
    const failed = rows.filter((row) => row.completed === '0');
    expect(failed.length).toBeGreaterThan(0); // 90 % loss both ways: most handshakes give up
    const files = existsSync(join(out, 'traces')) ? readdirSync(join(out, 'traces')).sort() : [];
    expect(files).toEqual(
      failed.map((row) => traceFileName(Number(row.point), Number(row.seed)).slice(7)).sort(),
    );
    for (const row of failed) {
      const events = parseJsonLines(
        readTraceText(readFileSync(join(out, traceFileName(Number(row.point), Number(row.seed))))),
      );
      const last = events.at(-1)!;
      expect(last.kind).toBe('summary');
      expect(last.t).toBe(Number(row.end_ms));
      expect((last as { seed?: number }).seed).toBe(Number(row.seed));
    }
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).traces).toBe('failed');
    // cdf.csv (item 3): each point's handshake CDF covers exactly the runs that have a handshake
    // time, steps at observed values and ends at 1.
    const cdf = parseCsv(readFileSync(join(out, 'cdf.csv'), 'utf8')).filter(
      (c) => c.metric === 'handshake_ms',
    );
    for (const point of ['0', '1']) {
      const steps = cdf.filter((c) => c.point === point);
      const times = rows
        .filter((row) => row.point === point && row.handshake_ms !== '')
        .map((row) => row.handshake_ms);
      expect(steps.every((c) => c.n === String(times.length))).toBe(true);
      expect(steps.every((c) => times.includes(c.value))).toBe(true);
      expect(steps.at(-1)?.cdf).toBe('1');
    }
  });

  it('a second sweep into the same directory removes the earlier traces', async () => {
    const out = join(tmp.dir, 'again');
    const base = ['sweep', 'handshake', '--runs', '2', '--out', out, '--no-progress'];
    expect((await synack([...base, '--traces', 'all'], { timeoutMs: 60_000 })).code).toBe(0);
    expect(readdirSync(join(out, 'traces'))).toHaveLength(2);
    expect((await synack(base, { timeoutMs: 60_000 })).code).toBe(0);
    expect(readdirSync(join(out, 'traces'))).toHaveLength(0);
  });
});
