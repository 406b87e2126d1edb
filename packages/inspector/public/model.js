// The page's model: everything displayed is derived from the event stream alone.
// `deriveModel(hello, events, count)` replays the first `count` events; the live view
// applies new events one by one with `applyEvent`. Because the stream is the
// deterministic record of the run, scrubbing back and replaying is exact.
// Pure functions, no DOM: this module also runs under Node in the unit tests.

/** Relative sequence numbers per direction, like Wireshark: offset from that direction's ISN. */
function dirKey(from, srcPort, to, dstPort) {
  return `${from}:${srcPort}>${to}:${dstPort}`;
}

function signed32(n) {
  const u = n >>> 0;
  return u >= 2 ** 31 ? u - 2 ** 32 : u;
}

export function createModel(hello) {
  const endpoints = (hello?.endpoints ?? []).map((e) => ({
    id: e.id,
    address: e.address,
    profile: e.profile,
    timeWait: e.timeWait,
    /** The scenario group the host was made from, if any (groups.js folds them). */
    group: e.group ?? null,
    conns: new Map(),
    listeners: new Map(),
    lastActive: null,
  }));
  return {
    endpoints,
    endpointById: new Map(endpoints.map((e) => [e.id, e])),
    addressToId: new Map(endpoints.map((e) => [e.address, e.id])),
    /** Extra ladder lanes for destinations that are no endpoint (spoofed SYN-flood sources). */
    extraLanes: [],
    segments: new Map(),
    segmentOrder: [],
    instants: [],
    stateEvents: [],
    isn: new Map(),
    // `delivered` counts segments the receiving TCP took in; a segment its host dropped on arrival
    // (full SYN queue, …) counts under `hostDropped` only, one lost on the way under `netDropped`.
    // `dropped` is their sum.
    stats: {
      sent: 0,
      delivered: 0,
      dropped: 0,
      netDropped: 0,
      hostDropped: 0,
      duplicated: 0,
      retransmits: 0,
    },
    /** First segment sent per direction and sequence number (what a retransmission resends). */
    firstBySeq: new Map(),
    count: 0,
    traceCount: 0,
    t: 0,
    summary: null,
    lastSegment: null,
    /** Narration lines (`explain` events) so far: { index, ref, t, lang, text } (narration.js). */
    narration: [],
  };
}

function endpointOf(model, id) {
  let ep = model.endpointById.get(id);
  if (!ep) {
    ep = {
      id,
      address: '?',
      profile: '?',
      timeWait: 60000,
      conns: new Map(),
      listeners: new Map(),
      lastActive: null,
    };
    model.endpoints.push(ep);
    model.endpointById.set(id, ep);
  }
  return ep;
}

function connOf(model, endpointId, connId, t) {
  const ep = endpointOf(model, endpointId);
  let conn = ep.conns.get(connId);
  if (!conn) {
    conn = {
      id: connId,
      endpoint: endpointId,
      seq: ep.conns.size,
      state: 'CLOSED',
      history: [],
      last: null,
      context: null,
      contextT: null,
      label: null,
      createdAt: t,
      timeWaitSince: null,
      retransmits: 0,
      stopped: false,
      /** Congestion-control samples from `cc` trace lines, in time order (cwnd-plot.js draws them). */
      cc: [],
      /** Actions since the last transition that changed no state (noteAction). */
      since: null,
    };
    ep.conns.set(connId, conn);
  }
  return conn;
}

/** The ladder lane of destinations that are no endpoint (spoofed sources of a SYN flood, …). */
export const ELSEWHERE = '(elsewhere)';

function laneFor(model, id) {
  if (model.endpointById.has(id) || model.extraLanes.includes(ELSEWHERE)) return;
  model.extraLanes.push(ELSEWHERE);
}

function addressOf(model, id) {
  return model.endpointById.get(id)?.address ?? id;
}

/**
 * The connection's inspection snapshot that follows state line `index` in the same instant and
 * shows the new state (it names the XState event that took the transition), or null.
 */
