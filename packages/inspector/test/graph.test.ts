import { EDGES, TCP_STATES } from '@synack/core';
import { describe, expect, it } from 'vitest';
import { FINAL_SUFFIX, wrapDescription } from '../src/graph.js';
import { connectionStatechart, layoutStatechart, machineGraph } from '../src/index.js';

describe('statechart from the machine definition', () => {
  const spec = machineGraph();

  it('has every RFC 9293 state of connectionMachine', () => {
    expect(spec.machine).toBe('tcp');
    expect(spec.initial).toBe('CLOSED');
    expect([...spec.states].sort()).toEqual([...TCP_STATES].sort());
    expect(spec.states).toHaveLength(11);
  });

  it('draws every transition of EDGES with its description, plus the 2MSL timer', () => {
    const drawn = spec.edges.flatMap((e) =>
      e.transitions.map((t) => `${e.source}|${t.event}|${e.target}|${t.description}`),
    );
    for (const [from, byEvent] of Object.entries(EDGES)) {
      for (const [event, edges] of Object.entries(byEvent ?? {})) {
        for (const edge of edges ?? []) {
          expect(drawn).toContain(`${from}|${event}|${edge.to}|${edge.description}`);
        }
      }
    }
    const timer = spec.edges
      .find((e) => e.id === 'TIME_WAIT->CLOSED')!
      .transitions.find((t) => t.eventLabel === 'after 2MSL');
    expect(timer?.description).toBe('2MSL timeout / delete TCB');
    // Targetless "stay and act" transitions are not drawn; the TIME_WAIT restart (reenter) is.
    expect(spec.edges.some((e) => e.id === 'TIME_WAIT->TIME_WAIT')).toBe(true);
    expect(spec.edges.some((e) => e.id === 'ESTABLISHED->ESTABLISHED')).toBe(false);
    const ids = spec.edges.flatMap((e) => e.transitions.map((t) => t.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('wraps long descriptions after the trigger', () => {
    expect(wrapDescription('rcv ACK of SYN')).toEqual(['rcv ACK of SYN']);
    expect(wrapDescription('rcv SYN,ACK after CLOSE / snd ACK,FIN')).toEqual([
      'rcv SYN,ACK after CLOSE',
      '/ snd ACK,FIN',
    ]);
  });

  it('lays it out with elkjs: every node placed without overlap, every edge routed', async () => {
    const layout = await layoutStatechart(spec);
    expect(
      layout.nodes
        .filter((n) => !n.alias)
        .map((n) => n.state)
        .sort(),
    ).toEqual([...TCP_STATES].sort());
    const alias = layout.nodes.filter((n) => n.alias);
    expect(alias.map((n) => [n.id, n.state])).toEqual([[`CLOSED${FINAL_SUFFIX}`, 'CLOSED']]);
    for (const n of layout.nodes) {
      expect(n.width).toBeGreaterThan(0);
      expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
    }
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const overlap =
          a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
        expect(overlap, `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
    // The RFC's picture: CLOSED on top, the second CLOSED at the very bottom.
    const top = layout.nodes.find((n) => n.id === 'CLOSED')!;
    const bottom = alias[0];
    expect(Math.min(...layout.nodes.map((n) => n.y))).toBe(top.y);
    expect(Math.max(...layout.nodes.map((n) => n.y))).toBe(bottom.y);
    for (const e of layout.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      expect(e.label.width).toBeGreaterThan(0);
      expect(e.to).toBe(e.target === 'CLOSED' && e.source !== 'CLOSED' ? bottom.id : e.target);
    }
    expect(layout.edges.length).toBe(spec.edges.length);
  });

  it('uses the build-time layout when it matches the machine (fast start)', async () => {
    const t0 = performance.now();
    const layout = await connectionStatechart();
    expect(layout.nodes.length).toBe(12);
    expect(await connectionStatechart()).toBe(layout);
    // Either precomputed (ms) or computed (about a second or two on a slow machine).
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
