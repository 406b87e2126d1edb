/**
 * The first step of `synack sweep`: from the options to a checked plan (the scenario, its grid
 * points, the jobs' recipe and every point's simulation config), before anything runs or any
 * file is written.
 */
import { resolve } from 'node:path';
import { type SimulationConfig, validateSimulationConfig } from '@synack/network';
import { earlyActionsWarning } from '../early-actions.js';
import { applySetsChecked } from '../network-flags.js';
import { resolveScenario } from '../run.js';
import { findScenario, type Scenario } from '../scenarios.js';
import { InputError } from '../schema.js';
import { extraCommandArgs } from './axes.js';
import type { Direction } from './direction.js';
import type { Executor } from './executor.js';
import { type FigureOptions, readOverlay } from './figures.js';
import {
  axisValue,
  expandGrid,
  type GridSpec,
  gridSize,
  PARAMS,
  type PlotAxis,
  type PointDefaults,
  plotAxisOf,
  type SweepPoint,
} from './grid.js';
import { type JobPlan, jobConfig, runSeed } from './job.js';
import { type Criterion, criterionFor } from './metrics.js';
import { formatNumber } from './summary.js';
import type { TracePolicy } from './traces.js';

/**
 * Most runs one sweep may ask for. Rows stay in memory (≈ 420 bytes each) for the quantiles and
 * the sorted runs.csv, which is built as one string (≈ 200 bytes a row; V8 strings stop near
 * 512 M characters). A million runs is about 17 minutes at 1,000 runs/s.
 */
const MAX_RUNS_TOTAL = 1_000_000;

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
  /** The plots' x axis (default: the first swept parameter). */
  /** The plots' x axis: a parameter, an extra axis's flag or column (grid.ts plotAxisOf). */
  plotX?: string;
  /** Log x axis on every plot against the x axis. */
  logX?: boolean;
  /** A CSV (plot,x,y,label) of the user's own curves, drawn over the plots they name. */
  overlay?: string;
  /** Which runs keep their trace as traces/point-P-seed-S.jsonl.gz (default none). */
  traces?: TracePolicy;
  /** Where jobs run (default: a LocalExecutor with `concurrency`). Closed by the caller when given. */
  executor?: Executor;
  signal?: AbortSignal;
}

/** A sweep with every default filled in and every point's config validated. */
export interface SweepPlan {
  target: string;
  scenario: Scenario;
  criterion: Criterion;
  grid: GridSpec;
  runs: number;
  seed: number;
  direction: Direction;
  maxTime: number | undefined;
  outDir: string;
  points: SweepPoint[];
  /** points × runs. */
  total: number;
  /** The plots' x axis. */
  param: PlotAxis;
  /** Overlay curves and axis options of the figures. */
  figures: FigureOptions;
  /** What every job is built from. */
  jobs: JobPlan;
  /** The config of each point's first run, in point order. */
  pointConfigs: SimulationConfig[];
  /** The canonical `synack sweep` argv (after "synack") of this sweep. */
  command: string[];
}

