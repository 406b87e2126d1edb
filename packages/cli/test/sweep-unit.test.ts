/**
 * Sweep building blocks: grid flags (float-safe ranges), statistics, --direction,
 * the handshake model (closed form = exact enumeration; the SYN-ACK schedule the
 * enumeration assumes is exactly what the simulator does), CSV.
 */
import { getProfile, synRetransmissions } from '@synack/core';
import { runSimulation } from '@synack/network';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/run.js';
import { findScenario } from '../src/scenarios.js';
import { applyDirection } from '../src/sweep/direction.js';
import { expandGrid, msListArg, probabilityListArg, profileListArg } from '../src/sweep/grid.js';
import { runSeed } from '../src/sweep/job.js';
import { criterionFor } from '../src/sweep/metrics.js';
import {
  closedFormClientToServer,
  exactHandshakeModel,
  isPlainHandshake,
  modelForPoint,
  synAckSendTimes,
  synSendTimes,
} from '../src/sweep/model.js';
import { bootstrapMeanCi, empiricalCdf, quantileSorted, seededUniform, wilson } from '../src/sweep/stats.js';
import { csvField, parseCsv, shellWord } from '../src/sweep/summary.js';

const handshake = findScenario('handshake')!;

describe('grid flags', () => {
  it('expands start:stop:step inclusively and without float noise', () => {
    expect(probabilityListArg('0:0.5:0.05')).toEqual([
      0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    ]);
    expect(probabilityListArg('0:0.3:0.1')).toEqual([0, 0.1, 0.2, 0.3]);
    expect(probabilityListArg('0.1:0.7:0.3')).toEqual([0.1, 0.4, 0.7]);
    expect(probabilityListArg('0:1:0.3')).toEqual([0, 0.3, 0.6, 0.9]);
    expect(msListArg('5:25:10')).toEqual([5, 15, 25]);
    expect(msListArg('0:0.003:1e-3')).toEqual([0, 0.001, 0.002, 0.003]);
  });

  it('takes comma lists and single values', () => {
    expect(probabilityListArg('0,0.1,0.3')).toEqual([0, 0.1, 0.3]);
    expect(probabilityListArg('0.25')).toEqual([0.25]);
    expect(msListArg('10, 50')).toEqual([10, 50]);
    expect(profileListArg('linux,rfc9293')).toEqual(['linux', 'rfc9293']);
  });

  it.each([
    ['1.5', /probabilities in \[0, 1\]/],
    ['0:2:0.5', /probabilities in \[0, 1\]/],
    ['0:0.5:0', /step must be > 0/],
    ['0.5:0:0.1', /stop 0 is below start 0.5/],
    ['0:0.5', /three numbers/],
    ['a,b', /"a" is not a number/],
    ['', /expected start:stop:step/],
    ['0.1,0.1', /lists 0.1 twice/],
    ['0:1:0.0001', /at most 1000/],
  ])('rejects %j', (spec, message) => {
    expect(() => probabilityListArg(spec)).toThrow(InvalidArgumentError);
    expect(() => probabilityListArg(spec)).toThrow(message);
  });

  it('rejects bad profiles and negative times', () => {
    expect(() => profileListArg('linux,bsd')).toThrow(/unknown profile "bsd"/);
    expect(() => msListArg('-5')).toThrow(/non-negative/);
  });

  it('spans the Cartesian product, profile outermost, and shares seeds across profiles', () => {
    const points = expandGrid(
      { loss: [0, 0.1], delay: [10, 50], profile: ['linux', 'rfc9293'] },
      { profile: 'linux', loss: 0, reorder: 0, duplicate: 0, delay: 10, jitter: 0 },
      'both',
    );
    expect(points).toHaveLength(8);
    expect(points.map((p) => [p.profile, p.loss, p.delay, p.netIndex])).toEqual([
      ['linux', 0, 10, 0],
      ['linux', 0, 50, 1],
      ['linux', 0.1, 10, 2],
      ['linux', 0.1, 50, 3],
      ['rfc9293', 0, 10, 0],
      ['rfc9293', 0, 50, 1],
      ['rfc9293', 0.1, 10, 2],
      ['rfc9293', 0.1, 50, 3],
    ]);
    // Only swept parameters become command-line overrides.
    expect(points[3].flags).toEqual({ profile: 'linux', loss: 0.1, delay: 50 });
    expect(runSeed(1, 2, 5)).toBe(runSeed(1, 2, 5));
    expect(new Set([runSeed(1, 0, 0), runSeed(1, 0, 1), runSeed(1, 1, 0), runSeed(2, 0, 0)]).size).toBe(4);
  });
});

