/**
 * The TCP connection statechart (RFC 9293 §3.3.2, figure 5) as an XState v5
 * machine. States are named exactly as in the RFC; every transition of the
 * diagram is an explicit, guarded transition here, so drawing the machine
 * (xstate/graph) shows the RFC diagram. The rules deciding *which*
 * transition an event takes live in tcb.ts as pure functions; each guard
 * asks "does the processing rule send us to X?", memoised per event so the
 * rule runs once.
 *
 * Time is only ever read from events (`now`), and the two timers (RTO,
 * delayed ACK) plus TIME_WAIT are XState delayed events, so the actor's
 * `clock` option (a VirtualClock in simulations) controls them entirely.
 */
import { type ActorRefFrom, assign, enqueueActions, setup } from 'xstate';
import type { HashKey } from './hash.js';
import type { Profile } from './profiles.js';
import type { SocketAddress } from './segment.js';
import {
  type ConnectionOutput,
  createTcb,
  type StepResult,
  step,
  TCP_STATES,
  type Tcb,
  type TcpEvent,
  type TcpState,
} from './tcb.js';

export interface ConnectionInput {
  id?: string;
  local: SocketAddress;
  remote?: SocketAddress;
  profile: Profile;
  isnKey?: HashKey;
  fixedIsn?: number;
  /** RFC single-TCB model: a passive connection returns to LISTEN on RST (default true). */
  returnToListen?: boolean;
  autoRead?: boolean;
}

export type ConnectionEvent = TcpEvent;

type EventType = TcpEvent['type'];

const memo = new WeakMap<object, { context: Tcb; from: TcpState; result: StepResult }>();

/** Runs the processing rule for (state, context, event) once per event object. */
function resultFor(from: TcpState, context: Tcb, event: TcpEvent): StepResult {
  const hit = memo.get(event);
  if (hit && hit.context === context && hit.from === from) return hit.result;
  const result = step(from, context, event);
  memo.set(event, { context, from, result });
  return result;
}

export interface Edge {
  to: TcpState;
  description: string;
}

/**
 * The RFC 9293 state diagram (figure 5) plus the arrows its text adds
 * (§3.10.7: RST handling, simultaneous open/close, FIN+ACK, timeouts).
 * Self-loops are implicit: every event is accepted in every state.
 */
