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
import type { Profile } from './profiles.js';
import { Flag, type Segment, type SocketAddress } from './segment.js';
import { type CloseReason, type ConnectionOutput, resetForClosed, type TcpEvent, type TcpState } from './tcb.js';

export interface ListenOptions {
  /** Bound of the SYN queue (half-open entries). Linux holds backlog + 1 (see LINUX-TCP-FACTS.md). */
  backlog?: number;
  /** Bound of the accept queue of completed connections (Linux: min(backlog, somaxconn)). */
  acceptQueue?: number;
  /** Accept completed connections at once (default true); otherwise call `accept(port)`. */
  autoAccept?: boolean;
  /** Answer an ACK that finds the accept queue full with RST instead of dropping it (Linux tcp_abort_on_overflow). */
  abortOnOverflow?: boolean;
}

export interface ListenerStats {
  synReceived: number;
  synAckSent: number;
  synAckRetransmitted: number;
  synQueueDrops: number;
  acceptQueueOverflows: number;
  halfOpenExpired: number;
  accepted: number;
}

export interface HostEvents {
  /** A segment leaves this host. `state` is the sending connection's state once the event was processed. */
  segment(segment: Segment, info: { conn?: string; state?: TcpState; retransmit?: string }): void;
  state(conn: string, from: TcpState, to: TcpState): void;
  app(conn: string | undefined, event: string, detail?: Record<string, unknown>): void;
  timer(conn: string, timer: string, detail: Record<string, unknown>): void;
  /** The host itself discarded an arriving segment (e.g. SYN queue full). */
  drop(segment: Segment, reason: string): void;
  data?(conn: string, bytes: Uint8Array): void;
}

export interface HostOptions {
  id: string;
  address: string;
  profile: Profile;
  clock: VirtualClock;
  isnKey: HashKey;
  fixedIsn?: number;
  events: HostEvents;
  inspect?: (event: InspectionEvent) => void;
  /** First ephemeral port for active opens (default 40000). */
  ephemeralPortStart?: number;
  /** 'actor' (default): every connection an XState actor. 'table': the lean interpreter (engine.ts). */
  engine?: EngineKind;
}

interface ConnRecord {
  id: string;
  conn: ConnectionHandle;
  state: TcpState;
  listener?: Listener;
  accepted: boolean;
}

interface Listener {
  port: number;
  options: Required<ListenOptions>;
  halfOpen: Set<string>;
  acceptQueue: string[];
  stats: ListenerStats;
}

export interface FinalConnection {
  conn: string;
  state: TcpState;
  reason?: CloseReason;
}

export class Host {
  readonly id: string;
  readonly address: string;
  private readonly conns = new Map<string, ConnRecord>();
  private readonly byId = new Map<string, ConnRecord>();
  private readonly listeners = new Map<number, Listener>();
  private readonly finished: FinalConnection[] = [];
  private nextEphemeral: number;
  private readonly incarnations = new Map<string, number>();

  constructor(private readonly options: HostOptions) {
    this.id = options.id;
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
    const key = tupleKey(localPort, remote.addr, remote.port);
    if (this.conns.has(key)) throw new Error(`${this.id}: connection ${key} already exists`);
    const record = this.spawn(local, remote);
    this.dispatch(record, { type: 'OPEN_ACTIVE', now: this.now });
    return record.id;
  }

  listen(port: number, opts: ListenOptions = {}): void {
    if (this.listeners.has(port)) throw new Error(`${this.id}: port ${port} is already listening`);
    const backlog = opts.backlog ?? 128;
    this.listeners.set(port, {
      port,
      options: {
        backlog,
        acceptQueue: opts.acceptQueue ?? Math.min(backlog, 4096),
        autoAccept: opts.autoAccept ?? true,
        abortOnOverflow: opts.abortOnOverflow ?? false,
      },
      halfOpen: new Set(),
      acceptQueue: [],
      stats: {
        synReceived: 0,
        synAckSent: 0,
        synAckRetransmitted: 0,
        synQueueDrops: 0,
        acceptQueueOverflows: 0,
        halfOpenExpired: 0,
        accepted: 0,
      },
    });
    this.options.events.app(undefined, 'listen', { port, backlog });
  }

  /** Takes the oldest completed connection from the accept queue (undefined when empty). */
  accept(port: number): string | undefined {
    const listener = this.listeners.get(port);
    if (!listener) throw new Error(`${this.id}: nothing listens on port ${port}`);
    const id = listener.acceptQueue.shift();
    if (id !== undefined) this.markAccepted(listener, id);
    return id;
  }

  send(conn: string, data: Uint8Array): void {
    this.dispatch(this.record(conn), { type: 'SEND', now: this.now, data });
  }

  receive(conn: string): void {
    this.dispatch(this.record(conn), { type: 'RECEIVE', now: this.now });
  }

  close(conn: string): void {
    this.dispatch(this.record(conn), { type: 'CLOSE', now: this.now });
  }

  abort(conn: string): void {
    this.dispatch(this.record(conn), { type: 'ABORT', now: this.now });
  }

