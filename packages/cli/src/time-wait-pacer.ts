/**
 * `--realtime` with `--skip-time-wait` (issue 21 item 6): paces virtual time against the wall
 * clock as @synack/network's realtime mode does, except that the time a connection spends in
 * TIME_WAIT is passed over — while any connection is in TIME_WAIT, the gap to the next step is
 * not waited for (a class does not watch 2MSL of nothing). The trace is the same as without.
 * The clock is injected: tests use a fake one.
 */
import type { TraceEvent } from '@synack/network';

export interface WallClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The real clock (wall-clock: realtime pacing deliberately waits for the wall clock). */
export const REAL_CLOCK: WallClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 2_147_483_647))),
};

export class TimeWaitSkippingPacer {
  /** endpoint|conn of the connections in TIME_WAIT now. */
  private readonly inTimeWait = new Set<string>();
  private readonly start: number;
  /** Virtual milliseconds passed over so far. */
  private skippedMs = 0;
  private lastStep = 0;

  constructor(
    private readonly speed: number,
    private readonly clock: WallClock = REAL_CLOCK,
  ) {
    this.start = clock.now();
  }

  /** Follows the connections' states (call with every trace event). */
  observe(e: TraceEvent): void {
    if (e.kind !== 'state') return;
    const key = `${e.endpoint}|${e.conn}`;
    if (e.to === 'TIME_WAIT') this.inTimeWait.add(key);
    else this.inTimeWait.delete(key);
  }

  /** Waits until the wall clock reaches virtual time `t` (TIME_WAIT periods left out). */
  async step(t: number): Promise<void> {
    if (this.inTimeWait.size > 0) this.skippedMs += t - this.lastStep;
    this.lastStep = t;
    const wait = this.start + (t - this.skippedMs) / this.speed - this.clock.now();
    if (wait > 1) await this.clock.sleep(wait);
  }

  /** Virtual milliseconds passed over so far. */
  get skipped(): number {
    return this.skippedMs;
  }
}
