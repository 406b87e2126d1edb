/**
 * `runSimulation`: validates the config, places the endpoints (worker threads or inline), lets
 * the coordinator run them to quiescence or a limit, and ends the trace with the summary.
 */
import { getProfile, worstCaseLifetime } from '@synack/core';
import { Coordinator } from './coordinator.js';
import type { EndpointReport, SerializedInspection } from './endpoint.js';
import { expandGroups } from './groups.js';
import { applyLoopback } from './loopback.js';
import { type Driver, placeEndpoints, type ThreadsOption } from './placement.js';
import { LIMITS, type SimulationConfig } from './schema.js';
import { buildSummary, type SummaryEvent } from './summary.js';
import { type RunStats, TraceRecorder } from './trace-recorder.js';
import type { Packet, TraceEvent } from './types.js';
import { ConfigError, validateSimulationConfig } from './validate.js';
import type { WorkerPool } from './worker-pool.js';

export interface RunResult {
  ok: boolean;
  error?: string;
  summary: SummaryEvent;
  /** The whole trace (empty when `collectTrace: false`). */
  trace: TraceEvent[];
  reports: EndpointReport[];
  stats: RunStats;
}

export interface RunOptions {
  /**
   * Where the endpoints run (placement.ts), same trace whichever: a number of worker threads
   * shared by all endpoints (default: one per core, os.availableParallelism()), 'per-endpoint'
   * (one thread each; 'worker' is its older name) or 'inline' (the main thread).
   */
  threads?: ThreadsOption;
  /** Called for every trace event as it happens (streaming). */
  onTrace?: (event: TraceEvent) => void;
  /** Keep the trace in the result (default true). */
  collectTrace?: boolean;
  /** Awaited before each virtual instant is processed (pause/step control for inspectors). */
  beforeStep?: (t: number) => Promise<void> | void;
  /** Forwarded XState inspection events (config.inspect must be true). */
  onInspect?: (endpoint: string, event: SerializedInspection, t: number) => void;
  /** Every segment as it leaves its sender, with addresses and payload (for pcap writers). */
  onPacket?: (t: number, packet: Packet) => void;
  /**
   * Every segment as it reaches its destination endpoint, after loss, duplication, reordering and
   * delay, at its delivery time (for receiver-side pcap writers): a duplicate twice, none dropped.
   */
  onDeliver?: (t: number, packet: Packet) => void;
  /**
   * Let endpoints run ahead within the smallest link delay (default true): same trace, more
   * parallelism. False forces lockstep, one virtual instant at a time.
   */
  lookahead?: boolean;
  /** Reuse worker threads from this pool instead of starting (and ending) threads for this run. */
  pool?: WorkerPool;
  /** Test hook: crash this endpoint's worker at the first step at or after this virtual time. */
  crash?: { endpoint: string; at: number };
  signal?: AbortSignal;
  /**
   * Resident-set bytes above which the run stops with an error (default LIMITS.memoryBytes).
   * Measured between instants, so a run under it is never affected: same trace, deterministic.
   */
  memoryBudget?: number;
}

export const DEFAULT_MAX_TIME = 30 * 60 * 1000;

/**
 * The virtual-time limit when the config sets none: 30 min, or longer when a connection opened by
 * the last action could need more to end by its own rules (worstCaseLifetime of its profile:
 * rfc9293's slow give-ups, keepalive's two hours). A run never stops on this limit while a
 * connection is still retrying correctly.
 */
export function defaultMaxTime(config: SimulationConfig): number {
  let longest = DEFAULT_MAX_TIME;
  for (const endpoint of config.endpoints) {
    const profile = getProfile(
      endpoint.profile ?? config.profile ?? 'linux',
      endpoint.profileOverrides ?? {},
    );
    const lastAction = Math.max(0, ...(endpoint.actions ?? []).map((a) => a.at ?? 0));
    const lastReaction = Math.max(0, ...(endpoint.reactions ?? []).map((r) => r.after ?? 0));
    longest = Math.max(longest, lastAction + lastReaction + worstCaseLifetime(profile));
  }
  return Math.min(longest, LIMITS.virtualMs);
}

function checkedMemoryBudget(budget: number | undefined): number {
  if (budget === undefined) return LIMITS.memoryBytes;
  if (!Number.isSafeInteger(budget) || budget <= 0) {
    throw new ConfigError(`memoryBudget: must be a positive integer number of bytes, got ${budget}`);
  }
  return budget;
}
export const DEFAULT_WALL_TIMEOUT = 5 * 60 * 1000;

/** Runs a simulation to quiescence (or a limit) and returns its trace, summary and reports. */
export async function runSimulation(given: SimulationConfig, options: RunOptions = {}): Promise<RunResult> {
  validateSimulationConfig(given);
  const config = applyLoopback(expandGroups(given));
  // wall-clock: only to report how long a run took and to enforce the wall-clock limit.
  const wallStart = performance.now();
  const recorder = new TraceRecorder(options.collectTrace ?? true, options.onTrace);
  const drivers = placeEndpoints(config, {
    threads: options.threads,
    pool: options.pool,
    quiet: !recorder.tracing && !options.onInspect,
  });
  const coordinator = new Coordinator(config, drivers, recorder, options, {
    maxTime: config.maxTime ?? defaultMaxTime(config),
    wallTimeout: config.wallTimeout ?? DEFAULT_WALL_TIMEOUT,
    wallStart,
    memoryBudget: checkedMemoryBudget(options.memoryBudget),
  });
  let error = await coordinator.run();
  const collected = await collectReports(drivers);
  error ??= collected.error;
  recorder.stats.wallMs = performance.now() - wallStart;
  const summary = buildSummary(config, {
    t: coordinator.now,
    error,
    reports: collected.reports,
    stats: recorder.stats,
  });
  recorder.emit(summary);
  return {
    ok: error === undefined,
    error,
    summary,
    trace: recorder.trace,
    reports: collected.reports,
    stats: recorder.stats,
  };
}

/**
 * Reports also after a limit was hit (the workers are healthy; the stuck states are the point),
 * but not from a crashed worker. allSettled: every request must be answered before the threads go
 * back to a pool (a stray reply would otherwise answer the next run's first request).
 */
async function collectReports(
  drivers: readonly Driver[],
): Promise<{ reports: EndpointReport[]; error?: string }> {
  const settled = await Promise.allSettled(drivers.map((d) => d.report()));
  await Promise.all(drivers.map((d) => d.terminate().catch(() => undefined)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    return {
      reports: [],
      error: failed.reason instanceof Error ? failed.reason.message : String(failed.reason),
    };
  }
  return { reports: settled.map((r) => (r as PromiseFulfilledResult<EndpointReport>).value) };
}
