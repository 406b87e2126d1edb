/**
 * kernel-diff's pure parts on synthetic timelines (always run): relative numbers, the aligner
 * (agreement, a late segment, a different segment, same-instant order, missing and extra
 * segments), the side-by-side printer, the nftables rules, the capture reader, the application
 * lateness correction, and which scenarios have no kernel equivalent (and why).
 */
import { runSimulation } from '@synack/network';
import { describe, expect, it } from 'vitest';
import { align, relativize, renderAlignment, type WireSegment } from '../src/kernel-diff/align.js';
import { loopbackConfig, modelSegments } from '../src/kernel-diff/command.js';
import { nftRules, readCapture, withoutAppLateness } from '../src/kernel-diff/kernel.js';
import { kernelPlan } from '../src/kernel-diff/plan.js';
import { buildConfig } from '../src/run.js';
import { findScenario } from '../src/scenarios.js';

const seg = (t: number, from: string, flags: string[], seq: number, ack: number, len = 0): WireSegment => ({
  t,
  from,
  to: from === 'client' ? 'server' : 'client',
  flags,
  seq,
  ack,
  len,
});

/** A handshake with ISNs c and s, then 100 bytes from the client at 100 ms. */
function handshake(c: number, s: number, dataAt = 100): WireSegment[] {
  return [
    seg(0, 'client', ['SYN'], c, 0),
    seg(0, 'server', ['SYN', 'ACK'], s, c + 1),
    seg(0, 'client', ['ACK'], c + 1, s + 1),
    seg(dataAt, 'client', ['ACK', 'PSH'], c + 1, s + 1, 100),
  ];
}

describe('relativize', () => {
  it('counts seq from the sender’s SYN and ack from the receiver’s, across the 2^32 wrap', () => {
    const rel = relativize(handshake(2 ** 32 - 1, 500));
    expect(rel.map((r) => [r.relSeq, r.relAck])).toEqual([
      [0, undefined],
      [0, 1],
      [1, 1],
      [1, 1],
    ]);
  });
});

describe('align', () => {
  it('two runs with different ISNs and times within the tolerance agree', () => {
    const a = align(relativize(handshake(1000, 9000)), relativize(handshake(77, 5, 120)));
    expect(a.firstDivergence).toBe(-1);
    expect(a.rows).toHaveLength(4);
  });

  it('a segment later than the tolerance is the first divergence', () => {
    const a = align(relativize(handshake(1000, 9000)), relativize(handshake(77, 5, 300)));
    expect(a.firstDivergence).toBe(3);
    expect(a.rows[3].divergence).toMatch(/^time 100\.0 vs 300\.0 ms/);
  });

  it('a different length is reported as such', () => {
    const kernel = handshake(77, 5);
    kernel[3] = { ...kernel[3], len: 99 };
    const a = align(relativize(handshake(1000, 9000)), relativize(kernel));
    expect(a.rows[a.firstDivergence].divergence).toBe('length 100 vs 99');
  });

  it('segments of the same instant may come in either order', () => {
    const model = [seg(0, 'client', ['SYN'], 10, 0), seg(0, 'server', ['SYN'], 20, 0)];
    const kernel = [seg(1, 'server', ['SYN'], 5, 0), seg(1, 'client', ['SYN'], 6, 0)];
    expect(align(relativize(model), relativize(kernel)).firstDivergence).toBe(-1);
  });

  it('a segment only one side sent is a divergence on either side', () => {
    const full = relativize(handshake(1, 2));
    const short = relativize(handshake(1, 2).slice(0, 3));
    expect(align(full, short).rows[3].divergence).toBe('the kernel sent nothing more');
    expect(align(short, full).rows[3].divergence).toBe('the model sent nothing more');
  });
});

describe('renderAlignment', () => {
  it('prints both timelines side by side and names the first divergence', () => {
    const kernel = handshake(77, 5);
    kernel[2] = { ...kernel[2], flags: ['ACK', 'PSH'] };
    const text = renderAlignment(align(relativize(handshake(1, 2)), relativize(kernel)), {
      model: 'model',
      kernel: 'kernel',
    });
    expect(text).toContain('0.000 s client→server SYN seq=0 len=0');
    expect(text).toMatch(
      / {2}3✗ 0\.000 s client→server ACK seq=1 ack=1 len=0 +0\.000 s client→server ACK,PSH seq=1 ack=1 len=0/,
    );
    expect(text).toContain('first divergence at row 3: flags ACK vs ACK,PSH');
  });

  it('says so when nothing diverges', () => {
    const text = renderAlignment(align(relativize(handshake(1, 2)), relativize(handshake(3, 4))), {
      model: 'm',
      kernel: 'k',
    });
    expect(text).toContain('no divergence: 4 segments agree');
  });
});

