/**
 * The inspector's per-connection cwnd / in-flight / ssthresh plot: the model keeps each
 * connection's `cc` trace lines, and the plot's geometry is a step line per series.
 */
import { describe, expect, it } from 'vitest';
import { cwndPlotGeometry, INFINITE_SSTHRESH } from '../public/cwnd-plot.js';
import { deriveModel } from '../public/model.js';

const CONN = '40000-10.0.0.2:80';
const cc = (t: number, state: string, cwnd: number, inFlight: number, ssthresh = INFINITE_SSTHRESH) => ({
  t,
  kind: 'cc',
  endpoint: 'client',
  conn: CONN,
  state,
  cwnd,
  ssthresh,
  inFlight,
  sacked: 0,
  mss: 1448,
});

const EVENTS = [
  cc(0, 'Open', 10, 10),
  cc(100, 'Open', 20, 20),
  cc(200, 'Recovery', 14, 19, 14),
  cc(300, 'Open', 14, 14, 14),
];
const HELLO = { endpoints: [{ id: 'client', address: '10.0.0.1', profile: 'linux', timeWait: 60_000 }] };

describe('cc lines in the inspector model', () => {
  it('each connection keeps its samples in order; replaying fewer events keeps fewer', () => {
    const model = deriveModel(HELLO, EVENTS);
    const conn = model.endpointById.get('client')!.conns.get(CONN)!;
    expect(conn.cc.map((s) => [s.t, s.state, s.cwnd])).toEqual([
      [0, 'Open', 10],
      [100, 'Open', 20],
      [200, 'Recovery', 14],
      [300, 'Open', 14],
    ]);
    expect(deriveModel(HELLO, EVENTS, 2).endpointById.get('client')!.conns.get(CONN)!.cc).toHaveLength(2);
  });
});

describe('cwndPlotGeometry', () => {
  const samples = deriveModel(HELLO, EVENTS).endpointById.get('client')!.conns.get(CONN)!.cc;

  it('scales to the largest value and draws each sample as a step held until the next', () => {
    const g = cwndPlotGeometry(samples, { width: 300, height: 100 })!;
    expect(g.yMax).toBe(20);
    expect(g.t0).toBe(0);
    expect(g.t1).toBe(300);
    const cwnd = g.series.find((s) => s.key === 'cwnd')!;
    // (t, cwnd): 0→10 until 100, 20 until 200, 14 until 300, 14 at 300.
    expect(cwnd.points).toBe(
      '0.0,50.0 100.0,50.0 100.0,0.0 200.0,0.0 200.0,30.0 300.0,30.0 300.0,30.0 300.0,30.0',
    );
  });

  it('leaves out ssthresh while it is infinite (before the first loss)', () => {
    const g = cwndPlotGeometry(samples, { width: 300, height: 100 })!;
    expect(g.series.find((s) => s.key === 'ssthresh')!.count).toBe(2);
    expect(g.series.find((s) => s.key === 'inFlight')!.count).toBe(4);
  });

  it('extends the last value to `now`, and has nothing to draw without samples', () => {
    expect(cwndPlotGeometry(samples, { width: 300, height: 100, now: 600 })!.t1).toBe(600);
    expect(cwndPlotGeometry([], { width: 300, height: 100 })).toBeNull();
  });
});
