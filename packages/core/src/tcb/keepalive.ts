/**
 * Keepalive (RFC 1122 §4.2.3.6) as Linux runs it (tcp_keepalive_timer), and the socket options
 * that steer it (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT).
 *
 * One timer per connection, armed when keepalive is switched on in a synchronized state or when a
 * connection with keepalive on becomes established. When it fires it measures the idle time since
 * the peer last sent an acceptable ACK (Linux keepalive_time_elapsed: rcv_tstamp): short of the
 * idle time it sleeps for the rest; with data in flight it sleeps a full idle time (the
 * retransmission timer watches the peer then); otherwise it sends a probe — a zero-length ACK with
 * SEG.SEQ = SND.UNA − 1 (= SND.NXT − 1 when nothing is outstanding), an old sequence number the peer
 * must answer with an ACK (tcp_write_wakeup → tcp_xmit_probe_skb) — and after keepaliveProbes
 * unanswered probes (or, with TCP_USER_TIMEOUT, once that long has passed since the peer was last
 * heard with at least one probe out) it resets the connection and reports a timeout (ETIMEDOUT).
 */
import type { TcpState } from '../machine/states.js';
import { PROFILE_SOCKET_OPTIONS } from '../profiles.js';
import { Flag } from '../segment.js';
import { seqAdd, seqLt } from '../seq.js';
import type { Step, StepResult } from './step.js';
import { dataEnd, type SocketOptions, type Tcb } from './tcb.js';

/** States in which keepalive probes the peer (Linux: any but CLOSE, LISTEN, SYN_SENT; TIME_WAIT is a mini-socket). */
function keepaliveApplies(state: TcpState): boolean {
  return state !== 'CLOSED' && state !== 'LISTEN' && state !== 'SYN_SENT' && state !== 'TIME_WAIT';
}

function armKeepalive(step: Step, delay: number): void {
  step.tcb.keepaliveDelay = Math.max(0, delay);
  step.keepaliveTimer = 'restart';
}

/** A connection with keepalive on has just become synchronized (tcp_finish_connect, tcp_create_openreq_child). */
export function keepaliveOnEstablish(step: Step, from: TcpState, to: TcpState): void {
  if (from !== 'CLOSED' && from !== 'LISTEN' && from !== 'SYN_SENT' && from !== 'SYN_RECEIVED') return;
  if (to === 'CLOSED' || to === 'LISTEN' || to === 'SYN_SENT' || to === 'SYN_RECEIVED') return;
  // The handshake's last ACK was heard now (tcp_ack in SYN-SENT, the child created by the third ACK).
  heardFromPeer(step.tcb, step.now);
  if (step.tcb.profile.keepalive) armKeepalive(step, step.tcb.profile.keepaliveIdle);
}

/** The peer sent an acceptable ACK (Linux tcp_ack: rcv_tstamp = now, icsk_probes_out = 0). */
export function heardFromPeer(t: Tcb, now: number): void {
  t.lastHeardAt = now;
  t.keepaliveProbesOut = 0;
}

/**
 * setsockopt (SET_SOCKET_OPTIONS, tcb/socket-options.ts): SO_KEEPALIVE, TCP_KEEPIDLE/INTVL/CNT and
 * TCP_USER_TIMEOUT replace the profile's defaults for this connection. Switching keepalive on
 * (or changing its idle time while on) re-arms the timer for what is left of the idle time (Linux
 * tcp_sock_set_keepidle_locked, sock_set_keepalive → tcp_set_keepalive); switching it off stops it.
 */
export function setKeepaliveOptions(step: Step, state: TcpState, options: Partial<SocketOptions>): void {
  const t = step.tcb;
  const before = t.profile;
  const changes: Record<string, unknown> = {};
  for (const field of PROFILE_SOCKET_OPTIONS)
    if (options[field] !== undefined) changes[field] = options[field];
  (t as { profile: Tcb['profile'] }).profile = Object.freeze({ ...before, ...changes });
  const after = t.profile;
  if (keepaliveApplies(state)) {
    if (after.keepalive && (!before.keepalive || after.keepaliveIdle !== before.keepaliveIdle)) {
      const idleFor = step.now - t.lastHeardAt;
      armKeepalive(step, after.keepaliveIdle - idleFor);
    } else if (!after.keepalive && before.keepalive) step.keepaliveTimer = 'stop';
  }
}

/** RFC 1122 §4.2.3.6 / Linux tcp_keepalive_timer (the keepalive half; FIN_WAIT_2 has its own timer here). */
export function keepaliveTimeout(step: Step, state: TcpState): StepResult {
  const t = step.tcb;
  const p = t.profile;
  if (!p.keepalive || !keepaliveApplies(state)) return step.result(state);
  // "It is alive without keepalive": data in flight or waiting to leave.
  if (
    seqLt(t.sndUna, t.sndMax) ||
    seqLt(t.sndNxt, dataEnd(t)) ||
    (t.finSeq !== undefined && !seqLt(t.finSeq, t.sndMax))
  ) {
    armKeepalive(step, p.keepaliveIdle);
    return step.result(state);
  }
  const idleFor = step.now - t.lastHeardAt;
  if (idleFor < p.keepaliveIdle) {
    armKeepalive(step, p.keepaliveIdle - idleFor);
    return step.result(state);
  }
  const givenUp =
    p.userTimeout > 0
      ? idleFor >= p.userTimeout && t.keepaliveProbesOut > 0
      : t.keepaliveProbesOut >= p.keepaliveProbes;
  if (givenUp) {
    // tcp_send_active_reset, then tcp_write_err: the application sees ETIMEDOUT.
    if (p.name === 'linux') step.send(Flag.RST | Flag.ACK, t.sndNxt, t.rcvNxt);
    else step.send(Flag.RST, t.sndNxt, 0);
    return step.close('timeout');
  }
  step.send(Flag.ACK, seqAdd(t.sndUna, -1), t.rcvNxt, undefined, 'keepalive');
  t.keepaliveProbesOut++;
  armKeepalive(step, p.keepaliveInterval);
  return step.result(state);
}
