import { describe, expect, it } from 'vitest';
import { bootstrapMedianRatio, median, medianInPlace, seedFor } from '../../src/study/bootstrap.js';
import {
  arithmeticMean,
  averageComparisons,
  type Comparison,
  compareSamples,
  fps,
  geometricMean,
  improvementPct,
  verdictOf,
} from '../../src/study/compare.js';
import { mulberry32 } from '../../src/util/prng.js';

/** Log-normal-ish latencies around `center` ms, seeded. */
function latencies(center: number, n: number, seed: number, spread = 0.05): Float64Array {
  const random = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(1e-12, random());
    const v = random();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out[i] = center * Math.exp(spread * z);
  }
  return out;
}

function sortedMedian(values: ArrayLike<number>): number {
  const s = Array.from(values).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

describe('median by quickselect', () => {
  it('equals the sorted median for odd, even, tied and tiny arrays', () => {
    const random = mulberry32(3);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(random() * 60);
      const values = Array.from(
        { length: n },
        () => Math.floor(random() * 10) / (1 + Math.floor(random() * 3)),
      );
      expect(medianInPlace(Float64Array.from(values))).toBe(sortedMedian(values));
    }
    expect(Number.isNaN(median([]))).toBe(true);
    expect(median([5])).toBe(5);
    expect(median([2, 1])).toBe(1.5);
  });
});

describe('bootstrap CI with rounds', () => {
  // Five rounds per side whose medians shift by process (±4% around the center); inside a round the
  // samples are tight (1%). Pooled, the samples look precise; the rounds say otherwise.
  const shifts = [0.96, 1.02, 0.98, 1.04, 1.0];
  const roundsOf = (center: number, seed: number) =>
    shifts.map((shift, i) => latencies(center * shift, 200, seed + i, 0.01));
  const base = roundsOf(10, 100);
  const opt = roundsOf(8, 200).reverse();

  it('redraws rounds, so the interval carries the spread between rounds', () => {
    const byRound = bootstrapMedianRatio(base, opt, { seed: 5 });
    const pooledOnly = bootstrapMedianRatio(
      Float64Array.from(base.flatMap((r) => [...r])),
      Float64Array.from(opt.flatMap((r) => [...r])),
      { seed: 5 },
    );
    // The same point estimate (pooled medians), a wider interval.
    expect(byRound.ratio).toBeCloseTo(pooledOnly.ratio, 12);
    expect(byRound.ci[1] - byRound.ci[0]).toBeGreaterThan(2 * (pooledOnly.ci[1] - pooledOnly.ci[0]));
    expect(byRound.ci[0]).toBeLessThanOrEqual(byRound.ratio);
    expect(byRound.ci[1]).toBeGreaterThanOrEqual(byRound.ratio);
    // It still sees a 1.25x speedup as faster.
    expect(compareSamples(base, opt, { seed: 5 }).verdict).toBe('faster');
  });

  it('keeps interleaved rounds paired: drift both sides shared does not widen the interval', () => {
    // The same machine drift in round r for both variants (they ran side by side): the speedup is
    // 1.25 in every round, however the rounds moved.
    const paired = compareSamples(base, roundsOf(8, 200), { seed: 5, pairedRounds: true });
    const unpaired = compareSamples(base, roundsOf(8, 200), { seed: 5 });
    expect(paired.speedup).toBeCloseTo(1.25, 2);
    expect(paired.speedupCi[0]).toBeGreaterThan(1.23);
    expect(paired.speedupCi[1]).toBeLessThan(1.27);
    expect(unpaired.speedupCi[1] - unpaired.speedupCi[0]).toBeGreaterThan(
      3 * (paired.speedupCi[1] - paired.speedupCi[0]),
    );
    // Different round counts cannot be paired: drawn independently.
    const fewer = compareSamples(base, roundsOf(8, 200).slice(0, 3), { seed: 5, pairedRounds: true });
    expect(fewer.speedupCi[1] - fewer.speedupCi[0]).toBeGreaterThan(
      paired.speedupCi[1] - paired.speedupCi[0],
    );
  });

  it('is the plain bootstrap for one round, and ignores empty rounds', () => {
    const a = latencies(10, 300, 1);
    const b = latencies(9, 300, 2);
    const plain = bootstrapMedianRatio(a, b, { seed: 9, resamples: 500 });
    expect(bootstrapMedianRatio([a], [b, new Float64Array(0)], { seed: 9, resamples: 500 })).toEqual(plain);
    expect(() => bootstrapMedianRatio([new Float64Array(0)], [b])).toThrow(/at least one sample/);
  });
});

