/**
 * Goodput vs the swept parameter (loss, for the issue-13 validation), with the Mathis et al. 1997
 * bound (dotted) and the Padhye–Firoiu–Towsley–Kurose 1998 model (dashed) at each point, in the
 * series' colour: the simulator's mean goodput (solid, with its points) should sit near PFTK and
 * under Mathis. The subtitle states the parameters the models were given.
 */
import type * as vega from 'vega';
import { axisValue } from './grid.js';
import {
  baseSpec,
  colorScale,
  dashLegend,
  type PlotContext,
  seriesDots,
  seriesLegend,
  seriesLine,
  seriesOf,
  xAxis,
  xScale,
} from './plots.js';
import type { PointSummary } from './summary.js';

const CURVE_DASHES: Record<string, number[]> = {
  'simulated mean': [],
  'PFTK 1998': [8, 4],
  'Mathis 1997 bound': [2, 3],
};

interface GoodputPoint {
  x: number;
  series: string;
  curve: string;
  value: number;
}

/** One row per point and curve; curves without a value at a point (no loss: no Mathis) are left out. */
export function goodputPoints(summaries: readonly PointSummary[], ctx: PlotContext): GoodputPoint[] {
  const rows: GoodputPoint[] = [];
  for (const s of summaries) {
    const t = s.transfer;
    if (!t) continue;
    const at = { x: axisValue(s, ctx.param), series: seriesOf(s, ctx) };
    if (t.goodput.mean !== null) rows.push({ ...at, curve: 'simulated mean', value: t.goodput.mean });
    if (t.model) rows.push({ ...at, curve: 'PFTK 1998', value: t.model.pftkBytesPerSec });
    if (t.model?.mathisBytesPerSec)
      rows.push({ ...at, curve: 'Mathis 1997 bound', value: t.model.mathisBytesPerSec });
  }
  return rows;
}

/** "MSS 1448 B, RTT 100 ms, b 2, T0 300 ms": the models' inputs, from the first point that has them. */
function modelInputs(summaries: readonly PointSummary[]): string {
  const m = summaries.find((s) => s.transfer?.model)?.transfer?.model;
  return m
    ? `; models with MSS ${m.mss} B, RTT ${m.rttMs} ms, b ${m.b}, T0 ${m.t0Ms} ms, Wmax ${m.wmax}`
    : '';
}

export function goodputSpec(summaries: readonly PointSummary[], ctx: PlotContext): vega.Spec {
  const values = goodputPoints(summaries, ctx);
  const series = [...new Set(values.map((v) => v.series))];
  const curves = Object.keys(CURVE_DASHES).filter((c) => values.some((v) => v.curve === c));
  const log = values.length > 0 && values.every((v) => v.value > 0);
  return {
    ...baseSpec(
      `${ctx.scenario}: goodput vs ${ctx.param}`,
      `mean over the runs that delivered data${modelInputs(summaries)}${log ? '; log scale' : ''}`,
    ),
    data: [{ name: 'points', values }],
    scales: [
      xScale(),
      log
        ? { name: 'y', type: 'log', domain: { data: 'points', field: 'value' }, range: 'height', padding: 12 }
        : {
            name: 'y',
            type: 'linear',
            domain: { data: 'points', field: 'value' },
            range: 'height',
            zero: true,
          },
      colorScale(series),
      { name: 'dash', type: 'ordinal', domain: curves, range: curves.map((c) => CURVE_DASHES[c]) },
    ],
    axes: [xAxis(ctx), { orient: 'left', scale: 'y', title: 'goodput (bytes/s)', grid: true, format: '~s' }],
    legends: [seriesLegend(), dashLegend('dash', 'curve')],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'lines', data: 'points', groupby: ['series', 'curve'] } },
        marks: [
          seriesLine('lines', 'value', {
            strokeDash: { scale: 'dash', field: 'curve' },
            strokeWidth: { value: 2 },
            strokeOpacity: { value: 0.9 },
          }),
          seriesDots('lines', 'value', 16),
        ],
      },
    ],
  };
}
