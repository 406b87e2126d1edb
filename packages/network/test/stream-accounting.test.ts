/**
 * Every SEND and every byte counted the same way by the application lines, the wire and the
 * summary (issue 19): a SEND the connection refuses (RFC 9293 §3.10.2: after CLOSE, "connection
 * closing") is marked `refused: true` and never counted in bytesSent; queued bytes a CLOSE
 * discards (§3.10.4) are subtracted. For every connection of every run below:
 *   Σ unrefused app sends − Σ discarded = summary bytesSent = payload first sent on the wire
 *   (after a normal close) ≥ the peer's bytesReceived.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  liveWorkerCount,
  type RunResult,
  runSimulation,
  type SimulationConfig,
  type TraceEvent,
} from '../src/index.js';
import { lifecycle, lossyBulk } from './helpers.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

type AppEvent = Extract<TraceEvent, { kind: 'app' }> & {
  conn?: string;
  bytes?: number;
  refused?: boolean;
  discarded?: number;
  error?: string;
};

/** The client sends 100 B, closes, then tries to send 500 B more: refused. */
function sendAfterClose(): SimulationConfig {
  return {
    seed: 5,
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: 80 },
          { at: 50, do: 'send', bytes: 100 },
          { at: 100, do: 'close' },
          { at: 150, do: 'send', bytes: 500 },
        ],
      },
      {
        id: 'server',
        actions: [{ at: 0, do: 'listen', port: 80 }],
        reactions: [{ on: 'peer-closed', do: 'close', after: 5 }],
      },
    ],
  };
}

/** The client's SYN is lost; it queues 700 B and closes in SYN_SENT: the 700 B are discarded. */
function closeInSynSent(): SimulationConfig {
  return {
    seed: 3,
    endpoints: [
      {
        id: 'client',
        actions: [
          { at: 0, do: 'connect', to: 'server', port: 80 },
          { at: 100, do: 'send', bytes: 700 },
          { at: 200, do: 'close' },
        ],
      },
      { id: 'server', actions: [{ at: 0, do: 'listen', port: 80 }] },
    ],
    network: { faults: [{ match: { from: 'client', flags: ['SYN'], nth: 1 }, action: { drop: true } }] },
    maxTime: 5_000,
  };
}

function apps(result: RunResult, endpoint: string, conn: string): AppEvent[] {
  return result.trace.filter(
    (e): e is AppEvent => e.kind === 'app' && e.endpoint === endpoint && (e as AppEvent).conn === conn,
  );
}

/** Payload bytes a connection put on the wire for the first time (retransmissions excluded). */
function firstSentPayload(result: RunResult, endpoint: string, conn: string): number {
  return result.trace
    .filter((e) => e.kind === 'send' && e.endpoint === endpoint && (e as { conn?: string }).conn === conn)
    .filter((e) => !(e as { retransmit?: boolean }).retransmit)
    .reduce((sum, e) => sum + (e as { seg: { len: number } }).seg.len, 0);
}

function expectConsistent(result: RunResult): void {
  const connections = result.summary.connections as Record<
    string,
    Array<{ conn: string; bytesSent: number; bytesReceived: number; state: string }>
  >;
  for (const [endpoint, list] of Object.entries(connections)) {
    for (const c of list) {
      const lines = apps(result, endpoint, c.conn);
      const accepted = lines
        .filter((e) => e.event === 'send' && !e.refused)
        .reduce((sum, e) => sum + (e.bytes ?? 0), 0);
      const discarded = lines
        .filter((e) => e.event === 'error')
        .reduce((sum, e) => sum + (e.discarded ?? 0), 0);
      expect(accepted - discarded, `${endpoint} ${c.conn}: app sends vs bytesSent`).toBe(c.bytesSent);
      if (c.state === 'CLOSED' || c.state === 'TIME_WAIT') {
        expect(firstSentPayload(result, endpoint, c.conn), `${endpoint} ${c.conn}: wire vs bytesSent`).toBe(
          c.bytesSent,
        );
      }
    }
  }
}

describe('stream accounting: app lines, wire and summary agree', () => {
  it('a refused SEND is marked refused, answered "connection closing", and counted nowhere', async () => {
    const result = await runSimulation(sendAfterClose(), { threads: 'inline' });
    expect(result.ok).toBe(true);
    const conn = (result.summary.connections as Record<string, Array<{ conn: string }>>).client[0].conn;
    const sends = apps(result, 'client', conn).filter((e) => e.event === 'send' || e.event === 'error');
    expect(sends.map(({ event, bytes, refused, error }) => ({ event, bytes, refused, error }))).toEqual([
      { event: 'send', bytes: 100, refused: undefined, error: undefined },
      { event: 'send', bytes: 500, refused: true, error: undefined },
      { event: 'error', bytes: undefined, refused: undefined, error: 'connection closing' },
    ]);
    const client = (result.summary.connections as Record<string, Array<{ bytesSent: number }>>).client[0];
    const server = (result.summary.connections as Record<string, Array<{ bytesReceived: number }>>).server[0];
    expect(client.bytesSent).toBe(100);
    expect(server.bytesReceived).toBe(100);
    expect(firstSentPayload(result, 'client', conn)).toBe(100);
    expectConsistent(result);
  });

  it.each([
    ['send after close', sendAfterClose()],
    ['close in SYN_SENT discards queued data', closeInSynSent()],
    ['lifecycle', lifecycle('linux')],
    ['lifecycle, rfc9293', lifecycle('rfc9293', { clientBytes: 5000, serverBytes: 300 })],
    ['lossy bulk transfer', lossyBulk(11)],
  ])('%s: Σ unrefused sends − discarded = bytesSent = first-sent payload', async (_name, config) => {
    expectConsistent(await runSimulation(config, { threads: 'inline' }));
  });
});
