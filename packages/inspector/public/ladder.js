// The segment ladder: one lifeline per endpoint, one row per virtual instant (not to time
// scale — a 10 ms handshake and a 60 s TIME_WAIT get the same room), one arrow per segment
// from its send row to its delivery row. Dropped segments end with a cross where they died
// (half-way for the network, at the receiver for a host drop); duplicates are dotted,
// reordered ones teal, retransmissions amber.

import { ELSEWHERE, formatTime, segmentLabel } from './model.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const ROW = 26;
const TOP = 10;
const HEAD = 26;
/** x of the time labels' right edge, and of the first lifeline (state tags fit in between). */
const TIME_X = 70;
const LEFT = 180;
const RIGHT_MARGIN = 130;
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

/**
 * Renders the ladder for `model` into `container` (replacing its content).
 * Options: `selected` (segment id), `maxRows` (only the latest rows are drawn), `width`.
 */
export function renderLadder(container, model, { selected = null, maxRows = 1200, width = 900 } = {}) {
  const lanes = [...model.endpoints.map((e) => e.id), ...model.extraLanes];
  const laneLabel = (id) => {
    const ep = model.endpointById.get(id);
    return ep ? `${id} ${ep.address}` : id === ELSEWHERE ? 'no endpoint (unroutable)' : id;
  };
  const usable = Math.max(width - LEFT - RIGHT_MARGIN - 4, 300 * Math.max(1, lanes.length - 1));
  const gap = lanes.length > 1 ? usable / (lanes.length - 1) : 0;
  const laneX = new Map(lanes.map((id, i) => [id, LEFT + i * gap]));
  const totalWidth = LEFT + gap * Math.max(0, lanes.length - 1) + RIGHT_MARGIN;

  const instants = model.instants;
  const first = Math.max(0, instants.length - maxRows);
  const rows = instants.slice(first);
  const rowOf = new Map();
  rows.forEach((t, i) => {
    rowOf.set(t, i);
  });
  const y = (t) => TOP + (rowOf.get(t) ?? 0) * ROW + ROW / 2;
  const height = TOP + rows.length * ROW + ROW;

  // Lane titles in a header that stays put while the rows scroll.
  const head = [
    `<div class="ladder-head"><svg xmlns="${SVG_NS}" class="ladder-svg" width="${totalWidth}" height="${HEAD}" viewBox="0 0 ${totalWidth} ${HEAD}">`,
  ];
  for (const id of lanes) {
    head.push(
      `<text class="lane-title" x="${laneX.get(id)}" y="17" text-anchor="middle" data-lane="${esc(id)}">${esc(laneLabel(id))}</text>`,
    );
  }
  head.push('</svg></div>');
  const parts = [];
  parts.push(
    `<svg xmlns="${SVG_NS}" class="ladder-svg ladder-body${selected !== null && model.segments.has(selected) ? ' has-selection' : ''}" width="${totalWidth}" height="${height}" viewBox="0 0 ${totalWidth} ${height}">`,
    '<defs>',
    ...Object.entries(MARKERS).map(
      ([name, color]) =>
        `<marker id="la-${name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`,
    ),
    '</defs>',
  );
  rows.forEach((t, i) => {
    const ry = TOP + i * ROW + ROW / 2;
    parts.push(`<line class="row-line" x1="${TIME_X + 4}" x2="${totalWidth}" y1="${ry}" y2="${ry}"/>`);
    parts.push(
      `<text class="row-time" x="${TIME_X}" y="${ry + 3}" text-anchor="end">${esc(formatTime(t))}</text>`,
    );
  });
  for (const id of lanes) {
    const x = laneX.get(id);
    parts.push(`<line class="lifeline" x1="${x}" x2="${x}" y1="0" y2="${height - 6}"/>`);
  }

  // State changes as small tags beside the lifeline.
  // Tags go left of the first lifeline, right of the others.
  const tagSide = (id) => (laneX.get(id) <= LEFT + 1 ? 1 : -1);
  for (const e of model.stateEvents) {
    if (!rowOf.has(e.t) || !laneX.has(e.endpoint)) continue;
    const x = laneX.get(e.endpoint);
    const side = tagSide(e.endpoint);
    const text = e.to;
    const w = text.length * 6.2 + 8;
    const tx = side > 0 ? x - w - 6 : x + 6;
    const ty = y(e.t) - 8;
    parts.push(
      `<g class="state-tag" data-endpoint="${esc(e.endpoint)}" data-conn="${esc(e.conn)}" data-state="${esc(e.to)}"><title>${esc(`${e.endpoint} ${e.conn}: ${e.from} → ${e.to} at ${formatTime(e.t)}`)}</title><rect class="state-mark-bg" x="${tx}" y="${ty}" width="${w}" height="15" rx="3"/><text class="state-mark" x="${tx + 4}" y="${ty + 11}">${esc(text)}</text></g>`,
    );
  }

  // The selected segment is drawn last so it lies on top of its neighbours (SVG paints in order).
  let selectedMarkup = '';
  for (const id of model.segmentOrder) {
    const s = model.segments.get(id);
    if (!rowOf.has(s.t)) continue;
    const x1 = laneX.get(s.from);
    const xTo = laneX.get(s.to) ?? laneX.get(ELSEWHERE);
    if (x1 === undefined || xTo === undefined) continue;
    const y1 = y(s.t);
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
    } else if (s.deliveredAt !== null && rowOf.has(s.deliveredAt)) {
      y2 = y(s.deliveredAt);
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
    const marker =
      ['selected', 'dropped', 'duplicate', 'reordered', 'retransmit'].find((c) => classes.includes(c)) ??
      'plain';
    let label = segmentLabel(s);
    if (s.retransmit) label += ' (retx)';
    if (s.duplicateOf !== null) label += ` (dup of #${s.duplicateOf})`;
    if (s.reordered) label += ' (reordered)';
    if (s.drop) label += ` ✕ ${s.drop.reason}`;
    if (s.divergence) label += ` ✗ ${s.divergence.rule}`;
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2 - 4;
    const title = `#${s.id} ${s.from} → ${s.to} ${label}; sent ${formatTime(s.t)}${s.state ? ` from ${s.state}` : ''}${
      s.deliveredAt !== null ? `, delivered ${formatTime(s.deliveredAt)}` : ''
    }${s.drop ? `, dropped (${s.drop.reason})` : ''}${
      s.divergence ? `; the model would not have sent it: ${s.divergence.rule}: ${s.divergence.detail}` : ''
    }`;
    // Focusable (tabindex) with a name, so keyboard users reach segments; Enter selects (app.js).
    const markup =
      `<g class="${classes.join(' ')}" tabindex="0" role="button" aria-label="${esc(title)}" data-id="${s.id}" data-from="${esc(s.from)}" data-to="${esc(s.to)}" data-flags="${esc(s.seg.flags.join(','))}"${s.divergence ? ` data-divergence="${esc(s.divergence.rule)}"` : ''}><title>${esc(title)}</title>` +
      `<line class="hit" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"/>` +
      `<line class="arrow" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#la-${marker})"/>` +
      cross +
      `<text class="seg-label" x="${mx}" y="${my}" text-anchor="middle">${esc(label)}</text></g>`;
    if (selected === s.id) selectedMarkup = markup;
    else parts.push(markup);
  }
  parts.push(selectedMarkup, '</svg>');
  const more =
    first > 0
      ? `<div class="ladder-more">${first} earlier instants are not drawn (scrub back to see them).</div>`
      : '';
  container.innerHTML = head.join('') + more + parts.join('');
}
