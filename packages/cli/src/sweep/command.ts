/**
 * `synack sweep [scenario|file]`: runs a scenario over a grid of network
 * settings and profiles, many seeds per grid point, and writes runs.csv,
 * summary.csv/json, config.json and plots.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { validateSimulationConfig } from '@synack/network';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Output, resolveScenario } from '../run.js';
import type { Scenario } from '../scenarios.js';
import { InputError } from '../schema.js';
import { DIRECTIONS, type Direction } from './direction.js';
import { type Executor, LocalExecutor } from './executor.js';
import {
  expandGrid,
  type GridSpec,
  intArg,
  msListArg,
  otherVarying,
  PARAMS,
  type Param,
  probabilityListArg,
  profileListArg,
  type SweepPoint,
  sweptParam,
} from './grid.js';
import { type JobPlan, jobConfig, planJobs, reproArgs, runSeed, type SweepRow } from './job.js';
import { type Criterion, criterionFor } from './metrics.js';
import { isPlainHandshake } from './model.js';
import { formatNumber, type PointSummary, runsCsv, shellWord, summarize, summaryCsv } from './summary.js';

/**
 * Most runs one sweep may ask for. Rows stay in memory (≈ 420 bytes each) for the quantiles and
 * the sorted runs.csv, which is built as one string (≈ 200 bytes a row; V8 strings stop near
 * 512 M characters). A million runs is about 17 minutes at 1,000 runs/s.
 */
export const MAX_RUNS_TOTAL = 1_000_000;

export interface SweepOptions {
  /** Built-in scenario name or scenario file (default handshake). */
  target?: string;
  grid?: GridSpec;
  runs?: number;
  seed?: number;
  direction?: Direction;
  out?: string;
  png?: boolean;
  concurrency?: number;
  maxTime?: number;
  progress?: boolean;
  /** Where jobs run (default: a LocalExecutor with `concurrency`). Closed by the caller when given. */
  executor?: Executor;
  signal?: AbortSignal;
}

export interface SweepResult {
  scenario: Scenario;
  criterion: Criterion;
  points: SweepPoint[];
  rows: SweepRow[];
  summaries: PointSummary[];
  /** Files written, relative to `outDir`. */
  files: string[];
  outDir: string;
  wallMs: number;
  runsPerSec: number;
  interrupted: boolean;
}

function version(): string {
  try {
    return (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}

/** The canonical `synack sweep` command line for these options (lists written out). */
export function sweepCommand(
  target: string,
  opts: Required<Pick<SweepOptions, 'runs' | 'seed' | 'direction'>> & SweepOptions,
): string[] {
  const args = ['sweep', target];
  for (const p of PARAMS) {
    const values = opts.grid?.[p];
    if (values) args.push(`--${p}`, values.map(formatNumber).join(','));
  }
  if (opts.grid?.profile) args.push('--profile', opts.grid.profile.join(','));
  args.push('--runs', String(opts.runs), '--seed', String(opts.seed));
  if (opts.direction !== 'both') args.push('--direction', opts.direction);
  if (opts.maxTime !== undefined) args.push('--max-time', String(opts.maxTime));
  return args;
}

/**
 * mkdir -p, one level at a time (fs.mkdirSync's recursive mode never returns for a path under
 * /proc on Linux/Node 20).
 */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) mkdirSync(d);
}

