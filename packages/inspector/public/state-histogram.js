// The compact view for floods: instead of one ladder row per instant (thousands of rows for a
// SYN flood), the number of connections in each state over virtual time, as a stacked
// histogram. Each bar is one time bin and counts every connection seen so far by the state it
// was in at the end of the bin; CLOSED connections are counted in the legend, not stacked (a
// flood's thousands of finished connections would flatten everything else). Pure: no DOM, so
// the unit tests run it under Node; app.js puts the SVG into the page.

/** Stacking order, bottom to top: the RFC 9293 states a connection passes through in order. */
export const HISTOGRAM_STATES = [
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
];

/** Fill per state (the legend repeats them). */
export const STATE_COLORS = {
  LISTEN: '#9aa5b8',
  SYN_SENT: '#f2b84b',
  SYN_RECEIVED: '#e4572e',
  ESTABLISHED: '#3b6fd8',
  FIN_WAIT_1: '#8fc1e3',
  FIN_WAIT_2: '#5aa0c8',
  CLOSE_WAIT: '#b58cd9',
  CLOSING: '#d98cb5',
  LAST_ACK: '#7a5cc2',
  TIME_WAIT: '#3aa37a',
};

/** Bins drawn by default (one bar each). */
export const DEFAULT_BINS = 80;

/**
 * Counts per state at the end of each of `bins` equal time bins over [0, until], from the
 * model's state changes (model.stateEvents, in time order). `until` is the moment shown.
 */
export function stateHistogram(stateEvents, until, bins = DEFAULT_BINS) {
  const end = Math.max(until, stateEvents.at(-1)?.t ?? 0);
  const n = Math.max(1, Math.floor(bins));
  const width = end > 0 ? end / n : 1;
  const stateOf = new Map();
  const counts = new Map();
  const bump = (state, by) => counts.set(state, (counts.get(state) ?? 0) + by);
  const out = [];
  let i = 0;
  let peak = 0;
  for (let b = 0; b < n; b++) {
    const edge = b === n - 1 ? end : (b + 1) * width;
    for (; i < stateEvents.length && stateEvents[i].t <= edge; i++) {
      const e = stateEvents[i];
      const key = `${e.endpoint}|${e.conn}`;
      const was = stateOf.get(key);
      if (was !== undefined) bump(was, -1);
      stateOf.set(key, e.to);
      bump(e.to, 1);
    }
    const bin = { t0: b * width, t1: edge, counts: {}, open: 0, closed: counts.get('CLOSED') ?? 0 };
    for (const [state, count] of counts) {
      if (state === 'CLOSED' || count === 0) continue;
      bin.counts[state] = count;
      bin.open += count;
    }
    peak = Math.max(peak, bin.open);
    out.push(bin);
  }
  const seen = new Set(out.flatMap((bin) => Object.keys(bin.counts)));
  const states = [
    ...HISTOGRAM_STATES.filter((s) => seen.has(s)),
    ...[...seen].filter((s) => !HISTOGRAM_STATES.includes(s)).sort(),
  ];
  return { bins: out, end, peak, states, connections: stateOf.size };
}

const esc = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function formatSeconds(ms) {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`;
}

/** The histogram as a standalone SVG string (also what "ladder SVG/PNG" exports in compact mode). */
export function histogramSvg(hist, { width = 900, height = 320 } = {}) {
  const left = 48;
  const right = 12;
  const top = 12;
  const bottom = 28;
  const plotW = Math.max(50, width - left - right);
  const plotH = Math.max(50, height - top - bottom);
  const peak = Math.max(1, hist.peak);
  const barW = plotW / hist.bins.length;
  const parts = [];
  hist.bins.forEach((bin, b) => {
    let y = top + plotH;
    const x = left + b * barW;
    const title = `${formatSeconds(bin.t0)} – ${formatSeconds(bin.t1)}: ${hist.states.map((s) => `${s} ${bin.counts[s] ?? 0}`).join(', ')}; CLOSED ${bin.closed}`;
    const rects = [];
    for (const state of hist.states) {
      const count = bin.counts[state] ?? 0;
      if (!count) continue;
      const h = (count / peak) * plotH;
      y -= h;
      rects.push(
        `<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${Math.max(0.5, barW - 0.5).toFixed(2)}" height="${h.toFixed(2)}" fill="${STATE_COLORS[state] ?? '#888'}" data-state="${esc(state)}" data-count="${count}"/>`,
      );
    }
    parts.push(`<g class="bin" data-bin="${b}"><title>${esc(title)}</title>${rects.join('')}</g>`);
  });
  const axis = [
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#6b7385"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#6b7385"/>`,
    `<text x="${left - 4}" y="${top + 10}" text-anchor="end" font-size="11" fill="#374151">${peak}</text>`,
    `<text x="${left - 4}" y="${top + plotH}" text-anchor="end" font-size="11" fill="#374151">0</text>`,
    `<text x="${left}" y="${height - 8}" font-size="11" fill="#374151">0 s</text>`,
    `<text x="${left + plotW}" y="${height - 8}" text-anchor="end" font-size="11" fill="#374151">${formatSeconds(hist.end)}</text>`,
    `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" font-size="11" fill="#374151">open connections by state over virtual time</text>`,
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" class="state-histogram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="connections by state over time, ${hist.connections} connections"><rect width="${width}" height="${height}" fill="#ffffff"/>${parts.join('')}${axis.join('')}</svg>`;
}

/** Legend entries: each stacked state with its count at the moment shown, then CLOSED. */
export function histogramLegend(hist) {
  const last = hist.bins.at(-1);
  return [
    ...hist.states.map((state) => ({
      state,
      count: last?.counts[state] ?? 0,
      color: STATE_COLORS[state] ?? '#888',
    })),
    { state: 'CLOSED', count: last?.closed ?? 0, color: null },
  ];
}
