/** Post-processing of classifier outputs: softmax, top-k, argmax. Pure functions over typed arrays. */

import { float16ToFloat32 } from '../onnx/float16.js';
import type { HostTensor } from '../onnx/tensor.js';

export interface ScoredClass {
  index: number;
  score: number;
}

/** Numerically stable softmax of `logits` into `out` (which may be `logits` itself). */
export function softmax(
  logits: ArrayLike<number>,
  out: Float32Array = new Float32Array(logits.length),
): Float32Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i] - max);
    out[i] = e;
    sum += e;
  }
  const inv = sum > 0 ? 1 / sum : 0;
  for (let i = 0; i < logits.length; i++) out[i] *= inv;
  return out;
}

/** Whether the values already form a probability distribution (non-negative, summing to 1 ± 1e-3). */
export function isDistribution(values: ArrayLike<number>): boolean {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) < 1e-3;
}

export type SoftmaxMode = 'auto' | 'on' | 'off';
export const SOFTMAX_MODES: readonly SoftmaxMode[] = ['auto', 'on', 'off'];

/** Scores as probabilities: softmax applied when asked, or (auto) when the model outputs logits. */
export function toProbabilities(values: Float32Array, mode: SoftmaxMode): Float32Array {
  if (mode === 'off') return values;
  if (mode === 'auto' && isDistribution(values)) return values;
  return softmax(values, new Float32Array(values.length));
}

/** The k best classes, best first (ties: lower index first). */
export function topK(scores: ArrayLike<number>, k: number): ScoredClass[] {
  const n = scores.length;
  const kk = Math.max(0, Math.min(k, n));
  if (kk === 0) return [];
  // A small insertion-sorted list: k is small (≤ 10 typically) and n up to a few thousand.
  const best: ScoredClass[] = [];
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (best.length === kk && !(s > best[kk - 1].score)) continue;
    let pos = best.length < kk ? best.length : kk - 1;
    if (best.length < kk) best.push({ index: i, score: s });
    else best[pos] = { index: i, score: s };
    while (pos > 0 && best[pos].score > best[pos - 1].score) {
      const tmp = best[pos - 1];
      best[pos - 1] = best[pos];
      best[pos] = tmp;
      pos--;
    }
  }
  return best;
}

export function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/** Splits a classifier output [N, K, …] into N float32 rows of K·… scores. */
export function outputRows(tensor: HostTensor, expectedRows: number): Float32Array[] {
  const n = tensor.dims.length > 0 ? tensor.dims[0] : 1;
  if (n !== expectedRows) throw new RangeError(`the model returned ${n} rows for a batch of ${expectedRows}`);
  const data = toFloat32(tensor);
  const per = n > 0 ? data.length / n : 0;
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) rows.push(data.subarray(i * per, (i + 1) * per));
  return rows;
}

function toFloat32(tensor: HostTensor): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  if (tensor.type === 'float16') return float16ToFloat32(data as Uint16Array);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float32Array.from(data, Number);
  return Float32Array.from(data as ArrayLike<number>);
}
