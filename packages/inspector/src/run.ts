/**
 * Runs a simulation under an inspector: the convenience for scripts and tests
 * that have a SimulationConfig in hand (the CLI goes through its own
 * runScenario with the same hooks).
 */
import { type RunOptions, type RunResult, runSimulation, type SimulationConfig } from '@synack/network';
import { INSPECTED_WALL_TIMEOUT } from './options.js';
import type { StreamEvent } from './protocol.js';
import { type Inspector, type InspectorOptions, startInspector } from './server.js';

export interface InspectedRun {
  inspector: Inspector;
  /** Resolves when the simulation ends (the inspector keeps serving until closed). */
  result: Promise<RunResult>;
}

/**
 * Starts an inspector for `config` and runs the simulation under it with
 * XState inspection on. The returned inspector stays up after the run: close it.
 */
export async function inspectSimulation(
  config: SimulationConfig,
  options: InspectorOptions & { run?: Omit<RunOptions, 'beforeStep' | 'onTrace' | 'onInspect'> } = {},
): Promise<InspectedRun> {
  const { run, ...inspectorOptions } = options;
  const inspector = await startInspector({ config, ...inspectorOptions });
  const { realtime: _realtime, ...rest } = config;
  const result = runSimulation(
    { ...rest, inspect: true, wallTimeout: config.wallTimeout ?? INSPECTED_WALL_TIMEOUT },
    { ...run, ...inspector.hooks },
  ).then(
    (r) => {
      inspector.finish({ ok: r.ok, ...(r.error ? { error: r.error } : {}) });
      return r;
    },
    (err: unknown) => {
      inspector.finish({ ok: false, error: err instanceof Error ? err.message : String(err) });
      throw err;
    },
  );
  return { inspector, result };
}

/**
 * Serves a recorded stream (trace events, optionally with inspection snapshots) with no run
 * behind it: the page gets it all at once and scrubs it like a finished run. `ok` comes from
 * the stream's summary event when it has one.
 */
export async function inspectRecorded(
  events: readonly StreamEvent[],
  options: InspectorOptions = {},
): Promise<Inspector> {
  const inspector = await startInspector(options);
  const summary = events.find((e) => e.kind === 'summary') as { ok?: boolean; error?: string } | undefined;
  inspector.loadRecorded(events, {
    ok: summary?.ok !== false,
    ...(summary?.error ? { error: summary.error } : {}),
  });
  return inspector;
}
