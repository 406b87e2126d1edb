// The segment ladder: one lifeline per endpoint, one row per virtual instant (not to time
// scale — a 10 ms handshake and a 60 s TIME_WAIT get the same room), one arrow per segment
// from its send row to its delivery row. Dropped segments end with a cross where they died
// (half-way for the network, at the receiver for a host drop); duplicates are dotted,
// reordered ones teal, retransmissions amber.
//
// Dense runs (lossy-transfer: 1,689 events; a flood: thousands of segments) stay fast and
// readable because the ladder is virtualised: `ladderLayout` places every row once per moment,
// `renderLadderWindow` draws only the rows in the scroll window (plus a margin) inside a spacer
// as tall as the whole ladder, and a label that would overlap one already placed is hidden
// (class `collides`) until its segment is hovered or focused. Filters (connection, flags,
// retransmissions, drops) keep only the matching segments and the rows they touch.

import { ELSEWHERE, formatTime, segmentLabel } from './model.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
export const ROW = 26;
const TOP = 10;
const HEAD = 26;
/** Height of the lane header above the rows (app.js computes scroll offsets with it). */
export const LADDER_HEAD = HEAD;
/** x of the time labels' right edge, and of the first lifeline (state tags fit in between). */
const TIME_X = 70;
const LEFT = 190;
const RIGHT_MARGIN = 130;
/**
 * Rows drawn above and below the visible window, so a fast scroll rarely shows a blank. Few: every
 * row drawn is markup parsed, styled and laid out in the frame that redraws the window.
 */
const OVERSCAN = 3;
/** Label metrics for collision tests: .seg-label is 11 px monospace (0.6 em per character). */
const LABEL_CHAR = 6.7;
const LABEL_HEIGHT = 13;
/** Arrowhead colours, matching style.css. */
const MARKERS = {
  plain: '#3b4456',
  dropped: '#d62828',
  duplicate: '#7048e8',
  reordered: '#0c8599',
  retransmit: '#c77700',
  selected: '#9c36b5',
};

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A segment's connection, the same whichever way it travels: "client:40000 ⇄ server:80". */
export function connectionKey(s) {
  const a = `${s.from}:${s.seg.srcPort}`;
  const b = `${s.to}:${s.seg.dstPort}`;
  return a < b ? `${a} ⇄ ${b}` : `${b} ⇄ ${a}`;
}

/** What the flags filter can ask for. */
export const FLAG_FILTERS = {
  SYN: (s) => s.seg.flags.includes('SYN'),
  FIN: (s) => s.seg.flags.includes('FIN'),
  RST: (s) => s.seg.flags.includes('RST'),
  data: (s) => s.seg.len > 0,
  'pure ACK': (s) => s.seg.len === 0 && s.seg.flags.length === 1 && s.seg.flags[0] === 'ACK',
};

/** True when `filter` ({conn, flags, retransmits, drops}) keeps segment `s`. */
export function segmentMatches(s, filter) {
  if (!filter) return true;
  if (filter.conn && connectionKey(s) !== filter.conn) return false;
  if (filter.flags && !FLAG_FILTERS[filter.flags]?.(s)) return false;
  if (filter.retransmits && !s.retransmit) return false;
  if (filter.drops && !s.drop) return false;
  return true;
}

export function filterActive(filter) {
  return Boolean(filter && (filter.conn || filter.flags || filter.retransmits || filter.drops));
}

/**
 * Places everything once per shown moment (cheap: no markup). Rows are all instants, or with an
 * active filter only the instants where a kept segment is sent or arrives.
 */