function snapshotAfter(events, index, ev) {
  for (let j = index + 1; events && j < events.length && events[j].t === ev.t; j++) {
    const next = events[j];
    if (next.kind === 'state' && next.endpoint === ev.endpoint && next.conn === ev.conn) break;
    const insp = next.kind === 'inspect' ? next.inspection : null;
    if (next.endpoint === ev.endpoint && insp?.type === '@xstate.snapshot' && insp.actor === ev.conn)
      return insp.value === ev.to ? next : null;
  }
  return null;
}

/**
 * Every transition of the connections in `events` (listeners' own lines left out), with the
 * XState event that took it when the stream names it: what an edge of the chart stands for.
 * `from` continues an earlier scan (`out` holds its result) so a live run is scanned once.
 */
export function transitionSteps(events, from = 0, out = []) {
  for (let i = from; i < events.length; i++) {
    const ev = events[i];
    if (ev.kind !== 'state' || ev.role === 'listener') continue;
    const snap = snapshotAfter(events, i, ev);
    out.push({
      t: ev.t,
      from: ev.from,
      to: ev.to,
      index: i,
      event: snap ? snap.inspection.event : null,
      endpoint: ev.endpoint,
      conn: ev.conn,
    });
  }
  return out;
}

/**
 * Records an action that changed no state (a segment sent or received after the connection's
 * last transition, a TIME_WAIT restart), so the panel can show it: without it TIME_WAIT's re-ACK
 * of a retransmitted FIN and the 2MSL restart would be invisible.
 */
function noteAction(conn, kind, segId, t) {
  if (!conn?.since || !conn.last || t <= conn.last.t) return;
  if (kind === 'sent') {
    conn.since.sent++;
    conn.since.lastSent = segId;
  } else if (kind === 'received') {
    conn.since.received++;
    conn.since.lastReceived = segId;
  } else conn.since.restarts.push({ t, segment: segId });
}

/**
 * Applies stream event number `index` to the model (mutates and returns it). With `events`
 * (the whole stream), a state change picks up the connection's snapshot from later in the
 * same instant, so variables and the triggering event show together with the new state.
 */
