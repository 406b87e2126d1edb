/**
 * The RFC 9293 connection states (§3.3.2) and the groups the RFC's own text
 * uses. One definition: every other list of states in the project is derived
 * from these (the machine's hierarchy mirrors the same groups).
 */

/** The eleven states, in the order of RFC 9293 §3.3.2. */
export const TCP_STATES = [
  'CLOSED',
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
] as const;

export type TcpState = (typeof TCP_STATES)[number];

/**
 * RFC 9293 §3.10.7.4 "SYN-RECEIVED STATE, ESTABLISHED STATE, FIN-WAIT-1 …
 * TIME-WAIT STATE": the states in which both sequence spaces are known and
 * every arriving segment goes through the same ladder of checks. The
 * machine's `synchronized` parent holds exactly these.
 */
export type SynchronizedState = Exclude<TcpState, 'CLOSED' | 'LISTEN' | 'SYN_SENT'>;

/** SYN_RECEIVED … TIME_WAIT: RFC 9293 lists them in this order, after the three that are not. */
export const SYNCHRONIZED_STATES: readonly SynchronizedState[] = TCP_STATES.slice(
  TCP_STATES.indexOf('SYN_RECEIVED'),
) as SynchronizedState[];

/** Every state but CLOSED: a TCB exists (the machine's `open` parent). */
export const OPEN_STATES = TCP_STATES.filter((s) => s !== 'CLOSED') as Exclude<TcpState, 'CLOSED'>[];

/** States in which a SEND is accepted and queued (RFC 9293 §3.10.2); LISTEN needs a known peer. */
export const SEND_ACCEPTING_STATES = [
  'LISTEN',
  'SYN_SENT',
  'SYN_RECEIVED',
  'ESTABLISHED',
  'CLOSE_WAIT',
] as const satisfies readonly TcpState[];

/** States after our FIN was queued by CLOSE (RFC 9293 §3.10.4): the local side is closing. */
export const CLOSING_STATES = [
  'FIN_WAIT_1',
  'FIN_WAIT_2',
  'CLOSING',
  'TIME_WAIT',
  'LAST_ACK',
] as const satisfies readonly TcpState[];

const SYNCHRONIZED_SET: ReadonlySet<TcpState> = new Set(SYNCHRONIZED_STATES);
const STATE_SET: ReadonlySet<string> = new Set(TCP_STATES);

export function isSynchronized(state: TcpState): state is SynchronizedState {
  return SYNCHRONIZED_SET.has(state);
}

export function isTcpState(name: unknown): name is TcpState {
  return typeof name === 'string' && STATE_SET.has(name);
}

/**
 * The RFC state named by a machine state value: `'CLOSED'`,
 * `{ open: 'LISTEN' }` or `{ open: { synchronized: 'ESTABLISHED' } }` → the
 * leaf's name. Flat names pass through (the trace and the table engine use them).
 */
export function tcpStateOf(value: unknown): TcpState {
  let node: unknown = value;
  while (node !== null && typeof node === 'object') {
    const keys = Object.keys(node as object);
    if (keys.length !== 1) break;
    node = (node as Record<string, unknown>)[keys[0]];
  }
  if (!isTcpState(node)) throw new Error(`tcp: not a TCP state value: ${JSON.stringify(value)}`);
  return node;
}
