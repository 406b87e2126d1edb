/**
 * The connection statechart as a graph, derived from the XState machine
 * definition itself: `toDirectedGraph(connectionMachine)` lists every state
 * node — compound ones with their children — and every transition with its
 * `description`. layout.ts lays the graph out with elkjs for the page.
 *
 * A transition is drawn from the state node that owns it: ABORT, owned by the
 * `open` parent, is one arrow from the `open` container's border, not one per
 * state inside it. Transitions between the same two state nodes are drawn as
 * one edge whose label has one line per transition; every transition keeps
 * its own id, event type and description.
 */
import { connectionMachine } from '@synack/core';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { type DirectedGraphNode, toDirectedGraph } from 'xstate/graph';

export interface StatechartTransition {
  /** Stable id: `<source>:<event>:<target>`, plus `#n` when the same triple occurs twice. */
  id: string;
  /** The event type that takes it (`SEGMENT_ARRIVES`, `CLOSE`, `xstate.after.timeWait.tcp…`, …). */
  event: string;
  /** Short event name for display (`after 2MSL` for the TIME_WAIT timer). */
  eventLabel: string;
  /** The transition's `description` from the machine definition. */
  description: string;
  /** The description as drawn: split after the trigger (`rcv SYN,ACK` / `snd ACK`) when it is long. */
  lines: string[];
}

export interface GraphStateSpec {
  /** Graph id: the state node's key (the RFC name for TCP's states), or its path if the key repeats. */
  id: string;
  /** The state node's key in the machine. */
  key: string;
  /** Id of the enclosing compound state; null for the machine's top-level states. */
  parent: string | null;
  /** A compound state (it has child states): drawn as a container around them. */
  compound: boolean;
}

export interface GraphEdgeSpec {
  /** `<source>-><target>` (graph ids). */
  id: string;
  /** The state node that owns the transitions (a compound one for ABORT, RST, …). */
  source: string;
  target: string;
  transitions: StatechartTransition[];
}

export interface GraphSpec {
  /** The machine's id (`tcp`). */
  machine: string;
  /** The machine's initial top-level state. */
  initial: string;
  /** Every state node but the root, parents before their children. */
  states: GraphStateSpec[];
  edges: GraphEdgeSpec[];
}

function eventLabel(event: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after) return after[1] === 'timeWait' ? 'after 2MSL' : `after ${after[1]}`;
  return event;
}

/** Widest label line, in characters: longer descriptions wrap. */
const WRAP_AT = 28;

/**
 * The description as drawn: the trigger on the first line, then ` / ` and the action, each
 * wrapped at spaces to at most WRAP_AT characters (a longer word stays whole).
 */
export function wrapDescription(description: string): string[] {
  if (description.length <= WRAP_AT) return [description];
  const cut = description.indexOf(' / ');
  const parts = cut > 0 ? [description.slice(0, cut), `/ ${description.slice(cut + 3)}`] : [description];
  return parts.flatMap(wrapWords);
}

/** Wraps at spaces into as few lines as WRAP_AT allows, of even length ("balanced", no orphan word). */
function wrapWords(text: string): string[] {
  const count = Math.ceil(text.length / WRAP_AT);
  for (let width = Math.ceil(text.length / count); ; width++) {
    const lines = greedyWrap(text, width);
    if (lines.length <= count || width >= WRAP_AT) return lines;
  }
}

function greedyWrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** Every node below `node`, parents before children. */
function descendants(node: DirectedGraphNode): DirectedGraphNode[] {
  return node.children.flatMap((child) => [child, ...descendants(child)]);
}

/** Graph ids: a state's key where it is unique in the machine, else its path below the root. */
function graphIds(nodes: DirectedGraphNode[]): Map<AnyStateNode, string> {
  const count = new Map<string, number>();
  for (const n of nodes) count.set(n.stateNode.key, (count.get(n.stateNode.key) ?? 0) + 1);
  return new Map(
    nodes.map((n) => [
      n.stateNode,
      count.get(n.stateNode.key) === 1 ? n.stateNode.key : n.stateNode.path.join('.'),
    ]),
  );
}

/** The targeted transitions of `nodes`, one edge per (source, target) pair. */
function graphEdges(nodes: DirectedGraphNode[], ids: Map<AnyStateNode, string>): GraphEdgeSpec[] {
  const byPair = new Map<string, GraphEdgeSpec>();
  const seen = new Map<string, number>();
  for (const node of nodes) {
    for (const edge of node.edges) {
      const transition = edge.transition as { target?: unknown[]; eventType: string; description?: string };
      // Targetless transitions ("stay and act", the root's fallbacks) change no state: not drawn.
      if (!transition.target || transition.target.length === 0) continue;
      const source = ids.get(edge.source);
      const target = ids.get(edge.target);
      if (source === undefined || target === undefined) continue;
      const pairId = `${source}->${target}`;
      let spec = byPair.get(pairId);
      if (!spec) {
        spec = { id: pairId, source, target, transitions: [] };
        byPair.set(pairId, spec);
      }
      const base = `${source}:${transition.eventType}:${target}`;
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      const description = transition.description ?? transition.eventType;
      spec.transitions.push({
        id: n === 1 ? base : `${base}#${n}`,
        event: transition.eventType,
        eventLabel: eventLabel(transition.eventType),
        description,
        lines: wrapDescription(description),
      });
    }
  }
  return [...byPair.values()];
}

/**
 * The machine's state nodes (compound ones with their children) and its targeted transitions.
 * The root is the diagram itself: only its children are drawn, and its own transitions (the
 * connection machine's targetless fallbacks) are not.
 */
export function machineGraph(
  machine: AnyStateMachine = connectionMachine as unknown as AnyStateMachine,
): GraphSpec {
  const nodes = descendants(toDirectedGraph(machine));
  const ids = graphIds(nodes);
  const states = nodes.map((n) => ({
    id: ids.get(n.stateNode)!,
    key: n.stateNode.key,
    parent: n.stateNode.parent ? (ids.get(n.stateNode.parent) ?? null) : null,
    compound: n.children.length > 0,
  }));
  const initialKey = String((machine.config as { initial?: unknown }).initial ?? states[0]?.key);
  const initial = states.find((s) => s.parent === null && s.key === initialKey)?.id ?? initialKey;
  return { machine: machine.id, initial, states, edges: graphEdges(nodes, ids) };
}
