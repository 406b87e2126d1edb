/**
 * `--forward ws://…`: sends every raw XState inspection event of the run, as
 * JSON, to a WebSocket server the user names (another inspector, a logger, a
 * bridge to Stately's tools). Stately's hosted inspector itself needs the
 * internet and a browser session, so synack does not talk to it directly.
 *
 * One text frame per event: the `SerializedInspection` object of
 * @synack/network (`type`, `actor`, `event`, `value`, `context`) plus
 * `endpoint` (the endpoint id) and `t` (virtual ms). Frames are queued until
 * the connection opens; a forwarder that cannot connect warns once and drops
 * events — it never disturbs the run.
 */
import { createRequire } from 'node:module';
import type { createInspector, StatelyInspectionEvent } from '@statelyai/inspect';
import { connectionMachine } from '@synack/core';
import type { SerializedInspection } from '@synack/network';
import WebSocket from 'ws';
import type { AnyStateNode } from 'xstate';
import { checkForwardUrl } from './options.js';

export interface ForwardedInspection extends SerializedInspection {
  endpoint: string;
  t: number;
}

/** Events queued while connecting; beyond this the oldest are dropped. */
const MAX_QUEUE = 100_000;

/**
 * `synack`: our SerializedInspection + endpoint + t, one object per frame.
 * `stately`: the messages of @statelyai/inspect's WebSocket inspector (built by that library's own
 * `createInspector`), so Stately's tools — or anything that reads their protocol — can show the run.
 */
export type ForwardFormat = 'synack' | 'stately';

/** @statelyai/inspect is an optional dependency, needed only for `--forward-format stately`. */
function loadStatelyInspect(): typeof createInspector {
  try {
    return (
      createRequire(import.meta.url)('@statelyai/inspect') as { createInspector: typeof createInspector }
    ).createInspector;
  } catch {
    throw new Error(
      '--forward-format stately needs the optional package @statelyai/inspect (npm install @statelyai/inspect)',
    );
  }
}

type StateValue = string | { [key: string]: StateValue };

/** Every leaf state of `node`'s machine by key, with its path from the root. */
function leafPaths(node: AnyStateNode, out = new Map<string, string[]>()): Map<string, string[]> {
  for (const child of Object.values(node.states)) {
    if (Object.keys(child.states).length === 0) out.set(child.key, child.path);
    else leafPaths(child, out);
  }
  return out;
}

let connectionLeaves: Map<string, string[]> | undefined;

/**
 * The machine's own state value for the flat RFC name a trace carries: Stately's viewer matches
 * values against the hierarchical definition, so `TIME_WAIT` goes out as
 * `{ open: { synchronized: 'TIME_WAIT' } }`.
 */
function connectionStateValue(name: string | undefined): StateValue | undefined {
  if (name === undefined) return undefined;
  connectionLeaves ??= leafPaths(connectionMachine.root);
  const path = connectionLeaves.get(name);
  if (!path) return name;
  return path.slice(0, -1).reduceRight<StateValue>((inner, key) => ({ [key]: inner }), path.at(-1)!);
}

export class Forwarder {
  readonly url: string;
  /** Actors announced to a Stately-format receiver (session ids). */
  private readonly announced = new Set<string>();
  private stately: ReturnType<typeof createInspector> | undefined;
  private ws: WebSocket;
  private queue: string[] = [];
  private failed = false;
  private warned = false;
  sent = 0;
  dropped = 0;

  constructor(
    url: string,
    private readonly warn: (message: string) => void = () => {},
    readonly format: ForwardFormat = 'synack',
  ) {
    this.url = checkForwardUrl(url).href;
    if (format === 'stately') {
      this.stately = loadStatelyInspect()({
        send: (event: StatelyInspectionEvent) => this.sendFrame(JSON.stringify(event)),
      });
    }
    this.ws = new WebSocket(this.url, { handshakeTimeout: 5_000 });
    this.ws.on('open', () => {
      for (const frame of this.queue) this.ws.send(frame);
      this.sent += this.queue.length;
      this.queue = [];
    });
    this.ws.on('error', (err) => this.fail(err.message));
    this.ws.on('close', (code) => {
      if (code !== 1000 && code !== 1005) this.fail(`closed with code ${code}`);
      else this.failed = true;
    });
    // Nothing is expected back; ignore whatever the other side sends.
    this.ws.on('message', () => {});
  }

  send(endpoint: string, inspection: SerializedInspection, t: number): void {
    if (this.stately) {
      this.sendStately(endpoint, inspection);
      return;
    }
    this.sendFrame(JSON.stringify({ ...inspection, endpoint, t } satisfies ForwardedInspection));
  }

  /** Translates one inspection event into Stately's actor / event / snapshot messages. */
  private sendStately(endpoint: string, inspection: SerializedInspection): void {
    const stately = this.stately!;
    // Session ids must be unique across the run: the same connection id can exist on two endpoints.
    const sessionId = `${endpoint}/${inspection.actor}`;
    const isConnection = !inspection.actor.startsWith('listener:');
    const value = isConnection ? connectionStateValue(inspection.value) : inspection.value;
    if (!this.announced.has(sessionId)) {
      this.announced.add(sessionId);
      // Stately reads the machine's definition from `actorRef.logic.config`, so announce the actor as
      // a ref-like object: the viewer can then draw the connection statechart.
      const ref = isConnection ? { sessionId, logic: connectionMachine } : sessionId;
      stately.actor(
        ref as Parameters<typeof stately.actor>[0],
        value !== undefined ? { value, status: 'active' } : undefined,
      );
    }
    if (inspection.type === '@xstate.event' && inspection.event) {
      stately.event(sessionId, { type: inspection.event });
    } else if (inspection.type === '@xstate.snapshot') {
      stately.snapshot(
        sessionId,
        { status: 'active', value, context: inspection.context },
        inspection.event ? { event: { type: inspection.event } } : undefined,
      );
    }
  }

  private sendFrame(frame: string): void {
    if (this.failed) {
      this.dropped++;
      return;
    }
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(frame);
      this.sent++;
    } else {
      if (this.queue.length >= MAX_QUEUE) {
        this.queue.shift();
        this.dropped++;
      }
      this.queue.push(frame);
    }
  }

  /** Flushes what can be flushed (up to `timeoutMs`) and closes the connection. */
  async close(timeoutMs = 2_000): Promise<void> {
    const ws = this.ws;
    if (ws.readyState === WebSocket.CLOSED) return;
    // wall-clock: bounded wait for the socket to drain and close.
    const deadline = Date.now() + timeoutMs;
    if (ws.readyState === WebSocket.CONNECTING && !this.failed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        ws.once('open', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // From here on, the socket's end is ours: no warning about it.
    this.failed = true;
    this.warned = true;
    if ((ws.readyState as number) === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(
        () => {
          ws.terminate();
          resolve();
        },
        Math.max(100, deadline - Date.now()),
      );
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'run finished');
    });
  }

  private fail(reason: string): void {
    this.dropped += this.queue.length;
    this.queue = [];
    this.failed = true;
    if (!this.warned) {
      this.warned = true;
      this.warn(`--forward ${this.url}: ${reason}; inspection events are no longer forwarded`);
    }
  }
}
