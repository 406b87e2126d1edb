/**
 * The listening socket as an XState actor. Its only job in the statechart
 * world is to own the connections it accepts — each half-open entry (and
 * later the established connection) is its XState child, spawned on SPAWN
 * and stopped on RELEASE — so an inspector sees the listener and its
 * children as one actor tree. Queue bookkeeping (SYN queue, accept queue,
 * cookies) lives in Host, which drives this actor.
 *
 * A listener under a SYN flood has tens of thousands of children, and two
 * XState costs are linear in that number:
 *
 * - the built-in spawnChild/stopChild actions copy the whole children record
 *   (`{ ...snapshot.children }`) on every spawn and stop. spawnConnection()
 *   creates the child as spawnChild does (`parent`: the listener, so the same
 *   system, clock and inspection) and the listener's SPAWN / RELEASE actions
 *   add or remove its entry in place. The record is shared by every snapshot
 *   of this machine (nothing here uses the built-in actions, and a snapshot
 *   clone keeps the reference), so the change shows in
 *   `getSnapshot().children` at once;
 * - stopping any actor runs `system.scheduler.cancelAll(actor)`, which scans
 *   every delayed event of the whole system (one or two timers per child).
 *   `createListenerActor` gives the system's scheduler an index of delayed
 *   events by source, so cancelAll touches only the stopped actor's own.
 *
 * With both, a spawn and a release cost O(1) instead of O(children).
 */
import { type ActorRefFrom, type AnyActorRef, createActor, type InspectionEvent, setup } from 'xstate';
import type { VirtualClock } from './clock.js';
import { type ConnectionActor, type ConnectionInput, connectionMachine } from './machine.js';

/**
 * SPAWN adopts a connection actor created with this listener as its parent; RELEASE drops it.
 * Use spawnConnection() and releaseConnection(), which also start and stop the child: a child
 * created or stopped inside the listener's own action would run its actions inside that one.
 */
export type ListenerEvent =
  | { type: 'SPAWN'; id: string; actor: ConnectionActor }
  | { type: 'RELEASE'; id: string };

type Children = Record<string, ConnectionActor | undefined>;

/** Stops a child the way XState's stopChild does (`actorScope.stopChild` → the child's `_stop`). */
function stopChildActor(child: ConnectionActor): void {
  const internal = child as unknown as { _stop?: () => void; send(event: { type: string }): void };
  if (typeof internal._stop === 'function') internal._stop();
  else internal.send({ type: 'xstate.stop' });
}

export const listenerMachine = setup({
  types: {
    context: {} as { port: number; backlog: number },
    input: {} as { port: number; backlog: number },
    events: {} as ListenerEvent,
  },
  actors: { connection: connectionMachine },
  actions: {
    adopt: ({ self, event }) => {
      if (event.type !== 'SPAWN') return;
      const children = self.getSnapshot().children as Children;
      if (children[event.id]) throw new Error(`listener: connection "${event.id}" already exists`);
      children[event.id] = event.actor;
    },
    drop: ({ self, event }) => {
      if (event.type !== 'RELEASE') return;
      delete (self.getSnapshot().children as Children)[event.id];
    },
  },
}).createMachine({
  id: 'listener',
  context: ({ input }) => ({ port: input.port, backlog: input.backlog }),
  initial: 'LISTEN',
  states: {
    LISTEN: {
      on: {
        SPAWN: { actions: 'adopt' },
        RELEASE: { actions: 'drop' },
      },
    },
  },
});

export type ListenerActor = ActorRefFrom<typeof listenerMachine>;

/**
 * Makes `scheduler.cancelAll(actor)` O(the actor's own delayed events) by indexing event ids by
 * source. Ids of events that already fired stay in the index until their source stops; cancelling
 * those is a no-op, and an actor schedules only a few distinct ids (rto, delayed-ack, TIME_WAIT).
 */
function indexScheduler(actor: ListenerActor): void {
  const scheduler = actor.system.scheduler;
  const schedule = scheduler.schedule.bind(scheduler);
  const cancel = scheduler.cancel.bind(scheduler);
  const bySource = new Map<AnyActorRef, Set<string>>();
  let anonymous = 0;
  scheduler.schedule = (source, target, event, delay, id = `listener.delayed.${++anonymous}`) => {
    let ids = bySource.get(source);
    if (!ids) bySource.set(source, (ids = new Set()));
    ids.add(id);
    schedule(source, target, event, delay, id);
  };
  scheduler.cancelAll = (source) => {
    const ids = bySource.get(source);
    if (!ids) return;
    bySource.delete(source);
    for (const id of ids) cancel(source, id);
  };
}

/** Spawns a connection as the listener's child (as spawnChild does: `parent`, then start). */
export function spawnConnection(
  listener: ListenerActor,
  id: string,
  input: ConnectionInput,
): ConnectionActor {
  // src names the listener's `connection` actor, as spawnChild('connection') would: persistable.
  const actor = createActor(connectionMachine, { id, parent: listener, input, src: 'connection' });
  listener.send({ type: 'SPAWN', id, actor });
  if (listener.getSnapshot().children[id] !== actor) throw new Error(`listener: "${id}" was not adopted`);
  actor.start();
  return actor;
}

/** Stops a child of the listener and removes it from the listener's children. */
export function releaseConnection(listener: ListenerActor, id: string): void {
  const child = listener.getSnapshot().children[id] as ConnectionActor | undefined;
  if (!child) return;
  listener.send({ type: 'RELEASE', id });
  stopChildActor(child);
}

/** A started listener actor for `port`, ready to own many connections (see above). */
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
  indexScheduler(actor);
  actor.start();
  return actor;
}
