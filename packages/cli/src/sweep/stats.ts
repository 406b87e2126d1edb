/** Small statistics helpers for sweep summaries. */

/** Two-sided 95 % standard normal quantile. */
const Z95 = 1.959963984540054;

/**
 * Wilson score interval for a binomial proportion (successes out of n).
 * Unlike p̂ ± z·√(p̂(1−p̂)/n) it stays inside [0, 1] and is not degenerate at 0 or n successes.
 */
export function wilson(successes: number, n: number, z = Z95): { lo: number; hi: number } | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 or n successes the bound on that side is exactly 0 or 1 (the formula leaves float noise).
  return {
    lo: successes === 0 ? 0 : Math.max(0, center - half),
    hi: successes === n ? 1 : Math.min(1, center + half),
  };
}

function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Sample standard deviation (n − 1 in the denominator); null below two values. */
function sd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/**
 * Quantile q ∈ [0, 1] of already sorted values: Hyndman & Fan (1996) type 1, the inverse of the
 * empirical CDF (R `quantile(type = 1)`): the smallest observed x with F̂(x) ≥ q. It always returns
 * a value some run had — never a time between two retransmission steps that no run can take.
 */
export function quantileSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(sorted.length * q);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Resamples per bootstrap interval; fewer for very large samples (see bootstrapMeanCi). */
export const BOOTSTRAP_RESAMPLES = 1000;
/** Work bound of one bootstrap (draws = resamples × n): a million-run point still takes ~0.1 s. */
const BOOTSTRAP_MAX_DRAWS = 20_000_000;

/** mulberry32: a small seeded 32-bit PRNG (uniform in [0, 1)), so bootstrap intervals are reproducible. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 95 % percentile-bootstrap interval of the mean (Efron & Tibshirani 1993, §13.3): the 2.5 % and
 * 97.5 % type-1 quantiles of the means of `BOOTSTRAP_RESAMPLES` resamples drawn with replacement,
 * from a PRNG seeded with `seed` (same sweep ⇒ same interval). Resamples drop to keep
 * resamples × n ≤ 2·10⁷ (at least 200). Null below two values.
 */
export function bootstrapMeanCi(xs: readonly number[], seed: number): { lo: number; hi: number } | null {
  const n = xs.length;
  if (n < 2) return null;
  const resamples = Math.max(200, Math.min(BOOTSTRAP_RESAMPLES, Math.floor(BOOTSTRAP_MAX_DRAWS / n)));
  const uniform = seededUniform(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += xs[Math.floor(uniform() * n)];
    means[b] = sum / n;
  }
  means.sort();
  const sorted = Array.from(means);
  return { lo: quantileSorted(sorted, 0.025)!, hi: quantileSorted(sorted, 0.975)! };
}

export interface Description {
  mean: number | null;
  sd: number | null;
  /** 95 % bootstrap interval of the mean (null below two values or without a seed). */
  ciLo: number | null;
  ciHi: number | null;
  median: number | null;
  p95: number | null;
  p99: number | null;
}

/** mean, sd, bootstrap CI of the mean (when `seed` is given), median, p95, p99 (type 1) of a sample. */
export function describe(xs: readonly number[], seed?: number): Description {
  const sorted = [...xs].sort((a, b) => a - b);
  const ci = seed === undefined ? null : bootstrapMeanCi(sorted, seed);
  return {
    mean: mean(sorted),
    sd: sd(sorted),
    ciLo: ci?.lo ?? null,
    ciHi: ci?.hi ?? null,
    median: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
  };
}

/** Empirical CDF at each distinct observed value: [x, F̂(x) = fraction of values ≤ x]. */
export function empiricalCdf(xs: readonly number[]): Array<[number, number]> {
  const sorted = [...xs].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i + 1 < sorted.length && sorted[i + 1] === sorted[i]) continue;
    out.push([sorted[i], (i + 1) / sorted.length]);
  }
  return out;
}
