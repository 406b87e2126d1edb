/**
 * Grid flags of `synack sweep` and the grid points they span.
 *
 * A value list is `start:stop:step` (inclusive, float-safe: 0:0.3:0.1 gives
 * exactly 0, 0.1, 0.2, 0.3), a comma list `0,0.1,0.3`, or one value.
 */
import { profiles } from '@synack/core';
import { InvalidArgumentError } from 'commander';
import type { RunFlags } from '../run.js';
import { InputError } from '../schema.js';
import { type AxisValue, applyExtraAxes, type ExtraAxesSpec, extraAxes } from './axes.js';
import type { Direction } from './direction.js';

/** Most values one grid flag may expand to. */
const MAX_VALUES = 1000;

/** Swept network parameters, in the order they nest (and are preferred as the plot's x axis). */
export const PARAMS = ['loss', 'reorder', 'duplicate', 'delay', 'jitter'] as const;
export type Param = (typeof PARAMS)[number];

export const PARAM_LABELS: Record<Param, string> = {
  loss: 'loss probability',
  reorder: 'reordering probability',
  duplicate: 'duplication probability',
  delay: 'one-way delay (ms)',
  jitter: 'jitter (ms)',
};

/** Digits after the decimal point of a number as written ("0.05" → 2, "1e-3" → 3, "2.5e-4" → 5). */
function decimals(text: string): number {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!m) return 0;
  const frac = (m[2] ?? '').length;
  const exp = m[3] ? Number(m[3]) : 0;
  return Math.max(0, frac - exp);
}

function parseNumber(text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`${what} "${text}" is not a number`);
  return n;
}

/**
 * Parses a value list. `check` validates one value (throws InvalidArgumentError);
 * `integer` restricts values to integers.
 */
function parseValues(spec: string, check: (n: number, text: string) => void): number[] {
  const text = spec.trim();
  if (text === '')
    throw new InvalidArgumentError('expected start:stop:step, a comma list or a value, got ""');
  let values: number[];
  if (text.includes(':')) {
    const parts = text.split(':');
    if (parts.length !== 3) {
      throw new InvalidArgumentError(`a range is start:stop:step (three numbers), got "${spec}"`);
    }
    const [start, stop, step] = parts.map((p, i) => parseNumber(p, ['start', 'stop', 'step'][i]));
    if (!(step > 0)) throw new InvalidArgumentError(`step must be > 0, got "${parts[2]}"`);
    if (stop < start) throw new InvalidArgumentError(`stop ${parts[1]} is below start ${parts[0]}`);
    const digits = Math.min(15, Math.max(...parts.map(decimals)));
    // The tolerance keeps 0:0.3:0.1 from losing its last value to 0.30000000000000004.
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    if (count > MAX_VALUES) {
      throw new InvalidArgumentError(`"${spec}" spans ${count} values (at most ${MAX_VALUES})`);
    }
    values = Array.from({ length: count }, (_, k) => Number((start + k * step).toFixed(digits)));
  } else {
    values = text.split(',').map((p) => parseNumber(p, 'value'));
    if (values.length > MAX_VALUES) {
      throw new InvalidArgumentError(`${values.length} values (at most ${MAX_VALUES})`);
    }
  }
  const seen = new Set<number>();
  for (const v of values) {
    check(v, String(v));
    if (seen.has(v)) throw new InvalidArgumentError(`lists ${v} twice in "${spec}"`);
    seen.add(v);
  }
  return values;
}

/** commander parser for a probability list (--loss, --reorder, --duplicate). */
export function probabilityListArg(spec: string): number[] {
  return parseValues(spec, (n) => {
    if (n < 0 || n > 1)
      throw new InvalidArgumentError(`must be probabilities in [0, 1], got ${n} in "${spec}"`);
  });
}

/** commander parser for a millisecond list (--delay, --jitter). */
export function msListArg(spec: string): number[] {
  return parseValues(spec, (n) => {
    if (n < 0) {
      throw new InvalidArgumentError(`must be non-negative numbers of milliseconds, got ${n} in "${spec}"`);
    }
  });
}

