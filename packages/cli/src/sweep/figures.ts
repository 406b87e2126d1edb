/**
 * The sweep's figures beyond success and quantiles (issue 22 item 4): means with their 95 %
 * bootstrap intervals as error bars, per-point empirical CDFs, the user's own curves drawn over
 * a plot (--overlay FILE.csv), and a log x axis (--log-x). Series differ in colour and in marker
 * shape, and are dodged a few pixels apart along x, so two equal series stay visible.
 */
import { readFileSync } from 'node:fs';
import type * as vega from 'vega';
import { InputError } from '../schema.js';
import { axisLabel, axisValue, type SweepPoint } from './grid.js';
import type { SweepRow } from './job.js';
import { baseSpec, colorScale, type PlotContext, seriesOf, xAxis } from './plots.js';
import { empiricalCdf } from './stats.js';
import { type PointSummary, parseCsv, type Quantiles } from './summary.js';

/** One of the user's curves: points (x, y) of `label` on the plot named `plot`. */
export interface OverlayPoint {
  plot: string;
  label: string;
  x: number;
  y: number;
}

/** Pixels between neighbouring series at one x, so equal values do not hide each other. */
const DODGE_PX = 5;
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'wedge', 'stroke'];
const OVERLAY_DASHES = [
  [6, 3],
  [2, 2],
  [10, 3, 2, 3],
  [1, 0],
];

/**
 * Reads --overlay FILE.csv: a header with `plot`, `x`, `y` and `label` (any order, other columns
 * ignored), one row per point of a curve. `plot` names the figure (its file name without .svg).
 */
