/**
 * The off-path ISN-guessing attack (RFC 6528 §1; issue 21 item 7), through the real simulation:
 * the attacker learns the server's ISN clock only from its own two probe connections, forges a SYN
 * from a host that is down and, blind, the third segment with data. Against RFC 793's bare clock
 * (isnPolicy 'clock') the guess equals the ISN the server put in the SYN-ACK it never saw and the
 * data is delivered; against RFC 6528's keyed hash it misses and the server answers with RST.
 * Config validation bounds the new fields.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  liveWorkerCount,
  runSimulation,
  type SimulationConfig,
  simulation,
  validateSimulationConfig,
} from '../src/index.js';
import type { SegmentEvent } from './helpers.js';

afterEach(() => {
  expect(liveWorkerCount()).toBe(0);
});

const spoofing = (
  isnPolicy: 'clock' | 'keyed-hash',
  profile: 'linux' | 'rfc9293' = 'linux',
): SimulationConfig =>
  simulation({ profile, maxTime: 5000 })
    .endpoint('server', (s) => s.isnPolicy(isnPolicy).listen(80))
    .endpoint('attacker', (a) =>
      a
        .connect('server', 80, { as: 'probe1' })
        .at(100)
        .connect('server', 80, { as: 'probe2' })
        .at(500)
        .isnSpoof({
          to: 'server',
          port: 80,
          probes: ['probe1', 'probe2'],
          spoofAddr: '10.0.0.9',
          spoofPort: 1023,
          bytes: 100,
        }),
    )
    .network({ delay: 10 })
    .build();

async function attack(isnPolicy: 'clock' | 'keyed-hash', profile: 'linux' | 'rfc9293' = 'linux') {
  const { trace } = await runSimulation(spoofing(isnPolicy, profile), { threads: 'inline' });
  const guess = trace.find((e) => e.kind === 'app' && e.event === 'isn-guess') as
    | Record<string, unknown>
    | undefined;
  const sends = trace.filter((e): e is SegmentEvent => e.kind === 'send');
  const synAck = sends.find((e) => e.to === '10.0.0.9' && e.seg.flags.includes('SYN'));
  const forged = sends.find((e) => e.from === 'attacker' && e.seg.len > 0);
  const rst = sends.find((e) => e.to === '10.0.0.9' && e.seg.flags.includes('RST'));
  const established = trace.filter(
    (e) =>
      e.kind === 'state' && e.endpoint === 'server' && e.from === 'SYN_RECEIVED' && e.to === 'ESTABLISHED',
  ).length;
  return { guess, synAck, forged, rst, established };
}

describe('isn-spoof: an off-path attacker guesses the ISN of a SYN-ACK it never sees', () => {
  it("against RFC 793's bare clock the guess is exact and the forged data is accepted (both profiles' clocks)", async () => {
    for (const [profile, perSecond] of [
      ['linux', 15_625_000],
      ['rfc9293', 250_000],
    ] as const) {
      const r = await attack('clock', profile);
      expect(r.guess?.perSecond, profile).toBe(perSecond);
      expect(r.synAck?.seg.seq, profile).toBe(r.guess?.guess);
      expect(r.forged?.seg.ack).toBe(((r.guess?.guess as number) + 1) >>> 0);
      expect(r.forged?.seg.flags).toEqual(['ACK', 'PSH']);
      expect(r.rst).toBeUndefined();
      expect(r.established).toBe(3);
    }
  });

  it("against RFC 6528's keyed hash (the default) the guess misses: RST, the data never delivered", async () => {
    const r = await attack('keyed-hash');
    expect(r.synAck?.seg.seq).not.toBe(r.guess?.guess);
    expect(r.rst).toBeDefined();
    expect(r.established).toBe(2);
  });

  it('without two established probes the attacker has nothing to go on: an app error, nothing forged', async () => {
    const config = simulation({ maxTime: 2000 })
      .endpoint('server', (s) => s.listen(80))
      .endpoint('attacker', (a) =>
        a.at(10).isnSpoof({
          to: 'server',
          port: 80,
          probes: ['a', 'b'],
          spoofAddr: '10.0.0.9',
          spoofPort: 1,
          bytes: 1,
        }),
      )
      .build();
    const { trace } = await runSimulation(config, { threads: 'inline' });
    expect(
      trace.some(
        (e) =>
          e.kind === 'app' &&
          e.event === 'error' &&
          /isn-spoof: probes saw no two ISNs/.test(String(e.error)),
      ),
    ).toBe(true);
    expect(trace.some((e) => e.kind === 'send' && e.from === 'attacker')).toBe(false);
  });

  it('validates isnPolicy and the isn-spoof fields with bounds', () => {
    const base = spoofing('clock');
    const withEndpoint = (i: number, patch: Record<string, unknown>) => ({
      ...base,
      endpoints: base.endpoints.map((e, k) => (k === i ? { ...e, ...patch } : e)),
    });
    expect(() => validateSimulationConfig(base)).not.toThrow();
    expect(() => validateSimulationConfig(withEndpoint(0, { isnPolicy: 'random' }))).toThrow(/isnPolicy/);
    const spoofAction = base.endpoints[1].actions?.[2] as Record<string, unknown>;
    const withAction = (patch: Record<string, unknown>) =>
      withEndpoint(1, {
        actions: [...(base.endpoints[1].actions ?? []).slice(0, 2), { ...spoofAction, ...patch }],
      });
    expect(() => validateSimulationConfig(withAction({ bytes: 0 }))).toThrow(/bytes/);
    expect(() => validateSimulationConfig(withAction({ bytes: 70_000 }))).toThrow(/bytes/);
    expect(() => validateSimulationConfig(withAction({ spoofAddr: '10.0.0' }))).toThrow(/spoofAddr/);
    expect(() => validateSimulationConfig(withAction({ probes: ['probe1'] }))).toThrow(/probes/);
    expect(() => validateSimulationConfig(withAction({ ackAfter: 0 }))).toThrow(/ackAfter/);
    expect(() => validateSimulationConfig(withAction({ to: 'nobody' }))).toThrow(
      /neither an endpoint id nor an IPv4 address/,
    );
  });
});
