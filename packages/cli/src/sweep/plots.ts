/**
 * Sweep plots as Vega specs rendered headless to SVG (and to PNG with resvg):
 * success rate with its Wilson band vs the swept parameter, and time
 * quantiles vs the swept parameter; one colour per profile (and per value of
 * any other swept parameter), the model as a dashed line where it applies.
 */
import * as vega from 'vega';
import { InputError } from '../schema.js';
import { cdfSpec, type FigureOptions, finishSpec, meanSpec } from './figures.js';
import { goodputSpec } from './goodput-plot.js';
import { axisLabel, axisValue, PARAM_LABELS, type Param, type PlotAxis, type SweepPoint } from './grid.js';
import type { SweepRow } from './job.js';
import type { PointSummary, Quantiles } from './summary.js';

export interface PlotContext {
  scenario: string;
  /** The x axis: a parameter or a numeric extra axis's column. */
  param: PlotAxis;
  /** Other swept axes: they split lines like profiles do. */
  split: PlotAxis[];
  direction: string;
}

export interface Plot {
  /** File name without extension. */
  name: string;
  /** The Vega spec the SVG is rendered from, its data inline (written as NAME.vg.json). */
  spec: vega.Spec;
  svg: string;
}

const WIDTH = 600;
const HEIGHT = 340;

export function seriesOf(s: PointSummary, ctx: PlotContext): string {
  return [s.profile, ...ctx.split.map((p) => `${p} ${axisLabel(s, p)}`)].join(' · ');
}

function xTitle(ctx: PlotContext): string {
  const label = PARAM_LABELS[ctx.param as Param] ?? ctx.param;
  return ctx.param === 'loss' && ctx.direction !== 'both' ? `${label} (${ctx.direction} only)` : label;
}

export function baseSpec(title: string, subtitle: string): vega.Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width: WIDTH,
    height: HEIGHT,
    padding: 12,
    autosize: 'pad',
    background: 'white',
    title: { text: title, subtitle, anchor: 'start', fontSize: 15, subtitleFontSize: 11, offset: 12 },
    config: {
      axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
      legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 260 },
    },
  };
}

export function colorScale(series: string[]): vega.Scale {
  return { name: 'color', type: 'ordinal', domain: series, range: 'category' };
}

/** The swept parameter, over the range of the points. */
export function xScale(): vega.Scale {
  return {
    name: 'x',
    type: 'linear',
    domain: { data: 'points', field: 'x' },
    range: 'width',
    nice: true,
    zero: false,
  };
}

export function xAxis(ctx: PlotContext): vega.Axis {
  return { orient: 'bottom', scale: 'x', title: xTitle(ctx), grid: true };
}

/** One colour per series (profile, and the value of any other swept parameter). */
export function seriesLegend(): vega.Legend {
  return { stroke: 'color', title: 'profile', symbolType: 'stroke', symbolStrokeWidth: 3 };
}

/** A legend of dash patterns (simulated vs model, or one per statistic). */
export function dashLegend(scale: string, title: string): vega.Legend {
  return {
    strokeDash: scale,
    title,
    symbolType: 'stroke',
    symbolStrokeColor: '#444',
    symbolStrokeWidth: 2,
    symbolSize: 700,
  };
}

/**
 * A mark drawn from the data set `from`, its x the swept parameter. Lines and areas are drawn in
 * x order (`inXOrder`); `enter` gives the rest of the encoding.
 */
function markAtX(
  type: 'line' | 'area' | 'symbol',
  from: string,
  enter: vega.EncodeEntry,
  inXOrder = false,
): vega.Mark {
  return {
    type,
    from: { data: from },
    ...(inXOrder ? { sort: { field: 'datum.x' } } : {}),
    encode: { enter: { x: { scale: 'x', field: 'x' }, ...enter } },
  };
}

/** A line through the `field` values of the facet `from`, coloured by series. */
export function seriesLine(from: string, field: string, style: vega.EncodeEntry): vega.Mark {
  return markAtX(
    'line',
    from,
    { y: { scale: 'y', field }, stroke: { scale: 'color', field: 'series' }, ...style },
    true,
  );
}

/** A filled dot at each `field` value of the facet `from`, coloured by series. */
export function seriesDots(from: string, field: string, size: number): vega.Mark {
  return markAtX('symbol', from, {
    y: { scale: 'y', field },
    fill: { scale: 'color', field: 'series' },
    size: { value: size },
  });
}

