/**
 * The sweep's goodput plot: the simulated mean with the PFTK model and the Mathis bound overlaid,
 * drawn only when the runs delivered data.
 */
import { describe, expect, it } from 'vitest';
import { goodputPoints } from '../src/sweep/goodput-plot.js';
import { type PlotContext, sweepPlots } from '../src/sweep/plots.js';
import type { PointSummary } from '../src/sweep/summary.js';
import { throughputModel } from '../src/sweep/throughput-model.js';

const CTX: PlotContext = { scenario: 'bulk-transfer', param: 'loss', split: [], direction: 'both' };
const EMPTY = { n: 0, mean: null, sd: null, ciLo: null, ciHi: null, median: null, p95: null, p99: null };

function point(loss: number, goodput: number | null): PointSummary {
  const model = loss > 0 ? throughputModel('linux', {}, { loss, delay: 50, jitter: 0 }, 1448) : null;
  return {
    point: 0,
    profile: 'linux',
    loss,
    reorder: 0,
    duplicate: 0,
    delay: 50,
    jitter: 0,
    direction: 'both',
    n: 4,
    successes: 4,
    successRate: 1,
    wilsonLo: 0.5,
    wilsonHi: 1,
    handshake: EMPTY,
    lifecycle: EMPTY,
    lifecycleNoTimeWait: EMPTY,
    teardown: EMPTY,
    cleanRate: 1,
    model: null,
    transfer:
      goodput === null
        ? null
        : {
            goodput: { ...EMPTY, n: 4, mean: goodput },
            resentMean: { rto: 0, fast: 1000, tlp: 0 },
            redundantRatio: 0.02,
            lossEventRate: loss / 2,
            model: model && {
              ...model,
              goodputToPftk: goodput / model.pftkBytesPerSec,
              pftkAtEventsBytesPerSec: null,
            },
          },
  };
}

describe('goodput vs loss with the Mathis and PFTK overlays', () => {
  it('has the simulated mean, PFTK and Mathis at each lossy point; no Mathis bound without loss', () => {
    const rows = goodputPoints([point(0, 400_000), point(0.01, 110_000), point(0.05, 40_000)], CTX);
    expect(rows.filter((r) => r.curve === 'simulated mean').map((r) => r.x)).toEqual([0, 0.01, 0.05]);
    expect(rows.filter((r) => r.curve === 'PFTK 1998').map((r) => r.x)).toEqual([0.01, 0.05]);
    expect(rows.filter((r) => r.curve === 'Mathis 1997 bound').map((r) => r.x)).toEqual([0.01, 0.05]);
    const pftk = rows.find((r) => r.curve === 'PFTK 1998' && r.x === 0.01)!;
    expect(pftk.value).toBeCloseTo(
      throughputModel('linux', {}, { loss: 0.01, delay: 50, jitter: 0 }, 1448).pftkBytesPerSec,
    );
  });

  it('renders goodput.svg with both models in the legend and their inputs in the subtitle', async () => {
    const plots = await sweepPlots([point(0.01, 110_000), point(0.05, 40_000)], CTX);
    const goodput = plots.find((p) => p.name === 'goodput');
    expect(goodput).toBeDefined();
    for (const text of [
      'goodput vs loss',
      'PFTK 1998',
      'Mathis 1997 bound',
      'simulated mean',
      'b 1, T0 300 ms',
    ]) {
      expect(goodput!.svg).toContain(text);
    }
  });

  it('is not drawn when no run delivered data (a handshake sweep)', async () => {
    const plots = await sweepPlots([point(0.01, null)], CTX);
    expect(plots.map((p) => p.name)).not.toContain('goodput');
  });
});
