/** The processing rules of RFC 9293 §3.10, dispatched on the event type. */
import { lossProbeTimeout, reorderTimeout } from '../loss/timers.js';
import type { TcpState } from '../machine/states.js';
import { keepaliveTimeout } from './keepalive.js';
import { cookieAck, segmentArrives } from './segment-arrives.js';
import { setSocketOptions } from './socket-options.js';
import { Step, type StepResult } from './step.js';
import type { Tcb, TcpEvent } from './tcb.js';
import { delayedAckTimeout, finWait2Timeout, rtoTimeout } from './timeouts.js';
import { openActive, openPassive, userAbort, userClose, userReceive, userSend } from './user-calls.js';

/**
 * Runs the rules for one event in `state`. Pure: the TCB passed in is left
 * untouched (the result holds a fresh copy) unless `inPlace` is set, for a
 * caller that owns its TCB outright and keeps no older snapshot of it (the
 * table engine): then `result.tcb` is the very object passed in.
 */
export function step(state: TcpState, tcb: Tcb, event: TcpEvent, inPlace = false): StepResult {
  const s = new Step(tcb, event.now, inPlace);
  switch (event.type) {
    case 'OPEN_ACTIVE':
      return openActive(s, state, event);
    case 'OPEN_PASSIVE':
      return openPassive(s, state);
    case 'SEND':
      return userSend(s, state, event);
    case 'RECEIVE':
      return userReceive(s, state, event.bytes);
    case 'CLOSE':
      if (event.orphan) s.tcb.orphaned = true;
      return userClose(s, state, event);
    case 'ABORT':
      return userAbort(s, state);
    case 'SEGMENT_ARRIVES':
      return segmentArrives(s, state, event.segment);
    case 'RTO_TIMEOUT':
      return rtoTimeout(s, state);
    case 'DELAYED_ACK_TIMEOUT':
      return delayedAckTimeout(s, state);
    case 'FIN_WAIT_2_TIMEOUT':
      return finWait2Timeout(s, state);
    case 'TLP_TIMEOUT':
      return lossProbeTimeout(s, state);
    case 'RACK_REORDER_TIMEOUT':
      return reorderTimeout(s, state);
    case 'COOKIE_ACK':
      return cookieAck(s, state, event);
    case 'SET_SOCKET_OPTIONS':
      return setSocketOptions(s, state, event);
    case 'KEEPALIVE_TIMEOUT':
      return keepaliveTimeout(s, state);
  }
}
