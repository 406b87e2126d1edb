/**
 * setsockopt on a connection (Linux do_tcp_setsockopt): the options that change what leaves.
 * TCP_NODELAY set and TCP_CORK cleared push what is queued at once (Linux __tcp_sock_set_nodelay,
 * __tcp_sock_set_cork → tcp_push_pending_frames); setting TCP_NODELAY pushes even corked data
 * (TCP_NAGLE_PUSH passes tcp_nagle_test), clearing TCP_CORK leaves Nagle in charge.
 */
import type { TcpState } from '../machine/states.js';
import { setKeepaliveOptions } from './keepalive.js';
import { transmit } from './output.js';
import type { Step, StepResult } from './step.js';
import type { SocketOptions, TcpEvent } from './tcb.js';

/** States whose queued data may leave (the others send it once ESTABLISHED is reached). */
const SENDING: ReadonlySet<TcpState> = new Set([
  'ESTABLISHED',
  'CLOSE_WAIT',
  'FIN_WAIT_1',
  'CLOSING',
  'LAST_ACK',
]);

export function setSocketOptions(
  step: Step,
  state: TcpState,
  event: Extract<TcpEvent, { type: 'SET_SOCKET_OPTIONS' }>,
): StepResult {
  const t = step.tcb;
  const options: Partial<SocketOptions> = event.options;
  const nodelaySet = options.nodelay === true && !t.nodelay;
  const uncorked = options.cork === false && t.cork;
  if (options.nodelay !== undefined) t.nodelay = options.nodelay;
  if (options.cork !== undefined) t.cork = options.cork;
  setKeepaliveOptions(step, state, options);
  if ((nodelaySet || uncorked) && SENDING.has(state))
    transmit(step, Number.POSITIVE_INFINITY, undefined, nodelaySet);
  return step.result(state);
}
