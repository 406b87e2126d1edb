/**
 * Turns a simulation config into a scenario file that `synack run FILE` accepts (the strict
 * schema of packages/cli/src/schema.ts: { name, description, seed, profile, endpoints, network,
 * maxTime, expect }), so a fuzzer's counterexample can be saved, replayed and turned into a
 * regression test. Fields the file format does not have (engine, wallTimeout, perturb, …) are
 * left out: they never change a trace (`engine` is checked to give identical traces).
 *
 * The `expect` block states the invariants that can be expressed as expectations (the run
 * completes, every byte arrives in order; with the run's result: every connection ends CLOSED,
 * each side receives exactly what the other sent), so replaying a failing case exits 1.
 */
import type { RunResult, SimulationConfig } from '../../src/index.js';
import { acceptedBytes, connectionsOf, hasAborts, livenessApplies } from './invariants.js';

export interface ScenarioFile {
  name: string;
  description?: string;
  seed: number;
  profile?: SimulationConfig['profile'];
  endpoints: SimulationConfig['endpoints'];
  network?: SimulationConfig['network'];
  maxTime?: number;
  expect?: {
    ok?: boolean;
    integrity?: boolean;
    final?: Record<string, string[]>;
    received?: Record<string, number>;
  };
}

export interface ScenarioFileOptions {
  name?: string;
  description?: string;
  /** The run of this config: lets the expectations name final states and byte counts. */
  result?: RunResult;
}

export function toScenarioFile(config: SimulationConfig, options: ScenarioFileOptions = {}): ScenarioFile {
  const expect: NonNullable<ScenarioFile['expect']> = { ok: true, integrity: true };
  const result = options.result;
  if (result) {
    const conns = connectionsOf(result);
    const all = Object.values(conns).flat();
    // Every connection must end CLOSED unless one ended abnormally (see invariants.ts, liveness).
    const abnormal = all.some((c) => c.state === 'CLOSED' && c.reason !== 'normal');
    if (livenessApplies(config) && !abnormal && all.length > 0) {
      expect.final = Object.fromEntries(
        config.endpoints.map((e) => [e.id, (conns[e.id] ?? []).map(() => 'CLOSED')]),
      );
    }
    const client = conns.client ?? [];
    const server = conns.server ?? [];
    if (
      !hasAborts(config) &&
      client.length === 1 &&
      server.length === 1 &&
      client[0].reason === 'normal' &&
      server[0].reason === 'normal' &&
      result.trace.some((e) => e.kind === 'state' && e.endpoint === 'client' && e.to === 'ESTABLISHED') &&
      result.trace.some((e) => e.kind === 'state' && e.endpoint === 'server' && e.to === 'ESTABLISHED')
    ) {
      const accepted = acceptedBytes(result.trace);
      expect.received = {
        client: accepted.get(`server|${server[0].conn}`) ?? 0,
        server: accepted.get(`client|${client[0].conn}`) ?? 0,
      };
    }
  }
  const file: ScenarioFile = {
    name: options.name ?? `fuzz-seed-${config.seed}`,
    ...(options.description ? { description: options.description } : {}),
    seed: config.seed,
    ...(config.profile ? { profile: config.profile } : {}),
    endpoints: config.endpoints,
    ...(config.network && Object.keys(config.network).length > 0 ? { network: config.network } : {}),
    ...(config.maxTime !== undefined ? { maxTime: config.maxTime } : {}),
    expect,
  };
  // A deep copy through JSON: exactly what the file will hold.
  return JSON.parse(JSON.stringify(file)) as ScenarioFile;
}

export function scenarioFileText(file: ScenarioFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
