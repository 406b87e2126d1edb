/**
 * In-memory, synchronous pair harness: two connections wired directly
 * through a VirtualClock, with a one-way delay and segments droppable by
 * predicate. A test reads like a packetdrill timeline: act, advance, assert.
 *
 * The per-edge suites run on both interpreters of the statechart: the XState
 * actor (default) and the table engine — vitest.config.ts runs them twice,
 * with SYNACK_TEST_ENGINE=actor and =table.
 */
import { VirtualClock } from '../src/clock.js';
import { type ConnectionHandle, createConnection, type EngineKind } from '../src/engine.js';
import type { HashKey } from '../src/hash.js';
import type { TcpState } from '../src/machine/states.js';
import { getProfile, type Profile } from '../src/profiles.js';
import { Flag, flagLabel, type Segment } from '../src/segment.js';
import type { ConnectionOutput, Tcb, TcpEvent } from '../src/tcb/tcb.js';

export type Side = 'client' | 'server';

export const CLIENT = { addr: '10.0.0.1', port: 40000 } as const;
export const SERVER = { addr: '10.0.0.2', port: 80 } as const;

/** The engine the suites run on (see the file comment). */
export const TEST_ENGINE: EngineKind = process.env.SYNACK_TEST_ENGINE === 'table' ? 'table' : 'actor';

export interface WireRecord {
  t: number;
  from: Side;
  segment: Segment;
  dropped: boolean;
  retransmit?: string;
}

export interface PairOptions {
  profile?: Profile | string;
  delay?: number;
  clientIsn?: number;
  serverIsn?: number;
  /** Return true to drop the segment (n = index among segments this side sent so far). */
  drop?: (segment: Segment, from: Side, n: number) => boolean;
  serverAutoRead?: boolean;
  clientAutoRead?: boolean;
  /** Don't open the server passively at t=0. */
  noListen?: boolean;
  /** RFC single-TCB model for the server (default true); false models a listener's child socket. */
  returnToListen?: boolean;
  /** RFC 6528 secret key for both sides (when no fixed ISN is given). */
  isnKey?: HashKey;
  /** Interpreter (default: TEST_ENGINE). */
  engine?: EngineKind;
}

/** A snapshot in the shape of XState's, for both engines: `value` is the flat RFC state. */
export interface EndpointSnapshot {
  status: 'active' | 'stopped' | 'error' | 'done';
  value: TcpState;
  context: Tcb;
  error?: unknown;
}

/**
 * The TCB as an immutable snapshot: XState's already is; the table engine updates its TCB in
 * place, so the suites (which compare before and after) get a copy.
 */
function snapshotOf(handle: ConnectionHandle): Tcb {
  return handle.actor ? handle.context : structuredClone(handle.context);
}

/** One side of the pair, whichever engine runs it. */
export class Endpoint {
  handle!: ConnectionHandle;
  private readonly listeners = new Map<string, Array<(output: ConnectionOutput) => void>>();
  private stopped = false;

  send(event: TcpEvent): void {
    this.handle.send(event);
  }

  /** Subscribes to one output type (like an actor's `on`). */
  on<T extends ConnectionOutput['type']>(
    type: T,
    fn: (output: Extract<ConnectionOutput, { type: T }>) => void,
  ): void {
    const list = this.listeners.get(type) ?? [];
    list.push(fn as (output: ConnectionOutput) => void);
    this.listeners.set(type, list);
  }

  notify(output: ConnectionOutput): void {
    for (const fn of this.listeners.get(output.type) ?? []) fn(output);
  }

  getSnapshot(): EndpointSnapshot {
    const actorSnapshot = this.handle.actor?.getSnapshot();
    const status = actorSnapshot ? actorSnapshot.status : this.stopped ? 'stopped' : 'active';
    return {
      status,
      value: this.handle.state,
      context: snapshotOf(this.handle),
      error: actorSnapshot?.error,
    };
  }

  stop(): void {
    this.stopped = true;
    this.handle.stop();
  }
}

