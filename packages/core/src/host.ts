/**
 * A host: one IP address with its connection actors and listeners — the
 * demultiplexing layer between the network and the connection statecharts.
 * Pure and synchronous (no threads, no I/O): the network package runs one
 * Host per worker thread; tests and fuzzers can run Hosts in memory.
 */
import type { InspectionEvent } from 'xstate';
import type { VirtualClock } from './clock.js';
import { type ConnectionHandle, createConnection, type EngineKind } from './engine.js';
import type { HashKey } from './hash.js';
import type { IsnPolicy } from './isn.js';
import { createListenerActor, type ListenerActor } from './listener.js';
import type { TcpState } from './machine/states.js';
import { MAX_WINDOW_SHIFT, type SynOptions, TIMESTAMPS_OPTION_SPACE, tsOffsetFor } from './options.js';
import type { Profile } from './profiles.js';
import { Flag, type Segment, type SocketAddress } from './segment.js';
import { seqAdd } from './seq.js';
import {
  type CookieOptions,
  checkCookie,
  checkLinuxCookie,
  cookieTsval,
  decodeCookieTsecr,
  type LinuxCookieSecrets,
  linuxCookieSecrets,
  makeCookie,
  makeLinuxCookie,
} from './syncookies.js';
import { resetForClosed } from './tcb/segment-arrives.js';
import type {
  CloseReason,
  CongestionSnapshot,
  ConnectionOutput,
  RestoredCookieOptions,
  RetransmitCause,
  SocketOptions,
  TcpEvent,
} from './tcb/tcb.js';
import { timeWaitReopenIss } from './tcb/time-wait.js';
import { TupleTable } from './tuple-table.js';

export interface ListenOptions {
  /** Bound of the SYN queue (half-open entries). Linux holds backlog + 1 (see LINUX-TCP-FACTS.md). */
  backlog?: number;
  /** Bound of the accept queue of completed connections (Linux: min(backlog, somaxconn)). */
  acceptQueue?: number;
  /** Accept completed connections at once (default true); otherwise call `accept(port)`. */
  autoAccept?: boolean;
  /** Answer an ACK that finds the accept queue full with RST instead of dropping it (Linux tcp_abort_on_overflow). */
  abortOnOverflow?: boolean;
  /** Like Linux tcp_syncookies: 0 off, 1 only when the SYN queue overflows (default), 2 always. */
  syncookies?: 0 | 1 | 2;
}

export interface ListenerStats {
  synReceived: number;
  synAckSent: number;
  synAckRetransmitted: number;
  /** SYNs dropped because the SYN queue was full and cookies were off. */
  synQueueDrops: number;
  cookiesSent: number;
  cookiesValidated: number;
  cookiesRejected: number;
  acceptQueueOverflows: number;
  /** Half-open entries removed after their last SYN-ACK went unanswered. */
  halfOpenExpired: number;
  accepted: number;
  /** Largest SYN queue occupancy seen. */
  synQueuePeak: number;
}

/** [virtual ms, SYN queue length, accept queue length] whenever either changed (decimated to ≤ 2000 points). */
export type OccupancySample = [number, number, number];

export interface HostEvents {
  /** A segment leaves this host. `state` is the sending connection's state once the event was processed. */
  segment(
    segment: Segment,
    info: { conn?: string; state?: TcpState; retransmit?: string; cause?: RetransmitCause },
  ): void;
  state(conn: string, from: TcpState, to: TcpState): void;
  app(conn: string | undefined, event: string, detail?: Record<string, unknown>): void;
  timer(conn: string, timer: string, detail: Record<string, unknown>): void;
  /** The host itself discarded an arriving segment (e.g. SYN queue full). */
  drop(segment: Segment, reason: string): void;
  data?(conn: string, bytes: Uint8Array): void;
  /** The connection's congestion-control picture changed (RFC 5681 / RFC 9438 / RFC 8985 state). */
  cc?(conn: string, snapshot: CongestionSnapshot): void;
}

export interface HostOptions {
  id: string;
  address: string;
  profile: Profile;
  clock: VirtualClock;
  isnKey: HashKey;
  fixedIsn?: number;
  /** How ISNs are chosen (isn.ts): 'keyed-hash' (RFC 6528, default) or 'clock' (RFC 793, teaching). */
  isnPolicy?: IsnPolicy;
  events: HostEvents;
  inspect?: (event: InspectionEvent) => void;
  /** First ephemeral port for active opens (default 40000). */
  ephemeralPortStart?: number;
  /** 'actor' (default): every connection an XState actor. 'table': the lean interpreter (engine.ts). */
  engine?: EngineKind;
  /**
   * true (default): received data reaches the application at once. false: it waits in the
   * connection (shrinking the window) until `receive`, and a close() with it unread aborts
   * (profile.closeUnreadReset, Linux tcp_close).
   */
  autoRead?: boolean;
}

