/**
 * Calibration: the value range of each activation over a set of samples, by one of three methods.
 * - minmax: the observed minimum and maximum.
 * - percentile: the range is clipped at the given percentile of |x| (default 99.999).
 * - entropy: the clipping threshold of |x| that minimizes the KL divergence between the
 *   distribution and its quantized form (the TensorRT method).
 * Ranges come from running the float model in onnxruntime with the activations as extra outputs.
 */

import type { DataType } from '../../onnx/dtype.js';
import type { Model } from '../../onnx/ir.js';
import { modelToBytes } from '../../onnx/model-io.js';
import type { HostTensor } from '../../onnx/tensor.js';
import { ModelRunner } from '../ort-session.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../settings.js';
import { CalibrationCache, calibrationKey, type MethodRanges } from './calibration-cache.js';
import type { Range } from './quant-math.js';

export { CALIBRATION_METHODS, type CalibrationMethod } from '../settings.js';

export interface CalibrationSettings {
  method: CalibrationMethod;
  /** percentile method: the share of |x| kept inside the range, in percent (default 99.999). */
  percentile?: number;
  /** Histogram bins for percentile and entropy (default 2048). */
  bins?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * A folder to keep every method's ranges in and read them from (calibration-cache.ts): for many
   * quantizations of one model, e.g. tune's builds.
   */
  cacheDir?: string;
}

export const DEFAULT_PERCENTILE = 99.999;
export const DEFAULT_HISTOGRAM_BINS = 2048;

/** A histogram of |x| over [0, absMax], `bins` equal bins; exact zeros are counted apart. */
export interface AbsHistogram {
  counts: Float64Array;
  binWidth: number;
  /**
   * Values that are exactly 0 (ReLU outputs are often half zeros). Zero is exact in every
   * quantization, so the entropy method leaves them out; percentiles count them.
   */
  zeros: number;
}

/**
 * Runs `model` on every sample and returns the calibrated range of each named float tensor.
 * `unsigned` names the tensors whose quantized form is one-sided (uint8 after a ReLU, say),
 * which the entropy method uses to choose how many quantization levels the range gets.
 * With `cacheDir`, every method's ranges are collected at once and kept there (calibration-cache.ts).
 */
export async function calibrateRanges(
  model: Model,
  tensors: { name: string; dataType: DataType }[],
  samples: Record<string, HostTensor>[],
  settings: CalibrationSettings,
): Promise<Map<string, Range>> {
  const { method } = settings;
  if (!settings.cacheDir) {
    const collected = await collectRanges(model, tensors, samples, settings, [method]);
    return new Map([...collected].map(([name, r]) => [name, r[method]!]));
  }
  const percentile = settings.percentile ?? DEFAULT_PERCENTILE;
  const bins = settings.bins ?? DEFAULT_HISTOGRAM_BINS;
  const cache = await CalibrationCache.open(
    settings.cacheDir,
    calibrationKey(model, samples, { bins, percentile }),
  );
  const names = tensors.map((t) => t.name);
  const missing = new Set(cache.missing(names));
  if (missing.size > 0) {
    const wanted = tensors.filter((t) => missing.has(t.name));
    const all = await collectRanges(model, wanted, samples, settings, CALIBRATION_METHODS);
    await cache.add(all as Map<string, MethodRanges>); // every method was asked for
  }
  return cache.ranges(names, method);
}

/**
 * Each tensor's range by each of `methods`: a min/max pass, and a histogram pass when a method
 * other than minmax is asked for (percentile and entropy share it).
 */