/** Success rate ± 95 % Wilson interval (band) vs the swept parameter; model dashed. */
function successSpec(summaries: readonly PointSummary[], ctx: PlotContext): vega.Spec {
  const values = summaries
    .filter((s) => s.successRate !== null)
    .map((s) => ({
      x: axisValue(s, ctx.param),
      series: seriesOf(s, ctx),
      rate: s.successRate,
      lo: s.wilsonLo,
      hi: s.wilsonHi,
      model: s.model?.successRate ?? null,
    }));
  const series = [...new Set(values.map((v) => v.series))];
  const hasModel = values.some((v) => v.model !== null);
  // Zoom in on the data (rates near 100 % are the interesting ones), but always show 100 %.
  const lowest = Math.min(1, ...values.flatMap((v) => [v.lo ?? 1, v.rate ?? 1, v.model ?? 1]));
  const yMin = lowest >= 0.995 ? 0.9 : Math.max(0, Math.floor((lowest - 0.04) * 10) / 10);
  const spec = baseSpec(
    `${ctx.scenario}: success rate vs ${ctx.param}`,
    `shaded band: 95 % Wilson interval${hasModel ? '; dashed: analytic model' : ''}${yMin > 0 ? `; y axis from ${Math.round(yMin * 100)} %` : ''}`,
  );
  return {
    ...spec,
    data: [
      { name: 'points', values },
      { name: 'model', source: 'points', transform: [{ type: 'filter', expr: 'datum.model !== null' }] },
    ],
    scales: [
      xScale(),
      { name: 'y', type: 'linear', domain: [yMin, 1], range: 'height', zero: false, clamp: true },
      colorScale(series),
      {
        name: 'style',
        type: 'ordinal',
        domain: hasModel ? ['simulated', 'model'] : ['simulated'],
        range: hasModel
          ? [
              [1, 0],
              [6, 4],
            ]
          : [[1, 0]],
      },
    ],
    axes: [xAxis(ctx), { orient: 'left', scale: 'y', title: 'success rate', format: '.0%', grid: true }],
    legends: [seriesLegend(), ...(hasModel ? [dashLegend('style', 'line')] : [])],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'series_points', data: 'points', groupby: 'series' } },
        marks: [
          wilsonBand('series_points'),
          seriesLine('series_points', 'rate', { strokeWidth: { value: 2 } }),
          seriesDots('series_points', 'rate', 30),
        ],
      },
      {
        type: 'group',
        from: { facet: { name: 'series_model', data: 'model', groupby: 'series' } },
        marks: [
          seriesLine('series_model', 'model', { strokeWidth: { value: 1.5 }, strokeDash: { value: [6, 4] } }),
        ],
      },
    ],
  };
}

/** The shaded 95 % Wilson interval of each series. */
function wilsonBand(from: string): vega.Mark {
  return markAtX(
    'area',
    from,
    {
      y: { scale: 'y', field: 'lo' },
      y2: { scale: 'y', field: 'hi' },
      fill: { scale: 'color', field: 'series' },
      fillOpacity: { value: 0.18 },
      interpolate: { value: 'linear' },
    },
    true,
  );
}

type QuantilePoint = { x: number; series: string; statistic: string; value: number };
type ModelPoint = { x: number; series: string; value: number; label: string };

/** Dash pattern of each statistic of a quantile plot. */
const STATISTIC_DASHES: Record<string, number[]> = {
  median: [1, 0],
  p95: [8, 4],
  p99: [2, 3],
  mean: [12, 3, 3, 3],
};

/**
 * The points of a quantile plot: median, p95, p99 (and the observed mean, where a model mean is
 * there to compare it with) of each summary, and the model means.
 */