interface ConnRecord {
  id: string;
  /** Its 4-tuple in `conns` (the one it was created for: a return to LISTEN forgets the remote). */
  localPort: number;
  remote: SocketAddress;
  /** The state before its last change. */
  previous?: TcpState;
  conn: ConnectionHandle;
  state: TcpState;
  listener?: Listener;
  accepted: boolean;
}

interface Listener {
  port: number;
  options: Required<ListenOptions>;
  halfOpen: Set<string>;
  /** Half-open entries whose SYN-ACK timer has not expired yet (Linux's "young" requests). */
  young: Set<string>;
  acceptQueue: string[];
  stats: ListenerStats;
  occupancy: OccupancySample[];
  /** The listening socket as an XState actor counting its connections (actor engine). */
  actor?: ListenerActor;
  /** The SYN-ACK retry budget its half-open entries get when their timer fires (SYN-queue pruning). */
  synAckBudget: () => number;
}

const MAX_OCCUPANCY_SAMPLES = 2000;

/**
 * The connection id under which a listening socket's own states are reported (trace `state`
 * events with `conn: "listener:80"`, the id of its XState actor): CLOSED → LISTEN at listen(),
 * LISTEN → CLOSED when it is closed. Its half-open entries are separate connections whose states
 * start at LISTEN.
 */
export function listenerConnId(port: number): string {
  return `listener:${port}`;
}

/** Whether a trace `conn` is a listening socket (see {@link listenerConnId}), not a connection. */
export function isListenerConn(conn: string | undefined): boolean {
  return conn?.startsWith('listener:') ?? false;
}

export interface FinalConnection {
  conn: string;
  state: TcpState;
  reason?: CloseReason;
}

export class Host {
  readonly id: string;
  readonly address: string;
  private readonly conns = new TupleTable<ConnRecord>();
  private readonly byId = new Map<string, ConnRecord>();
  private readonly listeners = new Map<number, Listener>();
  private readonly finished: FinalConnection[] = [];
  private nextEphemeral: number;
  private readonly incarnations = new Map<string, number>();
  /** syncookie_secret[2] of the Linux layout: drawn from the host's key, i.e. from the seed. */
  private readonly cookieSecrets: LinuxCookieSecrets;

  constructor(private readonly options: HostOptions) {
    this.id = options.id;
    this.cookieSecrets = linuxCookieSecrets(options.isnKey);
    this.address = options.address;
    this.nextEphemeral = options.ephemeralPortStart ?? 40000;
  }

  get now(): number {
    return this.options.clock.now();
  }

  /** Active OPEN to `remote`; returns the connection id. */
  connect(remote: SocketAddress, opts: { localPort?: number } = {}): string {
    const localPort = opts.localPort ?? this.allocatePort(remote);
    const local = { addr: this.address, port: localPort };
    if (this.conns.has(localPort, remote.addr, remote.port)) {
      throw new Error(`${this.id}: connection ${localPort}|${remote.addr}:${remote.port} already exists`);
    }
    const record = this.spawn(local, remote);
    this.dispatch(record, { type: 'OPEN_ACTIVE', now: this.now });
    return record.id;
  }

  listen(port: number, opts: ListenOptions = {}): void {
    if (this.listeners.has(port)) throw new Error(`${this.id}: port ${port} is already listening`);
    const backlog = opts.backlog ?? 128;
    if (!(Number.isInteger(backlog) && backlog >= 1))
      throw new Error(`${this.id}: backlog must be ≥ 1, got ${backlog}`);
    const syncookies = opts.syncookies ?? 1;
    const listener: Listener = {
      port,
      options: {
        backlog,
        acceptQueue: opts.acceptQueue ?? Math.min(backlog, 4096),
        autoAccept: opts.autoAccept ?? true,
        abortOnOverflow: opts.abortOnOverflow ?? false,
        syncookies,
      },
      halfOpen: new Set(),
      young: new Set(),
      acceptQueue: [],
      stats: {
        synReceived: 0,
        synAckSent: 0,
        synAckRetransmitted: 0,
        synQueueDrops: 0,
        cookiesSent: 0,
        cookiesValidated: 0,
        cookiesRejected: 0,
        acceptQueueOverflows: 0,
        halfOpenExpired: 0,
        accepted: 0,
        synQueuePeak: 0,
      },
      occupancy: [],
      synAckBudget: () => synAckBudget(this.options.profile.synackRetries, listener),
    };
    if ((this.options.engine ?? 'actor') === 'actor') {
      listener.actor = createListenerActor({
        port,
        backlog,
        clock: this.options.clock,
        inspect: this.options.inspect,
      });
    }
    this.listeners.set(port, listener);
    this.options.events.app(undefined, 'listen', { port, backlog, syncookies });
    // The listening socket is in LISTEN from listen() on (RFC 9293 §3.10.1 passive OPEN).
    this.options.events.state(listenerConnId(port), 'CLOSED', 'LISTEN');
    this.sampleOccupancy(listener);
  }

