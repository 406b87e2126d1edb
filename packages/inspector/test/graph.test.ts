import { SYNCHRONIZED_STATES, TCP_STATES } from '@synack/core';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { findEdge, leafNode } from '../public/statechart.js';
import { type GraphSpec, machineGraph, wrapDescription } from '../src/graph.js';
import {
  connectionStatechart,
  FINAL_SUFFIX,
  layoutStatechart,
  type StatechartLayout,
} from '../src/layout.js';

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Box, b: Box) =>
  a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;
const transitionsOf = (spec: GraphSpec, event: string) =>
  spec.edges.flatMap((e) => e.transitions.filter((t) => t.event === event).map(() => e.id));

describe('the connection machine as a hierarchical graph', () => {
  const spec = machineGraph();

  it('has every RFC 9293 state as a leaf, inside the groups of the machine', () => {
    expect(spec.machine).toBe('tcp');
    expect(spec.initial).toBe('CLOSED');
    const leaves = spec.states.filter((s) => !s.compound);
    expect(leaves.map((s) => s.id).sort()).toEqual([...TCP_STATES].sort());
    const parentOf = new Map(spec.states.map((s) => [s.id, s.parent]));
    expect(spec.states.filter((s) => s.compound).map((s) => [s.id, s.parent])).toEqual([
      ['open', null],
      ['synchronized', 'open'],
    ]);
    expect(parentOf.get('CLOSED')).toBeNull();
    expect([parentOf.get('LISTEN'), parentOf.get('SYN_SENT')]).toEqual(['open', 'open']);
    for (const state of SYNCHRONIZED_STATES) expect(parentOf.get(state), state).toBe('synchronized');
  });

  it('draws ABORT, retries exhausted and RST once, from the parent that owns them', () => {
    expect(transitionsOf(spec, 'ABORT')).toEqual(['open->CLOSED']);
    const reset = spec.edges.find((e) => e.id === 'synchronized->CLOSED');
    expect(reset?.transitions.map((t) => t.event)).toEqual(['SEGMENT_ARRIVES']);
    expect(reset?.transitions[0].description).toMatch(/^rcv RST/);
    expect(transitionsOf(spec, 'RTO_TIMEOUT')).toEqual(['open->CLOSED']);
    // The flat chart had 30 label lines crowding into CLOSED; the parents' edges leave a few. Issue
    // 25 added two, each drawn once from `open` like ABORT: CLOSE that aborts (unread data or
    // linger 0) and unanswered keepalive probes.
    expect(transitionsOf(spec, 'KEEPALIVE_TIMEOUT')).toEqual(['open->CLOSED']);
    const intoClosed = spec.edges.filter((e) => e.target === 'CLOSED');
    expect(intoClosed.flatMap((e) => e.transitions).length).toBeLessThanOrEqual(12);
  });

  it('draws every targeted transition with its description, and no targetless one', () => {
    const timer = spec.edges
      .find((e) => e.id === 'TIME_WAIT->CLOSED')!
      .transitions.find((t) => t.eventLabel === 'after 2MSL');
    expect(timer?.description).toBe('2MSL timeout / delete TCB');
    expect(spec.edges.find((e) => e.id === 'SYN_SENT->ESTABLISHED')?.transitions[0]).toMatchObject({
      event: 'SEGMENT_ARRIVES',
      description: 'rcv SYN,ACK / snd ACK',
      lines: ['rcv SYN,ACK / snd ACK'],
    });
    // The root's fallbacks ("stay and act") are not drawn; the TIME_WAIT restart (reenter) is.
    expect(spec.edges.some((e) => e.source === 'tcp')).toBe(false);
    expect(spec.edges.filter((e) => e.source === e.target).map((e) => e.id)).toEqual([
      'TIME_WAIT->TIME_WAIT',
    ]);
    for (const e of spec.edges) for (const t of e.transitions) expect(t.description, t.id).not.toBe(t.event);
    const ids = spec.edges.flatMap((e) => e.transitions.map((t) => t.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('walks any machine’s hierarchy: repeated keys get their path, parents own their edges', () => {
    const player = createMachine({
      id: 'player',
      initial: 'off',
      on: { TICK: { actions: 'count' } },
      states: {
        off: { on: { POWER: 'on' } },
        on: {
          initial: 'idle',
          on: { POWER: '#player.off' },
          states: {
            idle: { on: { PLAY: 'playing' } },
            playing: { initial: 'idle', states: { idle: {} } },
          },
        },
      },
    });
    const graph = machineGraph(player);
    expect(graph.states).toEqual([
      { id: 'off', key: 'off', parent: null, compound: false },
      { id: 'on', key: 'on', parent: null, compound: true },
      { id: 'on.idle', key: 'idle', parent: 'on', compound: false },
      { id: 'playing', key: 'playing', parent: 'on', compound: true },
      { id: 'on.playing.idle', key: 'idle', parent: 'playing', compound: false },
    ]);
    expect(graph.edges.map((e) => e.id).sort()).toEqual(['off->on', 'on->off', 'on.idle->playing']);
  });

  it('wraps long descriptions after the trigger, in balanced lines', () => {
    expect(wrapDescription('rcv ACK of SYN')).toEqual(['rcv ACK of SYN']);
    expect(wrapDescription('rcv SYN,ACK after CLOSE / snd ACK,FIN')).toEqual([
      'rcv SYN,ACK after CLOSE',
      '/ snd ACK,FIN',
    ]);
    expect(wrapDescription('rcv ACK of SYN with CLOSE pending / snd FIN')).toEqual([
      'rcv ACK of SYN',
      'with CLOSE pending',
      '/ snd FIN',
    ]);
  });
});

describe('the elkjs layout', () => {
  let layout: StatechartLayout;
  const nodeById = () => new Map(layout.nodes.map((n) => [n.id, n]));

  it('draws containers around their children, nothing overlapping', async () => {
    layout = await layoutStatechart();
    const leaves = layout.nodes.filter((n) => !n.compound);
    expect(
      leaves
        .filter((n) => !n.alias)
        .map((n) => n.state)
        .sort(),
    ).toEqual([...TCP_STATES].sort());
    expect(layout.nodes.filter((n) => n.compound).map((n) => n.id)).toEqual(['open', 'synchronized']);
    expect(layout.nodes.filter((n) => n.alias).map((n) => [n.id, n.state])).toEqual([
      [`CLOSED${FINAL_SUFFIX}`, 'CLOSED'],
    ]);
    const byId = nodeById();
    for (const n of layout.nodes) {
      expect(inside(n, { x: 0, y: 0, width: layout.width, height: layout.height }), n.id).toBe(true);
      if (n.parent) expect(inside(n, byId.get(n.parent)!), `${n.id} in ${n.parent}`).toBe(true);
      for (const m of layout.nodes) {
        if (m !== n && m.parent === n.parent) expect(overlap(n, m), `${n.id} overlaps ${m.id}`).toBe(false);
      }
    }
    for (const e of layout.edges) {
      for (const n of leaves) expect(overlap(e.label, n), `${e.id}'s label over ${n.id}`).toBe(false);
      for (const f of layout.edges) {
        if (f !== e) expect(overlap(e.label, f.label), `labels of ${e.id} and ${f.id}`).toBe(false);
      }
    }
  });

  it('routes every edge, from a container’s border when a parent owns it', () => {
    const byId = nodeById();
    for (const e of layout.edges) {
      expect(e.points.length, e.id).toBeGreaterThanOrEqual(2);
      expect(e.to).toBe(e.target === 'CLOSED' && e.source !== 'CLOSED' ? `CLOSED${FINAL_SUFFIX}` : e.target);
    }
    for (const id of ['open->CLOSED', 'synchronized->CLOSED']) {
      const edge = layout.edges.find((e) => e.id === id)!;
      const box = byId.get(edge.source)!;
      const start = edge.points[0];
      const onBorder =
        [box.x, box.x + box.width].some((x) => Math.abs(start.x - x) < 1) ||
        [box.y, box.y + box.height].some((y) => Math.abs(start.y - y) < 1);
      expect(onBorder, `${id} starts on ${edge.source}'s border`).toBe(true);
    }
    // The RFC's picture: CLOSED on top, its second drawing at the very bottom.
    const ys = layout.nodes.map((n) => n.y);
    expect(byId.get('CLOSED')!.y).toBe(Math.min(...ys));
    expect(byId.get(`CLOSED${FINAL_SUFFIX}`)!.y).toBe(Math.max(...ys));
    expect(layout.fonts.label).toBeGreaterThanOrEqual(11);
  });

  it('finds the edge a move took, from the leaf outwards (what the page highlights)', () => {
    const edge = (from: string, to: string, event?: string) => findEdge(layout, from, to, event)?.id;
    expect(edge('ESTABLISHED', 'CLOSED', 'SEGMENT_ARRIVES')).toBe('synchronized->CLOSED');
    expect(edge('SYN_SENT', 'CLOSED', 'SEGMENT_ARRIVES')).toBe('SYN_SENT->CLOSED');
    expect(edge('SYN_SENT', 'CLOSED', 'RTO_TIMEOUT')).toBe('open->CLOSED');
    expect(edge('FIN_WAIT_2', 'CLOSED', 'ABORT')).toBe('open->CLOSED');
    expect(edge('TIME_WAIT', 'CLOSED', 'xstate.after.timeWait.TIME_WAIT')).toBe('TIME_WAIT->CLOSED');
    expect(edge('SYN_SENT', 'ESTABLISHED')).toBe('SYN_SENT->ESTABLISHED');
    expect(edge('ESTABLISHED', 'LISTEN')).toBeUndefined();
    expect(leafNode(layout, 'CLOSED')?.id).toBe('CLOSED');
    expect(leafNode(layout, 'CLOSED', 'TIME_WAIT')?.id).toBe(`CLOSED${FINAL_SUFFIX}`);
    expect(leafNode(layout, 'open')).toBeUndefined();
  });

  it('uses the build-time layout when it matches the machine (fast start)', async () => {
    const stored = await connectionStatechart();
    expect(await connectionStatechart()).toBe(stored);
    expect(stored.nodes.map((n) => n.id)).toEqual(layout.nodes.map((n) => n.id));
  });
});
