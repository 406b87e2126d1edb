/**
 * A flag that takes one value may be given once: `--seed 1 --seed 2` is an input error (exit 2)
 * instead of silently keeping the last value, since a command line built by concatenating a
 * script's defaults and a user's overrides would otherwise run an experiment nobody asked for.
 * Boolean switches (`--png --png`) and negations (`--no-color`) stay harmless repeats.
 */
import { type Command, Option } from 'commander';
import { InputError } from './schema.js';

/** Options made by {@link repeatableOption}: each occurrence adds a value (`--host a --host b`). */
const REPEATABLE = new WeakSet<Option>();

/**
 * A value-taking option that may be given several times, its values collected in order (or
 * folded by `parse`, which receives each value and what the earlier ones gave).
 */
export function repeatableOption<T>(
  flags: string,
  description: string,
  parse?: (value: string, previous: T | undefined) => T,
): Option {
  const collect = (value: string, previous: unknown): unknown => [
    ...(Array.isArray(previous) ? previous : []),
    value,
  ];
  const option = new Option(flags, description).argParser<unknown>(
    (parse as ((value: string, previous: unknown) => unknown) | undefined) ?? collect,
  );
  REPEATABLE.add(option);
  return option;
}

function takesValue(option: Option): boolean {
  return (
    (option.required || option.optional) && !option.variadic && !option.negate && !REPEATABLE.has(option)
  );
}

/** Makes every value-taking option of `command` and its subcommands reject a second occurrence. */
export function rejectRepeatedFlags(command: Command): void {
  for (const option of command.options) {
    if (!takesValue(option)) continue;
    let seen = false;
    // commander emits `option:<name>` once per occurrence on the command line (not for defaults).
    command.on(`option:${option.name()}`, () => {
      if (seen) {
        throw new InputError(`${option.long ?? option.flags} is given more than once (it takes one value)`);
      }
      seen = true;
    });
  }
  for (const sub of command.commands) rejectRepeatedFlags(sub);
}
