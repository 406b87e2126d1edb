/**
 * Expectations a scenario declares about its own run, checked against the
 * trace. Declarative (so scenario files can state them too); a failed
 * expectation makes `synack run` exit 1.
 */
import type { TraceEvent } from '@synack/network';

type SegmentEvent = Extract<TraceEvent, { kind: 'send' | 'deliver' | 'drop' | 'duplicate' }>;

export interface CountRange {
  min?: number;
  max?: number;
}

export interface Expectations {
  /** The run itself must succeed (default true). */
  ok?: boolean;
  /** Exact final state lists per endpoint (order of connection creation). */
  final?: Record<string, string[]>;
  /** Some connection of `endpoint` goes through these states in this order (other states may come between). */
  visits?: Array<{ endpoint: string; states: string[] }>;
  /** Counts of segments put on the wire. `flags` must match exactly; `state` is the sender's state. */
  segments?: Array<
    CountRange & { from?: string; flags?: string[]; retransmit?: boolean; state?: string; minLen?: number }
  >;
  /** Counts of dropped segments, optionally by reason prefix. */
  drops?: Array<CountRange & { reason?: string; from?: string }>;
  /** Counts of application events (e.g. `closed` with reason `timeout`). */
  app?: Array<CountRange & { endpoint?: string; event: string; reason?: string; error?: string }>;
  /** Every connection received its peer's bytes in order with no corruption. */
  integrity?: boolean;
  /** Total application bytes received per endpoint. */
  received?: Record<string, number>;
}

export interface ExpectationResult {
  name: string;
  pass: boolean;
  detail: string;
}

function inRange(n: number, range: CountRange): boolean {
  return (range.min === undefined || n >= range.min) && (range.max === undefined || n <= range.max);
}

function rangeText(range: CountRange): string {
  if (range.min !== undefined && range.max !== undefined) {
    return range.min === range.max ? `exactly ${range.min}` : `${range.min}..${range.max}`;
  }
  if (range.min !== undefined) return `at least ${range.min}`;
  if (range.max !== undefined) return `at most ${range.max}`;
  return 'any number';
}

/** Checks every expectation; returns one result per expectation. */
export function checkExpectations(expect: Expectations, trace: readonly TraceEvent[]): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  const summary = trace.find((e) => e.kind === 'summary') as
    | Extract<TraceEvent, { kind: 'summary' }>
    | undefined;
  const wantOk = expect.ok ?? true;
  results.push({
    name: wantOk ? 'run completes' : 'run fails',
    pass: (summary?.ok ?? false) === wantOk,
    detail: summary?.error ?? (summary ? `ok=${summary.ok}` : 'no summary line'),
  });

  for (const [endpoint, states] of Object.entries(expect.final ?? {})) {
    const actual = summary?.final[endpoint] ?? [];
    results.push({
      name: `${endpoint} final states ${JSON.stringify(states)}`,
      pass: JSON.stringify(actual) === JSON.stringify(states),
      detail: `got ${JSON.stringify(actual)}`,
    });
  }

  for (const visit of expect.visits ?? []) {
    const paths = statePaths(trace, visit.endpoint);
    const pass = [...paths.values()].some((path) => isSubsequence(visit.states, path));
    results.push({
      name: `${visit.endpoint} visits ${visit.states.join(' → ')}`,
      pass,
      detail:
        [...paths.entries()].map(([conn, path]) => `${conn}: ${path.join(' → ')}`).join('; ') || 'no states',
    });
  }

  for (const want of expect.segments ?? []) {
    const n = trace.filter((e): e is SegmentEvent => e.kind === 'send' && segmentMatches(e, want)).length;
    const what = [
      want.from ? `from ${want.from}` : '',
      want.flags ? `[${want.flags.join(',')}]` : 'segments',
      want.retransmit !== undefined ? (want.retransmit ? 'retransmitted' : 'original') : '',
      want.state ? `sent in ${want.state}` : '',
      want.minLen !== undefined ? `len ≥ ${want.minLen}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    results.push({ name: `${rangeText(want)} ${what}`, pass: inRange(n, want), detail: `saw ${n}` });
  }

  for (const want of expect.drops ?? []) {
    const n = trace.filter(
      (e) =>
        e.kind === 'drop' &&
        (want.reason === undefined || String(e.reason ?? '').startsWith(want.reason)) &&
        (want.from === undefined || e.from === want.from),
    ).length;
    results.push({
      name: `${rangeText(want)} drops${want.reason ? ` (${want.reason})` : ''}${want.from ? ` from ${want.from}` : ''}`,
      pass: inRange(n, want),
      detail: `saw ${n}`,
    });
  }

  for (const want of expect.app ?? []) {
    const n = trace.filter((e) => {
      if (e.kind !== 'app' || e.event !== want.event) return false;
      if (want.endpoint && e.endpoint !== want.endpoint) return false;
      if (want.reason && e.reason !== want.reason) return false;
      if (want.error && e.error !== want.error) return false;
      return true;
    }).length;
    const qualifier = [want.reason, want.error].filter(Boolean).join(' ');
    results.push({
      name: `${rangeText(want)} ${want.endpoint ?? ''} ${want.event}${qualifier ? ` (${qualifier})` : ''}`.replace(
        /\s+/g,
        ' ',
      ),
      pass: inRange(n, want),
      detail: `saw ${n}`,
    });
  }

  if (expect.integrity) {
    const connections = (summary?.connections ?? {}) as Record<string, Array<{ integrityErrors: number }>>;
    const errors = Object.values(connections)
      .flat()
      .reduce((sum, c) => sum + c.integrityErrors, 0);
    results.push({
      name: 'every byte arrives in order, exactly once',
      // Vacuous truth is no proof: the run must have completed for its bytes to count.
      pass: summary?.ok === true && errors === 0,
      detail: `${errors} corrupted or misplaced bytes`,
    });
  }

  for (const [endpoint, bytes] of Object.entries(expect.received ?? {})) {
    const connections = ((summary?.connections ?? {}) as Record<string, Array<{ bytesReceived: number }>>)[
      endpoint
    ];
    const got = (connections ?? []).reduce((sum, c) => sum + c.bytesReceived, 0);
    results.push({ name: `${endpoint} receives ${bytes} bytes`, pass: got === bytes, detail: `got ${got}` });
  }
  return results;
}

function segmentMatches(e: SegmentEvent, want: NonNullable<Expectations['segments']>[number]): boolean {
  if (want.from && e.from !== want.from) return false;
  if (want.flags && [...e.seg.flags].sort().join(',') !== [...want.flags].sort().join(',')) return false;
  if (want.retransmit !== undefined && Boolean(e.retransmit) !== want.retransmit) return false;
  if (want.state && e.state !== want.state) return false;
  if (want.minLen !== undefined && e.seg.len < want.minLen) return false;
  return true;
}

/** State sequence of every connection of an endpoint, starting with its first `from`. */
export function statePaths(trace: readonly TraceEvent[], endpoint: string): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  for (const e of trace) {
    if (e.kind !== 'state' || e.endpoint !== endpoint) continue;
    let path = paths.get(e.conn);
    if (!path) {
      path = [e.from];
      paths.set(e.conn, path);
    }
    path.push(e.to);
  }
  return paths;
}

function isSubsequence(wanted: readonly string[], path: readonly string[]): boolean {
  let i = 0;
  for (const state of path) if (state === wanted[i]) i++;
  return i === wanted.length;
}