export function ladderLayout(model, { width = 900, filter = null, view = null } = {}) {
  // A group view (groups.js) folds a group's hosts into one lane: their segments end there.
  const lanes = view ? view.lanes : [...model.endpoints.map((e) => e.id), ...model.extraLanes];
  const laneOf = (id) => view?.laneOf.get(id) ?? id;
  const usable = Math.max(width - LEFT - RIGHT_MARGIN - 4, 300 * Math.max(1, lanes.length - 1));
  const gap = lanes.length > 1 ? usable / (lanes.length - 1) : 0;
  const laneX = new Map(lanes.map((id, i) => [id, LEFT + i * gap]));
  const totalWidth = LEFT + gap * Math.max(0, lanes.length - 1) + RIGHT_MARGIN;
  const filtering = filterActive(filter);
  const kept = [];
  for (const id of model.segmentOrder) {
    const s = model.segments.get(id);
    if (segmentMatches(s, filtering ? filter : null)) kept.push(s);
  }
  let rows = model.instants;
  if (filtering) {
    const touched = new Set();
    for (const s of kept) {
      touched.add(s.t);
      if (s.deliveredAt !== null) touched.add(s.deliveredAt);
    }
    rows = model.instants.filter((t) => touched.has(t));
  }
  const rowOf = new Map();
  rows.forEach((t, i) => {
    rowOf.set(t, i);
  });
  const segs = [];
  for (const s of kept) {
    const r1 = rowOf.get(s.t);
    if (r1 === undefined) continue;
    const delivered = s.deliveredAt !== null && rowOf.has(s.deliveredAt) && !(s.drop && !s.drop.host);
    segs.push({ s, r1, r2: delivered ? rowOf.get(s.deliveredAt) : r1 + 1 });
  }
  const states = model.stateEvents.filter((e) => rowOf.has(e.t) && laneX.has(e.endpoint));
  return {
    lanes,
    laneOf,
    laneX,
    totalWidth,
    rows,
    rowOf,
    segs,
    states,
    filtering,
    height: TOP + rows.length * ROW + ROW,
  };
}

const rowY = (r) => TOP + r * ROW + ROW / 2;

/** The first and last row to draw for a scroll window (pixels from the top of the rows). */
export function windowRows(layout, scrollTop, viewHeight) {
  const first = Math.max(0, Math.floor((scrollTop - HEAD - TOP) / ROW) - OVERSCAN);
  const last = Math.min(layout.rows.length - 1, Math.ceil((scrollTop + viewHeight) / ROW) + OVERSCAN);
  return { first, last };
}

/** Lane titles, in a header that stays put while the rows scroll. */
function headMarkup(layout, model) {
  const laneLabel = (id) => {
    const ep = model.endpointById.get(id);
    return ep ? `${id} ${ep.address}` : id === ELSEWHERE ? 'no endpoint (unroutable)' : id;
  };
  const { totalWidth } = layout;
  const head = [
    `<svg xmlns="${SVG_NS}" class="ladder-svg" width="${totalWidth}" height="${HEAD}" viewBox="0 0 ${totalWidth} ${HEAD}">`,
  ];
  for (const id of layout.lanes) {
    head.push(
      `<text class="lane-title" x="${layout.laneX.get(id)}" y="17" text-anchor="middle" data-lane="${esc(id)}">${esc(laneLabel(id))}</text>`,
    );
  }
  head.push('</svg>');
  return head.join('');
}

/**
 * The end of a group's start tag and its tooltip: a <title> child in an export, where a viewer
 * shows it on hover; in the page a data-tip attribute that becomes a <title> when the group is
 * first hovered (addTooltip), so a redraw parses and styles one element fewer per segment.
 */
function tip(text, standalone) {
  return standalone ? `><title>${esc(text)}</title>` : ` data-tip="${esc(text)}">`;
}

/** Gives a ladder group under the pointer its tooltip (see tip); app.js calls it on pointerover. */
export function addTooltip(target) {
  const g = target instanceof Element ? target.closest('[data-tip]') : null;
  if (!g || g.querySelector(':scope > title')) return;
  const title = document.createElementNS(SVG_NS, 'title');
  title.textContent = g.getAttribute('data-tip');
  g.prepend(title);
}

/** Boxes already taken by labels and tags; a new box overlapping one is refused. */
function placer() {
  const boxes = [];
  return {
    take(x1, y1, x2, y2) {
      for (const b of boxes) if (x1 < b[2] && x2 > b[0] && y1 < b[3] && y2 > b[1]) return false;
      boxes.push([x1, y1, x2, y2]);
      return true;
    },
  };
}

/** Tags drawn side by side per row and lane; more become one "+N" tag (a flood opens dozens at once). */
const TAGS_PER_ROW = 3;

/**
 * State changes as small tags beside the lifeline, left of the first lane, right of the others;
 * several in one row sit side by side, never on top of each other. Keyed markup ([key, markup]).
 */
