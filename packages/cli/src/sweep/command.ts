/**
 * `synack sweep [scenario|file]`: runs a scenario over a grid of network
 * settings and profiles, many seeds per grid point, and writes runs.csv,
 * summary.csv/json, config.json and plots.
 */
import { type Command, Option } from 'commander';
import { positiveArg, seedArg } from '../args.js';
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from '../exit-codes.js';
import { repeatableOption } from '../flags-once.js';
import type { Output } from '../run.js';
import type { Scenario } from '../scenarios.js';
import { InputError } from '../schema.js';
import { burstListArg, delayDistListArg, setListArg } from './axes.js';
import { DIRECTIONS, type Direction } from './direction.js';
import { executeSweep } from './execute.js';
import {
  countListArg,
  type GridSpec,
  intArg,
  msListArg,
  numberListArg,
  PARAMS,
  positiveListArg,
  probabilityListArg,
  profileListArg,
  type SweepPoint,
} from './grid.js';
import type { SweepRow } from './job.js';
import type { Criterion } from './metrics.js';
import { fixedTimeWarning, planSweep, type SweepOptions } from './plan.js';
import type { QueueFlags } from './queue/sweep.js';
import { registerWorker } from './queue/worker.js';
import { type PointSummary, summarize } from './summary.js';
import { type TracePolicy, tracesArg } from './traces.js';
import { SweepOutput, SweepWriteError, sweepReport, writeConfig, writeResults } from './write.js';

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
  /** Why an output could not be written after the runs (already reported on stderr). */
  writeError?: string;
}

/**
 * Runs a sweep and writes its outputs; the programmatic form of `synack sweep`. Plans first (every
 * input error surfaces before any file is written), writes config.json, runs, then writes results.
 */
export async function runSweep(options: SweepOptions, io: Output): Promise<SweepResult> {
  const plan = planSweep(options);
  const warning = fixedTimeWarning(plan.scenario, plan.points);
  if (warning) io.err(`synack: warning: ${warning}\n`);
  const out = new SweepOutput(plan.outDir);
  out.clearPrevious();
  writeConfig(out, plan);
  const execution = await executeSweep(plan, options, io, (point, seed, packed) =>
    out.writeTrace(point, seed, packed),
  );
  const { rows, wallMs, runsPerSec, interrupted } = execution;
  const summaries = summarize(plan.scenario, plan.points, rows, plan.seed);
  const writeError =
    (await writeResultsReported(out, plan, execution, summaries, options.png)) ?? execution.traceWriteError;
  io.out(sweepReport(plan, summaries, execution, out));
  // One line after the sweep's own report: the runs happened, an output is missing.
  if (writeError) io.err(`synack: ${writeError}\n`);
  const { scenario, criterion, points } = plan;
  return {
    scenario,
    criterion,
    points,
    rows,
    summaries,
    files: out.files,
    outDir: out.dir,
    wallMs,
    runsPerSec,
    interrupted,
    ...(writeError ? { writeError } : {}),
  };
}

/** writeResults, with a failed write returned as its message instead of thrown. */
async function writeResultsReported(...args: Parameters<typeof writeResults>): Promise<string | undefined> {
  try {
    await writeResults(...args);
    return undefined;
  } catch (err) {
    if (err instanceof SweepWriteError) return err.message;
    throw err;
  }
}

/** Registers `synack sweep` on the program, and `synack worker` that runs queue sweeps' batches. */
export function registerSweep(program: Command, io: Output, setExit: (code: number) => void): Command {
  const sweep = program.command('sweep');
  registerWorker(program, io, setExit);
  return addAxisOptions(sweep)
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
    .option('--seed <n>', 'base seed (default: the scenario seed, else 1)', seedArg)
    .addOption(
      new Option('--direction <dir>', 'apply the loss to both directions or one only')
        .choices(DIRECTIONS)
        .default('both'),
    )
    .option('--out <dir>', 'output directory', 'sweep-out')
    .option('--png', 'also write PNG plots')
    .addOption(
      new Option(
        '--plot-x <axis>',
        "the plots' x axis: loss, reorder, duplicate, delay, jitter or a numeric axis flag (loss-fwd, bandwidth …; default: the first swept one)",
      ),
    )
    .option('--log-x', 'log x axis on the plots (every x value must be > 0)')
    .option('--overlay <file.csv>', 'draw your own curves (CSV plot,x,y,label) over the plots they name')
    .option('--concurrency <n>', 'simulations at once (default: available CPUs)', intArg(256))
    .option('--max-time <ms>', 'virtual-time limit per run in ms', positiveArg)
    .option('--no-progress', 'no progress bar or progress lines on stderr')
    .option(
      '--traces <which>',
      'keep traces (JSONL gzip in OUT/traces/): none, failed, all, or the first N runs of each point',
      tracesArg,
    )
    .option(
      '--queue <url>',
      'run on `synack worker` processes through Redis: redis://host:port[/db] or rediss://',
    )
    .option('--batch <n>', 'with --queue: runs per queue job', intArg(10_000), 50)
    .option('--resume <id>', 'with --queue: continue the interrupted sweep ID (its stored options)')
    .option('--status <id>', 'with --queue: print the progress of sweep ID and exit')
    .action(async (target: string, opts: Record<string, unknown>) => {
      const options = sweepOptionsFrom(target, opts);
      if (opts.queue === undefined) {
        if (opts.resume !== undefined || opts.status !== undefined) {
          throw new InputError('--resume and --status need --queue URL');
        }
        setExit(sweepExitCode(await runSweep(options, io)));
        return;
      }
      // Loaded on use: bullmq and ioredis only for queue sweeps.
      const { queueSweep } = await import('./queue/sweep.js');
      try {
        setExit(await queueSweep(options, opts as unknown as QueueFlags, io));
      } finally {
        exitDespiteLingeringHandles();
      }
    });
}

