/**
 * CLOSE in SYN_SENT with queued SENDs (RFC 9293 §3.10.4): the application gets "error: closing"
 * for them, the trace says how many bytes were discarded, and the summary counts as sent only what
 * the connection really sent (zero here) — so an "every byte arrives" check cannot pass vacuously.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { liveWorkerCount, runSimulation, type SimulationConfig } from '../src/index.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

function closeBeforeConnected(): SimulationConfig {
  return {
    seed: 3,
    profile: 'linux',
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
    // The client's first SYN is lost: it is still in SYN_SENT when it sends and closes.
    network: {
      default: { delay: 10 },
      faults: [{ match: { from: 'client', flags: ['SYN'], nth: 1 }, action: { drop: true } }],
    },
    maxTime: 5_000,
  };
}

describe('CLOSE in SYN_SENT with queued data', () => {
  it('reports "connection closing" with the discarded bytes, sends none, and counts none as sent', async () => {
    const result = await runSimulation(closeBeforeConnected());
    const apps = result.trace.filter((e) => e.kind === 'app' && e.endpoint === 'client');
    expect(apps.map((e) => (e as { event: string }).event)).toEqual(['connect', 'send', 'error', 'closed']);
    expect(apps[2]).toMatchObject({ event: 'error', error: 'connection closing', discarded: 700 });
    const dataSent = result.trace.filter(
      (e) => e.kind === 'send' && (e as { seg: { len: number } }).seg.len > 0,
    );
    expect(dataSent).toEqual([]);
    const connections = result.summary.connections as Record<string, unknown[]>;
    expect(connections.client[0]).toMatchObject({ bytesSent: 0, state: 'CLOSED', reason: 'normal' });
  });
});
