/**
 * The first line of every `synack run --format jsonl` stream: which schema and which synack
 * wrote it, and the run's identity (seed, profile, a hash of the whole configuration) so two
 * traces can be told apart or matched without diffing them. Documented in the trace contract
 * (packages/network/README.md, "Trace schema").
 */
import { createHash } from 'node:crypto';
import type { SimulationConfig } from '@synack/network';
import { synackVersion } from './version.js';

/** Bumped when a trace line changes meaning or loses a field (adding a field does not bump it). */
export const TRACE_SCHEMA_VERSION = 1;

export interface TraceMeta {
  t: 0;
  kind: 'meta';
  endpoint: '*';
  schemaVersion: number;
  synackVersion: string;
  seed: number;
  profile: string;
  /** SHA-256 of the configuration as canonical JSON (object keys sorted). */
  configHash: string;
}

/** JSON with object keys sorted at every level, so equal configurations hash equally. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

export function traceMeta(config: SimulationConfig): TraceMeta {
  return {
    t: 0,
    kind: 'meta',
    endpoint: '*',
    schemaVersion: TRACE_SCHEMA_VERSION,
    synackVersion: synackVersion(),
    seed: config.seed ?? 1,
    profile: String(config.profile ?? 'linux'),
    configHash: createHash('sha256').update(canonicalJson(config)).digest('hex'),
  };
}
