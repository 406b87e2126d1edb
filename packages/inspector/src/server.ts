/**
 * The inspector server: HTTP for the page's static files, one WebSocket
 * endpoint (`/ws`) that streams the run's events to every page, and the
 * pause / step / speed controls the pages send back.
 *
 * Everything a page shows is derived from the event stream (trace events plus
 * XState snapshots), which the server records from the start: a page that
 * connects late or reloads gets the whole stream replayed, then live events.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { profiles } from '@synack/core';
import {
  endpointAddresses,
  type RunOptions,
  type SerializedInspection,
  type SimulationConfig,
  type TraceEvent,
} from '@synack/network';
import { type WebSocket, WebSocketServer } from 'ws';
import { Forwarder, type ForwardFormat } from './forward.js';
import { connectionStatechart, type StatechartLayout } from './graph.js';
import { isLoopback, MAX_CLIENT_MESSAGE_BYTES } from './options.js';
import { Pacer } from './pacer.js';
import {
  type ClientMessage,
  type ControlState,
  type EndpointInfo,
  type HelloMessage,
  PROTOCOL_VERSION,
  parseClientMessage,
  type ServerMessage,
  type StreamEvent,
} from './protocol.js';
import { loadStaticFiles, type StaticFile } from './static.js';

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
  config?: Pick<SimulationConfig, 'endpoints' | 'profile'>;
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

export interface InspectorHooks {
  beforeStep: NonNullable<RunOptions['beforeStep']>;
  onTrace: NonNullable<RunOptions['onTrace']>;
  onInspect: NonNullable<RunOptions['onInspect']>;
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
  /** Marks the run as finished; pages keep showing (and can scrub) the final state. */
  finish(result: { ok: boolean; error?: string }): void;
  /** Ends a run still in progress (its next beforeStep rejects), disconnects every page, closes the server. */
  close(): Promise<void>;
}

/** Endpoint ids, addresses and TIME_WAIT durations of a run's config. */
export function endpointInfo(config: Pick<SimulationConfig, 'endpoints' | 'profile'>): EndpointInfo[] {
  const addresses = endpointAddresses(config.endpoints);
  return config.endpoints.map((e) => {
    const profile = e.profile ?? config.profile ?? 'linux';
    const overrides = (e.profileOverrides ?? {}) as { timeWait?: number };
    return {
      id: e.id,
      address: addresses.get(e.id) ?? '?',
      profile,
      timeWait: overrides.timeWait ?? profiles[profile]?.timeWait ?? 60_000,
    };
  });
}

/** Events per `events` message when replaying. */
const REPLAY_CHUNK = 2_000;
/** Stop writing to a page whose socket has this much unsent data; catch up later. */
const BACKPRESSURE_BYTES = 8 * 1024 * 1024;

interface Client {
  ws: WebSocket;
  /** Index of the next event this client has not been sent. */
  sent: number;
  errors: number;
}

