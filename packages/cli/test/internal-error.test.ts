/**
 * The binary's last resort (src/internal-error.ts): `--debug` / SYNACK_DEBUG switch the stack on,
 * `--debug` is removed before the commands see the arguments, and without it an internal error
 * is exactly one line that calls it a bug and asks for a report. (exit-codes.test.ts drives the
 * same through the real binary.)
 */
import { describe, expect, it } from 'vitest';
import { debugRequested, internalErrorText, withoutDebugFlag } from '../src/internal-error.js';

describe('debugRequested', () => {
  it.each<[string[], NodeJS.ProcessEnv, boolean]>([
    [['run', 'lifecycle'], {}, false],
    [['run', '--debug', 'lifecycle'], {}, true],
    [['--debug'], {}, true],
    [['run', '--', '--debug'], {}, false],
    [['run'], { SYNACK_DEBUG: '1' }, true],
    [['run'], { SYNACK_DEBUG: 'yes' }, true],
    [['run'], { SYNACK_DEBUG: '0' }, false],
    [['run'], { SYNACK_DEBUG: '' }, false],
  ])('%j with %j → %s', (args, env, expected) => {
    expect(debugRequested(args, env)).toBe(expected);
  });
});

describe('withoutDebugFlag', () => {
  it('drops --debug before --, keeps everything else in order', () => {
    expect(withoutDebugFlag(['run', '--debug', 'x', '--seed', '1'])).toEqual(['run', 'x', '--seed', '1']);
    expect(withoutDebugFlag(['--debug', 'run', '--', '--debug'])).toEqual(['run', '--', '--debug']);
  });
});

describe('internalErrorText', () => {
  const err = new TypeError('cannot read properties of undefined\nsecond line');

  it('without debug: one line, naming it a bug, with the first line of the message, no stack', () => {
    const text = internalErrorText(err, false);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(text).toMatch(
      /^synack: internal error \(a bug in synack, please report it at https:\/\/\S+\): TypeError: cannot read properties of undefined — run again with --debug or SYNACK_DEBUG=1/,
    );
    expect(text).not.toMatch(/ {4}at /);
  });

  it('with debug: the same line, then the stack', () => {
    const text = internalErrorText(err, true);
    expect(text.split('\n')[0]).toMatch(
      /^synack: internal error .*TypeError: cannot read properties of undefined$/,
    );
    expect(text).toMatch(/\n {4}at /);
  });

  it('a thrown non-Error and a huge message stay one bounded line', () => {
    expect(internalErrorText('plain string', false)).toMatch(/: plain string — run again/);
    expect(internalErrorText(new Error('x'.repeat(10_000)), false).length).toBeLessThan(600);
  });
});
