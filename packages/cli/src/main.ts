/**
 * Command-line entry: argument parsing (commander) and exit codes —
 * 0 success, 1 a run that failed its expectations, 2 usage or input errors.
 */
import { PCAP_AT, type PcapAt } from '@synack/network';
import { Argument, Command, CommanderError, Option } from 'commander';
import { addLaneOptions, addScenarioOptions, positiveArg, scenarioFlags, threadsArg } from './args.js';
import { colorByDefault } from './color.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { explainAnnotator, LANGS, type Lang } from './explain/index.js';
import { rejectRepeatedFlags } from './flags-once.js';
import { addConventions } from './help.js';
import { inspectRunner, registerInspect } from './inspect.js';
import { registerKernelDiff } from './kernel-diff/command.js';
import { registerPacketdrill } from './packetdrill.js';
import { registerReplay } from './replay/command.js';
import { type Output, type RunFlags, resolveScenario, runScenario } from './run.js';
import { SCENARIOS } from './scenarios.js';
import { InputError } from './schema.js';
import { keysOf } from './step.js';
import { registerSweep } from './sweep/command.js';
import { DIRECTIONS, type Direction } from './sweep/direction.js';
import { synackVersion } from './version.js';
import { registerWhy } from './why.js';

export { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './exit-codes.js';

function defaultOutput(): Output {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    stdinIsTTY: Boolean(process.stdin.isTTY),
    keys: terminalKeys,
    color: colorByDefault(process.env, Boolean(process.stdout.isTTY)),
  };
}

/** Keys typed in the terminal, one at a time (raw mode while --step reads them). */
async function* terminalKeys(): AsyncGenerator<string> {
  process.stdin.setRawMode?.(true);
  try {
    yield* keysOf(process.stdin);
  } finally {
    process.stdin.setRawMode?.(false);
    process.stdin.pause();
  }
}

/** `synack list [--json]`. */
function registerList(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command('list')
    .description('list the built-in scenarios')
    .option('--json', 'print a JSON array of { name, description }')
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        const list = SCENARIOS.map((s) => ({ name: s.name, description: s.description }));
        io.out(`${JSON.stringify(list, null, 2)}\n`);
      } else {
        const width = Math.max(...SCENARIOS.map((s) => s.name.length));
        for (const s of SCENARIOS) io.out(`${s.name.padEnd(width)}  ${s.description}\n`);
      }
      setExit(EXIT_OK);
    });
}

/** `synack completion bash|zsh|fish`. */
function registerCompletion(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command('completion')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: Shell) => {
      io.out(
        completionScript(
          shell,
          program,
          SCENARIOS.map((s) => s.name),
        ),
      );
      setExit(EXIT_OK);
    });
}

/** `synack run [scenario]`: one simulation, its ladder or trace, pcap, inspector, narration. */
function registerRun(program: Command, io: Output, setExit: (code: number) => void): void {
  const run = program
    .command('run')
    .description('run a scenario (built-in name or a .json/.yaml file; default: lifecycle)')
    .argument(
      '[scenario]',
      'built-in scenario name, scenario file, or - to read one from stdin',
      'lifecycle',
    );
  addScenarioOptions(addLaneOptions(run))
    .addOption(new Option('--direction <dir>', 'apply --loss to one direction only').choices(DIRECTIONS))
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'jsonl', 'mermaid']).default('text'),
    )
    .option('--pcap <file>', 'write the segments to a pcap file (see --pcap-at)')
    .addOption(
      new Option(
        '--pcap-at <point>',
        'capture at the sender (as sent, drops included; default), the receiver (as delivered) or both (two files: FILE.sender.pcap, FILE.receiver.pcap)',
      ).choices(PCAP_AT),
    )
    .option(
      '--realtime [speed]',
      'pace virtual time against the wall clock (speed factor, default 1)',
      positiveArg,
    )
    .option('--max-time <ms>', 'virtual-time limit in ms', positiveArg)
    .option(
      '--threads <n>',
      'worker threads the endpoints share (default: one per core), or per-endpoint, or inline; same trace',
      threadsArg,
    )
    .option('--no-color', 'never colour the output')
    .option('--no-expect', "skip the scenario's expectations: exit 0 whenever the run completes")
    .option('--inspect', 'serve the live inspector page while the run goes (see `synack inspect`)')
    .option('--explain', 'narrate every step, from the trace (jsonl: adds kind "explain" lines)')
    .addOption(
      new Option('--lang <lang>', 'language of the ladder, its summary and --explain')
        .choices(LANGS)
        .default('en'),
    )
    .action(async (target: string, opts: Record<string, unknown>) => {
      const scenario = resolveScenario(target);
      const stopWatching = opts.inspect ? () => {} : exitOnInterrupt(io);
      const outcome = await (opts.inspect ? inspectRunner(opts) : runScenario)(
        scenario,
        runFlags(opts),
        io,
      ).finally(stopWatching);
      setExit(outcome.exitCode);
    });
}

export function buildProgram(io: Output, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('synack')
    .description('TCP connection simulator: every endpoint an XState statechart in its own worker thread')
    .version(synackVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    // Every command takes --no-color (help.ts); it overrides NO_COLOR / FORCE_COLOR / TERM.
    .hook('preAction', (_program, action) => {
      if (action.opts().color === false) io.color = false;
    });

  registerList(program, io, setExit);

  registerRun(program, io, setExit);

  registerWhy(program, io, setExit);

  registerSweep(program, io, setExit);

  registerInspect(program, io, setExit);

  registerCompletion(program, io, setExit);

  registerPacketdrill(program, io, setExit);

  registerKernelDiff(program, io, setExit);

  registerReplay(program, io, setExit);

  addConventions(program);
  rejectRepeatedFlags(program);
  return program;
}

/** The run flags `synack run`'s options describe. */
function runFlags(opts: Record<string, unknown>): RunFlags {
  const explain = opts.explain === true ? (opts.lang as Lang) : undefined;
  return {
    ...scenarioFlags(opts),
    format: opts.format as 'text' | 'jsonl' | 'mermaid',
    pcap: opts.pcap as string | undefined,
    pcapAt: opts.pcapAt as PcapAt | undefined,
    realtime: opts.realtime === true ? 1 : (opts.realtime as number | undefined),
    maxTime: opts.maxTime as number | undefined,
    threads: opts.threads as RunFlags['threads'],
    hosts: opts.host as string[] | undefined,
    full: opts.full === true,
    width: opts.width as number | undefined,
    compact: opts.compact === true,
    fold: opts.fold === true,
    step: opts.step === true,
    skipTimeWait: opts.skipTimeWait === true,
    direction: opts.direction as Direction | undefined,
    color: opts.color === false ? false : undefined,
    noExpect: opts.expect === false,
    lang: opts.lang as Lang,
    ...(explain ? { explain, annotate: explainAnnotator(explain) } : {}),
  };
}

/**
 * Ctrl-C during `synack run` ends it with 130 and one line (a streamed pcap is already valid up
 * to that point). `sweep` handles SIGINT itself (it writes the results so far), `inspect` too.
 */
function exitOnInterrupt(io: Output): () => void {
  const onSigint = () => {
    io.err('\nsynack: interrupted\n');
    process.exit(EXIT_INTERRUPTED);
  };
  process.once('SIGINT', onSigint);
  return () => process.removeListener('SIGINT', onSigint);
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], io: Output = defaultOutput()): Promise<number> {
  let code: number = EXIT_OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') {
        return EXIT_OK;
      }
      return EXIT_USAGE;
    }
    if (err instanceof InputError) {
      io.err(`synack: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
