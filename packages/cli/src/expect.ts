/**
 * Expectations a scenario declares about its own run, checked against the
 * trace. Declarative (so scenario files can state them too); a failed
 * expectation makes `synack run` exit 1.
 */
import type { TraceEvent } from '@synack/network';
import type { Lang } from './explain/index.js';
import { ZH_APP_EVENTS, ZH_CLOSE_REASONS, ZH_ERRORS, zhDropReason } from './ladder-text.js';

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

/** The words of an expectation's name and detail in one language (the checks are the same). */
interface ExpectWords {
  range(kind: 'exactly' | 'between' | 'atLeast' | 'atMost' | 'any', a?: number, b?: number): string;
  outcome(ok: boolean): string;
  finalStates(endpoint: string, states: string): string;
  visits(endpoint: string, path: string): string;
  segments(
    range: string,
    want: { from?: string; flags?: string[]; retransmit?: boolean; state?: string; minLen?: number },
  ): string;
  drops(range: string, reason?: string, from?: string): string;
  app(range: string, endpoint: string | undefined, event: string, reason?: string, error?: string): string;
  integrity: string;
  integrityDetail(received: number, sent: number, errors: number): string;
  received(endpoint: string, bytes: number): string;
  saw(n: number | string): string;
  got(what: string): string;
  noSummary: string;
}

const EN_WORDS: ExpectWords = {
  range: (kind, a, b) =>
    ({
      exactly: `exactly ${a}`,
      between: `${a}..${b}`,
      atLeast: `at least ${a}`,
      atMost: `at most ${a}`,
      any: 'any number',
    })[kind],
  outcome: (ok) => (ok ? 'run completes' : 'run fails'),
  finalStates: (endpoint, states) => `${endpoint} final states ${states}`,
  visits: (endpoint, path) => `${endpoint} visits ${path}`,
  segments: (range, w) =>
    [
      range,
      w.from ? `from ${w.from}` : '',
      w.flags ? `[${w.flags.join(',')}]` : 'segments',
      w.retransmit !== undefined ? (w.retransmit ? 'retransmitted' : 'original') : '',
      w.state ? `sent in ${w.state}` : '',
      w.minLen !== undefined ? `len ≥ ${w.minLen}` : '',
    ]
      .filter(Boolean)
      .join(' '),
  drops: (range, reason, from) =>
    `${range} drops${reason ? ` (${reason})` : ''}${from ? ` from ${from}` : ''}`,
  app: (range, endpoint, event, reason, error) => {
    const qualifier = [reason, error].filter(Boolean).join(' ');
    return `${range} ${endpoint ?? ''} ${event}${qualifier ? ` (${qualifier})` : ''}`.replace(/\s+/g, ' ');
  },
  integrity: 'every byte arrives in order, exactly once',
  integrityDetail: (received, sent, errors) =>
    `${received} of ${sent} bytes arrived, ${errors} corrupted or misplaced`,
  received: (endpoint, bytes) => `${endpoint} receives ${bytes} bytes`,
  saw: (n) => `saw ${n}`,
  got: (what) => `got ${what}`,
  noSummary: 'no summary line',
};

