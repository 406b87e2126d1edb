/**
 * Two interpreters of the one connection statechart (machine/machine.ts):
 *
 * - `actor`: a real XState v5 actor (createActor) — inspection events,
 *   snapshots, everything XState offers. What the inspector and CLI use.
 * - `table`: the lean interpreter (machine/table-engine.ts), its table read
 *   from the machine definition; several times faster and smaller, for
 *   benchmarks, sweeps and fuzzing. Traces are byte-identical (tests).
 */
import { createActor, type InspectionEvent } from 'xstate';
import type { VirtualClock } from './clock.js';
import { type ConnectionActor, type ConnectionInput, connectionMachine } from './machine/machine.js';
import type { TcpState } from './machine/states.js';
import { type ConnectionHooks, TableConnection } from './machine/table-engine.js';
import type { ConnectionOutput, Tcb, TcpEvent } from './tcb/tcb.js';

export type EngineKind = 'actor' | 'table';

export type { ConnectionHooks };

/** What a host needs from a running connection, whichever interpreter runs it. */
export interface ConnectionHandle {
  readonly state: TcpState;
  readonly context: Tcb;
  send(event: TcpEvent): void;
  stop(): void;
  /** The XState actor, in actor mode. */
  readonly actor?: ConnectionActor;
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
        hooks.processed(snapshot.context.state);
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
    return this.actor.getSnapshot().context.state;
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