  /**
   * The listening socket is closed: new SYNs to the port are refused with RST. Connections already
   * created stay (the caller resets the ones nobody accepted, as Linux inet_csk_listen_stop does).
   */
  unlisten(port: number): void {
    const listener = this.listeners.get(port);
    listener?.actor?.stop();
    this.listeners.delete(port);
    if (listener) this.options.events.state(listenerConnId(port), 'LISTEN', 'CLOSED');
  }

  /** Takes the oldest completed connection from the accept queue (undefined when empty). */
  accept(port: number): string | undefined {
    const listener = this.listeners.get(port);
    if (!listener) throw new Error(`${this.id}: nothing listens on port ${port}`);
    const id = listener.acceptQueue.shift();
    if (id !== undefined) this.markAccepted(listener, id);
    return id;
  }

  /** `more`: send(2) with MSG_MORE — only this write is corked (tcb/nagle.ts). */
  send(conn: string, data: Uint8Array, opts: { more?: boolean } = {}): void {
    this.dispatch(this.record(conn), {
      type: 'SEND',
      now: this.now,
      data,
      ...(opts.more ? { more: true } : {}),
    });
  }

  /** setsockopt: TCP_NODELAY, TCP_CORK, SO_KEEPALIVE, TCP_KEEP*, TCP_USER_TIMEOUT (tcb/socket-options.ts). */
  setSocketOptions(conn: string, options: Partial<SocketOptions>): void {
    this.dispatch(this.record(conn), { type: 'SET_SOCKET_OPTIONS', now: this.now, options });
  }

  /** The application reads (autoRead off): up to `bytes` bytes, or all that arrived in order. */
  receive(conn: string, bytes?: number): void {
    const limit = bytes === undefined ? {} : { bytes };
    this.dispatch(this.record(conn), { type: 'RECEIVE', now: this.now, ...limit });
  }

  /**
   * `orphan`: a close() after which nothing is read (the default models a half-close, SHUT_WR);
   * `unread`: bytes the application received but never read; `lingerZero`: SO_LINGER 0 (both make
   * a close() abort with RST, Linux tcp_close).
   */
  close(conn: string, opts: { orphan?: boolean; unread?: number; lingerZero?: boolean } = {}): void {
    const event = { type: 'CLOSE', now: this.now } as const;
    const extra = {
      ...(opts.orphan ? { orphan: true } : {}),
      ...(opts.unread ? { unread: opts.unread } : {}),
      ...(opts.lingerZero ? { lingerZero: true } : {}),
    };
    this.dispatch(this.record(conn), { ...event, ...extra });
  }

  abort(conn: string): void {
    this.dispatch(this.record(conn), { type: 'ABORT', now: this.now });
  }

  /** The host crashes and reboots: every connection vanishes without a segment (RFC 9293 figure 10). */
  restart(): void {
    for (const record of [...this.byId.values()]) {
      this.stopConnection(record);
      this.options.events.state(record.id, record.state, 'CLOSED');
      this.finished.push({ conn: record.id, state: 'CLOSED', reason: 'aborted' });
    }
    this.conns.clear();
    this.byId.clear();
    for (const listener of this.listeners.values()) {
      listener.halfOpen.clear();
      listener.young.clear();
      listener.acceptQueue = [];
    }
    this.options.events.app(undefined, 'restart');
  }

