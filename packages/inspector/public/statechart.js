// Draws the connection statechart (layout computed on the server from the XState machine
// definition with elkjs) as SVG, and updates which state is current and which transition
// was just taken. Compound states (open, synchronized) are containers around their children;
// a transition a container owns (ABORT, RST, …) is one arrow from the container's border.
// Plain DOM, no framework. findEdge and leafNode are pure (unit-tested under Node).

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Used when a layout does not say (older servers). */
const DEFAULT_FONTS = { state: 13, compound: 13, label: 12, lineHeight: 15, indent: 15 };

function el(name, attrs = {}, parent) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

/**
 * The layout node drawing the state a trace names (`ESTABLISHED`): a leaf, never a container.
 * Back in the initial state after a move from elsewhere, its second drawing at the bottom.
 */
export function leafNode(layout, state, cameFrom) {
  const leaves = layout.nodes.filter((n) => !n.compound && n.state === state);
  const alias = leaves.find((n) => n.alias);
  if (alias && state === layout.initial && cameFrom && cameFrom !== layout.initial) return alias;
  return leaves.find((n) => !n.alias);
}

/**
 * The drawn edge a move from one state to another took (`event`, when known, must be one of its
 * transitions). XState tries a state's own transitions before its ancestors', so the edge is
 * looked for from the leaf outwards: ESTABLISHED → CLOSED on a RST is `synchronized->CLOSED`.
 */
export function findEdge(layout, from, to, event) {
  const parentOf = new Map(layout.nodes.filter((n) => !n.alias).map((n) => [n.id, n.parent]));
  const source = leafNode(layout, from)?.id;
  const target = leafNode(layout, to)?.id;
  for (let s = source; s; s = parentOf.get(s)) {
    const edge = layout.edges.find(
      (e) =>
        e.source === s && e.target === target && (!event || e.transitions.some((t) => t.event === event)),
    );
    if (edge) return edge;
  }
  return undefined;
}

/** Ids of the containers around a node, innermost first. */
function ancestors(layout, nodeId) {
  const parentOf = new Map(layout.nodes.map((n) => [n.id, n.parent]));
  const out = [];
  for (let p = parentOf.get(nodeId); p; p = parentOf.get(p)) out.push(p);
  return out;
}

let markerSeq = 0;

function arrowMarkers(svg, id) {
  const defs = el('defs', {}, svg);
  for (const kind of ['plain', 'taken', 'caused']) {
    const marker = el(
      'marker',
      {
        id: `${id}-arrow-${kind}`,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
        class: `arrowhead ${kind}`,
      },
      defs,
    );
    el('path', { d: 'M0,0 L10,5 L0,10 z' }, marker);
  }
}

/** Events of the transitions a debugging reader may hide: aborts, give-ups and resets. */
const EXCEPTIONAL_EVENTS = new Set(['ABORT', 'RTO_TIMEOUT', 'FIN_WAIT_2_TIMEOUT']);

/**
 * True when every transition of a drawn edge is an abort, a reset (RST received or sent) or a
 * timeout that gives up (retries exhausted, FIN_WAIT_2 timeout) — not the normal 2MSL expiry.
 */
export function exceptionalEdge(edge) {
  return edge.transitions.every(
    (t) => EXCEPTIONAL_EVENTS.has(t.event) || /\b(rcv|snd) RST\b/.test(t.description ?? ''),
  );
}

function drawEdge(chart, edge, layers) {
  const { layout, markerId, fonts } = chart;
  const toInitial = edge.target === layout.initial && edge.source !== layout.initial;
  const kind = `${toInitial ? ' to-closed' : ''}${exceptionalEdge(edge) ? ' exceptional' : ''}`;
  const g = el(
    'g',
    {
      class: `edge${kind}`,
      'data-edge': edge.id,
      'data-source': edge.source,
      'data-target': edge.target,
    },
    layers.edges,
  );
  const d = edge.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
  el('path', { class: 'edge-line', d, 'marker-end': `url(#${markerId}-arrow-plain)` }, g);
  el('path', { class: 'edge-flow', d }, g);
  const lg = el(
    'g',
    {
      class: `edge-label${kind}`,
      'data-edge': edge.id,
      // Reachable by keyboard: Enter lists every time this edge fired (app.js).
      tabindex: 0,
      role: 'button',
      'aria-label': `${edge.source} → ${edge.target}: ${edge.transitions.map((t) => t.description).join('; ')} (list every time it fired)`,
    },
    layers.labels,
  );
  const { x, y, width, height } = edge.label;
  el('rect', { class: 'label-bg', x: x - 2, y, width: width + 4, height, rx: 3 }, lg);
  let line = 0;
  for (const t of edge.transitions) {
    const text = el(
      'text',
      { class: 'transition', 'data-transition': t.id, 'data-event': t.event, 'font-size': fonts.label },
      lg,
    );
    for (const [i, part] of (t.lines ?? [t.description]).entries()) {
      line++;
      // Baseline about a fifth of the line above its bottom; continuation lines indented.
      const tspan = el(
        'tspan',
        { x: x + 2 + (i > 0 ? fonts.indent : 0), y: y + 2 + fonts.lineHeight * line - fonts.lineHeight / 5 },
        text,
      );
      tspan.textContent = part;
    }
    const title = el('title', {}, text);
    title.textContent = `${edge.source} → ${edge.target} on ${t.eventLabel}: ${t.description}`;
    chart.transitions.set(t.id, { text, edge: edge.id, event: t.event });
  }
  chart.edges.set(edge.id, { g, label: lg, edge });
}

