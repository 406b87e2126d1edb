/**
 * `synack inspect` and `synack run --inspect` as a user runs them: a separate
 * process, its stdout/stderr, HTTP against the printed URL, signals.
 * (The page itself is tested in headless Chromium in packages/inspector.)
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertBuilt, BIN, describeResult, REPO, synack, userEnv } from './helpers.js';

const URL_LINE = /^inspector: (http:\/\/127\.0\.0\.1:(\d+)\/)$/m;
const FAST = ['--speed', '1000000', '--hold', '0'];

interface Live {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  url: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `synack …args` and resolves `url` as soon as the inspector line appears. */
function start(args: string[]): Live {
  assertBuilt();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: userEnv(), stdio: 'pipe' });
  children.push(child);
  let out = '';
  let err = '';
  let resolveUrl!: (url: string) => void;
  const url = new Promise<string>((r) => {
    resolveUrl = r;
  });
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const m = URL_LINE.exec(out);
    if (m) resolveUrl(m[1]);
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, url, exit };
}

function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('synack inspect', () => {
  it('prints the URL, runs the scenario, and with --exit-when-done exits with the run’s code', async () => {
    const r = await synack(['inspect', 'lifecycle', ...FAST, '--exit-when-done'], { timeoutMs: 30_000 });
    expect(r.code, describeResult(r)).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(URL_LINE);
    expect(lines[1]).toMatch(
      /^run completed at 60\.520 s virtual; final states: client: CLOSED; server: CLOSED; expectations (\d+)\/\1 passed$/,
    );
    expect(r.stderr).not.toMatch(/error|warning/i);
  });

  it('serves the page and the trace, refuses traversal, and exits 0 on SIGTERM after the run', async () => {
    const live = start(['inspect', 'lost-syn', ...FAST]);
    const url = await live.url;
    const trace = await until(
      async () => {
        const r = await rawGet(url, '/trace.jsonl');
        return r.body.includes('"kind":"summary"') && r.body;
      },
      20_000,
      'the run to finish',
    );
    const events = trace
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.kind === 'drop')).toHaveLength(1);
    expect((await rawGet(url, '/')).status).toBe(200);
    expect((await rawGet(url, '/app.js')).status).toBe(200);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/public/../../package.json']) {
      expect((await rawGet(url, path)).status, path).toBe(404);
    }
    await until(async () => live.stderr().includes('still serving'), 5_000, 'the "still serving" note');
    live.child.kill('SIGTERM');
    expect(await live.exit).toEqual({ code: 0, signal: null });
    expect(live.stdout()).toContain('run completed at 1.030 s virtual');
    await expect(rawGet(url, '/')).rejects.toThrow();
  });

  it('Ctrl-C in the middle of a slow run closes the server and exits 0', async () => {
    const live = start(['inspect', 'lifecycle', '--speed', '1']);
    const url = await live.url;
    await until(
      async () => (await rawGet(url, '/trace.jsonl')).body.includes('"kind":"state"'),
      10_000,
      'first events',
    );
    live.child.kill('SIGINT');
    // No wall-clock bound: the test timeout turns a hang into a failure, a busy machine is just slower.
    expect(await live.exit).toEqual({ code: 0, signal: null });
  });

  it('binds elsewhere only when told, with a warning', async () => {
    const r = await synack(['inspect', 'handshake', ...FAST, '--host', '0.0.0.0', '--exit-when-done']);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stdout).toMatch(/^inspector: http:\/\/0\.0\.0\.0:\d+\/$/m);
    expect(r.stderr).toMatch(/warning: the inspector listens on 0\.0\.0\.0, reachable from other machines/);
  });

  it('listens on the port it is given, and says so when that port is taken', async () => {
    const port = await freePort();
    const r = await synack(['inspect', 'handshake', ...FAST, '--port', String(port), '--exit-when-done']);
    expect(r.stdout).toContain(`inspector: http://127.0.0.1:${port}/`);
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const busy = await synack(['inspect', 'handshake', '--port', String(port), '--exit-when-done']);
      expect(busy.code, describeResult(busy)).toBe(2);
      expect(busy.stderr).toContain(`--port ${port}: address already in use`);
    } finally {
      blocker.close();
    }
  });

  it('takes the scenario flags of synack run; a failing run exits 1 with --exit-when-done', async () => {
    const r = await synack([
      'inspect',
      'handshake',
      ...FAST,
      '--loss',
      '1',
      '--seed',
      '3',
      '--exit-when-done',
    ]);
    expect(r.code, describeResult(r)).toBe(1);
    expect(r.stdout).toMatch(
      /final states: client: CLOSED; server: \(no connection\); expectations \d+\/\d+ passed/,
    );
    expect(r.stdout).toMatch(/^ {2}✗ /m);
  });

  it('warns when the --forward server is unreachable, and still runs', async () => {
    const r = await synack([
      'inspect',
      'handshake',
      ...FAST,
      '--forward',
      'ws://127.0.0.1:9/',
      '--exit-when-done',
    ]);
    expect(r.code, describeResult(r)).toBe(0);
    expect(r.stderr).toMatch(/warning: --forward ws:\/\/127\.0\.0\.1:9\/: .*no longer forwarded/);
  });

  it.concurrent.each([
    [['inspect', '--port', '70000'], /--port <n>' argument '70000' is invalid/],
    [['inspect', '--speed', '0'], /--speed <factor>' argument '0' is invalid/],
    [['inspect', '--forward', 'http://localhost:1'], /expected a ws:\/\/ or wss:\/\/ URL/],
    [['inspect', 'no-such-scenario'], /unknown scenario "no-such-scenario"/],
    [['inspect', '--loss', '2'], /--loss <p>' argument '2' is invalid/],
  ])('usage error: synack %j', async (args, message) => {
    const r = await synack(args);
    expect(r.code, describeResult(r)).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('synack run --inspect', () => {
  it('serves the inspector, prints the usual ladder, and serves on until SIGTERM', async () => {
    const live = start(['run', 'lost-syn', '--inspect', '--realtime', '1000000', '--no-color']);
    await live.url;
    expect(live.stdout().split('\n')[0]).toMatch(URL_LINE);
    await until(async () => live.stderr().includes('still serving'), 20_000, 'the end of the run');
    expect(live.stdout()).toContain('synack run lost-syn');
    expect(live.stdout()).toContain('✓');
    live.child.kill('SIGTERM');
    expect(await live.exit).toEqual({ code: 0, signal: null });
  });

  it('keeps stdout machine-readable with --format jsonl (the URL goes to stderr)', async () => {
    const live = start(['run', 'lost-syn', '--inspect', '--realtime', '1000000', '--format', 'jsonl']);
    await until(async () => live.stderr().includes('still serving'), 20_000, 'the end of the run');
    expect(live.stderr()).toMatch(URL_LINE);
    live.child.kill('SIGINT');
    expect(await live.exit).toEqual({ code: 0, signal: null });
    const events = live
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.at(-1).kind).toBe('summary');
  });
});