function stateTagMarkup(layout, first, last, place, standalone) {
  const out = [];
  const perRow = new Map();
  for (const e of layout.states) {
    const r = layout.rowOf.get(e.t);
    if (r < first || r > last) continue;
    const x = layout.laneX.get(e.endpoint);
    const side = x <= LEFT + 1 ? 1 : -1;
    const key = `${r}|${e.endpoint}`;
    const row = perRow.get(key) ?? { n: 0, offset: 0, extra: 0 };
    perRow.set(key, row);
    row.n++;
    if (row.n > TAGS_PER_ROW) {
      row.extra++;
      continue;
    }
    const w = e.to.length * 6.7 + 8;
    // Left of the first lifeline; right of the others, clear of the arrowheads that end there.
    const tx = side > 0 ? x - w - 6 - row.offset : x + 8 + row.offset;
    if (row.n > 1 && side > 0 && tx < TIME_X + 40) {
      // No room left of the first lane (the time column is there): counted in "+N".
      row.extra++;
      continue;
    }
    row.offset += w + 4;
    row.x = side > 0 ? tx : tx + w + 4;
    row.side = side;
    row.y = rowY(r) - 17;
    const ty = row.y;
    place.take(tx, ty, tx + w, ty + 15);
    const what = `${e.endpoint} ${e.conn}: ${e.from} → ${e.to} at ${formatTime(e.t)}`;
    out.push([
      `t${e.index}`,
      `<g class="state-tag" tabindex="0" role="button" data-endpoint="${esc(e.endpoint)}" data-conn="${esc(e.conn)}" data-state="${esc(e.to)}" data-from="${esc(e.from)}" data-index="${e.index}" aria-label="${esc(what)}"${tip(`${what} (click: go there, list every time this edge fired)`, standalone)}<rect class="state-mark-bg" x="${tx}" y="${ty}" width="${w}" height="15" rx="3"/><text class="state-mark" x="${tx + 4}" y="${ty + 11.5}">${esc(e.to)}</text></g>`,
    ]);
  }
  for (const [key, row] of perRow) {
    if (!row.extra) continue;
    const text = `+${row.extra}`;
    const w = text.length * 6.7 + 8;
    const tx = row.side > 0 ? row.x - w - 4 : row.x;
    place.take(tx, row.y, tx + w, row.y + 15);
    out.push([
      `m${key}`,
      `<g class="state-more"${tip(`${row.extra} more state changes at this instant (the event list has them all)`, standalone)}<rect class="state-mark-bg" x="${tx}" y="${row.y}" width="${w}" height="15" rx="3"/><text class="state-mark" x="${tx + 4}" y="${row.y + 11.5}">${text}</text></g>`,
    ]);
  }
  return out;
}

/** Geometry and classes of one segment's arrow. */
function arrowOf(layout, s, model, selected) {
  const x1 = layout.laneX.get(layout.laneOf(s.from));
  const xTo = layout.laneX.get(layout.laneOf(s.to)) ?? layout.laneX.get(ELSEWHERE);
  // Between two hosts folded into the same lane: nothing to draw.
  if (x1 === undefined || xTo === undefined || x1 === xTo) return null;
  const y1 = rowY(layout.rowOf.get(s.t));
  let x2 = xTo;
  let y2;
  const classes = ['segment'];
  let cross = '';
  if (s.drop && !s.drop.host) {
    // Died in the network: the arrow stops part-way, with a cross.
    x2 = x1 + (xTo - x1) * 0.45;
    y2 = y1 + ROW * 0.7;
    classes.push('dropped');
    cross = `<path class="cross" d="M${x2 - 5},${y2 - 5} L${x2 + 5},${y2 + 5} M${x2 - 5},${y2 + 5} L${x2 + 5},${y2 - 5}"/>`;
  } else if (s.deliveredAt !== null && layout.rowOf.has(s.deliveredAt)) {
    y2 = rowY(layout.rowOf.get(s.deliveredAt));
    if (s.drop?.host) {
      classes.push('dropped', 'host-drop');
      const cx = x2 + (x1 < x2 ? 9 : -9);
      cross = `<path class="cross" d="M${cx - 5},${y2 - 5} L${cx + 5},${y2 + 5} M${cx - 5},${y2 + 5} L${cx + 5},${y2 - 5}"/>`;
    }
  } else {
    // Still in flight at this moment.
    x2 = x1 + (xTo - x1) * 0.3;
    y2 = y1 + ROW * 0.5;
    classes.push('in-flight');
  }
  if (s.duplicateOf !== null) classes.push('duplicate');
  if (s.reordered) classes.push('reordered');
  if (s.retransmit) classes.push('retransmit');
  if (s.divergence) classes.push('divergence');
  if (selected !== null && selected === s.id) classes.push('selected');
  if (model.lastSegment === s.id) classes.push('latest');
  return { x1, y1, x2, y2, classes, cross };
}

