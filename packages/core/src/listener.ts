/**
 * The listening socket as an XState actor, for inspection: it shows the
 * port, the backlog and how many connections it currently holds. The
 * connections themselves are independent actors created by the Host
 * (engine.ts), each with its own small actor system: a listener under a SYN
 * flood holds tens of thousands of them, and keeping them as XState children
 * made every spawn and stop cost O(children) (XState copies the children
 * record and scans the whole system's scheduler) unless XState's internals
 * were patched. Tracking them here by count costs O(1) with public API only.
 * Queue bookkeeping (SYN queue, accept queue, cookies) lives in Host.
 */
import { type ActorRefFrom, assign, createActor, type InspectionEvent, setup } from 'xstate';
import type { VirtualClock } from './clock.js';

/** ADMIT: the listener created a connection (half-open entry or cookie); RELEASE: it ended. */
export type ListenerEvent = { type: 'ADMIT'; id: string } | { type: 'RELEASE'; id: string };

export interface ListenerContext {
  readonly port: number;
  readonly backlog: number;
  /** Connections created by this listener that have not ended yet. */
  readonly connections: number;
}

export const listenerMachine = setup({
  types: {
    context: {} as ListenerContext,
    input: {} as { port: number; backlog: number },
    events: {} as ListenerEvent,
  },
}).createMachine({
  id: 'listener',
  context: ({ input }) => ({ port: input.port, backlog: input.backlog, connections: 0 }),
  initial: 'LISTEN',
  states: {
    LISTEN: {
      on: {
        ADMIT: { actions: assign({ connections: ({ context }) => context.connections + 1 }) },
        RELEASE: { actions: assign({ connections: ({ context }) => Math.max(0, context.connections - 1) }) },
      },
    },
  },
});

export type ListenerActor = ActorRefFrom<typeof listenerMachine>;

/** A started listener actor for `port` on the simulation's clock. */
export function createListenerActor(options: {
  port: number;
  backlog: number;
  clock: VirtualClock;
  inspect?: (event: InspectionEvent) => void;
}): ListenerActor {
  const actor = createActor(listenerMachine, {
    id: `listener:${options.port}`,
    clock: options.clock,
    inspect: options.inspect,
    input: { port: options.port, backlog: options.backlog },
  });
  actor.start();
  return actor;
}