/** Chinese: 报文段 for a segment, states and flags as they are (issue 21 item 5). */
const ZH_WORDS: ExpectWords = {
  range: (kind, a, b) =>
    ({
      exactly: `恰好 ${a} 个`,
      between: `${a} 到 ${b} 个`,
      atLeast: `至少 ${a} 个`,
      atMost: `至多 ${a} 个`,
      any: '任意个',
    })[kind],
  outcome: (ok) => (ok ? '运行完成' : '运行失败'),
  finalStates: (endpoint, states) => `${endpoint} 的最终状态为 ${states}`,
  visits: (endpoint, path) => `${endpoint} 经历 ${path}`,
  segments: (range, w) =>
    [
      range,
      w.from ? `${w.from} 发送的` : '',
      w.retransmit !== undefined ? (w.retransmit ? '重传' : '首次发送的') : '',
      w.flags ? `[${w.flags.join(',')}] 报文段` : '报文段',
      w.state ? `（在 ${w.state} 状态发送）` : '',
      w.minLen !== undefined ? `（长度 ≥ ${w.minLen}）` : '',
    ]
      .filter(Boolean)
      .join(' ')
      .replace(/ (?=（)/g, '')
      .replace(/([\u3400-\u9fff]) (?=[\u3400-\u9fff])/gu, '$1'),
  drops: (range, reason, from) =>
    `${range}${from ? ` ${from} 发送的` : ''}被丢弃的报文段${reason ? `（${zhDropReason(reason)}）` : ''}`,
  app: (range, endpoint, event, reason, error) => {
    const qualifier = [
      reason ? (ZH_CLOSE_REASONS[reason] ?? reason) : '',
      error ? (ZH_ERRORS[error] ?? error) : '',
    ].filter(Boolean);
    const what = `${ZH_APP_EVENTS[event] ?? event}${qualifier.length ? `（${qualifier.join('，')}）` : ''}`;
    return `${endpoint ? `${endpoint} 的应用事件` : '应用事件'}“${what}”${range.replace(' 个', ' 次')}`;
  },
  integrity: '每个字节都按序到达，且恰好一次',
  integrityDetail: (received, sent, errors) => `${sent} 字节中到达 ${received} 字节，${errors} 个损坏或错位`,
  received: (endpoint, bytes) => `${endpoint} 收到 ${bytes} 字节`,
  saw: (n) => `实际 ${n} 个`,
  got: (what) => `实际为 ${what}`,
  noSummary: '没有汇总行',
};

const WORDS: Readonly<Record<Lang, ExpectWords>> = { en: EN_WORDS, zh: ZH_WORDS };

function rangeText(range: CountRange, words: ExpectWords = EN_WORDS): string {
  if (range.min !== undefined && range.max !== undefined) {
    return range.min === range.max
      ? words.range('exactly', range.min)
      : words.range('between', range.min, range.max);
  }
  if (range.min !== undefined) return words.range('atLeast', range.min);
  if (range.max !== undefined) return words.range('atMost', range.max);
  return words.range('any');
}

type Summary = Extract<TraceEvent, { kind: 'summary' }>;

/**
 * Checks every expectation; returns one result per expectation, in the order of the fields above,
 * named in `lang` (the scenario states them as data, so a Chinese run names them in Chinese).
 */
export function checkExpectations(
  expect: Expectations,
  trace: readonly TraceEvent[],
  lang: Lang = 'en',
): ExpectationResult[] {
  const summary = trace.find((e): e is Summary => e.kind === 'summary');
  const w = WORDS[lang];
  return [
    checkOutcome(expect, summary, w),
    ...checkFinalStates(expect, summary, w),
    ...checkVisits(expect, trace, w),
    ...checkSegments(expect, trace, w),
    ...checkDrops(expect, trace, w),
    ...checkAppEvents(expect, trace, w),
    ...checkIntegrity(expect, summary, w),
    ...checkReceived(expect, summary, w),
  ];
}

function checkOutcome(expect: Expectations, summary: Summary | undefined, w: ExpectWords): ExpectationResult {
  const wantOk = expect.ok ?? true;
  return {
    name: w.outcome(wantOk),
    pass: (summary?.ok ?? false) === wantOk,
    detail: summary?.error ?? (summary ? `ok=${summary.ok}` : w.noSummary),
  };
}

function checkFinalStates(
  expect: Expectations,
  summary: Summary | undefined,
  w: ExpectWords,
): ExpectationResult[] {
  return Object.entries(expect.final ?? {}).map(([endpoint, states]) => {
    const actual = summary?.final[endpoint] ?? [];
    return {
      name: w.finalStates(endpoint, JSON.stringify(states)),
      pass: JSON.stringify(actual) === JSON.stringify(states),
      detail: w.got(JSON.stringify(actual)),
    };
  });
}

