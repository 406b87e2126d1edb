/**
 * Packet lines: `< S 0:0(0) win 32792 <mss 1460>`, `> S. 0:0(0) ack 1 <...>`,
 * `< [ect0] P. 1:1001(1000) ack 1 win 257`, plus `udp (N)` and `icmp TYPE [CODE] [mtu N] [seq]`
 * so that scripts using them still parse.
 */
import type { IcmpPacketEvent, IpInfo, PacketEvent, TcpFlags, TcpPacketEvent, TimeSpec } from './ast.js';
import { parseEncapsulation } from './encapsulation.js';
import type { Token } from './lexer.js';
import { integerInRange, UINT32_LIMIT } from './numbers.js';
import type { TokenStream } from './stream.js';
import { parseTcpOptions } from './tcp-options.js';

const ECN_CODEPOINTS = ['noecn', 'ect0', 'ect1', 'ect01', 'ce'] as const;
type Head = { line: number; column: number; time: TimeSpec; direction: '<' | '>' };

export function parsePacket(
  stream: TokenStream,
  at: { line: number; column: number; time: TimeSpec },
): PacketEvent {
  const direction = stream.next().text as '<' | '>';
  const head: Head = { ...at, direction };
  // `[0:1000(1000)]` / `[udp (N)]` before `icmp` quotes a packet; any other `[…]` is an ECN codepoint.
  if (stream.isPunct('[') && (stream.peek(1).kind === 'int' || stream.isWord('udp', 1))) {
    const echoed = parseSequenceRangeOrUdp(stream);
    stream.expectPunct(']', 'to close the quoted packet');
    return parseIcmp(stream, head, echoed);
  }
  const encapsulation = parseEncapsulation(stream);
  const ipInfo = parseIpInfo(stream);
  if (stream.isWord('udp'))
    return { type: 'packet', protocol: 'udp', ...head, length: parseUdpLength(stream) };
  if (stream.isWord('icmp')) return parseIcmp(stream, head, undefined);
  return parseTcp(stream, head, { encapsulation, ipInfo });
}

function isEcnWord(token: Token): boolean {
  return token.kind === 'word' && (ECN_CODEPOINTS as readonly string[]).includes(token.text);
}

/** `[ect0]` (RFC 3168 ECN codepoint) or `(tos 0x1)`, `(ttl 64)`, `(flowlabel 0x1)`. */
function parseIpInfo(stream: TokenStream): IpInfo | undefined {
  if (stream.eatPunct('[')) {
    const word = stream.next();
    if (!isEcnWord(word)) stream.fail(word, `expected an ECN codepoint (${ECN_CODEPOINTS.join(', ')})`);
    stream.expectPunct(']', 'after the ECN codepoint');
    return { kind: 'ecn', ecn: word.text as (typeof ECN_CODEPOINTS)[number] };
  }
  if (!stream.eatPunct('(')) return undefined;
  const name = stream.expectKind(['word'], 'an IP header field (tos, ttl, flowlabel)').text;
  const value = integerInRange(stream, name, 0, UINT32_LIMIT - 1);
  stream.expectPunct(')', `after the ${name} value`);
  return { kind: 'field', name, value };
}

interface Prefix {
  encapsulation: string[];
  ipInfo: IpInfo | undefined;
}

function parseTcp(stream: TokenStream, head: Head, { encapsulation, ipInfo }: Prefix): TcpPacketEvent {
  const flags = parseFlags(stream);
  const seqToken = stream.peek();
  const seq = parseSequenceRange(stream);
  const ack = afterKeyword(stream, 'ack', () => sequenceNumber(stream, 'ACK number'));
  const win = afterKeyword(stream, 'win', () => integerInRange(stream, 'window', 0, 0xffff));
  const urg = afterKeyword(stream, 'urg', () => integerInRange(stream, 'urgent pointer', 0, 0xffff));
  const options = stream.isPunct('<') ? parseTcpOptions(stream) : undefined;
  if (head.direction === '<' && win === undefined)
    stream.error(seqToken, 'an inbound (<) packet needs its window (win N)');
  return {
    type: 'packet',
    protocol: 'tcp',
    ...head,
    ...(encapsulation.length > 0 ? { encapsulation } : {}),
    ...(ipInfo ? { ipInfo } : {}),
    flags,
    seq,
    ...(ack === undefined ? {} : { ack }),
    ...(win === undefined ? {} : { win }),
    ...(urg === undefined ? {} : { urg }),
    ...(options === undefined ? {} : { options }),
  };
}

/**
 * Flags are the characters written together before the sequence numbers: `S`, `S.`, `.`, `P.`,
 * `F.`, `R`, `SEW`, `-`, with an optional AccECN ACE digit (`P.6`). The lexer cuts `P.6` into `P`
 * and `.6`, so the flags are the run of tokens with no space between them.
 */
