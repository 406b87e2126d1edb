/**
 * Invariants every simulation run must satisfy, checked from its public trace and summary (the
 * JSON Lines contract of the package README) — so the same checks apply to any run, inline or
 * across worker threads, whichever engine.
 *
 * - Stream integrity: each application receives a prefix of what its peer's application sent,
 *   in order, exactly once (integrityErrors 0, bytesReceived ≤ bytes the peer's TCP accepted);
 *   after both sides closed gracefully (no ABORT anywhere, both ends synchronized and closed with
 *   reason "normal"), exactly what the peer sent.
 * - Sequence spaces: a connection only ever acknowledges sequence numbers its peer has sent (so
 *   both ends of a connection agree on each other's ISN — never both ESTABLISHED with
 *   disagreeing sequence spaces), ACK numbers never go backwards, a retransmitted SYN keeps its
 *   ISN and a retransmitted FIN its sequence number.
 * - Closing: TIME_WAIT entered only after an ACK covering our FIN and a FIN from the peer were
 *   delivered; FIN_WAIT_2, and a normal close from LAST_ACK, only after an ACK covering our FIN.
 * - Liveness: the run is quiescent before the bound computed from the profiles' retry schedules;
 *   a connection that timed out exhausted its retries; with loss < 1, no ABORT and a close that
 *   both applications are bound to make, every connection ends CLOSED — except that the peer of a
 *   connection that gave up (timeout) or was reset may wait forever where TCP has no timer
 *   (ESTABLISHED, CLOSE_WAIT, FIN_WAIT_2: no keep-alive; FIN-WAIT-2 has a timer only in `linux`,
 *   tcp_fin_timeout, after which it closes with "timeout").
 */
import {
  connectTimeout,
  getProfile,
  halfOpenLifetime,
  isListenerConn,
  modelTimeout,
  type Profile,
  SYNCHRONIZED_STATES,
  seqAdd,
  seqGe,
  seqLt,
  synRetransmissions,
} from '@synack/core';
import type { EndpointConfig, RunResult, SimulationConfig, TraceEvent } from '../../src/index.js';

type SegmentEvent = Extract<TraceEvent, { kind: 'send' | 'deliver' | 'drop' | 'duplicate' }>;

export interface ConnectionSummary {
  conn: string;
  label?: string;
  state: string;
  reason?: string;
  bytesSent: number;
  bytesReceived: number;
  integrityErrors: number;
}

/** The synchronized states after the handshake (SYN_RECEIVED is checked on its own). */
const SYNCHRONIZED: ReadonlySet<string> = new Set(SYNCHRONIZED_STATES.filter((s) => s !== 'SYN_RECEIVED'));

/** States in which TCP waits without any timer for its peer (or its application). */
const TIMERLESS_WAITS = new Set(['ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_2']);

// ---------------------------------------------------------------------------------------------
// What the scenario implies

export function profileOf(config: SimulationConfig, endpoint: string): Profile {
  const e = config.endpoints.find((x) => x.id === endpoint);
  return getProfile(e?.profile ?? config.profile ?? 'linux', e?.profileOverrides ?? {});
}

/** True when some application calls ABORT (an action or a reaction) or a host restarts. */
export function hasAborts(config: SimulationConfig): boolean {
  return config.endpoints.some(
    (e) =>
      (e.actions ?? []).some(
        (a) => a.do === 'abort' || a.do === 'restart' || (a.do === 'listen' && a.abortOnOverflow === true),
      ) || (e.reactions ?? []).some((r) => r.do === 'abort'),
  );
}

/** Every loss process of every direction loses less than everything (so retransmissions get through). */
export function lossBelowOne(config: SimulationConfig): boolean {
  const models = [config.network?.default, ...Object.values(config.network?.links ?? {})];
  return models.every((m) => {
    if (!m) return true;
    if ((m.loss ?? 0) >= 1) return false;
    const b = m.burstLoss;
    if (!b) return true;
    // The bad state is left with probability pBadToGood; the good state loses lossGood.
    return (b.lossGood ?? 0) < 1 && (b.pBadToGood > 0 || (b.lossBad ?? 1) < 1);
  });
}

