/**
 * `synack run`: builds a simulation from a built-in scenario or a file plus
 * command-line overrides, runs it across worker threads, prints the ladder
 * (or JSONL / Mermaid), optionally writes a pcap, and checks expectations.
 */
import { existsSync } from 'node:fs';
import {
  canLosePackets,
  type FaultModel,
  type PcapAt,
  PcapCapture,
  PcapFileError,
  type RunOptions,
  type RunResult,
  runSimulation,
  type SimulationConfig,
  type ThreadsOption,
  type TraceEvent,
  toJsonLine,
  validateSimulationConfig,
} from '@synack/network';
import { createColors } from 'picocolors';
import { earlyActionsWarning } from './early-actions.js';
import { checkExpectations, type ExpectationResult } from './expect.js';
import { type Annotate, explainJsonLines, type Lang, type NarrationContext } from './explain/index.js';
import {
  foldFinals,
  foldStates,
  groupSummaries,
  groupViewHeading,
  type LanePlan,
  planLanes,
  renderGroupView,
} from './group-view.js';
import { formatTime, renderLadder } from './ladder.js';
import { renderMermaid } from './mermaid.js';
import { traceMeta } from './meta.js';
import {
  applySets,
  applySetsChecked,
  type DirectionalFlags,
  directionalOverrides,
  type LinkOverrides,
  type ScenarioSet,
} from './network-flags.js';
import { scenarioDescription } from './scenario-zh.js';
import { findScenario, SCENARIOS, type Scenario } from './scenarios.js';
import { InputError, loadScenarioFile, loadScenarioStdin } from './schema.js';
import { ladderSteps, stepThrough } from './step.js';
import { applyDirection, type Direction, describeDirection } from './sweep/direction.js';
import { DEFAULT_COMPACT_WIDTH, fitLines, widestLine } from './terminal-width.js';
import { TimeWaitSkippingPacer } from './time-wait-pacer.js';

export interface RunFlags {
  seed?: number;
  loss?: number;
  reorder?: number;
  duplicate?: number;
  delay?: number;
  jitter?: number;
  /** --bandwidth, --queue-limit, --burst, --delay-dist: like --loss, on the default and every link. */
  linkOverrides?: LinkOverrides;
  /** --loss-fwd/--loss-rev/--delay-fwd/--delay-rev: client->server and server->client only. */
  directional?: DirectionalFlags;
  /** --set PATH=VALUE, applied to the scenario in order before anything else. */
  sets?: ScenarioSet[];
  profile?: string;
  format?: 'text' | 'jsonl' | 'mermaid';
  pcap?: string;
  /** Where the pcap taps the network (default sender); `both` writes two files (captureFiles). */
  pcapAt?: PcapAt;
  realtime?: number;
  maxTime?: number;
  /** Where the endpoints run (--threads); default one worker thread per core, same trace whichever. */
  threads?: ThreadsOption;
  /** Wall-clock limit of the run (ms); the inspector raises it, since pauses count. */
  wallTimeout?: number;
  /** --no-expect: skip the scenario's expectations; exit 0 whenever the run completes. */
  noExpect?: boolean;
  /** Apply the loss to this direction only (`synack run|sweep --direction`). */
  direction?: Direction;
  color?: boolean;
  /** --host: endpoints (ids or `*`/`?` globs) the text ladder draws as lanes, other group hosts folded. */
  hosts?: string[];
  /**
   * --full: everything — the text ladder draws every endpoint as a lane, even thousands (no group
   * view), and folds nothing.
   */
  full?: boolean;
  /** --width: columns the text output fits in (default: the terminal's, when stdout is one). */
  width?: number;
  /** --compact: the compact ladder (no absolute numbers, wrapped narration) whatever the width. */
  compact?: boolean;
  /** --fold: fold runs of repeated rows even in a pipe (foldsLadder). */
  fold?: boolean;
  /** --step: the ladder one event per keypress (needs a terminal on stdin; step.ts). */
  step?: boolean;
  /** --skip-time-wait: one line marks each TIME_WAIT period passed over. */
  skipTimeWait?: boolean;
  /** --explain: narration language; with `format: 'jsonl'` the trace then carries `kind: "explain"` lines. */
  explain?: Lang;
  /** Language of the text output (ladder words, summary); default en. */
  lang?: Lang;
  /** Optional narration hook (see explain/index.ts). */
  annotate?: (trace: readonly TraceEvent[], context?: NarrationContext) => Annotate | undefined;
  /** Streams trace events as they happen (inspector). */
  onTrace?: (event: TraceEvent) => void;
  beforeStep?: (t: number) => Promise<void> | void;
  inspect?: boolean;
  onInspect?: RunOptions['onInspect'];
}

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
  /** The terminal's width in columns, when stdout is a terminal. */
  columns?: number;
  /** Whether standard input is a terminal (--step needs one). */
  stdinIsTTY?: boolean;
  /** The keys typed, for --step (the terminal in raw mode; a test gives a stream). */
  keys?: () => AsyncIterable<string>;
  /** Colour when no flag says: NO_COLOR / FORCE_COLOR / TERM=dumb, else isTTY (color.ts). */
  color?: boolean;
}

