/**
 * The listening socket as an XState actor that owns the connections it
 * accepts, so an inspector sees the listener and its connections as one
 * actor tree. Queue bookkeeping (SYN queue, accept queue, cookies) lives in
 * Host, which drives these actors.
 *
 * XState copies a parent's `children` map whenever a child is spawned or
 * stopped, so one parent with n children costs O(n) per spawn — O(n²) for a
 * SYN flood. The listener therefore spawns *groups* of at most
 * GROUP_SIZE connections: listener → group → connection, each spawn costing
 * O(GROUP_SIZE + n / GROUP_SIZE).
 */
import { type ActorRefFrom, setup, spawnChild, stopChild } from 'xstate';
import { type ConnectionInput, connectionMachine } from './machine.js';

export const GROUP_SIZE = 256;

export type GroupEvent =
  | { type: 'SPAWN'; id: string; input: ConnectionInput }
  | { type: 'RELEASE'; id: string };

/** A group of connections of one listener (spawned and stopped by Host through the listener). */
export const connectionGroupMachine = setup({
  types: { events: {} as GroupEvent },
  actors: { connection: connectionMachine },
}).createMachine({
  id: 'connections',
  initial: 'active',
  states: {
    active: {
      on: {
        SPAWN: {
          actions: spawnChild('connection', {
            id: ({ event }) => (event as Extract<GroupEvent, { type: 'SPAWN' }>).id,
            input: ({ event }) => (event as Extract<GroupEvent, { type: 'SPAWN' }>).input,
          }),
        },
        RELEASE: { actions: stopChild(({ event }) => event.id) },
      },
    },
  },
});

export type ListenerEvent = { type: 'ADD_GROUP'; id: string } | { type: 'REMOVE_GROUP'; id: string };

export const listenerMachine = setup({
  types: {
    context: {} as { port: number; backlog: number },
    input: {} as { port: number; backlog: number },
    events: {} as ListenerEvent,
  },
  actors: { group: connectionGroupMachine },
}).createMachine({
  id: 'listener',
  context: ({ input }) => ({ port: input.port, backlog: input.backlog }),
  initial: 'LISTEN',
  states: {
    LISTEN: {
      on: {
        ADD_GROUP: { actions: spawnChild('group', { id: ({ event }) => event.id }) },
        REMOVE_GROUP: { actions: stopChild(({ event }) => event.id) },
      },
    },
  },
});

export type ListenerActor = ActorRefFrom<typeof listenerMachine>;
export type ConnectionGroupActor = ActorRefFrom<typeof connectionGroupMachine>;
