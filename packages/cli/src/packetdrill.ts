/**
 * `synack packetdrill FILE.pkt…`: packetdrill-language scripts run against one simulated endpoint
 * (@synack/packetdrill's runScript) in virtual time. Output like packetdrill's: the failing line,
 * the expected and the actual packet or return value. Exit code: 0 every script passed, 1 one
 * mismatched, 2 one was unreadable, unparsable or used something not simulated (the worst wins).
 */
import { readFileSync } from 'node:fs';
import { profiles } from '@synack/core';
import { runScript } from '@synack/packetdrill';
import { type Command, Option } from 'commander';
import { createColors } from 'picocolors';
import type { Output } from './run.js';
import { InputError } from './schema.js';

export interface PacketdrillFlags {
  readonly profile: string;
  readonly defines: Readonly<Record<string, string>>;
  readonly quiet: boolean;
  readonly color: boolean;
}

/** Largest script read (packetdrill scripts are a few KB; a bound keeps a mistaken argument harmless). */
const MAX_SCRIPT_BYTES = 1 << 20;

function readScript(file: string): string | { error: string } {
  try {
    const text = readFileSync(file, 'utf8');
    if (text.length > MAX_SCRIPT_BYTES) return { error: `${file}: larger than 1 MiB` };
    return text;
  } catch (err) {
    return { error: `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? err})` };
  }
}

/** Runs the scripts; returns the exit code (the worst of them). */
export function runPacketdrill(files: readonly string[], flags: PacketdrillFlags, io: Output): number {
  const c = createColors(flags.color);
  let worst = 0;
  let passed = 0;
  for (const file of files) {
    const text = readScript(file);
    const report =
      typeof text === 'string'
        ? runScript(text, { file, profile: flags.profile, defines: flags.defines })
        : { exitCode: 2 as const, errors: [text.error], notes: [] };
    worst = Math.max(worst, report.exitCode);
    if (!flags.quiet) for (const note of report.notes) io.err(`${note}\n`);
    for (const error of report.errors) io.err(`${error}\n`);
    if (report.exitCode === 0) passed++;
    const verdict =
      report.exitCode === 0 ? c.green('PASS') : report.exitCode === 1 ? c.red('FAIL') : c.red('ERROR');
    io.out(`${verdict} ${file}\n`);
  }
  if (files.length > 1) io.out(`${passed}/${files.length} scripts passed (profile ${flags.profile})\n`);
  return worst;
}

/** `-D NAME=VALUE`, repeatable. */
function collectDefine(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0 || !/^[A-Za-z_]\w*$/.test(value.slice(0, eq)))
    throw new InputError(`-D ${value}: expected NAME=VALUE`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function registerPacketdrill(program: Command, io: Output, setExit: (code: number) => void): void {
  program
    .command('packetdrill')
    .description('run packetdrill scripts against one simulated endpoint (the model), in virtual time')
    .argument('<files...>', 'packetdrill scripts (.pkt)')
    .addOption(
      new Option('--profile <profile>', 'the endpoint profile')
        .choices(Object.keys(profiles))
        .default('linux'),
    )
    .option('-D, --define <NAME=VALUE>', 'define a script variable (repeatable)', collectDefine, {})
    .option('-q, --quiet', 'do not print notes about ignored shell commands')
    .option('--no-color', 'never colour the output')
    .action((files: string[], opts: Record<string, unknown>) => {
      const code = runPacketdrill(
        files,
        {
          profile: opts.profile as string,
          defines: opts.define as Record<string, string>,
          quiet: opts.quiet === true,
          color: opts.color === false ? false : (io.color ?? io.isTTY),
        },
        io,
      );
      setExit(code);
    });
}