  /** A segment arrives from the network. */
  deliver(segment: Segment): void {
    if (segment.dstAddr !== this.address) {
      this.options.events.drop(segment, 'wrong-address');
      return;
    }
    const record = this.conns.get(segment.dstPort, segment.srcAddr, segment.srcPort);
    if (record && this.reopenFromTimeWait(record, segment)) return;
    if (record) {
      const listener = record.listener;
      // Accept-queue overflow (Linux): the ACK completing the handshake is dropped silently so the
      // client retransmits, or answered with RST when abortOnOverflow is set. Only an ACK that does
      // complete it (SEG.ACK = ISS + 1) counts: any other gets the usual RST from the connection.
      if (
        listener &&
        record.state === 'SYN_RECEIVED' &&
        segment.flags & Flag.ACK &&
        !(segment.flags & (Flag.SYN | Flag.RST)) &&
        segment.ack === seqAdd(record.conn.context.iss, 1) &&
        listener.acceptQueue.length >= listener.options.acceptQueue
      ) {
        listener.stats.acceptQueueOverflows++;
        if (listener.options.abortOnOverflow) {
          this.dispatch(record, { type: 'ABORT', now: this.now });
        } else {
          this.options.events.drop(segment, 'accept-queue-full');
        }
        return;
      }
      if (
        listener &&
        record.state === 'SYN_RECEIVED' &&
        segment.flags & Flag.SYN &&
        !(segment.flags & Flag.ACK)
      ) {
        listener.stats.synReceived++;
      }
      this.dispatch(record, { type: 'SEGMENT_ARRIVES', now: this.now, segment });
      return;
    }
    const listener = this.listeners.get(segment.dstPort);
    if (listener && segment.flags & Flag.SYN && !(segment.flags & (Flag.ACK | Flag.RST))) {
      this.acceptSyn(listener, segment);
      return;
    }
    if (listener && segment.flags & Flag.RST) return; // LISTEN ignores an incoming RST.
    // RFC 9293 §3.10.7.2 fourth ("other data or control"): a LISTEN socket drops a segment with
    // neither SYN nor ACK (a bare FIN, data); Linux tcp_rcv_state_process discards it too.
    if (listener && !(segment.flags & Flag.ACK)) {
      this.options.events.drop(segment, 'listen-no-ack');
      return;
    }
    // Only a listener that has sent cookies checks an ACK for one (Linux checks only after a recent
    // overflow): a stray ACK to a listener that never sent a cookie just gets its RST, and is not
    // counted as a rejected cookie.
    if (
      listener &&
      listener.options.syncookies > 0 &&
      listener.stats.cookiesSent > 0 &&
      segment.flags & Flag.ACK &&
      !(segment.flags & Flag.SYN)
    ) {
      if (this.acceptCookie(listener, segment)) return;
    }
    // RFC 9293 §3.10.7.1 (no TCB) and §3.10.7.2 (an ACK to a LISTEN socket): answer with a reset.
    const rst = resetForClosed(segment);
    if (rst) this.options.events.segment(rst, {});
  }

  /** Current connections: id and state. */
  connections(): Array<{ conn: string; state: TcpState }> {
    return [...this.byId.values()].map((r) => ({ conn: r.id, state: r.state }));
  }

  /** Connections that ended, in the order they ended. */
  finishedConnections(): readonly FinalConnection[] {
    return this.finished;
  }

  listenerStats(): Record<
    string,
    ListenerStats & { synQueue: number; acceptQueue: number; occupancy: OccupancySample[] }
  > {
    const out: Record<
      string,
      ListenerStats & { synQueue: number; acceptQueue: number; occupancy: OccupancySample[] }
    > = {};
    for (const l of this.listeners.values()) {
      out[String(l.port)] = {
        ...l.stats,
        synQueue: l.halfOpen.size,
        acceptQueue: l.acceptQueue.length,
        occupancy: l.occupancy,
      };
    }
    return out;
  }

  /**
   * Kept for callers that release ended connections at the end of each step: a connection that
   * reached CLOSED has no timers left and its listener was told at once, so nothing is deferred.
   */
  releaseClosed(): void {}

  /** State and TCB of a live connection (undefined once it has ended). */
  snapshotOf(conn: string): { value: TcpState; context: ConnectionHandle['context'] } | undefined {
    const record = this.byId.get(conn);
    return record ? { value: record.conn.state, context: record.conn.context } : undefined;
  }

  /** The XState actor of a live connection (actor engine only). */
  actorOf(conn: string) {
    return this.byId.get(conn)?.conn.actor;
  }

  /** Stops every connection (end of run). */
  dispose(): void {
    for (const record of this.byId.values()) this.stopConnection(record);
    for (const listener of this.listeners.values()) listener.actor?.stop();
    this.conns.clear();
    this.byId.clear();
  }

