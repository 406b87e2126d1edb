/**
 * Closed-form and exact models of the handshake under independent loss, to
 * validate the simulator (and the simulator to validate them).
 *
 * Setting: the built-in `handshake` scenario shape — one client connect()s to a
 * listening server, one-way delay d (jitter J), Bernoulli loss p_cs on
 * client→server and p_sc on server→client, no reordering or duplication.
 * "Success" = the client reaches ESTABLISHED; "time" = SYN_SENT → ESTABLISHED.
 *
 * Client: SYN number k (k = 0..R, R = synRetransmissions) leaves at T_k = Σ_{n<k}
 * synTimeout(n); connect() fails at T_{R+1} = connectTimeout.
 *
 * client→server only (p_sc = 0): the first SYN that gets through is answered at
 * once and the SYN-ACK cannot be lost, so with q = 1 − p
 *   P(success)          = 1 − p^(R+1)
 *   E[time | success]   = Σ_{k=0}^{R} p^k q (T_k + RTT) / (1 − p^(R+1)),  RTT = 2d + J
 * (J/2 is the mean jitter each way; exact in expectation).
 *
 * server→client or both (exact for J = 0): condition on the set S of SYNs that
 * arrive (probability q_cs^|S| p_cs^(R+1−|S|)). Until the client hears a
 * SYN-ACK, nothing it or the server does depends on SYN-ACK losses, so the
 * SYN-ACK send times are a deterministic function of S:
 *   - a SYN arriving at a with no live half-open entry creates one: SYN-ACK at a,
 *     retransmissions at a + Σ_{j<m} synackTimeout(j), m = 1..synackRetries,
 *     and the entry expires when the wait after the last one ends;
 *   - a SYN arriving while the entry lives is a duplicate: SYN-ACK at once, and
 *     the timer re-armed from then with the current backoff (Linux tcp_check_req);
 *   - at an instant where the entry expires and a SYN arrives, timers run first
 *     (the expired entry is gone, the SYN creates a new one).
 * Only SYN-ACKs arriving strictly before T_{R+1} count (at T_{R+1} the client's
 * timer fires first and it is CLOSED). With the N counted arrival times
 * a_1 ≤ … ≤ a_N, each SYN-ACK independently lost with p_sc:
 *   P(success | S) = 1 − p_sc^N,   E[time·1{success} | S] = Σ_i p_sc^(i−1) q_sc a_i.
 * Summing over the 2^(R+1) sets S gives the exact P(success) and E[time | success].
 * With p_sc = 0 this reduces to the closed form above (tested).
 */
import { getProfile, type Profile, synackTimeout, synRetransmissions, synTimeout } from '@synack/core';
import type { Scenario } from '../scenarios.js';
import type { Direction } from './direction.js';
import type { SweepPoint } from './grid.js';

export interface HandshakeModel {
  /** P(client reaches ESTABLISHED). */
  success: number;
  /** E[SYN_SENT → ESTABLISHED | success] in ms (null when success is 0). */
  meanTime: number | null;
  method: 'closed-form' | 'exact-enumeration';
}

/** T_k for k = 0..R+1: send time of SYN k relative to the first; T_{R+1} = connect() timeout. */
export function synSendTimes(profile: Profile): number[] {
  const R = synRetransmissions(profile);
  const times = [0];
  for (let n = 0; n <= R; n++) times.push(times[n] + synTimeout(profile, n));
  return times;
}

/** The closed form for loss on client→server only. */
export function closedFormClientToServer(profile: Profile, p: number, rtt: number): HandshakeModel {
  const T = synSendTimes(profile);
  const R = synRetransmissions(profile);
  const success = 1 - p ** (R + 1);
  let weighted = 0;
  for (let k = 0; k <= R; k++) weighted += p ** k * (1 - p) * (T[k] + rtt);
  return { success, meanTime: success > 0 ? weighted / success : null, method: 'closed-form' };
}

/**
 * SYN-ACK send times of the server when the SYNs arriving at `arrivals` (sorted)
 * are all it hears and none of its SYN-ACKs is answered. A SYN while the entry
 * lives (a duplicate) is answered at once and re-arms the timer with the current
 * backoff (Linux tcp_check_req); the n-th timer expiry resends with backoff
 * synackTimeout(n), and the expiry after the last retransmission frees the entry.
 * A timer due at the instant a SYN arrives fires first.
 */