function quantilePoints(
  summaries: readonly PointSummary[],
  ctx: PlotContext,
  pick: (s: PointSummary) => Quantiles,
  modelMean?: (s: PointSummary) => number | null,
): { values: QuantilePoint[]; model: ModelPoint[] } {
  const values: QuantilePoint[] = [];
  const model: ModelPoint[] = [];
  for (const s of summaries) {
    const q = pick(s);
    const series = seriesOf(s, ctx);
    const m = modelMean?.(s) ?? null;
    if (m !== null && Number.isFinite(m))
      model.push({ x: axisValue(s, ctx.param), series, value: m, label: 'model mean' });
    const stats: Array<[string, number | null]> = [
      ['median', q.median],
      ['p95', q.p95],
      ['p99', q.p99],
    ];
    if (modelMean) stats.push(['mean', q.mean]);
    for (const [statistic, value] of stats) {
      if (value !== null && Number.isFinite(value))
        values.push({ x: axisValue(s, ctx.param), series, statistic, value });
    }
  }
  if (model.length === 0) return { values: values.filter((v) => v.statistic !== 'mean'), model };
  return { values, model };
}

/**
 * Quantiles (median, p95, p99) of a time vs the swept parameter: one colour per series, one dash
 * pattern per statistic. Where a model applies, the observed mean is drawn too (dash-dot) and the
 * model's mean as hollow diamonds, so the two can be compared point by point.
 */
function quantileSpec(
  summaries: readonly PointSummary[],
  ctx: PlotContext,
  pick: (s: PointSummary) => Quantiles,
  what: { title: string; axis: string },
  modelMean?: (s: PointSummary) => number | null,
): vega.Spec {
  const { values, model } = quantilePoints(summaries, ctx, pick, modelMean);
  const hasModel = model.length > 0;
  const series = [...new Set([...values, ...model].map((v) => v.series))];
  const statistics = Object.keys(STATISTIC_DASHES).filter((q) => values.some((v) => v.statistic === q));
  const all = [...values, ...model];
  const log = all.length > 0 && all.every((v) => v.value > 0);
  const spec = baseSpec(
    `${ctx.scenario}: ${what.title} vs ${ctx.param}`,
    `over the runs that have one${hasModel ? '; ◇ analytic model mean' : ''}${log ? '; log scale' : ''}`,
  );
  return {
    ...spec,
    data: [
      { name: 'points', values },
      { name: 'model', values: model },
    ],
    scales: [
      xScale(),
      timeScale(log),
      colorScale(series),
      {
        name: 'dash',
        type: 'ordinal',
        domain: statistics,
        range: statistics.map((q) => STATISTIC_DASHES[q]),
      },
      { name: 'shape', type: 'ordinal', domain: ['model mean'], range: ['diamond'] },
    ],
    axes: [xAxis(ctx), { orient: 'left', scale: 'y', title: what.axis, grid: true, format: '~s' }],
    legends: [seriesLegend(), dashLegend('dash', 'statistic'), ...(hasModel ? [modelMeanLegend()] : [])],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'lines', data: 'points', groupby: ['series', 'statistic'] } },
        marks: [
          seriesLine('lines', 'value', {
            strokeDash: { scale: 'dash', field: 'statistic' },
            strokeWidth: { value: 2 },
            strokeOpacity: { value: 0.9 },
          }),
          seriesDots('lines', 'value', 18),
        ],
      },
      modelMeanMarks(),
    ],
  };
}

/** The y scale of a quantile plot: log when every value is positive, else linear from zero. */
function timeScale(log: boolean): vega.Scale {
  const domain = {
    fields: [
      { data: 'points', field: 'value' },
      { data: 'model', field: 'value' },
    ],
  };
  return log
    ? { name: 'y', type: 'log', domain, range: 'height', nice: false, padding: 12 }
    : { name: 'y', type: 'linear', domain, range: 'height', nice: true, zero: true };
}

function modelMeanLegend(): vega.Legend {
  return {
    shape: 'shape',
    symbolStrokeColor: '#444',
    symbolFillColor: 'transparent',
    symbolStrokeWidth: 1.5,
    symbolSize: 90,
  };
}

/** The model's mean at each point, a hollow diamond in the series' colour. */
function modelMeanMarks(): vega.Mark {
  return markAtX('symbol', 'model', {
    y: { scale: 'y', field: 'value' },
    shape: { scale: 'shape', field: 'label' },
    stroke: { scale: 'color', field: 'series' },
    strokeWidth: { value: 1.5 },
    fill: { value: 'transparent' },
    size: { value: 110 },
  });
}