/** commander parser for a list of any numbers (a --set range). */
export function numberListArg(spec: string): number[] {
  return parseValues(spec, () => {});
}

/** commander parser for a list of positive numbers (--bandwidth in bytes/s). */
export function positiveListArg(spec: string): number[] {
  return parseValues(spec, (n) => {
    if (!(n > 0)) throw new InvalidArgumentError(`must be positive numbers, got ${n} in "${spec}"`);
  });
}

/** commander parser for a list of positive integers (--queue-limit in packets). */
export function countListArg(spec: string): number[] {
  return parseValues(spec, (n) => {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`must be positive integers, got ${n} in "${spec}"`);
  });
}

/** commander parser for --profile linux,rfc9293. */
export function profileListArg(spec: string): string[] {
  const names = spec.split(',').map((s) => s.trim());
  const known = Object.keys(profiles);
  const seen = new Set<string>();
  for (const name of names) {
    if (!known.includes(name)) {
      throw new InvalidArgumentError(`unknown profile "${name}" (known: ${known.join(', ')})`);
    }
    if (seen.has(name)) throw new InvalidArgumentError(`lists ${name} twice`);
    seen.add(name);
  }
  return names;
}

/** commander parser for a positive integer with an upper bound. */
export function intArg(max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`must be an integer in [1, ${max}], got "${value}"`);
    }
    return n;
  };
}

/** What the grid flags asked for; an absent dimension keeps the scenario's own value. */
export interface GridSpec extends ExtraAxesSpec {
  loss?: number[];
  reorder?: number[];
  duplicate?: number[];
  delay?: number[];
  jitter?: number[];
  /** Absent: the scenario's profile (or linux). */
  profile?: string[];
}

/** The effective settings of a grid point: its profile and network faults (rows and summaries carry them too). */
export interface PointSettings {
  profile: string;
  loss: number;
  reorder: number;
  duplicate: number;
  delay: number;
  jitter: number;
  direction: Direction;
  /** The point's value on each extra axis (--loss-fwd, --burst, --set …), by column name; absent without any. */
  axes?: Record<string, AxisValue>;
}

/** The settings of `point`, alone (in summary.json's field order). */
export function pointSettings(point: PointSettings): PointSettings {
  const { profile, loss, reorder, duplicate, delay, jitter, direction, axes } = point;
  return { profile, loss, reorder, duplicate, delay, jitter, direction, ...(axes ? { axes } : {}) };
}

/** One grid point: a profile and one value of each swept parameter (effective values, defaults filled in). */
export interface SweepPoint extends PointSettings {
  /** 0-based, in grid order (profile outermost, then loss, reorder, duplicate, delay, jitter). */
  id: number;
  /** Index of the network setting (all but the profile); seeds derive from it. */
  netIndex: number;
  /** The command-line overrides this point passes to buildConfig (and to a reproducing `synack run`). */
  flags: Pick<
    RunFlags,
    | 'loss'
    | 'reorder'
    | 'duplicate'
    | 'delay'
    | 'jitter'
    | 'profile'
    | 'linkOverrides'
    | 'directional'
    | 'sets'
  >;
}

/** Scenario-level values a point falls back to when a dimension is not swept. */
export type PointDefaults = Omit<PointSettings, 'direction'>;

/**
 * How many points the grid spans, computed without expanding it: the caller checks this against
 * its cap first (five dimensions of 1,000 values each would be 10^15 points).
 */
export function gridSize(spec: GridSpec): number {
  const extra = extraAxes(spec).reduce((n, axis) => n * axis.values.length, 1);
  return PARAMS.reduce((n, p) => n * (spec[p]?.length ?? 1), extra * (spec.profile?.length ?? 1));
}

