/**
 * The machine's state values are typed: a misspelt state does not compile. These checks run in
 * `pnpm typecheck` (tsc over test/) — each `@ts-expect-error` fails the type-check if the line
 * below it ever compiles — and the runtime assertions keep vitest honest about the same facts.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createActor } from 'xstate';
import {
  type ConnectionSnapshot,
  connectionMachine,
  connectionState,
  getProfile,
  SYNCHRONIZED_STATES,
  type SynchronizedState,
  type TcpState,
} from '../src/index.js';

const input = {
  local: { addr: '10.0.0.1', port: 40000 },
  remote: { addr: '10.0.0.2', port: 80 },
  profile: getProfile('linux'),
};

describe('typed state values', () => {
  it('the snapshot value is the hierarchy, typed; matches() accepts only real states', () => {
    const actor = createActor(connectionMachine, { input }).start();
    actor.send({ type: 'OPEN_PASSIVE', now: 0 });
    const snapshot: ConnectionSnapshot = actor.getSnapshot();
    expect(snapshot.matches({ open: 'LISTEN' })).toBe(true);
    expect(snapshot.matches('open')).toBe(true);
    expect(snapshot.matches({ open: { synchronized: 'ESTABLISHED' } })).toBe(false);
    // @ts-expect-error a misspelt leaf is a compile error
    snapshot.matches({ open: { synchronized: 'ESTABLISHD' } });
    // @ts-expect-error a leaf is not a top-level state: it lives under its RFC group
    snapshot.matches('ESTABLISHED');
    // @ts-expect-error LISTEN is not a synchronized state
    snapshot.matches({ open: { synchronized: 'LISTEN' } });
    expectTypeOf(snapshot.value).toEqualTypeOf<
      | 'CLOSED'
      | {
          open:
            | 'LISTEN'
            | 'SYN_SENT'
            | {
                synchronized:
                  | 'SYN_RECEIVED'
                  | 'ESTABLISHED'
                  | 'FIN_WAIT_1'
                  | 'FIN_WAIT_2'
                  | 'CLOSE_WAIT'
                  | 'CLOSING'
                  | 'LAST_ACK'
                  | 'TIME_WAIT';
              };
        }
    >();
    actor.stop();
  });

  it('connectionState() gives the flat RFC name, typed TcpState', () => {
    const actor = createActor(connectionMachine, { input }).start();
    const state = connectionState(actor.getSnapshot());
    expectTypeOf(state).toEqualTypeOf<TcpState>();
    expect(state).toBe('CLOSED');
    // @ts-expect-error not a TCP state
    const wrong: TcpState = 'ESTABLISHD';
    expect(wrong).toBe('ESTABLISHD');
    actor.stop();
  });

  it('the synchronized group is one exported list, typed', () => {
    expectTypeOf<(typeof SYNCHRONIZED_STATES)[number]>().toEqualTypeOf<SynchronizedState>();
    expect(SYNCHRONIZED_STATES).toContain('TIME_WAIT');
    expect(SYNCHRONIZED_STATES).not.toContain('SYN_SENT');
  });
});
