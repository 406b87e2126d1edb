import { describe, expect, it } from 'vitest';
import { Pacer } from '../src/pacer.js';
import { sleep } from './helpers.js';

async function timed(p: Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await p;
  return performance.now() - t0;
}

describe('Pacer (beforeStep)', () => {
  it('paces virtual time at `speed` and holds after state changes', async () => {
    const pacer = new Pacer({ speed: 2, hold: 0 });
    expect(await timed(pacer.beforeStep(0))).toBeLessThan(30);
    // 100 virtual ms at 2× = 50 wall ms.
    const gap = await timed(pacer.beforeStep(100));
    expect(gap).toBeGreaterThanOrEqual(40);
    expect(gap).toBeLessThan(150);
    pacer.setSpeed(1000);
    pacer.setHold(120);
    pacer.noteStateChange();
    const held = await timed(pacer.beforeStep(101));
    expect(held).toBeGreaterThanOrEqual(110);
    expect(await timed(pacer.beforeStep(102))).toBeLessThan(30);
    expect(pacer.t).toBe(102);
  });

  it('pauses, steps one instant at a time, resumes without catching up', async () => {
    const changes: string[] = [];
    const pacer = new Pacer({
      speed: 1,
      hold: 0,
      paused: true,
      onChange: () => changes.push(`${pacer.paused}@${pacer.t}`),
    });
    let released = -1;
    const first = pacer.beforeStep(0).then(() => {
      released = 0;
    });
    await sleep(100);
    expect(released).toBe(-1);
    pacer.step();
    await first;
    expect(released).toBe(0);
    let second = false;
    const next = pacer.beforeStep(5).then(() => {
      second = true;
    });
    await sleep(80);
    expect(second).toBe(false);
    pacer.step();
    await next;
    // Paused for a long time: resuming does not rush the following instants.
    await sleep(200);
    pacer.resume();
    const gap = await timed(pacer.beforeStep(105));
    expect(gap).toBeGreaterThanOrEqual(90);
    expect(changes).toContain('true@0');
  });

  it('step while running pauses after one instant', async () => {
    const pacer = new Pacer({ speed: 1_000_000, hold: 0 });
    await pacer.beforeStep(0);
    pacer.step();
    expect(pacer.paused).toBe(true);
    await pacer.beforeStep(1);
    let released = false;
    const p = pacer.beforeStep(2).then(() => {
      released = true;
    });
    await sleep(60);
    expect(released).toBe(false);
    pacer.resume();
    await p;
    expect(released).toBe(true);
  });

  it('abort rejects the waiting and every later step', async () => {
    const pacer = new Pacer({ paused: true });
    const waiting = pacer.beforeStep(0);
    pacer.abort();
    await expect(waiting).rejects.toThrow('inspector closed');
    await expect(pacer.beforeStep(1)).rejects.toThrow('inspector closed');
  });

  it('validates speed and hold', () => {
    expect(() => new Pacer({ speed: 0 })).toThrow(RangeError);
    expect(() => new Pacer({ speed: Number.NaN })).toThrow(RangeError);
    expect(() => new Pacer({ hold: -1 })).toThrow(RangeError);
    const pacer = new Pacer();
    expect([pacer.speed, pacer.hold, pacer.paused]).toEqual([10, 250, false]);
  });
});
