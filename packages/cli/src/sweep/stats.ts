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

/** Quantile q ∈ [0, 1] of already sorted values, linear interpolation between order statistics (R type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** mean, sd, median, p95, p99 of a sample. */
export function describe(xs: readonly number[]): {
  mean: number | null;
  sd: number | null;
  median: number | null;
  p95: number | null;
  p99: number | null;
} {
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    mean: mean(sorted),
    sd: sd(sorted),
    median: quantileSorted(sorted, 0.5),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
  };
}
