/**
 * RFC 6298 retransmission-timeout estimator, as its own immutable value
 * (like smoltcp's `RttEstimator`): every update returns a new estimator, so a
 * TCB snapshot that holds one never changes under its reader.
 */
import type { Profile } from '../profiles.js';

export interface RttEstimator {
  /** Smoothed RTT in ms; undefined before the first sample (RFC 6298 (2.1)). */
  readonly srtt: number | undefined;
  /** RTT variation in ms; 0 before the first sample. */
  readonly rttvar: number;
  /** Current retransmission timeout in ms, backoff included; always within [rtoMin, rtoMax] once sampled. */
  readonly rto: number;
}

/** RFC 6298 (2.1): before any sample, RTO = the profile's initial RTO. */
export function initialRtt(profile: Profile): RttEstimator {
  return { srtt: undefined, rttvar: 0, rto: profile.rtoInitial };
}

/**
 * RFC 6298 (2.2)/(2.3) for a new sample `r` (or Linux's variant, which floors
 * RTTVAR at rto_min: `tcp_set_rto` / `__tcp_set_rto`). The result is rounded
 * up to whole ms and clamped to [rtoMin, rtoMax] (RFC 6298 (2.4), (2.5)).
 */
export function sampleRtt(estimator: RttEstimator, r: number, profile: Profile): RttEstimator {
  let srtt: number;
  let rttvar: number;
  if (estimator.srtt === undefined) {
    srtt = r;
    rttvar = r / 2;
  } else {
    rttvar = 0.75 * estimator.rttvar + 0.25 * Math.abs(estimator.srtt - r);
    srtt = 0.875 * estimator.srtt + 0.125 * r;
  }
  const raw =
    profile.rtoFormula === 'linux' ? srtt + Math.max(profile.rtoMin, 4 * rttvar) : srtt + 4 * rttvar;
  return { srtt, rttvar, rto: Math.ceil(Math.min(profile.rtoMax, Math.max(profile.rtoMin, raw))) };
}

/** RFC 6298 (5.5): back the timer off (RTO ← 2·RTO, capped at rtoMax). */
export function backOffRto(estimator: RttEstimator, profile: Profile): RttEstimator {
  return withRto(estimator, Math.min(profile.rtoMax, estimator.rto * 2));
}

/** The same estimate with a timeout chosen by another rule (SYN schedules, RFC 6298 (5.7) fallback). */
export function withRto(estimator: RttEstimator, rto: number): RttEstimator {
  return estimator.rto === rto ? estimator : { srtt: estimator.srtt, rttvar: estimator.rttvar, rto };
}
