/**
 * `synack sweep` through the real binary: outputs (CSV columns, JSON, SVG/PNG
 * plots with axis labels), progress on stderr, determinism across concurrency,
 * exit 2 naming the flag for bad input, and every runs.csv row reproduced
 * exactly by its `synack run` command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '@synack/network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findScenario } from '../src/scenarios.js';
import { RunCollector } from '../src/sweep/metrics.js';
import { parseCsv } from '../src/sweep/summary.js';
import { CLI_DIR, type CliResult, describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-sweep-');
afterAll(() => tmp.cleanup());

/** The runs.csv contract (documented in the README). */
const RUNS_COLUMNS =
  'point,run,seed,profile,loss,reorder,duplicate,delay,jitter,direction,completed,failure,run_ok,handshake_ms,lifecycle_ms,lifecycle_no_tw_ms,teardown_ms,time_wait_ms,close_reasons,clean,hanging,segments_sent,segments_dropped,segments_duplicated,retx_syn,retx_synack,retx_data,retx_fin,final_states,end_ms,bytes_sent,bytes_received,transfer_ms,goodput_Bps,mss,resent_rto_bytes,resent_fast_bytes,resent_tlp_bytes,redundant_bytes,data_segments,loss_events,repro';
const SUMMARY_COLUMNS =
  'point,profile,loss,reorder,duplicate,delay,jitter,direction,n,successes,success_rate,wilson_lo,wilson_hi,hs_n,hs_mean_ms,hs_sd_ms,hs_ci_lo_ms,hs_ci_hi_ms,hs_median_ms,hs_p95_ms,hs_p99_ms,lc_n,lc_mean_ms,lc_sd_ms,lc_ci_lo_ms,lc_ci_hi_ms,lc_median_ms,lc_p95_ms,lc_p99_ms,lc_no_tw_n,lc_no_tw_mean_ms,lc_no_tw_sd_ms,lc_no_tw_ci_lo_ms,lc_no_tw_ci_hi_ms,lc_no_tw_median_ms,lc_no_tw_p95_ms,teardown_n,teardown_mean_ms,teardown_sd_ms,teardown_ci_lo_ms,teardown_ci_hi_ms,teardown_median_ms,teardown_p95_ms,clean_rate,model_success_rate,model_hs_mean_ms,success_dev,model_in_wilson,hs_mean_dev_ms,hs_mean_z,goodput_n,goodput_mean_Bps,goodput_sd_Bps,goodput_ci_lo_Bps,goodput_ci_hi_Bps,goodput_median_Bps,resent_rto_mean_bytes,resent_fast_mean_bytes,resent_tlp_mean_bytes,redundant_ratio,model_mss,model_rtt_ms,model_b,model_t0_ms,model_wmax,mathis_Bps,pftk_Bps,goodput_to_pftk,loss_event_rate,pftk_at_events_Bps';

