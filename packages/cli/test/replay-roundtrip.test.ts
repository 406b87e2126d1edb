/**
 * Round trip: `synack run SCENARIO --pcap` then `synack replay` of that pcap gives synack's
 * own state sequences, endpoint by endpoint, with no divergence marked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayCapture } from '../src/replay/command.js';
import type { ObservedConnection } from '../src/replay/observer.js';
import { parseRecordedTrace } from '../src/trace-file.js';
import { describeResult, synack, tempDir } from './helpers.js';

const tmp = tempDir('synack-replay-');
afterAll(() => tmp.cleanup());

/**
 * Built-in scenarios the observer replays faithfully. Not yet: old-duplicate-syn and half-open
 * (a second incarnation on the same 4-tuple, which the observer does not split), and
 * lossy-transfer: a capture at the sender sees the ACK of a FIN that the network then drops, so
 * the observer shows FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT where synack went FIN_WAIT_1 →
 * TIME_WAIT on the later FIN+ACK — nothing the endpoints send afterwards tells the two apart.
 */
const SCENARIOS = [
  'handshake',
  'lifecycle',
  'simultaneous-close',
  'half-close',
  'lost-syn',
  'lost-synack',
  'lost-final-ack',
  'rst-abort',
  'bulk-transfer',
  'simultaneous-open',
  'half-open-keepalive',
];

/** synack's state sequence of the connection `side` (ip:port) has with `peer`, as the trace says. */
function synackStates(events: ReturnType<typeof parseRecordedTrace>['events'], side: string, peer: string) {
  const conn = `${side.split(':')[1]}-${peer}`;
  const changes = events.filter((e) => e.kind === 'state' && e.conn === conn) as Array<{
    from: string;
    to: string;
  }>;
  const states = changes.length ? [changes[0].from, ...changes.map((c) => c.to)] : [];
  // TIME_WAIT's expiry sends nothing: a capture cannot show it.
  if (states.at(-1) === 'CLOSED' && states.at(-2) === 'TIME_WAIT') states.pop();
  return states;
}

/**
 * A passive side's states from SYN_RECEIVED on: the trace shows the listener's part as a leading
 * CLOSED → LISTEN on each passive connection, the observer as a leading LISTEN (or nothing).
 */
function withoutListenPrefix(states: string[]): string[] {
  const listen = states.indexOf('LISTEN');
  return listen >= 0 && listen <= 1 && states.slice(0, listen).every((s) => s === 'CLOSED')
    ? states.slice(listen + 1)
    : states;
}

function replayStates(conn: ObservedConnection, side: string): string[] {
  const changes = conn.states.filter((s) => s.endpoint === side);
  return changes.length ? [changes[0].from, ...changes.map((c) => c.to)] : [];
}

describe('synack run --pcap, then synack replay', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario}: the replay shows synack's own states, no divergence`, async () => {
      const pcap = join(tmp.dir, `${scenario}.pcap`);
      const r = await synack(['run', scenario, '--pcap', pcap, '--format', 'jsonl']);
      expect(r.code, describeResult(r)).toBe(0);
      const { events } = parseRecordedTrace(r.stdout, scenario);
      const connections = replayCapture(pcap, undefined, 'linux');
      expect(connections.length).toBeGreaterThan(0);
      for (const conn of connections) {
        expect(conn.segments.filter((s) => s.divergence).map((s) => s.divergence)).toEqual([]);
        for (const [side, peer] of [
          [conn.client, conn.server],
          [conn.server, conn.client],
        ]) {
          const want = synackStates(events, side, peer);
          // The listener's own LISTEN comes from its listening socket's connection.
          const got = replayStates(conn, side);
          expect(withoutListenPrefix(got), `${scenario} ${side}`).toEqual(withoutListenPrefix(want));
        }
      }
      expect(readFileSync(pcap).length).toBeGreaterThan(24);
    });
  }
});