/**
 * After Redis restarted mid-sweep, BullMQ/ioredis can leave a reconnecting socket behind even
 * though every connection was closed: the sweep printed its result or its one-line error, but the
 * process never ended (sweep-queue test "Redis restarted without persistence"). The sweep is over
 * either way: a handle still open 2 s later does not keep the process alive. Unref'd, so a clean
 * shutdown exits at once, with the exit code already set.
 */
function exitDespiteLingeringHandles(): void {
  setTimeout(() => process.exit(), 2_000).unref();
}

/** The extra axes' options (--loss-fwd … --set), listed after --jitter in the help. */
function addAxisOptions(command: Command): Command {
  return command
    .option('--loss-fwd <list>', 'loss client->server only (with --loss-rev: two axes)', probabilityListArg)
    .option('--loss-rev <list>', 'loss server->client only', probabilityListArg)
    .option('--delay-fwd <list>', 'one-way delays client->server in ms', msListArg)
    .option('--delay-rev <list>', 'one-way delays server->client in ms', msListArg)
    .option('--bandwidth <list>', 'link rates in bytes/s (FIFO serialisation)', positiveListArg)
    .option(
      '--queue-limit <list>',
      'with --bandwidth: packets that may wait, more are tail-dropped',
      countListArg,
    )
    .option(
      '--burst <list>',
      'Gilbert–Elliott models pGoodToBad/pBadToGood[/lossBad[/lossGood]], comma-separated',
      burstListArg,
    )
    .option(
      '--delay-dist <list>',
      'delay distributions uniform:MIN:MAX, normal:MEAN:SD, exponential:MEAN, pareto:SCALE:SHAPE (ms), comma-separated',
      delayDistListArg,
    )
    .addOption(
      repeatableOption(
        '--set <path=list>',
        'an axis over any scenario field: PATH=a,b,c, PATH=start:stop:step or PATH=[JSON array] (repeatable)',
        setListArg(numberListArg),
      ),
    );
}

export function sweepExitCode(result: SweepResult): number {
  return result.writeError ? EXIT_FAILED : result.interrupted ? EXIT_INTERRUPTED : EXIT_OK;
}

/** SweepOptions from the command's parsed flags. */
function sweepOptionsFrom(target: string, opts: Record<string, unknown>): SweepOptions {
  const grid: GridSpec = {};
  for (const p of PARAMS) if (opts[p] !== undefined) grid[p] = opts[p] as number[];
  for (const key of ['lossFwd', 'lossRev', 'delayFwd', 'delayRev', 'bandwidth', 'queueLimit'] as const) {
    if (opts[key] !== undefined) grid[key] = opts[key] as number[];
  }
  if (opts.burst !== undefined) grid.burst = opts.burst as GridSpec['burst'];
  if (opts.delayDist !== undefined) grid.delayDist = opts.delayDist as GridSpec['delayDist'];
  if (opts.set !== undefined) grid.sets = opts.set as GridSpec['sets'];
  if (opts.profile !== undefined) grid.profile = opts.profile as string[];
  return {
    target,
    grid,
    runs: opts.runs as number,
    seed: opts.seed as number | undefined,
    direction: opts.direction as Direction,
    out: opts.out as string,
    png: opts.png === true,
    plotX: opts.plotX as string | undefined,
    logX: opts.logX === true,
    overlay: opts.overlay as string | undefined,
    concurrency: opts.concurrency as number | undefined,
    maxTime: opts.maxTime as number | undefined,
    progress: opts.progress !== false,
    traces: opts.traces as TracePolicy | undefined,
  };
}
