import type { FlagName, Profile } from '@synack/core';
import type { NetworkConfig } from './types.js';

/**
 * What an endpoint's application does, as data (so it can cross into a worker
 * thread and be written in a scenario file). Times are virtual ms from the
 * start of the run. `conn` names a connection by its label: the `as` of a
 * `connect`, or `accepted1`, `accepted2`, … for connections accepted by a
 * listener. Without `conn`, an action applies to the most recent connection.
 */
export type AppAction =
  | {
      at: number;
      do: 'listen';
      port: number;
      backlog?: number;
      acceptQueue?: number;
      autoAccept?: boolean;
      abortOnOverflow?: boolean;
      /** Like Linux tcp_syncookies: 0 off, 1 when the SYN queue overflows, 2 always. */
      syncookies?: 0 | 1 | 2;
    }
  | { at: number; do: 'connect'; to: string; port: number; localPort?: number; as?: string }
  | { at: number; do: 'send'; bytes: number; conn?: string }
  | { at: number; do: 'close'; conn?: string }
  | { at: number; do: 'abort'; conn?: string }
  | { at: number; do: 'accept'; port: number }
  | { at: number; do: 'receive'; conn?: string }
  /** The host crashes and comes back with no connection state (RFC 9293 figure 10). */
  | { at: number; do: 'restart' }
  /** Puts a hand-made segment on the wire from this host (old duplicates, floods, forgeries). */
  | { at: number; do: 'raw'; segment: RawSegment; to?: string }
  /** SYNs from many spoofed source ports/addresses that never complete (a SYN flood). */
  | {
      at: number;
      do: 'syn-flood';
      to: string;
      port: number;
      count: number;
      /** Virtual ms between two SYNs (default 1). */
      interval?: number;
      /** Spoofed source addresses are srcNet.0.x.y; default "10.99". */
      srcNet?: string;
    };

/** A segment written by hand in a scenario; addresses default to this host and the target endpoint. */
export interface RawSegment {
  srcAddr?: string;
  srcPort: number;
  dstAddr?: string;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: FlagName[];
  win?: number;
  mss?: number;
  len?: number;
}

/** Something the application does when a connection event happens. */
export interface Reaction {
  on: 'connected' | 'accept' | 'peer-closed';
  do: 'send' | 'close' | 'abort';
  bytes?: number;
  /** Virtual ms after the event (default 0). */
  after?: number;
}

export interface EndpointConfig {
  id: string;
  /** IPv4 address (defaults: client 10.0.0.1, server 10.0.0.2, attacker 10.0.0.66, others 10.0.0.N). */
  address?: string;
  /** Profile name; defaults to the simulation's. */
  profile?: string;
  profileOverrides?: Partial<Profile>;
  /** Use this ISN for every connection instead of RFC 6528 (teaching only). */
  fixedIsn?: number;
  actions?: AppAction[];
  reactions?: Reaction[];
}

export interface SimulationConfig {
  seed: number;
  /** Default profile of every endpoint: "linux" (default) or "rfc9293". */
  profile?: string;
  endpoints: EndpointConfig[];
  network?: NetworkConfig;
  /** Virtual-time limit in ms (default 30 min). The run fails with a clear message beyond it. */
  maxTime?: number;
  /** Wall-clock limit in ms (default 5 min). */
  wallTimeout?: number;
  /** Pace virtual time against the wall clock: 1 = real time, 10 = ten times faster. */
  realtime?: number;
  /** Forward XState inspection events of every actor. */
  inspect?: boolean;
  /**
   * How connections run inside each endpoint: 'actor' (default) makes every connection an
   * XState actor (inspection available); 'table' runs the same statechart on core's lean
   * interpreter — several times faster, identical traces (see @synack/core engine.ts).
   */
  engine?: 'actor' | 'table';
  /** Test hook: an artificial wall-clock delay (ms) in one endpoint's worker before each reply. */
  perturb?: Record<string, number>;
}

const DEFAULT_ADDRESSES: Record<string, string> = {
  client: '10.0.0.1',
  server: '10.0.0.2',
  attacker: '10.0.0.66',
};

/** Resolves each endpoint's address (explicit, well-known default, or 10.0.0.(10+index)). */
export function endpointAddresses(endpoints: readonly EndpointConfig[]): Map<string, string> {
  const out = new Map<string, string>();
  endpoints.forEach((endpoint, index) => {
    out.set(endpoint.id, endpoint.address ?? DEFAULT_ADDRESSES[endpoint.id] ?? `10.0.0.${10 + index}`);
  });
  return out;
}
