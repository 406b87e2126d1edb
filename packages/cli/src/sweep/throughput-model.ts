/**
 * Steady-state TCP throughput under independent (Bernoulli) loss, the two classic models a bulk
 * transfer's goodput is compared with:
 *
 * - Mathis, Semke, Mahdavi, Ott, "The macroscopic behavior of the TCP congestion avoidance
 *   algorithm", CCR 27(3), 1997: a bound from the sawtooth alone (no timeouts),
 *     B ≤ MSS / RTT · C / √p,  C = √(3/2)   (bytes/s).
 * - Padhye, Firoiu, Towsley, Kurose, "Modeling TCP throughput: a simple model and its empirical
 *   validation", SIGCOMM 1998, eq. (33), the "full" approximation with timeouts:
 *     B(p) ≈ min( Wmax / RTT,
 *                 1 / ( RTT·√(2bp/3) + T0·min(1, 3·√(3bp/8))·p·(1 + 32p²) ) )   (segments/s),
 *   b the number of segments acknowledged by one ACK (2 with delayed ACKs, 1 without), T0 the
 *   retransmission timeout, Wmax the receiver's window in segments.
 *
 * Both are in segments per second here; × MSS gives bytes per second.
 */
import { getProfile, type Profile } from '@synack/core';

export interface ThroughputInputs {
  /** Segment loss probability, 0 < p < 1. */
  p: number;
  /** Round-trip time, ms. */
  rttMs: number;
  /** Segments acknowledged per ACK. */
  b: number;
  /** Retransmission timeout, ms. */
  t0Ms: number;
  /** Largest window the receiver advertises, segments. */
  wmax: number;
}

/** Mathis et al. 1997: segments/s, C = √(3/2). Infinite without loss. */
export function mathisRate(p: number, rttMs: number): number {
  if (p <= 0) return Number.POSITIVE_INFINITY;
  return (1000 / rttMs) * (Math.sqrt(3 / 2) / Math.sqrt(p));
}

/** Padhye et al. 1998, eq. (33): segments/s. */
export function pftkRate({ p, rttMs, b, t0Ms, wmax }: ThroughputInputs): number {
  const rtt = rttMs / 1000;
  const windowLimit = wmax / rtt;
  if (p <= 0) return windowLimit;
  const t0 = t0Ms / 1000;
  const sawtooth = rtt * Math.sqrt((2 * b * p) / 3);
  const timeouts = t0 * Math.min(1, 3 * Math.sqrt((3 * b * p) / 8)) * p * (1 + 32 * p * p);
  return Math.min(windowLimit, 1 / (sawtooth + timeouts));
}

/** The parameters the models are given for a sweep point, stated in the sweep's output. */
export interface ModelParameters {
  /** Bytes per segment (the largest payload the runs sent). */
  mss: number;
  rttMs: number;
  b: number;
  t0Ms: number;
  wmax: number;
}

/**
 * Parameters for a point: RTT = 2 × (one-way delay + mean jitter); T0 the RTO that RTT gives once
 * the estimator has settled (RTTVAR → 0 on a jitter-free path): Linux's srtt + max(rto_min,
 * 4·rttvar) (tcp_set_rto) or RFC 6298's max(rtoMin, srtt + 4·rttvar); Wmax = receive buffer / MSS.
 *
 * b = 1 for both profiles. PFTK's b is the number of segments one ACK acknowledges because Reno
 * grows cwnd by 1/cwnd per ACK, so delayed ACKs (b = 2) halve its growth. Core's congestion
 * avoidance, like Linux's tcp_cong_avoid_ai, counts segments acknowledged instead (RFC 3465 byte
 * counting; congestion/newreno.ts): the window grows by one segment per round whatever the ACK
 * ratio, which is PFTK's b = 1. (`linux` does ACK every second full-sized segment, RFC 5681 §4.2.)
 */
export function modelParameters(
  profile: Profile,
  point: { delay: number; jitter: number },
  mss: number,
): ModelParameters {
  const rttMs = 2 * (point.delay + point.jitter / 2);
  const rttvar = point.jitter / 2;
  const t0Ms =
    profile.rtoFormula === 'linux'
      ? rttMs + Math.max(profile.rtoMin, 4 * rttvar)
      : Math.max(profile.rtoMin, rttMs + 4 * rttvar);
  return {
    mss,
    rttMs,
    b: WINDOW_GROWTH_B,
    t0Ms: Math.min(profile.rtoMax, t0Ms),
    wmax: Math.max(1, Math.floor(profile.receiveBuffer / mss)),
  };
}

/** PFTK's b for a sender that counts segments acknowledged (see modelParameters). */
const WINDOW_GROWTH_B = 1;

export interface ThroughputModel extends ModelParameters {
  /** Mathis bound, bytes/s (null without loss). */
  mathisBytesPerSec: number | null;
  /** PFTK model, bytes/s. */
  pftkBytesPerSec: number;
}

/** PFTK, bytes/s, at a measured loss-event rate instead of the configured loss (null without events). */
export function pftkAtEventRate(params: ModelParameters, eventRate: number): number | null {
  return eventRate > 0 ? pftkRate({ ...params, p: eventRate }) * params.mss : null;
}

/** Both models at loss p for a profile (with the scenario's overrides) and path. */
export function throughputModel(
  profileName: string,
  overrides: Partial<Profile> | undefined,
  point: { loss: number; delay: number; jitter: number },
  mss: number,
): ThroughputModel {
  const params = modelParameters(getProfile(profileName, overrides ?? {}), point, mss);
  const mathis = mathisRate(point.loss, params.rttMs);
  return {
    ...params,
    mathisBytesPerSec: Number.isFinite(mathis) ? mathis * mss : null,
    pftkBytesPerSec: pftkRate({ ...params, p: point.loss }) * mss,
  };
}
