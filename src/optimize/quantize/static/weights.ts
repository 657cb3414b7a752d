/**
 * The weight math of int8-static: int8 weights (per channel or per tensor), int32 biases at the
 * input scale × weight scale, and constant Add/Mul operands quantized like activations. Numbers and
 * initializer data only; rewrite.ts names them and puts them in the graph.
 */
import { attrInt, createTensor, type Node, type Tensor } from '../../../onnx/ir.js';
import {
  activationParams,
  type PerChannelWeights,
  type QuantParams,
  type QuantType,
  qRange,
  quantizeBias,
  quantizeValue,
  quantizeWeights,
} from '../quant-math.js';

/** The weight's output-channel axis for per-channel scales. */
export function weightAxis(node: Node, weight: Tensor): number | undefined {
  if (node.opType === 'Conv') return 0;
  if (node.opType === 'Gemm') return attrInt(node, 'transB', 0) === 1 ? 0 : 1;
  if (node.opType === 'MatMul') return weight.dims.length === 2 ? 1 : undefined;
  return undefined;
}

export interface QuantizedWeightAndBias {
  weight: PerChannelWeights;
  bias?: ReturnType<typeof quantizeBias>;
  /** Channels whose weight scale was raised so the int32 bias fits. */
  adjusted: number;
}

/**
 * Quantizes a float weight (along `axis`, or per tensor when undefined) to [-qmax, qmax] and its
 * bias to int32 at `inputScale` × the weight's scale.
 */
export function quantizeWeightAndBiasValues(
  w: Float32Array,
  dims: readonly number[],
  axis: number | undefined,
  bias: Float32Array | undefined,
  inputScale: number,
  qmax: number,
): QuantizedWeightAndBias {
  let q = quantizeWeights(w, dims, axis, undefined, qmax);
  let biasQ: ReturnType<typeof quantizeBias> | undefined;
  let adjusted = 0;
  if (bias) {
    let b = bias;
    const channels = q.scales.length === 1 ? b.length : q.scales.length;
    if (b.length === 1 && channels > 1) b = new Float32Array(channels).fill(b[0]);
    biasQ = quantizeBias(b, inputScale, expand(q.scales, b.length));
    if (biasQ.overflow) {
      // Raise the weight scale of the offending channels so the bias fits (as onnxruntime's tools do).
      const floor =
        q.scales.length === 1 ? Float32Array.of(Math.max(...biasQ.weightScaleFloor)) : biasQ.weightScaleFloor;
      const before = q.scales;
      q = quantizeWeights(w, dims, axis, floor, qmax);
      adjusted = q.scales.reduce((n, s, i) => n + (s > before[i] ? 1 : 0), 0);
      biasQ = quantizeBias(b, inputScale, expand(q.scales, b.length));
    }
  }
  return { weight: q, bias: biasQ, adjusted };
}

function expand(scales: Float32Array, length: number): Float32Array {
  return scales.length === length ? scales : new Float32Array(length).fill(scales[0]);
}

/** A constant operand of Add/Mul, quantized per tensor over [min(0, values), max(0, values)]. */
export function quantizeConstantValues(
  values: Float32Array,
  type: QuantType,
): { params: QuantParams; data: number[] } {
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const p = activationParams({ min, max }, type);
  const { qmin, qmax } = qRange(type);
  return { params: p, data: Array.from(values, (v) => quantizeValue(v, p, qmin, qmax)) };
}

/** A uint8 or int8 tensor (zero points, or quantized constants) of the activation type. */
export function zeroPointTensor(name: string, type: QuantType, values: number[], dims: number[]): Tensor {
  return type === 'uint8'
    ? createTensor(name, 'uint8', dims, Uint8Array.from(values))
    : createTensor(name, 'int8', dims, Int8Array.from(values));
}