export function applyEvent(model, ev, index, events) {
  model.count = index + 1;
  if (typeof ev.t === 'number') {
    model.t = ev.t;
    const last = model.instants[model.instants.length - 1];
    if (last !== ev.t && ev.kind !== 'summary') model.instants.push(ev.t);
  }
  if (ev.kind !== 'inspect') model.traceCount++;
  switch (ev.kind) {
    case 'state': {
      if (ev.role === 'listener') {
        // A listening socket's own line (CLOSED → LISTEN): shown with the listeners, not as a connection.
        const ep = endpointOf(model, ev.endpoint);
        ep.listeners.set(ev.conn, {
          value: ev.to,
          context: ep.listeners.get(ev.conn)?.context ?? null,
          t: ev.t,
        });
        break;
      }
      const conn = connOf(model, ev.endpoint, ev.conn, ev.t);
      const step = {
        t: ev.t,
        from: ev.from,
        to: ev.to,
        index,
        event: null,
        endpoint: ev.endpoint,
        conn: ev.conn,
      };
      conn.history.push(step);
      conn.state = ev.to;
      conn.last = step;
      if (ev.to === 'TIME_WAIT') conn.timeWaitSince = ev.t;
      model.stateEvents.push(step);
      endpointOf(model, ev.endpoint).lastActive = ev.conn;
      // What the connection did after this transition without changing state (see noteAction).
      conn.since = { sent: 0, lastSent: null, received: 0, lastReceived: null, restarts: [] };
      const snap = snapshotAfter(events, index, ev);
      if (snap) {
        step.event = snap.inspection.event;
        if (snap.inspection.context && 'sndUna' in snap.inspection.context) {
          conn.context = snap.inspection.context;
          conn.contextT = snap.t;
        }
      }
      break;
    }
    case 'inspect': {
      const insp = ev.inspection ?? {};
      const ep = endpointOf(model, ev.endpoint);
      if (typeof insp.actor === 'string' && insp.actor.startsWith('listener:')) {
        ep.listeners.set(insp.actor, { value: insp.value, context: insp.context ?? null, t: ev.t });
        break;
      }
      if (insp.type !== '@xstate.snapshot' || typeof insp.actor !== 'string') break;
      const conn = connOf(model, ev.endpoint, insp.actor, ev.t);
      if (insp.event === 'xstate.stop') {
        conn.stopped = true;
        break;
      }
      if (insp.context && 'sndUna' in insp.context) {
        conn.context = insp.context;
        conn.contextT = ev.t;
      }
      // Name the event that took the transition just recorded for this connection.
      if (conn.last && conn.last.t === ev.t && !conn.last.event && insp.value === conn.last.to) {
        conn.last.event = insp.event;
      }
      if (!ep.lastActive) ep.lastActive = conn.id;
      break;
    }
    case 'send': {
      const seg = ev.seg;
      const key = dirKey(ev.from, seg.srcPort, ev.to, seg.dstPort);
      // Also by ports and receiver only: a SYN-ACK to a spoofed source (a raw address) finds the
      // ISN of the SYN that the attacker endpoint sent under that address.
      const loose = `${seg.srcPort}>${ev.to}:${seg.dstPort}`;
      if (seg.flags.includes('SYN') || !model.isn.has(key)) {
        model.isn.set(key, seg.seq);
        model.isn.set(loose, seg.seq);
      }
      const base = model.isn.get(key);
      const reverse =
        model.isn.get(dirKey(ev.to, seg.dstPort, ev.from, seg.srcPort)) ??
        model.isn.get(`${seg.dstPort}>${ev.from}:${seg.srcPort}`);
      const entry = {
        id: ev.id,
        from: ev.from,
        to: ev.to,
        seg,
        t: ev.t,
        index,
        conn: ev.conn ?? null,
        state: ev.state ?? null,
        delay: ev.delay ?? null,
        retransmit: Boolean(ev.retransmit || ev.cause),
        retransmitKind: ev.retransmitKind ?? null,
        // Why it was resent (core's RetransmitCause); none on a retransmission means the RTO timer.
        cause: ev.cause ?? (ev.retransmit ? 'rto' : null),
        retransmitOf: null,
        reordered: Boolean(ev.reordered),
        duplicateOf: null,
        // synack replay: the rule an observed segment breaks ({rule, detail}), if any.
        divergence: ev.divergence ?? null,
        deliveredAt: null,
        deliverIndex: null,
        drop: null,
        relSeq: signed32(seg.seq - base),
        relAck: seg.flags.includes('ACK')
          ? reverse === undefined
            ? seg.ack >>> 0
            : signed32(seg.ack - reverse)
          : null,
      };
      model.segments.set(ev.id, entry);
      model.segmentOrder.push(ev.id);
      noteFirstSend(model, entry, key);
      model.stats.sent++;
      if (entry.retransmit) model.stats.retransmits++;
      model.lastSegment = ev.id;
      laneFor(model, ev.to);
      if (ev.conn) {
        const conn = model.endpointById.get(ev.endpoint)?.conns.get(ev.conn);
        if (conn && ev.retransmit) conn.retransmits++;
        noteAction(conn, 'sent', ev.id, ev.t);
      }
      break;
    }
    case 'duplicate': {
      const original = model.segments.get(ev.duplicateOf);
      const entry = {
        ...(original ?? {
          seg: ev.seg,
          conn: null,
          state: null,
          relSeq: null,
          relAck: null,
          retransmit: false,
          cause: null,
          retransmitOf: null,
        }),
        id: ev.id,
        from: ev.from,
        to: ev.to,
        t: ev.t,
        index,
        delay: ev.delay ?? null,
        duplicateOf: ev.duplicateOf,
        reordered: false,
        deliveredAt: null,
        deliverIndex: null,
        drop: null,
      };
      model.segments.set(ev.id, entry);
      model.segmentOrder.push(ev.id);
      model.stats.duplicated++;
      break;
    }
    case 'deliver': {
      const entry = model.segments.get(ev.id);
      if (entry) {
        entry.deliveredAt = ev.t;
        entry.deliverIndex = index;
        if (ev.reordered) entry.reordered = true;
        const connId = `${entry.seg.dstPort}-${addressOf(model, entry.from)}:${entry.seg.srcPort}`;
        const conn = model.endpointById.get(ev.endpoint)?.conns.get(connId);
        noteAction(conn, 'received', ev.id, ev.t);
        // A retransmitted FIN reaching TIME_WAIT restarts the 2MSL timer (no state line for that;
        // Linux tcp_timewait_state_process re-arms it with inet_twsk_reschedule).
        if (entry.seg.flags.includes('FIN') && conn?.state === 'TIME_WAIT') {
          conn.timeWaitSince = ev.t;
          noteAction(conn, 'restart', ev.id, ev.t);
        }
      }
      model.stats.delivered++;
      break;
    }
    case 'drop': {
      model.stats.dropped++;
      if (ev.id) {
        model.stats.netDropped++;
        const entry = model.segments.get(ev.id);
        if (entry) entry.drop = { reason: ev.reason, t: ev.t, host: false, index };
        break;
      }
      // Dropped by the receiving host (full SYN queue, …): the segment arrived at this instant.
      let found = null;
      for (let i = model.segmentOrder.length - 1; i >= 0; i--) {
        const s = model.segments.get(model.segmentOrder[i]);
        if (s.deliveredAt === ev.t && s.to === ev.endpoint && !s.drop && sameSegment(s.seg, ev.seg)) {
          found = s;
          break;
        }
        if (s.t < ev.t - 600000) break;
      }
      model.stats.hostDropped++;
      // The deliver line counted it as delivered; the receiving TCP never took it in.
      if (found) {
        found.drop = { reason: ev.reason, t: ev.t, host: true, index };
        model.stats.delivered--;
      }
      break;
    }
    case 'cc': {
      const conn = connOf(model, ev.endpoint, ev.conn, ev.t);
      const { t, state, cwnd, ssthresh, inFlight, sacked, mss } = ev;
      conn.cc.push({ t, state, cwnd, ssthresh, inFlight, sacked, mss });
      break;
    }
    case 'app': {
      if (ev.conn && ev.event === 'connect')
        connOf(model, ev.endpoint, ev.conn, ev.t).label = ev.label ?? null;
      break;
    }
    case 'summary':
      model.summary = ev;
      break;
    case 'explain':
      model.narration.push({ index, ref: ev.ref, t: ev.t, lang: ev.lang, text: ev.text });
      break;
  }
  return model;
}