/** Resolves a scenario name, a path to a scenario file, or `-` (standard input). */
export function resolveScenario(target: string | undefined): Scenario {
  const name = target ?? 'lifecycle';
  if (name === '-') return loadScenarioStdin();
  const builtIn = findScenario(name);
  if (builtIn) return builtIn;
  if (/\.(json|ya?ml)$/i.test(name) || existsSync(name)) return loadScenarioFile(name);
  throw new InputError(
    `unknown scenario "${name}" (try \`synack list\`, or give a .json/.yaml scenario file); known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
  );
}

/** The simulation config a scenario and the command-line flags describe. */
export function buildConfig(given: Scenario, flags: RunFlags): SimulationConfig {
  const scenario = applySets(given, flags.sets);
  const overrides: FaultModel = { ...flags.linkOverrides };
  if (flags.loss !== undefined) overrides.loss = flags.loss;
  if (flags.reorder !== undefined) overrides.reorder = flags.reorder;
  if (flags.duplicate !== undefined) overrides.duplicate = flags.duplicate;
  if (flags.delay !== undefined) overrides.delay = flags.delay;
  if (flags.jitter !== undefined) overrides.jitter = flags.jitter;
  const network = scenario.network ?? {};
  const links = withDirectional(
    network.links
      ? Object.fromEntries(Object.entries(network.links).map(([k, v]) => [k, { ...v, ...overrides }]))
      : undefined,
    { ...(network.default ?? {}), ...overrides },
    scenario,
    flags,
  );
  const config: SimulationConfig = {
    seed: flags.seed ?? scenario.seed ?? 1,
    profile: flags.profile ?? scenario.profile ?? 'linux',
    endpoints: scenario.endpoints,
    ...(scenario.groups ? { groups: scenario.groups } : {}),
    ...(scenario.topology ? { topology: scenario.topology } : {}),
    network: {
      ...network,
      default: { ...(network.default ?? {}), ...overrides },
      ...(links ? { links } : {}),
    },
    maxTime: flags.maxTime ?? scenario.maxTime,
    ...(flags.wallTimeout ? { wallTimeout: flags.wallTimeout } : {}),
    ...(flags.realtime ? { realtime: flags.realtime } : {}),
    ...(flags.inspect ? { inspect: true } : {}),
  };
  return applyDirection(config, flags.direction);
}

/**
 * `links` with the per-direction flags merged in: a direction without its own link starts from
 * the default model (a link replaces the default entirely). Needs endpoints named client and
 * server, and does not combine with --direction (which moves the loss itself).
 */
function withDirectional(
  links: Record<string, FaultModel> | undefined,
  defaultModel: FaultModel,
  scenario: Scenario,
  flags: RunFlags,
): Record<string, FaultModel> | undefined {
  const directional = directionalOverrides(flags.directional ?? {});
  if (Object.keys(directional).length === 0) return links;
  if (flags.direction !== undefined && flags.direction !== 'both') {
    throw new InputError('--direction does not combine with --loss-fwd/--loss-rev/--delay-fwd/--delay-rev');
  }
  const ids = new Set(scenario.endpoints.map((e) => e.id));
  if (!ids.has('client') || !ids.has('server')) {
    throw new InputError(
      `--loss-fwd/--loss-rev/--delay-fwd/--delay-rev: ${scenario.name} has no endpoints "client" and "server"`,
    );
  }
  const out = { ...(links ?? {}) };
  for (const [link, model] of Object.entries(directional))
    out[link] = { ...(out[link] ?? defaultModel), ...model };
  return out;
}

/**
 * For a run stopped by its time limit: the states each endpoint's connections were left in, and
 * the timers each was still running (what it was waiting for).
 */
function pendingStates(result: RunResult): string {
  const open = (result.reports ?? []).flatMap((report) => {
    const pending = report.connections
      .filter((c) => c.state !== 'CLOSED' && c.state !== 'LISTEN')
      .map((c) => (c.timers.length > 0 ? `${c.state} (timers: ${c.timers.join(', ')})` : c.state));
    return pending.length > 0 ? [`${report.id} ${pending.join(', ')}`] : [];
  });
  return open.length > 0 ? `connections left in: ${open.join('; ')}` : 'no connection left open';
}

export interface RunOutcome {
  result: RunResult;
  expectations: ExpectationResult[];
  /** 0 ok; 1 the run failed, missed an expectation, or an output could not be written. */
  exitCode: 0 | 1;
}

/** Flags that shape the text output: an input error with another format or without a terminal. */
function checkTextFlags(flags: RunFlags, format: string, io: Output): void {
  if (format !== 'text' && (flags.hosts?.length || flags.full)) {
    throw new InputError(
      `--${flags.full ? 'full' : 'host'} chooses the lanes of the text ladder; it does not apply to --format ${format}`,
    );
  }
  const layoutFlag = flags.compact
    ? 'compact'
    : flags.fold
      ? 'fold'
      : flags.width !== undefined
        ? 'width'
        : '';
  if (format !== 'text' && layoutFlag) {
    throw new InputError(`--${layoutFlag} lays out the text ladder; it does not apply to --format ${format}`);
  }
  if (flags.full && flags.fold) throw new InputError('--fold and --full cannot be used together');
  if (flags.step && format !== 'text')
    throw new InputError(`--step shows the text ladder; it does not apply to --format ${format}`);
  if (flags.step && (!io.stdinIsTTY || !io.keys)) {
    throw new InputError('--step needs a terminal: standard input is not one (it reads one key per event)');
  }
}

export async function runScenario(given: Scenario, flags: RunFlags, io: Output): Promise<RunOutcome> {
  // --set goes through the scenario schema once here; buildConfig applies it unchecked.
  const scenario = applySetsChecked(given, flags.sets);
  const config = buildConfig(scenario, { ...flags, sets: undefined });
  try {
    validateSimulationConfig(config);
  } catch (err) {
    throw new InputError(`${scenario.name}: ${(err as Error).message}`);
  }
  const early = canLosePackets(config) ? earlyActionsWarning(scenario, ['close', 'abort']) : undefined;
  if (early) io.err(`synack: warning: ${early}\n`);
  const format = flags.format ?? 'text';
  checkTextFlags(flags, format, io);
  // Before the run: a --host that names no endpoint is an input error, not a wasted run.
  const lanes = format === 'text' ? planLanes(config, { hosts: flags.hosts, full: flags.full }) : undefined;
  const memoryBudget = memoryBudgetFromEnv(process.env);
  const pcap = openPcap(flags);
  if (format === 'jsonl') io.out(`${JSON.stringify(traceMeta(config))}\n`);
  // --realtime --skip-time-wait: the CLI paces, passing over TIME_WAIT (time-wait-pacer.ts).
  const pacer =
    flags.skipTimeWait && config.realtime ? new TimeWaitSkippingPacer(config.realtime) : undefined;
  const beforeStep = pacer
    ? async (t: number) => {
        await pacer.step(t);
        await flags.beforeStep?.(t);
      }
    : flags.beforeStep;
  const result = await runSimulation(pacer ? { ...config, realtime: undefined } : config, {
    onTrace: (event) => {
      pacer?.observe(event);
      // With --explain the JSONL is written after the run, narration lines interleaved.
      if (format === 'jsonl' && !flags.explain) io.out(toJsonLine(event));
      flags.onTrace?.(event);
    },
    ...pcap?.hooks,
    beforeStep,
    onInspect: flags.onInspect,
    threads: flags.threads,
    memoryBudget,
  });
  if (!result.ok && result.error?.startsWith('virtual-time limit')) {
    result.error = `${result.error}; ${pendingStates(result)}`;
  }
  // --no-expect: the exit code says only whether the run itself completed (a sweep row's repro
  // under loss, where the scenario's loss-free expectations are not the question).
  const lang = flags.lang ?? flags.explain ?? 'en';
  const expectations = flags.noExpect ? [] : checkExpectations(scenario.expect ?? {}, result.trace, lang);
  const passed = expectations.every((e) => e.pass);
  const annotate = flags.annotate?.(result.trace, { profile: String(config.profile ?? 'linux') });
  if (format === 'jsonl' && flags.explain) io.out(explainJsonLines(result.trace, annotate, flags.explain));
  if (format === 'text')
    await writeText(scenario, config, flags, io, { result, expectations, lanes, annotate });
  else if (format === 'mermaid') {
    io.out(renderMermaid(result.trace, { annotate }));
  }
  if (format !== 'text') {
    // Keep stdout clean for machine formats: the verdict goes to stderr.
    const failed = expectations.filter((e) => !e.pass);
    if (!result.ok) io.err(`synack: run failed: ${result.error}\n`);
    for (const f of failed) io.err(`synack: expectation failed: ${f.name} (${f.detail})\n`);
  }
  // The capture was streamed during the run; a write that failed is reported after the run's
  // own output (ladder and verdict first), in one line, and the run counts as failed.
  const pcapWritten = closePcap(pcap, io);
  return { result, expectations, exitCode: result.ok && passed && pcapWritten ? 0 : 1 };
}

interface TextParts {
  result: RunResult;
  expectations: ExpectationResult[];
  /** The group view, or undefined for one lane per endpoint. */
  lanes: LanePlan | undefined;
  annotate: Annotate | undefined;
}

/** The text output: header, the ladder (or its group view), the summary and expectations. */
async function writeText(
  scenario: Scenario,
  config: SimulationConfig,
  flags: RunFlags,
  io: Output,
  { result, expectations, lanes, annotate }: TextParts,
): Promise<void> {
  const color = flags.color ?? io.color ?? io.isTTY;
  const c = createColors(color);
  const lang = flags.lang ?? flags.explain ?? 'en';
  const header = [
    lang === 'zh'
      ? `${c.bold(`synack run ${scenario.name}`)}  配置 ${config.profile}  种子 ${config.seed}  ${describeNetworkZh(config)}\n`
      : `${c.bold(`synack run ${scenario.name}`)}  profile ${config.profile}  seed ${config.seed}  ${describeNetwork(config)}${describeDirection(config, flags.direction)}\n`,
  ];
  const description = scenarioDescription(scenario, lang);
  header.push(description ? `${c.dim(description)}\n\n` : '\n');
  const width = textWidth(flags, io);
  const fold = foldsLadder(flags, io);
  const skipTimeWait = flags.skipTimeWait;
  const ladder = (compact: boolean) =>
    lanes
      ? renderGroupView(result.trace, lanes, { color, annotate, lang, compact, width, fold, skipTimeWait })
      : renderLadder(result.trace, { color, annotate, lang, compact, width, fold, skipTimeWait });
  // The wide layout when it fits (or no width is known), otherwise the compact one.
  let drawn = ladder(flags.compact === true);
  if (!flags.compact && width !== undefined && widestLine(drawn) > width) drawn = ladder(true);
  const finals = finalStates(result, lanes, lang);
  const summary = [
    ...(lanes ? [groupSummaries(result.trace, lanes)] : []),
    lang === 'zh'
      ? summaryTextZh(result, expectations, color, finals)
      : summaryText(result, expectations, color, finals),
  ];
  // Headers, summaries and any ladder row still too wide (many lanes) wrap at the width.
  const fitted = (text: string) => (width === undefined ? text : fitLines(text, width, 4));
  const heading = lanes ? [c.dim(groupViewHeading(lanes))] : [];
  if (flags.step && io.keys) {
    io.out(fitted([...header, ...heading].join('')));
    const { heading: lanesRow, steps } = ladderSteps(drawn);
    io.err(fitted(STEP_HELP[lang]));
    io.out(fitted(`${lanesRow}\n`));
    await stepThrough(steps, io.keys(), (text) => io.out(fitted(text)));
    io.out(fitted(`\n${summary.join('')}`));
    return;
  }
  io.out(fitted([...header, ...heading, drawn, '\n', ...summary].join('')));
}

/** The keys of --step, said once before the first event (on stderr). */
const STEP_HELP: Record<Lang, string> = {
  en: 'space or enter: next event · t: past TIME_WAIT · q: stop (the summary follows)\n',
  zh: '空格或回车：下一个事件 · t：跳过 TIME_WAIT · q：结束（随后打印总结）\n',
};

/**
 * Whether the text ladder folds runs of repeated rows (ladder-fold.ts): never with --full; with
 * --fold, --width or --compact; otherwise when stdout is a terminal (a pipe or a file keeps every
 * row, as it always did).
 */
export function foldsLadder(
  flags: Pick<RunFlags, 'full' | 'fold' | 'width' | 'compact'>,
  io: Output,
): boolean {
  if (flags.full) return false;
  return Boolean(flags.fold || flags.width !== undefined || flags.compact || io.isTTY);
}

/**
 * The columns the text output fits in: --width, else the terminal's when stdout is one, else
 * none (the wide layout, as pipes and files always had it); --compact alone means 80 columns.
 */
export function textWidth(flags: Pick<RunFlags, 'width' | 'compact'>, io: Output): number | undefined {
  const terminal = io.isTTY && io.columns ? io.columns : undefined;
  const width = flags.width ?? terminal;
  return width === undefined && flags.compact ? DEFAULT_COMPACT_WIDTH : width;
}

/** `id: states` per endpoint, a folded group's hosts as one entry counted by state (group-view.ts). */
function finalStates(result: RunResult, lanes: LanePlan | undefined, lang: Lang): string {
  const zh = lang === 'zh';
  const folded = new Set(lanes?.folded.flatMap((g) => g.members));
  const entries = Object.entries(result.summary.final)
    .filter(([id]) => !folded.has(id))
    .map(([id, all]) => [id, lanes ? foldStates(all) : all] as const)
    .map(([id, states]) =>
      zh
        ? `${id}：${states.length ? states.join('、') : '（没有连接）'}`
        : `${id}: ${states.length ? states.join(', ') : '(no connection)'}`,
    );
  for (const group of lanes?.folded ?? []) {
    entries.push(`${group.lane}${zh ? '：' : ': '}${foldFinals(group.members, result.summary.final)}`);
  }
  return entries.join(zh ? '；' : '; ');
}

/** Bounds of SYNACK_MEMORY_BUDGET_MB: 16 MB (below, no run fits) to 1 TB. */
const MEMORY_BUDGET_MB = { min: 16, max: 1024 * 1024 } as const;

/**
 * SYNACK_MEMORY_BUDGET_MB: the run's memory budget in MB (default @synack/network's
 * LIMITS.memoryBytes, 2 GiB); a run over it stops with an error and exit 1.
 */
export function memoryBudgetFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const text = env.SYNACK_MEMORY_BUDGET_MB;
  if (text === undefined || text === '') return undefined;
  const mb = Number(text);
  if (!/^\d+$/.test(text.trim()) || mb < MEMORY_BUDGET_MB.min || mb > MEMORY_BUDGET_MB.max) {
    throw new InputError(
      `SYNACK_MEMORY_BUDGET_MB must be an integer in [${MEMORY_BUDGET_MB.min}, ${MEMORY_BUDGET_MB.max}], got "${text}"`,
    );
  }
  return mb * 1024 * 1024;
}

/** Closes the streamed capture files; false (after one line on stderr) if one is incomplete. */
function closePcap(pcap: PcapCapture | undefined, io: Output): boolean {
  try {
    pcap?.close();
    return true;
  } catch (err) {
    if (!(err instanceof PcapFileError)) throw err;
    io.err(`synack: --pcap: ${err.message}; the capture is incomplete\n`);
    return false;
  }
}

/**
 * The capture `--pcap`/`--pcap-at` ask for, its files created before the run (so an unwritable
 * path is an input error and nothing runs) and streamed as the run goes (pcap-file.ts).
 */
function openPcap(flags: RunFlags): PcapCapture | undefined {
  if (flags.pcap === undefined) {
    if (flags.pcapAt) throw new InputError('--pcap-at needs --pcap <file>');
    return undefined;
  }
  if (flags.pcap.trim() === '') throw new InputError('--pcap: the file name is empty');
  try {
    return PcapCapture.streaming(flags.pcap, flags.pcapAt ?? 'sender');
  } catch (err) {
    if (err instanceof PcapFileError) throw new InputError(`--pcap: ${err.message}`);
    throw err;
  }
}

function describeNetwork(config: SimulationConfig): string {
  const d = config.network?.default ?? {};
  const loopback = config.network?.loopback === true;
  // A loopback link's unset delay is 0 ms (@synack/network applyLoopback), any other's 10 ms.
  const parts = [`delay ${d.delay ?? (loopback ? 0 : 10)} ms`];
  if (loopback) parts.push('loopback (MSS 65495)');
  if (d.jitter) parts.push(`jitter ${d.jitter} ms`);
  if (d.loss) parts.push(`loss ${d.loss}`);
  if (d.reorder) parts.push(`reorder ${d.reorder}`);
  if (d.duplicate) parts.push(`duplicate ${d.duplicate}`);
  return parts.join(', ');
}

function summaryText(
  result: RunResult,
  expectations: ExpectationResult[],
  color: boolean,
  finals: string,
): string {
  const c = createColors(color);
  const lines: string[] = [];
  lines.push(
    `${result.ok ? c.green('run completed') : c.red(`run failed: ${result.error}`)} at ${formatTime(result.stats.endTime)} virtual ` +
      `(${(result.stats.wallMs / 1000).toFixed(2)} s wall); ${result.stats.segmentsSent} segments, ` +
      `${result.stats.segmentsDropped} dropped, ${result.stats.segmentsDuplicated} duplicated`,
  );
  lines.push(`final states: ${finals}`);
  for (const e of expectations) {
    lines.push(`  ${e.pass ? c.green('✓') : c.red('✗')} ${e.name}${e.pass ? '' : c.red(` — ${e.detail}`)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The network line of the header in Chinese (the same facts as describeNetwork). */
function describeNetworkZh(config: SimulationConfig): string {
  const d = config.network?.default ?? {};
  const loopback = config.network?.loopback === true;
  const parts = [`单向时延 ${d.delay ?? (loopback ? 0 : 10)} 毫秒`];
  if (loopback) parts.push('本机回环（最大报文段长度 65495）');
  if (d.jitter) parts.push(`抖动 ${d.jitter} 毫秒`);
  if (d.loss) parts.push(`丢包率 ${d.loss}`);
  if (d.reorder) parts.push(`乱序率 ${d.reorder}`);
  if (d.duplicate) parts.push(`重复率 ${d.duplicate}`);
  return parts.join('，');
}

/** summaryText in Chinese (the expectations are named in Chinese by checkExpectations). */
function summaryTextZh(
  result: RunResult,
  expectations: ExpectationResult[],
  color: boolean,
  finals: string,
): string {
  const c = createColors(color);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(3)} 秒`;
  const lines = [
    `${result.ok ? c.green('运行完成') : c.red(`运行失败：${result.error}`)}，虚拟时间 ${seconds(result.stats.endTime)}` +
      `（实际用时 ${(result.stats.wallMs / 1000).toFixed(2)} 秒）；共 ${result.stats.segmentsSent} 个报文段，` +
      `丢失 ${result.stats.segmentsDropped} 个，重复 ${result.stats.segmentsDuplicated} 个`,
    `最终状态：${finals}`,
  ];
  for (const e of expectations) {
    lines.push(`  ${e.pass ? c.green('✓') : c.red('✗')} ${e.name}${e.pass ? '' : c.red(` — ${e.detail}`)}`);
  }
  return `${lines.join('\n')}\n`;
}