export const EDGES: Partial<Record<TcpState, Partial<Record<EventType, Edge[]>>>> = {
  CLOSED: {
    OPEN_ACTIVE: [{ to: 'SYN_SENT', description: 'active OPEN / snd SYN' }],
    OPEN_PASSIVE: [{ to: 'LISTEN', description: 'passive OPEN / create TCB' }],
  },
  LISTEN: {
    SEGMENT_ARRIVES: [
      { to: 'SYN_RECEIVED', description: 'rcv SYN / snd SYN,ACK' },
      // NOT TCP: only with profile.twoWayHandshake (teaching model, `synack why two-way-handshake`).
      { to: 'ESTABLISHED', description: 'rcv SYN / snd SYN,ACK — two-way handshake model, NOT TCP' },
    ],
    // RFC 4987 §3.6: an ACK whose SYN cookie validates opens the connection with no half-open state.
    COOKIE_ACK: [
      { to: 'ESTABLISHED', description: 'rcv ACK with valid SYN cookie / rebuild TCB' },
      { to: 'CLOSE_WAIT', description: 'rcv ACK+FIN with valid SYN cookie / snd ACK' },
    ],
    // §3.10.1: an active OPEN with the foreign socket specified turns the passive open active.
    OPEN_ACTIVE: [{ to: 'SYN_SENT', description: 'active OPEN / snd SYN' }],
    SEND: [{ to: 'SYN_SENT', description: 'SEND / snd SYN' }],
    CLOSE: [{ to: 'CLOSED', description: 'CLOSE / delete TCB' }],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / delete TCB' }],
  },
  SYN_SENT: {
    SEGMENT_ARRIVES: [
      { to: 'ESTABLISHED', description: 'rcv SYN,ACK / snd ACK' },
      { to: 'FIN_WAIT_1', description: 'rcv SYN,ACK after CLOSE / snd ACK,FIN' },
      { to: 'SYN_RECEIVED', description: 'rcv SYN (simultaneous open) / snd SYN,ACK' },
      { to: 'CLOSED', description: 'rcv RST acking our SYN / connection refused' },
    ],
    RTO_TIMEOUT: [{ to: 'CLOSED', description: 'SYN retries exhausted / timeout' }],
    CLOSE: [{ to: 'CLOSED', description: 'CLOSE / delete TCB' }],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / delete TCB' }],
  },
  SYN_RECEIVED: {
    SEGMENT_ARRIVES: [
      { to: 'ESTABLISHED', description: 'rcv ACK of SYN' },
      { to: 'FIN_WAIT_1', description: 'rcv ACK of SYN with CLOSE pending / snd FIN' },
      { to: 'CLOSE_WAIT', description: 'rcv ACK of SYN + FIN / snd ACK' },
      { to: 'LISTEN', description: 'rcv RST (passive open) / return to LISTEN' },
      { to: 'CLOSED', description: 'rcv RST / reset' },
    ],
    CLOSE: [{ to: 'FIN_WAIT_1', description: 'CLOSE / snd FIN' }],
    RTO_TIMEOUT: [{ to: 'CLOSED', description: 'SYN-ACK retries exhausted' }],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / snd RST' }],
  },
  ESTABLISHED: {
    SEGMENT_ARRIVES: [
      { to: 'CLOSE_WAIT', description: 'rcv FIN / snd ACK' },
      { to: 'CLOSED', description: 'rcv RST / connection reset' },
    ],
    CLOSE: [{ to: 'FIN_WAIT_1', description: 'CLOSE / snd FIN' }],
    RTO_TIMEOUT: [{ to: 'CLOSED', description: 'retries exhausted / timeout' }],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / snd RST' }],
  },
  FIN_WAIT_1: {
    SEGMENT_ARRIVES: [
      { to: 'FIN_WAIT_2', description: 'rcv ACK of FIN' },
      { to: 'CLOSING', description: 'rcv FIN (simultaneous close) / snd ACK' },
      { to: 'TIME_WAIT', description: 'rcv FIN,ACK of FIN / snd ACK' },
      { to: 'CLOSED', description: 'rcv RST / connection reset' },
    ],
    RTO_TIMEOUT: [{ to: 'CLOSED', description: 'retries exhausted / timeout' }],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / snd RST' }],
  },
  FIN_WAIT_2: {
    SEGMENT_ARRIVES: [
      { to: 'TIME_WAIT', description: 'rcv FIN / snd ACK' },
      { to: 'CLOSED', description: 'rcv RST / connection reset' },
    ],
    RTO_TIMEOUT: [{ to: 'CLOSED', description: 'retries exhausted / timeout' }],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / snd RST' }],
  },
  CLOSE_WAIT: {
    SEGMENT_ARRIVES: [{ to: 'CLOSED', description: 'rcv RST / connection reset' }],
    CLOSE: [{ to: 'LAST_ACK', description: 'CLOSE / snd FIN' }],
    RTO_TIMEOUT: [{ to: 'CLOSED', description: 'retries exhausted / timeout' }],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / snd RST' }],
  },
  CLOSING: {
    SEGMENT_ARRIVES: [
      { to: 'TIME_WAIT', description: 'rcv ACK of FIN' },
      { to: 'CLOSED', description: 'rcv RST' },
    ],
    RTO_TIMEOUT: [{ to: 'CLOSED', description: 'retries exhausted / timeout' }],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / delete TCB' }],
  },
  LAST_ACK: {
    SEGMENT_ARRIVES: [{ to: 'CLOSED', description: 'rcv ACK of FIN / delete TCB' }],
    RTO_TIMEOUT: [{ to: 'CLOSED', description: 'retries exhausted / timeout' }],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / delete TCB' }],
  },
  TIME_WAIT: {
    SEGMENT_ARRIVES: [
      { to: 'TIME_WAIT', description: 'rcv retransmitted FIN / snd ACK, restart 2MSL' },
      { to: 'CLOSED', description: 'rcv RST' },
    ],
    ABORT: [{ to: 'CLOSED', description: 'ABORT / delete TCB' }],
  },
};

