import type { AddressInfo } from 'node:net';
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { type ForwardedInspection, inspectSimulation } from '../src/index.js';
import { checkForwardUrl } from '../src/options.js';
import { lifecycle, lostSyn } from './fixtures.js';
import { until } from './helpers.js';

describe('--forward: raw inspection events to a ws:// server', () => {
  it('sends every XState inspection event as JSON, with endpoint and virtual time', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const received: ForwardedInspection[] = [];
    wss.on('connection', (ws) => ws.on('message', (data) => received.push(JSON.parse(data.toString()))));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const { inspector, result } = await inspectSimulation(lifecycle, {
      speed: 1_000_000,
      hold: 0,
      forward: url,
    });
    const r = await result;
    expect(r.ok).toBe(true);
    await inspector.close();
    await until(() => received.some((e) => e.value === 'TIME_WAIT'), 5_000, 'forwarded events');
    const types = new Set(received.map((e) => e.type));
    // All inspection types, not only the snapshots the page gets.
    expect(types).toEqual(
      new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot', '@xstate.microstep', '@xstate.action']),
    );
    expect(inspector.forwarder?.sent).toBe(received.length);
    const clientStates = received
      .filter((e) => e.endpoint === 'client' && e.type === '@xstate.snapshot')
      .map((e) => e.value);
    expect([...new Set(clientStates)]).toEqual([
      'CLOSED',
      'SYN_SENT',
      'ESTABLISHED',
      'FIN_WAIT_1',
      'FIN_WAIT_2',
      'TIME_WAIT',
    ]);
    const synSent = received.find((e) => e.value === 'SYN_SENT')!;
    expect(synSent).toMatchObject({
      actor: '40000-10.0.0.2:80',
      endpoint: 'client',
      t: 0,
      event: 'OPEN_ACTIVE',
    });
    expect(synSent.context).toHaveProperty('sndNxt');
    expect(received.some((e) => e.actor === 'listener:80')).toBe(true);
    // Virtual times never go backwards.
    for (let i = 1; i < received.length; i++) expect(received[i].t).toBeGreaterThanOrEqual(received[i - 1].t);
    await new Promise((r) => wss.close(r));
  });

  it("--forward-format stately: @statelyai/inspect's WebSocket protocol (actor, event, snapshot messages)", async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const received: StatelyInspectionEvent[] = [];
    wss.on('connection', (ws) => ws.on('message', (data) => received.push(JSON.parse(data.toString()))));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const { inspector, result } = await inspectSimulation(lifecycle, {
      speed: 1_000_000,
      hold: 0,
      forward: url,
      forwardFormat: 'stately',
    });
    expect((await result).ok).toBe(true);
    await inspector.close();
    const clientSession = 'client/40000-10.0.0.2:80';
    await until(
      () =>
        received.some(
          (e) =>
            e.type === '@xstate.snapshot' &&
            e.sessionId === clientSession &&
            JSON.stringify((e.snapshot as { value?: unknown }).value).includes('TIME_WAIT'),
        ),
      5_000,
      'stately events',
    );
    // Every message carries the fields Stately's receivers use.
    for (const e of received) {
      expect(typeof e.sessionId).toBe('string');
      expect(typeof e.createdAt).toBe('string');
      expect(typeof e._version).toBe('string');
      expect(['@xstate.actor', '@xstate.event', '@xstate.snapshot']).toContain(e.type);
    }
    // Each actor is announced once, before its events, with the statechart's definition.
    const actors = received.filter((e) => e.type === '@xstate.actor');
    expect(actors.filter((e) => e.sessionId === clientSession)).toHaveLength(1);
    const announce = received.findIndex((e) => e.type === '@xstate.actor' && e.sessionId === clientSession);
    const firstOther = received.findIndex((e) => e.type !== '@xstate.actor' && e.sessionId === clientSession);
    expect(announce).toBeLessThan(firstOther);
    const definition = (actors.find((e) => e.sessionId === clientSession) as { definition?: string })
      .definition;
    // The hierarchical definition, and values the viewer can match against it.
    const states = JSON.parse(definition!).states;
    expect(states.open.states.synchronized.states).toHaveProperty('TIME_WAIT');
    const values = received
      .filter((e) => e.type === '@xstate.snapshot' && e.sessionId === clientSession)
      .map((e) => JSON.stringify((e as { snapshot: { value: unknown } }).snapshot.value));
    expect([...new Set(values)]).toEqual(
      [
        'CLOSED',
        { open: 'SYN_SENT' },
        { open: { synchronized: 'ESTABLISHED' } },
        { open: { synchronized: 'FIN_WAIT_1' } },
        { open: { synchronized: 'FIN_WAIT_2' } },
        { open: { synchronized: 'TIME_WAIT' } },
      ].map((v) => JSON.stringify(v)),
    );
    expect(received.some((e) => e.type === '@xstate.event' && e.sessionId === clientSession)).toBe(true);
    await new Promise((r) => wss.close(r));
  });

  it('warns once and carries on when nobody listens', async () => {
    const warnings: string[] = [];
    const { inspector, result } = await inspectSimulation(lostSyn, {
      speed: 1_000_000,
      hold: 0,
      forward: 'ws://127.0.0.1:9/',
      onWarning: (m) => warnings.push(m),
    });
    expect((await result).ok).toBe(true);
    await inspector.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^--forward ws:\/\/127\.0\.0\.1:9\/: .*no longer forwarded/);
  });

  it('accepts only ws:// and wss:// URLs', () => {
    expect(checkForwardUrl('ws://localhost:8080/x').protocol).toBe('ws:');
    expect(checkForwardUrl('wss://example.com').protocol).toBe('wss:');
    expect(() => checkForwardUrl('http://localhost')).toThrow(/ws:\/\/ or wss:\/\//);
    expect(() => checkForwardUrl('nonsense')).toThrow(/not a URL/);
  });
});