  // -------------------------------------------------------------------------

  /**
   * Linux tcp_v4_rcv, TCP_TW_SYN: a SYN that may reopen a TIME-WAIT 4-tuple (time-wait.ts) ends the
   * TIME-WAIT connection and goes to the listener, whose new connection takes the ISS Linux derives
   * from the old one (tcp_conn_request's tcp_tw_isn). Without a listener Linux ACKs it instead
   * (falls through to TCP_TW_ACK): the TIME-WAIT connection handles it as usual.
   */
  private reopenFromTimeWait(record: ConnRecord, segment: Segment): boolean {
    if (record.state !== 'TIME_WAIT') return false;
    const listener = this.listeners.get(segment.dstPort);
    const iss = listener ? timeWaitReopenIss(record.conn.context, segment) : undefined;
    if (!listener || iss === undefined) return false;
    this.dispatch(record, { type: 'ABORT', now: this.now });
    this.acceptSyn(listener, segment, iss);
    return true;
  }

  private acceptSyn(listener: Listener, segment: Segment, iss?: number): void {
    listener.stats.synReceived++;
    // Linux admits a SYN while the queue holds at most `backlog` entries (so backlog + 1 are held).
    const full = listener.halfOpen.size > listener.options.backlog;
    const cookies = listener.options.syncookies;
    if (cookies === 2 || (cookies === 1 && full)) {
      this.sendCookie(listener, segment);
      return;
    }
    if (full) {
      listener.stats.synQueueDrops++;
      this.options.events.drop(segment, 'syn-queue-full');
      return;
    }
    const record = this.spawn(
      { addr: this.address, port: segment.dstPort },
      { addr: segment.srcAddr, port: segment.srcPort },
      listener,
      iss,
    );
    listener.halfOpen.add(record.id);
    listener.young.add(record.id);
    listener.stats.synQueuePeak = Math.max(listener.stats.synQueuePeak, listener.halfOpen.size);
    this.sampleOccupancy(listener);
    this.dispatch(record, { type: 'OPEN_PASSIVE', now: this.now });
    this.dispatch(record, { type: 'SEGMENT_ARRIVES', now: this.now, segment });
  }

  /** Stateless SYN-ACK whose ISN is a SYN cookie (RFC 4987 §3.6): nothing is queued. */
  private sendCookie(listener: Listener, syn: Segment): void {
    const profile = this.options.profile;
    const tuple = this.cookieTuple(syn);
    const linux = profile.synCookies === 'linux';
    const cookie = linux
      ? makeLinuxCookie(this.cookieSecrets, tuple, syn.seq, syn.mss, this.now)
      : makeCookie(this.options.isnKey, tuple, syn.seq, syn.mss, this.now);
    listener.stats.cookiesSent++;
    listener.stats.synAckSent++;
    const synAck: Segment = {
      srcAddr: this.address,
      srcPort: syn.dstPort,
      dstAddr: syn.srcAddr,
      dstPort: syn.srcPort,
      seq: cookie,
      ack: seqAdd(syn.seq, 1),
      flags: Flag.SYN | Flag.ACK,
      win: profile.receiveBuffer,
      mss: profile.mss,
    };
    this.options.events.segment(linux ? { ...synAck, ...this.linuxCookieSynAck(syn) } : synAck, {});
  }

  /**
   * The window and options of a Linux cookie SYN-ACK (tcp_conn_request, want_cookie): with
   * timestamps on the SYN the usual echo of SACK-permitted, timestamps and window scale, the TSval
   * carrying what the SYN offered (cookie_init_timestamp); without them none (tcp_clear_options) —
   * the cookie could not remember them. The window is the usual first one (tcp_openreq_init_rwin:
   * 65160 with timestamps, 64240 without).
   */
  private linuxCookieSynAck(syn: Segment): SynOptions & { win: number } {
    const profile = this.options.profile;
    const timestamps = profile.timestamps && syn.ts !== undefined;
    const mss = profile.mss - (timestamps ? TIMESTAMPS_OPTION_SPACE : 0);
    const free = Math.min(0xffff, profile.receiveBuffer);
    const out: SynOptions & { win: number } = {
      win: profile.roundInitialWindow && free > mss ? free - (free % mss) : free,
    };
    if (!timestamps || !syn.ts) return out;
    const offered: CookieOptions = {
      sackOk: profile.sack && syn.sackOk === true,
      ...(profile.windowScaling && syn.wscale !== undefined
        ? { wscale: Math.min(syn.wscale, MAX_WINDOW_SHIFT) }
        : {}),
    };
    if (offered.sackOk) out.sackOk = true;
    const tsOffset = tsOffsetFor(this.options.isnKey, this.address, syn.srcAddr);
    out.ts = { val: (cookieTsval(Math.floor(this.now), offered) + tsOffset) >>> 0, ecr: syn.ts.val };
    if (offered.wscale !== undefined) out.wscale = Math.min(profile.windowScale, MAX_WINDOW_SHIFT);
    return out;
  }

