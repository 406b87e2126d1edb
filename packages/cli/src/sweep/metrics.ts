/**
 * Per-run metrics computed while the trace streams by (RunOptions.onTrace),
 * so a sweep never holds a trace in memory.
 */
import type { TraceEvent } from '@synack/network';
import type { Scenario } from '../scenarios.js';
import {
  type ConnectionMetrics,
  ConnectionTracker,
  type TeardownMetrics,
  teardownMetrics,
} from './connections.js';

/**
 * What "the run completed" means:
 * - `established`: every actively opened connection reached ESTABLISHED (the
 *   handshake scenarios: handshake, lost-syn, lost-synack, syn-cookies);
 * - `outcome`: the run reached quiescence and the scenario's outcome
 *   expectations hold — `final` states, `integrity` and `received` bytes
 *   (lifecycle: everything CLOSED, every byte intact). Segment, drop, visit
 *   and app-event counts describe the loss-free textbook trace and are not
 *   checked: under random faults they are supposed to change.
 */
export type Criterion = 'established' | 'outcome';

/** `established` when every final state the scenario expects is ESTABLISHED, else `outcome`. */
export function criterionFor(scenario: Scenario): Criterion {
  const final = Object.values(scenario.expect?.final ?? {});
  return final.length > 0 &&
    final.every((states) => states.length > 0 && states.every((s) => s === 'ESTABLISHED'))
    ? 'established'
    : 'outcome';
}

export interface RunMetrics {
  completed: boolean;
  /** Why not completed ('' when completed). */
  failure: string;
  /** The run reached quiescence without error (RunResult.ok). */
  runOk: boolean;
  /** First active open: SYN_SENT → ESTABLISHED, virtual ms (null when never established). */
  handshakeMs: number | null;
  /** First SYN sent → last transition to CLOSED, when every connection ended CLOSED (else null). */
  lifecycleMs: number | null;
  /**
   * First SYN sent → the last connection reached CLOSED or TIME_WAIT: the lifecycle without the
   * 2MSL wait that dominates lifecycleMs (null when a connection never got there).
   */
  lifecycleNoTimeWaitMs: number | null;
  /** Teardown, TIME_WAIT, close reasons, hanging states (connections.ts). */
  teardown: Omit<TeardownMetrics, 'lastDone'>;
  /** One entry per connection that opened (connections.csv). */
  connections: ConnectionMetrics[];
  segmentsSent: number;
  segmentsDropped: number;
  segmentsDuplicated: number;
  retransmits: { SYN: number; 'SYN-ACK': number; data: number; FIN: number };
  /** "client:ESTABLISHED|server:ESTABLISHED"; several connections of one endpoint joined by "+". */
  finalStates: string;
  /** Virtual ms of the last event. */
  endMs: number;
  /** The data path: what the applications received and what it cost. */
  transfer: TransferMetrics;
}

/** Bulk-transfer measures of one run (issue 13), from the trace and the summary's counters. */
export interface TransferMetrics {
  /** Application bytes delivered, all connections and directions. */
  bytesReceived: number;
  /** Application bytes the connections sent (summary bytesSent), all connections and directions. */
  bytesSent: number;
  /** First data segment sent → last delivery to an application, ms (null when nothing was delivered). */
  transferMs: number | null;
  /**
   * bytesReceived ÷ (last delivery to an application − first data segment sent), bytes/s; null
   * when nothing was delivered. Handshake and close are outside that interval.
   */
  goodput: number | null;
  /** Largest payload sent, bytes (the segment size the sender used). */
  mss: number;
  /** Payload bytes resent, by cause (summary stats.retransmittedBytes). */
  resent: { rto: number; fast: number; tlp: number };
  /** Resent bytes the receiver already held (summary stats.redundantBytes). */
  redundant: number;
  /** Data segments sent, retransmissions included. */
  dataSegments: number;
  /**
   * Congestion events: a sender entering Recovery or Loss (cc lines). Several losses repaired in
   * one recovery are one event: PFTK's "loss indication".
   */
  lossEvents: number;
}

type Summary = Extract<TraceEvent, { kind: 'summary' }>;

