/**
 * Paces a run for a human watching it, through runSimulation's `beforeStep(t)`
 * hook (awaited before each virtual instant):
 *
 * - speed: virtual time runs `speed` times faster than the wall clock;
 * - hold: after an instant in which some connection changed state, the next
 *   instant waits at least `hold` wall ms, so a 10 ms handshake is visible;
 * - pause / step / resume: while paused, no instant starts; `step()` lets
 *   exactly one through.
 *
 * The gap before an instant is measured from the moment the previous one was
 * released, so pauses and speed changes never make the run "catch up".
 * Only wall-clock timing changes; the simulation (and its trace) is the same.
 */
import { DEFAULT_HOLD, DEFAULT_SPEED, MAX_HOLD, MAX_SPEED } from './options.js';

export interface PacerOptions {
  speed?: number;
  hold?: number;
  paused?: boolean;
  /** Called whenever paused/speed/hold or the released instant changes. */
  onChange?: () => void;
  /** Wall clock (ms); injectable for tests. */
  now?: () => number;
}

export class Pacer {
  speed: number;
  hold: number;
  paused: boolean;
  /** Virtual time of the last instant released (-1 before the first). */
  t = -1;
  private steps = 0;
  private lastWall: number | undefined;
  private stateChanged = false;
  private wakers = new Set<() => void>();
  private aborted: Error | undefined;
  private readonly now: () => number;
  private readonly onChange: () => void;

  constructor(options: PacerOptions = {}) {
    this.speed = checkSpeed(options.speed ?? DEFAULT_SPEED);
    this.hold = checkHold(options.hold ?? DEFAULT_HOLD);
    this.paused = options.paused ?? false;
    // wall-clock: pacing a run for a human is this module's whole purpose.
    this.now = options.now ?? (() => performance.now());
    this.onChange = options.onChange ?? (() => {});
  }

  /** The `beforeStep` hook: resolves when instant `t` may be processed. */
  readonly beforeStep = async (t: number): Promise<void> => {
    for (;;) {
      if (this.aborted) throw this.aborted;
      if (this.paused) {
        if (this.steps > 0) {
          this.steps--;
          break;
        }
        await this.sleep();
        continue;
      }
      const wait = this.due(t) - this.now();
      if (wait <= 0) break;
      await this.sleep(wait);
    }
    this.lastWall = this.now();
    this.t = t;
    this.stateChanged = false;
    this.onChange();
  };

  /** Tell the pacer that the current instant changed some connection's state (starts a hold). */
  noteStateChange(): void {
    this.stateChanged = true;
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.steps = 0;
    this.changed();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.steps = 0;
    // Measure the next gap from now: no catching up on the time spent paused.
    if (this.lastWall !== undefined) this.lastWall = this.now();
    this.changed();
  }

  /** Lets exactly one more instant through; pauses first when running. */
  step(): void {
    if (!this.paused) {
      this.paused = true;
      this.steps = 0;
    }
    this.steps++;
    this.changed();
  }

  setSpeed(speed: number): void {
    this.speed = checkSpeed(speed);
    this.changed();
  }

  setHold(hold: number): void {
    this.hold = checkHold(hold);
    this.changed();
  }

  /** Makes the pending and every later `beforeStep` reject with `error` (ends the run). */
  abort(error = new Error('inspector closed')): void {
    this.aborted = error;
    this.wake();
  }

  private due(t: number): number {
    if (this.lastWall === undefined || this.t < 0) return this.now();
    let due = this.lastWall + Math.max(0, t - this.t) / this.speed;
    if (this.stateChanged) due = Math.max(due, this.lastWall + this.hold);
    return due;
  }

  private changed(): void {
    this.wake();
    this.onChange();
  }

  private wake(): void {
    const wakers = [...this.wakers];
    this.wakers.clear();
    for (const w of wakers) w();
  }

  private sleep(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      this.wakers.add(done);
      // wall-clock: the pacing delay itself.
      if (ms !== undefined) timer = setTimeout(done, Math.min(Math.max(1, ms), 2_147_483_647));
    });
  }
}

function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0 || speed > MAX_SPEED) {
    throw new RangeError(`speed must be a number in (0, ${MAX_SPEED}], got ${speed}`);
  }
  return speed;
}

function checkHold(hold: number): number {
  if (!Number.isFinite(hold) || hold < 0 || hold > MAX_HOLD) {
    throw new RangeError(`hold must be a number of ms in [0, ${MAX_HOLD}], got ${hold}`);
  }
  return hold;
}
