/**
 * Bootstrap confidence interval of a ratio of medians (or of another quantile, `quantile`). Pure and
 * seeded: the same samples and seed give the same interval on every machine.
 *
 * Each resample redraws each side separately (the sides are independent measurements), takes both
 * medians and their ratio; the CI is the percentile interval of those ratios (e.g. the 2.5th and
 * 97.5th percentiles of 2000 ratios for 95%). Medians come from quickselect, so a resample costs
 * O(n), not a sort.
 *
 * A side measured in several rounds (each a fresh process: its own allocation, its own thread
 * placement, its own moment of the machine) is redrawn in two levels — rounds with replacement, then
 * samples with replacement within each drawn round — so the interval carries the round-to-round
 * spread as well as the spread within a round. Pooling the rounds and redrawing samples alone would
 * treat thousands of samples as independent when they share a round, and give an interval far
 * narrower than the rounds disagree. A side with one round is redrawn by samples alone. When both
 * sides ran interleaved in the same rounds, the rounds are drawn once for both (`pairedRounds`), so a
 * resample keeps round r of one side with round r of the other.
 */
import { mulberry32 } from '../util/prng.js';

export interface BootstrapOptions {
  /** Number of resamples (default 2000). */
  resamples?: number;
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  confidence?: number;
}

export interface RatioOptions extends BootstrapOptions {
  /**
   * The statistic compared, as a quantile in (0, 1): absent (or 0.5) is the median, as everywhere in
   * the study; 0.99 compares nearest-rank 99th percentiles (the same definition as the run
   * statistics), e.g. for a p99 objective.
   */
  quantile?: number;
  /**
   * Both sides were measured in the same rounds, interleaved (round r of one beside round r of the
   * other): draw the round indices once per resample for both sides, so a round's pairing — the
   * machine's state it shared — is kept. Needs the same number of rounds on both sides.
   */
  pairedRounds?: boolean;
}

export interface RatioEstimate {
  /** median(numerator) / median(denominator) over all samples (or the requested quantile's ratio). */
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

/**
 * The statistic of `a` (rearranges it): the median when `quantile` is undefined or 0.5, else the
 * nearest-rank quantile — the smallest value with at least that share of values ≤ it.
 */
export function statisticInPlace(a: Float64Array, quantile?: number): number {
  if (quantile === undefined || quantile === 0.5) return medianInPlace(a);
  const n = a.length;
  if (n === 0) return Number.NaN;
  const rank = Math.min(n, Math.max(1, Math.ceil(quantile * n - 1e-9)));
  return select(a, rank - 1);
}

export function median(samples: ArrayLike<number>): number {
  return medianInPlace(Float64Array.from(samples as ArrayLike<number>));
}

/** Samples of one side: one array, or one array per round. */
export type SideSamples = ArrayLike<number> | readonly ArrayLike<number>[];

function roundsOf(side: SideSamples): ArrayLike<number>[] {
  const isRounds = side.length > 0 && typeof (side as ArrayLike<unknown>)[0] !== 'number';
  const rounds = isRounds ? [...(side as readonly ArrayLike<number>[])] : [side as ArrayLike<number>];
  return rounds.filter((r) => r.length > 0);
}

function pooled(rounds: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(rounds.reduce((n, r) => n + r.length, 0));
  let offset = 0;
  for (const r of rounds) {
    out.set(r as ArrayLike<number>, offset);
    offset += r.length;
  }
  return out;
}

/** Round indices for one resample: all of them for a single round, else `count` drawn with replacement. */
function drawRounds(count: number, random: () => number): number[] {
  if (count === 1) return [0];
  return Array.from({ length: count }, () => Math.floor(random() * count));
}

/** Room for any draw of a side: as many rounds as it has, each as long as its longest. */
function scratchFor(rounds: readonly ArrayLike<number>[]): Float64Array {
  return new Float64Array(rounds.length * Math.max(...rounds.map((r) => r.length)));
}

/**
 * One bootstrap draw of a side's statistic (median by default): the given rounds, then samples with replacement within
 * each, written into `scratch` (reused across resamples).
 */
function resampledStatistic(
  rounds: readonly ArrayLike<number>[],
  picks: readonly number[],
  scratch: Float64Array,
  random: () => number,
  quantile: number | undefined,
): number {
  let i = 0;
  for (const pick of picks) {
    const round = rounds[pick];
    const n = round.length;
    for (let k = 0; k < n; k++) scratch[i++] = round[Math.floor(random() * n)];
  }
  return statisticInPlace(scratch.subarray(0, i), quantile);
}

/** Nearest-rank quantile of ascending values, q in [0, 1]. */
function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)));
  return sorted[rank - 1];
}

export function bootstrapMedianRatio(
  numerator: SideSamples,
  denominator: SideSamples,
  options: RatioOptions = {},
): RatioEstimate {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const num = roundsOf(numerator);
  const den = roundsOf(denominator);
  if (num.length === 0 || den.length === 0) throw new RangeError('both sides need at least one sample');
  if (!(resamples >= 1)) throw new RangeError(`resamples must be at least 1, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const q = options.quantile;
  if (q !== undefined && !(q > 0 && q < 1)) throw new RangeError(`quantile must be in (0, 1), got ${q}`);
  const ratio = statisticInPlace(pooled(num), q) / statisticInPlace(pooled(den), q);
  const random = mulberry32(options.seed ?? 1);
  const ratios = new Float64Array(resamples);
  const paired = options.pairedRounds === true && num.length === den.length && num.length > 1;
  const numScratch = scratchFor(num);
  const denScratch = scratchFor(den);
  for (let b = 0; b < resamples; b++) {
    const numPicks = drawRounds(num.length, random);
    const denPicks = paired ? numPicks : drawRounds(den.length, random);
    const top = resampledStatistic(num, numPicks, numScratch, random, q);
    ratios[b] = top / resampledStatistic(den, denPicks, denScratch, random, q);
  }
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
