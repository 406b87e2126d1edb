import { expect } from 'vitest';
import type { Script, ScriptError, ScriptEvent } from '../src/ast.js';
import { type ParseOptions, parseScript } from '../src/parser.js';

/** Parses a script that must be valid. */
export function parseOk(text: string, options?: ParseOptions): Script {
  const result = parseScript(text, options);
  if (!result.ok)
    throw new Error(
      `unexpected parse error ${result.error.line}:${result.error.column}: ${result.error.message}`,
    );
  return result.script;
}

/** Parses a script that must be rejected. */
export function parseError(text: string, options?: ParseOptions): ScriptError {
  const result = parseScript(text, options);
  expect(result.ok, 'the script should have been rejected').toBe(false);
  if (result.ok) throw new Error('unreachable');
  return result.error;
}

/** The single event of `+0 <line>` (after a socket line when `withSocket`). */
export function onlyEvent(line: string): ScriptEvent {
  const script = parseOk(line);
  expect(script.events).toHaveLength(1);
  return script.events[0];
}

export const SOCKET = '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n';

/** The tree without source positions, which printing does not keep. */
export function withoutPositions(script: Script): unknown {
  return JSON.parse(
    JSON.stringify(script, (key, value) => (['line', 'column', 'bodyAt'].includes(key) ? undefined : value)),
  );
}
