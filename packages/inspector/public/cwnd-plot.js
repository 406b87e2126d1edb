// A connection's congestion window, bytes in flight and slow-start threshold over virtual time,
// drawn from its `cc` trace lines (segments, as Linux's tcp_info reports them). `cwndPlotGeometry`
// is pure (tested under Node); `renderCwndPlot` builds the SVG in the page.

/** Linux TCP_INFINITE_SSTHRESH: ssthresh before the first loss, left off the plot. */
export const INFINITE_SSTHRESH = 0x7fffffff;

const SERIES = [
  { key: 'cwnd', label: 'cwnd', className: 'cwnd' },
  { key: 'inFlight', label: 'in flight', className: 'in-flight' },
  { key: 'ssthresh', label: 'ssthresh', className: 'ssthresh' },
];

/**
 * Step lines (a value holds until the next sample) in a width × height box, from the first sample
 * to `now` (or the last sample). Returns null without samples. Each series' `points` is an SVG
 * polyline's points string; ssthresh leaves out its infinite stretches.
 */
export function cwndPlotGeometry(samples, { width, height, now }) {
  if (!samples || samples.length === 0) return null;
  const t0 = samples[0].t;
  const t1 = Math.max(now ?? samples[samples.length - 1].t, samples[samples.length - 1].t, t0 + 1);
  let yMax = 1;
  for (const s of samples) {
    yMax = Math.max(yMax, s.cwnd, s.inFlight);
    if (s.ssthresh < INFINITE_SSTHRESH) yMax = Math.max(yMax, s.ssthresh);
  }
  const x = (t) => ((t - t0) / (t1 - t0)) * width;
  const y = (v) => height - (v / yMax) * height;
  const series = SERIES.map(({ key, label, className }) => {
    const points = [];
    samples.forEach((s, i) => {
      const v = s[key];
      if (key === 'ssthresh' && v >= INFINITE_SSTHRESH) return;
      const until = i + 1 < samples.length ? samples[i + 1].t : t1;
      points.push(`${x(s.t).toFixed(1)},${y(v).toFixed(1)}`, `${x(until).toFixed(1)},${y(v).toFixed(1)}`);
    });
    return { key, label, className, points: points.join(' '), count: points.length / 2 };
  });
  return { t0, t1, yMax, series, last: samples[samples.length - 1] };
}

const SVG = 'http://www.w3.org/2000/svg';

function svgNode(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Replaces `holder`'s content with the plot of `samples` up to `now` (a note when there are none). */
export function renderCwndPlot(holder, samples, now, formatTime) {
  const width = 360;
  const height = 110;
  const pad = { left: 30, bottom: 16, top: 6, right: 6 };
  const geometry = cwndPlotGeometry(samples, { width, height, now });
  holder.setAttribute('data-samples', String(samples?.length ?? 0));
  if (!geometry) {
    holder.textContent = 'no congestion-control samples (cc lines) for this connection yet';
    return;
  }
  const svg = svgNode('svg', {
    class: 'cwnd-svg',
    viewBox: `0 0 ${width + pad.left + pad.right} ${height + pad.top + pad.bottom}`,
    role: 'img',
    'aria-label': 'congestion window, in flight and ssthresh over time (segments)',
  });
  const plot = svgNode('g', { transform: `translate(${pad.left},${pad.top})` });
  plot.append(
    svgNode('line', { class: 'axis', x1: 0, y1: height, x2: width, y2: height }),
    svgNode('line', { class: 'axis', x1: 0, y1: 0, x2: 0, y2: height }),
    svgNode('text', { class: 'tick', x: -4, y: 8, 'text-anchor': 'end' }, String(geometry.yMax)),
    svgNode('text', { class: 'tick', x: -4, y: height, 'text-anchor': 'end' }, '0'),
    svgNode('text', { class: 'tick', x: 0, y: height + 13 }, formatTime(geometry.t0)),
    svgNode(
      'text',
      { class: 'tick', x: width, y: height + 13, 'text-anchor': 'end' },
      formatTime(geometry.t1),
    ),
  );
  for (const s of geometry.series) {
    if (s.count === 0) continue;
    plot.append(
      svgNode('polyline', { class: `series ${s.className}`, 'data-series': s.key, points: s.points }),
    );
  }
  svg.append(plot);
  const last = geometry.last;
  const ssthresh = last.ssthresh >= INFINITE_SSTHRESH ? '∞' : last.ssthresh;
  const legend = document.createElement('div');
  legend.className = 'cwnd-legend';
  const key = (className, text) => {
    const span = document.createElement('span');
    span.className = `key ${className}`;
    span.textContent = text;
    return span;
  };
  legend.append(
    key('cwnd', `cwnd ${last.cwnd}`),
    key('in-flight', `in flight ${last.inFlight}`),
    key('ssthresh', `ssthresh ${ssthresh}`),
    ` ${last.state} · sacked ${last.sacked} · segments of ${last.mss} B`,
  );
  holder.replaceChildren(svg, legend);
}
