/**
 * What every `--help` ends with: examples to copy and the exit codes, plus `--no-color` on every
 * command (colour is decided once, by flag or environment: color.ts).
 */
import { type Command, Option } from 'commander';

const EXIT_CODES = `Exit codes:
  0    success
  1    something ran and failed: a run failed or missed one of its expectations, or an output
       file could not be written after the run (said in one line after the run's own output)
  2    bad input or environment, nothing was run (bad or repeated flag, unknown scenario,
       malformed scenario file, unwritable output path)
  130  interrupted (Ctrl-C)
An "internal error" is a bug in synack: --debug (or SYNACK_DEBUG=1) adds its stack trace.`;

/** Examples by command name ('' is the program itself). */
const EXAMPLES: Record<string, string[]> = {
  '': ['synack list', 'synack run lifecycle', 'synack why time-wait', 'synack completion bash'],
  list: ['synack list', 'synack list --json | jq -r ".[].name"'],
  run: [
    'synack run lifecycle',
    'synack run lossy-transfer --loss 0.1 --seed 7 --format jsonl > trace.jsonl',
    'synack run handshake --pcap handshake.pcap --pcap-at both',
    'cat my-scenario.yaml | synack run -',
  ],
  why: ['synack why', 'synack why time-wait --explain'],
  sweep: [
    'synack sweep handshake --loss 0:0.3:0.05 --runs 200 --out sweep-out',
    'synack sweep lifecycle --profile linux,rfc9293 --png',
  ],
  inspect: [
    'synack inspect lifecycle --open',
    'synack inspect --trace run.jsonl',
    'synack inspect lossy-transfer --loss 0.1 --exit-when-done',
  ],
  replay: ['synack replay capture.pcapng', 'synack replay capture.pcap --filter 10.0.0.2:80 --inspect'],
  completion: [
    'synack completion bash > ~/.local/share/bash-completion/completions/synack',
    'synack completion zsh > ~/.zfunc/_synack   # with fpath=(~/.zfunc $fpath) in ~/.zshrc',
    'synack completion fish > ~/.config/fish/completions/synack.fish',
  ],
};

function helpEpilogue(name: string): string {
  const examples = EXAMPLES[name] ?? [];
  const lines = examples.length ? `Examples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n\n` : '';
  return `\n${lines}${EXIT_CODES}\n`;
}

/** Adds examples, exit codes and `--no-color` to the program and every command on it. */
export function addConventions(program: Command): void {
  program.addHelpText('after', helpEpilogue(''));
  for (const command of program.commands) {
    command.addHelpText('after', helpEpilogue(command.name()));
    if (!command.options.some((option) => option.long === '--no-color')) {
      command.addOption(new Option('--no-color', 'never colour the output'));
    }
  }
}
