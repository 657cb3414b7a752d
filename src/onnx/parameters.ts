/**
 * Parameter counting "as PyTorch counts it", for any ONNX graph.
 *
 * Rule: an initializer is a parameter when some node reads it at a data/weight input slot, and it
 * is floating point — or any type when read as the quantized tensor of DequantizeLinear or the
 * weight of QLinearConv/QLinearMatMul/ConvInteger/MatMulInteger. Not parameters:
 *  - BatchNormalization running mean/variance (buffers in PyTorch) and other non-data slots:
 *    quantization scales/zero points, shape/axes/pads/sizes inputs, Clip bounds;
 *  - single-element constants read only by elementwise arithmetic (exporters' `x / 6`, `+ 3`);
 *  - Constant-node values (exporters keep shapes and scalars there, weights in initializers).
 * Each initializer counts once however many nodes share it. On graphs exported with BatchNorm
 * folded into Conv, BN's γ/β no longer exist, so the count is lower than the source model's.
 */
import { bytesPerElement, isFloatType } from './dtype.js';
import { elementCount, type Graph, type Node, subgraphsOf, type Tensor } from './ir.js';
import { BINARY_ARITHMETIC_OPS, COMPARISON_OPS } from './op-families.js';

/** Input slots that never hold parameters, per op type. */
const NON_PARAMETER_SLOTS: Record<string, readonly number[]> = {
  BatchNormalization: [3, 4],
  QuantizeLinear: [1, 2],
  DequantizeLinear: [1, 2],
  DynamicQuantizeLinear: [],
  QLinearConv: [1, 2, 4, 5, 6, 7],
  QLinearMatMul: [1, 2, 4, 5, 6, 7],
  QLinearAdd: [1, 2, 4, 5, 6, 7],
  ConvInteger: [2, 3],
  MatMulInteger: [2, 3],
  Clip: [1, 2],
  Reshape: [1],
  Expand: [1],
  Tile: [1],
  Slice: [1, 2, 3, 4],
  Pad: [1, 2, 3],
  Resize: [1, 2, 3],
  Upsample: [1],
  Squeeze: [1],
  Unsqueeze: [1],
  Split: [1],
  TopK: [1],
  ConstantOfShape: [0],
  Range: [0, 1, 2],
  OneHot: [1, 2],
  ReduceMean: [1],
  ReduceSum: [1],
  ReduceMax: [1],
  ReduceMin: [1],
  ReduceProd: [1],
  ReduceL1: [1],
  ReduceL2: [1],
  ReduceLogSum: [1],
  ReduceLogSumExp: [1],
  ReduceSumSquare: [1],
};

/** Slots whose initializer is a (quantized) weight of any element type. */
const QUANTIZED_WEIGHT_SLOTS: Record<string, readonly number[]> = {
  DequantizeLinear: [0],
  QLinearConv: [3, 8],
  QLinearMatMul: [0, 3],
  ConvInteger: [1],
  MatMulInteger: [0, 1],
};

const ELEMENTWISE_ARITHMETIC = new Set([...BINARY_ARITHMETIC_OPS, ...COMPARISON_OPS, 'Where', 'Mod']);

export interface ParameterCount {
  /** Elements of all parameter initializers. */
  parameters: number;
  /** Bytes of those elements. */
  parameterBytes: number;
  /** Names of the initializers counted. */
  names: string[];
}

export function countParameters(graph: Graph): ParameterCount {
  const uses = new Map<string, { node: Node; slot: number }[]>();
  // Subgraphs (If branches, Loop/Scan bodies) hold initializers of their own: they count too.
  const initializers: Tensor[] = [];
  const visit = (g: Graph) => {
    initializers.push(...g.initializers.values());
    for (const node of g.nodes) {
      node.inputs.forEach((name, slot) => {
        if (!name) return;
        const list = uses.get(name);
        if (list) list.push({ node, slot });
        else uses.set(name, [{ node, slot }]);
      });
      for (const sub of subgraphsOf(node)) visit(sub);
    }
  };
  visit(graph);

  let parameters = 0;
  let parameterBytes = 0;
  const names: string[] = [];
  for (const tensor of initializers) {
    const tensorUses = uses.get(tensor.name) ?? [];
    const count = elementCount(tensor.dims);
    const asQuantizedWeight = tensorUses.some((u) => QUANTIZED_WEIGHT_SLOTS[u.node.opType]?.includes(u.slot));
    const asData = tensorUses.some((u) => !NON_PARAMETER_SLOTS[u.node.opType]?.includes(u.slot));
    const scalarArithmetic = count <= 1 && tensorUses.every((u) => ELEMENTWISE_ARITHMETIC.has(u.node.opType));
    const counted = asQuantizedWeight || (asData && isFloatType(tensor.dataType) && !scalarArithmetic);
    if (!counted) continue;
    parameters += count;
    parameterBytes += count * bytesPerElement(tensor.dataType);
    names.push(tensor.name);
  }
  return { parameters, parameterBytes, names };
}
