/**
 * When events happen, as packetdrill reads a script: `+t` counts from the previous event's actual
 * time (an outbound packet's send time, a syscall's start), an absolute time from the script start;
 * `*` is any time and `a~b` a window. Times are µs.
 */
import type { SyscallEvent, TimePoint, TimeSpec } from '../ast.js';
import { allowedDeviation, type Tolerance } from '../timing.js';

export type Schedule =
  | { readonly kind: 'at'; readonly us: number; readonly deviation: number }
  | { readonly kind: 'window'; readonly from: number; readonly to: number; readonly deviation: number }
  | { readonly kind: 'any' };

function pointUs(point: TimePoint, previousUs: number): number {
  return point.relative ? previousUs + point.usecs : point.usecs;
}

/** The scheduled time of an event, given when the previous one happened. */
export function scheduleOf(time: TimeSpec, previousUs: number, tolerance: Tolerance): Schedule {
  switch (time.kind) {
    case 'absolute':
    case 'relative': {
      const us = time.kind === 'relative' ? previousUs + time.usecs : time.usecs;
      return { kind: 'at', us, deviation: allowedDeviation(tolerance, us - previousUs) };
    }
    case 'range': {
      const from = pointUs(time.start, previousUs);
      return {
        kind: 'window',
        from,
        to: pointUs(time.end, previousUs),
        deviation: allowedDeviation(tolerance, 0),
      };
    }
    default:
      return { kind: 'any' };
  }
}

/** The time to act at: a packet is injected and a syscall started at its scheduled time. */
export function startOf(schedule: Schedule, nowUs: number): number {
  if (schedule.kind === 'at') return Math.max(nowUs, schedule.us);
  if (schedule.kind === 'window') return Math.max(nowUs, schedule.from);
  return nowUs;
}

/** The latest time an outbound packet may still leave. */
export function latestOf(schedule: Schedule, horizonUs: number): number {
  if (schedule.kind === 'at') return schedule.us + schedule.deviation;
  if (schedule.kind === 'window') return schedule.to + schedule.deviation;
  return horizonUs;
}

/** undefined when `actualUs` fits the schedule; otherwise packetdrill's timing error. */
export function timingError(schedule: Schedule, actualUs: number, what: string): string | undefined {
  if (schedule.kind === 'any') return undefined;
  const from = schedule.kind === 'at' ? schedule.us : schedule.from;
  const to = schedule.kind === 'at' ? schedule.us : schedule.to;
  if (actualUs >= from - schedule.deviation && actualUs <= to + schedule.deviation) return undefined;
  const expected = from === to ? seconds(from) : `${seconds(from)}~${seconds(to)}`;
  return `timing error: expected ${what} at ${expected} sec but happened at ${seconds(actualUs)} sec; tolerance ${seconds(schedule.deviation)} sec`;
}

/** When a blocking call (`…T`) is scheduled to return: T from the origin of its start time. */
export function blockingEndOf(event: SyscallEvent, startUs: number, previousUs: number): number {
  if (event.blockingUntil === undefined) return startUs;
  return (event.time.kind === 'relative' ? previousUs : 0) + event.blockingUntil;
}

export function seconds(us: number): string {
  return (us / 1e6).toFixed(6);
}