/** The Cartesian product of the grid, profile outermost (check `gridSize` first: this builds every point). */
export function expandGrid(spec: GridSpec, defaults: PointDefaults, direction: Direction): SweepPoint[] {
  const axes = extraAxes(spec);
  // Extra axes nest inside jitter, so a sweep without them numbers its settings (and seeds) as before.
  const dims: unknown[][] = [...PARAMS.map((p) => spec[p] ?? [undefined]), ...axes.map((a) => a.values)];
  let net: Array<Array<unknown>> = [[]];
  for (const values of dims) {
    // A loop, not push(...array) or splice(...array): spreading a large array overflows the stack.
    const next: Array<Array<unknown>> = [];
    for (const prefix of net) for (const v of values) next.push([...prefix, v]);
    net = next;
  }
  const points: SweepPoint[] = [];
  for (const profile of spec.profile ?? [undefined]) {
    net.forEach((values, netIndex) => {
      const flags: SweepPoint['flags'] = {};
      if (profile !== undefined) flags.profile = profile;
      PARAMS.forEach((p, i) => {
        if (values[i] !== undefined) flags[p] = values[i] as number;
      });
      const axisValues = applyExtraAxes(axes, values.slice(PARAMS.length), flags);
      points.push({
        id: points.length,
        netIndex,
        profile: profile ?? defaults.profile,
        loss: flags.loss ?? defaults.loss,
        reorder: flags.reorder ?? defaults.reorder,
        duplicate: flags.duplicate ?? defaults.duplicate,
        delay: flags.delay ?? defaults.delay,
        jitter: flags.jitter ?? defaults.jitter,
        direction,
        ...(axisValues ? { axes: axisValues } : {}),
        flags,
      });
    });
  }
  return points;
}

/** The parameter plots put on the x axis: the first one with more than one value (loss if none). */
export function sweptParam(spec: GridSpec): Param {
  return PARAMS.find((p) => (spec[p]?.length ?? 0) > 1) ?? 'loss';
}

/**
 * A plot axis: one of PARAMS or the column of a numeric extra axis (loss_fwd, bandwidth, a numeric
 * --set path …); `--plot-x` names it by parameter, flag (loss-fwd) or column.
 */
export type PlotAxis = string;

/** A point's value on a plot axis (NaN for an extra axis the point does not have). */
export function axisValue(point: PointSettings, axis: PlotAxis): number {
  if ((PARAMS as readonly string[]).includes(axis)) return point[axis as Param];
  return Number(point.axes?.[axis]);
}

/** The x axis of the plots: `requested` (checked against the sweep's axes), else the first swept one. */
export function plotAxisOf(spec: GridSpec, requested: string | undefined): PlotAxis {
  const numericExtras = extraAxes(spec).filter((axis) => axis.values.every((v) => typeof v === 'number'));
  if (requested === undefined) {
    if (PARAMS.some((p) => (spec[p]?.length ?? 0) > 1)) return sweptParam(spec);
    return numericExtras.find((axis) => axis.values.length > 1)?.column ?? 'loss';
  }
  if ((PARAMS as readonly string[]).includes(requested)) return requested;
  const extra = numericExtras.find((axis) => axis.column === requested || axis.flag === requested);
  if (extra) return extra.column;
  const choices = [
    ...PARAMS,
    ...numericExtras.map((axis) => (axis.flag === 'set' ? axis.column : axis.flag)),
  ];
  throw new InputError(
    `--plot-x: ${requested} is not an axis of this sweep (choose one of: ${choices.join(', ')})`,
  );
}

/** Axes other than `x` that take several values (they split plot lines, like profiles). */
export function otherVarying(spec: GridSpec, x: PlotAxis): PlotAxis[] {
  const params = PARAMS.filter((p) => p !== x && (spec[p]?.length ?? 0) > 1);
  const extras = extraAxes(spec)
    .filter((axis) => axis.column !== x && axis.values.length > 1)
    .map((axis) => axis.column);
  return [...params, ...extras];
}

/** A point's value on an axis, as a series label shows it. */
export function axisLabel(point: PointSettings, axis: PlotAxis): string {
  if ((PARAMS as readonly string[]).includes(axis)) return String(point[axis as Param]);
  return String(point.axes?.[axis]);
}