export function readOverlay(file: string): OverlayPoint[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`--overlay: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const rows = parseCsv(text);
  if (rows.length === 0) throw new InputError(`--overlay: ${file} has no rows (header plot,x,y,label)`);
  for (const column of ['plot', 'x', 'y', 'label']) {
    if (!(column in rows[0]))
      throw new InputError(`--overlay: ${file} has no "${column}" column (header plot,x,y,label)`);
  }
  return rows.map((row, i) => {
    const x = Number(row.x);
    const y = Number(row.y);
    if (row.x.trim() === '' || row.y.trim() === '' || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new InputError(
        `--overlay: ${file} line ${i + 2}: x and y must be numbers, got "${row.x}", "${row.y}"`,
      );
    }
    return { plot: row.plot, label: row.label, x, y };
  });
}

/** A linear or log x scale over the fields given (a log scale needs every value > 0). */
function xScaleOver(fields: vega.ScaleDataRef[], log: boolean): vega.Scale {
  const domain = { fields } as vega.ScaleMultiDataRef;
  return log
    ? { name: 'x', type: 'log', domain, range: 'width', nice: false }
    : { name: 'x', type: 'linear', domain, range: 'width', nice: true, zero: false };
}

/** The overlay's data, scale and marks for the plot `name`; nothing when it has no curve there. */
function overlayParts(overlay: readonly OverlayPoint[], name: string) {
  const values = overlay.filter((p) => p.plot === name);
  const labels = [...new Set(values.map((p) => p.label))];
  if (values.length === 0) return { data: [], scales: [], legends: [], marks: [], fields: [], yFields: [] };
  return {
    data: [{ name: 'overlay', values }],
    scales: [
      {
        name: 'overlayDash',
        type: 'ordinal',
        domain: labels,
        range: labels.map((_, i) => OVERLAY_DASHES[i % OVERLAY_DASHES.length]),
      } as vega.Scale,
    ],
    legends: [
      {
        strokeDash: 'overlayDash',
        title: 'overlay',
        symbolType: 'stroke',
        symbolStrokeColor: '#111',
        symbolStrokeWidth: 2,
        symbolSize: 700,
      } as vega.Legend,
    ],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'overlay_lines', data: 'overlay', groupby: 'label' } },
        marks: [
          {
            type: 'line',
            from: { data: 'overlay_lines' },
            sort: { field: 'datum.x' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field: 'y' },
                stroke: { value: '#111' },
                strokeWidth: { value: 1.5 },
                strokeDash: { scale: 'overlayDash', field: 'label' },
              },
            },
          },
        ],
      } as vega.Mark,
    ],
    fields: [{ data: 'overlay', field: 'x' }],
    yFields: [{ data: 'overlay', field: 'y' }],
  };
}

/** A scale's domain widened by more data fields (a fixed [lo, hi] domain stays as it is). */
function widened(domain: unknown, extra: vega.ScaleDataRef[]): unknown {
  if (Array.isArray(domain) || typeof domain !== 'object' || domain === null) return domain;
  const d = domain as { data?: string; field?: string; fields?: vega.ScaleDataRef[] };
  if (d.fields) return { ...d, fields: [...d.fields, ...extra] };
  if (d.data && d.field) return { fields: [{ data: d.data, field: d.field }, ...extra] };
  return domain;
}

/**
 * `spec` with the user's curves for the plot `name` drawn over it (domains widened to show them)
 * and, with `logX`, a log x axis. Every figure goes through here, the built-in ones too.
 */
export function finishSpec(spec: vega.Spec, name: string, options: FigureOptions): vega.Spec {
  const overlay = overlayParts(options.overlay, name);
  const scales = (spec.scales ?? []).map((scale) => {
    let out = scale as vega.Scale & { domain?: unknown; nice?: unknown; zero?: unknown };
    if (out.name === 'x' && overlay.fields.length > 0)
      out = { ...out, domain: widened(out.domain, overlay.fields) } as typeof out;
    if (out.name === 'y' && overlay.yFields.length > 0)
      out = { ...out, domain: widened(out.domain, overlay.yFields) } as typeof out;
    if (out.name === 'x' && options.logX) {
      const { zero: _zero, nice: _nice, ...rest } = out;
      out = { ...rest, type: 'log' } as typeof out;
    }
    return out as vega.Scale;
  });
  return {
    ...spec,
    data: [...(spec.data ?? []), ...overlay.data],
    scales: [...scales, ...overlay.scales],
    legends: [...(spec.legends ?? []), ...overlay.legends],
    marks: [...(spec.marks ?? []), ...overlay.marks],
  };
}

export interface FigureOptions {
  overlay: readonly OverlayPoint[];
  logX: boolean;
}

/**
 * Mean ± 95 % bootstrap interval (error bars) of a metric vs the x axis, one colour and marker
 * per series, series dodged along x.
 */
export function meanSpec(
  summaries: readonly PointSummary[],
  ctx: PlotContext,
  pick: (s: PointSummary) => Quantiles | null,
  what: { title: string; axis: string },
  options: FigureOptions,
): vega.Spec {
  const values = summaries.flatMap((s) => {
    const q = pick(s);
    if (!q || q.mean === null) return [];
    return [
      {
        x: axisValue(s, ctx.param),
        series: seriesOf(s, ctx),
        mean: q.mean,
        lo: q.ciLo ?? q.mean,
        hi: q.ciHi ?? q.mean,
      },
    ];
  });
  const series = [...new Set(values.map((v) => v.series))];
  const dodge = `(indexof(${JSON.stringify(series)}, datum.series) - ${(series.length - 1) / 2}) * ${DODGE_PX}`;
  const x = { scale: 'x', field: 'x', offset: { signal: dodge } };
  return {
    ...baseSpec(
      `${ctx.scenario}: mean ${what.title} vs ${ctx.param}`,
      `error bars: 95 % bootstrap interval of the mean; series dodged ±${DODGE_PX} px${options.logX ? '; log x' : ''}`,
    ),
    data: [{ name: 'points', values }],
    scales: [
      xScaleOver([{ data: 'points', field: 'x' }], options.logX),
      {
        name: 'y',
        type: 'linear',
        domain: {
          fields: [
            { data: 'points', field: 'lo' },
            { data: 'points', field: 'hi' },
          ],
        },
        range: 'height',
        nice: true,
        zero: false,
      },
      colorScale(series),
      { name: 'shape', type: 'ordinal', domain: series, range: SHAPES },
    ],
    axes: [xAxis(ctx), { orient: 'left', scale: 'y', title: what.axis, grid: true, format: '~s' }],
    legends: [
      { stroke: 'color', shape: 'shape', title: 'series', symbolStrokeWidth: 2, symbolFillColor: 'white' },
    ],
    marks: meanMarks(x),
  };
}

/** The mean line of each series, its error bars (rules from CI low to high) and a marker per mean. */
function meanMarks(x: vega.NumericValueRef): vega.Mark[] {
  return [
    {
      type: 'group',
      from: { facet: { name: 'series_points', data: 'points', groupby: 'series' } },
      marks: [
        {
          type: 'line',
          from: { data: 'series_points' },
          sort: { field: 'datum.x' },
          encode: {
            enter: {
              x,
              y: { scale: 'y', field: 'mean' },
              stroke: { scale: 'color', field: 'series' },
              strokeWidth: { value: 1.5 },
            },
          },
        },
      ],
    },
    {
      type: 'rule',
      from: { data: 'points' },
      encode: {
        enter: {
          x,
          y: { scale: 'y', field: 'lo' },
          y2: { scale: 'y', field: 'hi' },
          stroke: { scale: 'color', field: 'series' },
          strokeWidth: { value: 1.5 },
        },
      },
    },
    {
      type: 'symbol',
      from: { data: 'points' },
      encode: {
        enter: {
          x,
          y: { scale: 'y', field: 'mean' },
          shape: { scale: 'shape', field: 'series' },
          stroke: { scale: 'color', field: 'series' },
          fill: { value: 'white' },
          strokeWidth: { value: 1.5 },
          size: { value: 50 },
        },
      },
    },
  ];
}

/** Rows of each point, by point id. */
function rowsByPoint(rows: readonly SweepRow[]): Map<number, SweepRow[]> {
  const byPoint = new Map<number, SweepRow[]>();
  for (const row of rows) {
    let list = byPoint.get(row.point);
    if (!list) byPoint.set(row.point, (list = []));
    list.push(row);
  }
  return byPoint;
}

/** Each point's empirical CDF of `pick`, labelled by its x value and series. */
function cdfValues(
  points: readonly SweepPoint[],
  rows: readonly SweepRow[],
  ctx: PlotContext,
  pick: (r: SweepRow) => number | null,
): Array<{ series: string; x: number; cdf: number }> {
  const byPoint = rowsByPoint(rows);
  const values: Array<{ series: string; x: number; cdf: number }> = [];
  for (const point of points) {
    const xs = (byPoint.get(point.id) ?? []).flatMap((r) => {
      const v = pick(r);
      return v === null ? [] : [v];
    });
    const label = `${axisLabel(point, ctx.param)} · ${seriesOf(point as unknown as PointSummary, ctx)}`;
    for (const [x, cdf] of empiricalCdf(xs)) values.push({ series: label, x, cdf });
  }
  return values;
}

/**
 * The empirical CDF of one per-run metric, one step line per grid point (the same numbers as
 * cdf.csv). The x axis is log when every value is positive and they span more than a decade.
 */
export function cdfSpec(
  points: readonly SweepPoint[],
  rows: readonly SweepRow[],
  ctx: PlotContext,
  metric: { pick: (r: SweepRow) => number | null; title: string; axis: string },
  options: FigureOptions,
): vega.Spec | null {
  const values = cdfValues(points, rows, ctx, metric.pick);
  if (values.length === 0) return null;
  const series = [...new Set(values.map((v) => v.series))];
  // Folds, not Math.min(...values): a sweep may have a million runs, too many arguments for one call.
  const min = values.reduce((m, v) => Math.min(m, v.x), Infinity);
  const max = values.reduce((m, v) => Math.max(m, v.x), -Infinity);
  const log = options.logX || (min > 0 && max / min > 10);
  return {
    ...baseSpec(
      `${ctx.scenario}: CDF of ${metric.title}`,
      `empirical CDF per grid point (${ctx.param} · series), step function${log ? '; log x' : ''}`,
    ),
    data: [{ name: 'points', values }],
    scales: [
      xScaleOver([{ data: 'points', field: 'x' }], log && min > 0),
      { name: 'y', type: 'linear', domain: [0, 1], range: 'height' },
      colorScale(series),
      {
        name: 'dash',
        type: 'ordinal',
        domain: series,
        range: [
          [1, 0],
          [6, 3],
          [2, 2],
          [10, 3, 2, 3],
        ],
      },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: metric.axis, grid: true, format: '~s' },
      { orient: 'left', scale: 'y', title: 'fraction of runs ≤ x', grid: true, format: '.0%' },
    ],
    legends: [
      {
        stroke: 'color',
        strokeDash: 'dash',
        title: `${ctx.param} · series`,
        symbolType: 'stroke',
        symbolStrokeWidth: 2,
      },
    ],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'series_cdf', data: 'points', groupby: 'series' } },
        marks: [
          {
            type: 'line',
            from: { data: 'series_cdf' },
            sort: { field: 'datum.x' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field: 'cdf' },
                stroke: { scale: 'color', field: 'series' },
                strokeDash: { scale: 'dash', field: 'series' },
                strokeWidth: { value: 1.8 },
                interpolate: { value: 'step-after' },
              },
            },
          },
        ],
      },
    ],
  };
}
