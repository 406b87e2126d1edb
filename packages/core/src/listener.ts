/**
 * The listening socket as an XState actor. Its only job in the statechart
 * world is to own the connections it accepts — each half-open entry (and
 * later the established connection) is its XState child, spawned on SPAWN
 * and stopped on RELEASE — so an inspector sees the listener and its
 * children as one actor tree. Queue bookkeeping (SYN queue, accept queue,
 * cookies) lives in Host, which drives this actor.
 */
import { type ActorRefFrom, setup, spawnChild, stopChild } from 'xstate';
import { type ConnectionInput, connectionMachine } from './machine.js';

export type ListenerEvent =
  | { type: 'SPAWN'; id: string; input: ConnectionInput }
  | { type: 'RELEASE'; id: string };

export const listenerMachine = setup({
  types: {
    context: {} as { port: number; backlog: number },
    input: {} as { port: number; backlog: number },
    events: {} as ListenerEvent,
  },
  actors: { connection: connectionMachine },
}).createMachine({
  id: 'listener',
  context: ({ input }) => ({ port: input.port, backlog: input.backlog }),
  initial: 'LISTEN',
  states: {
    LISTEN: {
      on: {
        SPAWN: {
          actions: spawnChild('connection', {
            id: ({ event }) => (event as Extract<ListenerEvent, { type: 'SPAWN' }>).id,
            input: ({ event }) => (event as Extract<ListenerEvent, { type: 'SPAWN' }>).input,
          }),
        },
        RELEASE: { actions: stopChild(({ event }) => event.id) },
      },
    },
  },
});

export type ListenerActor = ActorRefFrom<typeof listenerMachine>;
