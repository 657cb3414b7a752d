/**
 * Element types of every value in a graph, from declared types and a small table of op rules.
 * Recipes need types, not shapes: which values are float32 (to convert or quantize), and what type
 * to declare when a value becomes a graph output (calibration, constant folding).
 */
import { type DataType, dataTypeFromCode } from '../onnx/dtype.js';
import { attrInt, attrTensor, type Graph, type Node } from '../onnx/ir.js';

const BOOL_OUTPUT = new Set([
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'IsNaN',
  'IsInf',
]);
const INT64_OUTPUT = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);
/** Ops whose output type is that of a specific input (index), when not the first. */
const TYPE_FROM_INPUT: Record<string, number> = { Where: 1 };

/** Types of all values the graph declares or that the rules reach. Unknown values are absent. */
export function inferValueTypes(graph: Graph, outer?: Map<string, DataType>): Map<string, DataType> {
  const types = new Map<string, DataType>(outer);
  for (const t of graph.initializers.values()) types.set(t.name, t.dataType);
  for (const v of [...graph.inputs, ...graph.valueInfo, ...graph.outputs])
    if (v.dataType) types.set(v.name, v.dataType);
  for (const node of graph.nodes) {
    const outputs = nodeOutputTypes(
      node,
      node.inputs.map((i) => (i ? types.get(i) : undefined)),
    );
    node.outputs.forEach((name, i) => {
      if (name && !types.has(name) && outputs[i]) types.set(name, outputs[i]!);
    });
  }
  return types;
}

/** Output element types of one node; undefined entries where the rule does not know. */
export function nodeOutputTypes(node: Node, inputs: (DataType | undefined)[]): (DataType | undefined)[] {
  const first = inputs.find((t) => t !== undefined);
  const op = node.opType;
  if (node.domain === 'com.microsoft') {
    if (op === 'DynamicQuantizeMatMul' || op === 'MatMulIntegerToFloat') return ['float32'];
    if (op.startsWith('QLinear') || op === 'QGemm') return [inputs[op === 'QGemm' ? 7 : 0] ?? 'uint8'];
    return [first];
  }
  if (node.domain !== '' && node.domain !== 'ai.onnx') return [];
  if (BOOL_OUTPUT.has(op)) return ['bool'];
  if (INT64_OUTPUT.has(op)) return ['int64'];
  switch (op) {
    case 'Cast':
      return [dataTypeFromCode(attrInt(node, 'to'))];
    case 'CastLike':
      return [inputs[1]];
    case 'Constant': {
      const t = attrTensor(node, 'value');
      if (t) return [t.dataType];
      if (node.attributes.value_float || node.attributes.value_floats) return ['float32'];
      if (node.attributes.value_int || node.attributes.value_ints) return ['int64'];
      return [];
    }
    case 'ConstantOfShape':
      return [attrTensor(node, 'value')?.dataType ?? 'float32'];
    case 'EyeLike':
    case 'RandomNormalLike':
    case 'RandomUniformLike': {
      const dtype = attrInt(node, 'dtype');
      return [dtype === undefined ? inputs[0] : dataTypeFromCode(dtype)];
    }
    case 'RandomNormal':
    case 'RandomUniform':
      return [dataTypeFromCode(attrInt(node, 'dtype', 1))];
    case 'QuantizeLinear':
      return [inputs[2] ?? 'uint8'];
    case 'DequantizeLinear':
      return [inputs[1] ?? 'float32'];
    case 'DynamicQuantizeLinear':
      return ['uint8', 'float32', 'uint8'];
    case 'MatMulInteger':
    case 'ConvInteger':
      return ['int32'];
    case 'QLinearConv':
    case 'QLinearMatMul':
      return [inputs[7]];
    case 'TopK':
      return [inputs[0], 'int64'];
    case 'MaxPool':
      return [inputs[0], 'int64'];
    case 'Unique':
      return [inputs[0], 'int64', 'int64', 'int64'];
    case 'Dropout':
      return [inputs[0], 'bool'];
    case 'BatchNormalization':
    case 'LayerNormalization':
      return node.outputs.map(() => inputs[0]);
    case 'Split':
      return node.outputs.map(() => inputs[0]);
    case 'If':
    case 'Loop':
    case 'Scan':
      return [];
    default: {
      const from = TYPE_FROM_INPUT[op];
      return [from === undefined ? first : inputs[from]];
    }
  }
}
