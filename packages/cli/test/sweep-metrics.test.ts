/**
 * Issue 22 item 1: per-run and per-connection teardown metrics (src/sweep/connections.ts) from
 * hand-written traces, and from a real lifecycle run whose numbers must agree with each other.
 */
import type { TraceEvent } from '@synack/network';
import { runSimulation } from '@synack/network';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/run.js';
import { findScenario } from '../src/scenarios.js';
import { criterionFor, RunCollector } from '../src/sweep/metrics.js';
import { connectionsCsv, parseCsv } from '../src/sweep/summary.js';

const C = 'c1';
const S = 's1';

function state(t: number, endpoint: string, conn: string, from: string, to: string): TraceEvent {
  return { t, kind: 'state', endpoint, conn, from, to };
}

function closed(t: number, endpoint: string, conn: string, reason: string): TraceEvent {
  return { t, kind: 'app', endpoint, conn, event: 'closed', reason };
}

/** A client/server lifecycle: handshake 0–20, client FIN at 100, server CLOSED at 130, client TIME_WAIT at 120. */
function lifecycle(clientEnd: TraceEvent[], serverEnd: TraceEvent[]): TraceEvent[] {
  const syn: TraceEvent = {
    t: 0,
    kind: 'send',
    endpoint: 'client',
    from: 'client',
    to: 'server',
    id: 1,
    seg: { flags: 'SYN', seq: 0, ack: 0, len: 0, win: 65535 } as never,
  };
  return [
    syn,
    state(0, 'client', C, 'CLOSED', 'SYN_SENT'),
    state(0, 'server', S, 'CLOSED', 'LISTEN'),
    state(10, 'server', S, 'LISTEN', 'SYN_RECEIVED'),
    state(20, 'client', C, 'SYN_SENT', 'ESTABLISHED'),
    state(30, 'server', S, 'SYN_RECEIVED', 'ESTABLISHED'),
    state(100, 'client', C, 'ESTABLISHED', 'FIN_WAIT_1'),
    state(110, 'server', S, 'ESTABLISHED', 'CLOSE_WAIT'),
    state(111, 'server', S, 'CLOSE_WAIT', 'LAST_ACK'),
    state(120, 'client', C, 'FIN_WAIT_1', 'TIME_WAIT'),
    ...serverEnd,
    ...clientEnd,
  ];
}

function summary(t: number, client: string, server: string, ok = true): TraceEvent {
  return {
    t,
    kind: 'summary',
    endpoint: '*',
    ok,
    final: { client: [client], server: [server] },
    stats: { endTime: t },
    connections: {
      client: [{ conn: C, state: client, bytesSent: 500, bytesReceived: 0, integrityErrors: 0 }],
      server: [{ conn: S, state: server, bytesSent: 0, bytesReceived: 500, integrityErrors: 0 }],
    },
  };
}

function collect(events: TraceEvent[]) {
  const collector = new RunCollector('outcome', { final: { client: ['CLOSED'], server: ['CLOSED'] } });
  for (const e of events) collector.onEvent(e);
  return collector.finish();
}

