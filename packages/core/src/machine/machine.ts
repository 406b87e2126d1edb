/**
 * The TCP connection statechart (RFC 9293 §3.3.2, figure 5) as a literal,
 * typed XState v5 machine that uses the RFC's own grouping:
 *
 *     CLOSED
 *     open                 a TCB exists: ABORT and "retries exhausted" live here, once
 *       LISTEN
 *       SYN_SENT
 *       synchronized       §3.10.7.4's states: "rcv RST / reset" lives here, once
 *         SYN_RECEIVED ESTABLISHED FIN_WAIT_1 FIN_WAIT_2 CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT
 *
 * Leaves keep their RFC names as ids (`#ESTABLISHED`), so traces stay flat.
 * Which transition an event takes is decided by the pure rules (tcb/): each
 * guard asks "does the rule lead to X?", memoised per event so the rule runs
 * once; XState tries a leaf's own transitions before its parents', which is
 * how child edges that must win (SYN_RECEIVED's RST → LISTEN, SYN_SENT's
 * refused) beat the shared ones. Events that change no state fall through to
 * the root's target-less transitions.
 *
 * Time is only ever read from events (`now`); RTO, delayed ACK and TIME_WAIT
 * are XState delayed events, so the actor's `clock` (a VirtualClock) owns them.
 */
import { type ActorRefFrom, assign, enqueueActions, type SnapshotFrom, setup } from 'xstate';
import { step } from '../tcb/process.js';
import type { StepResult } from '../tcb/step.js';
import {
  type CloseReason,
  type ConnectionOutput,
  createTcb,
  type Tcb,
  type TcbInit,
  type TcpEvent,
} from '../tcb/tcb.js';
import { applyClosedEntry, applyStepEffects, type EffectSink, TIME_WAIT_EXPIRY, TIMERS } from './effects.js';
import { type TcpState, tcpStateOf } from './states.js';

/** What a connection is created from (XState `input`): the TCB's fixed identity. */
export type ConnectionInput = TcbInit;

export type ConnectionEvent = TcpEvent;

/** A guard of the statechart, as a pure question about the rules' result. */
export type EdgeGuard =
  | { type: 'leadsTo'; params: { to: TcpState } }
  | { type: 'closesWith'; params: { reason: CloseReason } };

/** Does the rules' result for an event in `from` satisfy the guard? (Shared with the table engine.) */
export function guardHolds(guard: EdgeGuard, from: TcpState, result: StepResult): boolean {
  if (guard.type === 'closesWith')
    return result.next === 'CLOSED' && result.tcb.closeReason === guard.params.reason;
  const to = guard.params.to;
  return result.next === to && (to !== from || result.reenter === true);
}

const memo = new WeakMap<object, { context: Tcb; result: StepResult }>();

/** Runs the processing rules for (context, event) once per event object. */
function resultFor(context: Tcb, event: TcpEvent): StepResult {
  const hit = memo.get(event);
  if (hit && hit.context === context) return hit.result;
  const result = step(context.state, context, event);
  memo.set(event, { context, result });
  return result;
}

/** A transition guarded by "the rule leads to `to`", with the 'apply' action. */
function to<T extends TcpState>(target: T, description: string, reenter = false) {
  return {
    target: `#${target}` as const,
    guard: { type: 'leadsTo' as const, params: { to: target } },
    description,
    reenter,
    actions: 'apply' as const,
  };
}

/** A transition to CLOSED guarded by the close reason the rule gave. */
function closes(reason: CloseReason, description: string) {
  return {
    target: '#CLOSED' as const,
    guard: { type: 'closesWith' as const, params: { reason } },
    description,
    actions: 'apply' as const,
  };
}

/** The target-less fallback: the event is processed and the state stays. */
const STAY = { actions: 'stay' as const };

function enqueueSink(enqueue: {
  cancel: (id: string) => void;
  raise: (event: TcpEvent, options: { id: string; delay: number }) => void;
  emit: (output: ConnectionOutput) => void;
}): EffectSink {
  return {
    cancel: (timer) => enqueue.cancel(timer),
    start: (timer, delay, event) => enqueue.raise(event, { id: timer, delay }),
    emit: (output) => enqueue.emit(output),
  };
}

