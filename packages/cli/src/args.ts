/**
 * Argument parsers shared by the commands (each error names the problem; commander prefixes
 * the flag), and the network/scenario options that `run` and `inspect` share.
 */
import { type BurstLossModel, type DelayDistribution, LIMITS, type ThreadsOption } from '@synack/network';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { repeatableOption } from './flags-once.js';
import {
  type DirectionalFlags,
  type LinkOverrides,
  parseBurst,
  parseDelayDistribution,
  type ScenarioSet,
  setArg,
} from './network-flags.js';
import type { RunFlags } from './run.js';
import { WIDTH_BOUNDS, widthArg } from './terminal-width.js';

function probabilityArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError(`must be a probability in [0, 1], got "${value}"`);
  }
  return n;
}

/** Link delays from the command line: the schema's bound (LIMITS.linkMs), said at the flag. */
function msArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > LIMITS.linkMs) {
    throw new InvalidArgumentError(
      `must be a number of milliseconds in [0, ${LIMITS.linkMs}], got "${value}"`,
    );
  }
  return n;
}

export function positiveArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`must be a positive number, got "${value}"`);
  }
  return n;
}

export function seedArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 0xffff_ffff) {
    throw new InvalidArgumentError(`must be an integer in [0, 4294967295], got "${value}"`);
  }
  return n;
}

/** `--threads`: worker threads shared by the endpoints, 'per-endpoint' or 'inline' (@synack/network placement). */
export function threadsArg(value: string): ThreadsOption {
  if (value === 'per-endpoint' || value === 'inline') return value;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > LIMITS.threads) {
    throw new InvalidArgumentError(
      `must be an integer in [1, ${LIMITS.threads}], "per-endpoint" or "inline", got "${value}"`,
    );
  }
  return n;
}

/** The scenario options of `synack run` that `synack inspect` accepts too. */
export function addScenarioOptions(command: Command): Command {
  return command
    .option('--seed <n>', 'PRNG seed (same seed + config = identical trace)', seedArg)
    .option('--loss <p>', 'Bernoulli loss probability on every link', probabilityArg)
    .option('--reorder <p>', 'reordering probability', probabilityArg)
    .option('--duplicate <p>', 'duplication probability', probabilityArg)
    .option('--delay <ms>', 'one-way delay in ms', msArg)
    .option('--jitter <ms>', 'uniform extra delay in [0, ms]', msArg)
    .option(
      '--loss-fwd <p>',
      'Bernoulli loss client->server only (with --loss-rev: each direction its own)',
      probabilityArg,
    )
    .option('--loss-rev <p>', 'Bernoulli loss server->client only', probabilityArg)
    .option('--delay-fwd <ms>', 'one-way delay client->server', msArg)
    .option('--delay-rev <ms>', 'one-way delay server->client', msArg)
    .option('--burst <model>', 'Gilbert–Elliott loss pGoodToBad/pBadToGood[/lossBad[/lossGood]]', parseBurst)
    .option(
      '--delay-dist <dist>',
      'per-packet delay: uniform:MIN:MAX, normal:MEAN:SD, exponential:MEAN or pareto:SCALE:SHAPE (ms)',
      parseDelayDistribution,
    )
    .option('--bandwidth <Bps>', 'link rate in bytes/s (FIFO serialisation)', positiveArg)
    .option(
      '--queue-limit <n>',
      'with --bandwidth: packets that may wait; more are tail-dropped',
      positiveArg,
    )
    .addOption(
      repeatableOption(
        '--set <path=value>',
        'set any scenario field, e.g. maxTime=60000 (repeatable; JSON values)',
        setArg,
      ),
    )
    .addOption(new Option('--profile <name>', 'timer profile').choices(['linux', 'rfc9293']));
}

/** The --bandwidth/--queue-limit/--burst/--delay-dist values, as fault overrides. */
export function linkOverridesFrom(opts: Record<string, unknown>): LinkOverrides | undefined {
  const out: LinkOverrides = {};
  if (opts.bandwidth !== undefined) out.bandwidth = opts.bandwidth as number;
  if (opts.queueLimit !== undefined) out.queueLimit = opts.queueLimit as number;
  if (opts.burst !== undefined) out.burstLoss = opts.burst as BurstLossModel;
  if (opts.delayDist !== undefined) out.delayDistribution = opts.delayDist as DelayDistribution;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The --loss-fwd/--loss-rev/--delay-fwd/--delay-rev values. */
export function directionalFrom(opts: Record<string, unknown>): DirectionalFlags | undefined {
  const out: DirectionalFlags = {};
  for (const key of ['lossFwd', 'lossRev', 'delayFwd', 'delayRev'] as const) {
    if (opts[key] !== undefined) out[key] = opts[key] as number;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The values of the options `addScenarioOptions` added, as run flags. */
export function scenarioFlags(
  opts: Record<string, unknown>,
): Pick<
  RunFlags,
  | 'seed'
  | 'loss'
  | 'reorder'
  | 'duplicate'
  | 'delay'
  | 'jitter'
  | 'profile'
  | 'linkOverrides'
  | 'directional'
  | 'sets'
> {
  return {
    linkOverrides: linkOverridesFrom(opts),
    directional: directionalFrom(opts),
    sets: opts.set as ScenarioSet[] | undefined,
    seed: opts.seed as number | undefined,
    loss: opts.loss as number | undefined,
    reorder: opts.reorder as number | undefined,
    duplicate: opts.duplicate as number | undefined,
    delay: opts.delay as number | undefined,
    jitter: opts.jitter as number | undefined,
    profile: opts.profile as string | undefined,
  };
}

/**
 * `synack run`'s choice of ladder lanes: --host (repeatable, globs) and --full (group-view.ts),
 * and its layout: --width and --compact (terminal-width.ts).
 */
export function addLaneOptions(command: Command): Command {
  return command
    .addOption(
      repeatableOption(
        '--host <id>',
        'draw this endpoint as a lane of the text ladder, other group hosts folded (repeatable; * and ? glob)',
      ),
    )
    .option('--full', 'everything: every endpoint as a lane of the text ladder (no group view), no folding')
    .option(
      '--width <n>',
      `columns the text output fits in, ${WIDTH_BOUNDS.min}..${WIDTH_BOUNDS.max} (default: the terminal's; none when piped)`,
      widthArg,
    )
    .option(
      '--fold',
      'fold runs of repeated ladder rows into "… N more …" even when piped (a terminal folds anyway)',
    )
    .option('--step', 'in a terminal: one event per keypress (space/enter next, t past TIME_WAIT, q stop)')
    .option('--skip-time-wait', 'mark each TIME_WAIT period with one "… TIME_WAIT 60 s skipped …" line')
    .option(
      '--compact',
      'compact ladder: no absolute numbers, narrower lanes, wrapped narration (80 columns unless --width)',
    );
}
