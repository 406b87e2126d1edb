/**
 * The lean interpreter of `connectionMachine`: no actor system, the TCB
 * updated in place, timers straight on the VirtualClock. Its transition table
 * is read from the machine definition itself (`connectionMachine.root`), so
 * there is one statechart and two ways to run it; the same rules
 * (tcb/process.ts), the same guards (`guardHolds`) and the same effects
 * (effects.ts) in the same order as XState's exit → transition → entry.
 * A fast-check property compares it with XState's pure `transition()` event
 * by event (test/engine-equivalence.test.ts).
 */
import type { AnyStateNode } from 'xstate';
import type { Timer, VirtualClock } from '../clock.js';
import { step } from '../tcb/process.js';
import { type ConnectionOutput, createTcb, type Tcb, type TcpEvent, type TcpEventType } from '../tcb/tcb.js';
import {
  applyClosedEntry,
  applyStepEffects,
  type EffectSink,
  TIME_WAIT_EXPIRY,
  type TimerId,
} from './effects.js';
import { type ConnectionInput, connectionMachine, type EdgeGuard, guardHolds } from './machine.js';
import { TCP_STATES, type TcpState } from './states.js';

/** One candidate transition for (state, event type), in the order XState tries them (leaf first). */
export interface TableTransition {
  /** undefined: unconditional (the root's target-less fallback). */
  readonly guard: EdgeGuard | undefined;
  /** The leaf it leads to; undefined for a target-less transition. */
  readonly target: TcpState | undefined;
  readonly reenter: boolean;
  /** Where it is declared (leaf, parent or root), for diagnostics and drawing. */
  readonly source: string;
  readonly description: string | undefined;
}

export const EVENT_TYPES: readonly TcpEventType[] = [
  'OPEN_ACTIVE',
  'OPEN_PASSIVE',
  'SEND',
  'RECEIVE',
  'CLOSE',
  'ABORT',
  'SEGMENT_ARRIVES',
  'RTO_TIMEOUT',
  'DELAYED_ACK_TIMEOUT',
  'FIN_WAIT_2_TIMEOUT',
  'TLP_TIMEOUT',
  'RACK_REORDER_TIMEOUT',
  'COOKIE_ACK',
  'SET_SOCKET_OPTIONS',
  'KEEPALIVE_TIMEOUT',
];

function leafNodes(node: AnyStateNode): AnyStateNode[] {
  const children = Object.values(node.states) as AnyStateNode[];
  return children.length === 0 ? [node] : children.flatMap(leafNodes);
}

function toTableTransition(t: {
  guard?: unknown;
  target?: ReadonlyArray<AnyStateNode>;
  reenter: boolean;
  source: AnyStateNode;
  description?: string;
}): TableTransition {
  const target = t.target?.[0]?.key as TcpState | undefined;
  return {
    guard: t.guard as EdgeGuard | undefined,
    target,
    reenter: t.reenter,
    source: t.source.path.join('.') || '(root)',
    description: t.description,
  };
}

/** (state → event type → candidates), derived from the machine definition. */
function deriveTable(): ReadonlyMap<TcpState, ReadonlyMap<TcpEventType, readonly TableTransition[]>> {
  const table = new Map<TcpState, Map<TcpEventType, TableTransition[]>>();
  for (const leaf of leafNodes(connectionMachine.root)) {
    const byEvent = new Map<TcpEventType, TableTransition[]>();
    for (const type of EVENT_TYPES) {
      const candidates: TableTransition[] = [];
      for (let node: AnyStateNode | undefined = leaf; node; node = node.parent) {
        for (const t of node.transitions.get(type) ?? []) candidates.push(toTableTransition(t));
      }
      byEvent.set(type, candidates);
    }
    table.set(leaf.key as TcpState, byEvent);
  }
  for (const state of TCP_STATES) if (!table.has(state)) throw new Error(`tcp: machine has no leaf ${state}`);
  return table;
}

export const TRANSITION_TABLE = deriveTable();

/** Each effect timer's index in TableConnection's timer slots. */
const TIMER_SLOTS: Readonly<Record<TimerId, number>> = {
  rto: 0,
  'delayed-ack': 1,
  'fin-wait-2': 2,
  'loss-probe': 3,
  'rack-reorder': 4,
  keepalive: 5,
};

/** What a host needs to hear from a running connection, whichever interpreter runs it. */
export interface ConnectionHooks {
  /** Called with every output, in order, after the event that produced it changed the state. */
  output(output: ConnectionOutput): void;
  /** Called after every processed event with the state it left the connection in. */
  processed(state: TcpState): void;
}

