/**
 * Delay distributions (FaultModel.delayDistribution): each shape's sample moments match its
 * parameters, draws come only from the seeded PRNG (same seed, same delays), the schema bounds
 * every parameter, and the coordinator's lookahead window never exceeds the smallest possible draw.
 */
import { Flag } from '@synack/core';
import { describe, expect, it } from 'vitest';
import { minimumDelay } from '../src/coordinator.js';
import { createFaultPipeline, drawDelay } from '../src/faults.js';
import { createRng } from '../src/prng.js';
import type { DelayDistribution } from '../src/schema.js';
import type { Packet } from '../src/types.js';
import { validateNetworkConfig } from '../src/validate.js';

function sample(distribution: DelayDistribution, n = 20_000, seed = 7): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => drawDelay(rng, distribution));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

describe('drawDelay', () => {
  it('uniform stays in [min, max] with mean (min + max) / 2', () => {
    const xs = sample({ kind: 'uniform', min: 5, max: 25 });
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...xs)).toBeLessThanOrEqual(25);
    expect(mean(xs)).toBeCloseTo(15, 0);
  });

  it('normal has the given mean and sd (far from 0, so truncation is negligible)', () => {
    const xs = sample({ kind: 'normal', mean: 50, sd: 5 });
    expect(mean(xs)).toBeCloseTo(50, 0);
    expect(sd(xs)).toBeGreaterThan(4.8);
    expect(sd(xs)).toBeLessThan(5.2);
  });

  it('normal is truncated at 0', () => {
    const xs = sample({ kind: 'normal', mean: 1, sd: 10 });
    expect(Math.min(...xs)).toBe(0);
  });

  it('exponential has mean = sd = the given mean', () => {
    const xs = sample({ kind: 'exponential', mean: 20 });
    expect(mean(xs)).toBeGreaterThan(19.4);
    expect(mean(xs)).toBeLessThan(20.6);
    expect(sd(xs)).toBeGreaterThan(19);
    expect(sd(xs)).toBeLessThan(21);
  });

  it('pareto never goes below its scale and has mean scale·shape/(shape−1)', () => {
    const xs = sample({ kind: 'pareto', scale: 10, shape: 3 });
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(10);
    expect(mean(xs)).toBeGreaterThan(14.5);
    expect(mean(xs)).toBeLessThan(15.5);
  });

  it('keeps whole microseconds and is a function of the seed', () => {
    const a = sample({ kind: 'exponential', mean: 3 }, 200, 11);
    expect(sample({ kind: 'exponential', mean: 3 }, 200, 11)).toEqual(a);
    expect(sample({ kind: 'exponential', mean: 3 }, 200, 12)).not.toEqual(a);
    for (const x of a) expect(Math.abs(x * 1000 - Math.round(x * 1000))).toBeLessThan(1e-6);
  });
});

describe('delayDistribution in the pipeline and the schema', () => {
  it('replaces delay and jitter on its link', () => {
    const packets: Packet[] = Array.from({ length: 50 }, (_, i) => ({
      id: i + 1,
      from: 'client',
      to: 'server',
      segment: {
        srcAddr: '10.0.0.1',
        srcPort: 40000,
        dstAddr: '10.0.0.2',
        dstPort: 80,
        seq: 1,
        ack: 0,
        flags: Flag.ACK,
        win: 65535,
      },
      sentAt: i,
      deliverAt: i,
    }));
    const config = {
      default: { delay: 1000, jitter: 500, delayDistribution: { kind: 'uniform' as const, min: 2, max: 3 } },
    };
    let next = 1000;
    const { scheduled } = createFaultPipeline(config, createRng(1)).transmit(packets, 0, () => next++);
    for (const p of scheduled) {
      expect(p.deliverAt - p.sentAt).toBeGreaterThanOrEqual(2);
      expect(p.deliverAt - p.sentAt).toBeLessThanOrEqual(3);
    }
  });

  it('keeps the link FIFO, like jitter: no packet arrives before one sent earlier', () => {
    const packets: Packet[] = Array.from({ length: 200 }, (_, i) => ({
      id: i + 1,
      from: 'client',
      to: 'server',
      segment: {
        srcAddr: '10.0.0.1',
        srcPort: 40000,
        dstAddr: '10.0.0.2',
        dstPort: 80,
        seq: 1,
        ack: 0,
        flags: Flag.ACK,
        win: 65535,
      },
      sentAt: i,
      deliverAt: i,
    }));
    const config = { default: { delayDistribution: { kind: 'exponential' as const, mean: 20 } } };
    let next = 1000;
    const { scheduled } = createFaultPipeline(config, createRng(5)).transmit(packets, 0, () => next++);
    expect(scheduled.map((p) => p.id)).toEqual(packets.map((p) => p.id));
    for (const p of scheduled) expect(p.deliverAt).toBeGreaterThanOrEqual(p.sentAt);
  });

  it('rejects bad parameters with the field named', () => {
    const bad: unknown[] = [
      { kind: 'uniform', min: 10, max: 5 },
      { kind: 'normal', mean: 10, sd: -1 },
      { kind: 'exponential', mean: 0 },
      { kind: 'pareto', scale: 5, shape: 0 },
      { kind: 'lognormal', mean: 5 },
      { kind: 'normal', mean: 1e12, sd: 1 },
    ];
    for (const delayDistribution of bad) {
      expect(() => validateNetworkConfig({ default: { delayDistribution } } as never)).toThrow(
        /delayDistribution/,
      );
    }
  });

  it('bounds the lookahead window by the smallest draw a link can make', () => {
    expect(minimumDelay({ default: { delay: 40 } })).toBe(40);
    expect(minimumDelay({ default: { delayDistribution: { kind: 'uniform', min: 7.0004, max: 9 } } })).toBe(
      7,
    );
    expect(minimumDelay({ default: { delayDistribution: { kind: 'pareto', scale: 12, shape: 2 } } })).toBe(
      12,
    );
    expect(minimumDelay({ default: { delayDistribution: { kind: 'normal', mean: 50, sd: 1 } } })).toBe(0);
    expect(
      minimumDelay({
        default: { delay: 40 },
        links: { 'client->server': { delayDistribution: { kind: 'exponential', mean: 5 } } },
      }),
    ).toBe(0);
  });
});