export const connectionMachine = setup({
  types: {
    context: {} as Tcb,
    input: {} as ConnectionInput,
    events: {} as ConnectionEvent,
    emitted: {} as ConnectionOutput,
  },
  guards: {
    leadsTo: ({ context, event }, params: { to: TcpState }) =>
      guardHolds({ type: 'leadsTo', params }, context.state, resultFor(context, event)),
    closesWith: ({ context, event }, params: { reason: CloseReason }) =>
      guardHolds({ type: 'closesWith', params }, context.state, resultFor(context, event)),
  },
  actions: {
    apply: enqueueActions(({ context, event, enqueue }) => {
      const result = resultFor(context, event);
      enqueue.assign(() => result.tcb);
      applyStepEffects(result, event.now, enqueueSink(enqueue));
    }),
    stay: enqueueActions(({ context, event, enqueue }) => {
      const result = resultFor(context, event);
      if (result.next !== context.state || result.reenter) {
        // A rule produced a transition the statechart does not have: a programming error.
        throw new Error(`tcp: no transition ${context.state} -> ${result.next} on ${event.type}`);
      }
      enqueue.assign(() => result.tcb);
      applyStepEffects(result, event.now, enqueueSink(enqueue));
    }),
    enterClosed: enqueueActions(({ context, enqueue }) => applyClosedEntry(context, enqueueSink(enqueue))),
    expireTimeWait: assign(TIME_WAIT_EXPIRY),
  },
  delays: {
    timeWait: ({ context }) => context.profile.timeWait,
  },
}).createMachine({
  id: 'tcp',
  context: ({ input }) => createTcb(input),
  initial: 'CLOSED',
  on: {
    OPEN_ACTIVE: STAY,
    OPEN_PASSIVE: STAY,
    SEND: STAY,
    RECEIVE: STAY,
    CLOSE: STAY,
    ABORT: STAY,
    SEGMENT_ARRIVES: STAY,
    RTO_TIMEOUT: STAY,
    DELAYED_ACK_TIMEOUT: STAY,
    FIN_WAIT_2_TIMEOUT: STAY,
    TLP_TIMEOUT: STAY,
    RACK_REORDER_TIMEOUT: STAY,
    COOKIE_ACK: STAY,
    SET_SOCKET_OPTIONS: STAY,
    KEEPALIVE_TIMEOUT: STAY,
  },
  states: {
    CLOSED: {
      id: 'CLOSED',
      entry: 'enterClosed',
      on: {
        OPEN_ACTIVE: to('SYN_SENT', 'active OPEN / snd SYN'),
        OPEN_PASSIVE: to('LISTEN', 'passive OPEN / create TCB'),
      },
    },
    open: {
      description: 'a TCB exists (RFC 9293 §3.3.2)',
      // Every transition names its leaf by id; `initial` only satisfies XState for compound nodes.
      initial: 'LISTEN',
      on: {
        ABORT: to('CLOSED', 'ABORT / snd RST if synchronized, delete TCB (§3.10.5)'),
        // Linux tcp_close, RFC 2525 §2.17: close() with unread data, or SO_LINGER 0, aborts.
        CLOSE: closes('aborted', 'CLOSE with unread data or linger 0 / snd RST, delete TCB'),
        // RFC 1122 §4.2.3.6, Linux tcp_keepalive_timer: the last probe went unanswered.
        KEEPALIVE_TIMEOUT: closes('timeout', 'keepalive probes unanswered / snd RST, delete TCB'),
        RTO_TIMEOUT: closes('timeout', 'retries exhausted / timeout (§3.8.3 R2)'),
      },
      states: {
        LISTEN: {
          id: 'LISTEN',
          on: {
            SEGMENT_ARRIVES: [
              to('SYN_RECEIVED', 'rcv SYN / snd SYN,ACK'),
              // NOT TCP: only with profile.twoWayHandshake (teaching model, `synack why two-way-handshake`).
              to('ESTABLISHED', 'rcv SYN / snd SYN,ACK — two-way handshake model, NOT TCP'),
            ],
            // RFC 4987 §3.6: an ACK whose SYN cookie validates opens the connection with no half-open state.
            COOKIE_ACK: [
              to('ESTABLISHED', 'rcv ACK with valid SYN cookie / rebuild TCB'),
              to('CLOSE_WAIT', 'rcv ACK+FIN with valid SYN cookie / snd ACK'),
            ],
            // §3.10.1: an active OPEN with the foreign socket specified turns the passive open active.
            OPEN_ACTIVE: to('SYN_SENT', 'active OPEN / snd SYN'),
            SEND: to('SYN_SENT', 'SEND / snd SYN'),
            CLOSE: to('CLOSED', 'CLOSE / delete TCB'),
          },
        },
        SYN_SENT: {
          id: 'SYN_SENT',
          on: {
            SEGMENT_ARRIVES: [
              to('ESTABLISHED', 'rcv SYN,ACK / snd ACK'),
              to('FIN_WAIT_1', 'rcv SYN,ACK after CLOSE / snd ACK,FIN'),
              to('SYN_RECEIVED', 'rcv SYN (simultaneous open) / snd SYN,ACK'),
              closes('refused', 'rcv RST acking our SYN / connection refused'),
            ],
            CLOSE: to('CLOSED', 'CLOSE / delete TCB'),
          },
        },
        synchronized: {
          description: 'both sequence spaces known (RFC 9293 §3.10.7.4)',
          initial: 'SYN_RECEIVED',
          on: {
            SEGMENT_ARRIVES: closes('reset', 'rcv RST / connection reset (RFC 5961 §3.2: exact match)'),
          },
          states: {
            SYN_RECEIVED: {
              id: 'SYN_RECEIVED',
              on: {
                SEGMENT_ARRIVES: [
                  to('ESTABLISHED', 'rcv ACK of SYN'),
                  to('FIN_WAIT_1', 'rcv ACK of SYN with CLOSE pending / snd FIN'),
                  to('CLOSE_WAIT', 'rcv ACK of SYN + FIN / snd ACK'),
                  to('LISTEN', 'rcv RST (passive open) / return to LISTEN'),
                  closes('refused', 'rcv RST (active open) / connection refused'),
                ],
                CLOSE: to('FIN_WAIT_1', 'CLOSE / snd FIN'),
              },
            },
            ESTABLISHED: {
              id: 'ESTABLISHED',
              on: {
                SEGMENT_ARRIVES: to('CLOSE_WAIT', 'rcv FIN / snd ACK'),
                CLOSE: to('FIN_WAIT_1', 'CLOSE / snd FIN'),
              },
            },
            FIN_WAIT_1: {
              id: 'FIN_WAIT_1',
              on: {
                SEGMENT_ARRIVES: [
                  to('FIN_WAIT_2', 'rcv ACK of FIN'),
                  to('CLOSING', 'rcv FIN (simultaneous close) / snd ACK'),
                  to('TIME_WAIT', 'rcv FIN,ACK of FIN / snd ACK'),
                ],
              },
            },
            FIN_WAIT_2: {
              id: 'FIN_WAIT_2',
              on: {
                SEGMENT_ARRIVES: to('TIME_WAIT', 'rcv FIN / snd ACK'),
                // Linux tcp_fin_timeout, for a connection the application closed (profile.finWait2Timeout).
                FIN_WAIT_2_TIMEOUT: closes('timeout', 'fin timeout / delete TCB'),
              },
            },
            CLOSE_WAIT: {
              id: 'CLOSE_WAIT',
              on: { CLOSE: to('LAST_ACK', 'CLOSE / snd FIN') },
            },
            CLOSING: {
              id: 'CLOSING',
              on: { SEGMENT_ARRIVES: to('TIME_WAIT', 'rcv ACK of FIN') },
            },
            LAST_ACK: {
              id: 'LAST_ACK',
              on: { SEGMENT_ARRIVES: closes('normal', 'rcv ACK of FIN / delete TCB') },
            },
            TIME_WAIT: {
              id: 'TIME_WAIT',
              on: {
                SEGMENT_ARRIVES: to('TIME_WAIT', 'rcv retransmitted FIN / snd ACK, restart 2MSL', true),
              },
              after: {
                timeWait: {
                  target: '#CLOSED',
                  description: '2MSL timeout / delete TCB',
                  actions: 'expireTimeWait',
                },
              },
            },
          },
        },
      },
    },
  },
});

export type ConnectionMachine = typeof connectionMachine;
export type ConnectionActor = ActorRefFrom<ConnectionMachine>;
export type ConnectionSnapshot = SnapshotFrom<ConnectionMachine>;

/** The RFC state of a connection snapshot (the active leaf's name). */
export function connectionState(snapshot: Pick<ConnectionSnapshot, 'value'>): TcpState {
  return tcpStateOf(snapshot.value);
}

/** Timer ids the machine schedules (the TIME_WAIT timer is XState's own `after` event). */
export { TIMERS };