export async function startInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`port must be an integer in [0, 65535], got ${port}`);
  }
  const statechart = await connectionStatechart();
  const files = loadStaticFiles();
  const session = randomBytes(8).toString('hex');
  const endpoints = options.endpoints ?? (options.config ? endpointInfo(options.config) : []);
  const scenario = options.scenario ?? { name: 'simulation' };
  const warn = options.onWarning ?? (() => {});
  const streamTypes = new Set(options.streamInspectionTypes ?? ['@xstate.snapshot']);
  const maxClientErrors = options.maxClientErrors ?? 20;

  const events: StreamEvent[] = [];
  const clients = new Set<Client>();
  let running = false;
  let done = false;
  let result: { ok: boolean; error?: string } | undefined;
  let flushScheduled = false;
  let controlDirty = false;
  let closed = false;

  const pacer = new Pacer({
    speed: options.speed,
    hold: options.hold,
    paused: options.paused,
    onChange: () => {
      controlDirty = true;
      scheduleFlush();
    },
  });
  const forwarder = options.forward ? new Forwarder(options.forward, warn, options.forwardFormat) : undefined;

  const control = (): ControlState => ({
    paused: pacer.paused,
    speed: pacer.speed,
    hold: pacer.hold,
    running,
    done,
    t: pacer.t,
    total: events.length,
    ...(result ? { ok: result.ok } : {}),
    ...(result?.error ? { error: result.error } : {}),
  });

  const send = (client: Client, message: ServerMessage) => {
    if (client.ws.readyState === client.ws.OPEN) client.ws.send(JSON.stringify(message));
  };

  /** Sends a client every event it has not had yet (in chunks), unless its socket is backed up. */
  const catchUp = (client: Client): boolean => {
    while (client.sent < events.length) {
      if (client.ws.bufferedAmount > BACKPRESSURE_BYTES) return false;
      const start = client.sent;
      const batch = events.slice(start, start + REPLAY_CHUNK);
      send(client, { type: 'events', start, events: batch });
      client.sent = start + batch.length;
    }
    return true;
  };

  function scheduleFlush(delay = 0) {
    if (flushScheduled || closed) return;
    flushScheduled = true;
    const run = () => {
      flushScheduled = false;
      let lagging = false;
      const sendControl = controlDirty;
      controlDirty = false;
      for (const client of clients) {
        if (!catchUp(client)) lagging = true;
        if (sendControl) send(client, { type: 'control', control: control() });
      }
      if (lagging) scheduleFlush(50);
    };
    if (delay) setTimeout(run, delay);
    else setImmediate(run);
  }

  const record = (event: StreamEvent) => {
    events.push(event);
    scheduleFlush();
  };

  const hooks: InspectorHooks = {
    beforeStep: async (t: number) => {
      if (!running && !done) {
        running = true;
        controlDirty = true;
      }
      await pacer.beforeStep(t);
    },
    onTrace: (event: TraceEvent) => {
      record(event);
      if (event.kind === 'state') pacer.noteStateChange();
      if (event.kind === 'summary') {
        const summary = event as TraceEvent & { ok?: boolean; error?: string };
        markDone({ ok: summary.ok !== false, ...(summary.error ? { error: summary.error } : {}) });
      }
    },
    onInspect: (endpoint: string, inspection: SerializedInspection, t: number) => {
      forwarder?.send(endpoint, inspection, t);
      if (streamTypes.has(inspection.type)) record({ t, kind: 'inspect', endpoint, inspection });
    },
  };

  function markDone(r: { ok: boolean; error?: string }) {
    if (done) return;
    done = true;
    running = false;
    result = r;
    controlDirty = true;
    scheduleFlush();
  }

  // --- HTTP -----------------------------------------------------------------------------------

  const server: Server = createServer((req, res) => {
    try {
      handleRequest(req, res);
    } catch {
      // Never let one odd request take the run down.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    }
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  let boundPort = port;
  const allowedHosts = () =>
    isLoopback(host)
      ? new Set([
          `127.0.0.1:${boundPort}`,
          `localhost:${boundPort}`,
          `[::1]:${boundPort}`,
          `${host}:${boundPort}`,
        ])
      : undefined;

  /** DNS-rebinding guard: on a loopback binding, only loopback Host headers are served. */
  const hostAllowed = (req: IncomingMessage) => {
    const allowed = allowedHosts();
    return !allowed || allowed.has(String(req.headers.host ?? '').toLowerCase());
  };

  const securityHeaders = (req: IncomingMessage) => {
    // Only a plain host[:port] goes into the policy (the Host header is unchecked off loopback).
    const hostHeader = /^[\w.:[\]-]+$/.test(req.headers.host ?? '')
      ? req.headers.host
      : `127.0.0.1:${boundPort}`;
    return headersFor(hostHeader ?? '');
  };
  const headersFor = (hostHeader: string) => ({
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy': `default-src 'self'; connect-src 'self' ws://${hostHeader}; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
  });

  function reply(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: string | Buffer,
    type: string,
  ) {
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      ...securityHeaders(req),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse) {
    if (!hostAllowed(req)) return reply(req, res, 421, 'misdirected request\n', 'text/plain; charset=utf-8');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return reply(req, res, 405, 'method not allowed\n', 'text/plain; charset=utf-8');
    }
    // The raw request target, not decoded or normalised: only exact allow-listed paths match.
    const path = (req.url ?? '/').split('?')[0];
    const file: StaticFile | undefined = files.get(path);
    if (file) return reply(req, res, 200, file.body, file.type);
    if (path === '/trace.jsonl') {
      const body = events
        .filter((e) => e.kind !== 'inspect')
        .map((e) => `${JSON.stringify(e)}\n`)
        .join('');
      return reply(req, res, 200, body, 'application/x-ndjson; charset=utf-8');
    }
    if (path === '/statechart.json') {
      return reply(req, res, 200, JSON.stringify(statechart), 'application/json; charset=utf-8');
    }
    if (path === '/favicon.ico') {
      res.writeHead(204, securityHeaders(req));
      return res.end();
    }
    return reply(req, res, 404, 'not found\n', 'text/plain; charset=utf-8');
  }

  // --- WebSocket ------------------------------------------------------------------------------

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });

  const refuse = (socket: Duplex, status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if ((req.url ?? '').split('?')[0] !== '/ws') return refuse(socket, '404 Not Found');
    if (!hostAllowed(req)) return refuse(socket, '421 Misdirected Request');
    // Cross-site WebSocket hijacking guard: a browser page may only connect from this origin.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`)
      return refuse(socket, '403 Forbidden');
    if (closed) return refuse(socket, '503 Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket) {
    const client: Client = { ws, sent: 0, errors: 0 };
    clients.add(client);
    // Oversized frames make ws close the socket (1009) and report an error here: nothing else to do.
    ws.on('error', () => {});
    ws.on('close', () => clients.delete(client));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return clientError(client, 'binary messages are not accepted; send JSON text');
      const parsed = parseClientMessage(data.toString());
      if ('error' in parsed) return clientError(client, parsed.error);
      handleMessage(client, parsed);
    });
    const hello: HelloMessage = {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      session,
      scenario,
      endpoints,
      statechart,
      control: control(),
    };
    send(client, hello);
    if (!catchUp(client)) scheduleFlush(50);
  }

  function clientError(client: Client, message: string) {
    client.errors++;
    send(client, { type: 'error', message });
    if (client.errors >= maxClientErrors) client.ws.close(1008, 'too many malformed messages');
  }

  function handleMessage(client: Client, msg: ClientMessage) {
    switch (msg.type) {
      case 'pause':
        return pacer.pause();
      case 'resume':
        return pacer.resume();
      case 'step':
        return pacer.step();
      case 'speed':
        return pacer.setSpeed(msg.speed);
      case 'hold':
        return pacer.setHold(msg.hold);
      case 'ping':
        return send(client, { type: 'control', control: control() });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  boundPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const url = `http://${urlHost}:${boundPort}/`;

  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port: boundPort,
    pacer,
    events,
    hooks,
    statechart,
    forwarder,
    get clients() {
      return clients.size;
    },
    control,
    finish(r) {
      markDone(r);
    },
    close() {
      closing ??= (async () => {
        if (!done) pacer.abort();
        // Deliver what is recorded, then say goodbye.
        for (const client of clients) catchUp(client);
        closed = true;
        for (const client of clients) client.ws.close(1001, 'inspector closing');
        await new Promise<void>((resolve) => {
          // wall-clock: give pages a moment to acknowledge the close, then cut them off.
          const timer = setTimeout(() => {
            for (const client of clients) client.ws.terminate();
            resolve();
          }, 500);
          const check = () => {
            if (clients.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          };
          for (const client of clients) client.ws.once('close', check);
          check();
        });
        wss.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await forwarder?.close();
      })();
      return closing;
    },
  };
}
