/**
 * Lays the statechart graph (graph.ts) out with elkjs for the page: compound
 * states become containers with their children inside (elkjs's hierarchical
 * layered layout, `hierarchyHandling: INCLUDE_CHILDREN`, so edges may cross
 * container borders), every edge a routed polyline with its label box. The
 * result is plain JSON with absolute coordinates, sent to the page as is.
 *
 * As in the RFC's figure, the initial state (CLOSED) is drawn twice: at the top, where a
 * connection starts, and at the bottom, where every arrow back to it ends.
 *
 * Laying out takes elkjs a second or two, so the build does it once
 * (`node dist/build-layout.js`) and the server reads the stored layout when it was
 * made from the same machine graph.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type elkModule from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkLabel, ElkNode } from 'elkjs/lib/elk-api.js';
import {
  type GraphEdgeSpec,
  type GraphSpec,
  type GraphStateSpec,
  machineGraph,
  type StatechartTransition,
} from './graph.js';

/**
 * elkjs, loaded only when a layout must be computed: the build precomputes the connection machine's
 * layout, so an installed inspector never needs it (elkjs is a build-time dependency, 7.9 MB).
 * elk.bundled.js is CommonJS (`module.exports = ELK`); its typings describe an ES default export.
 */
function loadElk(): typeof elkModule.default {
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)('elkjs/lib/elk.bundled.js');
  } catch {
    throw new Error(
      'inspector: no precomputed statechart layout matches this machine, and computing one needs the ' +
        'elkjs package (npm install elkjs)',
    );
  }
  return ((loaded as { default?: unknown }).default ?? loaded) as typeof elkModule.default;
}

interface Point {
  x: number;
  y: number;
}

interface Box extends Point {
  width: number;
  height: number;
}

export interface StatechartNode extends Box {
  /** Layout node id: the state's graph id, or `CLOSED~final` for the second drawing of the initial state. */
  id: string;
  /** The state's key in the machine (`SYN_SENT`, `TIME_WAIT`, `synchronized`, …). */
  state: string;
  label: string;
  /** Layout id of the enclosing container (a compound state), or null at the top level. */
  parent: string | null;
  /** A compound state, drawn as a container (its name in the top-left corner) around its children. */
  compound: boolean;
  initial: boolean;
  /**
   * True for the initial state drawn a second time at the bottom, as in the RFC's figure:
   * every transition back to CLOSED ends there, so no edge has to climb back up the diagram.
   */
  alias: boolean;
}

export interface StatechartEdge {
  /** `<source>-><target>` (graph ids). */
  id: string;
  /** The state node owning the transitions (a container's id for ABORT, RST, …). */
  source: string;
  target: string;
  /** Layout node ids the edge connects (differs from `target` for edges into `CLOSED~final`). */
  from: string;
  to: string;
  transitions: StatechartTransition[];
  /** Polyline from the source node's border to the target node's border. */
  points: Point[];
  /** Top-left corner and size of the label box (one text line per transition). */
  label: Box;
}

/** Text sizes (px at 100% zoom) the layout assumes; the page draws with exactly these. */
export interface StatechartFonts {
  state: number;
  compound: number;
  label: number;
  lineHeight: number;
  /** How far a transition's continuation lines are indented, so each transition reads as one item. */
  indent: number;
}

export interface StatechartLayout {
  /** The machine's id (`tcp`). */
  machine: string;
  initial: string;
  width: number;
  height: number;
  fonts: StatechartFonts;
  /** Containers first (outer before inner), then leaf states: the order they are drawn in. */
  nodes: StatechartNode[];
  edges: StatechartEdge[];
}

export const FINAL_SUFFIX = '~final';

/** Advance of one character of the page's monospace font (DejaVu Sans Mono: 0.602 em). */
const CHAR_EM = 0.61;
const FONTS: StatechartFonts = {
  state: 13,
  compound: 13,
  label: 12,
  lineHeight: 15,
  indent: 2 * 12 * CHAR_EM,
};
const NODE_HEIGHT = 34;
/** Room above a container's children for its name. */
const COMPOUND_TOP = 26;