describe('statistics', () => {
  it('Wilson interval matches the textbook values', () => {
    // 81 of 263 (Wilson 1927 / standard references): [0.2553, 0.3662].
    const ci = wilson(81, 263)!;
    expect(ci.lo).toBeCloseTo(0.2553, 3);
    expect(ci.hi).toBeCloseTo(0.3662, 3);
    const all = wilson(400, 400)!;
    expect(all.hi).toBe(1);
    expect(all.lo).toBeCloseTo(0.9905, 3);
    expect(wilson(0, 0)).toBeNull();
  });

  it('quantiles interpolate between order statistics', () => {
    // Hyndman–Fan type 1: an observed value, never one between two (R quantile(type = 1)).
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.95)).toBe(5);
    expect(quantileSorted([1, 2, 3, 4, 5], 0.8)).toBe(4);
    expect(quantileSorted([20, 1020], 0.5)).toBe(20); // not 520: no run takes that time
    expect(quantileSorted([3, 5, 9], 0)).toBe(3);
    expect(quantileSorted([3, 5, 9], 1)).toBe(9);
    expect(quantileSorted([7], 0.99)).toBe(7);
    expect(quantileSorted([], 0.5)).toBeNull();
  });
});

describe('--direction', () => {
  it('moves the loss to one link and leaves the other faults on both', () => {
    const config = buildConfig(handshake, { loss: 0.3, jitter: 2, direction: 'client->server' });
    expect(config.network?.default).toEqual({ delay: 10, jitter: 2 });
    expect(config.network?.links).toEqual({ 'client->server': { delay: 10, jitter: 2, loss: 0.3 } });
    const reverse = buildConfig(handshake, { loss: 0.3, direction: 'server->client' });
    expect(reverse.network?.links).toEqual({ 'server->client': { delay: 10, loss: 0.3 } });
    expect(buildConfig(handshake, { loss: 0.3, direction: 'both' })).toEqual(
      buildConfig(handshake, { loss: 0.3 }),
    );
  });

  it('strips the loss of other existing links', () => {
    const config = applyDirection(
      {
        seed: 1,
        endpoints: handshake.endpoints,
        network: { default: { loss: 0.2 }, links: { 'server->client': { loss: 0.5, delay: 3 } } },
      },
      'client->server',
    );
    expect(config.network?.links).toEqual({
      'server->client': { delay: 3 },
      'client->server': { loss: 0.2 },
    });
  });

  it('needs client and server endpoints', () => {
    expect(() =>
      applyDirection({ seed: 1, endpoints: [{ id: 'a' }, { id: 'b' }] }, 'client->server'),
    ).toThrow(/--direction client->server: the scenario has no endpoint "client"/);
  });

  it('only loses segments in the chosen direction', async () => {
    const result = await runSimulation(
      buildConfig(handshake, { loss: 1, seed: 4, direction: 'server->client', profile: 'rfc9293' }),
    );
    const drops = result.trace.filter((e) => e.kind === 'drop');
    expect(drops.length).toBeGreaterThan(5);
    expect(drops.every((e) => e.kind === 'drop' && e.from === 'server')).toBe(true);
  });
});

