/**
 * The connection statechart as the page draws it, derived from the XState
 * machine definition itself: `toDirectedGraph(connectionMachine)` lists every
 * state node and every transition (with its `description`), elkjs lays the
 * graph out, and the result (plain JSON with coordinates) is sent to the page.
 *
 * Transitions between the same two states are drawn as one edge whose label
 * has one line per transition (SYN_SENT → CLOSED alone has four), so the
 * diagram stays readable; every transition keeps its own id, event type and
 * description.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connectionMachine } from '@synack/core';
import elkModule from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';

// elk.bundled.js is CommonJS (`module.exports = ELK`); its typings describe an ES default export.
const ELK = ((elkModule as unknown as { default?: unknown }).default ??
  elkModule) as typeof elkModule.default;

export interface StatechartTransition {
  /** Stable id: `<source>:<event>:<target>`, plus `#n` when the same triple occurs twice. */
  id: string;
  /** The event type that takes it (`SEGMENT_ARRIVES`, `CLOSE`, `xstate.after.timeWait.tcp.TIME_WAIT`, …). */
  event: string;
  /** Short event name for display (`after 2MSL` for the TIME_WAIT timer). */
  eventLabel: string;
  /** The transition's `description` from the machine definition. */
  description: string;
  /** The description as drawn: split after the trigger (`rcv SYN,ACK` / `snd ACK`) when it is long. */
  lines: string[];
}

export interface Point {
  x: number;
  y: number;
}

export interface StatechartNode {
  /** Layout node id: the state's key, or `CLOSED~final` for the second drawing of the initial state. */
  id: string;
  /** The state's key in the machine (the RFC 9293 name: `SYN_SENT`, `TIME_WAIT`, …). */
  state: string;
  label: string;
  initial: boolean;
  /**
   * True for the initial state drawn a second time at the bottom, as in the RFC's figure:
   * every transition back to CLOSED ends there, so no edge has to climb back up the diagram.
   */
  alias: boolean;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface StatechartEdge {
  /** `<source>-><target>` (machine state keys). */
  id: string;
  source: string;
  target: string;
  /** Layout node ids the edge connects (differs from `target` for edges into `CLOSED~final`). */
  from: string;
  to: string;
  transitions: StatechartTransition[];
  /** Polyline from the source node's border to the target node's border. */
  points: Point[];
  /** Top-left corner and size of the label box (one text line per transition). */
  label: { x: number; y: number; width: number; height: number };
}

export interface StatechartLayout {
  /** The machine's id (`tcp`). */
  machine: string;
  initial: string;
  width: number;
  height: number;
  nodes: StatechartNode[];
  edges: StatechartEdge[];
}

/** Font metrics the layout assumes; the page's CSS uses the same sizes. */
export const LABEL_FONT_SIZE = 10;
export const LABEL_LINE_HEIGHT = 12;
const LABEL_CHAR_WIDTH = 5.7;
const NODE_HEIGHT = 34;
const NODE_CHAR_WIDTH = 8.2;

export interface GraphEdgeSpec {
  id: string;
  source: string;
  target: string;
  transitions: StatechartTransition[];
}

export interface GraphSpec {
  machine: string;
  initial: string;
  states: string[];
  edges: GraphEdgeSpec[];
}

function eventLabel(event: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after) return after[1] === 'timeWait' ? 'after 2MSL' : `after ${after[1]}`;
  return event;
}

