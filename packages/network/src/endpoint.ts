/**
 * One endpoint's runtime: a core Host driven by a VirtualClock, plus the
 * interpreter of its application program (timeline actions and reactions).
 * It is plain synchronous code so it can run inside a worker thread
 * (worker.ts) or in the main thread (tests, fuzzing) with identical results.
 */
import {
  armedTimers,
  type CongestionSnapshot,
  Flag,
  flagsFromNames,
  getProfile,
  Host,
  isListenerConn,
  keyFromSeed,
  type RetransmitCause,
  SEND_ACCEPTING_STATES,
  type Segment,
  type SocketAddress,
  seqDiff,
  splitmix32,
  type TcpState,
  tcpStateOf,
  VirtualClock,
} from '@synack/core';
import type { InspectionEvent } from 'xstate';
import type { AppAction, EndpointConfig, RawSegment, Reaction } from './schema.js';

/** Everything an endpoint reports during a step, in the order it happened. */
export type EndpointRecord =
  | { k: 'seg'; seg: Segment; conn?: string; state?: string; retransmit?: string; cause?: RetransmitCause }
  | { k: 'cc'; conn: string; cc: CongestionSnapshot }
  | { k: 'state'; conn: string; from: string; to: string }
  | { k: 'app'; conn?: string; event: string; detail?: Record<string, unknown> }
  | { k: 'timer'; conn: string; timer: string; detail: Record<string, unknown> }
  | { k: 'drop'; seg: Segment; reason: string }
  | { k: 'inspect'; ev: SerializedInspection };

/** XState inspection events reduced to JSON (actor refs and functions stripped). */
export interface SerializedInspection {
  type: string;
  /** The connection id the actor belongs to. */
  actor: string;
  /** Event type processed (for @xstate.event / @xstate.snapshot). */
  event?: string;
  /** State value after the event (for @xstate.snapshot). */
  value?: string;
  /** Context fields an inspector shows (for @xstate.snapshot). */
  context?: Record<string, number | string | boolean>;
}

export interface EndpointInit {
  endpoint: EndpointConfig;
  /** Endpoint id → IPv4 address for every endpoint of the run. */
  addresses: Record<string, string>;
  /** Default profile name of the run. */
  profile: string;
  seed: number;
  /** Index of this endpoint (keys derive from seed and index). */
  index: number;
  inspect?: boolean;
  engine?: 'actor' | 'table';
  /**
   * Nobody reads the trace (placement.ts `quiet`): records that only feed trace lines (`cc`,
   * `timer`) are not made at all. Segments, states, app events and host drops still are.
   */
  quiet?: boolean;
}

export interface StepOutput {
  records: EndpointRecord[];
  /** Earliest pending timer, or null. */
  next: number | null;
}

/** A record stamped with the virtual instant it happened at. */
export type TimedRecord = EndpointRecord & { t: number };

export interface WindowOutput {
  /** Records of every instant processed, in time order. */
  records: TimedRecord[];
  /** Earliest pending timer, or null. */
  next: number | null;
  /** Last instant processed in the window (even when nothing was reported), or null. */
  last: number | null;
}

export interface ConnectionReport {
  conn: string;
  label?: string;
  state: string;
  reason?: string;
  bytesSent: number;
  bytesReceived: number;
  /** Bytes that did not match the sender's stream at their offset (must stay 0). */
  integrityErrors: number;
  peerClosed: boolean;
  /** The timers still running when the run ended (core armedTimers; empty once CLOSED). */
  timers: string[];
}

export interface EndpointReport {
  id: string;
  address: string;
  connections: ConnectionReport[];
  listeners: ReturnType<Host['listenerStats']>;
  pendingTimers: number;
}

function sameCongestion(a: CongestionSnapshot, b: CongestionSnapshot): boolean {
  return (
    a.state === b.state &&
    a.cwnd === b.cwnd &&
    a.ssthresh === b.ssthresh &&
    a.inFlight === b.inFlight &&
    a.sacked === b.sacked &&
    a.mss === b.mss
  );
}

/** Byte at offset k of every application stream (so receivers can verify order and content). */
export function streamByte(offset: number): number {
  return offset % 251;
}

/** The stream's period-251 pattern, long enough that any send up to 64 KiB is one slice of it. */
const PATTERN_SPAN = 65_536;
const STREAM_PATTERN = streamPattern(251 + PATTERN_SPAN);