describe('the kernel side’s helpers', () => {
  it('a reaction is timed from the corrected segment it answers, not from when Node noticed it', () => {
    // connect 20 ms late (handshake at 20), accept noticed at 22, send 150 ms later at 181.
    const segments = [...handshake(1, 2, 181)].map((s, i) => (i < 3 ? { ...s, t: 20 } : s));
    const moved = withoutAppLateness(segments, [
      { acted: 20, late: 20 },
      { acted: 181, late: 9, on: 'accept', endpoint: 'server', after: 150 },
    ]);
    expect(moved.map((s) => s.t)).toEqual([0, 0, 0, 150]);
  });

  it('an nftables rule drops the nth segment with exactly those flags from that address', () => {
    const rules = nftRules([{ saddr: '10.0.0.1', flags: ['ACK'], nth: 2 }]);
    expect(rules).toContain('hook prerouting');
    expect(rules).toContain(
      'ip saddr 10.0.0.1 tcp flags & (fin | syn | rst | psh | ack) == ack numgen inc mod 1000000 1 counter drop',
    );
  });

  it('reads tshark fields between known addresses only, times from the run start', () => {
    const fields =
      '1000.010,10.0.0.1,10.0.0.2,5,0,0x0002,0\n1000.011,127.0.0.1,127.0.0.1,1,0,0x0002,0\n1000.012,10.0.0.2,10.0.0.1,9,6,0x0012,0\n';
    const ids = new Map([
      ['10.0.0.1', 'client'],
      ['10.0.0.2', 'server'],
    ]);
    const segments = readCapture(fields, 1_000_000, ids);
    expect(segments.map((s) => [Math.round(s.t), s.from, s.flags.join(',')])).toEqual([
      [10, 'client', 'SYN'],
      [12, 'server', 'SYN,ACK'],
    ]);
  });

  it('moves segments back by the lateness of the last application action before them', () => {
    const moved = withoutAppLateness(handshake(1, 2, 130), [
      { acted: 3, late: 3 },
      { acted: 130, late: 30 },
    ]);
    expect(moved.map((s) => s.t)).toEqual([0, 0, 0, 100]);
  });
});

async function planOf(name: string) {
  const scenario = findScenario(name);
  if (!scenario) throw new Error(name);
  const config = loopbackConfig(buildConfig(scenario, {}));
  const model = await runSimulation(config, {});
  const segments = modelSegments(model.trace);
  return { plan: kernelPlan(config, model.trace, segments.at(-1)?.t ?? 0), segments };
}

describe('kernelPlan', () => {
  it.each([
    ['lossy-transfer', /random loss differs/],
    ['syn-flood', /spoofed SYNs/],
    ['syn-cookies', /spoofed SYNs/],
    ['half-open', /crash and reboot/],
    ['old-duplicate-syn', /targeted delays and duplicates need netem/],
    ['simultaneous-open', /client and server both connect at 0 ms: crossing segments need a link delay/],
    ['simultaneous-close', /client and server both close at 500 ms/],
  ])('%s has no kernel equivalent (%s)', async (name, reason) => {
    const { plan } = await planOf(name);
    expect('noEquivalent' in plan && plan.noEquivalent).toMatch(reason);
  });

  it('lost-final-ack: the model’s targeted drop becomes "the client’s 2nd pure ACK"', async () => {
    const { plan, segments } = await planOf('lost-final-ack');
    if ('noEquivalent' in plan) throw new Error(plan.noEquivalent);
    expect(plan.drops).toEqual([{ saddr: '10.0.0.1', flags: ['ACK'], nth: 2 }]);
    expect(plan.endpoints.map((e) => [e.id, e.address])).toEqual([
      ['client', '10.0.0.1'],
      ['server', '10.0.0.2'],
    ]);
    // The loopback model run has no delay: the handshake happens at 0 ms.
    expect(segments.slice(0, 3).map((s) => s.t)).toEqual([0, 0, 0]);
  });
});
