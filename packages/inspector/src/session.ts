/**
 * One inspected run as the pages see it: the recorded event stream, the run's
 * control state, the connected pages and what each has been sent. It knows
 * nothing about HTTP or WebSocket framing (http.ts, websocket.ts do): a client
 * is anything with `send`, `bufferedAmount` and `close`.
 *
 * Everything a page shows is derived from the event stream (trace events plus
 * XState snapshots), which the session records from the start: a page that
 * connects late or reloads gets the whole stream replayed, then live events.
 */
import { randomBytes } from 'node:crypto';
import { profiles } from '@synack/core';
import {
  endpointAddresses,
  expandGroups,
  type RunOptions,
  type SerializedInspection,
  type SimulationConfig,
  type TraceEvent,
} from '@synack/network';
import type { WebSocket } from 'ws';
import { Forwarder, type ForwardFormat } from './forward.js';
import type { StatechartLayout } from './layout.js';
import { Pacer } from './pacer.js';
import {
  type ClientMessage,
  type ControlState,
  type EndpointInfo,
  type HelloMessage,
  PROTOCOL_VERSION,
  type ServerMessage,
  type StreamEvent,
} from './protocol.js';

/**
 * Events per `events` message when replaying. Small: the page parses each message in one task,
 * and 2,000 events (~1 MB of JSON) took it 10–20 ms of CPU, a long task on a loaded machine.
 */
const REPLAY_CHUNK = 250;
/** Stop writing to a page whose socket has this much unsent data; catch up later. */
const BACKPRESSURE_BYTES = 8 * 1024 * 1024;
/** How soon a lagging page is tried again (wall ms). */
const RETRY_LAGGING_MS = 50;

export interface InspectorHooks {
  beforeStep: NonNullable<RunOptions['beforeStep']>;
  onTrace: NonNullable<RunOptions['onTrace']>;
  onInspect: NonNullable<RunOptions['onInspect']>;
}

export interface SessionOptions {
  statechart: StatechartLayout;
  scenario?: { name: string; description?: string };
  endpoints?: EndpointInfo[];
  speed?: number;
  hold?: number;
  paused?: boolean;
  forward?: string;
  forwardFormat?: ForwardFormat;
  onWarning?: (message: string) => void;
  streamInspectionTypes?: readonly string[];
}

/** A connected page: its socket and the index of the next event it has not been sent. */
export interface Client {
  ws: WebSocket;
  sent: number;
  errors: number;
}

/**
 * Endpoint ids, addresses and TIME_WAIT durations of a run's config, group hosts included (each
 * naming its group, so that the page can fold thousands of hosts into one lane).
 */
export function endpointInfo(
  config: Pick<SimulationConfig, 'endpoints' | 'profile'> & Pick<Partial<SimulationConfig>, 'groups'>,
): EndpointInfo[] {
  const endpoints = expandGroups({ seed: 0, ...config }).endpoints;
  const addresses = endpointAddresses(endpoints);
  const groupOf = new Map<number, string>();
  let next = config.endpoints.length;
  for (const group of config.groups ?? []) {
    for (let i = 0; i < group.count; i++) groupOf.set(next + i, group.name);
    next += group.count;
  }
  return endpoints.map((e, i) => {
    const profile = e.profile ?? config.profile ?? 'linux';
    const overrides = (e.profileOverrides ?? {}) as { timeWait?: number };
    const group = groupOf.get(i);
    return {
      id: e.id,
      address: addresses.get(e.id) ?? '?',
      profile,
      timeWait: overrides.timeWait ?? profiles[profile]?.timeWait ?? 60_000,
      ...(group !== undefined ? { group } : {}),
    };
  });
}

export class Session {
  /** Random per server process: a page that reconnects to another session starts over. */
  readonly id = randomBytes(8).toString('hex');
  readonly events: StreamEvent[] = [];
  readonly clients = new Set<Client>();
  readonly pacer: Pacer;
  readonly forwarder: Forwarder | undefined;
  readonly hooks: InspectorHooks;
  readonly statechart: StatechartLayout;
  private readonly scenario: { name: string; description?: string };
  private readonly endpoints: EndpointInfo[];
  private readonly streamTypes: Set<string>;
  private running = false;
  private done = false;
  private result: { ok: boolean; error?: string } | undefined;
  private flushScheduled = false;
  private controlDirty = false;
  /** No more pages are accepted or written to. */
  closed = false;

  constructor(options: SessionOptions) {
    this.statechart = options.statechart;
    this.scenario = options.scenario ?? { name: 'simulation' };
    this.endpoints = options.endpoints ?? [];
    this.streamTypes = new Set(options.streamInspectionTypes ?? ['@xstate.snapshot']);
    this.pacer = new Pacer({
      speed: options.speed,
      hold: options.hold,
      paused: options.paused,
      onChange: () => this.controlChanged(),
    });
    this.forwarder = options.forward
      ? new Forwarder(options.forward, options.onWarning ?? (() => {}), options.forwardFormat)
      : undefined;
    this.hooks = {
      beforeStep: (t) => this.beforeStep(t),
      onTrace: (event) => this.onTrace(event),
      onInspect: (endpoint, inspection, t) => this.onInspect(endpoint, inspection, t),
    };
  }