function streamPattern(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = i % 251;
  return out;
}

/**
 * The stream's bytes [start, start + length): a read-only view of the shared pattern, no copy (a
 * SEND's bytes are copied into the TCB's send buffer, concatBytes; nothing writes to them).
 */
export function streamBytes(start: number, length: number): Uint8Array {
  const phase = start % 251;
  if (length <= PATTERN_SPAN) return STREAM_PATTERN.subarray(phase, phase + length);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (start + i) % 251;
  return out;
}

interface ConnInfo {
  conn: string;
  label?: string;
  state: string;
  reason?: string;
  txOffset: number;
  rxOffset: number;
  integrityErrors: number;
  peerClosed: boolean;
  /** SO_LINGER: undefined when off, else the linger time in ms (0: close() aborts with RST). */
  lingerMs?: number;
  /** A close() lingering for the FIN's ACK: the deadline timer, cancelled when the FIN is acked. */
  lingerTimer?: number;
  /** An active open: when connect() was called, when it became ESTABLISHED and the ISN it saw (isn-spoof probes). */
  openedAt?: number;
  syncedAt?: number;
  irs?: number;
}

/** States in which a lingering close() still waits: our FIN is not yet acknowledged. */
const FIN_UNACKED_STATES: readonly string[] = ['FIN_WAIT_1', 'CLOSING', 'LAST_ACK'];

export class EndpointRuntime {
  readonly id: string;
  readonly address: string;
  readonly clock = new VirtualClock();
  private readonly host: Host;
  private records: EndpointRecord[] = [];
  private readonly conns = new Map<string, ConnInfo>();
  private readonly order: string[] = [];
  private readonly labels = new Map<string, string>();
  private lastConn: string | undefined;
  private acceptedCount = 0;
  private connectCount = 0;
  private readonly reactions: Reaction[];
  private readonly lastCongestion = new Map<string, CongestionSnapshot>();

  constructor(private readonly init: EndpointInit) {
    const endpoint = init.endpoint;
    this.id = endpoint.id;
    this.address = init.addresses[endpoint.id];
    this.reactions = endpoint.reactions ?? [];
    const profile = getProfile(endpoint.profile ?? init.profile, endpoint.profileOverrides ?? {});
    this.host = new Host({
      id: endpoint.id,
      address: this.address,
      profile,
      clock: this.clock,
      isnKey: keyFromSeed(init.seed, init.index + 1),
      fixedIsn: endpoint.fixedIsn,
      isnPolicy: endpoint.isnPolicy,
      engine: init.engine,
      ...(endpoint.autoRead === false ? { autoRead: false } : {}),
      inspect: init.inspect ? (ev) => this.onInspect(ev) : undefined,
      events: {
        segment: (seg, info) =>
          this.records.push(
            info.cause !== undefined
              ? {
                  k: 'seg',
                  seg,
                  conn: info.conn,
                  state: info.state,
                  retransmit: info.retransmit,
                  cause: info.cause,
                }
              : { k: 'seg', seg, conn: info.conn, state: info.state, retransmit: info.retransmit },
          ),
        state: (conn, from, to) => this.onState(conn, from, to),
        app: (conn, event, detail) => this.onApp(conn, event, detail),
        timer: (conn, timer, detail) => {
          if (!init.quiet) this.records.push({ k: 'timer', conn, timer, detail });
        },
        drop: (seg, reason) => this.records.push({ k: 'drop', seg, reason }),
        data: (conn, bytes) => this.onData(conn, bytes),
        cc: (conn, snapshot) => this.onCongestion(conn, snapshot),
      },
    });
    for (const action of endpoint.actions ?? []) {
      this.clock.schedule(() => this.perform(action), action.at);
    }
  }

  /** Advances to `t`, fires due timers, delivers the segments, and returns what happened. */
  step(t: number, deliveries: readonly Segment[]): StepOutput {
    this.clock.advanceTo(t);
    for (const segment of deliveries) this.host.deliver(segment);
    // Reactions scheduled "now" by those deliveries run in the same instant.
    this.clock.advanceTo(t);
    this.host.releaseClosed();
    const records = this.records;
    this.records = [];
    return { records, next: this.clock.nextDeadline() ?? null };
  }

