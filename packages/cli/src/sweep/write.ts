/**
 * The last step of `synack sweep`: the output directory (config.json first, before any run;
 * runs.csv, summary.csv/json and the plots after), and the summary table on stdout.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../schema.js';
import { extraAxes } from './axes.js';
import type { SweepExecution } from './execute.js';
import { type GridSpec, otherVarying, PARAMS } from './grid.js';
import { reproArgs } from './job.js';
import { isPlainHandshake } from './model.js';
import type { SweepPlan } from './plan.js';
import { type Provenance, sweepProvenance } from './provenance.js';
import {
  cdfCsv,
  connectionsCsv,
  formatNumber,
  type PointSummary,
  runsCsv,
  shellWord,
  summaryCsv,
} from './summary.js';
import { TRACES_DIR, traceFileName, unpackTrace } from './traces.js';

/** A sweep output that could not be written after the runs (disk full, I/O error): exit 1, not 2. */
export class SweepWriteError extends Error {
  override name = 'SweepWriteError';
}

/** The files of an earlier sweep that a new one removes first (README "Sweep output directory"). */
const OWNED_NAMES = new Set([
  'config.json',
  'runs.csv',
  'connections.csv',
  'cdf.csv',
  'summary.csv',
  'summary.json',
]);
const OWNED_EXTENSIONS = /\.(svg|png|vg\.json)$/i;

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/**
 * The output directory of a sweep. Creating it, or writing config.json before the runs, fails
 * with an InputError (nothing has run: exit 2); a write after the runs fails with a
 * SweepWriteError. Every file is written to a temporary name and renamed into place, so a
 * reader (or a crash) never sees a truncated CSV.
 */
export class SweepOutput {
  /** Files written, relative to `dir`, in the order first written. */
  readonly files: string[] = [];

  constructor(readonly dir: string) {
    try {
      makeDirectory(dir);
    } catch (err) {
      throw new InputError(`--out: cannot create ${dir} (${errorCode(err)})`);
    }
  }

  /**
   * Removes what an earlier sweep wrote here — config.json, runs.csv, summary.csv, summary.json
   * and every .svg/.png plot directly in the directory — so no stale plot survives a sweep that
   * draws fewer. Other files are left alone.
   */
  clearPrevious(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      throw new InputError(`--out: cannot read ${this.dir} (${errorCode(err)})`);
    }
    this.clearTraces();
    for (const name of names) {
      if (!OWNED_NAMES.has(name) && !OWNED_EXTENSIONS.test(name)) continue;
      try {
        rmSync(join(this.dir, name), { force: true });
      } catch (err) {
        throw new InputError(`--out: cannot remove the earlier ${join(this.dir, name)} (${errorCode(err)})`);
      }
    }
  }

  /** Removes the .jsonl.gz files of traces/ an earlier sweep wrote (the directory itself stays). */
  private clearTraces(): void {
    const dir = join(this.dir, TRACES_DIR);
    if (!existsSync(dir)) return;
    try {
      for (const name of readdirSync(dir)) {
        if (name.endsWith('.jsonl.gz')) rmSync(join(dir, name), { force: true });
      }
    } catch (err) {
      throw new InputError(`--out: cannot remove the earlier traces in ${dir} (${errorCode(err)})`);
    }
  }

  /** Writes a run's kept trace (--traces) as traces/point-P-seed-S.jsonl.gz; counts them, not listed one by one. */
  writeTrace(point: number, seed: number, packed: string): void {
    const dir = join(this.dir, TRACES_DIR);
    if (this.traces === 0 && !existsSync(dir)) {
      try {
        mkdirSync(dir);
      } catch (err) {
        throw new SweepWriteError(`--out: cannot create ${dir} (${errorCode(err)})`);
      }
    }
    const path = join(this.dir, traceFileName(point, seed));
    try {
      writeFileSync(path, unpackTrace(packed));
    } catch (err) {
      throw new SweepWriteError(`--out: cannot write ${path} (${errorCode(err)})`);
    }
    this.traces++;
  }

  /** Traces written by writeTrace. */
  traces = 0;

  /** Writes `name` atomically (temporary file + rename); `phase` says whether anything has run yet. */
  write(name: string, data: string | Buffer, phase: 'before-runs' | 'after-runs' = 'after-runs'): void {
    const path = join(this.dir, name);
    const temporary = join(this.dir, `.${name}.${process.pid}.tmp`);
    try {
      writeFileSync(temporary, data);
      renameSync(temporary, path);
    } catch (err) {
      removeQuietly(temporary);
      const message = `--out: cannot write ${path} (${errorCode(err)})`;
      throw phase === 'before-runs' ? new InputError(message) : new SweepWriteError(message);
    }
    if (!this.files.includes(name)) this.files.push(name);
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // The write error is what gets reported; a temporary file that cannot be removed is secondary.
  }
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