/**
 * Links a retransmission to the first segment sent in that direction with the same sequence
 * number and flags class (what it resends), and remembers first sends. SYN and SYN-ACK count
 * apart so a SYN-ACK never points at the SYN of the other direction.
 */
function noteFirstSend(model, entry, dir) {
  const seg = entry.seg;
  if (seg.len === 0 && !seg.flags.includes('SYN') && !seg.flags.includes('FIN')) return;
  const key = `${dir}|${seg.seq}|${seg.flags.includes('SYN') ? 'S' : ''}`;
  const first = model.firstBySeq.get(key);
  if (first === undefined) model.firstBySeq.set(key, entry.id);
  else if (entry.retransmit) entry.retransmitOf = first;
}

const CAUSE_TEXT = {
  rto: 'the retransmission timer (RTO) expired',
  fast: 'fast retransmit (duplicate ACKs / SACK showed it lost, RFC 5681 §3.2, RFC 6675)',
  tlp: 'a tail loss probe (RFC 8985 §7)',
};

/**
 * Why a retransmission was sent and of which segment, in words; null for a first send.
 * For an RTO the timer's expiry is the send instant itself (tcp_retransmit_timer sends at once).
 */
export function retransmissionReason(model, s) {
  if (!s?.retransmit) return null;
  const cause = CAUSE_TEXT[s.cause] ?? `cause ${s.cause}`;
  const of = s.retransmitOf !== null ? model.segments.get(s.retransmitOf) : null;
  const what = of ? `#${of.id} (${segmentLabel(of)}, first sent ${formatTime(of.t)})` : 'an earlier segment';
  const when = s.cause === 'rto' ? ` at ${formatTime(s.t)}` : '';
  return { cause: s.cause, of: of ? of.id : null, text: `retransmission of ${what}: ${cause}${when}` };
}

