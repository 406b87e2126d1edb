/**
 * The compact view's data (public/state-histogram.js): connections by state at the end of each
 * time bin, CLOSED counted apart, and the SVG drawn from it.
 */
import { describe, expect, it } from 'vitest';
import { histogramLegend, histogramSvg, stateHistogram } from '../public/state-histogram.js';

const step = (t: number, conn: string, to: string, endpoint = 'server') => ({ t, conn, to, endpoint });
/** Three half-open connections at 0, 10, 20 ms; the first two expire (CLOSED) at 30 ms; one is ESTABLISHED at 25 ms. */
const EVENTS = [
  step(0, 'a', 'SYN_RECEIVED'),
  step(10, 'b', 'SYN_RECEIVED'),
  step(20, 'c', 'SYN_RECEIVED'),
  step(25, 'c', 'ESTABLISHED'),
  step(30, 'a', 'CLOSED'),
  step(30, 'b', 'CLOSED'),
];

describe('states over time', () => {
  it('counts each connection by its state at the end of each bin; CLOSED is counted apart', () => {
    const hist = stateHistogram(EVENTS, 40, 4);
    expect(hist.bins.map((b) => [b.t1, b.counts, b.closed])).toEqual([
      [10, { SYN_RECEIVED: 2 }, 0],
      [20, { SYN_RECEIVED: 3 }, 0],
      [30, { ESTABLISHED: 1 }, 2],
      [40, { ESTABLISHED: 1 }, 2],
    ]);
    expect(hist).toMatchObject({ end: 40, peak: 3, connections: 3, states: ['SYN_RECEIVED', 'ESTABLISHED'] });
    expect(histogramLegend(hist).map((e) => [e.state, e.count])).toEqual([
      ['SYN_RECEIVED', 0],
      ['ESTABLISHED', 1],
      ['CLOSED', 2],
    ]);
  });

  it('the same connection id on two endpoints is two connections', () => {
    const hist = stateHistogram([step(0, 'x', 'SYN_SENT', 'client'), step(0, 'x', 'SYN_RECEIVED')], 10, 1);
    expect(hist.bins[0].counts).toEqual({ SYN_SENT: 1, SYN_RECEIVED: 1 });
  });

  it('draws one stacked bar per bin, heights proportional to the counts, each bar titled', () => {
    const svg = histogramSvg(stateHistogram(EVENTS, 40, 4), { width: 448, height: 140 });
    expect(svg.match(/<g class="bin"/g)).toHaveLength(4);
    const heights = [...svg.matchAll(/data-state="SYN_RECEIVED" data-count="(\d)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(heights).toEqual([2, 3]);
    // 100 px of plot: the peak bin's SYN_RECEIVED rect is 100 px high, two thirds of it 66.67.
    expect(svg).toContain('height="100.00" fill="#e4572e" data-state="SYN_RECEIVED" data-count="3"');
    expect(svg).toContain('height="66.67" fill="#e4572e" data-state="SYN_RECEIVED" data-count="2"');
    expect(svg).toContain('<title>0.010 s – 0.020 s: SYN_RECEIVED 3, ESTABLISHED 0; CLOSED 0</title>');
  });

  it('an empty run is one empty bar, not a division by zero', () => {
    const hist = stateHistogram([], 0, 10);
    expect(hist.bins).toHaveLength(10);
    expect(hist.peak).toBe(0);
    expect(histogramSvg(hist)).not.toContain('NaN');
  });
});
