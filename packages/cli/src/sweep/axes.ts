/**
 * The sweep's extra axes, beyond loss/reorder/duplicate/delay/jitter: per-direction loss and delay
 * (--loss-fwd, --loss-rev, --delay-fwd, --delay-rev), the link rate and its queue (--bandwidth,
 * --queue-limit), Gilbert–Elliott burst loss (--burst), delay distributions (--delay-dist) and
 * --set PATH=LIST over any scenario field. Each one becomes the `synack run` flag of the same name
 * in a row's repro command, and a column of runs.csv and summary.csv named after it.
 */
import type { BurstLossModel, DelayDistribution } from '@synack/network';
import { InvalidArgumentError } from 'commander';
import {
  formatBurst,
  formatDelayDistribution,
  formatSetValue,
  parseBurst,
  parseDelayDistribution,
  parseSetValue,
  splitSet,
} from '../network-flags.js';
import type { RunFlags } from '../run.js';

/** A point's value on an axis as its CSV cell: a number, or the flag's text (0.01/0.3, normal:20:5). */
export type AxisValue = number | string;

export interface ExtraAxesSpec {
  lossFwd?: number[];
  lossRev?: number[];
  delayFwd?: number[];
  delayRev?: number[];
  bandwidth?: number[];
  queueLimit?: number[];
  burst?: BurstLossModel[];
  delayDist?: DelayDistribution[];
  /** One axis per --set, in the order given. */
  sets?: Array<{ path: string; values: unknown[] }>;
}

type AxisFlags = Pick<RunFlags, 'linkOverrides' | 'directional' | 'sets'>;

export interface ExtraAxis {
  /** runs.csv / summary.csv column (and the key of a point's `axes`). */
  column: string;
  /** The command-line flag, without the dashes. */
  flag: string;
  values: unknown[];
  /** The CSV cell and --flag text of one value. */
  label(value: unknown): AxisValue;
  /** Puts one value into the run flags of a point. */
  apply(flags: AxisFlags, value: unknown): void;
}

const DIRECTIONAL = [
  ['lossFwd', 'loss-fwd', 'loss_fwd'],
  ['lossRev', 'loss-rev', 'loss_rev'],
  ['delayFwd', 'delay-fwd', 'delay_fwd'],
  ['delayRev', 'delay-rev', 'delay_rev'],
] as const;

const LINK = [
  ['bandwidth', 'bandwidth', 'bandwidth', (v: unknown) => v as number],
  ['queueLimit', 'queue-limit', 'queue_limit', (v: unknown) => v as number],
  ['burst', 'burst', 'burst', (v: unknown) => formatBurst(v as BurstLossModel)],
  ['delayDist', 'delay-dist', 'delay_dist', (v: unknown) => formatDelayDistribution(v as DelayDistribution)],
] as const;

const OVERRIDE_FIELD = {
  bandwidth: 'bandwidth',
  queueLimit: 'queueLimit',
  burst: 'burstLoss',
  delayDist: 'delayDistribution',
} as const;

/** The extra axes `spec` asks for, in nesting order (outermost first). */
export function extraAxes(spec: ExtraAxesSpec): ExtraAxis[] {
  const axes: ExtraAxis[] = [];
  for (const [key, flag, column] of DIRECTIONAL) {
    const values = spec[key];
    if (!values) continue;
    axes.push({
      column,
      flag,
      values,
      label: (v) => v as number,
      apply: (flags, v) => {
        flags.directional = { ...flags.directional, [key]: v as number };
      },
    });
  }
  for (const [key, flag, column, label] of LINK) {
    const values = spec[key];
    if (!values) continue;
    axes.push({
      column,
      flag,
      values,
      label,
      apply: (flags, v) => {
        flags.linkOverrides = { ...flags.linkOverrides, [OVERRIDE_FIELD[key]]: v };
      },
    });
  }
  for (const { path, values } of spec.sets ?? []) {
    axes.push({
      column: path,
      flag: 'set',
      values,
      label: (v) => (typeof v === 'number' ? v : formatSetValue(v)),
      apply: (flags, v) => {
        flags.sets = [...(flags.sets ?? []), { path, value: v }];
      },
    });
  }
  return axes;
}

