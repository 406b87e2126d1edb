/**
 * Two interpreters of the one connection statechart in machine.ts:
 *
 * - `actor`: a real XState v5 actor (createActor) — inspection events,
 *   snapshots, everything XState offers. What the inspector and CLI use.
 * - `table`: a lean interpreter of the same transition table (EDGES) and the
 *   same pure rules (tcb.ts `step`), scheduling the same timers in the same
 *   order on the same clock. No per-connection actor system, so it is several
 *   times faster and smaller; benchmarks, sweeps and fuzzing use it. A
 *   differential test runs both and requires byte-identical traces.
 */
import { createActor, type InspectionEvent } from 'xstate';
import type { VirtualClock } from './clock.js';
import { type ConnectionActor, type ConnectionInput, connectionMachine, EDGES } from './machine.js';
import {
  type ConnectionOutput,
  createTcb,
  type StepResult,
  stepInPlace,
  type Tcb,
  type TcpEvent,
  type TcpState,
} from './tcb.js';

export type EngineKind = 'actor' | 'table';

/** What a host needs from a running connection, whichever interpreter runs it. */
export interface ConnectionHandle {
  readonly state: TcpState;
  readonly context: Tcb;
  send(event: TcpEvent): void;
  stop(): void;
  /** The XState actor, in actor mode. */
  readonly actor?: ConnectionActor;
}

export interface ConnectionHooks {
  /** Called with every output, in order, after the event that produced it changed the state. */
  output(output: ConnectionOutput): void;
  /** Called after every processed event with the state it left the connection in. */
  processed(state: TcpState): void;
}

export interface EngineOptions {
  clock: VirtualClock;
  inspect?: (event: InspectionEvent) => void;
}

export function createConnection(
  kind: EngineKind,
  input: ConnectionInput,
  hooks: ConnectionHooks,
  options: EngineOptions,
): ConnectionHandle {
  if (kind === 'table') return new TableConnection(input, hooks, options.clock);
  const actor = createActor(connectionMachine, {
    id: input.id,
    clock: options.clock,
    inspect: options.inspect,
    input,
  });
  const handle = new ActorConnection(actor, hooks);
  actor.start();
  return handle;
}

/** Wraps an already running connection actor (e.g. a listener's child) as a handle. */
export function attachConnection(actor: ConnectionActor, hooks: ConnectionHooks): ConnectionHandle {
  return new ActorConnection(actor, hooks);
}

class ActorConnection implements ConnectionHandle {
  private pending: ConnectionOutput[] = [];

  constructor(
    readonly actor: ConnectionActor,
    hooks: ConnectionHooks,
  ) {
    this.actor.on('*', (output: ConnectionOutput) => {
      this.pending.push(output);
    });
    this.actor.subscribe({
      next: (snapshot) => {
        hooks.processed(snapshot.value as unknown as TcpState);
        const outputs = this.pending;
        this.pending = [];
        for (const output of outputs) hooks.output(output);
      },
      error: (err) => {
        throw err;
      },
    });
  }

  get state(): TcpState {
    return this.actor.getSnapshot().value as unknown as TcpState;
  }

  get context(): Tcb {
    return this.actor.getSnapshot().context;
  }

  send(event: TcpEvent): void {
    this.actor.send(event);
  }

  stop(): void {
    this.actor.stop();
  }
}

/** Legal targets per (state, event type), from the statechart's own table. */
const LEGAL = new Map<string, Set<TcpState>>();
for (const [from, byEvent] of Object.entries(EDGES)) {
  for (const [type, edges] of Object.entries(byEvent ?? {})) {
    LEGAL.set(`${from}|${type}`, new Set((edges ?? []).map((e) => e.to)));
  }
}

class TableConnection implements ConnectionHandle {
  state: TcpState = 'CLOSED';
  context: Tcb;
  private rtoTimer: number | undefined;
  private ackTimer: number | undefined;
  private timeWaitTimer: number | undefined;
  private stopped = false;
  private busy = false;
  private readonly queue: TcpEvent[] = [];

  constructor(
    input: ConnectionInput,
    private readonly hooks: ConnectionHooks,
    private readonly clock: VirtualClock,
  ) {
    this.context = createTcb(input);
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
    this.clearTimers();
  }

  private process(event: TcpEvent): void {
    const from = this.state;
    const result: StepResult = stepInPlace(from, this.context, event);
    const next = result.next;
    const transition = next !== from || result.reenter === true;
    if (transition && !(LEGAL.get(`${from}|${event.type}`)?.has(next) ?? false)) {
      throw new Error(`tcp: no transition ${from} -> ${next} on ${event.type}`);
    }
    this.context = result.tcb;
    // Same order as the machine: the transition's actions (timers, outputs) first…
    if (result.rtoTimer) {
      this.clear('rto');
      if (result.rtoTimer === 'restart') {
        const delay = result.tcb.rto;
        const now = event.now + delay;
        this.rtoTimer = this.clock.schedule(() => {
          this.rtoTimer = undefined;
          this.send({ type: 'RTO_TIMEOUT', now });
        }, delay);
      }
    }
    if (result.ackTimer) {
      this.clear('ack');
      if (result.ackTimer === 'restart') {
        const delay = result.tcb.profile.ackDelay;
        const now = event.now + delay;
        this.ackTimer = this.clock.schedule(() => {
          this.ackTimer = undefined;
          this.send({ type: 'DELAYED_ACK_TIMEOUT', now });
        }, delay);
      }
    }
    // …then exit/entry effects of the states.
    if (transition) {
      if (from === 'TIME_WAIT') this.clear('timeWait');
      this.state = next;
      if (next === 'TIME_WAIT') {
        this.timeWaitTimer = this.clock.schedule(() => this.timeWaitExpired(), this.context.profile.timeWait);
      }
      if (next === 'CLOSED') this.enterClosed(result.out);
      else this.finish(result.out);
      return;
    }
    this.finish(result.out);
  }

  private finish(outputs: ConnectionOutput[]): void {
    this.hooks.processed(this.state);
    for (const output of outputs) this.hooks.output(output);
  }

  private enterClosed(outputs: ConnectionOutput[]): void {
    this.clear('rto');
    this.clear('ack');
    const all = this.context.opened
      ? [...outputs, { type: 'closed' as const, reason: this.context.closeReason ?? 'normal' }]
      : outputs;
    this.finish(all);
  }

  private timeWaitExpired(): void {
    this.timeWaitTimer = undefined;
    if (this.stopped || this.state !== 'TIME_WAIT') return;
    // The machine's `after: { timeWait: 'CLOSED' }` transition with closeReason = 'normal'.
    this.context = { ...this.context, closeReason: 'normal' };
    this.state = 'CLOSED';
    this.enterClosed([]);
  }

  private clear(which: 'rto' | 'ack' | 'timeWait'): void {
    const key = which === 'rto' ? 'rtoTimer' : which === 'ack' ? 'ackTimer' : 'timeWaitTimer';
    const id = this[key];
    if (id !== undefined) this.clock.clearTimeout(id);
    this[key] = undefined;
  }

  private clearTimers(): void {
    this.clear('rto');
    this.clear('ack');
    this.clear('timeWait');
  }
}