const EVENT_TYPES: EventType[] = [
  'OPEN_ACTIVE',
  'OPEN_PASSIVE',
  'SEND',
  'RECEIVE',
  'CLOSE',
  'ABORT',
  'SEGMENT_ARRIVES',
  'RTO_TIMEOUT',
  'DELAYED_ACK_TIMEOUT',
  'COOKIE_ACK',
];

function transitionsFor(from: TcpState) {
  const on: Record<string, unknown[]> = {};
  for (const type of EVENT_TYPES) {
    const edges = EDGES[from]?.[type] ?? [];
    on[type] = [
      ...edges.map((edge) => ({
        guard: { type: 'goesTo' as const, params: { from, to: edge.to } },
        target: edge.to,
        reenter: edge.to === from,
        description: edge.description,
        actions: { type: 'apply' as const, params: { from } },
      })),
      { actions: { type: 'apply' as const, params: { from, fallback: true } } },
    ];
  }
  return on;
}

export const connectionMachine = setup({
  types: {
    context: {} as Tcb,
    input: {} as ConnectionInput,
    events: {} as ConnectionEvent,
    emitted: {} as ConnectionOutput,
  },
  guards: {
    goesTo: ({ context, event }, params: { from: TcpState; to: TcpState }) => {
      const result = resultFor(params.from, context, event);
      return result.next === params.to && (params.to !== params.from || result.reenter === true);
    },
  },
  actions: {
    apply: enqueueActions(({ context, event, enqueue }, params: { from: TcpState; fallback?: boolean }) => {
      const result = resultFor(params.from, context, event);
      if (params.fallback && (result.next !== params.from || result.reenter)) {
        // A rule produced a transition the diagram above does not list: a programming error.
        throw new Error(`tcp: no transition ${params.from} -> ${result.next} on ${event.type}`);
      }
      enqueue.assign(() => result.tcb);
      applyTimersAndOutputs(enqueue, result, event.now);
    }),
    enterClosed: enqueueActions(({ context, enqueue }) => {
      enqueue.cancel('rto');
      enqueue.cancel('delayed-ack');
      if (context.opened) enqueue.emit({ type: 'closed', reason: context.closeReason ?? 'normal' });
    }),
  },
  delays: {
    timeWait: ({ context }) => context.profile.timeWait,
  },
}).createMachine({
  id: 'tcp',
  context: ({ input }) => createTcb(input),
  initial: 'CLOSED',
  states: Object.fromEntries(
    TCP_STATES.map((name) => {
      const node: Record<string, unknown> = { on: transitionsFor(name) };
      if (name === 'CLOSED') node.entry = 'enterClosed';
      if (name === 'TIME_WAIT') {
        node.after = {
          timeWait: {
            target: 'CLOSED',
            description: '2MSL timeout / delete TCB',
            actions: assign({ closeReason: 'normal' as const }),
          },
        };
      }
      return [name, node];
    }),
  ) as any,
});

/** Executes the timer operations and emits the outputs of one processing step. */
function applyTimersAndOutputs(enqueue: any, result: StepResult, now: number): void {
  if (result.rtoTimer) {
    enqueue.cancel('rto');
    if (result.rtoTimer === 'restart') {
      const delay = result.tcb.rto;
      enqueue.raise({ type: 'RTO_TIMEOUT', now: now + delay }, { id: 'rto', delay });
    }
  }
  if (result.ackTimer) {
    enqueue.cancel('delayed-ack');
    if (result.ackTimer === 'restart') {
      const delay = result.tcb.profile.ackDelay;
      enqueue.raise({ type: 'DELAYED_ACK_TIMEOUT', now: now + delay }, { id: 'delayed-ack', delay });
    }
  }
  for (const output of result.out) enqueue.emit(output);
}

export type ConnectionActor = ActorRefFrom<typeof connectionMachine>;
export type ConnectionMachine = typeof connectionMachine;
