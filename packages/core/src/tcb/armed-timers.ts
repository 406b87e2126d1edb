/**
 * The timers a connection has running, named for people (a run stopped by its time limit says
 * what each connection was still waiting for: issue 22 item 7). Read from the TCB, so the same
 * for both engines (XState's delayed events and the table engine's clock ids are not visible).
 */
import type { TcpState } from '../machine/states.js';
import type { Tcb } from './tcb.js';

export function armedTimers(t: Tcb, state: TcpState): string[] {
  const timers: string[] = [];
  if (t.rtoArmed) timers.push('retransmission');
  if (t.loss.probeArmed) timers.push('loss probe');
  if (t.loss.reorderArmed) timers.push('RACK reorder');
  if (t.ackPending) timers.push('delayed ACK');
  // Keepalive is armed once the connection is established and runs until TIME_WAIT (keepalive.ts).
  const synchronized =
    state !== 'CLOSED' && state !== 'LISTEN' && state !== 'SYN_SENT' && state !== 'SYN_RECEIVED';
  if (t.profile.keepalive && synchronized && state !== 'TIME_WAIT') timers.push('keepalive');
  if (state === 'FIN_WAIT_2' && t.profile.finWait2Timeout > 0) timers.push('FIN_WAIT_2 timeout');
  if (state === 'TIME_WAIT') timers.push('TIME_WAIT (2MSL)');
  return timers;
}