interface SummaryStats {
  segmentsSent?: number;
  segmentsDropped?: number;
  segmentsDuplicated?: number;
  retransmits?: Record<string, number>;
  retransmittedBytes?: Partial<TransferMetrics['resent']>;
  redundantBytes?: number;
  endTime?: number;
}

interface ConnectionSummary {
  conn: string;
  state: string;
  reason?: string;
  bytesSent: number;
  bytesReceived: number;
  integrityErrors: number;
}

/** Feed it every trace event of one run (`onEvent`), then call `finish()`. */
export class RunCollector {
  private firstSyn: number | null = null;
  /** endpoint|conn of active opens → SYN_SENT time and first ESTABLISHED time. */
  private readonly active = new Map<string, { synSent: number; established: number | null }>();
  private firstActive: string | undefined;
  private lastClosed: number | null = null;
  private readonly closedReasons: string[] = [];
  private summary: Summary | undefined;
  private firstDataSent: number | null = null;
  private lastDataReceived: number | null = null;
  private bytesReceived = 0;
  private largestPayload = 0;
  private dataSegments = 0;
  private lossEvents = 0;
  /** endpoint|conn → last congestion state. */
  private readonly ccState = new Map<string, string>();
  private readonly tracker = new ConnectionTracker();

  constructor(
    private readonly criterion: Criterion,
    private readonly expect: Scenario['expect'] = {},
  ) {}

  readonly onEvent = (e: TraceEvent): void => {
    switch (e.kind) {
      case 'state': {
        this.tracker.onState(e);
        const key = `${e.endpoint}|${e.conn}`;
        if (e.from === 'CLOSED' && e.to === 'SYN_SENT') {
          this.active.set(key, { synSent: e.t, established: null });
          this.firstActive ??= key;
        } else if (e.to === 'ESTABLISHED') {
          const open = this.active.get(key);
          if (open && open.established === null) open.established = e.t;
        } else if (e.to === 'CLOSED') {
          this.lastClosed = e.t;
        }
        break;
      }
      case 'send':
        if (this.firstSyn === null && e.seg.flags.includes('SYN') && !e.seg.flags.includes('ACK')) {
          this.firstSyn = e.t;
        }
        if (e.seg.len > 0) {
          this.dataSegments++;
          this.firstDataSent ??= e.t;
          if (e.seg.len > this.largestPayload) this.largestPayload = e.seg.len;
        }
        break;
      case 'app':
        if (e.event === 'data' && typeof e.bytes === 'number') {
          this.bytesReceived += e.bytes;
          this.lastDataReceived = e.t;
        }
        if (e.event === 'closed') this.tracker.onClosed(e);
        if (e.event === 'closed' && e.reason && e.reason !== 'normal') {
          this.closedReasons.push(`${e.endpoint} ${String(e.reason)}`);
        }
        break;
      case 'cc':
        this.onCongestion(e);
        break;
      case 'summary':
        this.summary = e;
        break;
    }
  };

  private onCongestion(e: Extract<TraceEvent, { kind: 'cc' }>): void {
    const key = `${e.endpoint}|${e.conn}`;
    const before = this.ccState.get(key);
    this.ccState.set(key, e.state);
    if (before !== e.state && (e.state === 'Recovery' || e.state === 'Loss')) this.lossEvents++;
  }

