/**
 * Bootstrap confidence interval of a ratio of medians. Pure and seeded: the same samples and seed
 * give the same interval on every machine.
 *
 * Each resample draws n samples with replacement from each side separately (the sides are independent
 * measurements), takes both medians and their ratio; the CI is the percentile interval of those ratios
 * (e.g. the 2.5th and 97.5th percentiles of 2000 ratios for 95%). Medians come from quickselect, so a
 * resample costs O(n), not a sort.
 */
import { mulberry32 } from '../util/prng.js';

export interface BootstrapOptions {
  /** Number of resamples (default 2000). */
  resamples?: number;
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  confidence?: number;
}

export interface RatioEstimate {
  /** median(numerator) / median(denominator) over all samples. */
  ratio: number;
  /** Percentile bootstrap interval of the ratio. */
  ci: [number, number];
  resamples: number;
  confidence: number;
}

/** Rearranges `a` so that a[k] is its k-th smallest element; returns it. */
function select(a: Float64Array, k: number, from = 0, to = a.length - 1): number {
  let lo = from;
  let hi = to;
  while (hi > lo) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Median of `a` (rearranges it). */
export function medianInPlace(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  const upper = select(a, mid);
  if (n % 2 === 1) return upper;
  // After selecting `mid`, everything left of it is ≤ a[mid]: the lower middle is their maximum.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < mid; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

export function median(samples: ArrayLike<number>): number {
  return medianInPlace(Float64Array.from(samples as ArrayLike<number>));
}

function resampledMedian(source: ArrayLike<number>, scratch: Float64Array, random: () => number): number {
  const n = source.length;
  for (let i = 0; i < n; i++) scratch[i] = source[Math.floor(random() * n)];
  return medianInPlace(scratch);
}

/** Nearest-rank quantile of ascending values, q in [0, 1]. */
function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)));
  return sorted[rank - 1];
}

export function bootstrapMedianRatio(
  numerator: ArrayLike<number>,
  denominator: ArrayLike<number>,
  options: BootstrapOptions = {},
): RatioEstimate {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (numerator.length === 0 || denominator.length === 0)
    throw new RangeError('both sides need at least one sample');
  if (!(resamples >= 1)) throw new RangeError(`resamples must be at least 1, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const ratio = median(numerator) / median(denominator);
  const random = mulberry32(options.seed ?? 1);
  const num = new Float64Array(numerator.length);
  const den = new Float64Array(denominator.length);
  const ratios = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++)
    ratios[b] = resampledMedian(numerator, num, random) / resampledMedian(denominator, den, random);
  ratios.sort();
  const alpha = 1 - confidence;
  return {
    ratio,
    ci: [quantileSorted(ratios, alpha / 2), quantileSorted(ratios, 1 - alpha / 2)],
    resamples,
    confidence,
  };
}

/** A seed for one comparison, derived from the study's seed and the comparison's name (FNV-1a). */
export function seedFor(baseSeed: number, name: string): number {
  let hash = (0x811c9dc5 ^ baseSeed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
