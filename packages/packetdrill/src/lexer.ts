/**
 * The packetdrill lexer, written from the language's documented lexical structure (packetdrill's
 * Syntax.md): whitespace and `//`, `/* *\/` comments are skipped; `--name` is an option; numbers are
 * integers (`-1`), floats (`.1`, `0.100`), hex (`0xff`) and dotted IPv4 addresses; words are
 * `[A-Za-z0-9_]+`; `"…"` strings, backquoted shell commands and `%{ … }%` code blocks may span lines;
 * any other character is a one-character token. Like a flex scanner it takes the longest match and,
 * on a tie, the earlier rule (a number before a word), so `8080` is a number and `1234abcd` a word.
 */
import type { SourcePos } from './ast.js';
import { ScriptSyntaxError } from './errors.js';

export type TokenKind =
  | 'int'
  | 'hex'
  | 'float'
  | 'ip'
  | 'word'
  | 'string'
  | 'command'
  | 'code'
  | 'option'
  | 'ellipsis'
  | 'punct'
  | 'eof';

export interface Token extends SourcePos {
  readonly kind: TokenKind;
  /** The source text of the token (for `string`, `command`, `code`: including the delimiters). */
  readonly text: string;
  /** For `string`, `command` and `code`: the text between the delimiters. */
  readonly body?: string;
  /** Offsets into the script text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

/** Patterns tried at one position; the longest match wins, ties go to the earliest entry. */
const RULES: readonly { kind: TokenKind; pattern: RegExp }[] = [
  { kind: 'ellipsis', pattern: /\.\.\./y },
  { kind: 'option', pattern: /--[A-Za-z0-9_]+/y },
  { kind: 'float', pattern: /-?[0-9]*\.[0-9]+/y },
  { kind: 'int', pattern: /-?[0-9]+/y },
  { kind: 'hex', pattern: /0x[0-9A-Fa-f]+/y },
  { kind: 'word', pattern: /[A-Za-z0-9_]+/y },
  { kind: 'ip', pattern: /[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/y },
];

/** Delimited tokens: the opening text, the closing text, and what the token is called in errors. */
const DELIMITED: readonly { kind: TokenKind; open: string; close: string; what: string }[] = [
  { kind: 'string', open: '"', close: '"', what: 'string' },
  { kind: 'command', open: '`', close: '`', what: 'backquoted command' },
  { kind: 'code', open: '%{', close: '}%', what: '%{ code block' },
];

export class Lexer {
  private offset = 0;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** 1-based line and column of an offset. */
  positionOf(offset: number): SourcePos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }

  /** The script text between two offsets (used for notes, whose words are kept as written). */
  slice(start: number, end: number): string {
    return this.text.slice(start, end);
  }

  next(): Token {
    this.skipBlanks();
    const start = this.offset;
    if (start >= this.text.length) return this.token('eof', start, start);
    for (const d of DELIMITED) if (this.text.startsWith(d.open, start)) return this.delimited(d, start);
    let best: { kind: TokenKind; end: number } | undefined;
    for (const rule of RULES) {
      rule.pattern.lastIndex = start;
      if (rule.pattern.test(this.text) && (!best || rule.pattern.lastIndex > best.end))
        best = { kind: rule.kind, end: rule.pattern.lastIndex };
    }
    const end = best ? best.end : start + (this.text.codePointAt(start)! > 0xffff ? 2 : 1);
    this.offset = end;
    return this.token(best ? best.kind : 'punct', start, end);
  }

  private token(kind: TokenKind, start: number, end: number, body?: string): Token {
    const text = this.text.slice(start, end);
    return { kind, text, start, end, ...this.positionOf(start), ...(body === undefined ? {} : { body }) };
  }

  /** Skips whitespace (`\r` too, so CRLF scripts read the same) and both comment forms. */
  private skipBlanks(): void {
    const t = this.text;
    for (;;) {
      const c = t[this.offset];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.offset++;
      else if (c === '/' && t[this.offset + 1] === '/') {
        const nl = t.indexOf('\n', this.offset);
        this.offset = nl < 0 ? t.length : nl + 1;
      } else if (c === '/' && t[this.offset + 1] === '*') {
        const close = t.indexOf('*/', this.offset + 2);
        if (close < 0) throw new ScriptSyntaxError(this.positionOf(this.offset), 'unterminated /* comment');
        this.offset = close + 2;
      } else return;
    }
  }

  /** A string or backquoted command (a backslash escapes the next character) or a code block. */
  private delimited(d: (typeof DELIMITED)[number], start: number): Token {
    const t = this.text;
    let i = start + d.open.length;
    const escapes = d.kind !== 'code';
    while (i < t.length && !t.startsWith(d.close, i)) i += escapes && t[i] === '\\' ? 2 : 1;
    if (i >= t.length) throw new ScriptSyntaxError(this.positionOf(start), `unterminated ${d.what}`);
    this.offset = i + d.close.length;
    const inner = t.slice(start + d.open.length, i);
    return this.token(
      d.kind,
      start,
      this.offset,
      d.kind === 'string' ? inner.replace(/\\(.)/gs, '$1') : inner,
    );
  }
}