export class Pair {
  readonly clock = new VirtualClock();
  readonly client = new Endpoint();
  readonly server = new Endpoint();
  readonly wire: WireRecord[] = [];
  readonly states: Record<Side, TcpState[]> = { client: ['CLOSED'], server: ['CLOSED'] };
  readonly outputs: Record<Side, ConnectionOutput[]> = { client: [], server: [] };
  readonly received: Record<Side, number[]> = { client: [], server: [] };
  readonly profile: Profile;
  readonly engine: EngineKind;
  delay: number;
  drop: NonNullable<PairOptions['drop']>;
  private sentCount: Record<Side, number> = { client: 0, server: 0 };

  constructor(options: PairOptions = {}) {
    const profile =
      typeof options.profile === 'string'
        ? getProfile(options.profile)
        : (options.profile ?? getProfile('rfc9293'));
    this.profile = profile;
    this.engine = options.engine ?? TEST_ENGINE;
    this.delay = options.delay ?? 10;
    this.drop = options.drop ?? (() => false);
    this.wireUp('client', {
      id: 'client',
      local: CLIENT,
      remote: SERVER,
      profile,
      fixedIsn: options.clientIsn,
      isnKey: options.isnKey,
      autoRead: options.clientAutoRead ?? true,
    });
    this.wireUp('server', {
      id: 'server',
      local: SERVER,
      remote: CLIENT,
      profile,
      fixedIsn: options.serverIsn,
      isnKey: options.isnKey,
      returnToListen: options.returnToListen,
      autoRead: options.serverAutoRead ?? true,
    });
    if (!options.noListen) this.server.send({ type: 'OPEN_PASSIVE', now: 0 });
  }

  private wireUp(side: Side, input: Parameters<typeof createConnection>[1]): void {
    const endpoint = this.endpoint(side);
    const peer = side === 'client' ? this.server : this.client;
    endpoint.handle = createConnection(
      this.engine,
      input,
      {
        processed: (state) => {
          const list = this.states[side];
          if (list[list.length - 1] !== state) list.push(state);
        },
        output: (output) => {
          this.record(side, output, peer);
          endpoint.notify(output);
        },
      },
      { clock: this.clock },
    );
  }

  private record(side: Side, output: ConnectionOutput, peer: Endpoint): void {
    this.outputs[side].push(output);
    if (output.type === 'data') this.received[side].push(...output.bytes);
    if (output.type !== 'segment') return;
    const n = this.sentCount[side]++;
    const dropped = this.drop(output.segment, side, n);
    this.wire.push({
      t: this.clock.now(),
      from: side,
      segment: output.segment,
      dropped,
      retransmit: output.retransmit,
    });
    if (dropped) return;
    this.clock.setTimeout(() => {
      peer.send({ type: 'SEGMENT_ARRIVES', segment: output.segment, now: this.clock.now() });
    }, this.delay);
  }

  endpoint(side: Side): Endpoint {
    return side === 'client' ? this.client : this.server;
  }

  /** Kept for the suites written against actors: the side's endpoint. */
  actor(side: Side): Endpoint {
    return this.endpoint(side);
  }

  state(side: Side): TcpState {
    return this.endpoint(side).handle.state;
  }

  tcb(side: Side): Tcb {
    return snapshotOf(this.endpoint(side).handle);
  }

  connect(): void {
    this.client.send({ type: 'OPEN_ACTIVE', now: this.clock.now() });
  }

  openActive(side: Side): void {
    this.endpoint(side).send({ type: 'OPEN_ACTIVE', now: this.clock.now() });
  }

  openPassive(side: Side): void {
    this.endpoint(side).send({ type: 'OPEN_PASSIVE', now: this.clock.now() });
  }

  /** The application reads what is buffered (only meaningful with autoRead off). */
  /** The application reads: `bytes` at most (read(2)'s count), or everything that arrived. */
  receive(side: Side, bytes?: number): void {
    const limit = bytes === undefined ? {} : { bytes };
    this.endpoint(side).send({ type: 'RECEIVE', now: this.clock.now(), ...limit });
  }

