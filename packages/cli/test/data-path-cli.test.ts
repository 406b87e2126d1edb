/**
 * Issue 13 through the real binary: `synack run lossy-transfer --format jsonl` shows cc lines, fast
 * retransmits and SACK blocks, and the ladder and --explain say so; `synack sweep bulk-transfer`
 * writes the goodput columns, the models and goodput.svg.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/sweep/summary.js';
import { describeResult, synack, tempDir } from './helpers.js';

interface Line {
  kind: string;
  endpoint?: string;
  cause?: string;
  state?: string;
  cwnd?: number;
  seg?: { len: number; opts?: { sack?: number[][] } };
  stats?: { retransmittedBytes: Record<string, number>; redundantBytes: number };
}

describe('synack run lossy-transfer --format jsonl', () => {
  it('has cc lines that change, fast retransmits, SACK blocks and the resent-byte counters', async () => {
    const r = await synack(['run', 'lossy-transfer', '--format', 'jsonl', '--seed', '3']);
    expect(r.code, describeResult(r)).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const cc = lines.filter((e) => e.kind === 'cc');
    expect(cc.length).toBeGreaterThan(10);
    for (const e of cc) {
      expect(Object.keys(e).sort()).toEqual(
        ['conn', 'cwnd', 'endpoint', 'inFlight', 'kind', 'mss', 'sacked', 'ssthresh', 'state', 't'].sort(),
      );
    }
    expect(new Set(cc.map((e) => e.state))).toContain('Recovery');
    // Only changes: no two consecutive cc lines of one connection are the same snapshot.
    const last = new Map<string, string>();
    for (const e of cc) {
      const { t: _t, ...snapshot } = e as Line & { t: number; conn: string };
      const key = `${e.endpoint}|${snapshot.conn}`;
      expect(JSON.stringify(snapshot)).not.toBe(last.get(key));
      last.set(key, JSON.stringify(snapshot));
    }
    const fast = lines.filter((e) => e.kind === 'send' && e.cause === 'fast');
    expect(fast.length).toBeGreaterThan(0);
    const sacks = lines.filter((e) => e.kind === 'send' && (e.seg?.opts?.sack?.length ?? 0) > 0);
    expect(sacks.length).toBeGreaterThan(0);
    const summary = lines.at(-1)!;
    expect(summary.kind).toBe('summary');
    const fastBytes = fast.reduce((n, e) => n + (e.seg?.len ?? 0), 0);
    expect(summary.stats!.retransmittedBytes.fast).toBe(fastBytes);
    expect(summary.stats!.redundantBytes).toBeLessThanOrEqual(
      Object.values(summary.stats!.retransmittedBytes).reduce((a, b) => a + b, 0),
    );
  });

  it('the ladder labels fast retransmits and recovery; --explain narrates them (en and zh)', async () => {
    const ladder = await synack(['run', 'lossy-transfer', '--seed', '3', '--no-color']);
    expect(ladder.code, describeResult(ladder)).toBe(0);
    expect(ladder.stdout).toContain('RETRANSMIT (fast retransmit)');
    expect(ladder.stdout).toMatch(/cc (Open|Disorder) → Recovery \(cwnd \d+, ssthresh \d+, in flight \d+\)/);
    const en = await synack(['run', 'lossy-transfer', '--seed', '3', '--explain', '--no-color']);
    expect(en.stdout).toMatch(/a fast retransmit/);
    expect(en.stdout).toMatch(/enters fast recovery/);
    const zh = await synack([
      'run',
      'lossy-transfer',
      '--seed',
      '3',
      '--explain',
      '--lang',
      'zh',
      '--no-color',
    ]);
    expect(zh.stdout).toContain('快速重传');
    expect(zh.stdout).toContain('快速恢复');
  });
});

describe('synack sweep bulk-transfer', () => {
  it('writes goodput, resent and redundant bytes per run, the models per point, and goodput.svg', async () => {
    const out = tempDir();
    try {
      const r = await synack([
        'sweep',
        'bulk-transfer',
        '--loss',
        '0.01,0.05',
        '--runs',
        '2',
        '--out',
        out.dir,
      ]);
      expect(r.code, describeResult(r)).toBe(0);
      const runs = parseCsv(readFileSync(join(out.dir, 'runs.csv'), 'utf8'));
      expect(runs).toHaveLength(4);
      for (const row of runs) {
        expect(Number(row.goodput_Bps)).toBeGreaterThan(10_000);
        expect(Number(row.bytes_received)).toBe(2_000_000);
        expect(
          Number(row.resent_fast_bytes) + Number(row.resent_rto_bytes) + Number(row.resent_tlp_bytes),
        ).toBeGreaterThan(0);
        expect(Number(row.loss_events)).toBeGreaterThan(0);
      }
      const points = parseCsv(readFileSync(join(out.dir, 'summary.csv'), 'utf8'));
      expect(points.map((p) => [p.model_mss, p.model_rtt_ms, p.model_b, p.model_t0_ms])).toEqual([
        ['1448', '100', '1', '300'],
        ['1448', '100', '1', '300'],
      ]);
      for (const p of points) {
        expect(Number(p.pftk_Bps)).toBeLessThan(Number(p.mathis_Bps));
        expect(Number(p.redundant_ratio)).toBeGreaterThanOrEqual(0);
        expect(Number(p.redundant_ratio)).toBeLessThanOrEqual(1);
      }
      // More loss, less goodput.
      expect(Number(points[1].goodput_mean_Bps)).toBeLessThan(Number(points[0].goodput_mean_Bps));
      expect(existsSync(join(out.dir, 'goodput.svg'))).toBe(true);
      expect(readFileSync(join(out.dir, 'goodput.svg'), 'utf8')).toContain('PFTK 1998');
    } finally {
      out.cleanup();
    }
  }, 120_000);
});
