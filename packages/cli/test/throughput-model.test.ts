/**
 * The Mathis (1997) bound and the PFTK (1998) model the bulk-transfer sweep overlays, against values
 * worked out by hand, and the parameters a sweep point gives them (RTT, b, T0, Wmax).
 */
import { getProfile } from '@synack/core';
import { describe, expect, it } from 'vitest';
import {
  mathisRate,
  modelParameters,
  pftkAtEventRate,
  pftkRate,
  throughputModel,
} from '../src/sweep/throughput-model.js';

describe('Mathis et al. 1997', () => {
  it('is MSS/RTT · √(3/2)/√p: 122.47 segments/s at p = 1 %, RTT 100 ms', () => {
    // 10 RTTs/s × 1.224745 / 0.1
    expect(mathisRate(0.01, 100)).toBeCloseTo(122.474, 2);
    expect(mathisRate(0.04, 100) / mathisRate(0.01, 100)).toBeCloseTo(0.5, 10);
  });
});

describe('Padhye, Firoiu, Towsley, Kurose 1998 (eq. 33)', () => {
  it('p = 1 %, RTT 100 ms, b = 2, T0 300 ms: 81.11 segments/s', () => {
    // RTT·√(2bp/3) = 0.1 × 0.115470 = 0.0115470
    // T0·min(1, 3√(3bp/8))·p·(1+32p²) = 0.3 × 0.259808 × 0.01 × 1.0032 = 0.000781915
    // 1 / 0.0123289 = 81.110
    expect(pftkRate({ p: 0.01, rttMs: 100, b: 2, t0Ms: 300, wmax: 1000 })).toBeCloseTo(81.11, 1);
  });

  it('the timeout term saturates at min(1, ·) for heavy loss: p = 20 %, b = 1, T0 1 s', () => {
    // 3√(3·0.2/8) = 0.8216 < 1; sawtooth 0.1 × √(0.1333) = 0.036515; timeouts 1 × 0.8216 × 0.2 × 2.28 = 0.374649
    expect(pftkRate({ p: 0.2, rttMs: 100, b: 1, t0Ms: 1000, wmax: 1000 })).toBeCloseTo(1 / 0.411164, 2);
    // p = 50 %: 3√(0.1875) = 1.299 → 1; timeouts 1 × 1 × 0.5 × 9 = 4.5
    expect(pftkRate({ p: 0.5, rttMs: 100, b: 1, t0Ms: 1000, wmax: 1000 })).toBeCloseTo(
      1 / (0.1 * Math.sqrt(1 / 3) + 4.5),
      6,
    );
  });

  it('is capped by the receiver window Wmax / RTT, and is exactly that without loss', () => {
    expect(pftkRate({ p: 0.0001, rttMs: 100, b: 2, t0Ms: 300, wmax: 44 })).toBe(440);
    expect(pftkRate({ p: 0, rttMs: 100, b: 2, t0Ms: 300, wmax: 44 })).toBe(440);
  });

  it('stays under the Mathis bound (it adds timeouts and b ≥ 1)', () => {
    for (const p of [0.005, 0.01, 0.02, 0.05]) {
      expect(pftkRate({ p, rttMs: 100, b: 1, t0Ms: 200, wmax: 1e6 })).toBeLessThan(mathisRate(p, 100));
    }
  });
});

describe('model parameters of a sweep point', () => {
  it('linux: b = 1 (cwnd grows per segment acknowledged, not per ACK), T0 = RTT + rto_min (tcp_set_rto with RTTVAR → 0)', () => {
    const params = modelParameters(getProfile('linux'), { delay: 50, jitter: 0 }, 1448);
    expect(params).toMatchObject({ rttMs: 100, b: 1, t0Ms: 300, mss: 1448 });
  });

  it('rfc9293: b = 1 (no delayed ACK), T0 = max(rtoMin, RTT) = 1 s', () => {
    const params = modelParameters(getProfile('rfc9293'), { delay: 50, jitter: 0 }, 1460);
    expect(params).toMatchObject({ rttMs: 100, b: 1, t0Ms: 1000 });
  });

  it('throughputModel reports both models in bytes/s; no Mathis bound without loss', () => {
    const m = throughputModel('linux', {}, { loss: 0.01, delay: 50, jitter: 0 }, 1000);
    expect(m.mathisBytesPerSec).toBeCloseTo(122_474, -1);
    expect(m.pftkBytesPerSec).toBeCloseTo(
      pftkRate({ p: 0.01, rttMs: 100, b: 1, t0Ms: 300, wmax: m.wmax }) * 1000,
      6,
    );
    // At a measured loss-event rate instead of the configured loss.
    expect(pftkAtEventRate(m, 0.005)).toBeCloseTo(
      pftkRate({ p: 0.005, rttMs: 100, b: 1, t0Ms: 300, wmax: m.wmax }) * 1000,
      6,
    );
    expect(pftkAtEventRate(m, 0)).toBeNull();
    expect(
      throughputModel('linux', {}, { loss: 0, delay: 50, jitter: 0 }, 1000).mathisBytesPerSec,
    ).toBeNull();
  });
});
