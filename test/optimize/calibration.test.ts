import { describe, expect, it } from 'vitest';
import {
  addToHistogram,
  clipRange,
  entropyThreshold,
  klDivergence,
  percentileThreshold,
} from '../../src/optimize/quantize/calibration.js';
import {
  activationParams,
  quantizeBias,
  quantizeWeights,
  roundHalfEven,
} from '../../src/optimize/quantize/quant-math.js';

describe('quantization arithmetic', () => {
  it('rounds half to even, as QuantizeLinear does', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, -0, -2, -2, 2, -3,
    ]);
  });

  it('computes asymmetric activation parameters that keep zero exact', () => {
    // [-1, 3] on uint8: scale 4/255, zero point round(1 / (4/255)) = round(63.75) = 64.
    const u = activationParams({ min: -1, max: 3 }, 'uint8');
    expect(u.scale).toBeCloseTo(4 / 255, 7);
    expect(u.zeroPoint).toBe(64);
    // The same on int8: zero point -128 + 63.75 → -64.
    expect(activationParams({ min: -1, max: 3 }, 'int8').zeroPoint).toBe(-64);
    // A ReLU-like range starts at zero: zero point at the type minimum.
    expect(activationParams({ min: 0, max: 6 }, 'uint8')).toEqual({
      scale: Math.fround(6 / 255),
      zeroPoint: 0,
    });
    expect(activationParams({ min: 0, max: 6 }, 'int8').zeroPoint).toBe(-128);
    // Ranges are widened to include 0.
    expect(activationParams({ min: 2, max: 5 }, 'uint8')).toEqual({
      scale: Math.fround(5 / 255),
      zeroPoint: 0,
    });
    // An all-zero tensor gets scale 1.
    expect(activationParams({ min: 0, max: 0 }, 'uint8')).toEqual({ scale: 1, zeroPoint: 0 });
  });

  it('quantizes weights per channel, symmetric int8 in [-127, 127]', () => {
    // Two output channels of two weights: scales 2/127 and 0.5/127.
    const { values, scales } = quantizeWeights(Float32Array.of(1, -2, 0.5, 0.25), [2, 2], 0);
    expect(Array.from(scales)).toEqual([Math.fround(2 / 127), Math.fround(0.5 / 127)]);
    // 1 / (2/127) = 63.5 → 64 (half to even); 0.25 / (0.5/127) = 63.5 → 64.
    expect(Array.from(values)).toEqual([64, -127, 127, 64]);
    // Axis 1 (Gemm with transB = 0, MatMul): one scale per column.
    const cols = quantizeWeights(Float32Array.of(1, 4, -2, 1), [2, 2], 1);
    expect(Array.from(cols.scales)).toEqual([Math.fround(2 / 127), Math.fround(4 / 127)]);
    // Per tensor: one scale.
    expect(quantizeWeights(Float32Array.of(1, -4), [2], undefined).scales).toHaveLength(1);
  });

  it('quantizes the bias to int32 with scale input_scale × weight_scale and zero point 0', () => {
    const q = quantizeBias(Float32Array.of(0.1, -0.3), 0.02, Float32Array.of(0.01, 0.005));
    expect(Array.from(q.scales)).toEqual([Math.fround(0.02 * 0.01), Math.fround(0.02 * 0.005)]);
    expect(Array.from(q.values)).toEqual([500, -3000]);
    expect(q.overflow).toBe(false);
    // A bias far beyond int32 at that scale asks for a larger weight scale.
    const big = quantizeBias(Float32Array.of(1e6), 1e-6, Float32Array.of(1e-6));
    expect(big.overflow).toBe(true);
    expect(big.weightScaleFloor[0]).toBeGreaterThan(1e-6);
  });
});