/** The machine's states and targeted transitions (targetless "stay and act" transitions are not drawn). */
export function machineGraph(
  machine: AnyStateMachine = connectionMachine as unknown as AnyStateMachine,
): GraphSpec {
  const graph = toDirectedGraph(machine);
  const states = graph.children.map((child) => child.stateNode.key);
  const byPair = new Map<string, GraphEdgeSpec>();
  const seen = new Map<string, number>();
  for (const child of graph.children) {
    for (const edge of child.edges) {
      const transition = edge.transition as { target?: unknown[]; eventType: string; description?: string };
      if (!transition.target || transition.target.length === 0) continue;
      const source = edge.source.key;
      const target = edge.target.key;
      const pairId = `${source}->${target}`;
      let spec = byPair.get(pairId);
      if (!spec) {
        spec = { id: pairId, source, target, transitions: [] };
        byPair.set(pairId, spec);
      }
      const base = `${source}:${transition.eventType}:${target}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      spec.transitions.push({
        id: n === 1 ? base : `${base}#${n}`,
        event: transition.eventType,
        eventLabel: eventLabel(transition.eventType),
        description: transition.description ?? transition.eventType,
        lines: wrapDescription(transition.description ?? transition.eventType),
      });
    }
  }
  const initial = String((machine.config as { initial?: unknown }).initial ?? states[0]);
  return { machine: machine.id, initial, states, edges: [...byPair.values()] };
}

/** Longer descriptions are drawn on two lines, split at the ` / ` between trigger and action. */
export const WRAP_AT = 24;

export function wrapDescription(description: string): string[] {
  if (description.length <= WRAP_AT) return [description];
  const cut = description.indexOf(' / ');
  if (cut <= 0) return [description];
  return [description.slice(0, cut), `/ ${description.slice(cut + 3)}`];
}

/** Lays the machine graph out with elkjs (layered, top to bottom, labels placed on the edges). */
export const FINAL_SUFFIX = '~final';

