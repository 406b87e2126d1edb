/**
 * The TCP option list of a packet line: `<mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>`, `<sack 1:2
 * 3:4>`, `<FO abcd1234>`, or `<...>` (any options). Sizes follow RFC 9293 §3.2 (MSS, NOP, EOL),
 * RFC 7323 (window scale, timestamps), RFC 2018 (SACK) and RFC 7413 (Fast Open), so that an option
 * list a real stack could not send (its length not a multiple of 4, or over 40 bytes) is an error,
 * as in packetdrill.
 */
import type { SourcePos, TcpOption } from './ast.js';
import type { Token } from './lexer.js';
import { integerInRange, UINT32_LIMIT } from './numbers.js';
import type { TokenStream } from './stream.js';

/** RFC 9293 §3.1: the data offset is 4 bits of 32-bit words, so at most 40 bytes of options. */
const MAX_OPTION_BYTES = 40;

export function parseTcpOptions(stream: TokenStream): readonly TcpOption[] | 'wildcard' {
  const open = stream.expectPunct('<', 'to open the TCP options');
  if (stream.peek().kind === 'ellipsis') {
    stream.next();
    stream.expectPunct('>', 'after <...');
    return 'wildcard';
  }
  const options: TcpOption[] = [];
  do options.push(parseOption(stream));
  while (stream.eatPunct(','));
  stream.expectPunct('>', "or ',' in the TCP options");
  checkOptionLength(stream, open, options);
  return options;
}

function parseOption(stream: TokenStream): TcpOption {
  const name = stream.expectKind(['word'], 'a TCP option (mss, sackOK, TS, nop, wscale, sack, eol, FO)');
  const at: SourcePos = { line: name.line, column: name.column };
  switch (name.text) {
    case 'nop':
    case 'eol':
    case 'sackOK':
      return { ...at, kind: name.text };
    case 'mss':
      return { ...at, kind: 'mss', value: integerInRange(stream, 'MSS', 0, 0xffff) };
    case 'wscale':
      return { ...at, kind: 'wscale', value: integerInRange(stream, 'window scale', 0, 0xff) };
    case 'sack':
      return { ...at, kind: 'sack', blocks: parseSackBlocks(stream) };
    case 'TS': {
      stream.expectWord('val', 'after TS');
      const val = integerInRange(stream, 'TS val', 0, UINT32_LIMIT - 1);
      stream.expectWord('ecr', 'after TS val N');
      return { ...at, kind: 'timestamp', val, ecr: integerInRange(stream, 'TS ecr', 0, UINT32_LIMIT - 1) };
    }
    case 'FO': {
      const cookie = ['word', 'int', 'hex'].includes(stream.peek().kind) ? stream.next().text : undefined;
      return { ...at, kind: 'fastopen', ...(cookie === undefined ? {} : { cookie }) };
    }
    default:
      return { ...at, kind: 'other', name: name.text, text: skipUnknownOption(stream, name) };
  }
}

/** `sack 1:2 3:4` — RFC 2018 §3: left edge, right edge (relative sequence numbers). */
function parseSackBlocks(stream: TokenStream): { start: number; end: number }[] {
  const blocks: { start: number; end: number }[] = [];
  while (stream.peek().kind === 'int') {
    const start = integerInRange(stream, 'SACK block start', 0, UINT32_LIMIT - 1);
    stream.expectPunct(':', 'in a SACK block start:end');
    blocks.push({ start, end: integerInRange(stream, 'SACK block end', 0, UINT32_LIMIT - 1) });
  }
  return blocks;
}

/** An option this parser does not model: everything up to the next ',' or '>' outside brackets. */
function skipUnknownOption(stream: TokenStream, name: Token): string {
  let depth = 0;
  let end = name.end;
  for (;;) {
    const t = stream.peek();
    if (t.kind === 'eof') stream.fail(t, "expected '>' to close the TCP options");
    if (depth === 0 && t.kind === 'punct' && (t.text === ',' || t.text === '>')) break;
    if (t.kind === 'punct' && '([{'.includes(t.text)) depth++;
    if (t.kind === 'punct' && ')]}'.includes(t.text)) depth = Math.max(0, depth - 1);
    end = stream.next().end;
  }
  return stream.slice(name.start, end);
}

/** Bytes on the wire, or undefined for an option whose size this parser does not know. */
function optionBytes(option: TcpOption): number | undefined {
  switch (option.kind) {
    case 'nop':
    case 'eol':
      return 1;
    case 'sackOK':
      return 2;
    case 'wscale':
      return 3;
    case 'mss':
      return 4;
    case 'timestamp':
      return 10;
    case 'sack':
      return 2 + 8 * option.blocks.length;
    case 'fastopen':
      // RFC 7413 §4.1.1: kind, length, then the cookie (written in hex, two digits a byte).
      return 2 + Math.ceil((option.cookie?.length ?? 0) / 2);
    default:
      return undefined;
  }
}

function checkOptionLength(stream: TokenStream, open: Token, options: readonly TcpOption[]): void {
  let total = 0;
  for (const option of options) {
    const bytes = optionBytes(option);
    if (bytes === undefined) return;
    total += bytes;
  }
  if (total > MAX_OPTION_BYTES) stream.error(open, `TCP options take ${total} bytes, more than 40`);
  if (total % 4 !== 0)
    stream.error(open, `TCP options take ${total} bytes, not a multiple of 4 (pad with nop or eol)`);
}
