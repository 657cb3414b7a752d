/**
 * The arithmetic of linear quantization, as ONNX QuantizeLinear/DequantizeLinear define it:
 * q = saturate(round_half_even(x / scale) + zero_point), x ≈ (q - zero_point) · scale.
 */

export type QuantType = 'uint8' | 'int8';

export interface QuantParams {
  scale: number;
  zeroPoint: number;
}

export interface Range {
  min: number;
  max: number;
}

export function qRange(type: QuantType, symmetricWeights = false): { qmin: number; qmax: number } {
  if (type === 'uint8') return { qmin: 0, qmax: 255 };
  // Symmetric int8 weights use [-127, 127] so that zero is exact and the range is balanced.
  return symmetricWeights ? { qmin: -127, qmax: 127 } : { qmin: -128, qmax: 127 };
}

/** Round half to even, as QuantizeLinear does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/**
 * Asymmetric activation parameters: the range is widened to include 0 (so zero is exact, as padding
 * needs), scale = (max - min) / (qmax - qmin), zero point = qmin - round(min / scale).
 */
export function activationParams(range: Range, type: QuantType): QuantParams {
  const { qmin, qmax } = qRange(type);
  const rmin = Math.min(range.min, 0);
  const rmax = Math.max(range.max, 0);
  // A constant-zero tensor: any scale works; a zero point at qmin keeps "never negative" exact.
  if (!(rmax > rmin) || !Number.isFinite(rmax - rmin)) return { scale: 1, zeroPoint: rmin === 0 ? qmin : 0 };
  const scale = Math.fround((rmax - rmin) / (qmax - qmin));
  const zeroPoint = Math.min(qmax, Math.max(qmin, roundHalfEven(qmin - rmin / scale)));
  return { scale, zeroPoint };
}

/** Symmetric int8 scale for a set of weights: max |w| / qmax (1 when all are zero). */
export function symmetricScale(absMax: number, qmax = 127): number {
  return absMax > 0 ? Math.fround(absMax / qmax) : 1;
}

export function quantizeValue(x: number, params: QuantParams, qmin: number, qmax: number): number {
  return Math.min(qmax, Math.max(qmin, roundHalfEven(x / params.scale) + params.zeroPoint));
}

export interface PerChannelWeights {
  /** Quantized values, same layout as the float weights. */
  values: Int8Array;
  /** One scale per channel along `axis` (one entry when per-tensor). */
  scales: Float32Array;
}

/**
 * Symmetric int8 weight quantization, one scale per slice along `axis` (or one for all when
 * `axis` is undefined). Zero points are 0.
 */
export function quantizeWeights(
  weights: Float32Array,
  dims: readonly number[],
  axis: number | undefined,
  scaleFloor?: Float32Array,
  qmax = 127,
): PerChannelWeights {
  const channels = axis === undefined ? 1 : dims[axis];
  const inner = axis === undefined ? weights.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const absMax = new Float64Array(channels);
  for (let i = 0; i < weights.length; i++) {
    const c = axis === undefined ? 0 : Math.floor(i / inner) % channels;
    const a = Math.abs(weights[i]);
    if (a > absMax[c]) absMax[c] = a;
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++)
    scales[c] = Math.max(symmetricScale(absMax[c], qmax), scaleFloor?.[c] ?? 0);
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const c = axis === undefined ? 0 : Math.floor(i / inner) % channels;
    values[i] = Math.min(qmax, Math.max(-qmax, roundHalfEven(weights[i] / scales[c])));
  }
  return { values, scales };
}

export const INT32_MAX = 2 ** 31 - 1;

/**
 * Bias as int32 with scale inputScale · weightScale[c] and zero point 0 — what QLinearConv and
 * QGemm expect. Returns the smallest weight scale per channel for which the bias fits in int32
 * (the caller re-quantizes those weights when it exceeds the one it used).
 */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): { values: Int32Array; scales: Float32Array; weightScaleFloor: Float32Array; overflow: boolean } {
  const values = new Int32Array(bias.length);
  const scales = new Float32Array(bias.length);
  const weightScaleFloor = new Float32Array(bias.length);
  let overflow = false;
  for (let c = 0; c < bias.length; c++) {
    const ws = weightScales.length === 1 ? weightScales[0] : weightScales[c];
    // Leave headroom: the accumulator adds the products to the bias.
    const needed = Math.abs(bias[c]) / (inputScale * (INT32_MAX / 4));
    weightScaleFloor[c] = Math.fround(needed);
    if (needed > ws) overflow = true;
    const scale = Math.fround(inputScale * Math.max(ws, needed));
    scales[c] = scale;
    values[c] = scale > 0 ? Math.max(-INT32_MAX, Math.min(INT32_MAX, roundHalfEven(bias[c] / scale))) : 0;
  }
  return { values, scales, weightScaleFloor, overflow };
}