/** A compound state: a rounded container with its name in the top-left corner. */
function drawContainer(chart, node, layer) {
  const g = el(
    'g',
    { class: 'compound', 'data-state-node': node.id, transform: `translate(${node.x},${node.y})` },
    layer,
  );
  el('rect', { width: node.width, height: node.height, rx: 14, ry: 14 }, g);
  const name = el(
    'text',
    { class: 'compound-name', x: 12, y: chart.fonts.compound + 5, 'font-size': chart.fonts.compound },
    g,
  );
  name.textContent = node.label;
  chart.containers.set(node.id, g);
}

function drawState(chart, node, layer) {
  const attrs = {
    class: `state${node.initial ? ' initial' : ''}${node.alias ? ' alias' : ''}`,
    'data-state': node.state,
    'data-node': node.id,
    transform: `translate(${node.x},${node.y})`,
  };
  if (node.alias) attrs['data-alias'] = 'true';
  const g = el('g', attrs, layer);
  el('rect', { width: node.width, height: node.height, rx: 10, ry: 10 }, g);
  const fontSize = chart.fonts.state;
  const text = el(
    'text',
    {
      x: node.width / 2,
      y: node.height / 2 + fontSize * 0.35,
      'text-anchor': 'middle',
      'font-size': fontSize,
    },
    g,
  );
  text.textContent = node.label;
  chart.nodes.set(node.id, g);
}

/**
 * Builds the SVG for one statechart. Every leaf state is a `<g class="state" data-state="NAME">`,
 * every container a `<g class="compound" data-state-node="NAME">`, every drawn edge a
 * `<g class="edge" data-edge="SRC->DST">` whose label has one `<text class="transition"
 * data-transition="ID">` per transition.
 */
export function createStatechart(layout) {
  const id = `sc${++markerSeq}`;
  const svg = el('svg', {
    class: 'statechart-svg',
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    width: layout.width,
    height: layout.height,
    role: 'img',
    'aria-label': `${layout.machine} statechart`,
  });
  arrowMarkers(svg, id);
  const layers = {
    containers: el('g', { class: 'containers' }, svg),
    edges: el('g', { class: 'edges' }, svg),
    labels: el('g', { class: 'edge-labels' }, svg),
    states: el('g', { class: 'states' }, svg),
  };
  const chart = {
    svg,
    layout,
    fonts: { ...DEFAULT_FONTS, ...layout.fonts },
    markerId: id,
    nodes: new Map(),
    containers: new Map(),
    edges: new Map(),
    transitions: new Map(),
    current: null,
    taken: null,
    caused: [],
  };
  for (const node of layout.nodes) {
    if (node.compound) drawContainer(chart, node, layers.containers);
    else drawState(chart, node, layers.states);
  }
  for (const edge of layout.edges) drawEdge(chart, edge, layers);
  return chart;
}

function setArrow(chart, edgeId, kind) {
  const entry = chart.edges.get(edgeId);
  if (!entry) return;
  entry.g.querySelector('.edge-line').setAttribute('marker-end', `url(#${chart.markerId}-arrow-${kind})`);
}

/** The label lines of `edge` for `event` (all of them when the event is unknown or not among them). */
function linesFor(chart, edge, event) {
  const matching = edge.transitions.filter((t) => !event || t.event === event);
  return (matching.length ? matching : edge.transitions)
    .map((t) => chart.transitions.get(t.id)?.text)
    .filter(Boolean);
}

function showCurrent(chart, state, taken) {
  const nodeId = leafNode(chart.layout, state, taken?.to === state ? taken.from : undefined)?.id ?? null;
  if (chart.current === nodeId) return;
  for (const [id, g] of chart.nodes) g.classList.toggle('current', id === nodeId);
  const inside = new Set(nodeId ? ancestors(chart.layout, nodeId) : []);
  for (const [id, g] of chart.containers) g.classList.toggle('active', inside.has(id));
  chart.current = nodeId;
}