/** Runs a sweep and writes its outputs; the programmatic form of `synack sweep`. */
export async function runSweep(options: SweepOptions, io: Output): Promise<SweepResult> {
  const target = options.target ?? 'handshake';
  const scenario = resolveScenario(target);
  const grid = options.grid ?? {};
  const runs = options.runs ?? 100;
  const seed = options.seed ?? scenario.seed ?? 1;
  const direction = options.direction ?? 'both';
  const outDir = resolve(options.out ?? 'sweep-out');
  const criterion = criterionFor(scenario);
  const defaults = scenario.network?.default ?? {};
  const points = expandGrid(
    grid,
    {
      profile: scenario.profile ?? 'linux',
      loss: defaults.loss ?? 0,
      reorder: defaults.reorder ?? 0,
      duplicate: defaults.duplicate ?? 0,
      delay: defaults.delay ?? 10,
      jitter: defaults.jitter ?? 0,
    },
    direction,
  );
  const total = points.length * runs;
  if (total > MAX_RUNS_TOTAL) {
    throw new InputError(
      `the sweep asks for ${points.length} grid points × ${runs} runs = ${total} runs (at most ${MAX_RUNS_TOTAL})`,
    );
  }
  const plan: JobPlan = {
    scenario,
    target,
    points,
    runs,
    baseSeed: seed,
    maxTime: options.maxTime,
    criterion,
    engine: 'table',
  };
  // Every point's config is checked before anything runs (and before any file is written).
  const pointConfigs = points.map((point) => {
    const config = jobConfig(plan, point, runSeed(seed, point.netIndex, 0));
    try {
      validateSimulationConfig(config);
    } catch (err) {
      throw new InputError(`${scenario.name}: ${(err as Error).message}`);
    }
    return config;
  });

  try {
    makeDirectory(outDir);
  } catch (err) {
    throw new InputError(`--out: cannot create ${outDir} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const files: string[] = [];
  const write = (name: string, data: string | Buffer) => {
    try {
      writeFileSync(join(outDir, name), data);
    } catch (err) {
      throw new InputError(
        `--out: cannot write ${join(outDir, name)} (${(err as NodeJS.ErrnoException).code ?? err})`,
      );
    }
    if (!files.includes(name)) files.push(name);
  };
  const param = sweptParam(grid);
  const command = sweepCommand(target, { ...options, grid, runs, seed, direction });
  write(
    'config.json',
    `${JSON.stringify(
      {
        tool: 'synack sweep',
        version: version(),
        command: ['synack', ...command].map(shellWord).join(' '),
        argv: command,
        target,
        scenario,
        criterion,
        runs,
        seed,
        seedDerivation:
          'seed of run r at a point = deriveSeed(deriveSeed(seed, netIndex), r) (@synack/network deriveSeed); netIndex numbers the network settings, so the profiles compared at one setting share seeds',
        direction,
        maxTime: options.maxTime ?? null,
        engine: plan.engine,
        grid: Object.fromEntries([...PARAMS, 'profile'].map((p) => [p, grid[p as keyof GridSpec] ?? null])),
        sweptParam: param,
        model: isPlainHandshake(scenario)
          ? 'handshake model (src/sweep/model.ts): closed form for client->server loss, exact enumeration otherwise; not applied with reorder/duplicate > 0, nor with jitter and SYN-ACK loss'
          : null,
        points: points.map((p, i) => {
          const { seed: _seed, endpoints: _endpoints, ...config } = pointConfigs[i];
          return { ...p, config };
        }),
      },
      null,
      2,
    )}\n`,
  );

  const executor =
    options.executor ?? new LocalExecutor({ concurrency: options.concurrency ?? availableParallelism() });
  const concurrency = executor.concurrency;
  io.err(
    `sweep: ${scenario.name}, ${points.length} grid point${points.length === 1 ? '' : 's'} × ${runs} runs = ${total} runs, concurrency ${concurrency}\n`,
  );
  const rows: SweepRow[] = [];
  // Loaded on use: vega and resvg take a while to load, and every other synack command goes without.
  const { createProgress } = await import('./progress.js');
  const progress = createProgress({
    total,
    tty: process.stderr.isTTY ? process.stderr : undefined,
    write: io.err,
    enabled: options.progress !== false,
  });
  const controller = new AbortController();
  const abort = () => controller.abort();
  options.signal?.addEventListener('abort', abort);
  const onSigint = () => {
    io.err(
      '\nsweep: interrupted — abandoning the runs in flight, writing the results so far (Ctrl-C again to quit at once)\n',
    );
    abort();
  };
  process.once('SIGINT', onSigint);
  const start = performance.now();
  try {
    await executor.run(
      planJobs(plan),
      (row) => {
        rows.push(row);
        progress.tick(rows.length);
      },
      { signal: controller.signal },
    );
  } finally {
    process.removeListener('SIGINT', onSigint);
    options.signal?.removeEventListener('abort', abort);
    progress.stop(rows.length);
    if (!options.executor) await executor.close();
  }
  const wallMs = performance.now() - start;
  const runsPerSec = rows.length / Math.max(1e-3, wallMs / 1000);
  const interrupted = controller.signal.aborted;

  const summaries = summarize(scenario, points, rows);
  write(
    'runs.csv',
    runsCsv(rows, (row) => reproArgs(plan, points[row.point], row.seed)),
  );
  write('summary.csv', summaryCsv(summaries));
  write(
    'summary.json',
    `${JSON.stringify(
      {
        scenario: scenario.name,
        criterion,
        sweptParam: param,
        runs: rows.length,
        plannedRuns: total,
        interrupted,
        wallMs: Math.round(wallMs),
        runsPerSec: Math.round(runsPerSec),
        concurrency,
        points: summaries,
      },
      null,
      2,
    )}\n`,
  );
  const ctx = { scenario: scenario.name, param, split: otherVarying(grid, param), direction };
  const { sweepPlots, svgToPng } = await import('./plots.js');
  for (const plot of await sweepPlots(summaries, ctx)) {
    write(`${plot.name}.svg`, plot.svg);
    if (options.png) write(`${plot.name}.png`, svgToPng(plot.svg));
  }

  io.out(report(scenario, summaries, grid, param, criterion));
  io.out(`wrote ${outDir}: ${files.join(' ')}\n`);
  io.out(
    `${interrupted ? `interrupted after ${rows.length} of ${total}` : rows.length} runs in ${(wallMs / 1000).toFixed(1)} s: ${runsPerSec.toFixed(0)} runs/s (concurrency ${concurrency})\n`,
  );
  return { scenario, criterion, points, rows, summaries, files, outDir, wallMs, runsPerSec, interrupted };
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`;
}

function ms(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  return x >= 10_000 ? `${(x / 1000).toFixed(1)}s` : `${Math.round(x)}`;
}

/** The summary table printed on stdout. */
function report(
  scenario: Scenario,
  summaries: readonly PointSummary[],
  grid: GridSpec,
  param: Param,
  criterion: Criterion,
): string {
  const varying = PARAMS.filter((p) => p === param || (grid[p]?.length ?? 0) > 1);
  const hasModel = summaries.some((s) => s.model);
  const header = [
    'point',
    'profile',
    ...varying,
    'n',
    'success',
    '95% CI',
    'hs median',
    'p95',
    'p99',
    ...(hasModel ? ['model', 'model hs mean', 'hs mean'] : []),
  ];
  const body = summaries.map((s) => [
    String(s.point),
    s.profile,
    ...varying.map((p) => formatNumber(s[p])),
    String(s.n),
    pct(s.successRate),
    s.wilsonLo === null ? '-' : `${pct(s.wilsonLo)}–${pct(s.wilsonHi)}`,
    ms(s.handshake.median),
    ms(s.handshake.p95),
    ms(s.handshake.p99),
    ...(hasModel ? [pct(s.model?.successRate), ms(s.model?.handshakeMean), ms(s.handshake.mean)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd()}\n`;
  const what =
    criterion === 'established'
      ? 'success = every active open reached ESTABLISHED'
      : 'success = run completed with its expected final states (and integrity/received bytes)';
  return `synack sweep ${scenario.name} (${what}; handshake times in ms)\n${line(header)}${body.map(line).join('')}`;
}

/** Registers `synack sweep` on the program. */
export function registerSweep(program: Command, io: Output, setExit: (code: number) => void): Command {
  return program
    .command('sweep')
    .description(
      'run a scenario over a grid of loss/delay/… values and profiles, many seeds per point; CSV, JSON and plots',
    )
    .argument('[scenario]', 'built-in scenario name or scenario file', 'handshake')
    .option('--loss <list>', 'loss probabilities: start:stop:step, a,b,c or one value', probabilityListArg)
    .option('--reorder <list>', 'reordering probabilities (list or range)', probabilityListArg)
    .option('--duplicate <list>', 'duplication probabilities (list or range)', probabilityListArg)
    .option('--delay <list>', 'one-way delays in ms (list or range)', msListArg)
    .option('--jitter <list>', 'jitters in ms (list or range)', msListArg)
    .option('--profile <list>', 'timer profiles to compare, e.g. linux,rfc9293', profileListArg)
    .option('--runs <n>', 'runs (seeds) per grid point', intArg(1_000_000), 100)
    .option('--seed <n>', 'base seed (default: the scenario seed, else 1)', seedOption)
    .addOption(
      new Option('--direction <dir>', 'apply the loss to both directions or one only')
        .choices(DIRECTIONS)
        .default('both'),
    )
    .option('--out <dir>', 'output directory', 'sweep-out')
    .option('--png', 'also write PNG plots')
    .option('--concurrency <n>', 'simulations at once (default: available CPUs)', intArg(256))
    .option('--max-time <ms>', 'virtual-time limit per run in ms', positiveOption)
    .option('--no-progress', 'no progress bar or progress lines on stderr')
    .action(async (target: string, opts: Record<string, unknown>) => {
      const grid: GridSpec = {};
      for (const p of PARAMS) if (opts[p] !== undefined) grid[p] = opts[p] as number[];
      if (opts.profile !== undefined) grid.profile = opts.profile as string[];
      const result = await runSweep(
        {
          target,
          grid,
          runs: opts.runs as number,
          seed: opts.seed as number | undefined,
          direction: opts.direction as Direction,
          out: opts.out as string,
          png: opts.png === true,
          concurrency: opts.concurrency as number | undefined,
          maxTime: opts.maxTime as number | undefined,
          progress: opts.progress !== false,
        },
        io,
      );
      setExit(result.interrupted ? 1 : 0);
    });
}

// Same rules as `synack run --seed` / `--max-time` (main.ts); local copies avoid importing main.ts.

function seedOption(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 0xffff_ffff) {
    throw new InvalidArgumentError(`must be an integer in [0, 4294967295], got "${value}"`);
  }
  return n;
}

function positiveOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`must be a positive number, got "${value}"`);
  }
  return n;
}