/** Options for every level of the hierarchy (elkjs does not inherit them into containers). */
const LEVEL_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '16',
  'elk.layered.spacing.edgeNodeBetweenLayers': '8',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '6',
  'elk.spacing.nodeNode': '24',
  'elk.spacing.edgeLabel': '3',
  'elk.spacing.edgeEdge': '10',
  'elk.spacing.edgeNode': '12',
  'elk.edgeLabels.inline': 'false',
  'elk.layered.edgeLabels.sideSelection': 'SMART_DOWN',
  'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS',
  'elk.layered.compaction.postCompaction.strategy': 'EDGE_LENGTH',
};

const ROOT_OPTIONS: Record<string, string> = {
  ...LEVEL_OPTIONS,
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  // Absolute coordinates for every node and edge, whatever container it is in.
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
};

function labelSize(transitions: StatechartTransition[]): { width: number; height: number } {
  const widths = transitions.flatMap((t) =>
    t.lines.map((line, i) => line.length * FONTS.label * CHAR_EM + (i > 0 ? FONTS.indent : 0)),
  );
  return { width: Math.ceil(Math.max(...widths)) + 8, height: widths.length * FONTS.lineHeight + 4 };
}

/** The graph as elkjs wants it: containers nest their children; every edge sits at the root. */
function elkGraph(spec: GraphSpec, finalNode: string | undefined): ElkNode {
  const childrenOf = (parent: string | null) => spec.states.filter((s) => s.parent === parent);
  const node = (state: GraphStateSpec): ElkNode =>
    state.compound
      ? {
          id: state.id,
          children: childrenOf(state.id).map(node),
          layoutOptions: {
            ...LEVEL_OPTIONS,
            'elk.padding': `[top=${COMPOUND_TOP},left=14,bottom=14,right=14]`,
          },
        }
      : {
          id: state.id,
          width: Math.max(92, Math.ceil(state.key.length * FONTS.state * CHAR_EM) + 24),
          height: NODE_HEIGHT,
          ...(state.id === spec.initial
            ? { layoutOptions: { 'elk.layered.layering.layerConstraint': 'FIRST' } }
            : {}),
        };
  const initial = spec.states.find((s) => s.id === spec.initial);
  const alias: ElkNode[] =
    finalNode && initial
      ? [
          {
            ...node(initial),
            id: finalNode,
            layoutOptions: { 'elk.layered.layering.layerConstraint': 'LAST' },
          },
        ]
      : [];
  return {
    id: spec.machine,
    layoutOptions: ROOT_OPTIONS,
    children: [...childrenOf(null).map(node), ...alias],
    edges: spec.edges.map((edge) => elkEdge(edge, edgeEnd(spec, edge, finalNode), finalNode)),
  };
}

function elkEdge(edge: GraphEdgeSpec, to: string, finalNode: string | undefined): ElkExtendedEdge {
  const label: ElkLabel = {
    id: `${edge.id}:label`,
    text: edge.transitions.flatMap((t) => t.lines).join('\n'),
    ...labelSize(edge.transitions),
  };
  // Arrows back to the initial state are labelled where they start: in the middle they would
  // all line up above the bottom CLOSED, as wide as all of them together.
  if (to === finalNode) label.layoutOptions = { 'elk.edgeLabels.placement': 'TAIL' };
  return { id: edge.id, sources: [edge.source], targets: [to], labels: [label] };
}

/** Where an edge ends: arrows from any other state back to the initial one end at its second drawing. */
function edgeEnd(spec: GraphSpec, edge: GraphEdgeSpec, finalNode: string | undefined): string {
  return finalNode && edge.target === spec.initial && edge.source !== spec.initial ? finalNode : edge.target;
}

