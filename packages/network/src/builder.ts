/**
 * A typed scenario builder, in the spirit of turmoil's `Builder`: sugar that writes a plain
 * SimulationConfig, so whatever it builds can also be written (or printed) as a scenario file.
 * `build()` validates the result with the one schema.
 *
 * ```ts
 * const config = simulation({ seed: 7 })
 *   .endpoint('client', (c) => c.connect('server', 80).at(100).send(1024).at(400).close())
 *   .endpoint('server', (s) => s.listen(80).on('peer-closed', 'close', { after: 100 }))
 *   .network({ delay: 10 })
 *   .drop({ from: 'client', exactFlags: ['SYN'] }, 'drop the first SYN')
 *   .build();
 * ```
 */
import type {
  AppAction,
  EndpointConfig,
  FaultAction,
  FaultModel,
  NetworkConfig,
  RawSegment,
  Reaction,
  SimulationConfig,
  TargetedFault,
} from './schema.js';
import { validateSimulationConfig } from './validate.js';

/** The optional fields of one kind of action (everything but `at`, `do` and the given required ones). */
type ActionOptions<Do extends AppAction['do'], Required extends string = never> = Omit<
  Extract<AppAction, { do: Do }>,
  'at' | 'do' | Required
>;

/** Copies `source` without its undefined fields, so the config prints like a hand-written one. */
function defined<T extends object>(source: T): T {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined)) as T;
}

/** One endpoint: its settings, its application's timeline (`at` moves the cursor) and reactions. */
export class EndpointBuilder {
  private time = 0;
  private settings: Omit<EndpointConfig, 'id' | 'actions' | 'reactions'> = {};
  private readonly actions: AppAction[] = [];
  private readonly reactions: Reaction[] = [];

  constructor(readonly id: string) {}

  /** The following actions happen at virtual time `ms` (from the start of the run; initially 0). */
  at(ms: number): this {
    this.time = ms;
    return this;
  }

  /** IPv4 address (defaults: client 10.0.0.1, server 10.0.0.2, attacker 10.0.0.66, others 10.0.0.N). */
  address(address: string): this {
    this.settings.address = address;
    return this;
  }

  /** This endpoint's profile, and fields of it to override (e.g. `{ synRetries: 2 }`). */
  profile(name: EndpointConfig['profile'], overrides?: EndpointConfig['profileOverrides']): this {
    this.settings.profile = name;
    if (overrides) this.settings.profileOverrides = overrides;
    return this;
  }

  /** Overrides fields of the profile (the run's, or the one set by `profile`). */
  overrides(overrides: NonNullable<EndpointConfig['profileOverrides']>): this {
    this.settings.profileOverrides = { ...this.settings.profileOverrides, ...overrides };
    return this;
  }

  /** Every connection starts from this ISN instead of RFC 6528's (teaching only). */
  fixedIsn(isn: number): this {
    this.settings.fixedIsn = isn;
    return this;
  }

  /** 'clock': RFC 793's bare ISN clock, predictable across 4-tuples (teaching the off-path attack). */
  isnPolicy(policy: NonNullable<EndpointConfig['isnPolicy']>): this {
    this.settings.isnPolicy = policy;
    return this;
  }

  listen(port: number, options: ActionOptions<'listen', 'port'> = {}): this {
    return this.act({ at: this.time, do: 'listen', port, ...defined(options) });
  }

  connect(to: string, port: number, options: ActionOptions<'connect', 'to' | 'port'> = {}): this {
    return this.act({ at: this.time, do: 'connect', to, port, ...defined(options) });
  }

  /** `more`: send(2) with MSG_MORE — this write's short tail waits like TCP_CORK, for this call only. */
  send(bytes: number, conn?: string, options: { more?: boolean } = {}): this {
    return this.act(defined({ at: this.time, do: 'send' as const, bytes, conn, more: options.more }));
  }

  close(conn?: string): this {
    return this.act(defined({ at: this.time, do: 'close' as const, conn }));
  }

  abort(conn?: string): this {
    return this.act(defined({ at: this.time, do: 'abort' as const, conn }));
  }

  receive(conn?: string): this {
    return this.act(defined({ at: this.time, do: 'receive' as const, conn }));
  }

  /**
   * Socket options on a connection: `{ nodelay: true }` (TCP_NODELAY), `{ cork: true }` (TCP_CORK),
   * `{ linger: { on: true, seconds: 0 } }` (SO_LINGER: a later close() aborts with RST), and
   * SO_KEEPALIVE / TCP_KEEP* / TCP_USER_TIMEOUT as `keepalive*`, `userTimeout` (ms).
   */
  setsockopt(options: ActionOptions<'setsockopt', 'conn'>, conn?: string): this {
    return this.act(defined({ at: this.time, do: 'setsockopt' as const, conn, ...options }));
  }

