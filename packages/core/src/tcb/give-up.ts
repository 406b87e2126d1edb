/**
 * When retransmission of data or FIN gives up (RFC 9293 §3.8.3 R2, RFC 5482 USER TIMEOUT), and
 * Linux's way of deciding it (tcp_write_timeout, retransmits_timed_out, tcp_model_timeout,
 * tcp_orphan_retries, tcp_clamp_rto_to_user_timeout).
 *
 * Linux does not count retransmissions: it gives up once the time since the first retransmission
 * of the run (retrans_stamp) reaches the time `boundary` retransmissions would take if the RTO
 * started at TCP_RTO_MIN (200 ms) and doubled up to TCP_RTO_MAX — for tcp_retries2 = 15,
 * (2^10 − 1) · 0.2 s + 6 · 120 s = 924.6 s — whatever the connection's real RTO. TCP_USER_TIMEOUT
 * replaces that model time, and the retransmission timer is clamped so that it fires when the user
 * timeout runs out.
 */
import type { Tcb } from './tcb.js';

/** Linux TCP_RTO_MIN: the base of tcp_model_timeout (a constant, not the route's rto_min). */
export const MODEL_RTO_BASE = 200;

/** Linux tcp_model_timeout: how long `boundary` backed-off retransmissions take from MODEL_RTO_BASE. */
export function modelTimeout(boundary: number, rtoMax: number, rtoBase = MODEL_RTO_BASE): number {
  const linearBackoffThresh = Math.floor(Math.log2(rtoMax / rtoBase));
  if (boundary <= linearBackoffThresh) return (2 ** (boundary + 1) - 1) * rtoBase;
  return (2 ** (linearBackoffThresh + 1) - 1) * rtoBase + (boundary - linearBackoffThresh) * rtoMax;
}

/** Linux tcp_orphan_retries(): 0 means 8 while the RTO is below its maximum ("alive"). */
export function orphanBoundary(t: Tcb): number {
  const alive = t.rtt.rto < t.profile.rtoMax;
  const retries = t.profile.orphanRetries;
  return retries === 0 && alive ? 8 : retries;
}

/**
 * The data/FIN retransmission timer fired for the `t.retries`-th time (already counted): has the
 * connection run out of time? With TCP_USER_TIMEOUT, once that long has passed since retransStamp;
 * with profile.retransmitGiveUp 'elapsed', once the model time of tcp_retries2 (tcp_orphan_retries
 * for a closed socket) has; with 'count', after dataRetries retransmissions.
 */
export function retransmissionGivesUp(t: Tcb, now: number): boolean {
  const p = t.profile;
  if (p.userTimeout === 0 && p.retransmitGiveUp === 'count') return t.retries > p.dataRetries;
  // retransmits_timed_out: nothing retransmitted yet (icsk_retransmits 0) never times out.
  if (t.retries <= 1 || t.retransStamp === undefined) return false;
  const boundary = t.orphaned ? orphanBoundary(t) : p.dataRetries;
  const timeout = p.userTimeout > 0 ? p.userTimeout : modelTimeout(boundary, p.rtoMax);
  return now - t.retransStamp >= timeout;
}

/**
 * The first retransmission of a run notes its time (Linux tcp_retransmit_skb: retrans_stamp = the
 * skb's timestamp, which the retransmission has just set to now). Kernel-checked: with
 * TCP_USER_TIMEOUT 1000 ms and retransmissions at 0.3 and 0.9 s the connection is still alive at
 * 1.25 s and gone at 1.35 s (1.3 s = first retransmission + 1 s).
 */
export function noteRetransmission(t: Tcb, now: number): void {
  if (t.retransStamp === undefined) t.retransStamp = now;
}

/**
 * Linux tcp_clamp_rto_to_user_timeout: with TCP_USER_TIMEOUT the retransmission timer fires no
 * later than when the user timeout runs out (1 ms when it already has). The RTO itself (the
 * backoff base) is unchanged. Undefined: no clamp.
 */
export function clampedRtoDelay(t: Tcb, now: number): number | undefined {
  const userTimeout = t.profile.userTimeout;
  if (userTimeout === 0 || t.retransStamp === undefined) return undefined;
  const remaining = userTimeout - (now - t.retransStamp);
  if (remaining <= 0) return 1;
  return remaining < t.rtt.rto ? remaining : undefined;
}