/**
 * Both applications are bound to close every connection between them. A side closes actively
 * (a CLOSE naming the connection — or, for the server, without a name — at or after its own
 * connect(), a CLOSE on `connected`, or for a listener with automatic accepts a CLOSE on
 * `accept`) or passively (a CLOSE on `peer-closed`, which needs the other side to close
 * actively: two passive closers wait for each other forever, legitimately). A listener's CLOSE at
 * a fixed time is not counted (it may come before the accept). Client actions must name their
 * connection (`conn`), as the generator's do.
 */
export function bothClose(config: SimulationConfig): boolean {
  const client = config.endpoints.find((e) => e.id === 'client');
  const server = config.endpoints.find((e) => e.id === 'server');
  if (!client || !server) return false;
  const closesOn = (e: EndpointConfig, on: string) =>
    (e.reactions ?? []).some((r) => r.on === on && r.do === 'close');
  /** A CLOSE action for connection `label` after that connection's connect (list order breaks ties). */
  const closesAfterConnect = (e: EndpointConfig, label: string, unnamedToo: boolean) => {
    const actions = e.actions ?? [];
    const connect = actions.find((a) => a.do === 'connect' && (a.as ?? 'c1') === label);
    if (!connect) return false;
    return actions.some(
      (a, j) =>
        a.do === 'close' &&
        (a.conn === label || (unnamedToo && a.conn === undefined)) &&
        (a.at > connect.at || (a.at === connect.at && j > actions.indexOf(connect))),
    );
  };
  const listen = (server.actions ?? []).find((a) => a.do === 'listen');
  const serverConnects = (server.actions ?? []).some((a) => a.do === 'connect');
  const labels = (client.actions ?? []).flatMap((a, i) => (a.do === 'connect' ? [a.as ?? `c${i + 1}`] : []));
  if (labels.length === 0) return false;
  return labels.every((label) => {
    // In a simultaneous open only c1 meets the server; any other connection is refused.
    if (!listen && label !== 'c1') return true;
    const serverActive = listen
      ? closesOn(server, 'connected') || (closesOn(server, 'accept') && listen.autoAccept !== false)
      : serverConnects && (closesOn(server, 'connected') || closesAfterConnect(server, 'c1', true));
    const clientActive = closesOn(client, 'connected') || closesAfterConnect(client, label, false);
    const clientCloses = clientActive || (closesOn(client, 'peer-closed') && serverActive);
    const serverCloses = serverActive || (closesOn(server, 'peer-closed') && clientActive);
    return clientCloses && serverCloses;
  });
}

/** The liveness invariant ("everything ends CLOSED") applies to this scenario. */
export function livenessApplies(config: SimulationConfig): boolean {
  return !hasAborts(config) && lossBelowOne(config) && bothClose(config);
}

/**
 * Upper bound of a run's virtual duration, from the profiles' retry schedules.
 *
 * Applications act until `horizon` = latest action + every reaction delay (reactions fire on
 * connection events, and may chain). Apart from that, time only passes while TCP waits:
 * for the handshake (at most connect() timeout + two half-open lifetimes: a late duplicate SYN
 * can create a second half-open entry), for each segment of progress (at most a full
 * retransmission schedule — dataRetries + 1 RTOs, each at most rtoMax, since the RTO may already
 * be backed off — plus the worst one-way delay twice and a delayed ACK; a stall that lasts longer
 * ends the connection with a timeout), and TIME_WAIT (twice: a retransmitted FIN restarts it).
 * The count of progress steps is the number of segments both applications' bytes fill at the
 * minimum MSS, plus one partial segment per send, plus SYN, SYN-ACK and two FINs.
 */