/** The table engine's connection (see the file comment). */
export class TableConnection implements EffectSink {
  context: Tcb;
  /** The pending clock timer of each effect timer, by TIMER_SLOTS index (a Map per connection cost more). */
  private readonly timers: (Timer | undefined)[] = [
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
  ];
  private timeWaitTimer: Timer | undefined;
  private stopped = false;
  private busy = false;
  private readonly queue: TcpEvent[] = [];
  private pendingOutputs: ConnectionOutput[] = [];

  constructor(
    input: ConnectionInput,
    private readonly hooks: ConnectionHooks,
    private readonly clock: VirtualClock,
  ) {
    this.context = createTcb(input);
  }

  get state(): TcpState {
    return this.context.state;
  }

  send(event: TcpEvent): void {
    if (this.stopped) return;
    // Like an actor's mailbox: an event sent while one is processed waits its turn.
    if (this.busy) {
      this.queue.push(event);
      return;
    }
    this.busy = true;
    try {
      this.process(event);
      while (this.queue.length > 0 && !this.stopped) this.process(this.queue.shift()!);
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    this.stopped = true;
    for (let slot = 0; slot < this.timers.length; slot++) this.cancelSlot(slot);
    this.cancelTimeWait();
  }

  private process(event: TcpEvent): void {
    const from = this.context.state;
    const result = step(from, this.context, event, true);
    const chosen = selectTransition(from, event.type, result);
    this.context = result.tcb;
    if (chosen.target === undefined) {
      if (result.next !== from || result.reenter) {
        throw new Error(`tcp: no transition ${from} -> ${result.next} on ${event.type}`);
      }
      applyStepEffects(result, event.now, this);
      this.finish();
      return;
    }
    // XState's order: exit actions, the transition's actions, entry actions.
    if (from === 'TIME_WAIT') this.cancelTimeWait();
    applyStepEffects(result, event.now, this);
    this.enter(chosen.target);
    this.finish();
  }

  private enter(state: TcpState): void {
    if (state === 'TIME_WAIT') {
      this.timeWaitTimer = this.clock.scheduleTimer(
        () => this.timeWaitExpired(),
        this.context.profile.timeWait,
      );
    }
    if (state === 'CLOSED') applyClosedEntry(this.context, this);
  }

  private finish(): void {
    this.hooks.processed(this.context.state);
    const outputs = this.pendingOutputs;
    if (outputs.length === 0) return;
    this.pendingOutputs = [];
    for (const output of outputs) this.hooks.output(output);
  }

  private timeWaitExpired(): void {
    this.timeWaitTimer = undefined;
    if (this.stopped || this.context.state !== 'TIME_WAIT') return;
    // The machine's `after: { timeWait: '#CLOSED' }` transition and its expireTimeWait action.
    Object.assign(this.context, TIME_WAIT_EXPIRY);
    this.enter('CLOSED');
    this.finish();
  }

  // EffectSink: the effects layer drives the clock directly.
  cancel(timer: TimerId): void {
    this.cancelSlot(TIMER_SLOTS[timer]);
  }

  start(timer: TimerId, delay: number, event: TcpEvent): void {
    const slot = TIMER_SLOTS[timer];
    this.timers[slot] = this.clock.scheduleTimer(() => {
      this.timers[slot] = undefined;
      this.send(event);
    }, delay);
  }

  private cancelSlot(slot: number): void {
    const timer = this.timers[slot];
    if (timer === undefined) return;
    this.clock.cancelTimer(timer);
    this.timers[slot] = undefined;
  }

  emit(output: ConnectionOutput): void {
    this.pendingOutputs.push(output);
  }

  private cancelTimeWait(): void {
    if (this.timeWaitTimer !== undefined) this.clock.cancelTimer(this.timeWaitTimer);
    this.timeWaitTimer = undefined;
  }
}

/** The first candidate whose guard holds, as XState selects it. */
export function selectTransition(
  from: TcpState,
  type: TcpEventType,
  result: Parameters<typeof guardHolds>[2],
): TableTransition {
  const candidates = TRANSITION_TABLE.get(from)!.get(type)!;
  for (const candidate of candidates) {
    if (candidate.guard === undefined || guardHolds(candidate.guard, from, result)) return candidate;
  }
  throw new Error(`tcp: no fallback transition for ${type} in ${from}`);
}
