/**
 * The `cc` output: the congestion picture in segments, as Linux's tcp_info reports it
 * (tcpi_ca_state, tcpi_snd_cwnd, tcpi_snd_ssthresh, packets in flight, tcpi_sacked), emitted at
 * the end of a step whenever any field differs from the last one emitted.
 */
import { packetsInFlight } from '../loss/queue.js';
import type { Step } from '../tcb/step.js';
import type { CongestionSnapshot, Tcb } from '../tcb/tcb.js';

export function congestionSnapshot(t: Tcb): CongestionSnapshot {
  const q = t.loss.queue;
  return {
    state: t.cc.state,
    cwnd: t.cc.cwnd,
    ssthresh: t.cc.ssthresh,
    inFlight: packetsInFlight(q),
    sacked: q.sackedOut + q.dupAckSacked,
    mss: t.sendMss,
  };
}

export function reportCongestion(step: Step): void {
  const t = step.tcb;
  const last = t.cc.reported;
  // Nothing to say before the first data segment (handshake-only connections stay silent).
  if (last === undefined && t.loss.queue.entries.length === 0) return;
  const q = t.loss.queue;
  const cc = t.cc;
  if (
    last !== undefined &&
    last.state === cc.state &&
    last.cwnd === cc.cwnd &&
    last.ssthresh === cc.ssthresh &&
    last.inFlight === packetsInFlight(q) &&
    last.sacked === q.sackedOut + q.dupAckSacked &&
    last.mss === t.sendMss
  )
    return;
  const snapshot = congestionSnapshot(t);
  cc.reported = snapshot;
  step.emit({ type: 'cc', cc: snapshot });
}