function sameSegment(a, b) {
  return (
    a.srcPort === b.srcPort &&
    a.dstPort === b.dstPort &&
    a.seq === b.seq &&
    a.ack === b.ack &&
    a.len === b.len &&
    a.flags.join() === b.flags.join()
  );
}

/** The model after the first `count` events. */
export function deriveModel(hello, events, count = events.length) {
  const model = createModel(hello);
  const n = Math.min(count, events.length);
  for (let i = 0; i < n; i++) applyEvent(model, events[i], i, events);
  return model;
}

/**
 * An independent copy of `model` that `applyEvent` can carry on from (the page keeps such
 * snapshots so a scrub step replays a few events, not the whole run). Hand-written rather than
 * structuredClone (~10× slower on a 1,000-connection flood): everything applyEvent mutates later
 * is copied — the maps and arrays it grows, segments (delivery, drop), connections and their
 * history, the transition steps (their event is named by a later snapshot line, and one step
 * object is shared by conn.history, conn.last and stateEvents, so it is copied once) — while what
 * it only replaces or never touches (segment headers, contexts, cc samples) is shared.
 */
export function cloneModel(model) {
  const steps = new Map();
  const stepOf = (step) => {
    if (!step) return step;
    let copy = steps.get(step);
    if (!copy) {
      copy = { ...step };
      steps.set(step, copy);
    }
    return copy;
  };
  const endpoints = model.endpoints.map((ep) => {
    const conns = new Map();
    for (const [id, c] of ep.conns) {
      conns.set(id, {
        ...c,
        history: c.history.map(stepOf),
        last: stepOf(c.last),
        cc: c.cc.slice(),
        since: c.since && { ...c.since, restarts: c.since.restarts.slice() },
      });
    }
    return { ...ep, conns, listeners: new Map(ep.listeners) };
  });
  const segments = new Map();
  for (const [id, s] of model.segments) segments.set(id, { ...s });
  return {
    ...model,
    endpoints,
    endpointById: new Map(endpoints.map((e) => [e.id, e])),
    extraLanes: model.extraLanes.slice(),
    segments,
    segmentOrder: model.segmentOrder.slice(),
    instants: model.instants.slice(),
    stateEvents: model.stateEvents.map(stepOf),
    isn: new Map(model.isn),
    stats: { ...model.stats },
    firstBySeq: new Map(model.firstBySeq),
    narration: model.narration.slice(),
  };
}

/**
 * Number of stream events shown when the cursor stands at trace event `k`
 * (k trace events shown; inspection snapshots that follow the k-th trace event
 * belong to it). `traceIdx` lists the stream positions of the trace events.
 */
export function countForCursor(traceIdx, total, k) {
  if (k >= traceIdx.length) return total;
  return traceIdx[k];
}

/**
 * The state transitions a segment caused: the receiver's state events at the
 * delivery instant (on the connection the segment is addressed to, when it can
 * be told apart).
 */
export function causedBy(model, segId) {
  const s = model.segments.get(segId);
  if (!s || s.deliveredAt === null) return [];
  const atReceiver = model.stateEvents.filter((e) => e.endpoint === s.to && e.t === s.deliveredAt);
  const connId = `${s.seg.dstPort}-${addressOf(model, s.from)}:${s.seg.srcPort}`;
  const onConn = atReceiver.filter((e) => e.conn === connId || e.conn.startsWith(`${connId}#`));
  return onConn.length ? onConn : atReceiver;
}

