/**
 * cwnd around idle periods: RFC 5681 §4.1 restart after idle (Linux tcp_cwnd_restart with
 * tcp_slow_start_after_idle = 1), CUBIC's epoch shift (CA_EVENT_TX_START), and the record of
 * whether the window limited sending (Linux tcp_cwnd_validate, RFC 7661's idea).
 */
import { packetsInFlight } from '../loss/queue.js';
import { seqGe } from '../seq.js';
import type { Step } from '../tcb/step.js';
import type { Tcb } from '../tcb/tcb.js';
import { congestionAlgorithm } from './algorithm.js';

/** New data is about to leave with nothing in flight. */
export function beforeTransmitStart(step: Step): void {
  const t = step.tcb;
  const cc = t.cc;
  if (cc.lastSendAt < 0) return;
  const idle = step.now - cc.lastSendAt;
  congestionAlgorithm(t.profile).onTransmitStart(cc, step.now, idle);
  if (t.profile.slowStartAfterIdle && idle > t.rtt.rto) restartWindow(t, idle);
}

/**
 * RFC 5681 §4.1: after an idle period longer than the RTO, cwnd = min(IW, cwnd) — Linux halves
 * cwnd once per RTO idle, down to the restart window, and keeps ¾ of the old cwnd as ssthresh.
 */
function restartWindow(t: Tcb, idle: number): void {
  const cc = t.cc;
  const restart = Math.min(t.profile.initialWindow, cc.cwnd);
  if (cc.state !== 'CWR' && cc.state !== 'Recovery') {
    cc.ssthresh = Math.max(cc.ssthresh, Math.floor(cc.cwnd / 2) + Math.floor(cc.cwnd / 4));
  }
  let cwnd = cc.cwnd;
  for (let left = idle - t.rtt.rto; left > 0 && cwnd > restart; left -= t.rtt.rto) cwnd >>= 1;
  cc.cwnd = Math.max(cwnd, restart);
  cc.cwndCount = 0;
}

/**
 * After a round of sending: remember whether cwnd was what stopped it, or else the most packets
 * out in this window (Linux tcp_cwnd_validate: is_cwnd_limited, max_packets_out, cwnd_usage_seq).
 */
export function validateCwnd(t: Tcb, cwndLimited: boolean): void {
  const cc = t.cc;
  const packetsOut = t.loss.queue.entries.length;
  const limited = cwndLimited || packetsInFlight(t.loss.queue) >= cc.cwnd;
  if (seqGe(t.sndUna, cc.cwndUsageSeq) || limited || (!cc.cwndLimited && packetsOut > cc.maxPacketsOut)) {
    cc.cwndLimited = limited;
    cc.maxPacketsOut = packetsOut;
    cc.cwndUsageSeq = t.sndMax;
  }
}
