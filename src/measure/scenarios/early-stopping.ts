/**
 * LoadGen's early stopping, from the binomial distribution: how sure can we be, from n queries, that the
 * true p-th percentile latency is under a value (single- and multi-stream), or that no more than (1 − p)
 * of queries exceed the bound (server)? Pure functions.
 */

/** P(X ≤ t) for X ~ Binomial(n, q), summed in log space. */
export function binomialCdf(n: number, q: number, t: number): number {
  if (t < 0) return 0;
  if (t >= n) return 1;
  if (q <= 0) return 1;
  if (q >= 1) return 0;
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  let logPmf = n * l1q; // k = 0
  let sum = Math.exp(logPmf);
  for (let k = 1; k <= t; k++) {
    logPmf += Math.log((n - k + 1) / k) + lq - l1q;
    sum += Math.exp(logPmf);
  }
  return Math.min(1, sum);
}

/** Whether n queries with t of them over the latency would pass: P(Bin(n, 1 − p) ≤ t) < 1 − c. */
export function passes(n: number, t: number, percentile: number, confidence: number): boolean {
  return binomialCdf(n, 1 - percentile / 100, t) < 1 - confidence;
}

/** The fewest queries (all extra ones under latency) with which `t` overlatency queries still pass. */
export function minQueriesToPass(t: number, percentile: number, confidence: number): number {
  let hi = Math.max(1, t + 1);
  while (!passes(hi, t, percentile, confidence)) {
    hi *= 2;
    if (hi > 1e9) return Number.POSITIVE_INFINITY;
  }
  let lo = Math.max(t, Math.floor(hi / 2));
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (passes(mid, t, percentile, confidence)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

export interface PercentileEstimate {
  /** An upper bound of the true percentile at the given confidence; null with too few queries. */
  estimateMs: number | null;
  /** The t-th highest latency is the estimate (t − 1 higher ones are "discarded"). */
  rankFromTop: number | null;
  /** Queries needed before any estimate exists. */
  minQueries: number;
}

/** Single-/multi-stream: the early-stopping estimate of the percentile from ascending latencies. */
export function percentileEstimate(
  sorted: ArrayLike<number>,
  percentile: number,
  confidence: number,
): PercentileEstimate {
  const n = sorted.length;
  const minQueries = minQueriesToPass(1, percentile, confidence);
  if (n < minQueries) return { estimateMs: null, rankFromTop: null, minQueries };
  // The largest t with n ≥ h(t) + t: the cdf grows with t, so passing is monotone; binary search.
  let lo = 1;
  let hi = n;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (passes(n, mid, percentile, confidence)) lo = mid;
    else hi = mid - 1;
  }
  const t = lo;
  return { estimateMs: sorted[n - t], rankFromTop: t, minQueries };
}

export interface ServerEarlyStopping {
  overlatency: number;
  passed: boolean;
  /** Total queries needed for a pass if every further query were under the bound. */
  queriesNeeded: number;
}

/** Server: is the overlatency fraction within 1 − p at the given confidence? */
export function serverEarlyStopping(
  latenciesMs: ArrayLike<number>,
  boundMs: number,
  percentile: number,
  confidence: number,
): ServerEarlyStopping {
  let t = 0;
  for (let i = 0; i < latenciesMs.length; i++) if (latenciesMs[i] > boundMs) t++;
  const n = latenciesMs.length;
  return {
    overlatency: t,
    passed: n > 0 && passes(n, t, percentile, confidence),
    queriesNeeded: minQueriesToPass(t, percentile, confidence),
  };
}