function checkVisits(
  expect: Expectations,
  trace: readonly TraceEvent[],
  w: ExpectWords,
): ExpectationResult[] {
  return (expect.visits ?? []).map((visit) => {
    const paths = statePaths(trace, visit.endpoint);
    return {
      name: w.visits(visit.endpoint, visit.states.join(' → ')),
      pass: [...paths.values()].some((path) => isSubsequence(visit.states, path)),
      detail:
        [...paths.entries()].map(([conn, path]) => `${conn}: ${path.join(' → ')}`).join('; ') || 'no states',
    };
  });
}

function checkSegments(
  expect: Expectations,
  trace: readonly TraceEvent[],
  w: ExpectWords,
): ExpectationResult[] {
  return (expect.segments ?? []).map((want) => {
    const n = trace.filter((e): e is SegmentEvent => e.kind === 'send' && segmentMatches(e, want)).length;
    return { name: w.segments(rangeText(want, w), want), pass: inRange(n, want), detail: w.saw(n) };
  });
}

function checkDrops(expect: Expectations, trace: readonly TraceEvent[], w: ExpectWords): ExpectationResult[] {
  return (expect.drops ?? []).map((want) => {
    const n = trace.filter(
      (e) =>
        e.kind === 'drop' &&
        (want.reason === undefined || String(e.reason ?? '').startsWith(want.reason)) &&
        (want.from === undefined || e.from === want.from),
    ).length;
    return {
      name: w.drops(rangeText(want, w), want.reason, want.from),
      pass: inRange(n, want),
      detail: w.saw(n),
    };
  });
}

function checkAppEvents(
  expect: Expectations,
  trace: readonly TraceEvent[],
  w: ExpectWords,
): ExpectationResult[] {
  return (expect.app ?? []).map((want) => {
    const n = trace.filter((e) => {
      if (e.kind !== 'app' || e.event !== want.event) return false;
      if (want.endpoint && e.endpoint !== want.endpoint) return false;
      if (want.reason && e.reason !== want.reason) return false;
      if (want.error && e.error !== want.error) return false;
      return true;
    }).length;
    return {
      name: w.app(rangeText(want, w), want.endpoint, want.event, want.reason, want.error),
      pass: inRange(n, want),
      detail: w.saw(n),
    };
  });
}

function checkIntegrity(
  expect: Expectations,
  summary: Summary | undefined,
  w: ExpectWords,
): ExpectationResult[] {
  if (!expect.integrity) return [];
  type Counts = { integrityErrors: number; bytesSent: number; bytesReceived: number };
  const all = Object.values((summary?.connections ?? {}) as Record<string, Counts[]>).flat();
  const total = (key: keyof Counts) => all.reduce((sum, c) => sum + c[key], 0);
  const errors = total('integrityErrors');
  const sent = total('bytesSent');
  const received = total('bytesReceived');
  return [
    {
      name: w.integrity,
      // Vacuous truth is no proof: the run must have completed, some bytes must have been sent
      // (bytesSent counts only what the connections accepted and did not discard), and every one
      // of them must have arrived.
      pass: summary?.ok === true && errors === 0 && sent > 0 && received === sent,
      detail: w.integrityDetail(received, sent, errors),
    },
  ];
}

function checkReceived(
  expect: Expectations,
  summary: Summary | undefined,
  w: ExpectWords,
): ExpectationResult[] {
  const connections = (summary?.connections ?? {}) as Record<string, Array<{ bytesReceived: number }>>;
  return Object.entries(expect.received ?? {}).map(([endpoint, bytes]) => {
    const got = (connections[endpoint] ?? []).reduce((sum, c) => sum + c.bytesReceived, 0);
    return { name: w.received(endpoint, bytes), pass: got === bytes, detail: w.got(String(got)) };
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
