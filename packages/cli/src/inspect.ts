/**
 * `synack inspect [scenario]` and `synack run --inspect`: run a scenario at a
 * watchable pace while a local web page (the @synack/inspector server) shows
 * every connection's statechart, the segment ladder and the controls (pause,
 * step, speed, timeline scrubber).
 *
 * The server binds 127.0.0.1 unless --host says otherwise, prints
 * `inspector: http://127.0.0.1:PORT/`, and keeps serving the final state after
 * the run until Ctrl-C / SIGINT / SIGTERM (exit 0) — or, with
 * `inspect --exit-when-done`, closes as soon as the run ends (exit code as
 * `synack run`). `run --inspect` takes no server options: it is the quick way
 * (defaults, `--realtime` as the speed); `synack inspect` has them all.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { profiles } from '@synack/core';
import type { EndpointInfo, Inspector, InspectorOptions, StreamEvent } from '@synack/inspector';
// Only the light option helpers load with the CLI; the server (elkjs, ws) loads when it serves.
import {
  checkForwardUrl,
  DEFAULT_HOLD,
  DEFAULT_SPEED,
  INSPECTED_WALL_TIMEOUT,
  isLoopback,
  MAX_HOLD,
  MAX_SPEED,
} from '@synack/inspector/options';
import type { TraceEvent } from '@synack/network';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { addScenarioOptions, positiveArg, scenarioFlags } from './args.js';
import { type Annotate, explainAnnotator, LANGS, type Lang, withExplainEvents } from './explain/index.js';
import { formatTime } from './ladder.js';
import { type Output, type RunFlags, type RunOutcome, resolveScenario, runScenario } from './run.js';
import type { Scenario } from './scenarios.js';
import { InputError } from './schema.js';
import { type RecordedExplain, type RecordedTrace, readRecordedTrace } from './trace-file.js';

export interface InspectOptions {
  port?: number;
  host?: string;
  open?: boolean;
  speed?: number;
  hold?: number;
  forward?: string;
  forwardFormat?: 'synack' | 'stately';
  exitWhenDone?: boolean;
  paused?: boolean;
}

export function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65_535) {
    throw new InvalidArgumentError(`must be a port number in [0, 65535] (0 = any free port), got "${value}"`);
  }
  return n;
}

export function speedArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > MAX_SPEED) {
    throw new InvalidArgumentError(`must be a speed factor in (0, ${MAX_SPEED}], got "${value}"`);
  }
  return n;
}

export function holdArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > MAX_HOLD) {
    throw new InvalidArgumentError(`must be a number of ms in [0, ${MAX_HOLD}], got "${value}"`);
  }
  return n;
}

export function forwardArg(value: string): string {
  try {
    return checkForwardUrl(value).href;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message.replace(/^--forward: /, ''));
  }
}

/**
 * Registers `synack inspect`. (`synack run --inspect` is the quick way with the defaults;
 * this command has the server options, plus the scenario flags of `synack run`.)
 */
