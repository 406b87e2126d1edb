/**
 * Syscall arguments and return values: `...`, integers, symbols (`SOCK_STREAM`), strings (`"cubic"`,
 * `"abc"...`), `a|b`, arrays `[1]`, structs `{onoff=1, linger=0}`, calls `htons(8080)`, and inside
 * argument lists and structs `name=value` (`fd=3`, `msg_iov(1)=[{..., 1000}]`).
 */
import type { Expr } from './ast.js';
import { integerValue } from './numbers.js';
import type { TokenStream } from './stream.js';

/** Deep enough for any real script; stops `[[[[…` from exhausting the stack. */
const MAX_NESTING = 64;

export class ExpressionParser {
  private depth = 0;
  /** False while reading a syscall's result, where `EINPROGRESS (note)` is a symbol and a note. */
  private callsAllowed = true;

  constructor(private readonly stream: TokenStream) {}

  /** An argument or struct field: an expression, optionally `= value`. */
  argument(): Expr {
    const target = this.expression();
    if (!this.stream.eatPunct('=')) return target;
    return { kind: 'assign', target, value: this.nested(() => this.argument()) };
  }

  /** A syscall's expected result: an expression without calls (`= -1`, `= 1|2`, `= EAGAIN (note)`). */
  result(): Expr {
    this.callsAllowed = false;
    try {
      return this.expression();
    } finally {
      this.callsAllowed = true;
    }
  }

  /** `a | b | c` (flags such as `O_RDWR|O_NONBLOCK`). */
  expression(): Expr {
    const operands = [this.primary()];
    while (this.stream.eatPunct('|')) operands.push(this.primary());
    return operands.length === 1 ? operands[0] : { kind: 'or', operands };
  }

  /** `open item, item … close`, possibly empty. */
  list(open: string, close: string, context: string): Expr[] {
    const s = this.stream;
    s.expectPunct(open, context);
    const items: Expr[] = [];
    if (s.eatPunct(close)) return items;
    this.nested(() => {
      do items.push(this.argument());
      while (s.eatPunct(','));
    });
    s.expectPunct(close, `or ',' ${context}`);
    return items;
  }

  private primary(): Expr {
    const s = this.stream;
    const t = s.peek();
    switch (t.kind) {
      case 'ellipsis':
        s.next();
        return { kind: 'ellipsis' };
      case 'int':
      case 'hex':
        s.next();
        return { kind: 'int', value: integerValue(s, t), text: t.text };
      case 'string': {
        s.next();
        // `"abc"...`: the buffer starts with these bytes.
        const truncated = s.peek().kind === 'ellipsis';
        if (truncated) s.next();
        return { kind: 'string', value: t.body ?? '', truncated };
      }
      case 'word':
        s.next();
        if (!s.isPunct('(') || !this.callsAllowed) return { kind: 'symbol', name: t.text };
        return {
          kind: 'call',
          name: t.text,
          args: this.list('(', ')', `to close the arguments of ${t.text}(`),
        };
      default:
        if (s.isPunct('[')) return { kind: 'array', items: this.list('[', ']', 'to close the array') };
        if (s.isPunct('{')) return { kind: 'struct', fields: this.list('{', '}', 'to close the struct') };
        return s.fail(t, 'expected an expression (a number, a symbol, "string", [array], {struct} or ...)');
    }
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) this.stream.error(this.stream.peek(), 'expression nested too deeply');
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }
}
