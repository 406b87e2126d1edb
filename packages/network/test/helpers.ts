/**
 * Scenario builders and trace helpers shared by the simulation test files.
 *
 * The lifecycle scenario is written with reactions rather than fixed times, so it stays a full
 * lifecycle under any loss pattern: the client sends as soon as it is connected and closes
 * `closeAfter` ms later (so it always closes first); the server sends as soon as it accepts and
 * closes `serverCloseAfter` ms after the client's FIN, so its data always precedes its FIN.
 */
import type { FaultModel, NetworkConfig, SimulationConfig, TraceEvent } from '../src/index.js';

export type ProfileName = 'linux' | 'rfc9293';

export const PORT = 80;
export const DELAY = 10;
/** TIME_WAIT of each profile (packages/core/src/profiles.ts). */
export const TIME_WAIT: Record<ProfileName, number> = { linux: 60_000, rfc9293: 240_000 };

/** The fault mix the brief asks for: loss 0.1 + reorder 0.2 + duplicate 0.05 + jitter. */
export const LOSSY: FaultModel = { delay: DELAY, jitter: 5, loss: 0.1, reorder: 0.2, duplicate: 0.05 };

export interface LifecycleOptions {
  seed?: number;
  /** Bytes the client sends (default 1 KiB). */
  clientBytes?: number;
  /** Bytes the server sends (default 1 KiB). */
  serverBytes?: number;
  /** ms between the client's `connected` and its close (default 500). */
  closeAfter?: number;
  /** ms between the server's `peer-closed` and its close (default 100). */
  serverCloseAfter?: number;
  network?: NetworkConfig;
  maxTime?: number;
}

/** Handshake, data both ways, client closes first, four-way close, TIME_WAIT on the client. */
export function lifecycle(profile: ProfileName = 'linux', options: LifecycleOptions = {}): SimulationConfig {
  const clientBytes = options.clientBytes ?? 1024;
  const serverBytes = options.serverBytes ?? 1024;
  return {
    seed: options.seed ?? 1,
    profile,
    endpoints: [
      {
        id: 'client',
        actions: [{ at: 0, do: 'connect', to: 'server', port: PORT }],
        reactions: [
          { on: 'connected', do: 'send', bytes: clientBytes },
          { on: 'connected', do: 'close', after: options.closeAfter ?? 500 },
        ],
      },
      {
        id: 'server',
        actions: [{ at: 0, do: 'listen', port: PORT }],
        reactions: [
          { on: 'accept', do: 'send', bytes: serverBytes },
          { on: 'peer-closed', do: 'close', after: options.serverCloseAfter ?? 100 },
        ],
      },
    ],
    network: options.network ?? { default: { delay: DELAY } },
    ...(options.maxTime !== undefined ? { maxTime: options.maxTime } : {}),
  };
}

/** The lifecycle with a 100 KB client -> server and 50 KB server -> client transfer over a lossy network. */
export function lossyBulk(seed: number): SimulationConfig {
  return lifecycle('linux', {
    seed,
    clientBytes: 100_000,
    serverBytes: 50_000,
    closeAfter: 300,
    network: { default: LOSSY },
  });
}

// ---------------------------------------------------------------------------------------------
// Trace helpers

export type StateEvent = Extract<TraceEvent, { kind: 'state' }>;
export type SegmentEvent = Extract<TraceEvent, { kind: 'send' | 'deliver' | 'drop' | 'duplicate' }>;
export type AppEvent = Extract<TraceEvent, { kind: 'app' }>;

export function stateEvents(trace: readonly TraceEvent[], endpoint?: string): StateEvent[] {
  return trace.filter(
    (e): e is StateEvent => e.kind === 'state' && (endpoint === undefined || e.endpoint === endpoint),
  );
}

export function segmentEvents(
  trace: readonly TraceEvent[],
  kind: SegmentEvent['kind'],
  from?: string,
): SegmentEvent[] {
  return trace.filter(
    (e): e is SegmentEvent => e.kind === kind && (from === undefined || (e as SegmentEvent).from === from),
  );
}

/** Sends from `from` whose flags are exactly `flags` (order-insensitive). */
export function sendsWithFlags(trace: readonly TraceEvent[], from: string, flags: string[]): SegmentEvent[] {
  const want = [...flags].sort().join(',');
  return segmentEvents(trace, 'send', from).filter((e) => [...e.seg.flags].sort().join(',') === want);
}

/** Virtual time of the first transition of `endpoint` into `to` (optionally from `from`), or undefined. */
export function timeOfState(
  trace: readonly TraceEvent[],
  endpoint: string,
  to: string,
  from?: string,
): number | undefined {
  return stateEvents(trace, endpoint).find((e) => e.to === to && (from === undefined || e.from === from))?.t;
}

export function appEvents(trace: readonly TraceEvent[], endpoint: string, event: string): AppEvent[] {
  return trace.filter((e): e is AppEvent => e.kind === 'app' && e.endpoint === endpoint && e.event === event);
}

export type ConnectionSummary = {
  conn: string;
  label?: string;
  state: string;
  reason?: string;
  bytesSent: number;
  bytesReceived: number;
  integrityErrors: number;
};

/** The per-endpoint connection summaries from the summary line. */
export function connectionsOf(summary: TraceEvent): Record<string, ConnectionSummary[]> {
  if (summary.kind !== 'summary') throw new Error(`expected a summary, got ${summary.kind}`);
  return summary.connections as Record<string, ConnectionSummary[]>;
}