function clearTaken(chart) {
  if (!chart.taken) return;
  const old = chart.edges.get(chart.taken.edge);
  if (old) {
    old.g.classList.remove('taken');
    old.label.classList.remove('taken');
    setArrow(chart, chart.taken.edge, 'plain');
  }
  for (const t of chart.taken.lines) t.classList.remove('taken');
  for (const g of chart.nodes.values()) g.classList.remove('previous');
  chart.taken = null;
}

/**
 * Shows `state` as current (class `current`; its containers `active`; the svg gets `data-state`)
 * and `taken` ({ from, to, event, key }) as the transition just taken: its edge gets class
 * `taken` (animated) and the matching label line `taken`. `key` identifies the transition
 * occurrence so re-rendering the same moment does not restart the animation.
 */
export function updateStatechart(chart, state, taken) {
  showCurrent(chart, state, taken);
  chart.svg.setAttribute('data-state', state ?? '');
  const key = taken ? `${taken.key}` : null;
  if (chart.taken?.key === key) return;
  const takenBefore = chart.taken?.edge ?? null;
  clearTaken(chart);
  if (!taken) return;
  const edge = findEdge(chart.layout, taken.from, taken.to, taken.event);
  const entry = edge && chart.edges.get(edge.id);
  const lines = [];
  if (entry) {
    // Restart the CSS animation without forcing a layout in the middle of the frame: the same
    // edge taken again flips `taken-again`, which swaps the animation (`flow`) for an identical
    // one under another name; a newly taken edge starts `flow` anyway.
    entry.g.classList.toggle(
      'taken-again',
      takenBefore === edge.id && !entry.g.classList.contains('taken-again'),
    );
    entry.g.classList.add('taken');
    entry.label.classList.add('taken');
    setArrow(chart, edge.id, 'taken');
    for (const line of linesFor(chart, edge, taken.event)) {
      line.classList.add('taken');
      lines.push(line);
    }
    chart.svg.setAttribute('data-taken', edge.id);
  }
  const fromNode = leafNode(chart.layout, taken.from);
  if (fromNode) chart.nodes.get(fromNode.id)?.classList.add('previous');
  chart.taken = { key, edge: edge?.id ?? null, lines };
}

/** Marks the transitions a clicked segment caused (class `caused`), or clears them. */
export function markCaused(chart, list) {
  for (const item of chart.caused) {
    item.g.classList.remove('caused');
    item.label.classList.remove('caused');
    setArrow(chart, item.edge, chart.taken?.edge === item.edge ? 'taken' : 'plain');
    for (const line of item.lines) line.classList.remove('caused');
  }
  chart.caused = [];
  for (const c of list ?? []) {
    const edge = findEdge(chart.layout, c.from, c.to, c.event);
    const entry = edge && chart.edges.get(edge.id);
    if (!entry) continue;
    entry.g.classList.add('caused');
    entry.label.classList.add('caused');
    setArrow(chart, edge.id, 'caused');
    const lines = edge.transitions
      .filter((t) => !c.event || t.event === c.event)
      .map((t) => chart.transitions.get(t.id)?.text)
      .filter(Boolean);
    for (const line of lines) line.classList.add('caused');
    chart.caused.push({ g: entry.g, label: entry.label, edge: edge.id, lines });
  }
}

/**
 * The states worth showing when only the path matters: every state the connection visited
 * (`history`: its transitions), the initial one, and where the current state can go next
 * (targets of the edges leaving it or its containers). Layout node ids.
 */
export function visitedAndNext(layout, history, state) {
  const keep = new Set([layout.initial]);
  for (const step of history) {
    const node = leafNode(layout, step.to, step.from);
    if (node) keep.add(node.id);
  }
  const last = history[history.length - 1];
  const current = leafNode(layout, state, last?.to === state ? last.from : undefined);
  if (current) {
    keep.add(current.id);
    const sources = new Set([current.id, ...ancestors(layout, current.id)]);
    for (const e of layout.edges) if (sources.has(e.source)) keep.add(e.to ?? e.target);
  }
  return keep;
}

/**
 * Hides (class `off`) every state not in `keep` (layout node ids) and every edge with an end
 * hidden; containers stay. `keep` null shows everything again.
 */
export function showOnly(chart, keep) {
  const key = keep ? [...keep].sort().join(',') : '';
  if (chart.onlyKey === key) return;
  chart.onlyKey = key;
  for (const [id, g] of chart.nodes) g.classList.toggle('off', Boolean(keep) && !keep.has(id));
  const containers = new Set(chart.containers.keys());
  const shown = (id) => !keep || containers.has(id) || keep.has(id);
  for (const { g, label, edge } of chart.edges.values()) {
    const off = !shown(edge.from ?? edge.source) || !shown(edge.to ?? edge.target);
    g.classList.toggle('off', off);
    label.classList.toggle('off', off);
  }
}