describe('bootstrap CI of a ratio of medians', () => {
  it('contains 1 when both sides come from the same distribution', () => {
    const a = latencies(10, 400, 1);
    const b = latencies(10, 400, 2);
    const r = bootstrapMedianRatio(a, b, { resamples: 2000, seed: 7 });
    expect(r.ci[0]).toBeLessThan(1);
    expect(r.ci[1]).toBeGreaterThan(1);
    expect(r.ci[0]).toBeLessThanOrEqual(r.ratio);
    expect(r.ci[1]).toBeGreaterThanOrEqual(r.ratio);
    expect(compareSamples(a, b, { seed: 7 }).verdict).toBe('no significant difference');
  });

  it('excludes 1 when the sides are clearly apart, in the right direction', () => {
    const base = latencies(10, 300, 3);
    const opt = latencies(6, 300, 4);
    const faster = compareSamples(base, opt, { resamples: 2000, seed: 11 });
    expect(faster.speedup).toBeCloseTo(sortedMedian(base) / sortedMedian(opt), 12);
    expect(faster.speedupCi[0]).toBeGreaterThan(1);
    expect(faster.verdict).toBe('faster');
    expect(faster.improvementPct).toBeCloseTo((faster.speedup - 1) * 100, 12);
    expect(faster.improvementCiPct[0]).toBeCloseTo((faster.speedupCi[0] - 1) * 100, 12);
    const slower = compareSamples(opt, base, { seed: 11 });
    expect(slower.speedupCi[1]).toBeLessThan(1);
    expect(slower.verdict).toBe('slower');
  });

  it('is reproducible with a seed and changes with another', () => {
    const a = latencies(5, 200, 5, 0.2);
    const b = latencies(5.2, 200, 6, 0.2);
    const one = bootstrapMedianRatio(a, b, { seed: 42, resamples: 500 });
    const two = bootstrapMedianRatio(a, b, { seed: 42, resamples: 500 });
    const other = bootstrapMedianRatio(a, b, { seed: 43, resamples: 500 });
    expect(two.ci).toEqual(one.ci);
    expect(other.ci).not.toEqual(one.ci);
    expect(seedFor(1, 'a|b')).toBe(seedFor(1, 'a|b'));
    expect(seedFor(1, 'a|b')).not.toBe(seedFor(1, 'a|c'));
  });

  it('gets narrower with more samples and wider with higher confidence', () => {
    const small = bootstrapMedianRatio(latencies(10, 50, 7), latencies(10, 50, 8), { seed: 1 });
    const large = bootstrapMedianRatio(latencies(10, 2000, 7), latencies(10, 2000, 8), { seed: 1 });
    expect(large.ci[1] - large.ci[0]).toBeLessThan(small.ci[1] - small.ci[0]);
    const a = latencies(10, 200, 9);
    const b = latencies(10, 200, 10);
    const c90 = bootstrapMedianRatio(a, b, { seed: 1, confidence: 0.9 });
    const c99 = bootstrapMedianRatio(a, b, { seed: 1, confidence: 0.99 });
    expect(c99.ci[1] - c99.ci[0]).toBeGreaterThan(c90.ci[1] - c90.ci[0]);
  });

  it('refuses empty sides and bad settings', () => {
    expect(() => bootstrapMedianRatio([], [1])).toThrow(RangeError);
    expect(() => bootstrapMedianRatio([1], [1], { confidence: 1 })).toThrow(RangeError);
  });
});

describe('figures and averages', () => {
  it('defines % speed improvement in FPS terms', () => {
    const tBase = 20;
    const tOpt = 16;
    const fpsBase = fps(tBase);
    const fpsOpt = fps(tOpt);
    expect(fpsBase).toBe(50);
    expect(fps(tOpt, 4)).toBe(250);
    expect(improvementPct(tBase / tOpt)).toBeCloseTo(((fpsOpt - fpsBase) / fpsBase) * 100, 12);
    expect(improvementPct(tBase / tOpt)).toBeCloseTo(25, 12);
  });

  it('arithmetic mean of % improvements vs geometric mean of speedups', () => {
    // 2× faster and 2× slower: the % improvements average to +25%, the speedups to exactly 1×.
    expect(arithmeticMean([improvementPct(2), improvementPct(0.5)])).toBeCloseTo(25, 12);
    expect(geometricMean([2, 0.5])).toBeCloseTo(1, 12);
    expect(geometricMean([1.2, 1.2, 1.2])).toBeCloseTo(1.2, 12);
    expect(Number.isNaN(geometricMean([]))).toBe(true);
    expect(Number.isNaN(geometricMean([1, 0]))).toBe(true);
  });

  it('verdict follows the CI', () => {
    expect(verdictOf([1.01, 1.2])).toBe('faster');
    expect(verdictOf([0.8, 0.99])).toBe('slower');
    expect(verdictOf([0.99, 1.01])).toBe('no significant difference');
    expect(verdictOf([1, 1.2])).toBe('no significant difference');
  });

  it('averages per optimized label, leaving failed comparisons out', () => {
    const base: Omit<Comparison, 'model' | 'label' | 'estimate' | 'status'> = {
      groupKey: '',
      baselineLabel: 'fp32',
      recipes: [],
      ep: 'cpu',
      threads: 0,
      batch: 1,
      scenario: 'single-stream',
      variantKey: '',
      baselineKey: '',
      reason: null,
      baselineMedianMs: null,
      optimizedMedianMs: null,
      baselineFps: null,
      optimizedFps: null,
      roundSpeedups: [],
      fidelity: null,
      notes: [],
    };
    const est = (s: number) => ({
      speedup: s,
      speedupCi: [s, s] as [number, number],
      improvementPct: improvementPct(s),
      improvementCiPct: [0, 0] as [number, number],
      verdict: verdictOf([s, s]),
    });
    const rows = averageComparisons([
      { ...base, model: 'a', label: 'fused', status: 'ok', estimate: est(2) },
      { ...base, model: 'b', label: 'fused', status: 'ok', estimate: est(0.5) },
      { ...base, model: 'c', label: 'fused', status: 'failed', estimate: null },
      { ...base, model: 'a', label: 'int8', status: 'ok', estimate: est(3) },
    ]);
    expect(rows).toHaveLength(2);
    const fused = rows.find((r) => r.label === 'fused')!;
    expect(fused.models).toEqual(['a', 'b']);
    expect(fused.excluded).toBe(1);
    expect(fused.meanImprovementPct).toBeCloseTo(25, 12);
    expect(fused.geomeanSpeedup).toBeCloseTo(1, 12);
    expect(fused.geomeanImprovementPct).toBeCloseTo(0, 9);
    expect(rows.find((r) => r.label === 'int8')!.geomeanSpeedup).toBeCloseTo(3, 12);
  });
});
