/**
 * The inspector server: one node:http server on 127.0.0.1 that serves the page
 * (http.ts) and streams the run to every page over `/ws` (websocket.ts); the
 * run itself — recorded events, controls, connected pages — is the session
 * (session.ts). This module wires the three together and owns the lifecycle.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimulationConfig } from '@synack/network';
import type { Forwarder, ForwardFormat } from './forward.js';
import { hostGuard, httpHandler } from './http.js';
import { connectionStatechart, type StatechartLayout } from './layout.js';
import type { Pacer } from './pacer.js';
import type { ControlState, EndpointInfo, StreamEvent } from './protocol.js';
import { endpointInfo, type InspectorHooks, Session } from './session.js';
import { attachWebSocket, closePages } from './websocket.js';

export interface InspectorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. Anything but a loopback address exposes the run to the network. */
  host?: string;
  /** Initial speed factor (virtual ms per wall ms), default 10. */
  speed?: number;
  /** Initial hold after a state change (wall ms), default 250. */
  hold?: number;
  /** Start paused: nothing runs until a page (or `inspector.pacer`) resumes or steps. */
  paused?: boolean;
  /** Shown in the page header. */
  scenario?: { name: string; description?: string };
  /** The run's config: endpoint ids, addresses and profiles for the page. */
  config?: Pick<SimulationConfig, 'endpoints' | 'profile'> & Pick<Partial<SimulationConfig>, 'groups'>;
  /** Or the endpoints directly. */
  endpoints?: EndpointInfo[];
  /** Also send every raw inspection event to this ws:// URL (see forward.ts). */
  forward?: string;
  /** Message format for `forward`: synack's own (default) or @statelyai/inspect's. */
  forwardFormat?: ForwardFormat;
  /** Warnings (forwarder failures, …); default: ignored. */
  onWarning?: (message: string) => void;
  /** Inspection event types recorded into the page's stream (default: only `@xstate.snapshot`). */
  streamInspectionTypes?: readonly string[];
  /** Malformed client messages tolerated per connection before it is closed (1008); default 20. */
  maxClientErrors?: number;
}

export interface Inspector {
  /** `http://127.0.0.1:PORT/` (the bound host and port). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly pacer: Pacer;
  /** Every event recorded so far (the stream a page replays). */
  readonly events: readonly StreamEvent[];
  /** Pass these to runSimulation (or to the CLI's runScenario flags). */
  readonly hooks: InspectorHooks;
  readonly statechart: StatechartLayout;
  readonly forwarder: Forwarder | undefined;
  /** Pages currently connected. */
  readonly clients: number;
  /** The current control state (what `control` messages carry). */
  control(): ControlState;
  /** Serves a recorded stream (a trace file, a replayed capture) instead of a live run. */
  loadRecorded(events: readonly StreamEvent[], result: { ok: boolean; error?: string }): void;
  /** Marks the run as finished; pages keep showing (and can scrub) the final state. */
  finish(result: { ok: boolean; error?: string }): void;
  /** Ends a run still in progress (its next beforeStep rejects), disconnects every page, closes the server. */
  close(): Promise<void>;
}

export async function startInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`port must be an integer in [0, 65535], got ${port}`);
  }
  const session = new Session({
    ...options,
    statechart: await connectionStatechart(),
    endpoints: options.endpoints ?? (options.config ? endpointInfo(options.config) : []),
  });
  let boundPort = port;
  const hostAllowed = hostGuard(host, () => boundPort);
  const server = createServer(httpHandler({ session, hostAllowed, port: () => boundPort }));
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const wss = attachWebSocket(server, {
    session,
    hostAllowed,
    maxClientErrors: options.maxClientErrors ?? 20,
  });
  boundPort = await listen(server, port, host);

  let closing: Promise<void> | undefined;
  const close = async () => {
    if (!session.isDone) session.pacer.abort();
    // Deliver what is recorded, then say goodbye.
    session.drain();
    await closePages(session.clients);
    wss.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await session.forwarder?.close();
  };
  return {
    url: `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${boundPort}/`,
    host,
    port: boundPort,
    pacer: session.pacer,
    events: session.events,
    hooks: session.hooks,
    statechart: session.statechart,
    forwarder: session.forwarder,
    get clients() {
      return session.clients.size;
    },
    control: () => session.control(),
    loadRecorded: (events, result) => session.loadRecorded(events, result),
    finish: (result) => session.markDone(result),
    close() {
      closing ??= close();
      return closing;
    },
  };
}

/** Listens on host:port and resolves with the bound port (0 picks a free one). */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
