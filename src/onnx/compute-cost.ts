/**
 * Multiply-accumulates and FLOPs per node, from inferred shapes.
 *
 * Conventions (those of torch.utils.flop_counter and torchvision's published figures):
 *  - Conv/ConvTranspose/Gemm/MatMul (and their integer/QLinear forms): MACs from the shapes,
 *    2 FLOPs per MAC; bias additions are not counted.
 *  - LSTM/GRU/RNN: the gate matrix products, seq × batch × directions × gates × hidden ×
 *    (input + hidden) MACs (+ 3 × hidden per step for LSTM peepholes), 2 FLOPs each, plus the
 *    pointwise work per hidden unit and step: LSTM 9, GRU 8, RNN 1 (activations, gating, cell update).
 *  - Everything else has 0 MACs. FLOPs: 1 per output element for elementwise ops and activations,
 *    2 per element for BatchNormalization (scale and shift), kernel volume per output element for
 *    MaxPool/AveragePool, one per input element for global pooling and reductions, 3 per element for
 *    Softmax-like ops; data movement (Reshape, Concat, Transpose, …) is free.
 * Symbolic or unknown dimensions make a node's cost unknown (reported, never guessed).
 */
import { attrInt, type Dim, elementCount, type Node } from './ir.js';
import { BINARY_ARITHMETIC_OPS, COMPARISON_OPS, UNARY_ELEMENTWISE_OPS } from './op-families.js';
import { RECURRENT_GATES, recurrentSizes, type TensorFacts, windowAttributes } from './shape-rules.js';

export interface NodeCost {
  macs: number;
  flops: number;
}

/** Ops whose MACs count as "conv + matmul" (the figure torch's FLOP counter reports). */
export const MAC_OPS = new Set([
  'Conv',
  'ConvTranspose',
  'ConvInteger',
  'QLinearConv',
  'Gemm',
  'MatMul',
  'MatMulInteger',
  'QLinearMatMul',
  'LSTM',
  'GRU',
  'RNN',
]);

/** Ops whose multiply-accumulates are integer (8-bit) arithmetic as they stand in the graph. */
export const INTEGER_MAC_OPS = new Set(['ConvInteger', 'QLinearConv', 'MatMulInteger', 'QLinearMatMul']);

/** Pointwise FLOPs per hidden unit and time step of a recurrent op (see the header). */
const RECURRENT_POINTWISE: Readonly<Record<string, number>> = { LSTM: 9, GRU: 8, RNN: 1 };

const ONE_FLOP_PER_ELEMENT = new Set([
  ...BINARY_ARITHMETIC_OPS,
  ...COMPARISON_OPS,
  ...UNARY_ELEMENTWISE_OPS,
  'Mean',
  'Sum',
  'Mod',
  'PRelu',
  'Where',
  'QuantizeLinear',
  'DequantizeLinear',
  'Cast',
]);

const PER_INPUT_ELEMENT = new Set([
  'GlobalAveragePool',
  'GlobalMaxPool',
  'GlobalLpPool',
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceSumSquare',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ArgMax',
  'ArgMin',
]);

const SOFTMAX_LIKE = new Set(['Softmax', 'LogSoftmax', 'LayerNormalization', 'InstanceNormalization', 'LRN']);

function staticCount(shape: Dim[] | undefined): number | undefined {
  const dims = staticDims(shape);
  return dims ? elementCount(dims) : undefined;
}

function staticDims(shape: Dim[] | undefined): number[] | undefined {
  return shape?.every((d): d is number => typeof d === 'number') ? shape : undefined;
}

/** The node's cost, or undefined when shapes it needs are unknown. */
export function nodeCost(
  node: Node,
  inputs: (TensorFacts | undefined)[],
  outputs: (TensorFacts | undefined)[],
): NodeCost | undefined {
  const out = outputs[0]?.shape;
  const op = node.opType;
  if (node.domain !== '' && node.domain !== 'ai.onnx') return { macs: 0, flops: 0 };
  switch (op) {
    case 'Conv':
    case 'ConvInteger':
    case 'QLinearConv': {
      const weight = staticDims(inputs[op === 'QLinearConv' ? 3 : 1]?.shape);
      const outCount = staticCount(out);
      if (!weight || outCount === undefined) return undefined;
      return mac(outCount * elementCount(weight.slice(1)));
    }
    case 'ConvTranspose': {
      const x = staticDims(inputs[0]?.shape);
      const weight = staticDims(inputs[1]?.shape);
      if (!x || !weight) return undefined;
      // Every input element is multiplied into (out/group) × kernel outputs.
      return mac(elementCount(x) * elementCount(weight.slice(1)));
    }
    case 'Gemm': {
      const a = staticDims(inputs[0]?.shape);
      const outCount = staticCount(out);
      if (!a || outCount === undefined) return undefined;
      const k = attrInt(node, 'transA', 0) ? a[0] : a[1];
      return mac(outCount * k);
    }
    case 'MatMul':
    case 'MatMulInteger':
    case 'QLinearMatMul': {
      const a = staticDims(inputs[0]?.shape);
      const outCount = staticCount(out);
      if (!a || outCount === undefined) return undefined;
      return mac(outCount * a[a.length - 1]);
    }
    case 'LSTM':
    case 'GRU':
    case 'RNN': {
      const sizes = recurrentSizes(node, inputs[0], inputs[1]);
      if (!sizes) return undefined;
      const { seq, batch, input, hidden, directions } = sizes;
      if (
        typeof seq !== 'number' ||
        typeof batch !== 'number' ||
        typeof input !== 'number' ||
        typeof hidden !== 'number'
      )
        return undefined;
      const steps = seq * batch * directions;
      const peepholes = op === 'LSTM' && node.inputs[7] ? 3 * hidden : 0;
      const macs = steps * (RECURRENT_GATES[op] * hidden * (input + hidden) + peepholes);
      return { macs, flops: 2 * macs + steps * hidden * RECURRENT_POINTWISE[op] };
    }
    case 'BatchNormalization': {
      const count = staticCount(out);
      return count === undefined ? undefined : { macs: 0, flops: 2 * count };
    }
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool': {
      const count = staticCount(out);
      if (count === undefined || !out) return undefined;
      const kernel = windowAttributes(node, out.length - 2).kernel;
      return { macs: 0, flops: count * elementCount(kernel) };
    }
  }
  if (ONE_FLOP_PER_ELEMENT.has(op)) {
    const count = staticCount(out);
    return count === undefined ? undefined : { macs: 0, flops: count };
  }
  if (PER_INPUT_ELEMENT.has(op)) {
    const count = staticCount(inputs[0]?.shape);
    return count === undefined ? undefined : { macs: 0, flops: count };
  }
  if (SOFTMAX_LIKE.has(op)) {
    const count = staticCount(out);
    return count === undefined ? undefined : { macs: 0, flops: 3 * count };
  }
  return { macs: 0, flops: 0 };
}

function mac(macs: number): NodeCost {
  return { macs, flops: 2 * macs };
}
