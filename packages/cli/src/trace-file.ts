/**
 * Reading a recorded synack trace (`synack run --format jsonl`, `--trace FILE`) back in for
 * `synack inspect --trace`: every line is checked against the trace contract
 * (packages/network/README.md, "Trace schema"; the TraceEvent type in @synack/network) so a
 * truncated, hand-edited or foreign file fails with one line naming the line and the problem
 * instead of a page that silently shows nothing.
 */
import { readFileSync, statSync } from 'node:fs';
import { Flag } from '@synack/core';
import type { TraceEvent } from '@synack/network';
import { LANGS, type Lang } from './explain/index.js';
import { InputError } from './schema.js';

/** Largest trace file read (bytes): a trace this big is far past what a page can show. */
export const MAX_TRACE_BYTES = 512 * 1024 * 1024;
/** Largest time in a trace (virtual ms): the simulator's own limit is far below (a year). */
const MAX_TRACE_TIME = 365 * 24 * 3600 * 1000;
const SEGMENT_KINDS = new Set(['send', 'deliver', 'drop', 'duplicate']);
const OTHER_KINDS = new Set(['state', 'timer', 'cc', 'app', 'summary', 'meta', 'explain']);
const FLAG_NAMES = new Set(Object.keys(Flag));

/** A narration line (`synack run --explain --format jsonl`), kept apart from the trace events. */
export interface RecordedExplain {
  t: number;
  kind: 'explain';
  endpoint: '*';
  lang: Lang;
  text: string;
  ref: number;
}

/** The meta line (first line of `--format jsonl`), when the trace has one. */
export interface RecordedTrace {
  meta?: { profile?: string; seed?: number };
  events: TraceEvent[];
  /** The narration lines the file carried, in file order. */
  explain: RecordedExplain[];
}

type Json = Record<string, unknown>;

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isUint = (v: unknown, max: number) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

/** Why a segment object breaks the contract, or undefined when it is fine. */
function segmentProblem(seg: unknown): string | undefined {
  if (typeof seg !== 'object' || seg === null || Array.isArray(seg)) return '"seg" must be an object';
  const s = seg as Json;
  for (const port of ['srcPort', 'dstPort'] as const) {
    if (!isUint(s[port], 65_535)) return `"seg.${port}" must be an integer in [0, 65535]`;
  }
  for (const n of ['seq', 'ack'] as const) {
    if (!isUint(s[n], 0xffff_ffff)) return `"seg.${n}" must be an integer in [0, 4294967295]`;
  }
  if (!isUint(s.len, 0xffff_ffff)) return '"seg.len" must be a non-negative integer';
  if (!isUint(s.win, 0xffff_ffff)) return '"seg.win" must be a non-negative integer';
  if (!Array.isArray(s.flags) || s.flags.some((f) => !FLAG_NAMES.has(f as string))) {
    return `"seg.flags" must be an array of ${[...FLAG_NAMES].join(', ')}`;
  }
  return undefined;
}

/** Why one parsed line breaks the contract (kind-specific required fields), or undefined. */
export function traceEventProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const e = value as Json;
  if (typeof e.t !== 'number' || !Number.isFinite(e.t) || e.t < 0 || e.t > MAX_TRACE_TIME) {
    return `"t" must be a number of virtual ms in [0, ${MAX_TRACE_TIME}]`;
  }
  if (!isString(e.endpoint)) return '"endpoint" must be a non-empty string';
  const kind = e.kind;
  if (typeof kind !== 'string' || !(SEGMENT_KINDS.has(kind) || OTHER_KINDS.has(kind))) {
    return `unknown "kind" ${JSON.stringify(kind)} (expected ${[...SEGMENT_KINDS, ...OTHER_KINDS].join(', ')})`;
  }
  if (SEGMENT_KINDS.has(kind)) {
    for (const f of ['from', 'to'] as const) if (!isString(e[f])) return `${kind}: "${f}" must be a string`;
    if (!Number.isInteger(e.id)) return `${kind}: "id" must be an integer`;
    const problem = segmentProblem(e.seg);
    return problem ? `${kind}: ${problem}` : undefined;
  }
  switch (kind) {
    case 'state':
      for (const f of ['conn', 'from', 'to'] as const)
        if (!isString(e[f])) return `state: "${f}" must be a string`;
      return undefined;
    case 'timer':
      if (!isString(e.conn) || !isString(e.timer)) return 'timer: "conn" and "timer" must be strings';
      return undefined;
    case 'cc':
      for (const f of ['cwnd', 'ssthresh', 'inFlight'] as const) {
        if (typeof e[f] !== 'number' || !Number.isFinite(e[f])) return `cc: "${f}" must be a number`;
      }
      return undefined;
    case 'app':
      return isString(e.event) ? undefined : 'app: "event" must be a string';
    case 'explain':
      if (!isString(e.text)) return 'explain: "text" must be a string';
      if (!LANGS.includes(e.lang as Lang)) return `explain: "lang" must be one of ${LANGS.join(', ')}`;
      if (!isUint(e.ref, Number.MAX_SAFE_INTEGER)) return 'explain: "ref" must be a non-negative integer';
      return undefined;
    case 'summary':
      if (typeof e.ok !== 'boolean') return 'summary: "ok" must be a boolean';
      if (typeof e.final !== 'object' || e.final === null) return 'summary: "final" must be an object';
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Parses JSON Lines text into a trace, or throws an InputError naming the first bad line
 * (1-based, as an editor numbers it). Times must not go backwards: a trace is in time order.
 */
export function parseRecordedTrace(text: string, name: string): RecordedTrace {
  const trace: RecordedTrace = { events: [], explain: [] };
  const lines = text.split('\n');
  let lastT = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(`${name}: line ${i + 1}: not valid JSON`);
    }
    const problem = traceEventProblem(value);
    if (problem) throw new InputError(`${name}: line ${i + 1}: ${problem}`);
    const event = value as { t: number; kind: string };
    if (event.t < lastT)
      throw new InputError(`${name}: line ${i + 1}: time ${event.t} goes back (after ${lastT})`);
    lastT = event.t;
    if (event.kind === 'meta') trace.meta = value as RecordedTrace['meta'];
    else if (event.kind === 'explain') trace.explain.push(value as RecordedExplain);
    else trace.events.push(value as TraceEvent);
  }
  if (trace.events.length === 0) throw new InputError(`${name}: no trace events`);
  return trace;
}

/** Reads and validates a trace file (bounded size; a missing file is a usage error). */
export function readRecordedTrace(path: string): RecordedTrace {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new InputError(`--trace ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size > MAX_TRACE_BYTES) {
    throw new InputError(`--trace ${path}: ${size} bytes is over the ${MAX_TRACE_BYTES}-byte limit`);
  }
  return parseRecordedTrace(readFileSync(path, 'utf8'), path);
}