function labelOf(s) {
  let label = segmentLabel(s);
  if (s.retransmit) label += ' (retx)';
  if (s.duplicateOf !== null) label += ` (dup of #${s.duplicateOf})`;
  if (s.reordered) label += ' (reordered)';
  if (s.drop) label += ` ✕ ${s.drop.reason}`;
  if (s.divergence) label += ` ✗ ${s.divergence.rule}`;
  return label;
}

/** One segment's group; its label gets `collides` when its box overlaps one placed before. */
function segmentMarkup(layout, s, model, selected, place, standalone) {
  const a = arrowOf(layout, s, model, selected);
  if (!a) return '';
  const { x1, y1, x2, y2, classes, cross } = a;
  const marker =
    ['selected', 'dropped', 'duplicate', 'reordered', 'retransmit'].find((c) => classes.includes(c)) ??
    'plain';
  const label = labelOf(s);
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2 - 4;
  const half = (label.length * LABEL_CHAR) / 2;
  const fits = place.take(mx - half, my - LABEL_HEIGHT + 3, mx + half, my + 3);
  const title = `#${s.id} ${s.from} → ${s.to} ${label}; sent ${formatTime(s.t)}${s.state ? ` from ${s.state}` : ''}${
    s.deliveredAt !== null ? `, delivered ${formatTime(s.deliveredAt)}` : ''
  }${s.drop ? `, dropped (${s.drop.reason})` : ''}${
    s.divergence ? `; the model would not have sent it: ${s.divergence.rule}: ${s.divergence.detail}` : ''
  }`;
  // Focusable (tabindex) with a name, so keyboard users reach segments; Enter selects (app.js).
  return (
    `<g class="${classes.join(' ')}" tabindex="0" role="button" aria-label="${esc(title)}" data-id="${s.id}" data-from="${esc(s.from)}" data-to="${esc(s.to)}" data-flags="${esc(s.seg.flags.join(','))}"${s.divergence ? ` data-divergence="${esc(s.divergence.rule)}"` : ''}${tip(title, standalone)}` +
    `<line class="hit" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"/>` +
    `<line class="arrow" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#la-${marker})"/>` +
    cross +
    `<text class="seg-label${fits ? '' : ' collides'}" x="${mx}" y="${my}" text-anchor="middle">${esc(label)}</text></g>`
  );
}

/** Markers for the arrowheads (one per colour), in the SVG's <defs>. */
function markerDefs() {
  return Object.entries(MARKERS).map(
    ([name, color]) =>
      `<marker id="la-${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`,
  );
}

/**
 * What rows `first`..`last` draw, as keyed markup in paint order, one element per item: rows
 * (line and time), lifelines from `top` to `bottom`, state tags, segments. A key names the same
 * thing from one redraw to the next (a row index, a lane, a state change, a segment), so the
 * window can keep the elements whose markup did not change (renderLadderWindow).
 * The selected segment's label is placed first and its group drawn last, so it is never hidden
 * and lies on top of its neighbours (SVG paints in order); the others are dimmed by CSS.
 */