async function collectRanges(
  model: Model,
  tensors: { name: string; dataType: DataType }[],
  samples: Record<string, HostTensor>[],
  settings: CalibrationSettings,
  methods: readonly CalibrationMethod[],
): Promise<Map<string, Partial<MethodRanges>>> {
  const augmented = withExtraOutputs(model, tensors);
  const runner = await ModelRunner.create(modelToBytes(augmented), 'model under calibration', {
    graphOptLevel: 'basic',
  });
  const names = tensors.map((t) => t.name);
  const histogramPass = methods.some((m) => m !== 'minmax');
  const total = histogramPass ? 2 * samples.length : samples.length;
  try {
    const ranges = new Map<string, Range>(names.map((n) => [n, { min: Infinity, max: -Infinity }]));
    for (const [i, sample] of samples.entries()) {
      const outputs = await runner.run(sample, names);
      for (const name of names) {
        const r = ranges.get(name)!;
        const data = outputs[name].data as Float32Array;
        for (let k = 0; k < data.length; k++) {
          const v = data[k];
          if (v < r.min) r.min = v;
          if (v > r.max) r.max = v;
        }
      }
      settings.onProgress?.(i + 1, total);
    }
    for (const r of ranges.values()) {
      if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) {
        r.min = 0;
        r.max = 0;
      }
    }
    const result = new Map<string, Partial<MethodRanges>>(
      [...ranges].map(([name, r]) => [name, methods.includes('minmax') ? { minmax: { ...r } } : {}]),
    );
    if (!histogramPass) return result;

    const bins = settings.bins ?? DEFAULT_HISTOGRAM_BINS;
    const histograms = new Map<string, AbsHistogram>();
    for (const [name, r] of ranges) {
      const absMax = Math.max(Math.abs(r.min), Math.abs(r.max));
      histograms.set(name, {
        counts: new Float64Array(bins),
        binWidth: absMax > 0 ? absMax / bins : 1,
        zeros: 0,
      });
    }
    for (const [i, sample] of samples.entries()) {
      const outputs = await runner.run(sample, names);
      for (const name of names) addToHistogram(histograms.get(name)!, outputs[name].data as Float32Array);
      settings.onProgress?.(samples.length + i + 1, total);
    }
    for (const [name, r] of ranges) {
      const h = histograms.get(name)!;
      const out = result.get(name)!;
      if (methods.includes('percentile'))
        out.percentile = clipRange(
          r,
          percentileThreshold(withZeros(h), h.binWidth, settings.percentile ?? DEFAULT_PERCENTILE),
        );
      if (methods.includes('entropy'))
        out.entropy = clipRange(r, entropyThreshold(h.counts, h.binWidth, r.min >= 0 ? 255 : 128));
    }
    return result;
  } finally {
    await runner.release();
  }
}

/** The model with `tensors` added as graph outputs (so a run returns them). */
export function withExtraOutputs(model: Model, tensors: { name: string; dataType: DataType }[]): Model {
  const existing = new Set(model.graph.outputs.map((o) => o.name));
  return {
    ...model,
    graph: {
      ...model.graph,
      outputs: [
        ...model.graph.outputs,
        ...tensors.filter((t) => !existing.has(t.name)).map((t) => ({ name: t.name, dataType: t.dataType })),
      ],
    },
  };
}

export function addToHistogram(h: AbsHistogram, data: ArrayLike<number>): void {
  const last = h.counts.length - 1;
  const inv = 1 / h.binWidth;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v === 0) {
      h.zeros++;
      continue;
    }
    const bin = Math.floor(Math.abs(v) * inv);
    h.counts[Math.min(bin, last)]++;
  }
}

/** The counts with the exact zeros put back into the first bin. */
function withZeros(h: AbsHistogram): Float64Array {
  const counts = Float64Array.from(h.counts);
  counts[0] += h.zeros;
  return counts;
}

/** Range clipped to ±threshold (the observed range where it is narrower). */
export function clipRange(range: Range, threshold: number): Range {
  return { min: Math.max(range.min, -threshold), max: Math.min(range.max, threshold) };
}

/**
 * The |x| below which `percentile` percent of the values fall: the upper edge of the first bin
 * where the cumulative share reaches it.
 */
