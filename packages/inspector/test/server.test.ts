import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveWorkerCount } from '@synack/network';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  type ControlMessage,
  type EventsMessage,
  type HelloMessage,
  type Inspector,
  inspectSimulation,
  PROTOCOL_VERSION,
  parseClientMessage,
  type ServerMessage,
  startInspector,
} from '../src/index.js';
import { isLoopback, MAX_CLIENT_MESSAGE_BYTES } from '../src/options.js';
import { lifecycle, lostSyn } from './fixtures.js';
import { connectClient, PACKAGE_DIR, rawGet, runFast, sleep, until } from './helpers.js';

const open: Inspector[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((i) => i.close()));
});

async function idle() {
  const inspector = await startInspector({ config: lifecycle, scenario: { name: 'lifecycle' } });
  open.push(inspector);
  return inspector;
}

const isHello = (m: ServerMessage): m is HelloMessage => m.type === 'hello';
const isControl = (m: ServerMessage): m is ControlMessage => m.type === 'control';

describe('HTTP: static files from a fixed allow-list', () => {
  it('binds 127.0.0.1 on a free port by default and serves the page', async () => {
    const inspector = await idle();
    expect(inspector.host).toBe('127.0.0.1');
    expect(inspector.port).toBeGreaterThan(0);
    expect(inspector.url).toBe(`http://127.0.0.1:${inspector.port}/`);
    const index = await rawGet(inspector.port, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toBe(readFileSync(join(PACKAGE_DIR, 'public/index.html'), 'utf8'));
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    for (const [path, type] of [
      ['/app.js', 'text/javascript; charset=utf-8'],
      ['/model.js', 'text/javascript; charset=utf-8'],
      ['/statechart.js', 'text/javascript; charset=utf-8'],
      ['/ladder.js', 'text/javascript; charset=utf-8'],
      ['/cwnd-plot.js', 'text/javascript; charset=utf-8'],
      ['/style.css', 'text/css; charset=utf-8'],
      ['/index.html?x=1', 'text/html; charset=utf-8'],
    ]) {
      const r = await rawGet(inspector.port, path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type'], path).toBe(type);
    }
    const layout = await rawGet(inspector.port, '/statechart.json');
    expect(JSON.parse(layout.body)).toEqual(inspector.statechart);
  });

  it('answers 404 to path traversal and anything not on the list', async () => {
    const inspector = await idle();
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2E%2E/%2E%2E/package.json',
      '/public/../../package.json',
      '/public/index.html',
      '/..%2f..%2fpackage.json',
      '/..\\..\\package.json',
      '//etc/passwd',
      '/app.js/../../package.json',
      '/index.html%00.js',
      '/./app.js',
      '/APP.JS',
      '/model.d.ts',
      '/src/server.ts',
      '/node_modules/ws/package.json',
      '/ws',
      '*',
    ]) {
      const r = await rawGet(inspector.port, path);
      expect(r.status, path).toBe(path === '/ws' ? 404 : 404);
      expect(r.body, path).not.toContain('"name"');
    }
  });

  it('rejects other methods and foreign Host headers (DNS rebinding)', async () => {
    const inspector = await idle();
    const post = await rawGet(inspector.port, '/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await rawGet(inspector.port, '/app.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const evil = await rawGet(inspector.port, '/', { headers: { host: `evil.example:${inspector.port}` } });
    expect(evil.status).toBe(421);
    const local = await rawGet(inspector.port, '/', { headers: { host: `localhost:${inspector.port}` } });
    expect(local.status).toBe(200);
  });

  it('knows which hosts are loopback', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '192.168.1.2', '::', 'example.com'].some(isLoopback)).toBe(false);
  });
});