  send(side: Side, bytes: number | Uint8Array, start = 0): void {
    const data = typeof bytes === 'number' ? pattern(bytes, start) : bytes;
    this.endpoint(side).send({ type: 'SEND', now: this.clock.now(), data });
  }

  close(side: Side): void {
    this.endpoint(side).send({ type: 'CLOSE', now: this.clock.now() });
  }

  abort(side: Side): void {
    this.endpoint(side).send({ type: 'ABORT', now: this.clock.now() });
  }

  /** Builds a segment as `from` would send it (for injection into the other side). */
  segmentFrom(
    from: Side,
    fields: { seq: number; ack?: number; flags: number; win?: number; data?: Uint8Array; mss?: number },
  ): Segment {
    const [src, dst] = from === 'client' ? [CLIENT, SERVER] : [SERVER, CLIENT];
    return {
      srcAddr: src.addr,
      srcPort: src.port,
      dstAddr: dst.addr,
      dstPort: dst.port,
      seq: fields.seq >>> 0,
      ack: (fields.ack ?? 0) >>> 0,
      flags: fields.flags,
      win: fields.win ?? 65_535,
      ...(fields.mss !== undefined ? { mss: fields.mss } : {}),
      ...(fields.data ? { data: fields.data } : {}),
    };
  }

  /** Injects a segment as if it arrived from the network. */
  inject(side: Side, segment: Segment): void {
    this.endpoint(side).send({ type: 'SEGMENT_ARRIVES', segment, now: this.clock.now() });
  }

  /**
   * A bare ACK from `from` (SEQ = its SND.NXT, ACK = the other side's SND.NXT) offering window `win`:
   * how a test makes the peer shrink, reopen or repeat its window.
   */
  offerWindow(from: Side, win: number): void {
    const to: Side = from === 'client' ? 'server' : 'client';
    const ack = this.segmentFrom(from, {
      seq: this.tcb(from).sndNxt,
      ack: this.tcb(to).sndNxt,
      flags: Flag.ACK,
      win,
    });
    this.inject(to, ack);
  }

  advance(ms: number): void {
    this.clock.advanceBy(ms);
  }

  /** Runs until no timer is left (or the limit). */
  settle(limit = 10_000_000): void {
    this.clock.runAll(this.clock.now() + limit);
  }

  /** Wire segments as "client SYN seq=.. ack=.." lines, for readable failures. */
  ladder(): string[] {
    return this.wire.map(
      (w) =>
        `${w.t} ${w.from} [${flagLabel(w.segment.flags)}] seq=${w.segment.seq} ack=${w.segment.ack} len=${w.segment.data?.length ?? 0}${w.dropped ? ' DROPPED' : ''}`,
    );
  }

  sentBy(side: Side): WireRecord[] {
    return this.wire.filter((w) => w.from === side);
  }

  /** Ladder lines from wire index `from` on (see {@link mark}). */
  ladderSince(from: number): string[] {
    return this.ladder().slice(from);
  }

  /** Index of the next wire record: pass to {@link ladderSince}. */
  mark(): number {
    return this.wire.length;
  }

  /** Outputs of one kind a side emitted. */
  outputsOf<T extends ConnectionOutput['type']>(
    side: Side,
    type: T,
  ): Extract<ConnectionOutput, { type: T }>[] {
    return this.outputs[side].filter((o): o is Extract<ConnectionOutput, { type: T }> => o.type === type);
  }

  /** Times at which a side put segments matching `pred` on the wire. */
  timesOf(side: Side, pred: (s: Segment) => boolean): number[] {
    return this.sentBy(side)
      .filter((w) => pred(w.segment))
      .map((w) => w.t);
  }

  stop(): void {
    this.client.stop();
    this.server.stop();
  }
}

/** Deterministic payload: byte i of the stream is (start + i) mod 251. */
export function pattern(length: number, start = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (start + i) % 251;
  return out;
}
