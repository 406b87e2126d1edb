/** Number tokens to values, exactly (no floating-point detour for times). */
import type { Token } from './lexer.js';
import type { TokenStream } from './stream.js';

export const UINT32_LIMIT = 2 ** 32;

/** `0.100` → 100000 µs, `.1` → 100000, `2` → 2000000; digits beyond the microsecond are rounded. */
export function secondsTextToUsecs(text: string): number {
  const [whole, fraction = ''] = text.split('.');
  const micros = (fraction + '000000').slice(0, 6);
  const roundUp = (fraction[6] ?? '0') >= '5' ? 1 : 0;
  return Number(whole || '0') * 1_000_000 + Number(micros) + roundUp;
}

/** The value of an `int` or `hex` token; an error if it is not a safe integer. */
export function integerValue(stream: TokenStream, token: Token): number {
  const value = token.kind === 'hex' ? Number.parseInt(token.text.slice(2), 16) : Number(token.text);
  if (!Number.isSafeInteger(value)) stream.error(token, `number ${token.text} is too large`);
  return value;
}

/** Reads an integer token and checks it lies in [min, max]. */
export function integerInRange(stream: TokenStream, what: string, min: number, max: number): number {
  const token = stream.expectKind(['int', 'hex'], what);
  const value = integerValue(stream, token);
  if (value < min || value > max)
    stream.error(token, `${what} ${token.text} is out of range (${min}…${max})`);
  return value;
}