/** Puts a point's values on the extra axes into its flags; returns its `axes` record (undefined without axes). */
export function applyExtraAxes(
  axes: readonly ExtraAxis[],
  values: readonly unknown[],
  flags: AxisFlags,
): Record<string, AxisValue> | undefined {
  if (axes.length === 0) return undefined;
  const out: Record<string, AxisValue> = {};
  axes.forEach((axis, i) => {
    axis.apply(flags, values[i]);
    out[axis.column] = axis.label(values[i]);
  });
  return out;
}

/** The `synack run` flags that reproduce a point's extra-axis values. */
export function extraReproArgs(flags: AxisFlags): string[] {
  const args: string[] = [];
  for (const [key, flag] of DIRECTIONAL) {
    const v = flags.directional?.[key];
    if (v !== undefined) args.push(`--${flag}`, String(v));
  }
  const o = flags.linkOverrides;
  if (o?.bandwidth !== undefined) args.push('--bandwidth', String(o.bandwidth));
  if (o?.queueLimit !== undefined) args.push('--queue-limit', String(o.queueLimit));
  if (o?.burstLoss !== undefined) args.push('--burst', formatBurst(o.burstLoss));
  if (o?.delayDistribution !== undefined)
    args.push('--delay-dist', formatDelayDistribution(o.delayDistribution));
  for (const { path, value } of flags.sets ?? []) args.push('--set', `${path}=${formatSetValue(value)}`);
  return args;
}

/** The canonical `synack sweep` flags of the extra axes (lists written out). */
export function extraCommandArgs(spec: ExtraAxesSpec): string[] {
  const args: string[] = [];
  for (const axis of extraAxes(spec)) {
    const texts = axis.values.map((v) => String(axis.label(v)));
    if (axis.flag !== 'set') {
      args.push(`--${axis.flag}`, texts.join(','));
      continue;
    }
    const list = texts.some((t) => t.includes(',')) ? JSON.stringify(axis.values) : texts.join(',');
    args.push('--set', `${axis.column}=${list}`);
  }
  return args;
}

function commaList<T>(spec: string, parse: (item: string) => T, key: (v: T) => string): T[] {
  const items = spec.split(',').map((item) => parse(item.trim()));
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) throw new InvalidArgumentError(`lists ${k} twice in "${spec}"`);
    seen.add(k);
  }
  return items;
}

/** commander parser for `--burst m1,m2,…` (each pGoodToBad/pBadToGood[/lossBad[/lossGood]]). */
export function burstListArg(spec: string): BurstLossModel[] {
  return commaList(spec, parseBurst, formatBurst);
}

/** commander parser for `--delay-dist d1,d2,…` (each uniform:MIN:MAX, normal:MEAN:SD, …). */
export function delayDistListArg(spec: string): DelayDistribution[] {
  return commaList(spec, parseDelayDistribution, formatDelayDistribution);
}

/**
 * commander parser for a repeatable `--set PATH=LIST`: LIST is a JSON array (`[1, "a", {...}]`),
 * a numeric range start:stop:step, or a comma list of values (each JSON when it parses, else text).
 */
export function setListArg(
  parseRange: (spec: string) => number[],
): (text: string, previous: ExtraAxesSpec['sets']) => NonNullable<ExtraAxesSpec['sets']> {
  return (text, previous) => {
    const { path, value } = splitSet(text);
    if ((previous ?? []).some((s) => s.path === path)) {
      throw new InvalidArgumentError(`--set ${path} given twice (give one list)`);
    }
    const trimmed = value.trim();
    let values: unknown[];
    if (trimmed.startsWith('[')) {
      const parsed = parseSetValue(trimmed);
      if (!Array.isArray(parsed) || parsed.length === 0) {
        throw new InvalidArgumentError(`${path}: "${value}" is not a non-empty JSON array`);
      }
      values = parsed;
    } else if (
      /^[^,]*:[^,]*:[^,]*$/.test(trimmed) &&
      trimmed.split(':').every((p) => p.trim() !== '' && Number.isFinite(Number(p)))
    ) {
      values = parseRange(trimmed);
    } else {
      values = commaList(trimmed, parseSetValue, (v) => JSON.stringify(v));
    }
    return [...(previous ?? []), { path, values }];
  };
}
