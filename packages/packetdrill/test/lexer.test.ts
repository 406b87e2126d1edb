/** The lexer: longest match with flex's rule order, delimited tokens, comments, positions. */
import { describe, expect, it } from 'vitest';
import { ScriptSyntaxError } from '../src/errors.js';
import { Lexer, type Token } from '../src/lexer.js';

function tokens(text: string): Token[] {
  const lexer = new Lexer(text);
  const out: Token[] = [];
  for (let t = lexer.next(); t.kind !== 'eof'; t = lexer.next()) out.push(t);
  return out;
}

const kinds = (text: string) => tokens(text).map((t) => `${t.kind}:${t.text}`);

describe('numbers and words', () => {
  it('reads integers, negative integers, floats, hex and IPv4 addresses', () => {
    expect(kinds('3 -1 0.100 .1 0xffffffff 192.0.2.1')).toEqual([
      'int:3',
      'int:-1',
      'float:0.100',
      'float:.1',
      'hex:0xffffffff',
      'ip:192.0.2.1',
    ]);
  });

  it('prefers a number on a tie and a word when the word is longer (flex longest match)', () => {
    expect(kinds('8080 1234abcd abcd1234 SOCK_STREAM')).toEqual([
      'int:8080',
      'word:1234abcd',
      'word:abcd1234',
      'word:SOCK_STREAM',
    ]);
  });

  it('splits a blocking time: +.1...0.200 and 0...30', () => {
    expect(kinds('+.1...0.200')).toEqual(['punct:+', 'float:.1', 'ellipsis:...', 'float:0.200']);
    expect(kinds('0...30')).toEqual(['int:0', 'ellipsis:...', 'int:30']);
  });

  it('reads --options and the flags of a packet as separate pieces', () => {
    expect(kinds('--tolerance_usecs=10000')).toEqual(['option:--tolerance_usecs', 'punct:=', 'int:10000']);
    expect(kinds('S. P.6')).toEqual(['word:S', 'punct:.', 'word:P', 'float:.6']);
  });
});

describe('delimited tokens', () => {
  it('reads strings with escapes, commands and code blocks across lines', () => {
    const [str, cmd, code] = tokens('"a\\"b" `echo 1\necho 2` %{ assert x == 1\n}%');
    expect(str).toMatchObject({ kind: 'string', body: 'a"b' });
    expect(cmd).toMatchObject({ kind: 'command', body: 'echo 1\necho 2' });
    expect(code).toMatchObject({ kind: 'code', body: ' assert x == 1\n' });
  });

  it('keeps a backslash-escaped backquote inside a command', () => {
    expect(tokens('`echo \\` x`')[0].body).toBe('echo \\` x');
  });

  it.each([
    ['"abc', 'unterminated string'],
    ['`abc', 'unterminated backquoted command'],
    ['%{ abc }', 'unterminated %{ code block'],
    ['/* abc', 'unterminated /* comment'],
  ])('reports %s as %s at its start', (text, message) => {
    let error: unknown;
    try {
      new Lexer(`\n  ${text}`).next();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScriptSyntaxError);
    expect(error).toMatchObject({ line: 2, column: 3, message });
  });
});

describe('blanks and positions', () => {
  it('skips both comment forms, CR and tabs', () => {
    expect(kinds('// one\r\n/* two\n three */\t+0 // four')).toEqual(['punct:+', 'int:0']);
  });

  it('gives 1-based line and column', () => {
    const t = tokens('0 socket\n  +0 close');
    expect(t.map((x) => [x.text, x.line, x.column])).toEqual([
      ['0', 1, 1],
      ['socket', 1, 3],
      ['+', 2, 3],
      ['0', 2, 4],
      ['close', 2, 6],
    ]);
  });

  it('makes any other character a one-character token, astral characters whole', () => {
    expect(kinds('§ 😀')).toEqual(['punct:§', 'punct:😀']);
  });
});