export function registerInspect(program: Command, io: Output, setExit: (code: number) => void): Command {
  const command = program
    .command('inspect')
    .description('run a scenario while a local web page shows the statecharts and the segment ladder live')
    .argument('[scenario]', 'built-in scenario name or scenario file', 'lifecycle')
    .option('--port <n>', 'port to serve on; 0 = any free port (default 0)', portArg)
    .option(
      '--host <host>',
      'interface to bind (default 127.0.0.1; anything else is reachable from other machines)',
    )
    .option('--open', 'open the page in the default browser')
    .option(
      '--speed <factor>',
      `virtual ms per wall ms (default ${DEFAULT_SPEED}: TIME_WAIT's 60 s take 6 s)`,
      speedArg,
    )
    .option('--hold <ms>', `wall ms to hold after each state change (default ${DEFAULT_HOLD})`, holdArg)
    .option('--paused', 'start paused (press Resume or Step in the page)')
    .option(
      '--forward <url>',
      'also send every raw XState inspection event as JSON to this ws:// server',
      forwardArg,
    )
    .addOption(
      new Option(
        '--forward-format <format>',
        "message format for --forward: synack's own, or @statelyai/inspect's WebSocket inspector protocol",
      )
        .choices(['synack', 'stately'])
        .default('synack'),
    )
    .option('--exit-when-done', 'stop serving and exit when the run ends (default: serve until Ctrl-C)')
    .option(
      '--trace <file>',
      'show a recorded trace (synack run --format jsonl) instead of running a scenario',
    )
    .addOption(
      new Option(
        '--lang <lang>',
        "with --trace: language of the narration beside the ladder (default: the file's own, else en)",
      ).choices(LANGS),
    );
  return addScenarioOptions(command)
    .option('--max-time <ms>', 'virtual-time limit in ms', positiveArg)
    .action(async (target: string, opts: Record<string, unknown>) => {
      if (typeof opts.trace === 'string') {
        if (command.args.length > 0) {
          throw new InputError(
            `--trace shows a recorded trace: give it or a scenario ("${target}"), not both`,
          );
        }
        setExit(await serveTraceFile(opts.trace, io, serverOptions(opts), opts.lang as Lang | undefined));
        return;
      }
      const scenario = resolveScenario(target);
      const flags: RunFlags = {
        ...scenarioFlags(opts),
        maxTime: opts.maxTime as number | undefined,
      };
      const { code } = await serveScenario(scenario, flags, io, serverOptions(opts), { quiet: true });
      setExit(code);
    });
}

function serverOptions(opts: Record<string, unknown>): InspectOptions {
  return {
    port: opts.port as number | undefined,
    host: opts.host as string | undefined,
    open: opts.open === true,
    speed: opts.speed as number | undefined,
    hold: opts.hold as number | undefined,
    forward: opts.forward as string | undefined,
    forwardFormat: opts.forwardFormat as 'synack' | 'stately',
    exitWhenDone: opts.exitWhenDone === true,
    paused: opts.paused === true,
  };
}

/** Endpoint ids in a trace's order of appearance, with the profile the trace was run under. */
function traceEndpoints(trace: RecordedTrace): EndpointInfo[] {
  const profile = trace.meta?.profile ?? 'linux';
  const ids = new Set<string>();
  for (const e of trace.events) if (e.endpoint !== '*') ids.add(e.endpoint);
  return [...ids].map((id) => ({
    id,
    address: '?',
    profile,
    timeWait: profiles[profile]?.timeWait ?? 60_000,
  }));
}

/**
 * `synack inspect --trace FILE`: validates the whole file first (a bad line is a usage error
 * naming it, exit 2), then serves it as a finished run until Ctrl-C (or at once with
 * --exit-when-done, for scripts that only want the check).
 */
export async function serveTraceFile(
  path: string,
  io: Output,
  options: InspectOptions,
  lang?: Lang,
): Promise<0 | 1> {
  const trace = readRecordedTrace(path);
  const name = basename(path);
  return serveRecorded(
    narratedStream(trace.events, io, { lang, own: trace.explain }),
    { name, description: `recorded trace ${path}` },
    traceEndpoints(trace),
    io,
    options,
  );
}

/**
 * The stream a recorded source (trace file, replayed capture) is served with: each trace event
 * followed by its narration lines (`kind: "explain"`, as `synack run --explain --format jsonl`
 * writes them), which the page shows beside the ladder. A file's own narration is kept unless
 * `lang` asks for another language; otherwise the trace is narrated here. `extra` adds lines of
 * its own (replay: what a marked segment breaks). A trace the narrator cannot follow is served
 * without narration, with a warning.
 */