function version(): string {
  try {
    return (
      JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}

/** One provenance per sweep (git and the lockfile hash read once), shared by config.json and summary.json. */
const provenanceOf = new WeakMap<SweepPlan, Provenance>();

function provenance(plan: SweepPlan): Provenance {
  let p = provenanceOf.get(plan);
  if (!p) {
    p = sweepProvenance(plan.scenario, [...new Set(plan.points.map((point) => point.profile))]);
    provenanceOf.set(plan, p);
  }
  return p;
}

/** What config.json and the README say about seeds: the derivation, and why two sweeps correlate. */
const SEED_NOTE =
  'two sweeps with the same --seed use the same seeds at the same point and run index, so their results are correlated, not independent replications: give each replication its own --seed';

/** config.json: everything needed to run the sweep again. */
export function writeConfig(out: SweepOutput, plan: SweepPlan): void {
  const { scenario, grid } = plan;
  const config = {
    tool: 'synack sweep',
    version: version(),
    provenance: provenance(plan),
    command: ['synack', ...plan.command].map(shellWord).join(' '),
    argv: plan.command,
    target: plan.target,
    scenario,
    criterion: plan.criterion,
    runs: plan.runs,
    seed: plan.seed,
    seedDerivation:
      'seed of run r at a point = deriveSeed(deriveSeed(seed, netIndex), r) (@synack/network deriveSeed); netIndex numbers the network settings, so the profiles compared at one setting share seeds',
    seedNote: SEED_NOTE,
    direction: plan.direction,
    maxTime: plan.maxTime ?? null,
    engine: plan.jobs.engine,
    traces: plan.jobs.traces ?? 'none',
    grid: Object.fromEntries([...PARAMS, 'profile'].map((p) => [p, grid[p as keyof GridSpec] ?? null])),
    axes: extraAxes(grid).map((axis) => ({
      flag: `--${axis.flag}`,
      column: axis.column,
      values: axis.values,
    })),
    sweptParam: plan.param,
    model: isPlainHandshake(scenario)
      ? 'handshake model (src/sweep/model.ts): closed form for client->server loss, exact enumeration otherwise; not applied with reorder/duplicate > 0, nor with jitter and SYN-ACK loss'
      : null,
    points: plan.points.map((p, i) => {
      const { seed: _seed, endpoints: _endpoints, ...config } = plan.pointConfigs[i];
      return { ...p, config };
    }),
  };
  out.write('config.json', `${JSON.stringify(config, null, 2)}\n`, 'before-runs');
}

/** runs.csv, summary.csv, summary.json and the plots (PNG too with `png`). */
export async function writeResults(
  out: SweepOutput,
  plan: SweepPlan,
  execution: SweepExecution,
  summaries: readonly PointSummary[],
  png: boolean | undefined,
): Promise<void> {
  const { rows } = execution;
  out.write(
    'runs.csv',
    runsCsv(rows, (row) => reproArgs(plan.jobs, plan.points[row.point], row.seed)),
  );
  out.write('connections.csv', connectionsCsv(rows));
  out.write('cdf.csv', cdfCsv(plan.points, rows));
  out.write('summary.csv', summaryCsv(summaries));
  const summary = {
    provenance: provenance(plan),
    command: ['synack', ...plan.command].map(shellWord).join(' '),
    seed: plan.seed,
    seedNote: SEED_NOTE,
    scenario: plan.scenario.name,
    criterion: plan.criterion,
    sweptParam: plan.param,
    runs: rows.length,
    plannedRuns: plan.total,
    interrupted: execution.interrupted,
    wallMs: Math.round(execution.wallMs),
    runsPerSec: Math.round(execution.runsPerSec),
    concurrency: execution.concurrency,
    points: summaries,
  };
  out.write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  const ctx = {
    scenario: plan.scenario.name,
    param: plan.param,
    split: otherVarying(plan.grid, plan.param),
    direction: plan.direction,
  };
  // Loaded on use: vega and resvg take a while to load, and every other synack command goes without.
  const { sweepPlots, svgToPng } = await import('./plots.js');
  const inputs = { points: plan.points, rows, options: plan.figures };
  for (const plot of await sweepPlots(summaries, ctx, inputs)) {
    out.write(`${plot.name}.svg`, plot.svg);
    out.write(`${plot.name}.vg.json`, `${JSON.stringify(plot.spec, null, 1)}\n`);
    if (png) out.write(`${plot.name}.png`, await svgToPng(plot.svg));
  }
}

/** What a finished sweep prints on stdout: the summary table, the files, the speed. */
export function sweepReport(
  plan: SweepPlan,
  summaries: readonly PointSummary[],
  execution: SweepExecution,
  out: SweepOutput,
): string {
  const { rows, interrupted, wallMs, runsPerSec, concurrency } = execution;
  const done = interrupted ? `interrupted after ${rows.length} of ${plan.total}` : rows.length;
  return (
    summaryTable(plan, summaries) +
    `wrote ${out.dir}: ${out.files.join(' ')}${out.traces ? ` and ${out.traces} trace${out.traces === 1 ? '' : 's'} in ${TRACES_DIR}/` : ''}\n` +
    `${done} runs in ${(wallMs / 1000).toFixed(1)} s: ${runsPerSec.toFixed(0)} runs/s (concurrency ${concurrency})\n`
  );
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)}%`;
}

function ms(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  return x >= 10_000 ? `${(x / 1000).toFixed(1)}s` : `${Math.round(x)}`;
}

/** One row a grid point: success with its Wilson interval, handshake quantiles, the model. */
function summaryTable(plan: SweepPlan, summaries: readonly PointSummary[]): string {
  const varying = PARAMS.filter((p) => p === plan.param || (plan.grid[p]?.length ?? 0) > 1);
  const axes = extraAxes(plan.grid)
    .filter((axis) => axis.values.length > 1)
    .map((axis) => axis.column);
  const hasModel = summaries.some((s) => s.model);
  const header = [
    'point',
    'profile',
    ...varying,
    ...axes,
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
    ...axes.map((column) => String(s.axes?.[column] ?? '')),
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
    plan.criterion === 'established'
      ? 'success = every active open reached ESTABLISHED'
      : 'success = run completed with its expected final states (and integrity/received bytes)';
  return `synack sweep ${plan.scenario.name} (${what}; handshake times in ms)\n${line(header)}${body.map(line).join('')}`;
}
