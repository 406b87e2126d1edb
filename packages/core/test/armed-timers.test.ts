import { describe, expect, it } from 'vitest';
import { getProfile } from '../src/profiles.js';
import { armedTimers } from '../src/tcb/armed-timers.js';
import type { Tcb } from '../src/tcb/tcb.js';

function tcb(fields: Partial<Tcb>, profile = getProfile('linux')): Tcb {
  return {
    rtoArmed: false,
    ackPending: false,
    loss: { probeArmed: false, reorderArmed: false },
    profile,
    ...fields,
  } as Tcb;
}

describe('armedTimers: what a connection is still waiting for', () => {
  it('names the retransmission, loss-probe, reorder and delayed-ACK timers from the TCB', () => {
    const t = tcb({
      rtoArmed: true,
      ackPending: true,
      loss: { probeArmed: true, reorderArmed: true } as Tcb['loss'],
    });
    expect(armedTimers(t, 'ESTABLISHED')).toEqual([
      'retransmission',
      'loss probe',
      'RACK reorder',
      'delayed ACK',
    ]);
  });

  it('TIME_WAIT and an application-closed FIN_WAIT_2 (linux tcp_fin_timeout) are timers too', () => {
    expect(armedTimers(tcb({}), 'TIME_WAIT')).toEqual(['TIME_WAIT (2MSL)']);
    expect(armedTimers(tcb({}), 'FIN_WAIT_2')).toEqual(['FIN_WAIT_2 timeout']);
    expect(armedTimers(tcb({}, getProfile('rfc9293')), 'FIN_WAIT_2')).toEqual([]);
  });

  it('keepalive runs from establishment to TIME_WAIT, only when switched on', () => {
    const on = getProfile('linux', { keepalive: true });
    expect(armedTimers(tcb({}, on), 'ESTABLISHED')).toEqual(['keepalive']);
    expect(armedTimers(tcb({}, on), 'SYN_SENT')).toEqual([]);
    expect(armedTimers(tcb({}, on), 'SYN_RECEIVED')).toEqual([]);
    expect(armedTimers(tcb({}), 'ESTABLISHED')).toEqual([]);
  });
});
