/**
 * Tokens for the parser: lookahead over the lexer, `-D NAME=VALUE` substitution, and the small
 * expectation helpers every parsing function uses. A word that names a definition is replaced by the
 * tokens of its value (once: a value is not expanded again, so definitions cannot loop).
 */
import type { SourcePos } from './ast.js';
import { ScriptSyntaxError } from './errors.js';
import { Lexer, type Token, type TokenKind } from './lexer.js';

/** How a token is shown in an error message. */
export function describeToken(token: Token): string {
  if (token.kind === 'eof') return 'the end of the script';
  const text = token.text.length > 20 ? `${token.text.slice(0, 20)}…` : token.text;
  return `'${text.replace(/\n/g, '\\n')}'`;
}

export class TokenStream {
  private readonly buffer: Token[] = [];
  private readonly lexer: Lexer;

  constructor(
    text: string,
    private readonly defines: Readonly<Record<string, string>>,
  ) {
    this.lexer = new Lexer(text);
  }

  peek(ahead = 0): Token {
    while (this.buffer.length <= ahead) this.buffer.push(...this.pull());
    return this.buffer[ahead];
  }

  next(): Token {
    const token = this.peek();
    this.buffer.shift();
    return token;
  }

  /** The script text between two offsets. */
  slice(start: number, end: number): string {
    return this.lexer.slice(start, end);
  }

  isPunct(char: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === char;
  }

  isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'word' && t.text === word;
  }

  /** Consumes the punctuation character if it is next. */
  eatPunct(char: string): boolean {
    if (!this.isPunct(char)) return false;
    this.next();
    return true;
  }

  expectPunct(char: string, context: string): Token {
    if (!this.isPunct(char)) this.fail(this.peek(), `expected '${char}' ${context}`);
    return this.next();
  }

  expectWord(word: string, context: string): Token {
    if (!this.isWord(word)) this.fail(this.peek(), `expected '${word}' ${context}`);
    return this.next();
  }

  expectKind(kinds: readonly TokenKind[], what: string): Token {
    if (!kinds.includes(this.peek().kind)) this.fail(this.peek(), `expected ${what}`);
    return this.next();
  }

  /** Throws "MESSAGE, found TOKEN" at the token. */
  fail(token: Token, message: string): never {
    throw new ScriptSyntaxError(token, `${message}, found ${describeToken(token)}`);
  }

  /** Throws MESSAGE at a position. */
  error(at: SourcePos, message: string): never {
    throw new ScriptSyntaxError(at, message);
  }

  private pull(): Token[] {
    const token = this.lexer.next();
    if (token.kind !== 'word' || !Object.hasOwn(this.defines, token.text)) return [token];
    return this.expand(token, this.defines[token.text]);
  }

  /** The tokens of a definition's value, placed at the word they replace. */
  private expand(word: Token, value: string): Token[] {
    const inner = new Lexer(value);
    const tokens: Token[] = [];
    try {
      for (let t = inner.next(); t.kind !== 'eof'; t = inner.next())
        tokens.push({ ...t, line: word.line, column: word.column, start: word.start, end: word.end });
    } catch (e) {
      const reason = e instanceof ScriptSyntaxError ? e.message : String(e);
      throw new ScriptSyntaxError(word, `in the value of -D ${word.text}: ${reason}`);
    }
    return tokens.length > 0 ? tokens : this.pull();
  }
}