  /** An ACK with no connection: a returning SYN cookie? Returns true when it was handled. */
  private acceptCookie(listener: Listener, ack: Segment): boolean {
    const linux = this.options.profile.synCookies === 'linux';
    const [tuple, cookie, clientIsn] = [this.cookieTuple(ack), seqAdd(ack.ack, -1), seqAdd(ack.seq, -1)];
    const check = linux
      ? checkLinuxCookie(this.cookieSecrets, tuple, cookie, clientIsn, this.now)
      : checkCookie(this.options.isnKey, tuple, cookie, clientIsn, this.now);
    if (!check.valid) {
      // A forged or stale cookie: the ACK is answered like any ACK to a LISTEN socket (RST).
      listener.stats.cookiesRejected++;
      this.options.events.drop(ack, `syncookie-${check.reason}`);
      return false;
    }
    if (listener.acceptQueue.length >= listener.options.acceptQueue) {
      listener.stats.acceptQueueOverflows++;
      this.options.events.drop(ack, 'accept-queue-full');
      return true;
    }
    listener.stats.cookiesValidated++;
    const record = this.spawn(
      { addr: this.address, port: ack.dstPort },
      { addr: ack.srcAddr, port: ack.srcPort },
      listener,
    );
    this.dispatch(record, { type: 'OPEN_PASSIVE', now: this.now });
    const restored = linux ? this.restoredCookieOptions(ack) : undefined;
    this.dispatch(record, {
      type: 'COOKIE_ACK',
      now: this.now,
      segment: ack,
      mss: check.mss,
      ...(restored ? { restored } : {}),
    });
    return true;
  }

  /**
   * cookie_tcp_check + cookie_timestamp_decode: the ACK's TSecr less our TS offset carries the
   * options in its low 6 bits. An option this host has switched off is not restored (Linux rejects
   * such a cookie; this model's SYN-ACK never encodes one).
   */
  private restoredCookieOptions(ack: Segment): RestoredCookieOptions {
    const profile = this.options.profile;
    const timestamps = profile.timestamps && ack.ts !== undefined;
    const tsOffset = tsOffsetFor(this.options.isnKey, this.address, ack.srcAddr);
    const echoed = timestamps && ack.ts ? (ack.ts.ecr - tsOffset) >>> 0 : undefined;
    const options = decodeCookieTsecr(echoed);
    return {
      timestamps,
      sackOk: profile.sack && options.sackOk,
      ...(profile.windowScaling && options.wscale !== undefined ? { wscale: options.wscale } : {}),
    };
  }

  private cookieTuple(segment: Segment) {
    return {
      localAddr: segment.dstAddr,
      localPort: segment.dstPort,
      remoteAddr: segment.srcAddr,
      remotePort: segment.srcPort,
    };
  }

  private sampleOccupancy(listener: Listener): void {
    const samples = listener.occupancy;
    const point: OccupancySample = [this.now, listener.halfOpen.size, listener.acceptQueue.length];
    const last = samples[samples.length - 1];
    if (last && last[1] === point[1] && last[2] === point[2]) return;
    // Several changes in one instant: keep the instant's highest point and, when the queues went
    // down again, the value they settled at (so a momentary peak is never lost).
    if (last && last[0] === point[0] && point[1] + point[2] >= last[1] + last[2])
      samples[samples.length - 1] = point;
    else samples.push(point);
    if (samples.length > MAX_OCCUPANCY_SAMPLES) listener.occupancy = decimate(samples);
  }