describe('teardown metrics', () => {
  it('a clean close: teardown to TIME_WAIT, TIME_WAIT time, lifecycle with and without it', () => {
    const m = collect([
      ...lifecycle(
        [state(60120, 'client', C, 'TIME_WAIT', 'CLOSED'), closed(60120, 'client', C, 'normal')],
        [state(130, 'server', S, 'LAST_ACK', 'CLOSED'), closed(130, 'server', S, 'normal')],
      ),
      summary(60120, 'CLOSED', 'CLOSED'),
    ]);
    expect(m.completed).toBe(true);
    expect(m.teardown).toEqual({
      teardownMs: 30, // first FIN 100 → server CLOSED at 130 (client was in TIME_WAIT at 120)
      timeWaitMs: 60000,
      closeReasons: 'client:normal|server:normal',
      clean: true,
      hanging: '',
    });
    expect(m.lifecycleMs).toBe(60120);
    expect(m.lifecycleNoTimeWaitMs).toBe(130);
    expect(m.transfer.bytesSent).toBe(500);
    expect(m.connections.map((c) => [c.endpoint, c.handshakeMs, c.teardownMs, c.timeWaitMs])).toEqual([
      ['client', 20, 20, 60000],
      ['server', 20, 20, null], // CLOSE_WAIT at 110 → CLOSED at 130
    ]);
  });

  it('a TIME_WAIT killed by an RST still completes (all CLOSED) but is not clean', () => {
    const m = collect([
      ...lifecycle(
        [state(5000, 'client', C, 'TIME_WAIT', 'CLOSED'), closed(5000, 'client', C, 'reset')],
        [state(130, 'server', S, 'LAST_ACK', 'CLOSED'), closed(130, 'server', S, 'normal')],
      ),
      summary(5000, 'CLOSED', 'CLOSED'),
    ]);
    expect(m.completed).toBe(true);
    expect(m.teardown.clean).toBe(false);
    expect(m.teardown.closeReasons).toBe('client:reset-in-time-wait|server:normal');
    expect(m.teardown.timeWaitMs).toBe(4880);
  });

  it('a state left hanging: no teardown time, no lifecycle, named in hanging', () => {
    const m = collect([
      ...lifecycle([], [closed(130, 'server', S, 'timeout'), state(130, 'server', S, 'LAST_ACK', 'CLOSED')]),
      summary(9000, 'TIME_WAIT', 'CLOSED', false),
    ]);
    expect(m.teardown.teardownMs).toBe(30);
    expect(m.teardown.timeWaitMs).toBe(9000 - 120); // still waiting when the run ended
    const hanging = collect([...lifecycle([], []), summary(9000, 'TIME_WAIT', 'LAST_ACK', false)]);
    expect(hanging.teardown.hanging).toBe('server:LAST_ACK');
    expect(hanging.teardown.teardownMs).toBeNull();
    expect(hanging.lifecycleNoTimeWaitMs).toBeNull();
    expect(hanging.teardown.closeReasons).toBe('client:time-wait|server:open');
    expect(hanging.teardown.clean).toBe(false);
  });

  it('connections.csv has one row per opened connection (the bare listener is not one)', () => {
    const m = collect([...lifecycle([], []), summary(9000, 'TIME_WAIT', 'LAST_ACK', false)]);
    const row = { ...m, jobId: 0, point: 0, run: 0, seed: 7 } as unknown as Parameters<
      typeof connectionsCsv
    >[0][0];
    const parsed = parseCsv(connectionsCsv([row]));
    expect(parsed.map((r) => [r.endpoint, r.final_state, r.close])).toEqual([
      ['client', 'TIME_WAIT', 'time-wait'],
      ['server', 'LAST_ACK', 'open'],
    ]);
  });
});

describe('teardown metrics of a real run', () => {
  it('lifecycle (linux): without TIME_WAIT the lifecycle is about 60 s shorter', async () => {
    const scenario = findScenario('lifecycle')!;
    const collector = new RunCollector(criterionFor(scenario), scenario.expect);
    const config = { ...buildConfig(scenario, { seed: 1, profile: 'linux' }), engine: 'table' as const };
    await runSimulation(config, { collectTrace: false, onTrace: collector.onEvent });
    const m = collector.finish();
    expect(m.completed).toBe(true);
    expect(m.teardown.clean).toBe(true);
    expect(m.teardown.timeWaitMs).toBe(60000); // Linux TCP_TIMEWAIT_LEN
    // The client's TIME_WAIT starts before the server's last ACK arrives: the difference is the
    // 2MSL wait less the time from the client's TIME_WAIT to the server's CLOSED.
    const saved = m.lifecycleMs! - m.lifecycleNoTimeWaitMs!;
    expect(saved).toBeLessThanOrEqual(60000);
    expect(saved).toBeGreaterThan(60000 - m.teardown.teardownMs!);
    expect(m.teardown.teardownMs).toBeGreaterThan(0);
    expect(m.teardown.teardownMs).toBeLessThan(m.lifecycleNoTimeWaitMs!);
  });
});
