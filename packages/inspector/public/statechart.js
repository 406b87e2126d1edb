// Draws the connection statechart (layout computed on the server from the XState machine
// definition with elkjs) as SVG, and updates which state is current and which transition
// was just taken. Plain DOM, no framework.

const SVG_NS = 'http://www.w3.org/2000/svg';
const LINE_HEIGHT = 12;

function el(name, attrs = {}, parent) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

let markerSeq = 0;

/**
 * Builds the SVG for one statechart. Every state is a `<g class="state" data-state="NAME">`,
 * every drawn edge a `<g class="edge" data-edge="SRC->DST">` whose label has one
 * `<text class="transition" data-transition="ID">` per transition.
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
  const edgesLayer = el('g', { class: 'edges' }, svg);
  const labelsLayer = el('g', { class: 'edge-labels' }, svg);
  const nodesLayer = el('g', { class: 'states' }, svg);
  const edges = new Map();
  const transitions = new Map();
  for (const edge of layout.edges) {
    const toClosed = edge.target === 'CLOSED' && edge.source !== 'CLOSED';
    const g = el(
      'g',
      {
        class: `edge${toClosed ? ' to-closed' : ''}`,
        'data-edge': edge.id,
        'data-source': edge.source,
        'data-target': edge.target,
      },
      edgesLayer,
    );
    const d = edge.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
    el('path', { class: 'edge-line', d, 'marker-end': `url(#${id}-arrow-plain)` }, g);
    el('path', { class: 'edge-flow', d }, g);
    const lg = el(
      'g',
      { class: `edge-label${toClosed ? ' to-closed' : ''}`, 'data-edge': edge.id },
      labelsLayer,
    );
    el(
      'rect',
      {
        class: 'label-bg',
        x: edge.label.x - 2,
        y: edge.label.y,
        width: edge.label.width + 4,
        height: edge.label.height,
        rx: 3,
      },
      lg,
    );
    let line = 0;
    for (const t of edge.transitions) {
      const text = el('text', { class: 'transition', 'data-transition': t.id, 'data-event': t.event }, lg);
      for (const part of t.lines ?? [t.description]) {
        line++;
        const tspan = el(
          'tspan',
          { x: edge.label.x + 1, y: edge.label.y + 2 + LINE_HEIGHT * line - 3 },
          text,
        );
        tspan.textContent = part;
      }
      const title = el('title', {}, text);
      title.textContent = `${edge.source} → ${edge.target} on ${t.eventLabel}: ${t.description}`;
      transitions.set(t.id, { text, edge: edge.id, event: t.event });
    }
    edges.set(edge.id, { g, label: lg, edge });
  }
  const nodes = new Map();
  for (const node of layout.nodes) {
    const cls = `state${node.initial ? ' initial' : ''}${node.alias ? ' alias' : ''}`;
    const attrs = {
      class: cls,
      'data-state': node.state,
      'data-node': node.id,
      transform: `translate(${node.x},${node.y})`,
    };
    if (node.alias) attrs['data-alias'] = 'true';
    const g = el('g', attrs, nodesLayer);
    el('rect', { width: node.width, height: node.height, rx: 10, ry: 10 }, g);
    const text = el('text', { x: node.width / 2, y: node.height / 2 + 4, 'text-anchor': 'middle' }, g);
    text.textContent = node.label;
    nodes.set(node.id, g);
  }
  return { svg, nodes, edges, transitions, layout, markerId: id, current: null, taken: null, caused: [] };
}

function setArrow(chart, edgeId, kind) {
  const entry = chart.edges.get(edgeId);
  if (!entry) return;
  entry.g.querySelector('.edge-line').setAttribute('marker-end', `url(#${chart.markerId}-arrow-${kind})`);
}

/**
 * Shows `state` as current (class `current`; the svg gets `data-state`) and `taken`
 * ({ from, to, event, key }) as the transition just taken: its edge gets class `taken`
 * (animated) and the matching label line `taken`. `key` identifies the transition
 * occurrence so re-rendering the same moment does not restart the animation.
 */
export function updateStatechart(chart, state, taken) {
  // Back in the initial state after a transition from elsewhere: highlight its drawing at the bottom.
  const initial = chart.layout.initial;
  const alias = chart.layout.nodes.find((n) => n.alias);
  const nodeId =
    state === initial && alias && taken && taken.to === initial && taken.from !== initial ? alias.id : state;
  if (chart.current !== nodeId) {
    for (const [id, g] of chart.nodes) g.classList.toggle('current', id === nodeId);
    chart.current = nodeId;
  }
  chart.svg.setAttribute('data-state', state ?? '');
  const key = taken ? `${taken.key}` : null;
  if (chart.taken?.key === key) return;
  if (chart.taken) {
    const old = chart.edges.get(chart.taken.edge);
    if (old) {
      old.g.classList.remove('taken');
      old.label.classList.remove('taken');
      setArrow(chart, chart.taken.edge, 'plain');
    }
    for (const t of chart.taken.lines) t.classList.remove('taken');
    for (const g of chart.nodes.values()) g.classList.remove('previous');
  }
  chart.taken = null;
  if (!taken) return;
  const edgeId = `${taken.from}->${taken.to}`;
  const entry = chart.edges.get(edgeId);
  const lines = [];
  if (entry) {
    // Restart the CSS animation: remove, force a style flush, add.
    entry.g.classList.remove('taken');
    void entry.g.getBoundingClientRect();
    entry.g.classList.add('taken');
    entry.label.classList.add('taken');
    setArrow(chart, edgeId, 'taken');
    const matching = entry.edge.transitions.filter((t) => !taken.event || t.event === taken.event);
    for (const t of matching.length ? matching : entry.edge.transitions) {
      const line = chart.transitions.get(t.id)?.text;
      if (line) {
        line.classList.add('taken');
        lines.push(line);
      }
    }
  }
  chart.nodes.get(taken.from)?.classList.add('previous');
  chart.svg.setAttribute('data-taken', edgeId);
  chart.taken = { key, edge: edgeId, lines };
}

/** Marks the transitions a clicked segment caused (class `caused`), or clears them. */
export function markCaused(chart, list) {
  for (const item of chart.caused) {
    item.g?.classList.remove('caused');
    item.label?.classList.remove('caused');
    if (item.edge) setArrow(chart, item.edge, chart.taken?.edge === item.edge ? 'taken' : 'plain');
    for (const line of item.lines) line.classList.remove('caused');
  }
  chart.caused = [];
  for (const c of list ?? []) {
    const edgeId = `${c.from}->${c.to}`;
    const entry = chart.edges.get(edgeId);
    if (!entry) continue;
    entry.g.classList.add('caused');
    entry.label.classList.add('caused');
    setArrow(chart, edgeId, 'caused');
    const lines = [];
    for (const t of entry.edge.transitions) {
      if (c.event && t.event !== c.event) continue;
      const line = chart.transitions.get(t.id)?.text;
      if (line) {
        line.classList.add('caused');
        lines.push(line);
      }
    }
    chart.caused.push({ g: entry.g, label: entry.label, edge: edgeId, lines });
  }
}
