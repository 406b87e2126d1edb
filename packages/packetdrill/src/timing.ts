/**
 * packetdrill's timing tolerance: an event passes if it happens within max(tolerance_usecs,
 * tolerance_percent × interval) of its scripted time, where the interval is the time the script
 * gives since the previous event (for a blocking call: its scripted duration). Defaults 4000 µs and
 * 12.5 %, as in packetdrill (`--tolerance_usecs`, `--tolerance_percent`).
 */
import type { Script } from './ast.js';

export interface Tolerance {
  readonly usecs: number;
  readonly percent: number;
}

export const DEFAULT_TOLERANCE: Tolerance = Object.freeze({ usecs: 4000, percent: 12.5 });

/** The tolerance a script asks for in its preamble (the last setting of each option wins). */
export function timingTolerance(script: Script): Tolerance {
  let { usecs, percent } = DEFAULT_TOLERANCE;
  for (const option of script.options) {
    const value = Number(option.value);
    if (option.value === undefined || !Number.isFinite(value)) continue;
    if (option.name === 'tolerance_usecs') usecs = value;
    if (option.name === 'tolerance_percent') percent = value;
  }
  return { usecs, percent };
}

/** How far (µs) an event may be from its scripted time, given the scripted interval leading to it. */
export function allowedDeviation(tolerance: Tolerance, intervalUsecs: number): number {
  return Math.max(tolerance.usecs, (tolerance.percent / 100) * Math.abs(intervalUsecs));
}