export async function renderSvg(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * PNG rendering is optional: @resvg/resvg-js is an optionalDependency (a native binary of several
 * MB that only `sweep --png` uses), so it may be absent; then --png is an input error saying so.
 */
async function loadResvg(): Promise<typeof import('@resvg/resvg-js')> {
  try {
    return await import('@resvg/resvg-js');
  } catch {
    throw new InputError(
      '--png needs the optional package @resvg/resvg-js, which is not installed (install it next to synack, e.g. `npm install -g @resvg/resvg-js`), or leave out --png for SVG plots only',
    );
  }
}

export async function svgToPng(svg: string): Promise<Buffer> {
  const { Resvg } = await loadResvg();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** What sweepPlots needs beyond the summaries: the rows (for the CDFs) and the figure options. */
export interface PlotInputs {
  points: readonly SweepPoint[];
  rows: readonly SweepRow[];
  options: FigureOptions;
}

/** The quantile, mean and CDF figures of the time and rate metrics, by file name. */
function metricSpecs(summaries: readonly PointSummary[], ctx: PlotContext, inputs: PlotInputs): Plot[] {
  const specs: Array<{ name: string; spec: vega.Spec | null }> = [];
  if (summaries.some((s) => s.handshake.n > 0)) {
    specs.push({
      name: 'handshake',
      spec: quantileSpec(
        summaries,
        ctx,
        (s) => s.handshake,
        { title: 'handshake time', axis: 'handshake time, SYN_SENT → ESTABLISHED (ms)' },
        (s) => s.model?.handshakeMean ?? null,
      ),
    });
  }
  if (summaries.some((s) => s.lifecycle.n > 0)) {
    specs.push({
      name: 'lifecycle',
      spec: quantileSpec(summaries, ctx, (s) => s.lifecycle, {
        title: 'lifecycle time',
        axis: 'first SYN → last CLOSED (ms)',
      }),
    });
  }
  if (summaries.some((s) => s.transfer !== null))
    specs.push({ name: 'goodput', spec: goodputSpec(summaries, ctx) });
  for (const m of FIGURE_METRICS) {
    if (!summaries.some((s) => (m.summary(s)?.n ?? 0) > 0)) continue;
    specs.push({ name: `mean-${m.name}`, spec: meanSpec(summaries, ctx, m.summary, m, inputs.options) });
    specs.push({ name: `cdf-${m.name}`, spec: cdfSpec(inputs.points, inputs.rows, ctx, m, inputs.options) });
  }
  return specs.flatMap(({ name, spec }) => (spec ? [{ name, spec, svg: '' }] : []));
}

/** The per-run metrics that get a mean ± CI figure and a CDF figure. */
const FIGURE_METRICS: ReadonlyArray<{
  name: string;
  title: string;
  axis: string;
  summary: (s: PointSummary) => Quantiles | null;
  pick: (r: SweepRow) => number | null;
}> = [
  {
    name: 'handshake',
    title: 'handshake time',
    axis: 'handshake time (ms)',
    summary: (s) => s.handshake,
    pick: (r) => r.handshakeMs,
  },
  {
    name: 'teardown',
    title: 'teardown time',
    axis: 'first FIN → both CLOSED or TIME_WAIT (ms)',
    summary: (s) => s.teardown,
    pick: (r) => r.teardown.teardownMs,
  },
  {
    name: 'lifecycle-no-tw',
    title: 'lifecycle without TIME_WAIT',
    axis: 'first SYN → CLOSED, TIME_WAIT excluded (ms)',
    summary: (s) => s.lifecycleNoTimeWait,
    pick: (r) => r.lifecycleNoTimeWaitMs,
  },
  {
    name: 'goodput',
    title: 'goodput',
    axis: 'goodput (bytes/s)',
    summary: (s) => (s.transfer ? s.transfer.goodput : null),
    pick: (r) => r.transfer.goodput,
  },
];

/** Every plot of a sweep, its Vega spec (data inline) beside its SVG. */
export async function sweepPlots(
  summaries: readonly PointSummary[],
  ctx: PlotContext,
  inputs: PlotInputs = { points: [], rows: [], options: { overlay: [], logX: false } },
): Promise<Plot[]> {
  const plots: Plot[] = [
    { name: 'success', spec: successSpec(summaries, ctx), svg: '' },
    ...metricSpecs(summaries, ctx, inputs),
  ];
  for (const plot of plots) {
    plot.spec = finishSpec(plot.spec, plot.name, inputs.options);
    plot.svg = await renderSvg(plot.spec);
  }
  return plots;
}
