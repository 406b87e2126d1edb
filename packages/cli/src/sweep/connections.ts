/**
 * Per-connection lifecycle facts of one run (issue 22 item 1), collected from the trace's state
 * and app events as they stream by: handshake, teardown, TIME_WAIT and how each side closed.
 */
import type { TraceEvent } from '@synack/network';

/** How a connection ended, from the `closed` app event (core CloseReason) and what preceded it. */
export type CloseOutcome =
  | 'normal'
  | 'reset'
  | 'timeout'
  | 'refused'
  | 'aborted'
  /** TIME_WAIT ended by an RST instead of its 2MSL timer (RFC 1337 "TIME-WAIT assassination"). */
  | 'reset-in-time-wait'
  /** Still in TIME_WAIT when the run ended: closed normally, the 2MSL wait not yet over. */
  | 'time-wait'
  /** Not closed when the run ended (a state left hanging). */
  | 'open';

/** States that end a connection's teardown as far as the application is concerned. */
const TEARDOWN_DONE = new Set(['CLOSED', 'TIME_WAIT']);
/** The first state each side enters on the first FIN (sent: FIN_WAIT_1 / LAST_ACK; received: CLOSE_WAIT). */
const FIN_STATES = new Set(['FIN_WAIT_1', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING']);

export interface ConnectionMetrics {
  endpoint: string;
  conn: string;
  /** Final state (summary), '-' when the connection never left LISTEN. */
  finalState: string;
  close: CloseOutcome;
  /** SYN_SENT or SYN_RECEIVED → ESTABLISHED, ms. */
  handshakeMs: number | null;
  /** This connection's first FIN state → CLOSED or TIME_WAIT, ms. */
  teardownMs: number | null;
  /** Time spent in TIME_WAIT (to the end of the run when still there), ms. */
  timeWaitMs: number | null;
  bytesSent: number;
  bytesReceived: number;
}

interface Track {
  endpoint: string;
  conn: string;
  opening: number | null;
  established: number | null;
  firstFin: number | null;
  /** First time the connection reached CLOSED or TIME_WAIT after opening. */
  done: number | null;
  timeWaitEnter: number | null;
  timeWaitLeave: number | null;
  state: string;
  /** The state before the last transition (to tell an RST in TIME_WAIT from other resets). */
  previous: string;
  reason: string | null;
}

interface SummaryConnection {
  conn: string;
  state: string;
  reason?: string;
  bytesSent?: number;
  bytesReceived?: number;
}

/** Feed every trace event to `onEvent`; `finish` pairs the tracks with the summary's connections. */
export class ConnectionTracker {
  private readonly tracks = new Map<string, Track>();

  onState(e: Extract<TraceEvent, { kind: 'state' }>): void {
    if (e.role === 'listener') return; // a listening socket's own LISTEN is no connection
    const key = `${e.endpoint}|${e.conn}`;
    let track = this.tracks.get(key);
    if (!track) {
      track = {
        endpoint: e.endpoint,
        conn: e.conn,
        opening: null,
        established: null,
        firstFin: null,
        done: null,
        timeWaitEnter: null,
        timeWaitLeave: null,
        state: e.from,
        previous: e.from,
        reason: null,
      };
      this.tracks.set(key, track);
    }
    track.previous = e.from;
    track.state = e.to;
    if (e.to === 'SYN_SENT' || e.to === 'SYN_RECEIVED') track.opening ??= e.t;
    if (e.to === 'ESTABLISHED' && track.established === null) track.established = e.t;
    if (FIN_STATES.has(e.to)) track.firstFin ??= e.t;
    if (TEARDOWN_DONE.has(e.to) && track.opening !== null) track.done ??= e.t;
    if (e.to === 'TIME_WAIT') track.timeWaitEnter ??= e.t;
    if (e.from === 'TIME_WAIT') track.timeWaitLeave = e.t;
  }

  onClosed(e: Extract<TraceEvent, { kind: 'app' }>): void {
    const track = e.conn ? this.tracks.get(`${e.endpoint}|${e.conn}`) : undefined;
    if (!track) return;
    const reason = typeof e.reason === 'string' ? e.reason : 'normal';
    track.reason = track.previous === 'TIME_WAIT' && reason !== 'normal' ? 'reset-in-time-wait' : reason;
  }

  /** The first FIN state any connection entered (the start of the teardown), or null. */
  firstFin(): number | null {
    let first: number | null = null;
    for (const t of this.tracks.values()) {
      if (t.firstFin !== null && (first === null || t.firstFin < first)) first = t.firstFin;
    }
    return first;
  }

  /** When the last opened connection reached CLOSED or TIME_WAIT; null when one never did. */
  lastDone(): number | null {
    let last: number | null = null;
    for (const t of this.tracks.values()) {
      if (t.opening === null) continue;
      if (t.done === null) return null;
      if (last === null || t.done > last) last = t.done;
    }
    return last;
  }

  /** Every connection that opened (listeners that never saw a SYN are left out), in trace order. */
  finish(connections: Record<string, SummaryConnection[]>, endMs: number): ConnectionMetrics[] {
    const byConn = new Map<string, SummaryConnection>();
    for (const [endpoint, list] of Object.entries(connections)) {
      for (const c of list) byConn.set(`${endpoint}|${c.conn}`, c);
    }
    const out: ConnectionMetrics[] = [];
    for (const [key, t] of this.tracks) {
      if (t.opening === null) continue;
      const summary = byConn.get(key);
      out.push({
        endpoint: t.endpoint,
        conn: t.conn,
        finalState: summary?.state ?? t.state,
        close: closeOutcome(t),
        handshakeMs: t.established === null ? null : t.established - t.opening,
        teardownMs:
          t.firstFin !== null && t.done !== null && t.done >= t.firstFin ? t.done - t.firstFin : null,
        timeWaitMs: t.timeWaitEnter === null ? null : (t.timeWaitLeave ?? endMs) - t.timeWaitEnter,
        bytesSent: summary?.bytesSent ?? 0,
        bytesReceived: summary?.bytesReceived ?? 0,
      });
    }
    return out;
  }
}

function closeOutcome(t: Track): CloseOutcome {
  if (t.reason !== null) return t.reason as CloseOutcome;
  if (t.state === 'TIME_WAIT') return 'time-wait';
  return 'open';
}

/** A close is clean when it was the FIN exchange: closed normally, or waiting out TIME_WAIT. */
export function isCleanClose(c: ConnectionMetrics): boolean {
  return c.close === 'normal' || c.close === 'time-wait';
}

/** Run-level teardown/lifecycle facts over a run's connections. */
export interface TeardownMetrics {
  /** First FIN state of any connection → every connection CLOSED or in TIME_WAIT, ms (null when some never got there). */
  teardownMs: number | null;
  /** Longest TIME_WAIT of the run, ms (null without one). */
  timeWaitMs: number | null;
  /** "client:normal|server:reset": each connection's close outcome by endpoint, several joined by "+". */
  closeReasons: string;
  /** Every connection closed normally (or is waiting out TIME_WAIT): no reset, timeout, refusal, killed TIME_WAIT or hanging state. */
  clean: boolean;
  /** "server:FIN_WAIT_2": connections neither CLOSED nor in TIME_WAIT at the end ('' when none). */
  hanging: string;
  /** The time the last connection reached CLOSED or TIME_WAIT (null when one never did). */
  lastDone: number | null;
}

export function teardownMetrics(
  tracked: ConnectionTracker,
  list: readonly ConnectionMetrics[],
): TeardownMetrics {
  const firstFin = tracked.firstFin();
  const lastDone = tracked.lastDone();
  const tw = list.flatMap((c) => (c.timeWaitMs === null ? [] : [c.timeWaitMs]));
  return {
    teardownMs: firstFin !== null && lastDone !== null && lastDone >= firstFin ? lastDone - firstFin : null,
    timeWaitMs: tw.length ? tw.reduce((a, b) => Math.max(a, b), 0) : null,
    closeReasons: byEndpoint(list, (c) => c.close),
    clean: list.length > 0 && list.every(isCleanClose),
    hanging: byEndpoint(
      list.filter((c) => !TEARDOWN_DONE.has(c.finalState)),
      (c) => c.finalState,
    ),
    lastDone,
  };
}

function byEndpoint(list: readonly ConnectionMetrics[], pick: (c: ConnectionMetrics) => string): string {
  const groups = new Map<string, string[]>();
  for (const c of list) {
    let g = groups.get(c.endpoint);
    if (!g) groups.set(c.endpoint, (g = []));
    g.push(pick(c));
  }
  return [...groups].map(([endpoint, values]) => `${endpoint}:${values.join('+')}`).join('|');
}