export function narratedStream(
  events: readonly TraceEvent[],
  io: Output,
  opts: { lang?: Lang; own?: readonly RecordedExplain[]; extra?: (lang: Lang) => Annotate },
): StreamEvent[] {
  const own = opts.own ?? [];
  const lang = opts.lang ?? own[0]?.lang ?? 'en';
  let annotate: Annotate;
  if (own.length > 0 && own.every((e) => e.lang === lang)) {
    const byRef = new Map<number, string[]>();
    for (const e of own) byRef.set(e.ref, [...(byRef.get(e.ref) ?? []), e.text]);
    annotate = (_event, index) => byRef.get(index);
  } else {
    try {
      annotate = explainAnnotator(lang)(events);
    } catch (err) {
      io.err(`synack: warning: no narration for this trace (${(err as Error).message})\n`);
      annotate = () => undefined;
    }
  }
  const extra = opts.extra?.(lang);
  const both: Annotate = extra
    ? (event, index) => [...(annotate(event, index) ?? []), ...(extra(event, index) ?? [])]
    : annotate;
  return withExplainEvents(events, both, lang) as StreamEvent[];
}

/** Serves a recorded stream (a trace file, a replayed capture) until a signal; 0 = fine. */
export async function serveRecorded(
  events: readonly StreamEvent[],
  scenario: { name: string; description?: string },
  endpoints: EndpointInfo[],
  io: Output,
  options: InspectOptions,
): Promise<0 | 1> {
  const inspector = await listenInspector(io, options, { scenario, endpoints });
  const summary = events.find((e) => e.kind === 'summary') as { ok?: boolean; error?: string } | undefined;
  inspector.loadRecorded(events, {
    ok: summary?.ok !== false,
    ...(summary?.error ? { error: summary.error } : {}),
  });
  io.out(`inspector: ${inspector.url}\n`);
  if (options.open) openBrowser(inspector.url, io);
  const signals = waitForSignal();
  try {
    if (!options.exitWhenDone) {
      io.err(`synack: serving ${scenario.name} at ${inspector.url} — press Ctrl-C to exit\n`);
      await signals.promise;
    }
    return 0;
  } finally {
    signals.dispose();
    await inspector.close();
  }
}

/**
 * For `synack run --inspect`: a drop-in for runScenario that serves the inspector (default
 * options; `--realtime` sets the speed) around the run and keeps serving until Ctrl-C.
 */
export function inspectRunner(
  opts: Record<string, unknown>,
): (scenario: Scenario, flags: RunFlags, io: Output) => Promise<RunOutcome> {
  return async (scenario, flags, io) => {
    const realtime = opts.realtime === true ? 1 : (opts.realtime as number | undefined);
    const options: InspectOptions = { speed: flags.realtime ?? realtime ?? DEFAULT_SPEED };
    const { outcome, code } = await serveScenario(scenario, flags, io, options, { quiet: false });
    return { ...outcome, exitCode: code === 0 ? 0 : 1 };
  };
}

interface Served {
  outcome: RunOutcome;
  /** 0 after Ctrl-C / a signal; the run's exit code with --exit-when-done. */
  code: 0 | 1;
}

/** Starts the inspector, runs the scenario under it, serves until a signal (or the end of the run). */
export async function serveScenario(
  scenario: Scenario,
  flags: RunFlags,
  io: Output,
  options: InspectOptions,
  { quiet }: { quiet: boolean },
): Promise<Served> {
  const machineFormat = flags.format !== undefined && flags.format !== 'text';
  // With jsonl/mermaid on stdout, everything else goes to stderr.
  const say = (text: string) => (machineFormat ? io.err(text) : io.out(text));
  const inspector = await startServing(scenario, flags, io, options);
  say(`inspector: ${inspector.url}\n`);
  if (options.open) openBrowser(inspector.url, io);

  const signals = waitForSignal();
  const runIo: Output = quiet ? { out: () => {}, err: io.err, isTTY: false } : io;
  try {
    const running = runScenario(scenario, inspectedFlags(flags, inspector), runIo);
    const first = await Promise.race([
      running.then((outcome) => ({ outcome })),
      signals.promise.then((signal) => ({ signal })),
    ]);
    if ('signal' in first) {
      // Interrupted mid-run: the pacer makes the run end at its next instant.
      await inspector.close();
      return { outcome: await running, code: 0 };
    }
    const { outcome } = first;
    inspector.finish({
      ok: outcome.result.ok,
      ...(outcome.result.error ? { error: outcome.result.error } : {}),
    });
    if (quiet) say(verdict(outcome));
    if (options.exitWhenDone) return { outcome, code: outcome.exitCode };
    io.err(`synack: run finished; still serving ${inspector.url} — press Ctrl-C to exit\n`);
    await signals.promise;
    return { outcome, code: 0 };
  } finally {
    signals.dispose();
    await inspector.close();
  }
}

