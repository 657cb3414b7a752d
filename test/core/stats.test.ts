import { describe, expect, it } from 'vitest';
import {
  deadlineMissFraction,
  medianCi95Sorted,
  medianCiRanks,
  medianSorted,
  normalQuantile,
  percentileSorted,
  summarize,
} from '../../src/core/stats.js';

describe('percentiles (nearest rank)', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it('picks observed samples', () => {
    expect(percentileSorted(ten, 50)).toBe(5);
    expect(percentileSorted(ten, 90)).toBe(9);
    expect(percentileSorted(ten, 95)).toBe(10);
    expect(percentileSorted(ten, 100)).toBe(10);
    expect(percentileSorted(ten, 1)).toBe(1);
  });
  it('does not round an exact rank up', () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentileSorted(thousand, 99.9)).toBe(999);
    expect(percentileSorted(thousand, 99)).toBe(990);
  });
  it('rejects percentiles out of range', () => {
    expect(() => percentileSorted(ten, 0)).toThrow(RangeError);
    expect(() => percentileSorted(ten, 101)).toThrow(RangeError);
  });
  it('is NaN on no samples', () => {
    expect(percentileSorted([], 50)).toBeNaN();
  });
});

describe('median and its confidence interval', () => {
  it('averages the middle pair for even counts', () => {
    expect(medianSorted([1, 2, 3, 4])).toBe(2.5);
    expect(medianSorted([1, 2, 3])).toBe(2);
  });
  it('has no 95% interval below six samples', () => {
    expect(medianCiRanks(5)).toBeNull();
    // For n = 5 the widest interval [x1, x5] covers 1 - 2/32 = 93.75% < 95%: report [min, max].
    expect(medianCi95Sorted([1, 2, 3, 4, 5])).toEqual([1, 5]);
  });
  it('matches the binomial table for small n', () => {
    // n = 6: P(1 ≤ B ≤ 5) = 62/64 = 0.969 ≥ 0.95, and P(2 ≤ B ≤ 4) = 50/64 < 0.95 → ranks (1, 6).
    expect(medianCiRanks(6)).toEqual([1, 6]);
    // n = 10: P(2 ≤ B ≤ 8) = 1 - 2·(1+10)/1024 = 0.9785; P(3 ≤ B ≤ 7) = 0.8906 → ranks (2, 9).
    expect(medianCiRanks(10)).toEqual([2, 9]);
    // n = 20: the textbook answer is ranks (6, 15), coverage 0.9586.
    expect(medianCiRanks(20)).toEqual([6, 15]);
  });
  it('uses the normal approximation for large n', () => {
    // n = 10000: 5000 ∓ 1.96·100/2 = 5000 ∓ 98 → ranks (4902, 5099).
    expect(medianCiRanks(10000)).toEqual([4902, 5099]);
  });
  it('reads the interval from order statistics', () => {
    const sorted = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    expect(medianCi95Sorted(sorted)).toEqual([60, 150]);
  });
  it('has an accurate normal quantile', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });
});

describe('summarize', () => {
  it('computes every statistic from the samples', () => {
    const samples = [4, 2, 8, 6, 10];
    const s = summarize(samples, 2);
    expect(s.count).toBe(5);
    expect(s.minMs).toBe(2);
    expect(s.maxMs).toBe(10);
    expect(s.meanMs).toBe(6);
    expect(s.medianMs).toBe(6);
    // sample stdev: sqrt((16+4+0+4+16)/4) = sqrt(10)
    expect(s.stdevMs).toBeCloseTo(Math.sqrt(10), 12);
    expect(s.cv).toBeCloseTo(Math.sqrt(10) / 6, 12);
    expect(s.p90Ms).toBe(10);
    // 5 runs took 30 ms in all: 166.67 runs/s; batch 2 → 333.3 samples/s
    expect(s.throughputPerSec).toBeCloseTo(5000 / 30, 9);
    expect(s.samplesPerSec).toBeCloseTo(10000 / 30, 9);
    expect(s.medianCiRelHalfWidth).toBeNull();
  });
  it('reports the relative CI half-width when it exists', () => {
    const samples = Array.from({ length: 20 }, (_, i) => 100 + i);
    const s = summarize(samples);
    // ranks (6, 15) → 105 and 114; median 109.5 → half-width 4.5 / 109.5
    expect(s.medianCi95).toEqual([105, 114]);
    expect(s.medianCiRelHalfWidth).toBeCloseTo(4.5 / 109.5, 12);
  });
  it('counts deadline misses strictly above the deadline', () => {
    expect(deadlineMissFraction([1, 2, 3, 4], 3)).toBe(0.25);
    expect(deadlineMissFraction([], 3)).toBe(0);
  });
});
