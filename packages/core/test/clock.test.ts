/**
 * VirtualClock: a min-heap of timers ordered by (deadline, insertion), where
 * a timer scheduled from inside a callback chains from the deadline that
 * fired it — the property XState's SimulatedClock lacks.
 */
import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { VirtualClock } from '../src/clock.js';

describe('VirtualClock', () => {
  it('starts at 0, or at the given start time', () => {
    expect(new VirtualClock().now()).toBe(0);
    expect(new VirtualClock(5000).now()).toBe(5000);
  });

  it('fires timers in deadline order, not insertion order', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('30'), 30);
    clock.setTimeout(() => fired.push('10'), 10);
    clock.setTimeout(() => fired.push('20'), 20);
    clock.advanceTo(100);
    expect(fired).toEqual(['10', '20', '30']);
  });

  it('timers with the same deadline fire in insertion order', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    // Enough entries to exercise the heap's sift-down and sift-up.
    for (let i = 0; i < 50; i++) clock.setTimeout(() => fired.push(i), 10);
    clock.setTimeout(() => fired.push(-1), 5);
    clock.advanceTo(10);
    expect(fired).toEqual([-1, ...Array.from({ length: 50 }, (_, i) => i)]);
  });

  it('mixed deadlines: ordered by (deadline, insertion)', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('a@20'), 20);
    clock.setTimeout(() => fired.push('b@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    clock.setTimeout(() => fired.push('d@10'), 10);
    clock.setTimeout(() => fired.push('e@0'), 0);
    clock.advanceTo(20);
    expect(fired).toEqual(['e@0', 'b@10', 'd@10', 'a@20', 'c@20']);
  });

  it('now() inside a callback is the timer deadline', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 15);
    clock.setTimeout(() => seen.push(clock.now()), 40);
    clock.advanceTo(1000);
    expect(seen).toEqual([15, 40]);
    expect(clock.now()).toBe(1000);
  });

  it('chained timers fire from the previous deadline: advanceTo(1000) over a 100 ms then 50 ms chain fires both', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 50);
    }, 100);
    expect(clock.advanceTo(1000)).toBe(2);
    expect(fired).toEqual([100, 150]);
    expect(clock.now()).toBe(1000);
  });

  it('a long chain fires entirely within one advance, each link from the last deadline', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    const link = (n: number) => {
      fired.push(clock.now());
      if (n > 0) clock.setTimeout(() => link(n - 1), 100);
    };
    clock.setTimeout(() => link(9), 100);
    clock.advanceTo(950);
    expect(fired).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900]);
    clock.advanceTo(1000);
    expect(fired.at(-1)).toBe(1000);
  });

  it('a chained timer beyond the target stays pending', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 50);
    }, 100);
    clock.advanceTo(120);
    expect(fired).toEqual([100]);
    expect(clock.pending).toBe(1);
    expect(clock.nextDeadline()).toBe(150);
  });

  it('a zero-delay timer scheduled inside a callback fires in the same advance, after same-deadline peers', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push('first');
      clock.setTimeout(() => fired.push('zero-delay'), 0);
    }, 10);
    clock.setTimeout(() => fired.push('peer'), 10);
    clock.advanceTo(10);
    expect(fired).toEqual(['first', 'peer', 'zero-delay']);
  });

  it('a timer at exactly the target time fires; one a millisecond later does not', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(1), 100);
    clock.setTimeout(() => fired.push(2), 101);
    clock.advanceTo(100);
    expect(fired).toEqual([1]);
  });

  it('a negative timeout is due now', () => {
    const clock = new VirtualClock(50);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), -10);
    expect(clock.nextDeadline()).toBe(50);
    clock.advanceTo(50);
    expect(fired).toEqual([50]);
  });

  it('clearTimeout cancels a pending timer', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 10);
    clock.setTimeout(() => fired.push('b'), 20);
    expect(clock.pending).toBe(2);
    clock.clearTimeout(a);
    expect(clock.pending).toBe(1);
    expect(clock.advanceTo(100)).toBe(1);
    expect(fired).toEqual(['b']);
  });

  it('clearTimeout from inside a callback cancels a later timer due in the same advance', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    let b = 0;
    clock.setTimeout(() => {
      fired.push('a');
      clock.clearTimeout(b);
    }, 10);
    b = clock.setTimeout(() => fired.push('b'), 20);
    clock.advanceTo(100);
    expect(fired).toEqual(['a']);
  });

  it('clearTimeout of an unknown or already-fired id is a no-op', () => {
    const clock = new VirtualClock();
    const id = clock.setTimeout(() => {}, 10);
    clock.advanceTo(10);
    expect(() => clock.clearTimeout(id)).not.toThrow();
    expect(() => clock.clearTimeout(12345)).not.toThrow();
    expect(clock.pending).toBe(0);
  });

  it('timer ids are unique', () => {
    const clock = new VirtualClock();
    const ids = new Set(Array.from({ length: 20 }, () => clock.setTimeout(() => {}, 5)));
    expect(ids.size).toBe(20);
  });

  it('nextDeadline: undefined when idle, else the earliest live deadline (cancelled heads skipped)', () => {
    const clock = new VirtualClock();
    expect(clock.nextDeadline()).toBeUndefined();
    const a = clock.setTimeout(() => {}, 10);
    clock.setTimeout(() => {}, 30);
    expect(clock.nextDeadline()).toBe(10);
    clock.clearTimeout(a);
    expect(clock.nextDeadline()).toBe(30);
    clock.advanceTo(30);
    expect(clock.nextDeadline()).toBeUndefined();
  });

  it('advanceTo refuses to go back in time', () => {
    const clock = new VirtualClock();
    clock.advanceTo(100);
    expect(() => clock.advanceTo(99)).toThrow(/back in time/);
    expect(clock.now()).toBe(100);
  });

  it('advanceBy is relative to now', () => {
    const clock = new VirtualClock(1000);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 250);
    clock.advanceBy(200);
    expect(fired).toEqual([]);
    clock.advanceBy(50);
    expect(fired).toEqual([1250]);
    expect(clock.now()).toBe(1250);
  });

  it('runAll drains every timer (including chained ones) and stops at the limit', () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 500);
    }, 100);
    clock.setTimeout(() => fired.push(clock.now()), 10_000);
    expect(clock.runAll(1000)).toBe(600);
    expect(fired).toEqual([100, 600]);
    expect(clock.runAll()).toBe(10_000);
    expect(fired).toEqual([100, 600, 10_000]);
  });

  it('drives XState delayed transitions as the actor clock', () => {
    const clock = new VirtualClock();
    const machine = createMachine({
      initial: 'a',
      states: { a: { after: { 1000: 'b' } }, b: { after: { 500: 'c' } }, c: {} },
    });
    const actor = createActor(machine, { clock }).start();
    clock.advanceTo(999);
    expect(actor.getSnapshot().value).toBe('a');
    clock.advanceTo(1000);
    expect(actor.getSnapshot().value).toBe('b');
    actor.stop();

    // The chained 500 ms timer counts from the 1000 ms deadline, so one jump covers both.
    const clock2 = new VirtualClock();
    const actor2 = createActor(machine, { clock: clock2 }).start();
    clock2.advanceTo(1500);
    expect(actor2.getSnapshot().value).toBe('c');
    actor2.stop();
  });

  describe('timers cancelled by handle (scheduleTimer / cancelTimer)', () => {
    it('share one firing order with numeric timers at the same deadline', () => {
      const clock = new VirtualClock();
      const fired: string[] = [];
      clock.schedule(() => fired.push('id 1'), 10);
      clock.scheduleTimer(() => fired.push('handle 2'), 10);
      clock.schedule(() => fired.push('id 3'), 10);
      clock.advanceTo(10);
      expect(fired).toEqual(['id 1', 'handle 2', 'id 3']);
    });

    it('a cancelled handle never fires and no longer counts as pending', () => {
      const clock = new VirtualClock();
      const fired: string[] = [];
      const timer = clock.scheduleTimer(() => fired.push('cancelled'), 10);
      clock.scheduleTimer(() => fired.push('kept'), 20);
      expect(clock.pending).toBe(2);
      clock.cancelTimer(timer);
      expect(clock.pending).toBe(1);
      clock.advanceTo(100);
      expect(fired).toEqual(['kept']);
      expect(clock.pending).toBe(0);
    });

    it('cancelling a handle that already fired (or twice) changes nothing', () => {
      const clock = new VirtualClock();
      const timer = clock.scheduleTimer(() => {}, 5);
      clock.schedule(() => {}, 50);
      clock.advanceTo(10);
      expect(clock.pending).toBe(1);
      clock.cancelTimer(timer);
      clock.cancelTimer(timer);
      expect(clock.pending).toBe(1);
      expect(clock.nextDeadline()).toBe(50);
    });

    it('many restarts leave the heap compacted and the order intact', () => {
      const clock = new VirtualClock();
      const fired: number[] = [];
      let timer = clock.scheduleTimer(() => fired.push(-1), 100);
      for (let i = 0; i < 1000; i++) {
        clock.cancelTimer(timer);
        const n = i;
        timer = clock.scheduleTimer(() => fired.push(n), 100);
      }
      expect(clock.pending).toBe(1);
      clock.advanceTo(1000);
      expect(fired).toEqual([999]);
    });
  });
});