/** Starts the inspector server; a port in use or a host it cannot bind is a usage error (exit 2). */
function startServing(
  scenario: Scenario,
  flags: RunFlags,
  io: Output,
  options: InspectOptions,
): Promise<Inspector> {
  return listenInspector(io, options, {
    scenario: { name: scenario.name, description: scenario.description },
    config: {
      endpoints: scenario.endpoints,
      ...(scenario.groups ? { groups: scenario.groups } : {}),
      profile: flags.profile ?? scenario.profile,
    },
  });
}

/** Binds the inspector with the server options; what it shows comes from `source`. */
async function listenInspector(
  io: Output,
  options: InspectOptions,
  source: Pick<InspectorOptions, 'scenario' | 'config' | 'endpoints'>,
): Promise<Inspector> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    io.err(
      `synack: warning: the inspector listens on ${host}, reachable from other machines; it has no authentication (omit --host to bind 127.0.0.1)\n`,
    );
  }
  const { startInspector } = await import('@synack/inspector');
  try {
    return await startInspector({
      port: options.port ?? 0,
      host,
      speed: options.speed ?? DEFAULT_SPEED,
      hold: options.hold ?? DEFAULT_HOLD,
      paused: options.paused,
      forward: options.forward,
      forwardFormat: options.forwardFormat,
      ...source,
      onWarning: (message) => io.err(`synack: warning: ${message}\n`),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new InputError(`--port ${options.port}: address already in use`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new InputError(`--host ${host}: cannot listen there (${code})`);
    }
    throw err;
  }
}

/** The run's flags with the inspector's hooks (next to any the caller already had). */
function inspectedFlags(flags: RunFlags, inspector: Inspector): RunFlags {
  // The inspector paces the run itself (pause, step, speed changes), so no --realtime.
  const { realtime: _paced, ...rest } = flags;
  return {
    ...rest,
    inspect: true,
    // Time spent paused counts as wall time.
    wallTimeout: INSPECTED_WALL_TIMEOUT,
    beforeStep: inspector.hooks.beforeStep,
    onTrace: (event) => {
      inspector.hooks.onTrace(event);
      flags.onTrace?.(event);
    },
    onInspect: (endpoint, event, t) => {
      inspector.hooks.onInspect(endpoint, event, t);
      flags.onInspect?.(endpoint, event, t);
    },
  };
}

function verdict(outcome: RunOutcome): string {
  const { result, expectations } = outcome;
  const finals = Object.entries(result.summary.final)
    .map(([id, states]) => `${id}: ${states.length ? states.join(', ') : '(no connection)'}`)
    .join('; ');
  const passed = expectations.filter((e) => e.pass).length;
  const lines = [
    `${result.ok ? 'run completed' : `run failed: ${result.error}`} at ${formatTime(result.stats.endTime)} virtual; final states: ${finals}; expectations ${passed}/${expectations.length} passed`,
  ];
  for (const e of expectations) if (!e.pass) lines.push(`  ✗ ${e.name} — ${e.detail}`);
  return `${lines.join('\n')}\n`;
}

function waitForSignal(): { promise: Promise<NodeJS.Signals>; dispose: () => void } {
  let resolve!: (signal: NodeJS.Signals) => void;
  const promise = new Promise<NodeJS.Signals>((r) => {
    resolve = r;
  });
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C while shutting down: stop waiting for anything.
    if (++received > 1) process.exit(130);
    resolve(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    promise,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function openBrowser(url: string, io: Output): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', (err) =>
      io.err(`synack: warning: --open: could not start ${command} (${err.message}); open ${url} yourself\n`),
    );
    child.unref();
  } catch (err) {
    io.err(`synack: warning: --open: ${(err as Error).message}; open ${url} yourself\n`);
  }
}
