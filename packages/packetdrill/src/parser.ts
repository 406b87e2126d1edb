/**
 * A hand-written recursive-descent parser for packetdrill scripts, from the language's documented
 * grammar (packetdrill's Syntax.md) and behaviour observed by running packetdrill on sample lines:
 *
 *   script   := option* command? event* command?      (untimed commands only first or last)
 *   option   := --name[=value]
 *   event    := time ['...' end] (packet | syscall | `command` | %{ code }%)
 *   time     := '*' | ['+'] number ['~' ['+'] number]
 *
 * parseScript never throws: any input gives either a Script or one error with its line and column.
 */
import type {
  CodeEvent,
  CommandEvent,
  ParseResult,
  PreambleOption,
  Script,
  ScriptEvent,
  SourcePos,
  TimePoint,
  TimeSpec,
} from './ast.js';
import { ScriptSyntaxError } from './errors.js';
import { secondsTextToUsecs } from './numbers.js';
import { parsePacket } from './packet.js';
import { TokenStream } from './stream.js';
import { parseSyscall } from './syscall.js';

export interface ParseOptions {
  /** `-D NAME=VALUE` definitions: a word NAME in the script reads as VALUE. */
  readonly defines?: Readonly<Record<string, string>>;
}

export function parseScript(text: string, options: ParseOptions = {}): ParseResult {
  const defines = { ...(options.defines ?? {}) };
  try {
    const stream = new TokenStream(String(text), defines);
    const script: Script = { options: parsePreamble(stream), defines, events: parseEvents(stream) };
    return { ok: true, script };
  } catch (e) {
    if (e instanceof ScriptSyntaxError)
      return { ok: false, error: { line: e.line, column: e.column, message: e.message } };
    // A bug in this parser, not in the script: still an answer, never an exception.
    return { ok: false, error: { line: 1, column: 1, message: `internal parser error: ${String(e)}` } };
  }
}

/** `--name=value` and `--flag` lines; a value is the run of tokens written right after '='. */
function parsePreamble(stream: TokenStream): PreambleOption[] {
  const options: PreambleOption[] = [];
  while (stream.peek().kind === 'option') {
    const option = stream.next();
    const name = option.text.slice(2);
    const at = { line: option.line, column: option.column };
    if (!stream.isPunct('=') || stream.peek().start !== option.end) {
      options.push({ ...at, name });
      continue;
    }
    const equals = stream.next();
    let value = '';
    for (let end = equals.end; stream.peek().start === end && stream.peek().kind !== 'eof'; ) {
      const t = stream.next();
      value += t.kind === 'string' ? (t.body ?? '') : t.text;
      end = t.end;
    }
    if (value === '') stream.fail(stream.peek(), `expected a value right after --${name}=`);
    options.push({ ...at, name, value });
  }
  return options;
}

function parseEvents(stream: TokenStream): ScriptEvent[] {
  const events: ScriptEvent[] = [];
  while (stream.peek().kind !== 'eof') {
    const t = stream.peek();
    if (t.kind === 'command') {
      const untimedAllowed = events.length === 0 || stream.peek(1).kind === 'eof';
      if (!untimedAllowed)
        stream.error(t, 'a shell command between events needs a time (for example +0 `…`)');
      stream.next();
      const at = { line: t.line, column: t.column };
      events.push({ type: 'command', ...at, command: t.body ?? '', bodyAt: at });
      continue;
    }
    if (t.kind === 'option') stream.error(t, `option ${t.text} must come before the first event`);
    events.push(parseEvent(stream));
  }
  return events;
}

function parseEvent(stream: TokenStream): ScriptEvent {
  const first = stream.peek();
  const at: SourcePos = { line: first.line, column: first.column };
  const time = parseTime(stream);
  let blockingUntil: number | undefined;
  if (stream.peek().kind === 'ellipsis') {
    stream.next();
    blockingUntil = timeNumber(stream, 'the time the blocking call returns (…T)');
  }
  const t = stream.peek();
  const isSyscall = t.kind === 'word' && stream.isPunct('(', 1);
  if (blockingUntil !== undefined && !isSyscall)
    stream.fail(t, 'expected a syscall after a blocking time (...T)');
  // As packetdrill: "event time range can only be used with outbound packets" (and so can '*').
  if (time.kind !== 'absolute' && time.kind !== 'relative' && !(t.kind === 'punct' && t.text === '>'))
    stream.error(at, `a time range or * is only allowed on outbound (>) packets`);
  if (isSyscall)
    return parseSyscall(stream, { ...at, time, ...(blockingUntil === undefined ? {} : { blockingUntil }) });
  if (t.kind === 'punct' && (t.text === '<' || t.text === '>')) return parsePacket(stream, { ...at, time });
  if (t.kind === 'command') return timedBlock(stream, 'command', at, time);
  if (t.kind === 'code') return timedBlock(stream, 'code', at, time);
  return stream.fail(
    t,
    "expected a packet ('<' or '>'), a syscall, a `command` or a %{ code }% block after the time",
  );
}

function timedBlock(stream: TokenStream, type: 'command', at: SourcePos, time: TimeSpec): CommandEvent;
function timedBlock(stream: TokenStream, type: 'code', at: SourcePos, time: TimeSpec): CodeEvent;
function timedBlock(
  stream: TokenStream,
  type: 'command' | 'code',
  at: SourcePos,
  time: TimeSpec,
): CommandEvent | CodeEvent {
  const block = stream.next();
  const body = block.body ?? '';
  const bodyAt = { line: block.line, column: block.column };
  return type === 'command'
    ? { type, ...at, time, command: body, bodyAt }
    : { type, ...at, time, code: body, bodyAt };
}

/** `0.1`, `+.1`, `*`, `1~2`, `+1~+2` (packetdrill's event_time). */
function parseTime(stream: TokenStream): TimeSpec {
  if (stream.eatPunct('*')) return { kind: 'any' };
  const start = timePoint(stream);
  if (!stream.isPunct('~'))
    return start.relative
      ? { kind: 'relative', usecs: start.usecs }
      : { kind: 'absolute', usecs: start.usecs };
  const tilde = stream.next();
  const end = timePoint(stream);
  if (start.relative !== end.relative) stream.error(tilde, 'a time range is written a~b or +a~+b');
  if (end.usecs < start.usecs) stream.error(tilde, 'a time range must not end before it starts');
  return { kind: 'range', start, end };
}

function timePoint(stream: TokenStream): TimePoint {
  const relative = stream.eatPunct('+');
  return { relative, usecs: timeNumber(stream, 'a time (0, +0.1, *, 1~2)') };
}

/** Seconds written as an integer or decimal (never negative), in microseconds. */
function timeNumber(stream: TokenStream, what: string): number {
  const token = stream.peek();
  if ((token.kind !== 'int' && token.kind !== 'float') || token.text.startsWith('-'))
    stream.fail(token, `expected ${what}`);
  stream.next();
  const usecs = secondsTextToUsecs(token.text);
  if (!Number.isSafeInteger(usecs)) stream.error(token, `time ${token.text} is too large`);
  return usecs;
}