  /** The run's state as `control` messages carry it. */
  control(): ControlState {
    const { pacer, result } = this;
    return {
      paused: pacer.paused,
      speed: pacer.speed,
      hold: pacer.hold,
      running: this.running,
      done: this.done,
      t: pacer.t,
      total: this.events.length,
      ...(result ? { ok: result.ok } : {}),
      ...(result?.error ? { error: result.error } : {}),
    };
  }

  hello(): HelloMessage {
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      session: this.id,
      scenario: this.scenario,
      endpoints: this.endpoints,
      statechart: this.statechart,
      control: this.control(),
    };
  }

  /** Marks the run as finished; pages keep showing (and can scrub) the final state. */
  markDone(result: { ok: boolean; error?: string }): void {
    if (this.done) return;
    this.done = true;
    this.running = false;
    this.result = result;
    this.controlChanged();
  }

  /**
   * A recorded source (`synack inspect --trace`, `synack replay --inspect`): the whole stream
   * is known up front, so it is recorded at once and the session is done; pages scrub it.
   */
  loadRecorded(events: readonly StreamEvent[], result: { ok: boolean; error?: string }): void {
    for (const event of events) this.record(event);
    this.markDone(result);
  }

  get isDone(): boolean {
    return this.done;
  }

  /** A new page: hello, then the whole stream so far (the rest follows as it is recorded). */
  addClient(ws: WebSocket): Client {
    const client: Client = { ws, sent: 0, errors: 0 };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    this.send(client, this.hello());
    if (!this.catchUp(client)) this.scheduleFlush(RETRY_LAGGING_MS);
    return client;
  }

  send(client: Client, message: ServerMessage): void {
    if (client.ws.readyState === client.ws.OPEN) client.ws.send(JSON.stringify(message));
  }

  /** Applies a page's control message (shared by every page watching the run). */
  handleMessage(client: Client, msg: ClientMessage): void {
    const { pacer } = this;
    switch (msg.type) {
      case 'pause':
        pacer.pause();
        break;
      case 'resume':
        pacer.resume();
        break;
      case 'step':
        pacer.step();
        break;
      case 'speed':
        pacer.setSpeed(msg.speed);
        break;
      case 'hold':
        pacer.setHold(msg.hold);
        break;
      case 'ping':
        this.send(client, { type: 'control', control: this.control() });
        break;
    }
  }

  /** Sends a client every event it has not had yet (in chunks), unless its socket is backed up. */
  catchUp(client: Client): boolean {
    while (client.sent < this.events.length) {
      if (client.ws.bufferedAmount > BACKPRESSURE_BYTES) return false;
      const start = client.sent;
      const batch = this.events.slice(start, start + REPLAY_CHUNK);
      this.send(client, { type: 'events', start, events: batch });
      client.sent = start + batch.length;
    }
    return true;
  }

  /** Delivers what is recorded to every page and stops accepting or writing to pages. */
  drain(): void {
    for (const client of this.clients) this.catchUp(client);
    this.closed = true;
  }

  private async beforeStep(t: number): Promise<void> {
    if (!this.running && !this.done) {
      this.running = true;
      this.controlDirty = true;
    }
    await this.pacer.beforeStep(t);
  }

  private onTrace(event: TraceEvent): void {
    this.record(event);
    if (event.kind === 'state') this.pacer.noteStateChange();
    if (event.kind === 'summary') {
      const summary = event as TraceEvent & { ok?: boolean; error?: string };
      this.markDone({ ok: summary.ok !== false, ...(summary.error ? { error: summary.error } : {}) });
    }
  }

  private onInspect(endpoint: string, inspection: SerializedInspection, t: number): void {
    this.forwarder?.send(endpoint, inspection, t);
    if (this.streamTypes.has(inspection.type)) this.record({ t, kind: 'inspect', endpoint, inspection });
  }

  private record(event: StreamEvent): void {
    this.events.push(event);
    this.scheduleFlush();
  }

  private controlChanged(): void {
    this.controlDirty = true;
    this.scheduleFlush();
  }

  /** Coalesces everything recorded in this turn of the event loop into one write per page. */
  private scheduleFlush(delay = 0): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    const flush = () => {
      this.flushScheduled = false;
      let lagging = false;
      const sendControl = this.controlDirty;
      this.controlDirty = false;
      for (const client of this.clients) {
        if (!this.catchUp(client)) lagging = true;
        if (sendControl) this.send(client, { type: 'control', control: this.control() });
      }
      if (lagging) this.scheduleFlush(RETRY_LAGGING_MS);
    };
    if (delay) setTimeout(flush, delay);
    else setImmediate(flush);
  }
}