function ladderItems(layout, model, { selected, first, last, top, bottom, standalone }) {
  const rows = [];
  for (let r = first; r <= last; r++) {
    const ry = rowY(r);
    // In the page the row lines are the spacer's CSS background (style.css .ladder-space): one
    // element per row instead of three.
    const line = standalone
      ? `<line class="row-line" x1="${TIME_X + 4}" x2="${layout.totalWidth}" y1="${ry}" y2="${ry}"/>`
      : '';
    const time = `<text class="row-time" x="${TIME_X}" y="${ry + 4}" text-anchor="end">${esc(formatTime(layout.rows[r]))}</text>`;
    rows.push([`r${r}`, standalone ? `<g class="row">${line}${time}</g>` : time]);
  }
  const lifelines = layout.lanes.map((id) => {
    const x = layout.laneX.get(id);
    return [`l${id}`, `<line class="lifeline" x1="${x}" x2="${x}" y1="${top}" y2="${bottom - 6}"/>`];
  });
  const place = placer();
  const tags = stateTagMarkup(layout, first, last, place, standalone);
  const visible = layout.segs.filter((g) => g.r1 <= last && g.r2 >= first);
  const chosen = visible.find((g) => g.s.id === selected);
  const chosenItem = chosen
    ? [`s${chosen.s.id}`, segmentMarkup(layout, chosen.s, model, selected, place, standalone)]
    : null;
  const segments = [];
  for (const g of visible) {
    if (g !== chosen)
      segments.push([`s${g.s.id}`, segmentMarkup(layout, g.s, model, selected, place, standalone)]);
  }
  if (chosenItem) segments.push(chosenItem);
  // An arrow between two hosts folded into one lane draws nothing.
  return { rows, lifelines, tags, segments: segments.filter(([, markup]) => markup !== '') };
}

/** The vertical extent of rows `first`..`last` in the whole ladder's coordinates. */
function windowExtent(layout, first, last) {
  const top = first > 0 ? rowY(first) - ROW / 2 : 0;
  const bottom = last >= layout.rows.length - 1 ? layout.height : rowY(last) + ROW / 2;
  return { top, bottom: Math.max(top, bottom) };
}

const svgClass = (layout, model, selected) =>
  `ladder-svg ladder-body${selected !== null && model.segments.has(selected) ? ' has-selection' : ''}${layout.filtering ? ' filtered' : ''}`;

/**
 * The SVG of rows `first`..`last` as one string (the export draws every row with it).
 */
export function ladderSvg(layout, model, { selected = null, first = 0, last = layout.rows.length - 1 } = {}) {
  const { totalWidth } = layout;
  const { top, bottom } = windowExtent(layout, first, last);
  const height = bottom - top;
  const items = ladderItems(layout, model, { selected, first, last, top, bottom, standalone: true });
  const parts = [
    `<svg xmlns="${SVG_NS}" class="${svgClass(layout, model, selected)}" width="${totalWidth}" height="${height}" viewBox="0 ${top} ${totalWidth} ${height}" data-first-row="${first}" data-last-row="${last}" data-rows="${layout.rows.length}" data-count="${model.count}">`,
    '<defs>',
    ...markerDefs(),
    '</defs>',
  ];
  for (const layer of LAYERS) for (const [, markup] of items[layer]) parts.push(markup);
  parts.push('</svg>');
  return parts.join('');
}

/** The window SVG's layers, in paint order. */
const LAYERS = ['rows', 'lifelines', 'tags', 'segments'];

/** Per layer element of the window: key → { el, markup } of what it holds. */
const keyedChildren = new WeakMap();

/**
 * Makes `layer`'s children the elements of `items` ([key, markup], in order), keeping every
 * element whose markup is unchanged since the last redraw. A scroll or a step of the run changes
 * a few rows and segments; the rest stay in the DOM untouched, so the frame parses, styles, lays
 * out and paints only what changed (recreating the ~500 elements of the rows in view every time
 * was the page's costliest task). At most `budget.left` new elements are made (the budget is
 * shared by the layers); the others are left out, for the next frame. Returns how many were left.
 */