export function livenessBound(config: SimulationConfig): number {
  const profiles = config.endpoints.map((e) => profileOf(config, e.id));
  const max = (f: (p: Profile) => number) => Math.max(...profiles.map(f));
  let latestAction = 0;
  let reactionDelays = 0;
  let sends = 0;
  let bytes = 0;
  for (const e of config.endpoints) {
    for (const a of e.actions ?? []) {
      latestAction = Math.max(latestAction, a.at);
      if (a.do === 'send') {
        sends++;
        bytes += a.bytes;
      }
    }
    for (const r of e.reactions ?? []) {
      reactionDelays += r.after ?? 0;
      if (r.do === 'send') {
        sends++;
        bytes += r.bytes ?? 0;
      }
    }
  }
  const net = config.network ?? {};
  const targetedDelay = (net.faults ?? []).reduce(
    (sum, f) => sum + ('delay' in f.action ? f.action.delay : 0),
    0,
  );
  const segments = Math.ceil(bytes / 536) + sends + 4;
  let oneWay = 0;
  for (const m of [net.default ?? {}, ...Object.values(net.links ?? {})]) {
    const delay = m.delay ?? 10;
    const jitter = m.jitter ?? 0;
    const hold = m.reorderDelay ?? Math.max(1, 2 * (delay + jitter));
    const queue = m.bandwidth ? ((m.queueLimit ?? 2 * segments) * 1540 * 1000) / m.bandwidth : 0;
    oneWay = Math.max(oneWay, delay + jitter + hold + queue + jitter);
  }
  oneWay += targetedDelay;
  const stall = max((p) => (p.dataRetries + 1) * p.rtoMax);
  const handshake = max(connectTimeout) + 2 * max(halfOpenLifetime);
  const perSegment = stall + 2 * oneWay + max((p) => p.ackDelay);
  return Math.ceil(
    latestAction + reactionDelays + handshake + segments * perSegment + 2 * max((p) => p.timeWait) + 10_000,
  );
}

// ---------------------------------------------------------------------------------------------
// Reading the trace

interface Track {
  endpoint: string;
  conn: string;
  localPort: number;
  remotePort: number;
  /** Trace index of the connection's first state line. */
  created: number;
  state: string;
  iss?: number;
  /** Highest SEG.SEQ + SEG.LEN (SYN and FIN included) sent so far. */
  maxEnd?: number;
  lastAck?: number;
  /** SEG.SEQ + SEG.LEN + 1 of our FIN. */
  finEnd?: number;
  /** Stands for a SYN cookie the host sent, not a connection. */
  cookie?: boolean;
}

const CONN_ID = /^(\d+)-[\d.]+:(\d+)(?:#\d+)?$/;

function segLen(seg: SegmentEvent['seg']): number {
  return seg.len + (seg.flags.includes('SYN') ? 1 : 0) + (seg.flags.includes('FIN') ? 1 : 0);
}

export function connectionsOf(result: RunResult): Record<string, ConnectionSummary[]> {
  return (result.summary.connections ?? {}) as Record<string, ConnectionSummary[]>;
}

/**
 * Bytes each connection's TCP accepted from its application: the `send` app events, minus those
 * that the connection refused (a SEND after the application's own CLOSE gets "connection
 * closing"; the endpoint still counts such bytes in `bytesSent`).
 */
export function acceptedBytes(trace: readonly TraceEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i];
    if (e.kind !== 'app' || e.event !== 'send' || e.conn === undefined) continue;
    const next = trace[i + 1];
    const refused =
      next?.kind === 'app' && next.event === 'error' && next.endpoint === e.endpoint && next.conn === e.conn;
    const key = `${e.endpoint}|${e.conn}`;
    out.set(key, (out.get(key) ?? 0) + (refused ? 0 : Number(e.bytes)));
  }
  // Bytes a CLOSE later discarded ("error: closing" with `discarded`, RFC 9293 §3.10.4) were not sent.
  for (const e of trace) {
    if (e.kind !== 'app' || e.event !== 'error' || e.conn === undefined || typeof e.discarded !== 'number')
      continue;
    const key = `${e.endpoint}|${e.conn}`;
    out.set(key, (out.get(key) ?? 0) - e.discarded);
  }
  return out;
}