  /** `iss`: the ISS this connection must use (a TIME-WAIT reopen), else the host's choice. */
  private spawn(local: SocketAddress, remote: SocketAddress, listener?: Listener, iss?: number): ConnRecord {
    // A later incarnation of the same 4-tuple gets "#2", "#3", … so every connection keeps its own id.
    const base = `${local.port}-${remote.addr}:${remote.port}`;
    const incarnation = (this.incarnations.get(base) ?? 0) + 1;
    this.incarnations.set(base, incarnation);
    const id = incarnation === 1 ? base : `${base}#${incarnation}`;
    const input = {
      id,
      local,
      remote,
      profile: this.options.profile,
      isnKey: this.options.isnKey,
      fixedIsn: iss ?? this.options.fixedIsn,
      isnPolicy: this.options.isnPolicy,
      // RST in SYN_RECEIVED: back to LISTEN (RFC 9293) or freed silently (Linux); see afterEvent.
      returnToListen: listener !== undefined && this.options.profile.synReceivedRstToListen === true,
      synAckBudget: listener && this.options.profile.synQueuePruning ? listener.synAckBudget : undefined,
      ...(this.options.autoRead === false ? { autoRead: false } : {}),
    };
    const record = {
      id,
      localPort: local.port,
      remote,
      state: 'CLOSED',
      listener,
      accepted: false,
    } as ConnRecord;
    this.conns.set(local.port, remote.addr, remote.port, record);
    this.byId.set(id, record);
    const hooks = {
      processed: (state: TcpState) => this.afterEvent(record, state),
      output: (output: ConnectionOutput) => this.emitOutput(record, output),
    };
    record.conn = createConnection(this.options.engine ?? 'actor', input, hooks, {
      clock: this.options.clock,
      inspect: this.options.inspect,
    });
    listener?.actor?.send({ type: 'ADMIT', id });
    return record;
  }

  private dispatch(record: ConnRecord, event: TcpEvent): void {
    record.conn.send(event);
  }

  /** Called after every processed event of a connection (user call, segment or timer). */
  private afterEvent(record: ConnRecord, state: TcpState): void {
    const previous = record.state;
    if (previous !== state) {
      record.state = state;
      record.previous = previous;
      // A half-open entry is made by the listening socket, already in LISTEN (reported at
      // listen()): its own CLOSED → LISTEN is an artefact of one machine per connection, not a
      // step a reader should see ("the server was closed until the SYN came").
      if (!(record.listener && previous === 'CLOSED' && state === 'LISTEN'))
        this.options.events.state(record.id, previous, state);
      this.onStateChange(record, previous, state);
    }
  }

  /**
   * An entry the application never received (still SYN_RECEIVED, not accepted) that a RST
   * ended: no application event (RFC 9293 §3.10.7.4 "without informing the user"; Linux drops
   * the request socket, which no process holds).
   */
  private endsUnseen(record: ConnRecord, output: ConnectionOutput): boolean {
    return (
      record.listener !== undefined &&
      !record.accepted &&
      // Outputs come after the step's state change (engine.ts): the entry has just left SYN_RECEIVED.
      record.previous === 'SYN_RECEIVED' &&
      output.type === 'closed' &&
      output.reason === 'reset'
    );
  }

  private emitOutput(record: ConnRecord, output: ConnectionOutput): void {
    const events = this.options.events;
    switch (output.type) {
      case 'segment':
        if (record.listener && output.segment.flags & Flag.SYN && output.segment.flags & Flag.ACK) {
          record.listener.stats.synAckSent++;
          if (output.retransmit) record.listener.stats.synAckRetransmitted++;
        }
        events.segment(output.segment, {
          conn: record.id,
          state: record.state,
          retransmit: output.retransmit,
          ...(output.cause !== undefined ? { cause: output.cause } : {}),
        });
        break;
      case 'cc':
        events.cc?.(record.id, output.cc);
        break;
      case 'data':
        events.app(record.id, 'data', { bytes: output.bytes.length });
        events.data?.(record.id, output.bytes);
        break;
      case 'retransmit':
        // Its first SYN-ACK timeout makes a half-open entry old (Linux: `if (req->num_timeout++ == 0)`).
        if (output.kind === 'SYN-ACK') record.listener?.young.delete(record.id);
        events.timer(record.id, 'rto', { kind: output.kind, count: output.count, rto: output.rto });
        break;
      case 'closed':
        if (!this.endsUnseen(record, output)) events.app(record.id, 'closed', { reason: output.reason });
        break;
      case 'error':
        events.app(
          record.id,
          'error',
          output.discarded ? { error: output.error, discarded: output.discarded } : { error: output.error },
        );
        break;
      default:
        events.app(record.id, output.type);
    }
  }

