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
import type { SerializedInspection } from '@synack/network';
import WebSocket from 'ws';
import { checkForwardUrl } from './options.js';

export interface ForwardedInspection extends SerializedInspection {
  endpoint: string;
  t: number;
}

/** Events queued while connecting; beyond this the oldest are dropped. */
const MAX_QUEUE = 100_000;

export class Forwarder {
  readonly url: string;
  private ws: WebSocket;
  private queue: string[] = [];
  private failed = false;
  private warned = false;
  sent = 0;
  dropped = 0;

  constructor(
    url: string,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.url = checkForwardUrl(url).href;
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
    if (this.failed) {
      this.dropped++;
      return;
    }
    const frame = JSON.stringify({ ...inspection, endpoint, t } satisfies ForwardedInspection);
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
