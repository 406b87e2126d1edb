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

type Summary = Extract<TraceEvent, { kind: 'summary' }>;

/** Checks every expectation; returns one result per expectation, in the order of the fields above. */
export function checkExpectations(expect: Expectations, trace: readonly TraceEvent[]): ExpectationResult[] {
  const summary = trace.find((e): e is Summary => e.kind === 'summary');
  return [
    checkOutcome(expect, summary),
    ...checkFinalStates(expect, summary),
    ...checkVisits(expect, trace),
    ...checkSegments(expect, trace),
    ...checkDrops(expect, trace),
    ...checkAppEvents(expect, trace),
    ...checkIntegrity(expect, summary),
    ...checkReceived(expect, summary),
  ];
}

function checkOutcome(expect: Expectations, summary: Summary | undefined): ExpectationResult {
  const wantOk = expect.ok ?? true;
  return {
    name: wantOk ? 'run completes' : 'run fails',
    pass: (summary?.ok ?? false) === wantOk,
    detail: summary?.error ?? (summary ? `ok=${summary.ok}` : 'no summary line'),
  };
}

function checkFinalStates(expect: Expectations, summary: Summary | undefined): ExpectationResult[] {
  return Object.entries(expect.final ?? {}).map(([endpoint, states]) => {
    const actual = summary?.final[endpoint] ?? [];
    return {
      name: `${endpoint} final states ${JSON.stringify(states)}`,
      pass: JSON.stringify(actual) === JSON.stringify(states),
      detail: `got ${JSON.stringify(actual)}`,
    };
  });
}

function checkVisits(expect: Expectations, trace: readonly TraceEvent[]): ExpectationResult[] {
  return (expect.visits ?? []).map((visit) => {
    const paths = statePaths(trace, visit.endpoint);
    return {
      name: `${visit.endpoint} visits ${visit.states.join(' → ')}`,
      pass: [...paths.values()].some((path) => isSubsequence(visit.states, path)),
      detail:
        [...paths.entries()].map(([conn, path]) => `${conn}: ${path.join(' → ')}`).join('; ') || 'no states',
    };
  });
}

function checkSegments(expect: Expectations, trace: readonly TraceEvent[]): ExpectationResult[] {
  return (expect.segments ?? []).map((want) => {
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
    return { name: `${rangeText(want)} ${what}`, pass: inRange(n, want), detail: `saw ${n}` };
  });
}

function checkDrops(expect: Expectations, trace: readonly TraceEvent[]): ExpectationResult[] {
  return (expect.drops ?? []).map((want) => {
    const n = trace.filter(
      (e) =>
        e.kind === 'drop' &&
        (want.reason === undefined || String(e.reason ?? '').startsWith(want.reason)) &&
        (want.from === undefined || e.from === want.from),
    ).length;
    return {
      name: `${rangeText(want)} drops${want.reason ? ` (${want.reason})` : ''}${want.from ? ` from ${want.from}` : ''}`,
      pass: inRange(n, want),
      detail: `saw ${n}`,
    };
  });
}

function checkAppEvents(expect: Expectations, trace: readonly TraceEvent[]): ExpectationResult[] {
  return (expect.app ?? []).map((want) => {
    const n = trace.filter((e) => {
      if (e.kind !== 'app' || e.event !== want.event) return false;
      if (want.endpoint && e.endpoint !== want.endpoint) return false;
      if (want.reason && e.reason !== want.reason) return false;
      if (want.error && e.error !== want.error) return false;
      return true;
    }).length;
    const qualifier = [want.reason, want.error].filter(Boolean).join(' ');
    return {
      name: `${rangeText(want)} ${want.endpoint ?? ''} ${want.event}${qualifier ? ` (${qualifier})` : ''}`.replace(
        /\s+/g,
        ' ',
      ),
      pass: inRange(n, want),
      detail: `saw ${n}`,
    };
  });
}

function checkIntegrity(expect: Expectations, summary: Summary | undefined): ExpectationResult[] {
  if (!expect.integrity) return [];
  type Counts = { integrityErrors: number; bytesSent: number; bytesReceived: number };
  const all = Object.values((summary?.connections ?? {}) as Record<string, Counts[]>).flat();
  const total = (key: keyof Counts) => all.reduce((sum, c) => sum + c[key], 0);
  const errors = total('integrityErrors');
  const sent = total('bytesSent');
  const received = total('bytesReceived');
  return [
    {
      name: 'every byte arrives in order, exactly once',
      // Vacuous truth is no proof: the run must have completed, some bytes must have been sent
      // (bytesSent counts only what the connections accepted and did not discard), and every one
      // of them must have arrived.
      pass: summary?.ok === true && errors === 0 && sent > 0 && received === sent,
      detail: `${received} of ${sent} bytes arrived, ${errors} corrupted or misplaced`,
    },
  ];
}

function checkReceived(expect: Expectations, summary: Summary | undefined): ExpectationResult[] {
  const connections = (summary?.connections ?? {}) as Record<string, Array<{ bytesReceived: number }>>;
  return Object.entries(expect.received ?? {}).map(([endpoint, bytes]) => {
    const got = (connections[endpoint] ?? []).reduce((sum, c) => sum + c.bytesReceived, 0);
    return { name: `${endpoint} receives ${bytes} bytes`, pass: got === bytes, detail: `got ${got}` };
  });
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
function statePaths(trace: readonly TraceEvent[], endpoint: string): Map<string, string[]> {
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