  /**
   * Processes every instant t of this endpoint with t === start or t < until, in order:
   * its own timers and the deliveries due then (`deliveries` sorted by time). The coordinator
   * guarantees nothing else can reach this endpoint before `until` (the lookahead window).
   */
  runWindow(
    start: number,
    until: number,
    deliveries: ReadonlyArray<{ t: number; seg: Segment }>,
  ): WindowOutput {
    const records: TimedRecord[] = [];
    let i = 0;
    let last: number | null = null;
    for (;;) {
      const nextDelivery = i < deliveries.length ? deliveries[i].t : Number.POSITIVE_INFINITY;
      const t = Math.min(nextDelivery, this.clock.nextDeadline() ?? Number.POSITIVE_INFINITY);
      if (t === Number.POSITIVE_INFINITY || !(t === start || t < until)) break;
      const batch: Segment[] = [];
      while (i < deliveries.length && deliveries[i].t === t) batch.push(deliveries[i++].seg);
      last = t;
      const stepped = this.step(t, batch).records;
      for (let k = 0; k < stepped.length; k++) {
        const record = stepped[k] as TimedRecord;
        record.t = t;
        records.push(record);
      }
    }
    return { records, next: this.clock.nextDeadline() ?? null, last };
  }

  nextDeadline(): number | null {
    return this.clock.nextDeadline() ?? null;
  }

  report(): EndpointReport {
    return {
      id: this.id,
      address: this.address,
      connections: this.order.map((conn) => {
        const info = this.conns.get(conn)!;
        const live = this.host.snapshotOf(conn);
        const ctx = live?.context;
        return {
          conn,
          label: info.label,
          state: info.state,
          reason: info.reason,
          bytesSent: info.txOffset,
          bytesReceived: info.rxOffset,
          integrityErrors: info.integrityErrors,
          peerClosed: info.peerClosed || (ctx?.peerFinReceived ?? false),
          timers: live ? armedTimers(live.context, live.value) : [],
        };
      }),
      listeners: this.host.listenerStats(),
      pendingTimers: this.clock.pending,
    };
  }

  dispose(): void {
    this.host.dispose();
  }

  // -------------------------------------------------------------------------

  private resolveAddress(target: string): string {
    return this.init.addresses[target] ?? target;
  }

  private connFor(label: string | undefined): string | undefined {
    if (label === undefined) return this.lastConn;
    return this.labels.get(label) ?? (this.conns.has(label) ? label : undefined);
  }

  private perform(action: AppAction): void {
    switch (action.do) {
      case 'listen':
        this.host.listen(action.port, {
          backlog: action.backlog,
          acceptQueue: action.acceptQueue,
          autoAccept: action.autoAccept,
          abortOnOverflow: action.abortOnOverflow,
          syncookies: action.syncookies,
        });
        return;
      case 'connect': {
        const label = action.as ?? `c${++this.connectCount}`;
        const remote: SocketAddress = { addr: this.resolveAddress(action.to), port: action.port };
        this.pendingLabel = label;
        const record: EndpointRecord = {
          k: 'app',
          event: 'connect',
          detail: { label, to: action.to, port: action.port },
        };
        // The application's call comes before what the connection does about it.
        this.records.push(record);
        const conn = this.host.connect(remote, { localPort: action.localPort });
        record.conn = conn;
        this.pendingLabel = undefined;
        this.labels.set(label, conn);
        this.conns.get(conn)!.label = label;
        this.conns.get(conn)!.openedAt = this.clock.now();
        this.lastConn = conn;
        return;
      }
      case 'accept':
        this.host.accept(action.port);
        return;
      case 'send':
        this.withConn(action.conn, 'send', (conn) => this.sendBytes(conn, action.bytes, action.more));
        return;
      case 'close':
        this.withConn(action.conn, 'close', (conn) => this.close(conn, action.full === true));
        return;
      case 'abort':
        this.withConn(action.conn, 'abort', (conn) => this.host.abort(conn));
        return;
      case 'receive':
        this.withConn(action.conn, 'receive', (conn) => this.host.receive(conn));
        return;
      case 'setsockopt': {
        const { at: _at, do: _do, conn: _conn, linger, ...options } = action;
        this.withConn(action.conn, 'setsockopt', (conn) => {
          if (linger) this.conns.get(conn)!.lingerMs = linger.on ? linger.seconds * 1000 : undefined;
          if (Object.keys(options).length > 0) this.host.setSocketOptions(conn, options);
        });
        return;
      }
      case 'restart':
        this.host.restart();
        this.lastConn = undefined;
        return;
      case 'raw':
        this.emitRaw(action.segment, action.to);
        return;
      case 'syn-flood':
        this.synFlood(action);
        return;
      case 'isn-spoof':
        this.isnSpoof(action);
        return;
    }
  }

