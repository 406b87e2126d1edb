/**
 * Syscall lines: `connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)`,
 * `+0...0.2 accept(3, ..., ...) = 4`. The errno and the note are optional (packetdrill insists on a
 * note after an errno; accepting it without one changes no script's meaning).
 */
import type { SyscallEvent, TimeSpec } from './ast.js';
import { ExpressionParser } from './expression.js';
import type { TokenStream } from './stream.js';

interface SyscallHead {
  line: number;
  column: number;
  time: TimeSpec;
  blockingUntil?: number;
}

export function parseSyscall(stream: TokenStream, head: SyscallHead): SyscallEvent {
  const name = stream.next().text;
  const expressions = new ExpressionParser(stream);
  const args = expressions.list('(', ')', `to close the arguments of ${name}(`);
  stream.expectPunct('=', `and the expected result after ${name}(…)`);
  const result = expressions.result();
  const errno = stream.peek().kind === 'word' ? stream.next().text : undefined;
  const note = stream.isPunct('(') ? parseNote(stream) : undefined;
  return {
    type: 'syscall',
    ...head,
    name,
    args,
    result,
    ...(errno === undefined ? {} : { errno }),
    ...(note === undefined ? {} : { note }),
  };
}

/** `(free text)` up to the first ')', kept as written. */
function parseNote(stream: TokenStream): string {
  const open = stream.next();
  const words: string[] = [];
  for (;;) {
    const t = stream.next();
    if (t.kind === 'eof') stream.error(open, "unterminated note: no ')' after '('");
    if (t.kind === 'punct' && t.text === ')') {
      // Tokens from one -D value share the position of the word they replace: no text to slice.
      return open.end <= t.start ? stream.slice(open.end, t.start).trim() : words.join(' ');
    }
    words.push(t.text);
  }
}
