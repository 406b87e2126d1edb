import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  liveWorkerCount,
  runSimulation,
  type SerializedInspection,
  type TraceEvent,
  toJsonLines,
} from '../src/index.js';
import { lifecycle, sendsWithFlags, stateEvents } from './helpers.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

interface Seen {
  endpoint: string;
  t: number;
  event: SerializedInspection;
}

interface Observed {
  ok: boolean;
  error?: string;
  trace: TraceEvent[];
  seen: Seen[];
  inlineSeen: Seen[];
  plainTrace: TraceEvent[];
}

const DIST = new URL('../dist/index.js', import.meta.url).href;

/**
 * Runs the inspected lifecycle in a plain `node` child process, on the build (like the worker
 * threads always do). Vitest runs with `--conditions development`, which worker threads inherit,
 * and XState's development build throws when the endpoint reads the snapshot of an actor that is
 * still being constructed (see the it.fails at the end); a plain Node process loads the
 * production build, as applications normally do.
 */
function observeInPlainNode(): Observed {
  const config = JSON.stringify({ ...lifecycle('linux'), inspect: true });
  const script = `
    const { runSimulation } = await import(${JSON.stringify(DIST)});
    const config = ${config};
    const collect = async (threads) => {
      const seen = [];
      const result = await runSimulation(config, { threads, onInspect: (endpoint, event, t) => seen.push({ endpoint, t, event }) });
      return { result, seen };
    };
    const worker = await collect('worker');
    const inline = await collect('inline');
    const plain = await runSimulation({ ...config, inspect: false });
    process.stdout.write(JSON.stringify({
      ok: worker.result.ok, error: worker.result.error, trace: worker.result.trace, seen: worker.seen,
      inlineSeen: inline.seen, plainTrace: plain.trace,
    }));
  `;
  // A file rather than `node -e`: worker threads inherit execArgv, and `--input-type` is refused there.
  const dir = mkdtempSync(join(tmpdir(), 'synack-inspect-'));
  try {
    const file = join(dir, 'observe.mjs');
    writeFileSync(file, script);
    const out = execFileSync(process.execPath, [file], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    return JSON.parse(out) as Observed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('XState inspection events (config.inspect + options.onInspect)', () => {
  let observed: Observed;
  let result: { ok: boolean; error?: string; trace: TraceEvent[] };
  let seen: Seen[];

  beforeAll(() => {
    observed = observeInPlainNode();
    result = observed;
    seen = observed.seen;
  });

  it('arrive from both endpoints, in virtual-time order, tagged with connection ids', () => {
    expect(result.ok).toBe(true);
    expect(new Set(seen.map((s) => s.endpoint))).toEqual(new Set(['client', 'server']));
    const times = seen.map((s) => s.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Every actor id is a connection id that the trace's state lines use on that endpoint (the
    // listening socket's too: its LISTEN is traced as conn "listener:80").
    const connsOf = (endpoint: string) => new Set(stateEvents(result.trace, endpoint).map((e) => e.conn));
    for (const endpoint of ['client', 'server']) {
      const conns = connsOf(endpoint);
      const actors = new Set(
        seen
          .filter((s) => s.endpoint === endpoint && s.event.type !== '@xstate.actor')
          .map((s) => s.event.actor),
      );
      expect(actors).toEqual(conns);
    }
    // The server's listening socket is an actor too; the connections it accepts live in its tree
    // (listener → connection group → connection).
    expect(seen.some((s) => s.endpoint === 'server' && s.event.actor === 'listener:80')).toBe(true);
    expect(seen.some((s) => s.endpoint === 'client' && s.event.actor.startsWith('listener:'))).toBe(false);
    expect(new Set(seen.map((s) => s.event.type))).toEqual(
      new Set(['@xstate.actor', '@xstate.event', '@xstate.action', '@xstate.snapshot', '@xstate.microstep']),
    );
  });

  it("'@xstate.snapshot' events carry the state value and a context with sndUna / sndNxt / rcvNxt", () => {
    const listenerSnapshots = seen.filter(
      (s) => s.event.type === '@xstate.snapshot' && s.event.actor === 'listener:80',
    );
    expect(listenerSnapshots.length).toBeGreaterThan(0);
    for (const { event } of listenerSnapshots) {
      expect(event.value).toBe('LISTEN');
      expect(event.context).toEqual({ port: 80, backlog: 128 });
    }
    const snapshots = seen.filter(
      (s) => s.event.type === '@xstate.snapshot' && !s.event.actor.startsWith('listener:'),
    );
    expect(snapshots.length).toBeGreaterThan(0);
    for (const { event } of snapshots) {
      expect(typeof event.value).toBe('string');
      expect(typeof event.event).toBe('string');
      for (const field of [
        'iss',
        'irs',
        'sndUna',
        'sndNxt',
        'rcvNxt',
        'sndWnd',
        'rcvWnd',
        'rto',
        'unacked',
        'queued',
      ]) {
        expect(typeof event.context?.[field], field).toBe('number');
      }
    }
    const values = (endpoint: string) =>
      new Set(snapshots.filter((s) => s.endpoint === endpoint).map((s) => s.event.value));
    for (const state of ['SYN_SENT', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'TIME_WAIT', 'CLOSED']) {
      expect(values('client').has(state), state).toBe(true);
    }
    for (const state of ['LISTEN', 'SYN_RECEIVED', 'ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSED']) {
      expect(values('server').has(state), state).toBe(true);
    }
  });

  it('snapshot contexts agree with the sequence numbers on the wire', () => {
    const [syn] = sendsWithFlags(result.trace, 'client', ['SYN']);
    const [synAck] = sendsWithFlags(result.trace, 'server', ['SYN', 'ACK']);
    const firstIn = (endpoint: string, value: string) =>
      seen.find(
        (s) => s.endpoint === endpoint && s.event.type === '@xstate.snapshot' && s.event.value === value,
      )!;
    const synSent = firstIn('client', 'SYN_SENT');
    expect(synSent.t).toBe(syn.t);
    expect(synSent.event.event).toBe('OPEN_ACTIVE');
    expect(synSent.event.context).toMatchObject({
      iss: syn.seg.seq,
      sndUna: syn.seg.seq,
      sndNxt: syn.seg.seq + 1,
    });
    const established = firstIn('client', 'ESTABLISHED');
    expect(established.event.event).toBe('SEGMENT_ARRIVES');
    expect(established.event.context).toMatchObject({
      sndUna: syn.seg.seq + 1,
      irs: synAck.seg.seq,
      rcvNxt: synAck.seg.seq + 1,
    });
    const timeWait = firstIn('client', 'TIME_WAIT');
    expect(timeWait.t).toBe(stateEvents(result.trace, 'client').find((e) => e.to === 'TIME_WAIT')!.t);
  });

  it('does not change the trace, and worker and inline runs report the same events', () => {
    expect(toJsonLines(result.trace)).toBe(toJsonLines(observed.plainTrace));
    expect(observed.inlineSeen).toEqual(seen);
  });

  it('without config.inspect, onInspect is never called', async () => {
    let calls = 0;
    const plain = await runSimulation(lifecycle('linux'), {
      onInspect: () => {
        calls++;
      },
    });
    expect(plain.ok).toBe(true);
    expect(calls).toBe(0);
  });

  // BUG (src/endpoint.ts, EndpointRuntime.onInspect): the actor id is read from
  // actorRef.getSnapshot().context.id, which does not exist yet when XState emits '@xstate.actor'
  // (from the Actor constructor), so those events carry actor "?". Flip to `it` once fixed.
  it("'@xstate.actor' events carry the connection id too", () => {
    const actorEvents = seen.filter((s) => s.event.type === '@xstate.actor');
    expect(actorEvents.length).toBeGreaterThan(0);
    for (const { event } of actorEvents) expect(event.actor).not.toBe('?');
  });
});

// BUG (same root cause, src/endpoint.ts EndpointRuntime.onInspect): under XState's development
// build (what vitest, Vite and `node --conditions=development` load) getSnapshot() on an actor that
// is still being constructed throws "Snapshot can't be read while the actor initializes itself",
// so every run with inspect: true fails. Flip to `it` once fixed.
describe('inspection under the development build of XState (this vitest process)', () => {
  it.for(['worker', 'inline'] as const)(
    '%s: a run with inspect: true succeeds and reports events',
    async (threads) => {
      let events = 0;
      const run = await runSimulation(
        { ...lifecycle('linux'), inspect: true },
        {
          threads,
          onInspect: () => {
            events++;
          },
        },
      );
      expect(run.error).toBeUndefined();
      expect(run.ok).toBe(true);
      expect(events).toBeGreaterThan(0);
    },
  );
});