  private pendingLabel: string | undefined;

  private withConn(label: string | undefined, what: string, fn: (conn: string) => void): void {
    const conn = this.connFor(label);
    const live = conn !== undefined && this.host.snapshotOf(conn) !== undefined;
    if (!conn || !live) {
      this.records.push({
        k: 'app',
        conn,
        event: 'error',
        detail: { error: `${what}: no open connection${label ? ` "${label}"` : ''}` },
      });
      return;
    }
    fn(conn);
  }

  /** An application write of `bytes` stream bytes; `more`: with MSG_MORE (core tcb/nagle.ts). */
  private sendBytes(conn: string, bytes: number, more = false): void {
    const info = this.conns.get(conn)!;
    const data = streamBytes(info.txOffset, bytes);
    // Only bytes the connection accepts join the stream (RFC 9293 §3.10.2: SEND is refused once
    // CLOSE was called, with "connection closing"); a refused SEND still reaches the TCB for its error.
    const snapshot = this.host.snapshotOf(conn);
    const accepts =
      snapshot !== undefined &&
      (SEND_ACCEPTING_STATES as readonly string[]).includes(snapshot.value) &&
      snapshot.context.finSeq === undefined;
    if (accepts) info.txOffset += bytes;
    // The trace says which SENDs the connection refused, so app lines, the stream and the
    // summary's bytesSent add up the same way (issue 19): sum of unrefused sends = bytesSent.
    this.records.push({
      k: 'app',
      conn,
      event: 'send',
      detail: { bytes, ...(more ? { more } : {}), ...(accepts ? {} : { refused: true }) },
    });
    this.host.send(conn, data, { more });
  }

  private emitRaw(raw: RawSegment, to?: string): void {
    const dstAddr = raw.dstAddr ?? (to ? this.resolveAddress(to) : undefined);
    if (!dstAddr) throw new Error(`${this.id}: raw segment needs dstAddr or "to"`);
    const flags = flagsFromNames(raw.flags);
    const segment: Segment = {
      srcAddr: raw.srcAddr ?? this.address,
      srcPort: raw.srcPort,
      dstAddr,
      dstPort: raw.dstPort,
      seq: raw.seq >>> 0,
      ack: (raw.ack ?? 0) >>> 0,
      flags,
      win: raw.win ?? 65535,
      ...(raw.mss !== undefined ? { mss: raw.mss } : flags & Flag.SYN ? { mss: 1460 } : {}),
      // A segment owns its bytes (streamBytes is a view of a shared pattern).
      ...(raw.len ? { data: streamBytes(0, raw.len).slice() } : {}),
    };
    this.records.push({ k: 'seg', seg: segment });
  }

  /**
   * The off-path attack of RFC 6528 §1 done honestly: everything comes from what this endpoint
   * saw on its own probe connections (their ISNs and round trips), nothing from the peer's state.
   */
  private isnSpoof(action: Extract<AppAction, { do: 'isn-spoof' }>): void {
    const probes = action.probes.map((label) => this.conns.get(this.labels.get(label) ?? ''));
    const [a, b] = probes;
    const seen = (
      p: ConnInfo | undefined,
    ): p is ConnInfo & { openedAt: number; syncedAt: number; irs: number } =>
      p?.openedAt !== undefined && p.syncedAt !== undefined && p.irs !== undefined;
    if (!seen(a) || !seen(b) || a === b) {
      this.records.push({ k: 'app', event: 'error', detail: { error: 'isn-spoof: probes saw no two ISNs' } });
      return;
    }
    // The peer chose each ISN when the SYN arrived: half the round trip after connect().
    const isnAt = (p: typeof a) => (p.openedAt + p.syncedAt) / 2;
    const oneWay = (b.syncedAt - b.openedAt) / 2;
    const ticksPerMs = seqDiff(b.irs, a.irs) / (isnAt(b) - isnAt(a));
    const arrival = this.clock.now() + oneWay;
    const guess = (b.irs + Math.round(ticksPerMs * (arrival - isnAt(b)))) >>> 0;
    const isn = action.isn ?? 0x0bad_5eed;
    const dstAddr = this.resolveAddress(action.to);
    const forged = { srcAddr: action.spoofAddr, srcPort: action.spoofPort, dstAddr, dstPort: action.port };
    this.records.push({
      k: 'app',
      event: 'isn-guess',
      detail: {
        observed: b.irs,
        perSecond: Math.round(ticksPerMs * 1000),
        guess,
        spoofed: `${action.spoofAddr}:${action.spoofPort}`,
      },
    });
    this.records.push({
      k: 'seg',
      seg: { ...forged, seq: isn, ack: 0, flags: Flag.SYN, win: 65535, mss: 1460 },
    });
    this.clock.schedule(
      () => {
        this.records.push({
          k: 'seg',
          seg: {
            ...forged,
            seq: (isn + 1) >>> 0,
            ack: (guess + 1) >>> 0,
            flags: Flag.ACK | Flag.PSH,
            win: 65535,
            data: streamBytes(0, action.bytes).slice(),
          },
        });
      },
      action.ackAfter ?? 2 * oneWay,
    );
  }