function reconcile(layer, items, budget) {
  const had = keyedChildren.get(layer) ?? new Map();
  const kept = new Map();
  const fresh = [];
  let left = 0;
  for (const [key, markup] of items) {
    const old = had.get(key);
    if (old && old.markup === markup) {
      kept.set(key, old);
      had.delete(key);
    } else if (fresh.length < budget.left) fresh.push([key, markup]);
    else left++;
  }
  budget.left -= fresh.length;
  for (const { el } of had.values()) el.remove();
  if (fresh.length) {
    // One parse for every new element (markup in the SVG namespace: the context is an SVG <g>).
    const scratch = document.createElementNS(SVG_NS, 'g');
    scratch.innerHTML = fresh.map(([, markup]) => markup).join('');
    const made = Array.from(scratch.children);
    fresh.forEach(([key, markup], i) => {
      kept.set(key, { el: made[i], markup });
    });
  }
  // Paint order = item order; in the usual case (rows scrolled in at one end) nothing moves.
  let next = layer.firstChild;
  for (const [key] of items) {
    const el = kept.get(key)?.el;
    if (!el) continue;
    if (el === next) next = el.nextSibling;
    else layer.insertBefore(el, next);
  }
  keyedChildren.set(layer, kept);
  return left;
}

const setAttr = (el, name, value) => {
  const text = String(value);
  if (el.getAttribute(name) !== text) el.setAttribute(name, text);
};

/** The window's SVG: as wide and tall as the whole ladder, its layers made once per width. */
function windowSvg(space, layout) {
  let svg = space.firstElementChild;
  const key = `${layout.totalWidth}|${layout.lanes.join(',')}`;
  if (!svg || svg.dataset.key !== key) {
    space.innerHTML = `<svg xmlns="${SVG_NS}" class="ladder-svg ladder-body" data-key="${esc(key)}"><defs>${markerDefs().join('')}</defs>${LAYERS.map((l) => `<g class="layer-${l}"></g>`).join('')}</svg>`;
    svg = space.firstElementChild;
  }
  return svg;
}

/**
 * Renders the visible window of the ladder into `container` (a scrolling element). The lane
 * header, a spacer as tall as the whole ladder and one SVG of that size are built once; a redraw
 * updates the SVG's children in place (reconcile), so the scroll position survives every redraw
 * and only rows and segments that changed are new. At most `maxNew` elements are made; returns
 * the rows drawn and how many elements are still to make (`pending`: call again next frame).
 */
export function renderLadderWindow(
  container,
  layout,
  model,
  {
    selected = null,
    scrollTop = container.scrollTop,
    viewHeight = container.clientHeight || 520,
    maxNew = Number.POSITIVE_INFINITY,
  } = {},
) {
  let head = container.querySelector(':scope > .ladder-head');
  let space = container.querySelector(':scope > .ladder-space');
  if (!head || !space) {
    container.replaceChildren();
    head = document.createElement('div');
    head.className = 'ladder-head';
    space = document.createElement('div');
    space.className = 'ladder-space';
    container.append(head, space);
  }
  const headKey = `${layout.totalWidth}|${layout.lanes.join(',')}`;
  if (head.dataset.key !== headKey) {
    head.dataset.key = headKey;
    head.innerHTML = headMarkup(layout, model);
  }
  // CSSOM, not a style attribute: the page's CSP refuses inline style markup.
  const height = `${layout.height}px`;
  if (space.style.height !== height) space.style.height = height;
  const width = `${layout.totalWidth}px`;
  if (space.style.width !== width) space.style.width = width;
  const { first, last } = windowRows(layout, scrollTop, viewHeight);
  if (!layout.rows.length) {
    space.replaceChildren();
    return { first, last, pending: 0 };
  }
  const svg = windowSvg(space, layout);
  // Whole-ladder coordinates with no viewBox: growing the ladder moves nothing already drawn.
  setAttr(svg, 'width', layout.totalWidth);
  setAttr(svg, 'height', layout.height);
  setAttr(svg, 'class', svgClass(layout, model, selected));
  const items = ladderItems(layout, model, { selected, first, last, ...windowExtent(layout, first, last) });
  const budget = { left: maxNew };
  let pending = 0;
  LAYERS.forEach((name, i) => {
    pending += reconcile(svg.children[i + 1], items[name], budget);
  });
  // What the window shows, once all of it is drawn (tests wait for these).
  if (!pending) {
    for (const [name, value] of [
      ['data-first-row', first],
      ['data-last-row', last],
      ['data-rows', layout.rows.length],
      ['data-count', model.count],
    ])
      setAttr(svg, name, value);
  }
  return { first, last, pending };
}

/** Scroll offset that centres row `r` in a container of height `viewHeight`. */
export function scrollTopForRow(r, viewHeight) {
  return Math.max(0, HEAD + rowY(r) - viewHeight / 2);
}
