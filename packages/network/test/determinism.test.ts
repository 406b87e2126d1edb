import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  liveWorkerCount,
  type RunResult,
  runSimulation,
  type SimulationConfig,
  type TraceEvent,
  toJsonLine,
  toJsonLines,
} from '../src/index.js';
import { connectionsOf, LOSSY, lifecycle, lossyBulk } from './helpers.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

const SEED = 7;

/** Compares JSONL texts and, on mismatch, points at the first differing line instead of a huge diff. */
function expectSameTrace(a: string, b: string): void {
  if (a === b) return;
  const la = a.split('\n');
  const lb = b.split('\n');
  const i = la.findIndex((line, k) => line !== lb[k]);
  expect({ line: i + 1, got: lb[i] }).toEqual({ line: i + 1, got: la[i] });
  expect(b).toBe(a);
}

describe('same seed and config give a byte-identical JSONL trace (lossy 100 KB transfer)', () => {
  let reference: RunResult;
  let referenceText: string;

  beforeAll(async () => {
    reference = await runSimulation(lossyBulk(SEED));
    referenceText = toJsonLines(reference.trace);
  });

  it('the reference run is a lossy transfer that still delivers every byte', () => {
    expect(reference.ok).toBe(true);
    expect(reference.summary.final).toEqual({ client: ['CLOSED'], server: ['CLOSED'] });
    const conns = connectionsOf(reference.summary);
    expect(conns.client[0]).toMatchObject({ bytesSent: 100_000, bytesReceived: 50_000, integrityErrors: 0 });
    expect(conns.server[0]).toMatchObject({ bytesSent: 50_000, bytesReceived: 100_000, integrityErrors: 0 });
    // Enough randomness happened for the comparisons below to mean something.
    expect(reference.stats.segmentsDropped).toBeGreaterThan(10);
    expect(reference.stats.segmentsDuplicated).toBeGreaterThan(0);
    expect(reference.trace.filter((e) => e.kind === 'send' && e.reordered).length).toBeGreaterThan(0);
    expect(reference.stats.retransmits.data).toBeGreaterThan(0);
  });

  it('two worker-thread runs', async () => {
    const again = await runSimulation(lossyBulk(SEED));
    expectSameTrace(referenceText, toJsonLines(again.trace));
  });

  it('when one worker is artificially slowed (perturb: server busy-waits 5 ms per reply)', async () => {
    const slowed: SimulationConfig = { ...lossyBulk(SEED), perturb: { server: 5 } };
    // Lockstep, so the server replies once per virtual instant it takes part in (≥ 50 replies);
    // the reference ran with lookahead windows, so this also pins lockstep = lookahead.
    const result = await runSimulation(slowed, { lookahead: false });
    expectSameTrace(referenceText, toJsonLines(result.trace));
    // The perturbation was real: at least 5 ms per server reply.
    expect(result.stats.wallMs).toBeGreaterThan(5 * 50);
    // And with lookahead windows too (fewer, larger replies, each still slowed).
    const windowed = await runSimulation(slowed);
    expectSameTrace(referenceText, toJsonLines(windowed.trace));
  });

  it('when the other worker is slowed instead (perturb: client 3 ms)', async () => {
    const result = await runSimulation({ ...lossyBulk(SEED), perturb: { client: 3 } });
    expectSameTrace(referenceText, toJsonLines(result.trace));
  });

  it("worker threads vs threads: 'inline'", async () => {
    const inline = await runSimulation(lossyBulk(SEED), { threads: 'inline' });
    expectSameTrace(referenceText, toJsonLines(inline.trace));
  });

  it('both placement modes (issue 24): one thread per endpoint, both on one shared thread, shared and slowed', async () => {
    for (const threads of ['per-endpoint', 1] as const) {
      const placed = await runSimulation(lossyBulk(SEED), { threads });
      expectSameTrace(referenceText, toJsonLines(placed.trace));
    }
    // Sharing a thread, the server's busy-wait delays the client's steps too: still the same trace.
    const slowed = await runSimulation({ ...lossyBulk(SEED), perturb: { server: 2 } }, { threads: 1 });
    expectSameTrace(referenceText, toJsonLines(slowed.trace));
  });

  it("engine: 'table' gives the same trace as the default actor engine", async () => {
    const table = await runSimulation({ ...lossyBulk(SEED), engine: 'table' });
    expectSameTrace(referenceText, toJsonLines(table.trace));
  });

  it('streaming through onTrace with collectTrace: false gives the same lines', async () => {
    let streamed = '';
    const result = await runSimulation(lossyBulk(SEED), {
      threads: 'inline',
      collectTrace: false,
      onTrace: (e: TraceEvent) => {
        streamed += toJsonLine(e);
      },
    });
    expect(result.trace).toEqual([]);
    expectSameTrace(referenceText, streamed);
  });

  it('a different seed gives a different trace under loss', async () => {
    const other = await runSimulation(lossyBulk(SEED + 1));
    expect(other.ok).toBe(true);
    expect(toJsonLines(other.trace)).not.toBe(referenceText);
    // ...and a different sequence of fault decisions, not only different ISNs.
    const decisions = (trace: TraceEvent[]) =>
      trace.filter((e) => e.kind === 'drop' || e.kind === 'duplicate').map((e) => `${e.t}:${e.kind}`);
    expect(decisions(other.trace)).not.toEqual(decisions(reference.trace));
  });
});

describe('determinism of small runs', () => {
  it('inline runs of the same seed repeat exactly, for several seeds', async () => {
    for (const seed of [1, 2, 3]) {
      const config = lifecycle('linux', { seed, network: { default: LOSSY } });
      const a = await runSimulation(config, { threads: 'inline' });
      const b = await runSimulation(config, { threads: 'inline' });
      expect(toJsonLines(b.trace), `seed ${seed}`).toBe(toJsonLines(a.trace));
    }
  });

  it('the seed alone changes ISNs even on a perfect network', async () => {
    const isn = (r: RunResult) =>
      (r.trace.find((e) => e.kind === 'send') as { seg: { seq: number } }).seg.seq;
    const a = await runSimulation(lifecycle('linux', { seed: 1 }), { threads: 'inline' });
    const b = await runSimulation(lifecycle('linux', { seed: 2 }), { threads: 'inline' });
    expect(isn(a)).not.toBe(isn(b));
  });
});