  private synFlood(action: Extract<AppAction, { do: 'syn-flood' }>): void {
    const interval = action.interval ?? 1;
    const net = action.srcNet ?? '10.99';
    const dstAddr = this.resolveAddress(action.to);
    for (let i = 0; i < action.count; i++) {
      this.clock.schedule(() => {
        const n = i + 1;
        this.records.push({
          k: 'seg',
          seg: {
            srcAddr: `${net}.${(n >> 8) & 255}.${n & 255}`,
            srcPort: 1024 + (n % 60000),
            dstAddr,
            dstPort: action.port,
            seq: splitmix32((this.init.seed ^ Math.imul(n, 0x9e3779b1)) >>> 0),
            ack: 0,
            flags: Flag.SYN,
            win: 65535,
            mss: 1460,
          },
        });
      }, i * interval);
    }
    this.records.push({ k: 'app', event: 'syn-flood', detail: { count: action.count, interval } });
  }

  private onState(conn: string, from: TcpState, to: TcpState): void {
    // The listening socket's own LISTEN (conn "listener:PORT") is traced but is no connection: it
    // has no bytes, no close reason and no place among the final states.
    if (isListenerConn(conn)) {
      this.records.push({ k: 'state', conn, from, to });
      return;
    }
    let info = this.conns.get(conn);
    if (!info) {
      info = {
        conn,
        label: this.pendingLabel,
        state: from,
        txOffset: 0,
        rxOffset: 0,
        integrityErrors: 0,
        peerClosed: false,
      };
      this.conns.set(conn, info);
      this.order.push(conn);
    }
    info.state = to;
    if (from === 'SYN_SENT' && to === 'ESTABLISHED') {
      info.syncedAt = this.clock.now();
      info.irs = this.host.snapshotOf(conn)?.context.irs;
    }
    if (to === 'CLOSED') this.lastCongestion.delete(conn);
    this.records.push({ k: 'state', conn, from, to });
    if (info.lingerTimer !== undefined && !FIN_UNACKED_STATES.includes(to)) this.lingerReturned(info, true);
  }

  private onApp(conn: string | undefined, event: string, detail?: Record<string, unknown>): void {
    this.records.push(detail ? { k: 'app', conn, event, detail } : { k: 'app', conn, event });
    if (conn === undefined) return;
    const info = this.conns.get(conn);
    if (event === 'accept' && info) {
      const label = `accepted${++this.acceptedCount}`;
      info.label = label;
      this.labels.set(label, conn);
      this.lastConn = conn;
    }
    if (event === 'peer-closed' && info) info.peerClosed = true;
    if (event === 'closed' && info) info.reason = String(detail?.reason ?? 'normal');
    // Queued bytes a CLOSE discarded ("error: closing", RFC 9293 §3.10.4) were never sent after all.
    if (event === 'error' && info && typeof detail?.discarded === 'number') info.txOffset -= detail.discarded;
    const on = event === 'accept' ? 'accept' : event;
    for (const reaction of this.reactions) {
      if (reaction.on !== on) continue;
      // Reactions run after the current event is fully processed, at the same virtual instant or later.
      this.clock.schedule(() => this.react(conn, reaction), reaction.after ?? 0);
    }
  }