/** Checks every invariant; returns one line per violation (empty when the run is fine). */
export function checkRun(config: SimulationConfig, result: RunResult): string[] {
  const violations: string[] = [];
  const trace = result.trace;
  const fail = (message: string) => {
    if (violations.length < 20) violations.push(message);
  };
  const bound = config.maxTime ?? livenessBound(config);

  // ---- the run itself: quiescent (every connection is finite) before the bound, nothing pending
  if (!result.ok) fail(`run failed: ${result.error}`);
  if (result.summary.t > bound)
    fail(`run lasted ${result.summary.t} ms, beyond the liveness bound ${bound} ms`);
  if (trace.at(-1) !== result.summary) fail('the trace does not end with its summary');
  if (result.ok) {
    for (const report of result.reports) {
      if (report.pendingTimers !== 0) fail(`${report.id}: ${report.pendingTimers} timers still pending`);
    }
  }

  // ---- walk the trace
  const tracks = new Map<string, Track>();
  /** Connections that ever reached a synchronized state (a CLOSE in SYN_SENT also ends "normal"). */
  const synchronized = new Set<string>();
  /** Connections that began with an active OPEN (their SYN,ACK of a simultaneous open uses the SYN budget). */
  const activeOpeners = new Set<string>();
  /** LAST_ACK → CLOSED transitions, checked once the close reason is known (normal needs our FIN acked). */
  const lastAckClosed = new Map<string, { t: Track; index: number }>();
  /** Connections a returning SYN cookie opened (LISTEN → ESTABLISHED without SYN_RECEIVED). */
  const byCookie = new Set<string>();
  const deliveries = new Map<string, Array<{ index: number; seg: SegmentEvent['seg'] }>>();
  const peersOf = (t: Track) =>
    [...tracks.values()].filter(
      (p) => p.endpoint !== t.endpoint && p.localPort === t.remotePort && p.remotePort === t.localPort,
    );
  // A half-open entry is born of its listener, already in LISTEN (its states start LISTEN → …).
  const track = (endpoint: string, conn: string, index: number, born: string = 'CLOSED'): Track => {
    const key = `${endpoint}|${conn}`;
    let t = tracks.get(key);
    if (!t) {
      const m = CONN_ID.exec(conn);
      t = {
        endpoint,
        conn,
        localPort: m ? Number(m[1]) : -1,
        remotePort: m ? Number(m[2]) : -1,
        created: index,
        state: born,
      };
      tracks.set(key, t);
    }
    return t;
  };

  trace.forEach((e, index) => {
    if (e.kind === 'deliver') {
      const key = `${e.endpoint}|${e.seg.dstPort}|${e.seg.srcPort}`;
      const list = deliveries.get(key) ?? [];
      list.push({ index, seg: e.seg });
      deliveries.set(key, list);
      return;
    }
    if (e.kind === 'state') {
      // The listening socket's own LISTEN ("listener:80") is no connection.
      if (isListenerConn(e.conn)) return;
      const t = track(e.endpoint, e.conn, index, e.from === 'LISTEN' ? 'LISTEN' : 'CLOSED');
      if (t.state !== e.from)
        fail(`${e.endpoint} ${e.conn}: state line ${e.from} → ${e.to} while in ${t.state}`);
      t.state = e.to;
      if (SYNCHRONIZED.has(e.to)) synchronized.add(`${e.endpoint}|${e.conn}`);
      if (e.from === 'LISTEN' && SYNCHRONIZED.has(e.to)) byCookie.add(`${e.endpoint}|${e.conn}`);
      if (e.from === 'CLOSED' && e.to === 'SYN_SENT') activeOpeners.add(`${e.endpoint}|${e.conn}`);
      if (e.to === 'TIME_WAIT') checkTimeWait(t, e.t, index);
      if (e.to === 'FIN_WAIT_2') checkFinAcked(t, `entered FIN_WAIT_2 at t=${e.t}`, index);
      if (e.from === 'LAST_ACK' && e.to === 'CLOSED')
        lastAckClosed.set(`${e.endpoint}|${e.conn}`, { t, index });
      return;
    }
    if (e.kind !== 'send') return;
    if (e.conn === undefined) {
      // A SYN-ACK from the host itself carries a SYN cookie (RFC 4987): the connection is only
      // created when the cookie returns, so the cookie stands for the server's ISN until then.
      if (e.seg.flags.includes('SYN') && e.seg.flags.includes('ACK')) {
        tracks.set(`${e.endpoint}|syn-cookie#${index}`, {
          endpoint: e.endpoint,
          conn: `SYN cookie ${e.seg.seq}`,
          localPort: e.seg.srcPort,
          remotePort: e.seg.dstPort,
          created: index,
          state: 'CLOSED',
          iss: e.seg.seq,
          maxEnd: seqAdd(e.seg.seq, 1),
          cookie: true,
        });
      }
      return;
    }
    const t = track(e.endpoint, e.conn, index);
    const seg = e.seg;
    const where = `${e.endpoint} ${e.conn} at t=${e.t} (${seg.flags.join(',')} seq=${seg.seq} ack=${seg.ack})`;
    if (seg.flags.includes('RST')) return; // RST numbers come from the segment being answered
    if (t.iss === undefined && !seg.flags.includes('SYN')) {
      // A connection opened by a SYN cookie never sends a SYN: its first segment is at ISN + 1.
      t.iss = seqAdd(seg.seq, -1);
    }
    if (seg.flags.includes('SYN')) {
      if (t.iss === undefined) t.iss = seg.seq;
      else if (t.iss !== seg.seq) fail(`${where}: SYN with ISN ${seg.seq}, the connection's ISN is ${t.iss}`);
    } else if (t.iss !== undefined && seqLt(seg.seq, seqAdd(t.iss, 1))) {
      fail(`${where}: sequence number before ISN + 1 (${t.iss + 1})`);
    }
    const end = seqAdd(seg.seq, segLen(seg));
    if (seg.flags.includes('FIN')) {
      const finEnd = seqAdd(seg.seq, seg.len + 1);
      if (t.finEnd === undefined) t.finEnd = finEnd;
      else if (t.finEnd !== finEnd)
        fail(`${where}: FIN ending at ${finEnd}, an earlier FIN ended at ${t.finEnd}`);
    }
    if (seg.flags.includes('ACK')) {
      if (t.lastAck !== undefined && seqLt(seg.ack, t.lastAck)) {
        fail(`${where}: ACK number went backwards (previously ${t.lastAck})`);
      }
      t.lastAck = seg.ack;
      checkAck(t, seg.ack, e.state ?? t.state, where);
    }
    t.maxEnd = t.maxEnd === undefined || seqGe(end, t.maxEnd) ? end : t.maxEnd;
  });

  /** The ACK field must lie in a peer's sequence space: after its ISN, at most what it has sent. */
  function checkAck(t: Track, ack: number, state: string, where: string): void {
    const peers = peersOf(t);
    const inSpace = (p: Track) =>
      p.iss !== undefined && p.maxEnd !== undefined && seqGe(ack, seqAdd(p.iss, 1)) && seqGe(p.maxEnd, ack);
    // Both ends ESTABLISHED at once: the live peer incarnation, and no other, must match.
    const live = peers.find((p) => p.state !== 'CLOSED');
    if (state === 'ESTABLISHED' && live?.state === 'ESTABLISHED') {
      // A connection opened by a SYN cookie learns its ISN from its first segment (see above).
      const cookies = live.iss === undefined ? peers.filter((p) => p.cookie) : [];
      if (!inSpace(live) && !cookies.some(inSpace)) {
        fail(
          `${where}: both ends ESTABLISHED but the ACK is outside ${live.endpoint} ${live.conn}'s sequence space ` +
            `[${live.iss === undefined ? '?' : seqAdd(live.iss, 1)}, ${live.maxEnd ?? '?'}]`,
        );
      }
      return;
    }
    if (!SYNCHRONIZED.has(state) && state !== 'SYN_RECEIVED') return;
    if (!peers.some(inSpace)) {
      fail(
        `${where}: acknowledges a sequence number no peer connection has sent (` +
          peers.map((p) => `${p.conn}: ISN ${p.iss ?? '?'}, sent up to ${p.maxEnd ?? '?'}`).join('; ') +
          ')',
      );
    }
  }

  /** Segments delivered to this connection's endpoint and 4-tuple since it was created, before `index`. */
  function deliveredTo(t: Track, index: number) {
    return (deliveries.get(`${t.endpoint}|${t.localPort}|${t.remotePort}`) ?? []).filter(
      (d) => d.index > t.created && d.index < index,
    );
  }

  /** Our FIN was sent, and an ACK covering it was delivered to us, before trace line `index`. */
  function checkFinAcked(t: Track, what: string, index: number): void {
    const where = `${t.endpoint} ${t.conn} ${what}`;
    if (t.finEnd === undefined) {
      fail(`${where} without having sent a FIN`);
      return;
    }
    const finEnd = t.finEnd;
    const acked = deliveredTo(t, index).some(
      (d) => d.seg.flags.includes('ACK') && !d.seg.flags.includes('RST') && seqGe(d.seg.ack, finEnd),
    );
    if (!acked) fail(`${where} before an ACK of its FIN (ack ≥ ${finEnd}) was delivered`);
  }

  /** TIME_WAIT only after an ACK covering our FIN and the peer's FIN were delivered to us. */
  function checkTimeWait(t: Track, time: number, index: number): void {
    checkFinAcked(t, `entered TIME_WAIT at t=${time}`, index);
    const peerFin = deliveredTo(t, index).some(
      (d) => d.seg.flags.includes('FIN') && !d.seg.flags.includes('RST'),
    );
    if (!peerFin)
      fail(`${t.endpoint} ${t.conn} entered TIME_WAIT at t=${time} before a FIN from its peer was delivered`);
  }

  // ---- streams (summary)
  const conns = connectionsOf(result);
  const accepted = acceptedBytes(trace);
  const acceptedBy = (endpoint: string, c: ConnectionSummary) => accepted.get(`${endpoint}|${c.conn}`) ?? 0;
  const peersInSummary = (endpoint: string, c: ConnectionSummary) => {
    const m = CONN_ID.exec(c.conn);
    return Object.entries(conns).flatMap(([other, list]) =>
      other === endpoint
        ? []
        : list
            .filter((p) => {
              const pm = CONN_ID.exec(p.conn);
              return m && pm && pm[1] === m[2] && pm[2] === m[1];
            })
            .map((p) => ({ endpoint: other, c: p })),
    );
  };
  for (const [endpoint, list] of Object.entries(conns)) {
    for (const c of list) {
      const id = `${endpoint} ${c.conn}`;
      if (c.integrityErrors !== 0)
        fail(`${id}: ${c.integrityErrors} received bytes differ from the sender's stream`);
      if (acceptedBy(endpoint, c) > c.bytesSent) fail(`${id}: accepted more bytes than the application sent`);
      const peers = peersInSummary(endpoint, c);
      const most = Math.max(0, ...peers.map((p) => acceptedBy(p.endpoint, p.c)));
      if (c.bytesReceived > most) {
        fail(`${id}: received ${c.bytesReceived} bytes, more than its peer's TCP ever accepted (${most})`);
      }
    }
  }
  if (result.ok && !hasAborts(config)) {
    for (const [endpoint, list] of Object.entries(conns)) {
      for (const c of list) {
        if (c.reason !== 'normal' || !synchronized.has(`${endpoint}|${c.conn}`)) continue;
        for (const p of peersInSummary(endpoint, c)) {
          if (p.c.reason !== 'normal' || !synchronized.has(`${p.endpoint}|${p.c.conn}`)) continue;
          const sent = acceptedBy(p.endpoint, p.c);
          if (c.bytesReceived !== sent) {
            fail(
              `${endpoint} ${c.conn}: both ends closed normally but it received ${c.bytesReceived} of the ` +
                `${sent} bytes ${p.endpoint} sent`,
            );
          }
        }
      }
    }
  }

  // ---- LAST_ACK → CLOSED with reason "normal": our FIN was acknowledged
  for (const [key, { t, index }] of lastAckClosed) {
    const [endpoint, conn] = key.split('|');
    const reason = conns[endpoint]?.find((c) => c.conn === conn)?.reason;
    if (reason === 'normal') checkFinAcked(t, 'closed normally from LAST_ACK', index);
  }

  // ---- timeouts exhaust their retries (the budget rtoTimeout applies: SYN, SYN,ACK or data)
  const lastTimer = new Map<string, Extract<TraceEvent, { kind: 'timer' }>>();
  const closedAt = new Map<string, { from: string; index: number }>();
  trace.forEach((e, index) => {
    if (e.kind === 'timer') lastTimer.set(`${e.endpoint}|${e.conn}`, e);
    if (e.kind === 'state' && e.to === 'CLOSED')
      closedAt.set(`${e.endpoint}|${e.conn}`, { from: e.from, index });
  });
  // Linux gives data and FIN up by time, not by count (profile.retransmitGiveUp 'elapsed', core
  // tcb/give-up.ts: tcp_model_timeout since the first retransmission, or TCP_USER_TIMEOUT): never
  // more retransmissions than the count budget allows (an RTO of at least TCP_RTO_MIN reaches the
  // model time no later), and never before that time has passed since the connection's first
  // retransmission (the run's first one is no earlier; an orphan's budget, tcp_orphan_retries,
  // may be the smaller one).
  const checkElapsedGiveUp = (
    p: Profile,
    endpoint: string,
    conn: string,
    kind: string,
    count: number,
    limit: number,
    closedIndex: number,
  ) => {
    const first = trace.find(
      (e, i) =>
        i < closedIndex && e.kind === 'send' && e.endpoint === endpoint && e.conn === conn && e.retransmit,
    );
    // retransmits_timed_out: a connection that retransmitted nothing never times out.
    if (count > limit + 1 || !first) {
      fail(
        `${endpoint} ${conn}: closed with "timeout" after ${count} ${kind} retransmissions, the profile allows ${limit}`,
      );
    }
    if (!first || closedIndex >= trace.length) return;
    const orphan = p.orphanRetries === 0 ? 8 : p.orphanRetries;
    const timeout =
      p.userTimeout > 0
        ? p.userTimeout
        : Math.min(modelTimeout(p.dataRetries, p.rtoMax), modelTimeout(orphan, p.rtoMax));
    const elapsed = trace[closedIndex].t - first.t;
    if (elapsed < timeout) {
      fail(`${endpoint} ${conn}: gave up ${elapsed} ms after its first retransmission, before ${timeout} ms`);
    }
  };
  for (const [endpoint, list] of Object.entries(conns)) {
    const p = profileOf(config, endpoint);
    for (const c of list) {
      if (c.reason !== 'timeout') continue;
      const key = `${endpoint}|${c.conn}`;
      const timer = lastTimer.get(key);
      const closed = closedAt.get(key);
      const t = tracks.get(key);
      // Our SYN (or SYN,ACK) still unacknowledged: the last retransmission says so, or — with a
      // budget of 0 and no retransmission at all — the state it timed out in and what it received
      // (a segment with SYN does not count: once synchronized it only earns a challenge ACK).
      const synAcked =
        t?.iss !== undefined &&
        deliveredTo(t, closed?.index ?? trace.length).some(
          (d) =>
            d.seg.flags.includes('ACK') &&
            !d.seg.flags.includes('RST') &&
            !d.seg.flags.includes('SYN') &&
            seqGe(d.seg.ack, seqAdd(t.iss!, 1)),
        );
      const kind =
        timer?.retransmitKind ??
        (closed?.from === 'SYN_SENT'
          ? 'SYN'
          : closed?.from === 'SYN_RECEIVED' || !synAcked
            ? 'SYN-ACK'
            : 'data');
      // An active opener's SYN,ACK (simultaneous open) is its SYN again: the SYN budget.
      const active = activeOpeners.has(key);
      const limit =
        kind === 'SYN' || (kind === 'SYN-ACK' && active)
          ? synRetransmissions(p)
          : kind === 'SYN-ACK'
            ? p.synackRetries
            : p.dataRetries;
      const count = timer?.count ?? 0;
      // Linux's FIN_WAIT_2 timeout (tcp_fin_timeout) closes a closed connection with "timeout"
      // exactly profile.finWait2Timeout after it entered FIN_WAIT_2, without any retransmission.
      if (closed?.from === 'FIN_WAIT_2' && p.finWait2Timeout > 0) {
        const entered = [...trace.slice(0, closed.index)]
          .reverse()
          .find(
            (e) =>
              e.kind === 'state' && e.endpoint === endpoint && e.conn === c.conn && e.to === 'FIN_WAIT_2',
          );
        const left = trace[closed.index];
        if (!entered || Math.abs(left.t - entered.t - p.finWait2Timeout) > 1e-6) {
          fail(
            `${endpoint} ${c.conn}: FIN_WAIT_2 timeout after ${entered ? left.t - entered.t : '?'} ms, the profile says ${p.finWait2Timeout}`,
          );
        }
        continue;
      }
      if (kind !== 'SYN' && kind !== 'SYN-ACK' && (p.retransmitGiveUp === 'elapsed' || p.userTimeout > 0)) {
        checkElapsedGiveUp(p, endpoint, c.conn, kind, count, limit, closed?.index ?? trace.length);
        continue;
      }
      // SYN-queue pruning (Linux reqsk_timer_handler) lowers a half-open entry's budget to 2 … synackRetries.
      const pruned = kind === 'SYN-ACK' && !active && p.synQueuePruning && count >= 2 && count <= limit;
      if (count !== limit && !pruned) {
        fail(
          `${endpoint} ${c.conn}: closed with "timeout" after ${count} ${kind} retransmissions, ` +
            `the profile allows ${limit}`,
        );
      }
    }
  }

  // ---- liveness: everything ends CLOSED
  if (result.ok && livenessApplies(config)) {
    const all = Object.entries(conns).flatMap(([endpoint, list]) => list.map((c) => ({ endpoint, c })));
    for (const { endpoint, c } of all) {
      // An entry a RST returned to LISTEN (rfc9293, RFC 9293 §3.10.7.4) has ended too.
      if (c.state === 'CLOSED' || c.state === 'LISTEN') continue;
      // TCP has no keep-alive by default and no FIN-WAIT-2 timer: when the peer connection gave up
      // (timeout) or was reset (a RST is never retransmitted, and a late segment may even open a
      // new incarnation whose peer is long gone), waiting forever without a timer is what TCP does.
      const peers = peersInSummary(endpoint, c);
      const peerEndedBadly = peers.some((p) => p.c.state === 'CLOSED' && p.c.reason !== 'normal');
      // A SYN cookie stays valid for minutes: a delayed duplicate of the handshake's ACK that
      // reaches the listener after the first incarnation is gone opens a second one that nobody
      // talks to (RFC 4987 §3.6's statelessness; Linux does the same).
      const staleCookie = byCookie.has(`${endpoint}|${c.conn}`) && c.conn.includes('#');
      // No peer connection at all: a stateless SYN cookie answered, and the ACK that would have
      // created the connection was lost (the server then never knows of it).
      const neverCreated = peers.length === 0;
      if (TIMERLESS_WAITS.has(c.state) && (peerEndedBadly || staleCookie || neverCreated)) continue;
      fail(
        `${endpoint} ${c.conn}: ended the run in ${c.state} although both applications close, ` +
          `nothing aborts and loss < 1 (peers: ${peers.map((p) => `${p.c.conn} ${p.c.state} ${p.c.reason ?? ''}`).join(', ') || 'none'})`,
      );
    }
    if (all.length === 0) fail('no connection was ever created');
  }
  return violations;
}

/** A byte-identical comparison of two JSON Lines texts; the first differing line, or undefined. */
export function firstDifference(a: string, b: string): string | undefined {
  if (a === b) return undefined;
  const la = a.split('\n');
  const lb = b.split('\n');
  const i = la.findIndex((line, k) => line !== lb[k]);
  const at = i === -1 ? la.length : i;
  return `line ${at + 1}:\n    expected ${la[at] ?? '(end)'}\n    got      ${lb[at] ?? '(end)'}`;
}