export function percentileThreshold(counts: ArrayLike<number>, binWidth: number, percentile: number): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (total === 0) return 0;
  const target = (percentile / 100) * total;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i];
    if (cumulative >= target) return (i + 1) * binWidth;
  }
  return counts.length * binWidth;
}

/**
 * The clipping threshold that minimizes KL(P‖Q), where P is the histogram cut at the threshold
 * (values beyond it are added to the last kept bin) and Q is the cut histogram without them,
 * merged into `levels` quantization bins and spread back evenly over the non-empty bins of each.
 * Both are divided by the total count (TensorRT divides Q by its own sum, which rewards cutting a
 * distribution that lies away from zero down to a single bin; this way the clipped mass is a cost).
 * Thresholds are tried at every bin edge from `levels` bins up to the whole histogram. Returns
 * the upper edge of the best cut.
 */
export function entropyThreshold(counts: ArrayLike<number>, binWidth: number, levels: number): number {
  const n = counts.length;
  // Prefix sums of c, of [c > 0] and of c·ln(c) make each level's share of the KL O(1), so a cut
  // costs O(levels) instead of O(bins).
  const sum = new Float64Array(n + 1);
  const nonEmpty = new Float64Array(n + 1);
  const cLogC = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const c = counts[i];
    sum[i + 1] = sum[i] + c;
    nonEmpty[i + 1] = nonEmpty[i] + (c > 0 ? 1 : 0);
    cLogC[i + 1] = cLogC[i] + (c > 0 ? c * Math.log(c) : 0);
  }
  const total = sum[n];
  if (total === 0) return 0;
  if (n <= levels) return n * binWidth;
  let bestKl = Infinity;
  let bestCut = n;
  for (let cut = levels; cut <= n; cut++) {
    const tail = total - sum[cut];
    const perLevel = cut / levels;
    let kl = 0;
    let lastShare = 0;
    for (let level = 0; level < levels; level++) {
      const start = Math.floor(level * perLevel);
      const end = level === levels - 1 ? cut : Math.floor((level + 1) * perLevel);
      const s = sum[end] - sum[start];
      const nz = nonEmpty[end] - nonEmpty[start];
      if (nz === 0) continue;
      const share = s / nz;
      // Σ over non-empty bins of (c/N)·ln(c/share).
      kl += (cLogC[end] - cLogC[start] - Math.log(share) * s) / total;
      if (level === levels - 1) lastShare = share;
    }
    if (tail > 0) {
      // The last kept bin also holds the clipped tail: replace its term.
      const c = counts[cut - 1];
      if (c > 0) {
        kl -= (c * Math.log(c / lastShare)) / total;
        kl += ((c + tail) / total) * Math.log((c + tail) / lastShare);
      } else {
        kl += (tail / total) * Math.log(tail / total / 1e-12);
      }
    }
    if (kl < bestKl - 1e-12) {
      bestKl = kl;
      bestCut = cut;
    }
  }
  return bestCut * binWidth;
}

/**
 * KL(P‖Q) over the first `length` bins; both are divided by `total` (their own sums when omitted).
 * Bins where P is 0 add nothing.
 */
export function klDivergence(p: Float64Array, q: Float64Array, length: number, total?: number): number {
  let sumP = 0;
  let sumQ = 0;
  for (let i = 0; i < length; i++) {
    sumP += p[i];
    sumQ += q[i];
  }
  if (sumP === 0 || sumQ === 0) return Infinity;
  const normP = total ?? sumP;
  const normQ = total ?? sumQ;
  let kl = 0;
  for (let i = 0; i < length; i++) {
    if (p[i] === 0) continue;
    const pi = p[i] / normP;
    // P-mass where Q has none (only the folded outlier bin can be so) costs as if Q were tiny.
    const qi = q[i] > 0 ? q[i] / normQ : 1e-12;
    kl += pi * Math.log(pi / qi);
  }
  return kl;
}
