/**
 * Network knobs beyond the Bernoulli ones, shared by `synack run` (one value each) and
 * `synack sweep` (lists, one grid axis each), so that a sweep row and its `repro` command build
 * the same config: Gilbert–Elliott burst loss (--burst), a delay distribution (--delay-dist),
 * the link rate and its queue (--bandwidth, --queue-limit), per-direction loss and delay
 * (--loss-fwd/--loss-rev, --delay-fwd/--delay-rev; fwd = client->server), and --set PATH=VALUE
 * for any scenario field. Every value is checked again by the one config schema when the
 * config is built; these parsers only turn text into values and say what is malformed.
 */
import type { BurstLossModel, DelayDistribution, FaultModel } from '@synack/network';
import { InvalidArgumentError } from 'commander';
import type { Scenario } from './scenarios.js';
import { InputError, validateScenario } from './schema.js';

/** `--burst pGoodToBad/pBadToGood[/lossBad[/lossGood]]` → the network's burstLoss model. */
export function parseBurst(text: string): BurstLossModel {
  const parts = text.trim().split('/');
  const numbers = parts.map(Number);
  if (
    parts.length < 2 ||
    parts.length > 4 ||
    parts.some((p) => p.trim() === '') ||
    numbers.some((n) => !(n >= 0 && n <= 1))
  ) {
    throw new InvalidArgumentError(
      `a burst model is pGoodToBad/pBadToGood[/lossBad[/lossGood]], probabilities in [0, 1], got "${text}"`,
    );
  }
  const [pGoodToBad, pBadToGood, lossBad, lossGood] = numbers;
  return {
    pGoodToBad,
    pBadToGood,
    ...(lossBad !== undefined ? { lossBad } : {}),
    ...(lossGood !== undefined ? { lossGood } : {}),
  };
}

/** The --burst text of a model (the inverse of parseBurst). */
export function formatBurst(model: BurstLossModel): string {
  const parts = [model.pGoodToBad, model.pBadToGood];
  if (model.lossBad !== undefined || model.lossGood !== undefined) parts.push(model.lossBad ?? 1);
  if (model.lossGood !== undefined) parts.push(model.lossGood);
  return parts.join('/');
}

const DISTRIBUTION_PARAMS = {
  uniform: ['min', 'max'],
  normal: ['mean', 'sd'],
  exponential: ['mean'],
  pareto: ['scale', 'shape'],
} as const;

/** `--delay-dist uniform:MIN:MAX | normal:MEAN:SD | exponential:MEAN | pareto:SCALE:SHAPE` (ms). */
export function parseDelayDistribution(text: string): DelayDistribution {
  const [kind, ...values] = text.trim().split(':');
  const names = DISTRIBUTION_PARAMS[kind as keyof typeof DISTRIBUTION_PARAMS];
  const numbers = values.map(Number);
  if (
    !names ||
    values.length !== names.length ||
    values.some((v) => v.trim() === '') ||
    numbers.some((n) => !Number.isFinite(n))
  ) {
    throw new InvalidArgumentError(
      `a delay distribution is uniform:MIN:MAX, normal:MEAN:SD, exponential:MEAN or pareto:SCALE:SHAPE (ms), got "${text}"`,
    );
  }
  return Object.fromEntries([
    ['kind', kind],
    ...names.map((name, i) => [name, numbers[i]]),
  ]) as DelayDistribution;
}

/** The --delay-dist text of a distribution (the inverse of parseDelayDistribution). */
export function formatDelayDistribution(d: DelayDistribution): string {
  const names = DISTRIBUTION_PARAMS[d.kind] as readonly string[];
  return [d.kind, ...names.map((name) => (d as unknown as Record<string, number>)[name])].join(':');
}

/** One `--set PATH=VALUE`: a dotted path into the scenario (array elements by index) and its value. */
export interface ScenarioSet {
  path: string;
  value: unknown;
}

/** A --set value: JSON when it parses (numbers, true, null, objects, quoted strings), else the text itself. */
export function parseSetValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** How a --set value is written back on a command line. */
export function formatSetValue(value: unknown): string {
  if (typeof value === 'string' && parseSetValue(value) === value) return value;
  return JSON.stringify(value);
}

