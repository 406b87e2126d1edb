/**
 * The unit of work of a sweep: a self-contained, JSON-serialisable job that
 * any machine with the simulator can turn into one row, deterministically.
 */
import {
  deriveSeed,
  runSimulation,
  type SimulationConfig,
  type TraceEvent,
  toJsonLine,
  type WorkerPool,
} from '@synack/network';
import { buildConfig } from '../run.js';
import type { Scenario } from '../scenarios.js';
import { extraReproArgs } from './axes.js';
import { type PointSettings, pointSettings, type SweepPoint } from './grid.js';
import { type Criterion, RunCollector, type RunMetrics } from './metrics.js';
import { packTrace, type TraceKeep, type TracePolicy, traceKeep } from './traces.js';

export interface SweepJob {
  /** point.id × runs + run: the row's position in runs.csv. */
  id: number;
  scenario: Scenario;
  /** The complete simulation config (seed included): exactly what `synack run` builds from `repro`. */
  config: SimulationConfig;
  seed: number;
  point: SweepPoint;
  /** 0-based run index at this point. */
  run: number;
  criterion: Criterion;
  /** The `synack run` command line (argv after `synack`) that reproduces this run. */
  repro: string[];
  /** Whether to keep the run's trace (--traces). */
  keepTrace?: TraceKeep;
}

export interface SweepRow extends RunMetrics, PointSettings {
  jobId: number;
  point: number;
  run: number;
  seed: number;
  /** The run's trace, JSONL gzip base64, when --traces kept it; written to a file and dropped on arrival. */
  trace?: string;
}

/** Seed of run `run` at network setting `netIndex`: profiles compared at one setting share seeds. */
export function runSeed(baseSeed: number, netIndex: number, run: number): number {
  return deriveSeed(deriveSeed(baseSeed, netIndex), run);
}

export interface JobPlan {
  scenario: Scenario;
  /** How the scenario is named on the command line (built-in name or file path). */
  target: string;
  points: SweepPoint[];
  runs: number;
  baseSeed: number;
  maxTime?: number;
  criterion: Criterion;
  /**
   * Connection engine for the sweep's runs. 'table' is several times faster than the default
   * 'actor' and gives the identical trace (network README, Determinism), so a run reproduced
   * with `synack run` matches its row exactly.
   */
  engine?: 'actor' | 'table';
  /** Which runs keep their trace (--traces, default none). */
  traces?: TracePolicy;
}

/** The config of one run: the same buildConfig path `synack run` takes. */
export function jobConfig(plan: JobPlan, point: SweepPoint, seed: number): SimulationConfig {
  const config = buildConfig(plan.scenario, {
    ...point.flags,
    seed,
    maxTime: plan.maxTime,
    direction: point.direction,
  });
  return plan.engine ? { ...config, engine: plan.engine } : config;
}

/** Arguments of `synack run` that reproduce a job (without the leading "synack"). */
export function reproArgs(plan: JobPlan, point: SweepPoint, seed: number): string[] {
  const args = ['run', plan.target, '--seed', String(seed)];
  for (const key of ['loss', 'reorder', 'duplicate', 'delay', 'jitter'] as const) {
    const v = point.flags[key];
    if (v !== undefined) args.push(`--${key}`, String(v));
  }
  args.push('--profile', point.profile);
  args.push(...extraReproArgs(point.flags));
  if (point.direction !== 'both') args.push('--direction', point.direction);
  if (plan.maxTime !== undefined) args.push('--max-time', String(plan.maxTime));
  return args;
}

/** Every job of the plan, lazily, in runs.csv order (point by point, run by run). */
export function* planJobs(plan: JobPlan): Generator<SweepJob> {
  for (const point of plan.points) {
    for (let run = 0; run < plan.runs; run++) {
      const seed = runSeed(plan.baseSeed, point.netIndex, run);
      yield {
        id: point.id * plan.runs + run,
        scenario: plan.scenario,
        config: jobConfig(plan, point, seed),
        seed,
        point,
        run,
        criterion: plan.criterion,
        repro: reproArgs(plan, point, seed),
        keepTrace: traceKeep(plan.traces, run),
      };
    }
  }
}

export interface RunJobOptions {
  pool?: WorkerPool;
  signal?: AbortSignal;
}

/**
 * Runs one job (endpoints in worker threads, from `pool` when given) and returns its row;
 * undefined when `signal` aborted the run. The trace is consumed as it streams, never kept.
 */
export async function runJob(job: SweepJob, options: RunJobOptions = {}): Promise<SweepRow | undefined> {
  const collector = new RunCollector(job.criterion, job.scenario.expect);
  // Serialised as the run goes (the events' objects are not kept), only when the trace may be kept.
  const lines: string[] | undefined = job.keepTrace ? [] : undefined;
  const onTrace = lines
    ? (e: TraceEvent) => {
        collector.onEvent(e);
        lines.push(toJsonLine(e));
      }
    : collector.onEvent;
  const result = await runSimulation(job.config, {
    pool: options.pool,
    signal: options.signal,
    collectTrace: false,
    onTrace,
  });
  if (result.error === 'run aborted') return undefined;
  const { point } = job;
  const metrics = collector.finish();
  const keep = lines && (job.keepTrace === 'always' || !metrics.completed);
  return {
    jobId: job.id,
    point: point.id,
    run: job.run,
    seed: job.seed,
    ...pointSettings(point),
    ...metrics,
    ...(keep ? { trace: packTrace(lines) } : {}),
  };
}