/** Every laid-out node, containers before their children, with the state it draws. */
function readNodes(root: ElkNode, spec: GraphSpec, finalNode: string | undefined): StatechartNode[] {
  const byId = new Map(spec.states.map((s) => [s.id, s]));
  const read = (n: ElkNode): StatechartNode[] => {
    const state = byId.get(n.id === finalNode ? spec.initial : n.id);
    const own: StatechartNode = {
      id: n.id,
      state: state?.key ?? n.id,
      label: state?.key ?? n.id,
      parent: state?.parent ?? null,
      compound: Boolean(state?.compound),
      initial: n.id === spec.initial,
      alias: n.id === finalNode,
      ...box(n),
    };
    return [own, ...(n.children ?? []).flatMap(read)];
  };
  const all = (root.children ?? []).flatMap(read);
  return [...all.filter((n) => n.compound), ...all.filter((n) => !n.compound)];
}

function box(b: { x?: number; y?: number; width?: number; height?: number }): Box {
  return { x: round(b.x ?? 0), y: round(b.y ?? 0), width: round(b.width ?? 0), height: round(b.height ?? 0) };
}

function readEdge(laid: ElkExtendedEdge | undefined, edge: GraphEdgeSpec, to: string): StatechartEdge {
  const section = laid?.sections?.[0];
  const points = section
    ? [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((p) => ({
        x: round(p.x),
        y: round(p.y),
      }))
    : [];
  return {
    id: edge.id,
    source: edge.source,
    target: edge.target,
    from: edge.source,
    to,
    transitions: edge.transitions,
    points,
    label: box({ ...labelSize(edge.transitions), ...laid?.labels?.[0] }),
  };
}

/** Lays the machine graph out with elkjs (layered, top to bottom, containers for compound states). */
export async function layoutStatechart(spec: GraphSpec = machineGraph()): Promise<StatechartLayout> {
  const backToInitial = spec.edges.some((e) => e.target === spec.initial && e.source !== spec.initial);
  const finalNode = backToInitial ? `${spec.initial}${FINAL_SUFFIX}` : undefined;
  const ELK = loadElk();
  const root = await new ELK().layout(elkGraph(spec, finalNode));
  const nodes = readNodes(root, spec, finalNode);
  const laidById = new Map((root.edges ?? []).map((e) => [e.id, e]));
  const edges = spec.edges.map((edge) =>
    readEdge(laidById.get(edge.id), edge, edgeEnd(spec, edge, finalNode)),
  );
  let width = round(root.width ?? 0);
  let height = round(root.height ?? 0);
  for (const b of [
    ...edges.map((e) => e.label),
    ...edges.flatMap((e) => e.points.map((p) => ({ ...p, width: 0, height: 0 }))),
  ]) {
    width = Math.max(width, Math.ceil(b.x + b.width + 8));
    height = Math.max(height, Math.ceil(b.y + b.height + 8));
  }
  return { machine: spec.machine, initial: spec.initial, width, height, fonts: FONTS, nodes, edges };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Where the build stores the precomputed layout (next to this module in dist/). */
const PRECOMPUTED_LAYOUT = new URL('./statechart.layout.json', import.meta.url);

let cached: Promise<StatechartLayout> | undefined;

/** What a layout depends on: a stored one is reused only if all of it is unchanged. */
function madeFrom(spec: GraphSpec) {
  return { spec, fonts: FONTS, options: ROOT_OPTIONS, levels: LEVEL_OPTIONS, compoundTop: COMPOUND_TOP };
}

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
        const stored = JSON.parse(readFileSync(file, 'utf8')) as { made: unknown; layout: StatechartLayout };
        if (JSON.stringify(stored.made) === JSON.stringify(madeFrom(spec))) return stored.layout;
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
  writeFileSync(PRECOMPUTED_LAYOUT, `${JSON.stringify({ made: madeFrom(spec), layout })}\n`);
  return fileURLToPath(PRECOMPUTED_LAYOUT);
}