describe('calibration methods on small histograms', () => {
  it('percentile: the upper edge of the bin where the cumulative share reaches p', () => {
    const counts = [50, 30, 15, 5]; // bin width 1
    expect(percentileThreshold(counts, 1, 50)).toBe(1);
    expect(percentileThreshold(counts, 1, 80)).toBe(2);
    expect(percentileThreshold(counts, 1, 95)).toBe(3);
    expect(percentileThreshold(counts, 1, 99)).toBe(4);
    expect(percentileThreshold([0, 0], 1, 99)).toBe(0);
  });

  it('KL divergence by hand', () => {
    expect(klDivergence(Float64Array.of(1, 1), Float64Array.of(1, 1), 2)).toBeCloseTo(0, 12);
    expect(klDivergence(Float64Array.of(1, 0), Float64Array.of(0.5, 0.5), 2)).toBeCloseTo(Math.LN2, 12);
  });

  it('entropy: tries every cut and keeps the smallest KL (worked example)', () => {
    // counts [4, 2, 1, 1], 2 levels, total 8:
    // cut 2: P = [4, 4], Q = [4, 2]            → KL = 0.5·ln(0.5/0.25)          = 0.3466
    // cut 3: P = [4, 2, 2], Q = [4, 1.5, 1.5]  → KL = 2·0.25·ln(0.25/0.1875)    = 0.1438
    // cut 4: P = [4, 2, 1, 1], Q = [3, 3, 1, 1] → KL = 0.5·ln(4/3) + 0.25·ln(2/3) = 0.0425
    expect(klDivergence(Float64Array.of(4, 4), Float64Array.of(4, 2), 2, 8)).toBeCloseTo(
      0.5 * Math.log(2),
      10,
    );
    expect(klDivergence(Float64Array.of(4, 2, 2), Float64Array.of(4, 1.5, 1.5), 3, 8)).toBeCloseTo(
      0.5 * Math.log(4 / 3),
      10,
    );
    expect(entropyThreshold([4, 2, 1, 1], 0.5, 2)).toBe(2);
  });

  it('entropy: clips a lone far outlier, keeps a uniform range whole', () => {
    const tail = [400, 300, 200, 120, 80, 40, 20, 10, 0, 0, 0, 0, 0, 0, 0, 1];
    const t = entropyThreshold(tail, 1, 4);
    expect(t).toBeGreaterThanOrEqual(4);
    expect(t).toBeLessThan(16);
    expect(entropyThreshold(new Array(16).fill(10), 1, 4)).toBe(16);
    // Fewer bins than levels: nothing to clip.
    expect(entropyThreshold([1, 2, 3], 1, 4)).toBe(3);
  });

  it('entropy: a distribution away from zero is not cut down to one bin', () => {
    // Mass only in the upper half (like a sigmoid output in [0.5, 1]).
    const counts = new Array(64).fill(0).map((_, i) => (i >= 32 ? 10 : 0));
    expect(entropyThreshold(counts, 1 / 64, 8)).toBe(1);
  });

  it('histograms count |x| and keep exact zeros apart', () => {
    const h = { counts: new Float64Array(4), binWidth: 0.5, zeros: 0 };
    addToHistogram(h, [0, 0, 0.1, -0.6, 1.2, 5]);
    expect(h.zeros).toBe(2);
    expect(Array.from(h.counts)).toEqual([1, 1, 1, 1]);
    expect(clipRange({ min: -3, max: 1 }, 2)).toEqual({ min: -2, max: 1 });
  });
});

describe('entropy threshold matches a direct evaluation of every cut', () => {
  /** The definition, bin by bin (slow): P cut with the tail folded in, Q merged and spread. */
  function reference(counts: number[], levels: number): number {
    const n = counts.length;
    const total = counts.reduce((a, b) => a + b, 0);
    let best = Infinity;
    let bestCut = n;
    for (let cut = levels; cut <= n; cut++) {
      const p = Float64Array.from(counts.slice(0, cut));
      p[cut - 1] += counts.slice(cut).reduce((a, b) => a + b, 0);
      const q = new Float64Array(cut);
      const per = cut / levels;
      for (let l = 0; l < levels; l++) {
        const start = Math.floor(l * per);
        const end = l === levels - 1 ? cut : Math.floor((l + 1) * per);
        const slice = counts.slice(start, end);
        const nz = slice.filter((c) => c > 0).length;
        const share = nz ? slice.reduce((a, b) => a + b, 0) / nz : 0;
        for (let i = start; i < end; i++) q[i] = counts[i] > 0 ? share : 0;
      }
      const kl = klDivergence(p, q, cut, total);
      if (kl < best - 1e-12) {
        best = kl;
        bestCut = cut;
      }
    }
    return bestCut;
  }

  it('on random histograms', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let trial = 0; trial < 20; trial++) {
      const n = 24 + Math.floor(random() * 40);
      const counts = Array.from({ length: n }, (_, i) =>
        random() < 0.2 ? 0 : Math.floor(1000 * Math.exp(-i / 6) * random()),
      );
      const levels = 4 + Math.floor(random() * 8);
      expect(entropyThreshold(counts, 1, levels)).toBe(reference(counts, levels));
    }
  });
});
