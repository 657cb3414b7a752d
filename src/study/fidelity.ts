/**
 * Output fidelity from pairs of outputs (baseline, optimized) over the same inputs. Pure.
 *
 * - max / mean absolute error over every element of every pair;
 * - cosine similarity of the concatenated outputs (1 when both are all zeros; null when only one is);
 * - SNR in dB: 10·log10(Σ base² / Σ (base − optimized)²); null when the outputs are identical
 *   (infinite, and `identical` is true) or when the baseline is all zeros and the optimized is not;
 * - top-1 / top-5 agreement when the output is a classifier's scores [batch, classes]: the fraction of
 *   rows whose arg-max is the same / whose baseline arg-max is among the optimized top 5 (with at least
 *   5 classes) — the same definitions as the optimizer's compareOutputs.
 */
import type { FidelityMetrics } from '../store/types.js';

export interface OutputPair {
  base: ArrayLike<number>;
  optimized: ArrayLike<number>;
  /** Dimensions of the output (the baseline's). */
  dims: readonly number[];
}

function topK(row: ArrayLike<number>, start: number, length: number, k: number): number[] {
  const idx = Array.from({ length }, (_, i) => i);
  idx.sort((a, b) => row[start + b] - row[start + a] || a - b);
  return idx.slice(0, k);
}

export function outputFidelity(pairs: readonly OutputPair[]): FidelityMetrics {
  let maxAbs = 0;
  let sumAbs = 0;
  let n = 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let noise = 0;
  let rows = 0;
  let top1 = 0;
  let top5 = 0;
  let classifier = pairs.length > 0;
  let classes = 0;
  for (const pair of pairs) {
    if (pair.base.length !== pair.optimized.length)
      throw new Error(`outputs differ in size (${pair.base.length} vs ${pair.optimized.length})`);
    for (let i = 0; i < pair.base.length; i++) {
      const a = pair.base[i];
      const b = pair.optimized[i];
      const d = Math.abs(a - b);
      if (d > maxAbs || Number.isNaN(d)) maxAbs = d;
      sumAbs += d;
      dot += a * b;
      normA += a * a;
      normB += b * b;
      noise += (a - b) * (a - b);
      n++;
    }
    const isScores = pair.dims.length === 2 && pair.dims[1] >= 2;
    if (!isScores) {
      classifier = false;
      continue;
    }
    const [batch, c] = pair.dims;
    classes = c;
    for (let r = 0; r < batch; r++) {
      const a1 = topK(pair.base, r * c, c, Math.min(5, c));
      const b1 = topK(pair.optimized, r * c, c, Math.min(5, c));
      if (a1[0] === b1[0]) top1++;
      if (c >= 5 && b1.includes(a1[0])) top5++;
      rows++;
    }
  }
  const cosine =
    normA === 0 && normB === 0 ? 1 : normA === 0 || normB === 0 ? null : dot / Math.sqrt(normA * normB);
  return {
    count: pairs.length,
    maxAbsErr: maxAbs,
    meanAbsErr: n > 0 ? sumAbs / n : 0,
    cosine,
    snrDb: noise === 0 || normA === 0 ? null : 10 * Math.log10(normA / noise),
    identical: noise === 0,
    top1Agreement: classifier && rows > 0 ? top1 / rows : null,
    top5Agreement: classifier && rows > 0 && classes >= 5 ? top5 / rows : null,
  };
}