describe('WebSocket protocol', () => {
  it('says hello with the statechart, then replays every recorded event to late pages', async () => {
    const { inspector, result } = await runFast(lifecycle, {
      scenario: { name: 'lifecycle', description: 'd' },
    });
    open.push(inspector);
    expect(result.ok).toBe(true);
    const client = await connectClient(inspector.url);
    const hello = await client.waitFor(isHello);
    expect(hello.protocol).toBe(PROTOCOL_VERSION);
    expect(hello.scenario).toEqual({ name: 'lifecycle', description: 'd' });
    expect(hello.endpoints.map((e) => [e.id, e.address, e.timeWait])).toEqual([
      ['client', '10.0.0.1', 60_000],
      ['server', '10.0.0.2', 60_000],
    ]);
    expect(hello.statechart).toEqual(inspector.statechart);
    expect(hello.statechart.nodes.some((n) => n.state === 'TIME_WAIT')).toBe(true);
    expect(hello.control).toMatchObject({ done: true, running: false, ok: true });
    await until(() => client.eventCount() === inspector.events.length, 5_000, 'replay');
    const replay = client.messages
      .filter((m): m is EventsMessage => m.type === 'events')
      .flatMap((m) => m.events);
    expect(replay).toEqual(JSON.parse(JSON.stringify(inspector.events)));
    expect(replay.at(-1)?.kind).toBe('summary');
    expect(replay.some((e) => e.kind === 'inspect' && e.inspection.value === 'TIME_WAIT')).toBe(true);
    // The recorded trace is also served as JSON Lines.
    const jsonl = await rawGet(inspector.port, '/trace.jsonl');
    const lines = jsonl.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(JSON.parse(JSON.stringify(inspector.events.filter((e) => e.kind !== 'inspect'))));
    client.ws.close();
  });

  it('refuses cross-origin pages and unknown paths', async () => {
    const inspector = await idle();
    await expect(connectClient(inspector.url, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(
      connectClient(inspector.url, { origin: `http://127.0.0.1:${inspector.port}` }),
    ).resolves.toBeTruthy();
    const wrongPath = new WebSocket(`ws://127.0.0.1:${inspector.port}/other`);
    await expect(new Promise((_, reject) => wrongPath.on('error', reject))).rejects.toThrow(/404/);
  });

  it('answers malformed messages with an error and keeps the run going; closes after too many', async () => {
    const { inspector, result } = await inspectSimulation(lostSyn, {
      speed: 20,
      hold: 0,
      maxClientErrors: 5,
    });
    open.push(inspector);
    const client = await connectClient(inspector.url);
    await client.waitFor(isHello);
    const bad = ['not json', '[1,2]', 'null', '{"type":"explode"}', '{"type":"speed","speed":-1}'];
    for (const text of bad.slice(0, 4)) client.ws.send(text);
    const errors = () => client.messages.filter((m) => m.type === 'error');
    await until(() => errors().length === 4, 5_000, 'error replies');
    expect(errors().map((e) => (e as { message: string }).message)).toEqual([
      'malformed message: not JSON',
      'malformed message: expected a JSON object',
      'malformed message: expected a JSON object',
      expect.stringContaining('unknown message type "explode"'),
    ]);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    client.ws.send(bad[4]);
    expect(await client.closed).toMatchObject({ code: 1008 });
    const r = await result;
    expect(r.ok).toBe(true);
    expect(inspector.control()).toMatchObject({ done: true, ok: true });
  });

  it(`closes a page that sends more than ${MAX_CLIENT_MESSAGE_BYTES / 1024} KiB (1009) without disturbing the run or the others`, async () => {
    const { inspector, result } = await inspectSimulation(lostSyn, { speed: 20, hold: 0 });
    open.push(inspector);
    const rude = await connectClient(inspector.url);
    const polite = await connectClient(inspector.url);
    await rude.waitFor(isHello);
    rude.ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES) }));
    expect((await rude.closed).code).toBe(1009);
    rude.ws.terminate();
    // A binary frame is refused with an error reply.
    polite.ws.send(Buffer.from([1, 2, 3]));
    await polite.waitFor((m) => m.type === 'error' && m.message.includes('binary'));
    expect((await result).ok).toBe(true);
    await until(() => polite.eventCount() === inspector.events.length, 5_000, 'all events');
    polite.ws.send(JSON.stringify({ type: 'ping' }));
    await polite.waitFor((m) => m.type === 'control' && m.control.done);
    polite.ws.close();
  });

  it('parses client messages strictly', () => {
    expect(parseClientMessage('{"type":"step"}')).toEqual({ type: 'step' });
    expect(parseClientMessage('{"type":"speed","speed":50}')).toEqual({ type: 'speed', speed: 50 });
    expect(parseClientMessage('{"type":"speed","speed":"fast"}')).toHaveProperty('error');
    expect(parseClientMessage('{"type":"hold","hold":1e9}')).toHaveProperty('error');
    expect(parseClientMessage('{"type":"hold","hold":0}')).toEqual({ type: 'hold', hold: 0 });
  });
});

describe('controls over the WebSocket', () => {
  it('pause holds the run, step runs exactly one instant, resume finishes it', async () => {
    const { inspector, result } = await inspectSimulation(lifecycle, {
      speed: 1_000_000,
      hold: 0,
      paused: true,
    });
    open.push(inspector);
    const client = await connectClient(inspector.url);
    await client.waitFor(isHello);
    await sleep(300);
    expect(inspector.events).toHaveLength(0);
    expect(inspector.control()).toMatchObject({ paused: true, t: -1 });
    const instants = () => new Set(inspector.events.map((e) => e.t)).size;
    for (const expected of [1, 2, 3]) {
      client.ws.send(JSON.stringify({ type: 'step' }));
      await until(() => inspector.pacer.t >= 0 && instants() === expected, 5_000, `instant ${expected}`);
      await sleep(150);
      expect(instants()).toBe(expected);
    }
    expect(inspector.pacer.t).toBe(20);
    client.ws.send(JSON.stringify({ type: 'speed', speed: 500 }));
    await client.waitFor((m) => isControl(m) && m.control.speed === 500);
    client.ws.send(JSON.stringify({ type: 'resume' }));
    await client.waitFor((m) => isControl(m) && !m.control.paused);
    client.ws.send(JSON.stringify({ type: 'pause' }));
    await client.waitFor((m) => isControl(m) && m.control.paused && m.control.t > 10);
    // The instant already released finishes; then nothing more happens while paused.
    await sleep(150);
    const frozen = inspector.events.length;
    await sleep(400);
    expect(inspector.events.length).toBe(frozen);
    client.ws.send(JSON.stringify({ type: 'speed', speed: 1_000_000 }));
    client.ws.send(JSON.stringify({ type: 'resume' }));
    const r = await result;
    expect(r.ok).toBe(true);
    await client.waitFor((m) => isControl(m) && m.control.done);
    client.ws.close();
  });

  it('closing the inspector mid-run ends the run cleanly (no workers left)', async () => {
    const { inspector, result } = await inspectSimulation(lifecycle, { speed: 1, hold: 0 });
    open.push(inspector);
    await until(() => inspector.events.length > 5, 5_000, 'the run to start');
    const client = await connectClient(inspector.url);
    await inspector.close();
    expect((await client.closed).code).toBe(1001);
    const r = await result;
    expect(r.ok).toBe(false);
    expect(r.error).toBe('inspector closed');
    expect(liveWorkerCount()).toBe(0);
    await expect(rawGet(inspector.port, '/')).rejects.toThrow();
  });
});