export function synAckSendTimes(server: Profile, arrivals: readonly number[]): number[] {
  const sends: number[] = [];
  let entry: { next: number; timeouts: number } | undefined;
  const fireTimersUntil = (t: number) => {
    while (entry && entry.next <= t) {
      entry.timeouts++;
      if (entry.timeouts > server.synackRetries) {
        entry = undefined;
        return;
      }
      sends.push(entry.next);
      entry.next += synackTimeout(server, entry.timeouts);
    }
  };
  for (const a of arrivals) {
    fireTimersUntil(a);
    sends.push(a);
    if (entry) entry.next = a + synackTimeout(server, entry.timeouts);
    else entry = { next: a + synackTimeout(server, 0), timeouts: 0 };
  }
  fireTimersUntil(Number.POSITIVE_INFINITY);
  return sends;
}

/** Exact model for any loss pair, by enumerating which SYNs arrive (jitter must be 0). */
export function exactHandshakeModel(
  client: Profile,
  server: Profile,
  delay: number,
  lossCS: number,
  lossSC: number,
): HandshakeModel {
  const T = synSendTimes(client);
  const R = synRetransmissions(client);
  const giveUp = T[R + 1];
  const qCS = 1 - lossCS;
  const qSC = 1 - lossSC;
  let success = 0;
  let weightedTime = 0;
  for (let mask = 0; mask < 2 ** (R + 1); mask++) {
    let weight = 1;
    const arrivals: number[] = [];
    for (let k = 0; k <= R; k++) {
      if (mask & (1 << k)) {
        weight *= qCS;
        arrivals.push(T[k] + delay);
      } else weight *= lossCS;
    }
    if (weight === 0) continue;
    const synAcks = synAckSendTimes(server, arrivals)
      .map((t) => t + delay)
      .filter((a) => a < giveUp);
    let allLostSoFar = 1;
    for (const a of synAcks) {
      const first = allLostSoFar * qSC; // this one is the first to get through
      success += weight * first;
      weightedTime += weight * first * a;
      allLostSoFar *= lossSC;
    }
  }
  return {
    success,
    meanTime: success > 0 ? weightedTime / success : null,
    method: 'exact-enumeration',
  };
}

/**
 * True when the scenario has the shape the model describes: a client whose only action is one
 * connect() to a server whose only action is listen(), no reactions, no per-endpoint profiles,
 * no targeted faults or per-link settings, and a network default of plain Bernoulli faults.
 */
export function isPlainHandshake(scenario: Scenario): boolean {
  if (scenario.endpoints.length !== 2) return false;
  const client = scenario.endpoints.find((e) => e.id === 'client');
  const server = scenario.endpoints.find((e) => e.id === 'server');
  if (!client || !server) return false;
  for (const e of [client, server]) {
    if (e.profile !== undefined || e.profileOverrides !== undefined || (e.reactions?.length ?? 0) > 0)
      return false;
  }
  const ca = client.actions ?? [];
  const sa = server.actions ?? [];
  if (ca.length !== 1 || ca[0].do !== 'connect' || ca[0].to !== 'server') return false;
  if (sa.length !== 1 || sa[0].do !== 'listen' || sa[0].port !== ca[0].port) return false;
  if (sa[0].at > ca[0].at || sa[0].syncookies === 2) return false;
  const network = scenario.network ?? {};
  if ((network.faults?.length ?? 0) > 0 || Object.keys(network.links ?? {}).length > 0) return false;
  const allowed = new Set(['loss', 'reorder', 'duplicate', 'delay', 'jitter']);
  return Object.keys(network.default ?? {}).every((k) => allowed.has(k));
}

/**
 * The model's prediction for a sweep point, or null where it does not apply
 * (another scenario shape, reordering or duplication, or jitter with SYN-ACK loss).
 */
export function modelForPoint(scenario: Scenario, point: SweepPoint): HandshakeModel | null {
  if (!isPlainHandshake(scenario) || point.reorder > 0 || point.duplicate > 0) return null;
  const profile = getProfile(point.profile);
  const { lossCS, lossSC } = directionalLoss(point.loss, point.direction);
  if (lossSC === 0) return closedFormClientToServer(profile, lossCS, 2 * point.delay + point.jitter);
  if (point.jitter > 0) return null;
  return exactHandshakeModel(profile, profile, point.delay, lossCS, lossSC);
}

function directionalLoss(loss: number, direction: Direction): { lossCS: number; lossSC: number } {
  return {
    lossCS: direction === 'server->client' ? 0 : loss,
    lossSC: direction === 'client->server' ? 0 : loss,
  };
}
