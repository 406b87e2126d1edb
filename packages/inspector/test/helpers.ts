/**
 * Shared test helpers: raw HTTP requests (paths sent verbatim, no client-side
 * normalisation), WebSocket clients, and the headless Chromium launcher.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimulationConfig } from '@synack/network';
import { type Browser, chromium } from 'playwright-core';
import WebSocket from 'ws';
import { type InspectorOptions, inspectSimulation, type ServerMessage } from '../src/index.js';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SCREENSHOTS = join(PACKAGE_DIR, 'test-results', 'screenshots');

export const CHROMIUM = process.env.SYNACK_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Launches headless Chromium; fails (never skips) with an install hint when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the inspector's browser tests need Debian's chromium. Install it with\n` +
        '  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium\n' +
        '(or point SYNACK_CHROMIUM at a Chromium binary).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

/** Runs `config` under an inspector as fast as possible and waits for the end of the run. */
export async function runFast(config: SimulationConfig, options: InspectorOptions = {}) {
  const run = await inspectSimulation(config, { speed: 1_000_000, hold: 0, ...options });
  const result = await run.result;
  return { ...run, result };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET with the request target sent exactly as given (e.g. `/../package.json`). */
export function rawGet(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolvePromise({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export interface TestClient {
  ws: WebSocket;
  messages: ServerMessage[];
  /** Resolves with the first message (already received or future) matching `pred`. */
  waitFor<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  waitFor(pred: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  closed: Promise<{ code: number; reason: string }>;
  /** Number of stream events received so far. */
  eventCount(): number;
}

export function connectClient(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  const ws = new WebSocket(url.replace(/^http/, 'ws').replace(/\/$/, '/ws'), { headers });
  const messages: ServerMessage[] = [];
  const waiters: Array<{ pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as ServerMessage;
    messages.push(msg);
    for (const w of [...waiters]) {
      if (w.pred(msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
  );
  const client: TestClient = {
    ws,
    messages,
    closed,
    waitFor(pred: (m: ServerMessage) => boolean, timeoutMs = 10_000) {
      const hit = messages.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise<ServerMessage>((resolvePromise, reject) => {
        const timer = setTimeout(
          () => reject(new Error('timed out waiting for a server message')),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(timer);
            resolvePromise(m);
          },
        });
      });
    },
    eventCount() {
      return messages.reduce((n, m) => (m.type === 'events' ? Math.max(n, m.start + m.events.length) : n), 0);
    },
  } as TestClient;
  return new Promise((resolvePromise, reject) => {
    ws.once('open', () => resolvePromise(client));
    ws.once('error', reject);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function until<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
