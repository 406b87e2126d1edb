/**
 * The sweep's extra axes (issue 22 item 5): --loss-fwd/--loss-rev, --delay-fwd/--delay-rev,
 * --bandwidth/--queue-limit, --burst, --delay-dist and --set PATH=LIST. Each is a grid axis and a
 * runs.csv/summary.csv column; each row's repro (`synack run` with the same flags) rebuilds the
 * row's run exactly; bad values and paths are one-line usage errors (exit 2).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '@synack/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../src/run.js';
import { findScenario } from '../src/scenarios.js';
import { RunCollector } from '../src/sweep/metrics.js';
import { parseCsv } from '../src/sweep/summary.js';
import { type CliResult, describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-axes-');
afterAll(() => tmp.cleanup());

function shellSplit(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] ?? m[2]).replace(/'\\''/g, "'"));
}

function usageError(r: CliResult, ...needles: string[]): void {
  expect(r.code, describeResult(r)).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0], describeResult(r)).toMatch(/^(error: |synack: )/);
  for (const needle of needles) expect(lines[0], describeResult(r)).toContain(needle);
  expect(r.stderr).not.toMatch(/ {4}at |internal error/i);
}

describe('buildConfig with the new knobs', () => {
  const handshake = findScenario('handshake')!;

  it('per-direction loss and delay start their link from the default model', () => {
    const config = buildConfig(handshake, { jitter: 2, directional: { lossFwd: 0.1, delayRev: 40 } });
    expect(config.network?.links).toEqual({
      'client->server': { delay: 10, jitter: 2, loss: 0.1 },
      'server->client': { delay: 40, jitter: 2 },
    });
  });

  it('burst, rate, queue and distribution override the default like --loss', () => {
    const config = buildConfig(handshake, {
      linkOverrides: {
        bandwidth: 125_000,
        queueLimit: 8,
        burstLoss: { pGoodToBad: 0.01, pBadToGood: 0.3 },
        delayDistribution: { kind: 'pareto', scale: 5, shape: 2 },
      },
    });
    expect(config.network?.default).toEqual({
      delay: 10,
      bandwidth: 125_000,
      queueLimit: 8,
      burstLoss: { pGoodToBad: 0.01, pBadToGood: 0.3 },
      delayDistribution: { kind: 'pareto', scale: 5, shape: 2 },
    });
  });

  it('--set reaches any field without touching the built-in scenario', () => {
    const config = buildConfig(handshake, {
      sets: [
        { path: 'maxTime', value: 12_345 },
        { path: 'network.links.server->client.loss', value: 0.5 },
      ],
    });
    expect(config.maxTime).toBe(12_345);
    expect(config.network?.links?.['server->client']).toEqual({ delay: 10, loss: 0.5 });
    expect(findScenario('handshake')!.network?.links).toBeUndefined();
  });
});

describe('synack sweep over the extra axes', () => {
  const out = join(tmp.dir, 'axes');
  let r: CliResult;
  let rows: Array<Record<string, string>>;
  beforeAll(async () => {
    r = await synack(
      [
        'sweep',
        'handshake',
        '--loss-fwd',
        '0,0.3',
        '--loss-rev',
        '0.3',
        '--delay-dist',
        'uniform:5:15,pareto:4:2',
        '--burst',
        '0.02/0.4',
        '--set',
        'maxTime=120000,240000',
        '--runs',
        '6',
        '--seed',
        '3',
        '--out',
        out,
        '--no-progress',
      ],
      { timeoutMs: 60_000 },
    );
    rows = parseCsv(readFileSync(join(out, 'runs.csv'), 'utf8'));
  });

  it('spans every combination, each axis a column after direction', () => {
    expect(r.code, describeResult(r)).toBe(0);
    expect(rows).toHaveLength(2 * 2 * 2 * 6);
    const header = readFileSync(join(out, 'runs.csv'), 'utf8').split('\n')[0];
    expect(header).toContain('direction,loss_fwd,loss_rev,burst,delay_dist,maxTime,completed');
    const summary = readFileSync(join(out, 'summary.csv'), 'utf8').split('\n')[0];
    expect(summary).toContain('direction,loss_fwd,loss_rev,burst,delay_dist,maxTime,n,');
    expect(new Set(rows.map((row) => `${row.loss_fwd}|${row.delay_dist}|${row.maxTime}`)).size).toBe(8);
    expect(new Set(rows.map((row) => row.delay_dist))).toEqual(new Set(['uniform:5:15', 'pareto:4:2']));
    // The stdout table shows the axes that vary (loss_fwd, the plots' x axis, first; the constant
    // loss is not a column).
    expect(r.stdout).toMatch(/^point +profile +loss_fwd +delay_dist +maxTime +n/m);
  });

  it('config.json lists the axes, and the canonical command gives them back', () => {
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.command).toContain(
      '--loss-fwd 0,0.3 --loss-rev 0.3 --burst 0.02/0.4 --delay-dist uniform:5:15,pareto:4:2 --set maxTime=120000,240000',
    );
    expect(config.axes.map((a: { flag: string }) => a.flag)).toEqual([
      '--loss-fwd',
      '--loss-rev',
      '--burst',
      '--delay-dist',
      '--set',
    ]);
  });

  it('the models stand aside at points with extra axes', () => {
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    for (const point of summary.points) expect(point.model).toBeNull();
  });

  it('every sampled row is reproduced exactly by its repro command', async () => {
    const picks = [rows[0], ...rows.filter((row) => Number(row.segments_dropped) > 0).slice(0, 3)];
    expect(picks.length).toBe(4);
    const expectHandshake = findScenario('handshake')!.expect;
    for (const row of picks) {
      expect(row.repro).toContain(`--delay-dist ${row.delay_dist}`);
      expect(row.repro).toContain(`--set maxTime=${row.maxTime}`);
      const run = await synack([...shellSplit(row.repro).slice(1), '--format', 'jsonl']);
      expect([0, 1], describeResult(run)).toContain(run.code);
      const collector = new RunCollector('established', expectHandshake);
      for (const line of run.stdout.trim().split('\n')) collector.onEvent(JSON.parse(line) as TraceEvent);
      const m = collector.finish();
      expect([String(m.segmentsSent), String(m.segmentsDropped), String(m.endMs)], row.repro).toEqual([
        row.segments_sent,
        row.segments_dropped,
        row.end_ms,
      ]);
    }
  });
});

describe('--set is repeatable', () => {
  it('synack run applies every --set in order', async () => {
    const r = await synack([
      'run',
      'handshake',
      '--set',
      'maxTime=5000',
      '--set',
      'network.default.delay=25',
      '--format',
      'jsonl',
    ]);
    expect(r.code, describeResult(r)).toBe(0);
    const established = r.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TraceEvent)
      .find((e) => e.kind === 'state' && e.to === 'ESTABLISHED');
    // 25 ms each way: the client is ESTABLISHED when the SYN-ACK arrives, one RTT in.
    expect(established?.t).toBe(50);
  });
});

describe('bad axis values are usage errors', () => {
  it.each([
    [['--burst', '0.1'], '--burst'],
    [['--burst', '0.1/2'], 'probabilities in [0, 1]'],
    [['--delay-dist', 'lognormal:3:1'], '--delay-dist'],
    [['--delay-dist', 'uniform:9:3'], 'max must be at least min'],
    [['--set', 'nosuchfield=3'], 'nosuchfield'],
    [['--set', 'maxTime=-1,5'], 'maxTime'],
    [['--set', 'maxTime'], 'PATH=VALUE'],
    [['--queue-limit', '1.5'], '--queue-limit'],
    [['--queue-limit', '4'], 'needs bandwidth'],
    [['--bandwidth', '0'], '--bandwidth'],
    [['--loss-fwd', '0.1', '--direction', 'client->server'], '--direction'],
  ])('sweep %j', async (flags, needle) => {
    usageError(
      await synack(['sweep', 'handshake', '--runs', '1', '--out', join(tmp.dir, 'bad'), ...flags]),
      needle,
    );
  });

  it.each([
    [['--set', 'endpoints.0.nosuch=1'], 'nosuch'],
    [['--set', '__proto__.x=1'], '__proto__'],
    [['--delay-dist', 'normal:5'], 'normal:MEAN:SD'],
  ])('run %j', async (flags, needle) => {
    usageError(await synack(['run', 'handshake', ...flags]), needle);
  });
});

describe('synack run --no-expect', () => {
  it('exits 0 for a completed run whose built-in expectations fail, and checks none', async () => {
    // Seed 1 at 40 % loss: the run completes, but lossy-transfer's expectations (bytes received,
    // final states) do not hold: the client's data gives up (at 20 % the event-driven scenario
    // still delivers everything).
    const args = ['run', 'lossy-transfer', '--loss', '0.4', '--seed', '1', '--format', 'jsonl'];
    const checked = await synack(args, { timeoutMs: 60_000 });
    expect(checked.code, describeResult(checked)).toBe(1);
    expect(checked.stderr).toMatch(/expectation failed/);
    const skipped = await synack([...args, '--no-expect'], { timeoutMs: 60_000 });
    expect(skipped.code, describeResult(skipped)).toBe(0);
    expect(skipped.stderr).not.toMatch(/expectation failed/);
    expect(skipped.stdout).toBe(checked.stdout);
  });

  it('still exits 1 when the run itself fails', async () => {
    const r = await synack(['run', 'lossy-transfer', '--max-time', '5', '--no-expect', '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(1);
    expect(r.stderr).toMatch(/run failed/);
  });
});

describe('a max-time failure says what was pending', () => {
  it('names the endpoint whose timer was due and the states connections were left in', async () => {
    const r = await synack(['run', 'lifecycle', '--max-time', '300', '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'synack: run failed: virtual-time limit of 300 ms reached (next event at 400 ms: a timer of client): raise maxTime (synack --max-time) or look for a connection that never closes; connections left in: client ESTABLISHED; server ESTABLISHED',
    );
  });

  it('names the TCP timers each connection left open was still running', async () => {
    const r = await synack(['run', 'lossy-transfer', '--max-time', '1000', '--format', 'jsonl']);
    expect(r.code, describeResult(r)).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(
      /; connections left in: client FIN_WAIT_1 \(timers: retransmission, RACK reorder\); server ESTABLISHED$/,
    );
  });
});

describe('a fixed-time close under loss is flagged', () => {
  // Sends and closes at fixed times, 100 and 200 ms after its connect: a lost SYN (resent after
  // 1 s) puts them before the connection is ESTABLISHED.
  const fixedTimes = [
    'name: fixed-close',
    'endpoints:',
    '  - id: client',
    '    actions:',
    '      - { at: 0, do: connect, to: server, port: 80 }',
    '      - { at: 100, do: send, bytes: 1000 }',
    '      - { at: 200, do: close }',
    '  - id: server',
    '    actions: [{ at: 0, do: listen, port: 80 }]',
    '    reactions: [{ on: peer-closed, do: close }]',
    'network: { default: { delay: 10, loss: 0.05 } }',
    '',
  ].join('\n');
  const WARNING =
    'synack: warning: fixed-close: client sends at 100 ms, client closes at 200 ms, fixed times less than one initial RTO after its connect';

  it('warns on stderr for a fixed-time close under loss (sweep and run), not without loss', async () => {
    const file = join(tmp.dir, 'fixed-close.yaml');
    writeFileSync(file, fixedTimes);
    const lossy = await synack(['sweep', file, '--runs', '1', '--out', join(tmp.dir, 'w1'), '--no-progress']);
    expect(lossy.code, describeResult(lossy)).toBe(0);
    expect(lossy.stderr).toContain(WARNING);
    // `run` warns about the close only: a send before ESTABLISHED is queued, not lost.
    const run = await synack(['run', file, '--no-expect']);
    expect(run.stderr).toContain(
      'synack: warning: fixed-close: client closes at 200 ms, fixed times less than one initial RTO after its connect',
    );
    const clean = await synack([
      'sweep',
      file,
      '--loss',
      '0',
      '--runs',
      '1',
      '--out',
      join(tmp.dir, 'w2'),
      '--no-progress',
    ]);
    expect(clean.stderr).not.toContain('warning');
    const cleanRun = await synack(['run', file, '--loss', '0']);
    expect(cleanRun.stderr).not.toContain('warning');
  });

  it('the built-in lossy-transfer reacts to connected: no warning under its loss', async () => {
    const lossy = await synack([
      'sweep',
      'lossy-transfer',
      '--runs',
      '1',
      '--out',
      join(tmp.dir, 'w3'),
      '--no-progress',
    ]);
    expect(lossy.code, describeResult(lossy)).toBe(0);
    expect(lossy.stderr).not.toContain('warning');
  });
});
