/**
 * Sweep figures (issue 22 item 4): mean ± bootstrap-CI and CDF figures per metric, the Vega spec
 * with its data beside every SVG, --plot-x, --log-x and --overlay (the user's curves drawn on the
 * named plot), and their input errors (exit 2 before any run).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-figures-');
afterAll(() => tmp.cleanup());

type Spec = {
  data: Array<{ name: string; values?: Array<Record<string, unknown>> }>;
  scales: Array<{ name: string; type?: string }>;
};

const spec = (dir: string, name: string): Spec =>
  JSON.parse(readFileSync(join(dir, `${name}.vg.json`), 'utf8'));

describe('synack sweep figures', () => {
  const out = join(tmp.dir, 'fig');
  const overlay = join(tmp.dir, 'overlay.csv');
  let r: CliResult;
  beforeAll(async () => {
    writeFileSync(
      overlay,
      'plot,x,y,label\nmean-goodput,0.02,400000,my model\nmean-goodput,0.08,150000,my model\nsuccess,0.02,0.99,target\nsuccess,0.08,0.95,target\n',
    );
    r = await synack(
      [
        'sweep',
        'lossy-transfer',
        '--loss',
        '0.02,0.08',
        '--delay',
        '10,20',
        '--plot-x',
        'delay',
        '--runs',
        '6',
        '--seed',
        '4',
        '--log-x',
        '--overlay',
        overlay,
        '--out',
        out,
        '--no-progress',
      ],
      { timeoutMs: 120_000 },
    );
  });

  it('writes a mean and a CDF figure per metric, each SVG with its Vega spec beside it', () => {
    expect(r.code, describeResult(r)).toBe(0);
    for (const metric of ['handshake', 'teardown', 'lifecycle-no-tw', 'goodput']) {
      for (const kind of ['mean', 'cdf']) {
        const name = `${kind}-${metric}`;
        expect(existsSync(join(out, `${name}.svg`)), name).toBe(true);
        expect(spec(out, name).data.find((d) => d.name === 'points')?.values?.length, name).toBeGreaterThan(
          0,
        );
      }
    }
    for (const name of ['success', 'handshake', 'goodput'])
      expect(existsSync(join(out, `${name}.vg.json`))).toBe(true);
  });

  it('means carry their bootstrap interval, and the x axis is the chosen --plot-x on a log scale', () => {
    const s = spec(out, 'mean-goodput');
    const points = s.data.find((d) => d.name === 'points')!.values!;
    expect(new Set(points.map((p) => p.x))).toEqual(new Set([10, 20]));
    // loss is now a series, not the x axis.
    expect(new Set(points.map((p) => p.series))).toEqual(new Set(['linux · loss 0.02', 'linux · loss 0.08']));
    for (const p of points) {
      expect(p.lo as number).toBeLessThanOrEqual(p.mean as number);
      expect(p.hi as number).toBeGreaterThanOrEqual(p.mean as number);
    }
    expect(s.scales.find((sc) => sc.name === 'x')?.type).toBe('log');
    expect(readFileSync(join(out, 'mean-goodput.svg'), 'utf8')).toContain('delay');
  });

  it('the CDF figure plots the numbers of cdf.csv', () => {
    const cdf = spec(out, 'cdf-teardown').data.find((d) => d.name === 'points')!.values!;
    const csv = readFileSync(join(out, 'cdf.csv'), 'utf8')
      .split('\n')
      .filter((line) => line.split(',')[1] === 'teardown_ms');
    expect(cdf.length).toBe(csv.length);
    expect(Math.max(...cdf.map((p) => p.cdf as number))).toBe(1);
  });

  it('draws the overlay on the plots it names only', () => {
    const onGoodput = spec(out, 'mean-goodput').data.find((d) => d.name === 'overlay');
    expect(onGoodput?.values?.map((v) => v.label)).toEqual(['my model', 'my model']);
    expect(readFileSync(join(out, 'mean-goodput.svg'), 'utf8')).toContain('my model');
    expect(spec(out, 'success').data.find((d) => d.name === 'overlay')?.values).toHaveLength(2);
    expect(spec(out, 'cdf-goodput').data.find((d) => d.name === 'overlay')).toBeUndefined();
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.command).toContain(`--plot-x delay --log-x --overlay ${overlay}`);
  });
});

describe('--plot-x on an extra axis', () => {
  it('puts --loss-fwd on the x axis and splits the lines by the other swept axis (--bandwidth)', async () => {
    const out = join(tmp.dir, 'extra-x');
    const r = await synack(
      [
        'sweep',
        'handshake',
        '--loss-fwd',
        '0,0.1',
        '--bandwidth',
        '1000000,2000000',
        '--plot-x',
        'loss-fwd',
        '--runs',
        '2',
        '--out',
        out,
        '--no-progress',
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.code, describeResult(r)).toBe(0);
    for (const name of ['success', 'mean-handshake']) {
      const points = spec(out, name).data.find((d) => d.name === 'points')!.values!;
      expect(new Set(points.map((p) => p.x)), name).toEqual(new Set([0, 0.1]));
      expect(new Set(points.map((p) => p.series)), name).toEqual(
        new Set(['linux · bandwidth 1000000', 'linux · bandwidth 2000000']),
      );
    }
    expect(readFileSync(join(out, 'success.svg'), 'utf8')).toContain('loss_fwd');
  });

  it('an axis the sweep does not have is one line naming the ones it has, exit 2', async () => {
    const r = await synack([
      'sweep',
      'handshake',
      '--loss-fwd',
      '0,0.1',
      '--plot-x',
      'delay-rev',
      '--runs',
      '1',
    ]);
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr).toBe(
      'synack: --plot-x: delay-rev is not an axis of this sweep (choose one of: loss, reorder, duplicate, delay, jitter, loss-fwd)\n',
    );
  });
});

describe('figure options: input errors', () => {
  const bad = join(tmp.dir, 'bad.csv');
  it.each([
    [['--loss', '0,0.1', '--log-x'], '--log-x'],
    [['--overlay', '/nonexistent/x.csv'], '--overlay'],
    [['--overlay', 'BAD_NO_Y'], '"y" column'],
    [['--overlay', 'BAD_NUMBER'], 'must be numbers'],
    [['--plot-x', 'bandwidth'], '--plot-x'],
  ])('%j', async (flags, needle) => {
    const args = flags.map((f) => {
      if (f === 'BAD_NO_Y') {
        writeFileSync(`${bad}.noy`, 'plot,x,label\nsuccess,1,a\n');
        return `${bad}.noy`;
      }
      if (f === 'BAD_NUMBER') {
        writeFileSync(`${bad}.num`, 'plot,x,y,label\nsuccess,1,abc,a\n');
        return `${bad}.num`;
      }
      return f;
    });
    const out = join(tmp.dir, 'never');
    const r = await synack(['sweep', 'handshake', '--runs', '1', '--out', out, ...args]);
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr.trimEnd().split('\n')[0]).toContain(needle);
    expect(existsSync(join(out, 'config.json'))).toBe(false);
  });
});