export async function layoutStatechart(
  spec: GraphSpec = machineGraph(),
  elkOptions: Record<string, string> = {},
): Promise<StatechartLayout> {
  const elk = new ELK();
  const finalNode = `${spec.initial}${FINAL_SUFFIX}`;
  // Edges from any other state back to the initial one end at its second drawing at the bottom.
  const toNode = (edge: GraphEdgeSpec) =>
    edge.target === spec.initial && edge.source !== spec.initial ? finalNode : edge.target;
  const hasFinal = spec.edges.some((e) => toNode(e) === finalNode);
  const layoutNodes = [
    ...spec.states.map((state) => ({ id: state, state })),
    ...(hasFinal ? [{ id: finalNode, state: spec.initial }] : []),
  ];
  const labelSize = (transitions: StatechartTransition[]) => {
    const lines = transitions.flatMap((t) => t.lines);
    return {
      width: Math.ceil(Math.max(...lines.map((line) => line.length)) * LABEL_CHAR_WIDTH) + 6,
      height: lines.length * LABEL_LINE_HEIGHT + 4,
    };
  };
  const graph: ElkNode = {
    id: spec.machine,
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '24',
      'elk.spacing.nodeNode': '20',
      'elk.layered.compaction.postCompaction.strategy': 'EDGE_LENGTH',
      'elk.spacing.edgeLabel': '2',
      'elk.spacing.edgeEdge': '10',
      'elk.spacing.edgeNode': '12',
      'elk.layered.spacing.edgeNodeBetweenLayers': '10',
      'elk.edgeLabels.inline': 'false',
      'elk.layered.edgeLabels.sideSelection': 'SMART_DOWN',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.crossingMinimization.semiInteractive': 'false',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.padding': '[top=16,left=16,bottom=16,right=16]',
      ...elkOptions,
    },
    children: layoutNodes.map(({ id, state }) => ({
      id,
      width: Math.max(92, Math.ceil(state.length * NODE_CHAR_WIDTH) + 24),
      height: NODE_HEIGHT,
      ...(id === spec.initial ? { layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST' } } : {}),
      ...(id === finalNode ? { layoutOptions: { 'elk.layered.layering.layerConstraint': 'LAST' } } : {}),
    })),
    edges: spec.edges.map((edge) => ({
      id: edge.id,
      sources: [edge.source],
      targets: [toNode(edge)],
      labels: [
        {
          id: `${edge.id}:label`,
          text: edge.transitions.flatMap((t) => t.lines).join('\n'),
          ...labelSize(edge.transitions),
        },
      ],
    })),
  };
  const root = await elk.layout(graph);
  const nodes: StatechartNode[] = (root.children ?? []).map((n) => ({
    id: n.id,
    state: n.id === finalNode ? spec.initial : n.id,
    label: n.id === finalNode ? spec.initial : n.id,
    initial: n.id === spec.initial,
    alias: n.id === finalNode,
    x: round(n.x ?? 0),
    y: round(n.y ?? 0),
    width: round(n.width ?? 0),
    height: round(n.height ?? 0),
  }));
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const edges: StatechartEdge[] = spec.edges.map((edge) => {
    const laid = (root.edges ?? []).find((e) => e.id === edge.id);
    const section = laid?.sections?.[0];
    let points: Point[] = section
      ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((p) => ({
          x: round(p.x),
          y: round(p.y),
        }))
      : [];
    const label = laid?.labels?.[0];
    const size = labelSize(edge.transitions);
    let box = {
      x: round(label?.x ?? 0),
      y: round(label?.y ?? 0),
      width: round(label?.width ?? size.width),
      height: round(label?.height ?? size.height),
    };
    if (edge.source === edge.target || points.length < 2) {
      // A self-loop (TIME_WAIT restarting 2MSL): a loop on the node's right side, label beside it.
      const n = nodeById.get(edge.source)!;
      const x0 = n.x + n.width;
      const y0 = n.y + n.height * 0.3;
      const y1 = n.y + n.height * 0.7;
      points = [
        { x: x0, y: y0 },
        { x: x0 + 22, y: y0 - 8 },
        { x: x0 + 22, y: y1 + 8 },
        { x: x0, y: y1 },
      ];
      box = {
        ...box,
        x: x0 + 26,
        y: n.y + n.height / 2 - size.height / 2,
        width: size.width,
        height: size.height,
      };
    }
    return {
      id: edge.id,
      source: edge.source,
      target: edge.target,
      from: edge.source,
      to: toNode(edge),
      transitions: edge.transitions,
      points,
      label: box,
    };
  });
  let width = round(root.width ?? 0);
  let height = round(root.height ?? 0);
  for (const e of edges) {
    width = Math.max(width, Math.ceil(e.label.x + e.label.width + 8));
    height = Math.max(height, Math.ceil(e.label.y + e.label.height + 8));
    for (const p of e.points) {
      width = Math.max(width, Math.ceil(p.x + 8));
      height = Math.max(height, Math.ceil(p.y + 8));
    }
  }
  return { machine: spec.machine, initial: spec.initial, width, height, nodes, edges };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Where the build stores the precomputed layout (elkjs needs a second or two for this graph). */
export const PRECOMPUTED_LAYOUT = new URL('./statechart.layout.json', import.meta.url);

let cached: Promise<StatechartLayout> | undefined;

/**
 * The connection machine's layout, computed once per process — or read from the file the build
 * wrote (`npm run build` runs dist/build-layout.js), when it was made from the same machine graph.
 */
export function connectionStatechart(): Promise<StatechartLayout> {
  cached ??= (async () => {
    const spec = machineGraph();
    // Next to this module in dist/; from src/ (tests), the build's copy in ../dist/.
    for (const file of [PRECOMPUTED_LAYOUT, new URL('../dist/statechart.layout.json', import.meta.url)]) {
      try {
        const stored = JSON.parse(readFileSync(file, 'utf8')) as {
          spec: GraphSpec;
          layout: StatechartLayout;
        };
        if (JSON.stringify(stored.spec) === JSON.stringify(spec)) return stored.layout;
      } catch {
        // Not built yet, or unreadable: try the next, else compute.
      }
    }
    return layoutStatechart(spec);
  })();
  return cached;
}

/** Computes the layout and writes it next to this module (the build's last step). */
export async function writePrecomputedLayout(): Promise<string> {
  const spec = machineGraph();
  const layout = await layoutStatechart(spec);
  writeFileSync(PRECOMPUTED_LAYOUT, `${JSON.stringify({ spec, layout })}\n`);
  return fileURLToPath(PRECOMPUTED_LAYOUT);
}