describe('handshake model', () => {
  it('applies to the handshake shape only', () => {
    expect(isPlainHandshake(handshake)).toBe(true);
    expect(isPlainHandshake(findScenario('lifecycle')!)).toBe(false);
    expect(isPlainHandshake(findScenario('lost-syn')!)).toBe(false);
    expect(criterionFor(handshake)).toBe('established');
    expect(criterionFor(findScenario('lifecycle')!)).toBe('outcome');
  });

  it('closed form: P = 1 − p^(R+1) with R = 10 (linux) and 7 (rfc9293)', () => {
    expect(synRetransmissions(getProfile('linux'))).toBe(10);
    expect(synRetransmissions(getProfile('rfc9293'))).toBe(7);
    expect(synSendTimes(getProfile('linux'))).toEqual([
      0, 1000, 2000, 3000, 4000, 5000, 7000, 11000, 19000, 35000, 67000, 131000,
    ]);
    expect(synSendTimes(getProfile('rfc9293'))).toEqual([
      0, 1000, 3000, 7000, 15000, 31000, 63000, 123000, 183000,
    ]);
    const m = closedFormClientToServer(getProfile('linux'), 0.5, 20);
    expect(m.success).toBeCloseTo(1 - 0.5 ** 11, 12);
    // Σ 0.5^k · 0.5 · (T_k + 20) / (1 − 0.5^11)
    const T = synSendTimes(getProfile('linux'));
    let e = 0;
    for (let k = 0; k <= 10; k++) e += 0.5 ** (k + 1) * (T[k] + 20);
    expect(m.meanTime).toBeCloseTo(e / (1 - 0.5 ** 11), 9);
  });

  it('exact enumeration reduces to the closed form when the SYN-ACK direction is lossless', () => {
    for (const name of ['linux', 'rfc9293']) {
      const profile = getProfile(name);
      for (const p of [0, 0.1, 0.5, 0.8, 0.95]) {
        const closed = closedFormClientToServer(profile, p, 20);
        const exact = exactHandshakeModel(profile, profile, 10, p, 0);
        expect(exact.success).toBeCloseTo(closed.success, 12);
        expect(exact.meanTime!).toBeCloseTo(closed.meanTime!, 6);
      }
    }
  });

  it('server→client: P = 1 − p^N with N SYN-ACKs before connect() gives up (21 linux, 15 rfc9293)', () => {
    const linux = getProfile('linux');
    const rfc = getProfile('rfc9293');
    expect(exactHandshakeModel(linux, linux, 10, 0, 0.5).success).toBeCloseTo(1 - 0.5 ** 21, 12);
    expect(exactHandshakeModel(rfc, rfc, 10, 0, 0.5).success).toBeCloseTo(1 - 0.5 ** 15, 12);
  });

  it('the model is attached per point (null with reordering, or jitter + SYN-ACK loss)', () => {
    const base = expandGrid(
      {},
      { profile: 'linux', loss: 0.3, reorder: 0, duplicate: 0, delay: 10, jitter: 0 },
      'client->server',
    )[0];
    expect(modelForPoint(handshake, base)?.method).toBe('closed-form');
    expect(modelForPoint(handshake, { ...base, direction: 'both' })?.method).toBe('exact-enumeration');
    expect(modelForPoint(handshake, { ...base, reorder: 0.1 })).toBeNull();
    expect(modelForPoint(handshake, { ...base, direction: 'both', jitter: 5 })).toBeNull();
    expect(modelForPoint(handshake, { ...base, jitter: 5 })?.meanTime).toBeCloseTo(
      closedFormClientToServer(getProfile('linux'), 0.3, 25).meanTime!,
      9,
    );
    expect(modelForPoint(findScenario('lifecycle')!, base)).toBeNull();
  });

  // The enumeration assumes a deterministic SYN-ACK schedule given which SYNs arrive. Check it
  // against the simulator: every SYN-ACK lost (loss 1 server→client), some SYNs dropped by
  // targeted faults — including SYN 4 of linux creating an entry that expires exactly when SYN 10
  // arrives (67.01 s: timers run first, so the SYN opens a fresh half-open entry).
  it.each([
    ['linux', []],
    ['linux', [1, 2, 3, 4]],
    ['linux', [2, 5, 6]],
    ['rfc9293', []],
    ['rfc9293', [1]],
    ['rfc9293', [1, 2, 3, 4]],
  ] as Array<[string, number[]]>)(
    'SYN-ACK schedule, %s, SYNs %j dropped, equals the trace',
    async (name, dropped) => {
      const config = buildConfig(handshake, { seed: 3, loss: 1, profile: name, direction: 'server->client' });
      config.network!.faults = dropped.map((nth) => ({
        match: { from: 'client', exactFlags: ['SYN' as const], nth },
        action: { drop: true as const },
      }));
      const result = await runSimulation(config);
      const sends = (from: string, flags: string) =>
        result.trace
          .filter((e) => e.kind === 'send' && e.from === from && e.seg.flags.join(',') === flags)
          .map((e) => e.t);
      const profile = getProfile(name);
      const T = synSendTimes(profile);
      expect(sends('client', 'SYN')).toEqual(T.slice(0, -1));
      const arrivals = T.slice(0, -1)
        .map((t) => t + 10)
        .filter((_, k) => !dropped.includes(k + 1));
      expect(sends('server', 'SYN,ACK')).toEqual(synAckSendTimes(profile, arrivals));
    },
  );
});

describe('CSV', () => {
  it('quotes what needs quoting and reads it back', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(0.1 + 0.2)).toBe('0.3');
    expect(csvField(null)).toBe('');
    expect(parseCsv('x,y\n1,"a,""b"""\n2,\n')).toEqual([
      { x: '1', y: 'a,"b"' },
      { x: '2', y: '' },
    ]);
    expect(shellWord('client->server')).toBe("'client->server'");
    expect(shellWord('0.05')).toBe('0.05');
  });
});

describe('bootstrap intervals and empirical CDFs (issue 22 item 3)', () => {
  it('the bootstrap interval brackets the mean, is reproducible from its seed, and narrows with n', () => {
    const uniform = seededUniform(11);
    const small = Array.from({ length: 30 }, () => uniform() * 100);
    const large = Array.from({ length: 3000 }, () => uniform() * 100);
    const a = bootstrapMeanCi(small, 5)!;
    expect(bootstrapMeanCi(small, 5)).toEqual(a);
    expect(bootstrapMeanCi(small, 6)).not.toEqual(a);
    const m = small.reduce((x, y) => x + y, 0) / small.length;
    expect(a.lo).toBeLessThan(m);
    expect(a.hi).toBeGreaterThan(m);
    // Uniform(0, 100): sd ≈ 28.9, so the 95 % half-width is ≈ 1.96·28.9/√n.
    expect((a.hi - a.lo) / 2).toBeGreaterThan(7);
    expect((a.hi - a.lo) / 2).toBeLessThan(14);
    const b = bootstrapMeanCi(large, 5)!;
    expect((b.hi - b.lo) / 2).toBeGreaterThan(0.7);
    expect((b.hi - b.lo) / 2).toBeLessThan(1.4);
    expect(bootstrapMeanCi([4], 1)).toBeNull();
  });

  it('the empirical CDF steps at each distinct value, reaching 1', () => {
    expect(empiricalCdf([1020, 20, 20, 3020])).toEqual([
      [20, 0.5],
      [1020, 0.75],
      [3020, 1],
    ]);
    expect(empiricalCdf([])).toEqual([]);
  });
});
