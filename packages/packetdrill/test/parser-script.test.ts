/** Whole scripts: preamble options, untimed commands, code blocks, -D definitions, errors. */
import { describe, expect, it } from 'vitest';
import { formatScriptError } from '../src/errors.js';
import { parseScript } from '../src/parser.js';
import { parseError, parseOk, SOCKET } from './helpers.js';

describe('preamble options', () => {
  it('reads --name=value with numbers, words, strings, addresses and bare flags', () => {
    const script = parseOk(
      '--tolerance_usecs=10000\n--ip_version=ipv4-mapped-ipv6\n--code_command="python3 -c x"\n--local_ip=192.168.0.1 --strict_segments\n' +
        SOCKET,
    );
    expect(script.options).toEqual([
      { name: 'tolerance_usecs', value: '10000', line: 1, column: 1 },
      { name: 'ip_version', value: 'ipv4-mapped-ipv6', line: 2, column: 1 },
      { name: 'code_command', value: 'python3 -c x', line: 3, column: 1 },
      { name: 'local_ip', value: '192.168.0.1', line: 4, column: 1 },
      { name: 'strict_segments', line: 4, column: 24 },
    ]);
  });

  it('rejects an option after the first event', () => {
    expect(parseError(`${SOCKET}--mss=1000\n`)).toMatchObject({
      line: 2,
      message: 'option --mss must come before the first event',
    });
  });

  it('rejects --name= without a value', () => {
    expect(parseError('--mss= \n0 close(3) = 0').message).toMatch(/^expected a value right after --mss=/);
  });
});

describe('commands and code blocks', () => {
  it('allows an untimed command first and last, with the positions of their backquotes', () => {
    const script = parseOk('`../common/defaults.sh`\n0 close(3) = 0\n+0 `echo mid`\n`/tmp/restore.sh`\n');
    expect(script.events).toMatchObject([
      { type: 'command', command: '../common/defaults.sh', bodyAt: { line: 1, column: 1 } },
      { type: 'syscall' },
      {
        type: 'command',
        command: 'echo mid',
        time: { kind: 'relative', usecs: 0 },
        bodyAt: { line: 3, column: 4 },
      },
      { type: 'command', command: '/tmp/restore.sh', line: 4 },
    ]);
    expect(script.events[0]).not.toHaveProperty('time');
  });

  it('rejects an untimed command between events (as packetdrill does)', () => {
    expect(parseError('0 close(3) = 0\n`echo`\n+0 close(3) = 0')).toMatchObject({
      line: 2,
      column: 1,
      message: 'a shell command between events needs a time (for example +0 `…`)',
    });
  });

  it('rejects two untimed commands before the first event', () => {
    expect(parseError('`a`\n`b`\n0 close(3) = 0').line).toBe(2);
  });

  it('reads a code block with its time and position', () => {
    const script = parseOk(`${SOCKET}+0 %{\nassert tcpi_snd_cwnd == 10\n}%`);
    expect(script.events[1]).toMatchObject({
      type: 'code',
      code: '\nassert tcpi_snd_cwnd == 10\n',
      bodyAt: { line: 2, column: 4 },
    });
  });
});

describe('-D definitions', () => {
  it('replaces a word by the tokens of its value', () => {
    const script = parseOk(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = FD\n+0 setsockopt(FD, LEVEL, SO_REUSEADDR, [1], 4) = 0',
      {
        defines: { FD: '3', LEVEL: 'SOL_SOCKET' },
      },
    );
    expect(script.events[0]).toMatchObject({ result: { kind: 'int', value: 3 } });
    expect(script.events[1]).toMatchObject({ args: [{ value: 3 }, { name: 'SOL_SOCKET' }, {}, {}, {}] });
    expect(script.defines).toEqual({ FD: '3', LEVEL: 'SOL_SOCKET' });
  });

  it('expands a value into several tokens, once (no recursive expansion)', () => {
    const script = parseOk('0 close(3) = RESULT', { defines: { RESULT: '-1 EBADF (gone)', EBADF: 'nope' } });
    expect(script.events[0]).toMatchObject({ result: { value: -1 }, errno: 'EBADF', note: 'gone' });
  });

  it('only replaces names that were defined (not Object.prototype members)', () => {
    expect(parseOk('0 close(3) = constructor').events[0]).toMatchObject({
      result: { kind: 'symbol', name: 'constructor' },
    });
  });

  it('reports a value that does not lex at the word that uses it', () => {
    expect(parseError('0 close(3) = X', { defines: { X: '"unterminated' } })).toMatchObject({
      line: 1,
      column: 14,
      message: 'in the value of -D X: unterminated string',
    });
  });
});

describe('errors', () => {
  it('names line and column of the offending token', () => {
    const result = parseScript(`${SOCKET}\n  +0 bogus 3\n`);
    expect(result).toEqual({
      ok: false,
      error: {
        line: 3,
        column: 6,
        message:
          "expected a packet ('<' or '>'), a syscall, a `command` or a %{ code }% block after the time, found 'bogus'",
      },
    });
    if (!result.ok)
      expect(formatScriptError('x.pkt', result.error)).toMatch(/^x\.pkt:3:6: expected a packet/);
  });

  it('reports the end of the script by name', () => {
    expect(parseError('0 close(3').message).toMatch(/found the end of the script$/);
  });

  it('accepts an empty script and one with only comments', () => {
    expect(parseOk('').events).toEqual([]);
    expect(parseOk('// nothing\n/* here */\n').events).toEqual([]);
  });

  it('never throws, even on a non-string', () => {
    expect(parseScript(undefined as unknown as string).ok).toBe(false);
  });
});
