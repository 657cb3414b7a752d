/**
 * Statistics over latency samples. Pure functions: samples in, numbers out.
 *
 * Definitions (also in docs/methodology.md):
 * - Percentile p (0 < p ≤ 100) is the nearest-rank value: the smallest sample such that at least p% of
 *   samples are ≤ it. It is always a latency that was actually observed; nothing is trimmed.
 * - The median is the usual one (mean of the two middle samples when the count is even).
 * - The 95% CI of the median is distribution-free: the order statistics (j, n+1-j) whose binomial
 *   coverage is at least 95%, exact for n ≤ 1000 and by the normal approximation above.
 */

export interface LatencyStats {
  count: number;
  minMs: number;
  meanMs: number;
  medianMs: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  stdevMs: number;
  /** Coefficient of variation: stdev / mean. */
  cv: number;
  /** 95% confidence interval of the median, [low, high] in ms. */
  medianCi95: [number, number];
  /** Half-width of that CI relative to the median; null when too few samples for a 95% CI. */
  medianCiRelHalfWidth: number | null;
  /** Inferences (model runs) per second: count / total time spent in runs. */
  throughputPerSec: number;
  /** Samples (inputs) per second: throughput × batch size. */
  samplesPerSec: number;
}

export function sortedCopy(samples: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(samples as ArrayLike<number>);
  sorted.sort();
  return sorted;
}

/** Nearest-rank percentile over ascending samples. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  // The small epsilon keeps p·n that is an integer in floating point (e.g. 99.9% of 1000) from rounding up.
  const rank = Math.ceil((p / 100) * n - 1e-9);
  return sorted[Math.min(n, Math.max(1, rank)) - 1];
}

export function medianSorted(sorted: ArrayLike<number>): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const Z_95 = 1.959963984540054;

/** log of the binomial coefficient C(n, k), by summing logs (n ≤ 1000 here, so cheap enough). */
function logChoose(n: number, k: number, logFactorials: Float64Array): number {
  return logFactorials[n] - logFactorials[k] - logFactorials[n - k];
}

/**
 * 1-based ranks (lo, hi) of the order statistics that bound a ≥95% CI of the median.
 * Returns null when n is too small for any pair to reach 95% coverage (n < 6).
 */
export function medianCiRanks(n: number, confidence = 0.95): [number, number] | null {
  if (n < 1) return null;
  if (n > 1000) {
    const z = confidence === 0.95 ? Z_95 : normalQuantile(1 - (1 - confidence) / 2);
    const half = (z * Math.sqrt(n)) / 2;
    const lo = Math.max(1, Math.floor(n / 2 - half));
    const hi = Math.min(n, Math.ceil(n / 2 + 1 + half));
    return [lo, hi];
  }
  const logFactorials = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) logFactorials[i] = logFactorials[i - 1] + Math.log(i);
  const pmf = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) pmf[k] = Math.exp(logChoose(n, k, logFactorials) - n * Math.LN2);
  // Coverage of [X(j), X(n+1-j)] is P(j ≤ B ≤ n-j) with B ~ Binomial(n, 1/2). Take the largest j that still covers.
  let best: [number, number] | null = null;
  for (let j = 1; j <= Math.floor((n + 1) / 2); j++) {
    let coverage = 0;
    for (let k = j; k <= n - j; k++) coverage += pmf[k];
    if (coverage >= confidence) best = [j, n + 1 - j];
    else break;
  }
  return best;
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - pLow) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** 95% CI of the median from ascending samples; [min, max] when there are too few samples for 95%. */
export function medianCi95Sorted(sorted: ArrayLike<number>): [number, number] {
  const n = sorted.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const ranks = medianCiRanks(n);
  if (ranks === null) return [sorted[0], sorted[n - 1]];
  return [sorted[ranks[0] - 1], sorted[ranks[1] - 1]];
}

/** Relative half-width of the median's CI: (hi − lo) / 2 / median. Infinity when it cannot be computed. */
export function relativeCiHalfWidth(sorted: ArrayLike<number>): number {
  if (medianCiRanks(sorted.length) === null) return Number.POSITIVE_INFINITY;
  const [lo, hi] = medianCi95Sorted(sorted);
  const median = medianSorted(sorted);
  return median > 0 ? (hi - lo) / 2 / median : Number.POSITIVE_INFINITY;
}

/** All summary statistics of one set of steady-state samples. */
export function summarize(samplesMs: ArrayLike<number>, batchSize = 1): LatencyStats {
  const sorted = sortedCopy(samplesMs);
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = n > 0 ? sum / n : Number.NaN;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i] - mean) ** 2;
  const stdev = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
  const medianCi95 = medianCi95Sorted(sorted);
  const relHalfWidth = relativeCiHalfWidth(sorted);
  const throughputPerSec = sum > 0 ? (n * 1000) / sum : 0;
  return {
    count: n,
    minMs: n > 0 ? sorted[0] : Number.NaN,
    meanMs: mean,
    medianMs: medianSorted(sorted),
    p90Ms: percentileSorted(sorted, 90),
    p95Ms: percentileSorted(sorted, 95),
    p99Ms: percentileSorted(sorted, 99),
    p999Ms: percentileSorted(sorted, 99.9),
    maxMs: n > 0 ? sorted[n - 1] : Number.NaN,
    stdevMs: stdev,
    cv: mean > 0 ? stdev / mean : 0,
    medianCi95,
    medianCiRelHalfWidth: Number.isFinite(relHalfWidth) ? relHalfWidth : null,
    throughputPerSec,
    samplesPerSec: throughputPerSec * batchSize,
  };
}

/** Fraction of samples strictly above a deadline. */
export function deadlineMissFraction(samplesMs: ArrayLike<number>, deadlineMs: number): number {
  if (samplesMs.length === 0) return 0;
  let misses = 0;
  for (let i = 0; i < samplesMs.length; i++) if (samplesMs[i] > deadlineMs) misses++;
  return misses / samplesMs.length;
}