/** Splits a command line the way sh does for the words runs.csv writes (plain or '…'-quoted). */
function shellSplit(line: string): string[] {
  return [...line.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((m) => (m[1] ?? m[2]).replace(/'\\''/g, "'"));
}

function usageError(r: CliResult, name: string): void {
  expect(r.code, describeResult(r)).toBe(2);
  expect(r.stdout, describeResult(r)).toBe('');
  expect(r.stderr).not.toMatch(/ {4}at |internal error/i);
  const first = r.stderr.trimEnd().split('\n')[0];
  expect(first, describeResult(r)).toMatch(/^(error: |synack: )/);
  expect(first, describeResult(r)).toContain(name);
}

describe('synack sweep handshake, end to end', () => {
  const out = join(tmp.dir, 'hs');
  const args = [
    'sweep',
    'handshake',
    '--loss',
    '0,0.4',
    '--profile',
    'linux,rfc9293',
    '--runs',
    '30',
    '--seed',
    '5',
    '--direction',
    'client->server',
    '--out',
    out,
    '--png',
  ];
  let r: CliResult;
  let rows: Array<Record<string, string>>;
  beforeAll(async () => {
    r = await synack(args, { timeoutMs: 60_000 });
    rows = existsSync(join(out, 'runs.csv')) ? parseCsv(readFileSync(join(out, 'runs.csv'), 'utf8')) : [];
  });

  it('exits 0 with a summary table and the run rate on stdout, progress on stderr', () => {
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/^synack sweep handshake \(success = every active open reached ESTABLISHED/);
    expect(r.stdout).toMatch(/^point +profile +loss +n +success +95% CI/m);
    expect(r.stdout).toMatch(/^120 runs in \d+\.\d s: \d+ runs\/s \(concurrency \d+\)$/m);
    expect(r.stderr).toMatch(/^sweep: handshake, 4 grid points × 30 runs = 120 runs, concurrency \d+$/m);
    // Not a TTY: plain progress lines with rate and ETA, the last one complete.
    expect(r.stderr).toMatch(/^sweep: 120\/120 runs \(100\.0 %\), \d+ runs\/s, ETA 0 s$/m);
  });

  it('writes every output file', () => {
    for (const f of [
      'runs.csv',
      'summary.csv',
      'summary.json',
      'config.json',
      'success.svg',
      'handshake.svg',
      'success.png',
      'handshake.png',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'success.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('runs.csv: one row per run with the documented columns', () => {
    expect(readFileSync(join(out, 'runs.csv'), 'utf8').split('\n')[0]).toBe(RUNS_COLUMNS);
    expect(rows).toHaveLength(120);
    expect(rows.map((row) => `${row.point}/${row.run}`)).toEqual(
      Array.from({ length: 120 }, (_, i) => `${Math.floor(i / 30)}/${i % 30}`),
    );
    for (const row of rows) {
      expect(['linux', 'rfc9293']).toContain(row.profile);
      expect(row.direction).toBe('client->server');
      expect(row.repro).toContain(`--seed ${row.seed} --loss ${row.loss} --profile ${row.profile}`);
      expect(row.repro).toContain("--direction 'client->server'");
      // client->server loss only: the handshake always completes within the SYN retries at 40 %,
      // and nothing from the server is ever dropped (no SYN-ACK retransmission is needed).
      if (row.loss === '0') {
        expect(row).toMatchObject({ completed: '1', handshake_ms: '20', segments_sent: '3', retx_syn: '0' });
      }
    }
    const lossy = rows.filter((row) => row.loss === '0.4');
    expect(lossy.some((row) => Number(row.retx_syn) > 0 && Number(row.segments_dropped) > 0)).toBe(true);
  });

  it('summary.csv/json: per point n, Wilson interval, quantiles and the model columns', () => {
    const csv = readFileSync(join(out, 'summary.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe(SUMMARY_COLUMNS);
    const summary = parseCsv(csv);
    expect(summary).toHaveLength(4);
    for (const s of summary) {
      expect(s.n).toBe('30');
      expect(Number(s.wilson_lo)).toBeLessThanOrEqual(Number(s.success_rate));
      expect(Number(s.wilson_hi)).toBeGreaterThanOrEqual(Number(s.success_rate));
      expect(s.model_success_rate).not.toBe('');
      expect(s.model_in_wilson).toBe('1');
    }
    const json = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(json).toMatchObject({
      scenario: 'handshake',
      criterion: 'established',
      sweptParam: 'loss',
      runs: 120,
    });
    expect(json.points[0].model.method).toBe('closed-form');
  });

  it('config.json holds what a re-run needs', () => {
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.command).toBe(
      "synack sweep handshake --loss 0,0.4 --profile linux,rfc9293 --runs 30 --seed 5 --direction 'client->server'",
    );
    expect(config).toMatchObject({ target: 'handshake', runs: 30, seed: 5, direction: 'client->server' });
    expect(config.scenario.endpoints).toHaveLength(2);
    expect(config.points).toHaveLength(4);
    expect(config.points[1].config.network.links['client->server'].loss).toBe(0.4);
  });

  it('the SVG plots carry titles, axis labels and a legend', () => {
    const success = readFileSync(join(out, 'success.svg'), 'utf8');
    expect(success.startsWith('<svg')).toBe(true);
    for (const text of [
      'handshake: success rate vs loss',
      'loss probability (client-&gt;server only)',
      'success rate',
      'profile',
      'linux',
      'rfc9293',
      'model',
    ]) {
      expect(success, text).toContain(text);
    }
    const hs = readFileSync(join(out, 'handshake.svg'), 'utf8');
    for (const text of [
      'handshake time',
      'SYN_SENT → ESTABLISHED (ms)',
      'median',
      'p95',
      'p99',
      'model mean',
    ]) {
      expect(hs, text).toContain(text);
    }
  });

  it('every sampled row is reproduced exactly by its `synack run` command (actor engine vs the sweep’s table engine)', async () => {
    const lossy = rows.filter((row) => row.loss === '0.4');
    const picks = [
      rows[0],
      ...lossy.filter((row) => Number(row.retx_syn) >= 2).slice(0, 3),
      lossy.find((row) => row.profile === 'rfc9293' && Number(row.retx_syn) >= 1)!,
    ].filter(Boolean);
    expect(picks.length).toBeGreaterThanOrEqual(4);
    const expectHandshake = findScenario('handshake')!.expect;
    await Promise.all(
      picks.map(async (row) => {
        const argv = shellSplit(row.repro);
        expect(argv[0]).toBe('synack');
        const run = await synack([...argv.slice(1), '--format', 'jsonl']);
        expect([0, 1], describeResult(run)).toContain(run.code);
        const collector = new RunCollector('established', expectHandshake);
        for (const line of run.stdout.trim().split('\n')) collector.onEvent(JSON.parse(line) as TraceEvent);
        const m = collector.finish();
        expect(
          {
            completed: m.completed ? '1' : '0',
            handshake_ms: String(m.handshakeMs),
            segments_sent: String(m.segmentsSent),
            segments_dropped: String(m.segmentsDropped),
            segments_duplicated: String(m.segmentsDuplicated),
            retx_syn: String(m.retransmits.SYN),
            retx_synack: String(m.retransmits['SYN-ACK']),
            final_states: m.finalStates,
            end_ms: String(m.endMs),
          },
          row.repro,
        ).toEqual({
          completed: row.completed,
          handshake_ms: row.handshake_ms,
          segments_sent: row.segments_sent,
          segments_dropped: row.segments_dropped,
          segments_duplicated: row.segments_duplicated,
          retx_syn: row.retx_syn,
          retx_synack: row.retx_synack,
          final_states: row.final_states,
          end_ms: row.end_ms,
        });
      }),
    );
  });
});

describe('synack sweep, other scenarios and determinism', () => {
  it('gives a byte-identical runs.csv whatever the concurrency', async () => {
    const common = [
      'sweep',
      'handshake',
      '--loss',
      '0.2,0.6',
      '--runs',
      '25',
      '--seed',
      '9',
      '--no-progress',
    ];
    const [a, b] = await Promise.all([
      synack([...common, '--concurrency', '1', '--out', join(tmp.dir, 'c1')]),
      synack([...common, '--concurrency', '4', '--out', join(tmp.dir, 'c4')]),
    ]);
    expect(a.code, describeResult(a)).toBe(0);
    expect(b.code, describeResult(b)).toBe(0);
    const csv = (dir: string) => readFileSync(join(tmp.dir, dir, 'runs.csv'), 'utf8');
    expect(csv('c1')).toBe(csv('c4'));
    expect(csv('c1').split('\n')).toHaveLength(52);
    // --no-progress: only the opening line on stderr.
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('lifecycle: completed = everything CLOSED with every byte delivered; lifecycle time and plot', async () => {
    const out = join(tmp.dir, 'lc');
    const r = await synack([
      'sweep',
      'lifecycle',
      '--loss',
      '0,0.2',
      '--runs',
      '12',
      '--out',
      out,
      '--no-progress',
    ]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toContain('success = run completed with its expected final states');
    const rows = parseCsv(readFileSync(join(out, 'runs.csv'), 'utf8'));
    for (const row of rows.filter((x) => x.loss === '0')) {
      // Handshake at 0 ms, TIME_WAIT (60 s, linux) ends the run 60.52 s after the first SYN.
      expect(row).toMatchObject({
        completed: '1',
        failure: '',
        lifecycle_ms: '60520',
        final_states: 'client:CLOSED|server:CLOSED',
      });
    }
    for (const row of rows.filter((x) => x.completed === '0')) expect(row.failure).not.toBe('');
    expect(existsSync(join(out, 'lifecycle.svg'))).toBe(true);
    expect(readFileSync(join(out, 'lifecycle.svg'), 'utf8')).toContain('first SYN → last CLOSED (ms)');
    // No model for lifecycle: the model columns stay empty.
    expect(parseCsv(readFileSync(join(out, 'summary.csv'), 'utf8'))[0].model_success_rate).toBe('');
  });

  it('sweeps delay as the x axis when loss is fixed', async () => {
    const out = join(tmp.dir, 'delay');
    const r = await synack([
      'sweep',
      '--delay',
      '5:25:10',
      '--loss',
      '0.1',
      '--runs',
      '8',
      '--out',
      out,
      '--no-progress',
    ]);
    expect(r.code, describeResult(r)).toBe(0);
    const summary = parseCsv(readFileSync(join(out, 'summary.csv'), 'utf8'));
    expect(summary.map((s) => s.delay)).toEqual(['5', '15', '25']);
    expect(readFileSync(join(out, 'success.svg'), 'utf8')).toContain('one-way delay (ms)');
  });
});

// One case per flag through the real binary; the value parsers' other cases are unit tests
// (sweep-unit.test.ts), since every process start costs about a second here.
describe('bad input → exit 2 naming the flag', () => {
  it.concurrent.each<[string[], string]>([
    [['sweep', '--loss', '0:2:0.5'], "'--loss <list>'"],
    [['sweep', '--reorder', '1.2'], "'--reorder <list>'"],
    [['sweep', '--delay', '-1'], "'--delay <list>'"],
    [['sweep', '--profile', 'linux,bsd'], "'--profile <list>'"],
    [['sweep', '--runs', '0'], "'--runs <n>'"],
    [['sweep', '--concurrency', 'many'], "'--concurrency <n>'"],
    [['sweep', '--direction', 'up'], "'--direction <dir>'"],
    [['sweep', '--seed', '-1'], "'--seed <n>'"],
    [['sweep', '--max-time', '0'], "'--max-time <ms>'"],
    [['sweep', '--lose', '0.1'], "'--lose'"],
    [['sweep', 'nosuch'], 'unknown scenario "nosuch"'],
    [['sweep', '--loss', '0:1:0.1', '--runs', '1000000'], '11 grid points × 1000000 runs'],
    [['run', 'handshake', '--direction', 'sideways'], "'--direction <dir>'"],
  ])('synack %j', async (args, name) => {
    usageError(await synack(args), name);
  });

  it('--out that cannot be created (a parent is a file)', async () => {
    const file = tmp.write('plain-file', 'x');
    usageError(await synack(['sweep', '--out', join(file, 'sub'), '--runs', '1']), '--out: cannot create');
  });

  it('--direction on a scenario without client and server endpoints', async () => {
    const path = tmp.write(
      'ab.yaml',
      'name: ab\nendpoints:\n  - id: a\n    actions: [{ at: 0, do: connect, to: b, port: 80 }]\n  - id: b\n    actions: [{ at: 0, do: listen, port: 80 }]\n',
    );
    const out = join(tmp.dir, 'never');
    for (const args of [
      ['sweep', path, '--direction', 'client->server', '--out', out],
      ['run', path, '--direction', 'server->client'],
    ]) {
      usageError(await synack(args), '--direction');
    }
    expect(existsSync(out)).toBe(false);
  });
});

describe('README', () => {
  it('documents every sweep flag', async () => {
    const readme = readFileSync(join(CLI_DIR, 'README.md'), 'utf8');
    const help = await synack(['sweep', '--help']);
    const flags = [...help.stdout.matchAll(/^ {2}(--[a-z-]+)/gm)]
      .map((m) => m[1])
      .filter((f) => f !== '--help');
    expect(flags.length).toBeGreaterThanOrEqual(14);
    for (const flag of flags) expect(readme, flag).toContain(`| \`${flag}`);
  });
});