  accept(port: number): this {
    return this.act({ at: this.time, do: 'accept', port });
  }

  /** The host crashes and reboots with no connection state (listeners stay). */
  restart(): this {
    return this.act({ at: this.time, do: 'restart' });
  }

  /** A hand-made segment from this host, to an endpoint id or address (or `segment.dstAddr`). */
  raw(segment: RawSegment, to?: string): this {
    return this.act(defined({ at: this.time, do: 'raw' as const, to, segment }));
  }

  /** `count` SYNs from spoofed addresses that never complete. */
  synFlood(
    to: string,
    port: number,
    count: number,
    options: ActionOptions<'syn-flood', 'to' | 'port' | 'count'> = {},
  ): this {
    return this.act({ at: this.time, do: 'syn-flood', to, port, count, ...defined(options) });
  }

  /** A blind connection from a spoofed address with an ISN guessed from two probe connections (schema: isn-spoof). */
  isnSpoof(options: ActionOptions<'isn-spoof', never>): this {
    return this.act({ at: this.time, do: 'isn-spoof', ...options });
  }

  /** When `event` happens on a connection, the application sends on it `after` ms later. */
  on(event: Reaction['on'], action: 'send', options: { bytes: number; after?: number }): this;
  /** When `event` happens on a connection, the application closes or aborts it `after` ms later. */
  on(event: Reaction['on'], action: 'close' | 'abort', options?: { after?: number }): this;
  on(event: Reaction['on'], action: Reaction['do'], options: { bytes?: number; after?: number } = {}): this {
    this.reactions.push(defined({ on: event, do: action, bytes: options.bytes, after: options.after }));
    return this;
  }

  /** The endpoint's config (empty lists left out). */
  build(): EndpointConfig {
    return {
      id: this.id,
      ...this.settings,
      ...(this.actions.length ? { actions: [...this.actions] } : {}),
      ...(this.reactions.length ? { reactions: [...this.reactions] } : {}),
    };
  }

  private act(action: AppAction): this {
    this.actions.push(action);
    return this;
  }
}

/** Run-wide settings: everything in SimulationConfig but the endpoints and the network. */
export type RunSettings = Partial<Omit<SimulationConfig, 'endpoints' | 'network'>>;

/** A whole run: endpoints, the network between them, and run-wide settings. */
export class ScenarioBuilder {
  private readonly endpoints: EndpointBuilder[] = [];
  private readonly net: NetworkConfig = {};

  constructor(private readonly settings: RunSettings = {}) {}

  /** Adds an endpoint; `describe` sets up its timeline and reactions. */
  endpoint(id: string, describe?: (endpoint: EndpointBuilder) => unknown): this {
    const builder = new EndpointBuilder(id);
    describe?.(builder);
    this.endpoints.push(builder);
    return this;
  }

  /** The fault model of every direction without its own `link`. */
  network(model: FaultModel): this {
    this.net.default = model;
    return this;
  }

  /** The fault model of one direction ("client->server"); replaces the default entirely. */
  link(direction: `${string}->${string}`, model: FaultModel): this {
    this.net.links = { ...this.net.links, [direction]: model };
    return this;
  }

  /** A targeted fault: packets that `match` are dropped, delayed or duplicated. */
  fault(match: TargetedFault['match'], action: FaultAction, label?: string): this {
    this.net.faults = [...(this.net.faults ?? []), defined({ match, action, label })];
    return this;
  }

  /** Drops the packets that `match` (by default only the first: `nth: 1`). */
  drop(match: TargetedFault['match'], label?: string): this {
    return this.fault(match, { drop: true }, label);
  }

  /** The config, validated (throws a ConfigError naming the field otherwise). Seed 1 unless set. */
  build(): SimulationConfig {
    const config: SimulationConfig = {
      seed: 1,
      ...this.settings,
      endpoints: this.endpoints.map((e) => e.build()),
      ...(Object.keys(this.net).length ? { network: { ...this.net } } : {}),
    };
    validateSimulationConfig(config);
    return config;
  }
}

/** Starts a scenario: `simulation({ seed: 7 }).endpoint(…).network(…).build()`. */
export function simulation(settings: RunSettings = {}): ScenarioBuilder {
  return new ScenarioBuilder(settings);
}