  finish(): RunMetrics {
    const summary = this.summary;
    if (!summary) throw new Error('the run produced no summary event');
    const stats = (summary.stats ?? {}) as SummaryStats;
    const retransmits = stats.retransmits ?? {};
    const finalStates = Object.entries(summary.final)
      .map(([id, states]) => `${id}:${states.length ? states.join('+') : '-'}`)
      .join('|');
    const allClosed = Object.values(summary.final).every((states) => states.every((s) => s === 'CLOSED'));
    const first = this.firstActive ? this.active.get(this.firstActive) : undefined;
    const handshakeMs = first?.established != null ? first.established - first.synSent : null;
    const lifecycleMs =
      summary.ok && allClosed && this.firstSyn !== null && this.lastClosed !== null
        ? this.lastClosed - this.firstSyn
        : null;
    const failure = this.failure(summary);
    const endMs = stats.endTime ?? summary.t;
    const connectionSummaries = (summary.connections ?? {}) as Record<string, ConnectionSummary[]>;
    const connections = this.tracker.finish(connectionSummaries, endMs);
    const { lastDone, ...teardown } = teardownMetrics(this.tracker, connections);
    return {
      completed: failure === '',
      failure,
      runOk: summary.ok,
      handshakeMs,
      lifecycleMs,
      lifecycleNoTimeWaitMs: this.firstSyn !== null && lastDone !== null ? lastDone - this.firstSyn : null,
      teardown,
      connections,
      segmentsSent: stats.segmentsSent ?? 0,
      segmentsDropped: stats.segmentsDropped ?? 0,
      segmentsDuplicated: stats.segmentsDuplicated ?? 0,
      retransmits: {
        SYN: retransmits.SYN ?? 0,
        'SYN-ACK': retransmits['SYN-ACK'] ?? 0,
        data: retransmits.data ?? 0,
        FIN: retransmits.FIN ?? 0,
      },
      finalStates,
      endMs,
      transfer: this.transfer(stats, connections),
    };
  }

  private transfer(stats: SummaryStats, connections: readonly ConnectionMetrics[]): TransferMetrics {
    const resent = stats.retransmittedBytes ?? {};
    const span =
      this.firstDataSent !== null && this.lastDataReceived !== null
        ? this.lastDataReceived - this.firstDataSent
        : 0;
    return {
      bytesReceived: this.bytesReceived,
      bytesSent: connections.reduce((sum, c) => sum + c.bytesSent, 0),
      transferMs: this.bytesReceived > 0 ? span : null,
      goodput: this.bytesReceived > 0 && span > 0 ? (this.bytesReceived * 1000) / span : null,
      mss: this.largestPayload,
      resent: { rto: resent.rto ?? 0, fast: resent.fast ?? 0, tlp: resent.tlp ?? 0 },
      redundant: stats.redundantBytes ?? 0,
      dataSegments: this.dataSegments,
      lossEvents: this.lossEvents,
    };
  }

  private failure(summary: Summary): string {
    const closed = this.closedReasons.length ? ` (closed: ${this.closedReasons.join(', ')})` : '';
    const runError = () =>
      summary.error?.startsWith('virtual-time limit') ? 'max-time' : `error: ${summary.error ?? 'unknown'}`;
    if (this.criterion === 'established') {
      if (this.active.size === 0) return summary.ok ? 'no active open' : runError();
      const missing = [...this.active.entries()].filter(([, open]) => open.established === null);
      if (missing.length === 0) return '';
      const who = missing.map(([key]) => key.split('|')[0]).join(', ');
      // A run cut short before the handshake finished is a max-time / error, not a protocol failure.
      if (!summary.ok) return runError();
      return `not established: ${who}${closed}`;
    }
    if (!summary.ok) return runError();
    const problems: string[] = [];
    for (const [endpoint, allowed] of Object.entries(this.expect?.final ?? {})) {
      const states = summary.final[endpoint] ?? [];
      // Exactly the expected list; or, when it names one state only ("all CLOSED"), any number of
      // connections all in that state (under loss a server may see a second incarnation).
      const exact = states.length === allowed.length && states.every((s, i) => s === allowed[i]);
      const uniform =
        allowed.length > 0 && states.length > 0 && states.every((s) => allowed.every((a) => a === s));
      if (!exact && !uniform) {
        problems.push(`final ${endpoint}:${states.length ? states.join('+') : '-'}`);
      }
    }
    const connections = (summary.connections ?? {}) as Record<string, ConnectionSummary[]>;
    if (this.expect?.integrity) {
      const errors = Object.values(connections)
        .flat()
        .reduce((sum, c) => sum + c.integrityErrors, 0);
      if (errors > 0) problems.push(`integrity ${errors} bytes`);
    }
    for (const [endpoint, bytes] of Object.entries(this.expect?.received ?? {})) {
      const got = (connections[endpoint] ?? []).reduce((sum, c) => sum + c.bytesReceived, 0);
      if (got !== bytes) problems.push(`received ${endpoint} ${got}/${bytes}`);
    }
    return problems.length ? `${problems.join('; ')}${closed}` : '';
  }
}
