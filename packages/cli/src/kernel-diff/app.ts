/**
 * The application side of a kernel-diff run: a small Node program, started inside the network
 * namespace, that performs a scenario's actions and reactions with real `net` sockets at their
 * times (listen, connect, send, close = FIN with half-close kept, abort = RST via SO_LINGER 0).
 * It prints `{"start": <epoch ms>}` first and `{"done": true}` after the plan's duration, then
 * waits to be killed. Wall-clock time is right here: this is the real kernel, not the simulation.
 *
 * Usage: node app.js PLAN.json
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { KernelEndpoint, KernelPlan } from './plan.js';

type Action = { at: number; do: string; [key: string]: unknown };
type Reaction = { on: string; do: string; bytes?: number; after?: number };

/** Time zero of the run (epoch ms, set by main). */
let start = 0;

/**
 * Runs `fn` at `start + intendedMs` (as near as Node's timers allow) and reports how late it ran,
 * so that the kernel's segments after it can be read relative to what the application did.
 */
function at(
  intendedMs: number,
  fn: () => void,
  reaction?: { on: string; endpoint: string; after: number },
): void {
  setTimeout(
    () => {
      const now = Date.now() - start;
      console.log(JSON.stringify({ acted: now, late: Math.max(0, now - intendedMs), ...reaction }));
      fn();
    },
    Math.max(0, start + intendedMs - Date.now()),
  );
}

function perform(socket: net.Socket | undefined, what: string, bytes: number | undefined): void {
  if (!socket || socket.destroyed) return;
  if (what === 'send') socket.write(Buffer.alloc(bytes ?? 0));
  else if (what === 'close') socket.end();
  else if (what === 'abort') socket.resetAndDestroy();
}

class EndpointApp {
  private readonly conns = new Map<string, net.Socket>();
  private last: net.Socket | undefined;

  constructor(
    private readonly endpoint: KernelEndpoint,
    private readonly addressOf: (target: string) => string,
  ) {}

  /** Timers of equal delay fire in the order they were set: listens are scheduled first. */
  schedule(listens: boolean): void {
    for (const action of this.endpoint.actions as Action[])
      if ((action.do === 'listen') === listens) at(action.at, () => this.act(action));
  }

  private react(socket: net.Socket, on: string): void {
    for (const r of this.endpoint.reactions as Reaction[])
      if (r.on === on)
        at(Date.now() - start + (r.after ?? 0), () => perform(socket, r.do, r.bytes), {
          on,
          endpoint: this.endpoint.id,
          after: r.after ?? 0,
        });
  }

  private adopt(socket: net.Socket, label: string | undefined): void {
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('end', () => this.react(socket, 'peer-closed'));
    this.last = socket;
    if (label) this.conns.set(label, socket);
  }

  private act(action: Action): void {
    const target = typeof action.conn === 'string' ? this.conns.get(action.conn) : this.last;
    if (action.do === 'listen') {
      const server = net.createServer({ allowHalfOpen: true }, (socket) => {
        this.adopt(socket, undefined);
        this.react(socket, 'accept');
        this.react(socket, 'connected');
      });
      server.on('error', (err) => console.error(`listen: ${err.message}`));
      server.listen({
        host: this.endpoint.address,
        port: action.port as number,
        backlog: (action.backlog as number) ?? 128,
      });
    } else if (action.do === 'connect') {
      const socket = net.connect({
        host: this.addressOf(String(action.to)),
        port: action.port as number,
        localAddress: this.endpoint.address,
        ...(typeof action.localPort === 'number' ? { localPort: action.localPort } : {}),
        allowHalfOpen: true,
      });
      socket.on('connect', () => this.react(socket, 'connected'));
      this.adopt(socket, typeof action.as === 'string' ? action.as : undefined);
    } else perform(target, action.do, action.bytes as number | undefined);
  }
}

/**
 * One connection over 127.0.0.1 before time zero, so that the first real connect does not pay
 * for Node loading its socket code (≈ 50 ms here). 127.0.0.1 is no endpoint's address: the
 * capture leaves these segments out.
 */
function warmUp(then: () => void): void {
  const server = net.createServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as net.AddressInfo;
    const socket = net.connect({ host: '127.0.0.1', port: address.port });
    socket.on('error', () => {});
    socket.on('close', () => server.close(then));
  });
}

function main(): void {
  const plan = JSON.parse(readFileSync(process.argv[2], 'utf8')) as KernelPlan;
  const byId = new Map(plan.endpoints.map((e) => [e.id, e.address]));
  const addressOf = (target: string) => byId.get(target) ?? target;
  start = Date.now(); // wall-clock: the real kernel's run
  console.log(JSON.stringify({ start }));
  const apps = plan.endpoints.map((endpoint) => new EndpointApp(endpoint, addressOf));
  for (const app of apps) app.schedule(true);
  for (const app of apps) app.schedule(false);
  // The capture stops before this process ends: its exit would close every socket (FINs, RSTs)
  // that the scenario never closed. The caller kills it after "done".
  setTimeout(() => console.log(JSON.stringify({ done: true })), plan.durationMs);
  setTimeout(() => process.exit(0), plan.durationMs + 60_000);
}

warmUp(main);