/** Plans a sweep; throws InputError on an unknown scenario, too many runs or an invalid config. */
export function planSweep(options: SweepOptions): SweepPlan {
  const given = options.target ?? 'handshake';
  const scenario = resolveScenario(given);
  // A scenario file is named by its absolute path in config.json and every repro command, so
  // they work from any directory.
  const target = findScenario(given) ? given : resolve(given);
  const grid = options.grid ?? {};
  const runs = options.runs ?? 100;
  const seed = options.seed ?? scenario.seed ?? 1;
  const direction = options.direction ?? 'both';
  if (options.out !== undefined && options.out.trim() === '') {
    throw new InputError('--out: the directory name is empty');
  }
  const outDir = resolve(options.out ?? 'sweep-out');
  const criterion = criterionFor(scenario);
  // The size is checked before the grid is expanded, so a huge grid costs nothing.
  const size = gridSize(grid);
  const total = size * runs;
  if (total > MAX_RUNS_TOTAL) {
    throw new InputError(
      `the sweep asks for ${size} grid points × ${runs} runs = ${total} runs (at most ${MAX_RUNS_TOTAL})`,
    );
  }
  const points = expandGrid(grid, pointDefaults(scenario), direction);
  const param = plotAxisOf(grid, options.plotX);
  if (options.logX && points.some((p) => !(axisValue(p, param) > 0))) {
    throw new InputError(`--log-x: the x axis (${param}) has values ≤ 0; a log axis needs them all > 0`);
  }
  const jobs: JobPlan = {
    scenario,
    target,
    points,
    runs,
    baseSeed: seed,
    maxTime: options.maxTime,
    criterion,
    engine: 'table',
    traces: options.traces ?? 'none',
  };
  return {
    target,
    scenario,
    criterion,
    grid,
    runs,
    seed,
    direction,
    maxTime: options.maxTime,
    outDir,
    points,
    total,
    param,
    figures: {
      overlay: options.overlay === undefined ? [] : readOverlay(resolve(options.overlay)),
      logX: options.logX === true,
    },
    jobs,
    pointConfigs: validatedPointConfigs(jobs),
    command: sweepCommand(target, { ...options, grid, runs, seed, direction }),
  };
}

/**
 * A warning when the scenario sends or closes at a fixed time soon after its connect and the
 * sweep has loss: a lost SYN or SYN-ACK is resent only after the initial RTO (1 s in both
 * profiles), so in some runs the send or close comes before the connection is ESTABLISHED and
 * the run measures the script, not TCP. Undefined when no point is lossy or no action is that early.
 */
export function fixedTimeWarning(scenario: Scenario, points: readonly SweepPoint[]): string | undefined {
  const lossy = points.some(
    (p) => p.loss > 0 || p.flags.directional !== undefined || p.flags.linkOverrides?.burstLoss,
  );
  return lossy ? earlyActionsWarning(scenario) : undefined;
}

/** The scenario's own values, for the parameters the grid does not sweep. */
function pointDefaults(scenario: Scenario): PointDefaults {
  const defaults = scenario.network?.default ?? {};
  return {
    profile: scenario.profile ?? 'linux',
    loss: defaults.loss ?? 0,
    reorder: defaults.reorder ?? 0,
    duplicate: defaults.duplicate ?? 0,
    delay: defaults.delay ?? 10,
    jitter: defaults.jitter ?? 0,
  };
}

/** Every point's config, checked before anything runs (and before any file is written). */
function validatedPointConfigs(jobs: JobPlan): SimulationConfig[] {
  return jobs.points.map((point) => {
    // --set goes through the scenario schema once per point; each run then applies it unchecked.
    applySetsChecked(jobs.scenario, point.flags.sets);
    const config = jobConfig(jobs, point, runSeed(jobs.baseSeed, point.netIndex, 0));
    try {
      validateSimulationConfig(config);
    } catch (err) {
      throw new InputError(`${jobs.scenario.name}: ${(err as Error).message}`);
    }
    return config;
  });
}

/** The canonical `synack sweep` command line for these options (lists written out). */
function sweepCommand(
  target: string,
  opts: Required<Pick<SweepOptions, 'runs' | 'seed' | 'direction'>> & SweepOptions,
): string[] {
  const args = ['sweep', target];
  for (const p of PARAMS) {
    const values = opts.grid?.[p];
    if (values) args.push(`--${p}`, values.map(formatNumber).join(','));
  }
  args.push(...extraCommandArgs(opts.grid ?? {}));
  if (opts.grid?.profile) args.push('--profile', opts.grid.profile.join(','));
  args.push('--runs', String(opts.runs), '--seed', String(opts.seed));
  if (opts.direction !== 'both') args.push('--direction', opts.direction);
  if (opts.maxTime !== undefined) args.push('--max-time', String(opts.maxTime));
  if (opts.traces !== undefined && opts.traces !== 'none') args.push('--traces', String(opts.traces));
  if (opts.plotX !== undefined) args.push('--plot-x', opts.plotX);
  if (opts.logX) args.push('--log-x');
  if (opts.overlay !== undefined) args.push('--overlay', resolve(opts.overlay));
  return args;
}
