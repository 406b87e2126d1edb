/**
 * The pacer on a fake clock (vitest fake timers: Date and setTimeout): every gap is asserted to
 * the millisecond, and no assertion depends on how busy the machine is.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer } from '../src/pacer.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A pacer whose wall clock is the fake clock. */
function pacerOn(options: ConstructorParameters<typeof Pacer>[0]): Pacer {
  return new Pacer({ ...options, now: () => Date.now() });
}

/** Tracks whether a promise has settled, for checks between clock advances. */
function watch(p: Promise<unknown>): { readonly done: boolean } {
  const state = { done: false };
  void p.then(() => {
    state.done = true;
  });
  return state;
}

/** Advances the fake clock by `ms` and lets the released promises run. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('Pacer (beforeStep)', () => {
  it('paces virtual time at `speed` and holds after state changes', async () => {
    const pacer = pacerOn({ speed: 2, hold: 0 });
    const first = watch(pacer.beforeStep(0));
    await advance(0);
    expect(first.done).toBe(true);
    // 100 virtual ms at 2× = 50 wall ms.
    const gap = watch(pacer.beforeStep(100));
    await advance(49);
    expect(gap.done).toBe(false);
    await advance(1);
    expect(gap.done).toBe(true);
    pacer.setSpeed(1000);
    pacer.setHold(120);
    pacer.noteStateChange();
    const held = watch(pacer.beforeStep(101));
    await advance(119);
    expect(held.done).toBe(false);
    await advance(1);
    expect(held.done).toBe(true);
    // No hold without a state change: 1 virtual ms at 1000× is due at once (a 1 ms timer at most).
    const quick = watch(pacer.beforeStep(102));
    await advance(1);
    expect(quick.done).toBe(true);
    expect(pacer.t).toBe(102);
  });

  it('pauses, steps one instant at a time, resumes without catching up', async () => {
    const changes: string[] = [];
    const pacer: Pacer = pacerOn({
      speed: 1,
      hold: 0,
      paused: true,
      onChange: () => changes.push(`${pacer.paused}@${pacer.t}`),
    });
    const first = watch(pacer.beforeStep(0));
    await advance(10_000);
    expect(first.done).toBe(false);
    pacer.step();
    await advance(0);
    expect(first.done).toBe(true);
    const second = watch(pacer.beforeStep(5));
    await advance(10_000);
    expect(second.done).toBe(false);
    pacer.step();
    await advance(0);
    expect(second.done).toBe(true);
    // Paused for a long time: resuming does not rush the following instants.
    await advance(200);
    pacer.resume();
    const after = watch(pacer.beforeStep(105));
    await advance(99);
    expect(after.done).toBe(false);
    await advance(1);
    expect(after.done).toBe(true);
    expect(changes).toContain('true@0');
  });

  it('step while running pauses after one instant', async () => {
    const pacer = pacerOn({ speed: 1_000_000, hold: 0 });
    await pacer.beforeStep(0);
    pacer.step();
    expect(pacer.paused).toBe(true);
    const one = watch(pacer.beforeStep(1));
    await advance(1);
    expect(one.done).toBe(true);
    const two = watch(pacer.beforeStep(2));
    await advance(10_000);
    expect(two.done).toBe(false);
    pacer.resume();
    await advance(1);
    expect(two.done).toBe(true);
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