/** Splits `PATH=VALUE` (the first `=`); throws InvalidArgumentError naming what is missing. */
export function splitSet(text: string): { path: string; value: string } {
  const eq = text.indexOf('=');
  const path = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq < 0 || path === '' || path.split('.').some((key) => key === '')) {
    throw new InvalidArgumentError(
      `expected PATH=VALUE with a dotted scenario path (e.g. maxTime=60000), got "${text}"`,
    );
  }
  return { path, value: text.slice(eq + 1) };
}

/** commander parser for `synack run --set PATH=VALUE` (repeatable). */
export function setArg(text: string, previous: ScenarioSet[] | undefined): ScenarioSet[] {
  const { path, value } = splitSet(text);
  return [...(previous ?? []), { path, value: parseSetValue(value) }];
}

/** Keys a --set path may not walk through (they would reach Object.prototype). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * `scenario` with each set applied in order, copying only the objects on each path (the rest,
 * functions included, is shared). A missing object on the path is created, except that a
 * missing `network.links.A->B` starts as a copy of `network.default`: a link replaces the
 * default entirely, so setting one field must not silently reset the others.
 */
export function applySets(scenario: Scenario, sets: readonly ScenarioSet[] | undefined): Scenario {
  let result = scenario as unknown as Record<string, unknown>;
  for (const { path, value } of sets ?? []) {
    const keys = path.split('.');
    const bad = keys.find((key) => FORBIDDEN_KEYS.has(key));
    if (bad !== undefined) throw new InputError(`--set ${path}: "${bad}" is not a scenario field`);
    result = setIn(result, keys, value, (depth) => {
      // `depth` keys lead to the missing object: three for network.links.A->B.
      const isLink = depth === 3 && keys[0] === 'network' && keys[1] === 'links';
      const network = (result.network ?? {}) as { default?: FaultModel };
      return isLink ? { ...(network.default ?? {}) } : undefined;
    });
  }
  return result as unknown as Scenario;
}

function setIn(
  node: unknown,
  keys: string[],
  value: unknown,
  fresh: (depth: number) => unknown,
  depth = 0,
): Record<string, unknown> {
  const copy: Record<string, unknown> = Array.isArray(node)
    ? ([...node] as unknown as Record<string, unknown>)
    : typeof node === 'object' && node !== null
      ? { ...(node as Record<string, unknown>) }
      : {};
  const [key, ...rest] = keys;
  if (rest.length === 0) copy[key] = value;
  else copy[key] = setIn(copy[key] ?? fresh(depth + 1), rest, value, fresh, depth + 1);
  return copy;
}

/** applySets, then the scenario schema over the result: a bad path or value is one InputError. */
export function applySetsChecked(scenario: Scenario, sets: readonly ScenarioSet[] | undefined): Scenario {
  if (!sets || sets.length === 0) return scenario;
  const patched = applySets(scenario, sets);
  validateScenario(patched, `--set ${sets.map((s) => s.path).join(', ')}`);
  return patched;
}

/** Fault fields that, like --loss, override the default and every link of the scenario. */
export type LinkOverrides = Pick<FaultModel, 'bandwidth' | 'queueLimit' | 'burstLoss' | 'delayDistribution'>;

/** Per-direction overrides: fwd is client->server, rev server->client. */
export interface DirectionalFlags {
  lossFwd?: number;
  lossRev?: number;
  delayFwd?: number;
  delayRev?: number;
}

/** The directional flags as link models to merge into `client->server` and `server->client`. */
export function directionalOverrides(flags: DirectionalFlags): Record<string, FaultModel> {
  const out: Record<string, FaultModel> = {};
  const add = (link: string, field: 'loss' | 'delay', value: number | undefined) => {
    if (value !== undefined) out[link] = { ...out[link], [field]: value };
  };
  add('client->server', 'loss', flags.lossFwd);
  add('server->client', 'loss', flags.lossRev);
  add('client->server', 'delay', flags.delayFwd);
  add('server->client', 'delay', flags.delayRev);
  return out;
}
