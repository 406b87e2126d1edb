/**
 * Runs one fuzz case and checks it: the invariants of invariants.ts on its trace, plus
 * determinism — the same config must give a byte-identical JSON Lines trace when re-run, with the
 * other engine (XState actors vs the table interpreter), in lockstep instead of lookahead
 * windows, and across real worker threads instead of inline. `checkProperty` drives fast-check
 * and turns a (shrunk) counterexample into a report that contains a scenario file.
 */
import fc from 'fast-check';
import {
  type RunOptions,
  type RunResult,
  runSimulation,
  type SimulationConfig,
  type ThreadsOption,
  toJsonLines,
} from '../../src/index.js';
import { checkRun, connectionsOf, firstDifference, livenessApplies, livenessBound } from './invariants.js';
import { scenarioFileText, toScenarioFile } from './scenario-file.js';

export type Comparison = 'rerun' | 'engine' | 'lockstep' | 'inline';

export interface CaseOptions {
  /** Where the endpoints run (default inline): 'worker' one thread each, N a shared pool of N. */
  threads?: ThreadsOption;
  /** Further runs of the same config whose traces must be byte-identical to the first. */
  compare?: readonly Comparison[];
  /** Wall-clock limit of one run (a livelock shows up as a failure instead of a hang). Default 30 s. */
  wallTimeout?: number;
}

export interface CaseOutcome {
  /** The config as run: with `maxTime` set to the liveness bound. */
  config: SimulationConfig;
  result: RunResult;
  violations: string[];
  /** What the run exercised (for coverage statistics). */
  tags: string[];
}

/** The config as the fuzzer runs it: the virtual-time limit is the liveness bound. */
export function prepare(config: SimulationConfig): SimulationConfig {
  return { ...config, maxTime: config.maxTime ?? livenessBound(config) };
}

export async function runCase(input: SimulationConfig, options: CaseOptions = {}): Promise<CaseOutcome> {
  const config = prepare(input);
  const threads = options.threads ?? 'inline';
  const run = (c: SimulationConfig, extra: RunOptions = {}) =>
    runSimulation({ ...c, wallTimeout: options.wallTimeout ?? 30_000 }, { threads, ...extra });
  const result = await run(config);
  const violations = checkRun(config, result);
  const reference = toJsonLines(result.trace);
  for (const comparison of options.compare ?? []) {
    let other: RunResult;
    if (comparison === 'rerun') other = await run(config);
    else if (comparison === 'engine')
      other = await run({ ...config, engine: config.engine === 'actor' ? 'table' : 'actor' });
    else if (comparison === 'lockstep') other = await run(config, { lookahead: false });
    else
      other = await runSimulation(
        { ...config, wallTimeout: options.wallTimeout ?? 30_000 },
        { threads: 'inline' },
      );
    const diff = firstDifference(reference, toJsonLines(other.trace));
    if (diff) violations.push(`determinism: the ${DESCRIBE[comparison]} gave a different trace at ${diff}`);
  }
  return { config, result, violations, tags: tagsOf(config, result) };
}

const DESCRIBE: Record<Comparison, string> = {
  rerun: 're-run with the same seed',
  engine: 'run with the other engine',
  lockstep: 'lockstep run (lookahead: false)',
  inline: "inline run (threads: 'inline')",
};

function tagsOf(config: SimulationConfig, result: RunResult): string[] {
  const tags = new Set<string>();
  if (livenessApplies(config)) tags.add('liveness');
  const conns = Object.values(connectionsOf(result)).flat();
  for (const c of conns) if (c.reason) tags.add(`closed:${c.reason}`);
  if (conns.length > 2) tags.add('incarnations>2');
  if (conns.length > 0 && conns.every((c) => c.reason === 'normal')) tags.add('all-normal');
  for (const e of result.trace) {
    if (e.kind === 'state') tags.add(`state:${e.to}`);
    else if (e.kind === 'drop') tags.add(`drop:${String(e.reason).split(':')[0]}`);
    else if (e.kind === 'duplicate') tags.add('duplicate');
    else if (e.kind === 'send' && e.reordered) tags.add('reordered');
    else if (e.kind === 'timer') tags.add(`retransmit:${e.retransmitKind}`);
  }
  return [...tags];
}

// ---------------------------------------------------------------------------------------------
// fast-check

export interface PropertyOptions extends CaseOptions {
  numRuns: number;
  seed: number;
  /** Stop generating new cases after this many ms (the long fuzz run's budget). */
  timeLimit?: number;
  /** Called with every case that passed (coverage statistics). */
  onCase?: (outcome: CaseOutcome) => void;
}

export interface PropertyFailure {
  /** A readable report: the violations, how to replay, and the minimal scenario file. */
  report: string;
  /** The minimal scenario file's text (JSON). */
  scenario: string;
  violations: string[];
}

/**
 * Checks `arb`'s scenarios with fast-check; on failure the counterexample is shrunk and returned
 * as a report with its scenario file. Returns undefined when every case passed.
 */
export async function checkProperty(
  name: string,
  arb: fc.Arbitrary<SimulationConfig>,
  options: PropertyOptions,
): Promise<{ failure?: PropertyFailure; numRuns: number }> {
  const property = fc.asyncProperty(arb, async (config) => {
    const outcome = await runCase(config, options);
    if (outcome.violations.length > 0) throw new Error(outcome.violations.join('\n'));
    options.onCase?.(outcome);
  });
  const details = await fc.check(property, {
    numRuns: options.numRuns,
    seed: options.seed,
    ...(options.timeLimit !== undefined
      ? { interruptAfterTimeLimit: options.timeLimit, markInterruptAsFailure: false }
      : {}),
  });
  if (!details.failed || !details.counterexample) return { numRuns: details.numRuns };
  let shrunk = details;
  if (options.timeLimit !== undefined) {
    // The time limit also cuts shrinking short: replay the failure (seed and path) and shrink it
    // all the way, within two more minutes.
    const again = await fc.check(property, {
      seed: details.seed,
      path: details.counterexamplePath ?? undefined,
      interruptAfterTimeLimit: 120_000,
    });
    if (again.failed && again.counterexample) shrunk = again;
  }
  const [config] = shrunk.counterexample!;
  const outcome = await runCase(config, options);
  const violations = outcome.violations.length
    ? outcome.violations
    : [`(did not fail again when re-run: ${String(shrunk.errorInstance)})`];
  const scenario = scenarioFileText(
    toScenarioFile(outcome.config, {
      name: `fuzz-${name.replace(/[^\w]+/g, '-').replace(/^-|-$/g, '')}-seed-${config.seed}`,
      description: `fast-check counterexample (seed ${shrunk.seed}, path ${shrunk.counterexamplePath}): ${violations[0]}`,
      result: outcome.result,
    }),
  );
  const report = [
    `property "${name}" failed after ${details.numRuns} case(s) and ${shrunk.numShrinks} shrink(s).`,
    'violations:',
    ...violations.map((v) => `  - ${v}`),
    `replay: fast-check seed ${shrunk.seed}, path "${shrunk.counterexamplePath}" ` +
      `(SYNACK_FUZZ_SEED=${details.seed} npx vitest run test/fuzz), engine ${config.engine ?? 'actor'}`,
    'minimal scenario — save it as fuzz-case.json and run `synack run fuzz-case.json`:',
    scenario,
  ].join('\n');
  return { failure: { report, scenario, violations }, numRuns: details.numRuns };
}
