import { describe, expect, it } from 'vitest';
import { outputFidelity } from '../../src/study/fidelity.js';

describe('output fidelity', () => {
  it('is perfect for identical outputs', () => {
    const f = outputFidelity([{ base: [1, -2, 3], optimized: [1, -2, 3], dims: [1, 3] }]);
    expect(f).toEqual({
      count: 1,
      maxAbsErr: 0,
      meanAbsErr: 0,
      cosine: 1,
      snrDb: null,
      identical: true,
      top1Agreement: 1,
      top5Agreement: null,
    });
  });

  it('never calls outputs identical when the baseline is all zeros and the optimized is not', () => {
    const f = outputFidelity([{ base: [0, 0, 0], optimized: [0.5, 0, -1], dims: [1, 3] }]);
    expect(f.identical).toBe(false);
    expect(f.snrDb).toBeNull(); // no signal: undefined, not infinite
    expect(f.cosine).toBeNull(); // the angle to a zero vector is undefined
    expect(f.maxAbsErr).toBe(1);
  });

  it('measures errors, SNR and classifier agreement', () => {
    const base = [0.1, 0.9, 0.2, 0.3, 0.4, 0.5, /* row 2 */ 0.9, 0.1, 0.2, 0.3, 0.4, 0.5];
    const optimized = [0.1, 0.8, 0.95, 0.3, 0.4, 0.5, /* row 2 */ 0.9, 0.1, 0.2, 0.3, 0.4, 0.5];
    const f = outputFidelity([{ base, optimized, dims: [2, 6] }]);
    expect(f.maxAbsErr).toBeCloseTo(0.75, 12);
    expect(f.meanAbsErr).toBeCloseTo(0.85 / 12, 12);
    const signal = base.reduce((a, x) => a + x * x, 0);
    expect(f.snrDb).toBeCloseTo(10 * Math.log10(signal / (0.01 + 0.5625)), 9);
    expect(f.top1Agreement).toBe(0.5);
    expect(f.top5Agreement).toBe(1);
    expect(f.cosine).toBeLessThan(1);
  });

  it('leaves top-k out for outputs that are not class scores', () => {
    const f = outputFidelity([{ base: [1, 2, 3, 4], optimized: [1, 2, 3, 5], dims: [1, 2, 2] }]);
    expect(f.top1Agreement).toBeNull();
    expect(f.top5Agreement).toBeNull();
  });
});