  /** The host crashes and reboots: every connection vanishes without a segment (RFC 9293 figure 10). */
  restart(): void {
    for (const record of [...this.byId.values()]) {
      record.conn.stop();
      this.options.events.state(record.id, record.state, 'CLOSED');
      this.finished.push({ conn: record.id, state: 'CLOSED', reason: 'aborted' });
    }
    this.conns.clear();
    this.byId.clear();
    for (const listener of this.listeners.values()) {
      listener.halfOpen.clear();
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
    const key = tupleKey(segment.dstPort, segment.srcAddr, segment.srcPort);
    const record = this.conns.get(key);
    if (record) {
      const listener = record.listener;
      // Accept-queue overflow (Linux): the ACK completing the handshake is dropped silently so the
      // client retransmits, or answered with RST when abortOnOverflow is set.
      if (
        listener &&
        record.state === 'SYN_RECEIVED' &&
        segment.flags & Flag.ACK &&
        !(segment.flags & (Flag.SYN | Flag.RST)) &&
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
      if (listener && record.state === 'SYN_RECEIVED' && segment.flags & Flag.SYN && !(segment.flags & Flag.ACK)) {
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

  listenerStats(): Record<string, ListenerStats & { synQueue: number; acceptQueue: number }> {
    const out: Record<string, ListenerStats & { synQueue: number; acceptQueue: number }> = {};
    for (const l of this.listeners.values()) {
      out[String(l.port)] = { ...l.stats, synQueue: l.halfOpen.size, acceptQueue: l.acceptQueue.length };
    }
    return out;
  }

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
    for (const record of this.byId.values()) record.conn.stop();
    this.conns.clear();
    this.byId.clear();
  }

  // -------------------------------------------------------------------------

  private acceptSyn(listener: Listener, segment: Segment): void {
    listener.stats.synReceived++;
    // Linux admits a SYN while the queue holds at most `backlog` entries (so backlog + 1 are held).
    if (listener.halfOpen.size > listener.options.backlog) {
      listener.stats.synQueueDrops++;
      this.options.events.drop(segment, 'syn-queue-full');
      return;
    }
    const local = { addr: this.address, port: segment.dstPort };
    const remote = { addr: segment.srcAddr, port: segment.srcPort };
    const record = this.spawn(local, remote, listener);
    listener.halfOpen.add(record.id);
    this.dispatch(record, { type: 'OPEN_PASSIVE', now: this.now });
    this.dispatch(record, { type: 'SEGMENT_ARRIVES', now: this.now, segment });
  }

  private spawn(local: SocketAddress, remote: SocketAddress, listener?: Listener): ConnRecord {
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
      fixedIsn: this.options.fixedIsn,
      returnToListen: false,
    };
    const record = { id, state: 'CLOSED', listener, accepted: false } as ConnRecord;
    this.conns.set(tupleKey(local.port, remote.addr, remote.port), record);
    this.byId.set(id, record);
    record.conn = createConnection(
      this.options.engine ?? 'actor',
      input,
      {
        processed: (state) => this.afterEvent(record, state),
        output: (output) => this.emitOutput(record, output),
      },
      { clock: this.options.clock, inspect: this.options.inspect },
    );
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
      this.options.events.state(record.id, previous, state);
      this.onStateChange(record, previous, state);
    }
  }

  private emitOutput(record: ConnRecord, output: ConnectionOutput): void {
    const events = this.options.events;
    {
      switch (output.type) {
        case 'segment':
          if (record.listener && output.segment.flags & Flag.SYN && output.segment.flags & Flag.ACK) {
            record.listener.stats.synAckSent++;
            if (output.retransmit) record.listener.stats.synAckRetransmitted++;
          }
          events.segment(output.segment, { conn: record.id, state: record.state, retransmit: output.retransmit });
          break;
        case 'data':
          events.app(record.id, 'data', { bytes: output.bytes.length });
          events.data?.(record.id, output.bytes);
          break;
        case 'retransmit':
          events.timer(record.id, 'rto', { kind: output.kind, count: output.count, rto: output.rto });
          break;
        case 'closed':
          events.app(record.id, 'closed', { reason: output.reason });
          break;
        case 'error':
          events.app(record.id, 'error', { error: output.error });
          break;
        default:
          events.app(record.id, output.type);
      }
    }
  }

  private onStateChange(record: ConnRecord, from: TcpState, to: TcpState): void {
    const listener = record.listener;
    if (listener && from === 'SYN_RECEIVED' && to !== 'LISTEN') {
      listener.halfOpen.delete(record.id);
      if (to === 'CLOSED' && record.conn.context.closeReason === 'timeout') {
        listener.stats.halfOpenExpired++;
      }
      if (to === 'ESTABLISHED' || to === 'CLOSE_WAIT' || to === 'FIN_WAIT_1') {
        listener.acceptQueue.push(record.id);
        if (listener.options.autoAccept) this.accept(listener.port);
      }
    }
    if (to === 'CLOSED' && from !== 'CLOSED') {
      const reason = record.conn.context.closeReason ?? undefined;
      this.finished.push({ conn: record.id, state: 'CLOSED', reason });
      if (listener) {
        listener.halfOpen.delete(record.id);
        listener.acceptQueue = listener.acceptQueue.filter((id) => id !== record.id);
      }
      const { local, remote } = record.conn.context;
      this.conns.delete(tupleKey(local.port, remote.addr, remote.port));
      this.byId.delete(record.id);
      // A CLOSED connection has no timers left; it is simply forgotten (stopping an actor
      // from inside its own subscriber is not allowed, and nothing is pending anyway).
    }
  }

  private markAccepted(listener: Listener, id: string): void {
    listener.stats.accepted++;
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
      if (!this.conns.has(tupleKey(port, remote.addr, remote.port))) return port;
    }
    throw new Error(`${this.id}: no free ephemeral port towards ${remote.addr}:${remote.port}`);
  }
}

function tupleKey(localPort: number, remoteAddr: string, remotePort: number): string {
  return `${localPort}|${remoteAddr}:${remotePort}`;
}