  private onStateChange(record: ConnRecord, from: TcpState, to: TcpState): void {
    const listener = record.listener;
    const completed = to === 'ESTABLISHED' || to === 'CLOSE_WAIT' || to === 'FIN_WAIT_1';
    if (listener && (from === 'SYN_RECEIVED' || (from === 'LISTEN' && completed)) && to !== 'LISTEN') {
      listener.halfOpen.delete(record.id);
      listener.young.delete(record.id);
      if (to === 'CLOSED' && record.conn.context.closeReason === 'timeout') {
        listener.stats.halfOpenExpired++;
      }
      if (completed) {
        listener.acceptQueue.push(record.id);
        if (listener.options.autoAccept) this.accept(listener.port);
      }
      this.sampleOccupancy(listener);
    }
    // An entry returned to LISTEN (RFC 9293) is the listener's again: the connection is gone.
    const backToListen = listener !== undefined && from === 'SYN_RECEIVED' && to === 'LISTEN';
    if (backToListen) {
      listener.halfOpen.delete(record.id);
      listener.young.delete(record.id);
      this.sampleOccupancy(listener);
    }
    if ((to === 'CLOSED' && from !== 'CLOSED') || backToListen) {
      const reason = backToListen ? 'reset' : (record.conn.context.closeReason ?? undefined);
      this.finished.push({ conn: record.id, state: to, reason });
      if (listener) {
        const before = listener.halfOpen.size + listener.acceptQueue.length;
        listener.halfOpen.delete(record.id);
        listener.young.delete(record.id);
        listener.acceptQueue = listener.acceptQueue.filter((id) => id !== record.id);
        if (listener.halfOpen.size + listener.acceptQueue.length !== before) this.sampleOccupancy(listener);
        listener.actor?.send({ type: 'RELEASE', id: record.id });
      }
      this.conns.delete(record.localPort, record.remote.addr, record.remote.port);
      this.byId.delete(record.id);
      // A CLOSED connection has no timers left (nor one back in LISTEN: backToListen stopped its
      // RTO): its actor is simply forgotten.
    }
  }

  /** Stops a live connection (host restart, end of run) and tells its listener. */
  private stopConnection(record: ConnRecord): void {
    record.conn.stop();
    record.listener?.actor?.send({ type: 'RELEASE', id: record.id });
  }

  private markAccepted(listener: Listener, id: string): void {
    listener.stats.accepted++;
    this.sampleOccupancy(listener);
    const record = this.byId.get(id);
    if (record) record.accepted = true;
    this.options.events.app(id, 'accept', { port: listener.port });
  }

  private record(conn: string): ConnRecord {
    const record = this.byId.get(conn);
    if (!record) throw new Error(`${this.id}: no connection "${conn}"`);
    return record;
  }

  private allocatePort(remote: SocketAddress): number {
    for (let i = 0; i < 28232; i++) {
      const port = this.nextEphemeral;
      this.nextEphemeral = port >= 60999 ? 40000 : port + 1;
      if (!this.conns.has(port, remote.addr, remote.port)) return port;
    }
    throw new Error(`${this.id}: no free ephemeral port towards ${remote.addr}:${remote.port}`);
  }
}

/**
 * SYN-queue pruning, as Linux's reqsk_timer_handler: while the queue is more than half full
 * (qlen > max(8, backlog) / 2), an expiring entry's retry budget drops by one for each doubling of
 * the young entries that still does not reach qlen, down to 2 — "we reserve half of room for young
 * embrions; and abort old ones without pity, if old ones are about to clog our table".
 */
function synAckBudget(synackRetries: number, listener: Listener): number {
  const qlen = listener.halfOpen.size;
  let budget = synackRetries;
  if (qlen * 2 <= Math.max(8, listener.options.backlog)) return budget;
  let young = listener.young.size * 2;
  while (budget > 2 && qlen >= young) {
    budget--;
    young *= 2;
  }
  return budget;
}

/**
 * Halves an occupancy series for long floods: of each pair of neighbouring points the fuller one
 * stays (keeping every other point instead would lose every peak of a series alternating 9, 8,
 * 9, 8 …, as a full queue losing and regaining one entry does); the first and last points stay.
 */
function decimate(samples: OccupancySample[]): OccupancySample[] {
  const out: OccupancySample[] = [samples[0]];
  const end = samples.length - 1;
  for (let i = 1; i < end; i += 2) {
    const a = samples[i];
    const b = i + 1 < end ? samples[i + 1] : undefined;
    out.push(b && b[1] + b[2] > a[1] + a[2] ? b : a);
  }
  out.push(samples[end]);
  return out;
}
