/** The two loss-detection timers of RFC 8985: the tail loss probe (§7) and RACK's reordering timer (§6.3). */
import type { TcpState } from '../machine/states.js';
import { transmit } from '../tcb/output.js';
import type { Step, StepResult } from '../tcb/step.js';
import { packetsInFlight } from './queue.js';
import { rackDetectLoss } from './rack.js';
import { enterRecovery } from './recovery.js';
import { sendLossProbe } from './tlp.js';

/** States in which our data can be outstanding. */
function sending(state: TcpState): boolean {
  return (
    state === 'ESTABLISHED' ||
    state === 'CLOSE_WAIT' ||
    state === 'FIN_WAIT_1' ||
    state === 'CLOSING' ||
    state === 'LAST_ACK'
  );
}

export function lossProbeTimeout(step: Step, state: TcpState): StepResult {
  step.tcb.loss.probeArmed = false;
  if (sending(state)) sendLossProbe(step);
  return step.result(state);
}

/**
 * RFC 8985 §6.3 (Linux tcp_rack_reo_timeout): the reordering window of some segments passed
 * without an ACK: mark them lost, start recovery if not in it, retransmit.
 */
export function reorderTimeout(step: Step, state: TcpState): StepResult {
  const t = step.tcb;
  t.loss.reorderArmed = false;
  if (!sending(state) || t.loss.queue.entries.length === 0) return step.result(state);
  const priorInFlight = packetsInFlight(t.loss.queue);
  const wait = rackDetectLoss(t, step.now);
  if (packetsInFlight(t.loss.queue) !== priorInFlight) {
    if (t.cc.state !== 'Recovery' && t.cc.state !== 'Loss') {
      enterRecovery(step);
      // Linux: tcp_cwnd_reduction(sk, 1, 0) lets the first retransmission out under PRR.
      if (t.profile.prr) t.cc.cwnd = packetsInFlight(t.loss.queue) + 1;
    }
    transmit(step);
  }
  if (wait > 0) {
    t.loss.reorderDelay = wait;
    t.loss.reorderArmed = true;
    step.reorderTimer = 'restart';
  }
  return step.result(state);
}