function parseFlags(stream: TokenStream): TcpFlags {
  const first = stream.peek();
  const startsFlags =
    first.kind === 'word' ||
    (first.kind === 'float' && first.text.startsWith('.')) ||
    ['.', '-'].includes(first.text);
  if (!startsFlags) stream.fail(first, 'expected TCP flags (S, S., ., P., F., R, …)');
  stream.next();
  let text = first.text;
  let end = first.end;
  while (stream.peek().start === end && ['word', 'punct', 'float', 'int'].includes(stream.peek().kind)) {
    const t = stream.next();
    text += t.text;
    end = t.end;
  }
  // The grammar is token-based, so `F . 1:1(0)` means `F.` too.
  if (/^[A-Z]+$/.test(text) && stream.isPunct('.') && stream.peek(1).kind === 'int')
    text += stream.next().text;
  const m = /^(?:-|([FSRPEWAU]*)(\.?)([0-7]?))$/.exec(text);
  if (!m || text === '')
    stream.error(first, `bad TCP flags '${text}' (write them from F S R P . E W A U, or - for none)`);
  const letters = m[1] ?? '';
  const has = (c: string) => letters.includes(c);
  return {
    text,
    syn: has('S'),
    ack: m[2] === '.',
    fin: has('F'),
    rst: has('R'),
    psh: has('P'),
    ece: has('E'),
    cwr: has('W'),
    urg: has('U'),
    ae: has('A'),
    ...(m[3] ? { ace: Number(m[3]) } : {}),
  };
}

/** `WORD value` if the word is next. */
function afterKeyword<T>(stream: TokenStream, word: string, read: () => T): T | undefined {
  if (!stream.isWord(word)) return undefined;
  stream.next();
  return read();
}

function sequenceNumber(stream: TokenStream, what: string): number {
  return integerInRange(stream, what, 0, UINT32_LIMIT - 1);
}

/** `start:end(len)`: the payload length must match the range (modulo 2^32, RFC 9293 §3.4). */
function parseSequenceRange(stream: TokenStream): { start: number; end: number; len: number } {
  const first = stream.peek();
  if (first.kind !== 'int') stream.fail(first, 'expected the sequence numbers start:end(length)');
  const start = sequenceNumber(stream, 'start sequence number');
  stream.expectPunct(':', 'in start:end(length)');
  const end = sequenceNumber(stream, 'end sequence number');
  stream.expectPunct('(', 'in start:end(length)');
  const len = integerInRange(stream, 'payload length', 0, 0xffff);
  stream.expectPunct(')', 'in start:end(length)');
  if ((end - start + UINT32_LIMIT) % UINT32_LIMIT !== len)
    stream.error(first, `sequence range ${start}:${end} does not hold ${len} bytes`);
  return { start, end, len };
}

/** `udp (len)`; the word `udp` is next. */
function parseUdpLength(stream: TokenStream): number {
  stream.next();
  stream.expectPunct('(', "after 'udp'");
  const length = integerInRange(stream, 'UDP payload length', 0, 0xffff);
  stream.expectPunct(')', 'after the UDP payload length');
  return length;
}

/** `[start:end(len)]` or `[udp (len)]`, the packet an ICMP message quotes; the '[' is next. */
function parseSequenceRangeOrUdp(stream: TokenStream): IcmpPacketEvent['echoed'] {
  stream.next();
  return stream.isWord('udp') ? { udp: parseUdpLength(stream) } : parseSequenceRange(stream);
}

/** `icmp unreachable [frag_needed] [mtu N] [[start:end(len)]]` (RFC 792 types, by name). */
function parseIcmp(
  stream: TokenStream,
  head: Head,
  echoedBefore: IcmpPacketEvent['echoed'],
): IcmpPacketEvent {
  stream.expectWord('icmp', 'after the quoted packet');
  const icmpType = stream.expectKind(['word'], 'an ICMP type (unreachable, echo_request, …)').text;
  const code = stream.peek().kind === 'word' && !stream.isWord('mtu') ? stream.next().text : undefined;
  const mtu = afterKeyword(stream, 'mtu', () => integerInRange(stream, 'MTU', 0, 0xffff));
  let echoed = echoedBefore;
  if (echoed === undefined && stream.isPunct('[')) {
    echoed = parseSequenceRangeOrUdp(stream);
    stream.expectPunct(']', 'to close the quoted packet');
  }
  return {
    type: 'packet',
    protocol: 'icmp',
    ...head,
    icmpType,
    ...(code === undefined ? {} : { code }),
    ...(mtu === undefined ? {} : { mtu }),
    ...(echoed === undefined ? {} : { echoed }),
  };
}