/**
 * What took a transition (the other direction of causedBy): the segment delivered to that
 * connection at that instant just before the state line, else the timer or application call
 * that the XState event names. Null when nothing is known.
 */
export function causeOf(model, step) {
  let seg = null;
  for (let i = model.segmentOrder.length - 1; i >= 0; i--) {
    const s = model.segments.get(model.segmentOrder[i]);
    if (s.t < step.t - 600000) break;
    if (s.to !== step.endpoint || s.deliveredAt !== step.t || s.drop || s.deliverIndex > step.index) continue;
    const connId = `${s.seg.dstPort}-${addressOf(model, s.from)}:${s.seg.srcPort}`;
    if (step.conn !== connId && !step.conn.startsWith(`${connId}#`)) continue;
    if (!seg || s.deliverIndex > seg.deliverIndex) seg = s;
  }
  if (seg) return { kind: 'segment', segment: seg.id, text: `segment #${seg.id} ${segmentLabel(seg)}` };
  const event = step.event ?? '';
  if (/timeWait/.test(event)) return { kind: 'timer', segment: null, text: '2MSL timer (TIME_WAIT ended)' };
  if (/^xstate\.after\./.test(event))
    return { kind: 'timer', segment: null, text: `timer ${event.replace(/^xstate\.after\./, '')}` };
  if (/RTO|TIMEOUT|RETRANSMI/i.test(event))
    return { kind: 'timer', segment: null, text: `retransmission timer (${event})` };
  if (event && event !== 'SEGMENT_ARRIVES')
    return { kind: 'call', segment: null, text: `application call ${event}` };
  return null;
}

export function formatTime(t) {
  if (t === null || t === undefined || t < 0) return '–';
  if (t < 1000) return `${Math.round(t * 1000) / 1000} ms`;
  return `${(t / 1000).toFixed(3)} s`;
}

export function segmentLabel(s) {
  const flags = s.seg.flags.length ? s.seg.flags.join(',') : '–';
  const parts = [flags];
  if (s.relSeq !== null) parts.push(`seq=${s.relSeq}`);
  if (s.relAck !== null) parts.push(`ack=${s.relAck}`);
  parts.push(`len=${s.seg.len}`);
  return parts.join(' ');
}

/** Connection counts per state for one endpoint, in the statechart's state order. */
export function stateCounts(endpoint, order) {
  const counts = new Map();
  for (const c of endpoint.conns.values()) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  const known = order.filter((s) => counts.has(s)).map((s) => [s, counts.get(s)]);
  const other = [...counts].filter(([s]) => !order.includes(s));
  return [...known, ...other];
}

/** The context the page shows for a connection, with sequence numbers relative to the ISNs. */
export function contextRows(conn) {
  const c = conn?.context;
  if (!c) return [];
  const rel = (v, base) => (base ? signed32(v - base) : v);
  return [
    ['ISS', c.iss],
    ['IRS', c.irs],
    ['SND.UNA', rel(c.sndUna, c.iss)],
    ['SND.NXT', rel(c.sndNxt, c.iss)],
    ['SND.WND', c.sndWnd],
    ['RCV.NXT', rel(c.rcvNxt, c.irs)],
    ['RCV.WND', c.rcvWnd],
    ['RTO', `${c.rto} ms`],
    ['retries', c.retries],
    ['unacked', `${c.unacked} B`],
    ['queued', `${c.queued} B`],
  ];
}

/** Timers pending on a connection at virtual time `now`. */
export function pendingTimers(conn, endpoint, now) {
  const out = [];
  const c = conn?.context;
  if (c && typeof c.rtoDeadline === 'number' && c.rtoDeadline >= 0 && conn.state !== 'CLOSED') {
    out.push({ name: 'RTO', at: c.rtoDeadline, in: c.rtoDeadline - now });
  }
  if (conn?.state === 'TIME_WAIT' && conn.timeWaitSince !== null) {
    const at = conn.timeWaitSince + (endpoint?.timeWait ?? 60000);
    out.push({ name: '2MSL', at, in: at - now });
  }
  return out;
}