  private react(conn: string, reaction: Reaction): void {
    if (!this.host.snapshotOf(conn)) return;
    if (reaction.do === 'send') this.sendBytes(conn, reaction.bytes ?? 0);
    else if (reaction.do === 'close') this.close(conn);
    else this.host.abort(conn);
  }

  /**
   * close() (`full`: the socket's close(), else a half-close), with SO_LINGER as Linux's
   * tcp_close: linger 0 aborts with RST (tcp_disconnect); a
   * linger time makes the application's close() return only once the FIN is acknowledged or the
   * time has passed (sk_stream_wait_close), told by a `close-returned` app event. Nothing
   * different leaves the wire for a non-zero linger.
   */
  private close(conn: string, full = false): void {
    const info = this.conns.get(conn);
    const lingerMs = info?.lingerMs;
    // SO_LINGER 0 is a full close() (tcp_close, not a half-close): the core aborts it. A full
    // close() with data still unread (autoRead false) aborts too, where the profile says so.
    this.host.close(conn, {
      ...(full || lingerMs === 0 ? { orphan: true } : {}),
      ...(lingerMs === 0 ? { lingerZero: true } : {}),
    });
    if (!info || !lingerMs) return;
    if (!FIN_UNACKED_STATES.includes(info.state)) {
      this.lingerReturned(info, true);
      return;
    }
    info.lingerTimer = this.clock.schedule(() => this.lingerReturned(info, false), lingerMs);
  }

  /** The lingering close() returns: `drained` when the FIN was acknowledged, else the linger time ran out. */
  private lingerReturned(info: ConnInfo, drained: boolean): void {
    if (info.lingerTimer !== undefined) this.clock.clearTimeout(info.lingerTimer);
    info.lingerTimer = undefined;
    this.records.push({ k: 'app', conn: info.conn, event: 'close-returned', detail: { drained } });
  }

  private onData(conn: string, bytes: Uint8Array): void {
    const info = this.conns.get(conn);
    if (!info) return;
    // streamByte(rxOffset + i), counted up instead of a modulo per byte.
    let expected = streamByte(info.rxOffset);
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== expected) info.integrityErrors++;
      expected = expected === 250 ? 0 : expected + 1;
    }
    info.rxOffset += bytes.length;
  }

  /** Reports a congestion snapshot only when it differs from the connection's last one (the trace contract). */
  private onCongestion(conn: string, snapshot: CongestionSnapshot): void {
    if (this.init.quiet) return;
    const last = this.lastCongestion.get(conn);
    if (last && sameCongestion(last, snapshot)) return;
    this.lastCongestion.set(conn, snapshot);
    this.records.push({ k: 'cc', conn, cc: { ...snapshot } });
  }

  private onInspect(ev: InspectionEvent): void {
    // The actor's id is the connection id (set in core's engine.ts); reading its snapshot here
    // would fail for '@xstate.actor', which XState sends while the actor is being constructed.
    const actor = (ev.actorRef as { id?: string }).id ?? '?';
    const out: SerializedInspection = { type: ev.type, actor };
    if (ev.type === '@xstate.event') out.event = ev.event.type;
    if (ev.type === '@xstate.snapshot') {
      const snap = ev.snapshot as { value?: unknown; context?: Record<string, unknown> };
      out.event = ev.event.type;
      out.value = typeof snap.value === 'string' ? snap.value : tcpStateOf(snap.value);
      const c = snap.context as Record<string, any> | undefined;
      if (c && !('sndUna' in c)) {
        // The listener actor: its context is just port and backlog.
        out.context = { port: c.port, backlog: c.backlog };
      } else if (c) {
        out.context = {
          iss: c.iss,
          irs: c.irs,
          sndUna: c.sndUna,
          sndNxt: c.sndNxt,
          sndWnd: c.sndWnd,
          rcvNxt: c.rcvNxt,
          rcvWnd: Math.max(0, c.profile.receiveBuffer - c.readable.length),
          rto: c.rtt.rto,
          retries: c.retries,
          rtoDeadline: c.rtoDeadline,
          unacked: Math.max(0, (c.sndMax - c.sndUna) | 0),
          queued: c.sendBuffer.length,
        };
      }
    }
    this.records.push({ k: 'inspect', ev: out });
  }
}
