/** Reading syscall argument expressions: integers, Linux symbols, `a|b`, `[n]`, `{field=value}`. */
import type { Expr } from '../ast.js';

/** The Linux values of the symbols a script may pass or expect (include/uapi, asm-generic). */
export const SYMBOL_VALUES: Readonly<Record<string, number>> = {
  AF_INET: 2,
  SOCK_STREAM: 1,
  SOCK_NONBLOCK: 0o4000,
  IPPROTO_TCP: 6,
  SOL_SOCKET: 1,
  SOL_TCP: 6,
  SO_REUSEADDR: 2,
  SO_ERROR: 4,
  SO_LINGER: 13,
  SO_KEEPALIVE: 9,
  TCP_KEEPIDLE: 4,
  TCP_KEEPINTVL: 5,
  TCP_KEEPCNT: 6,
  TCP_NODELAY: 1,
  TCP_MAXSEG: 2,
  TCP_CORK: 3,
  TCP_USER_TIMEOUT: 18,
  TCP_CONGESTION: 13,
  F_GETFL: 3,
  F_SETFL: 4,
  O_RDWR: 2,
  O_NONBLOCK: 0o4000,
  SHUT_RD: 0,
  SHUT_WR: 1,
  SHUT_RDWR: 2,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  MSG_MORE: 0x8000,
  POLLIN: 0x1,
  POLLOUT: 0x4,
  POLLERR: 0x8,
  POLLHUP: 0x10,
  POLLRDNORM: 0x40,
  POLLWRNORM: 0x100,
  POLLRDHUP: 0x2000,
};

/** An integer value, or undefined for `...` and anything that is not one. */
export function intOf(expr: Expr | undefined): number | undefined {
  if (!expr) return undefined;
  switch (expr.kind) {
    case 'int':
      return expr.value;
    case 'symbol':
      return Object.hasOwn(SYMBOL_VALUES, expr.name) ? SYMBOL_VALUES[expr.name] : undefined;
    case 'or': {
      let value = 0;
      for (const operand of expr.operands) {
        const v = intOf(operand);
        if (v === undefined) return undefined;
        value |= v;
      }
      return value;
    }
    case 'array':
      return expr.items.length === 1 ? intOf(expr.items[0]) : undefined;
    default:
      return undefined;
  }
}

/** The symbol names in an argument (`O_RDWR|O_NONBLOCK` → both). */
export function symbolsOf(expr: Expr | undefined): string[] {
  if (!expr) return [];
  if (expr.kind === 'symbol') return [expr.name];
  if (expr.kind === 'or') return expr.operands.flatMap(symbolsOf);
  return [];
}

/** `{onoff=1, linger=0}` → {onoff: 1, linger: 0}; positional fields get their index as name. */
export function structOf(expr: Expr | undefined): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  if (expr?.kind !== 'struct') return out;
  expr.fields.forEach((field, index) => {
    if (field.kind === 'assign' && field.target.kind === 'symbol')
      out[field.target.name] = intOf(field.value);
    else out[String(index)] = intOf(field);
  });
  return out;
}

/** The elements of an array argument (`[{…}, {…}]`). */
export function itemsOf(expr: Expr | undefined): readonly Expr[] {
  return expr?.kind === 'array' ? expr.items : [];
}
