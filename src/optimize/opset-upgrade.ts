/**
 * Upgrades a model's ai.onnx opset to 13, the first with per-channel QuantizeLinear/
 * DequantizeLinear (onnxruntime's quantizer does the same before quantizing old models).
 * Ops whose signature changed between the old opset and 13 are rewritten (attributes that became
 * inputs, Softmax's 2-D coercion, Upsample/Resize-10 → Resize-13); ops known to be unchanged pass
 * as they are. A model holding anything else is left alone and the caller is told why.
 */
import {
  attr,
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  createTensor,
  type Model,
  type Node,
  opsetVersion,
  subgraphsOf,
} from '../onnx/ir.js';
import { inferShapes } from '../onnx/shape-inference.js';
import { createNamer, makeNode, tidyGraph } from './graph-utils.js';

export const QUANTIZATION_OPSET = 13;

/** ai.onnx ops whose behaviour (for the inputs older opsets allowed) is the same up to opset 13. */
const UNCHANGED = new Set([
  'Abs',
  'Acos',
  'Acosh',
  'Add',
  'And',
  'ArgMax',
  'ArgMin',
  'Asin',
  'Asinh',
  'Atan',
  'Atanh',
  'AveragePool',
  'BatchNormalization',
  'Cast',
  'Ceil',
  'Concat',
  'Constant',
  'ConstantOfShape',
  'Conv',
  'ConvTranspose',
  'Cos',
  'Cosh',
  'DepthToSpace',
  'Div',
  'Elu',
  'Equal',
  'Erf',
  'Exp',
  'Expand',
  'EyeLike',
  'Flatten',
  'Floor',
  'GRU',
  'Gather',
  'Gemm',
  'GlobalAveragePool',
  'GlobalLpPool',
  'GlobalMaxPool',
  'Greater',
  'HardSigmoid',
  'Identity',
  'InstanceNormalization',
  'IsNaN',
  'LRN',
  'LSTM',
  'LeakyRelu',
  'Less',
  'Log',
  'LpNormalization',
  'LpPool',
  'MatMul',
  'Max',
  'MaxPool',
  'MaxRoiPool',
  'Mean',
  'Min',
  'Mul',
  'Multinomial',
  'Neg',
  'NonZero',
  'Not',
  'OneHot',
  'Or',
  'PRelu',
  'Pow',
  'RNN',
  'RandomNormal',
  'RandomNormalLike',
  'RandomUniform',
  'RandomUniformLike',
  'Reciprocal',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceMax',
  'ReduceMean',
  'ReduceMin',
  'ReduceProd',
  'ReduceSumSquare',
  'Relu',
  'Reshape',
  'Selu',
  'Shape',
  'Shrink',
  'Sigmoid',
  'Sign',
  'Sin',
  'Sinh',
  'Size',
  'Softplus',
  'Softsign',
  'SpaceToDepth',
  'Sqrt',
  'Sub',
  'Sum',
  'Tan',
  'Tanh',
  'Tile',
  'Transpose',
  'Where',
  'Xor',
  'MeanVarianceNormalization',
  'Range',
  'Round',
  'GatherElements',
  'GatherND',
  'ScatterElements',
  'ScatterND',
  'CumSum',
  'Einsum',
  'Celu',
  'ThresholdedRelu',
  'Mod',
  'IsInf',
  'NonMaxSuppression',
  'RoiAlign',
  'ReverseSequence',
  'QuantizeLinear',
  'DequantizeLinear',
  'QLinearConv',
  'QLinearMatMul',
  'ConvInteger',
  'MatMulInteger',
  'DynamicQuantizeLinear',
  'BitShift',
  'Det',
  'HardSwish',
  'Compress',
]);

/** Ops rewritten by an adapter below (when the old opset predates their signature change). */
const ADAPTED = new Set([
  'Clip',
  'Slice',
  'Pad',
  'Softmax',
  'LogSoftmax',
  'Squeeze',
  'Unsqueeze',
  'Split',
  'ReduceSum',
  'TopK',
  'Upsample',
  'Resize',
  'Hardmax',
  'Dropout',
]);

export interface UpgradeResult {
  upgraded: boolean;
  from: number;
  /** Why the model was left alone (when not upgraded and it was below 13). */
  reason?: string;
  rewritten: number;
}

/** Upgrades the model in place when every op is known; otherwise leaves it untouched. */
export function upgradeOpset(model: Model, target = QUANTIZATION_OPSET): UpgradeResult {
  const from = opsetVersion(model) ?? target;
  if (from >= target) return { upgraded: false, from, rewritten: 0 };
  const graph = model.graph;
  const unknown = new Set<string>();
  for (const node of graph.nodes) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
    if (subgraphsOf(node).length > 0) unknown.add(node.opType);
    else if (!UNCHANGED.has(node.opType) && !ADAPTED.has(node.opType)) unknown.add(node.opType);
  }
  if (unknown.size > 0)
    return { upgraded: false, from, rewritten: 0, reason: `cannot upgrade ${[...unknown].join(', ')}` };

  const namer = createNamer(graph);
  let facts: ReturnType<typeof inferShapes>['facts'] | undefined;
  const rankOf = (name: string): number | undefined => {
    try {
      facts ??= inferShapes(model).facts;
    } catch {
      return undefined;
    }
    return facts.get(name)?.shape?.length;
  };
  const int64 = (base: string, values: number[]) => {
    const name = namer(base);
    graph.initializers.set(
      name,
      createTensor(name, 'int64', [values.length], BigInt64Array.from(values.map(BigInt))),
    );
    return name;
  };
  const float = (base: string, value: number) => {
    const name = namer(base);
    graph.initializers.set(name, createTensor(name, 'float32', [], Float32Array.of(value)));
    return name;
  };
  let rewritten = 0;
  const replaced = new Map<Node, Node[]>();
  for (const node of graph.nodes) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
    const a = node.attributes;
    const out = node.outputs[0];
    switch (node.opType) {
      case 'Clip':
        if (from < 11) {
          const min = attrFloat(node, 'min');
          const max = attrFloat(node, 'max');
          node.inputs = [
            node.inputs[0],
            min === undefined ? '' : float(`${out}_min`, min),
            max === undefined ? '' : float(`${out}_max`, max),
          ];
          while (node.inputs[node.inputs.length - 1] === '') node.inputs.pop();
          delete a.min;
          delete a.max;
          rewritten++;
        }
        break;
      case 'Slice':
        if (from < 10) {
          const starts = attrInts(node, 'starts') ?? [];
          const ends = attrInts(node, 'ends') ?? [];
          const axes = attrInts(node, 'axes');
          node.inputs = [node.inputs[0], int64(`${out}_starts`, starts), int64(`${out}_ends`, ends)];
          if (axes) node.inputs.push(int64(`${out}_axes`, axes));
          delete a.starts;
          delete a.ends;
          delete a.axes;
          rewritten++;
        }
        break;
      case 'Pad':
        if (from < 11) {
          const pads = attrInts(node, 'pads') ?? [];
          const value = attrFloat(node, 'value', 0);
          node.inputs = [node.inputs[0], int64(`${out}_pads`, pads)];
          if (value !== 0) node.inputs.push(float(`${out}_value`, value));
          delete a.pads;
          delete a.value;
          rewritten++;
        }
        break;
      case 'Squeeze':
      case 'Unsqueeze':
      case 'ReduceSum':
        if (a.axes) {
          node.inputs = [node.inputs[0], int64(`${out}_axes`, attrInts(node, 'axes') ?? [])];
          delete a.axes;
          rewritten++;
        }
        break;
      case 'Split':
        if (a.split) {
          node.inputs = [node.inputs[0], int64(`${out}_split`, attrInts(node, 'split') ?? [])];
          delete a.split;
          rewritten++;
        }
        break;
      case 'TopK':
        if (from < 10) {
          node.inputs = [node.inputs[0], int64(`${out}_k`, [attrInt(node, 'k', 1)])];
          delete a.k;
          rewritten++;
        }
        break;
      case 'Upsample':
      case 'Resize':
        if (node.opType === 'Upsample' || from < 11) {
          // Upsample-9 and Resize-10 index the input at floor(out / scale): Resize-13's asymmetric
          // transform with floor rounding.
          const mode = attrString(node, 'mode', 'nearest');
          let scales = node.inputs[1];
          if (!scales && a.scales?.type === 'floats') {
            const name = namer(`${out}_scales`);
            graph.initializers.set(
              name,
              createTensor(name, 'float32', [a.scales.value.length], Float32Array.from(a.scales.value)),
            );
            scales = name;
          }
          node.opType = 'Resize';
          node.inputs = [node.inputs[0], '', scales];
          node.attributes = {
            mode: attr.string(mode === 'bilinear' ? 'linear' : mode),
            coordinate_transformation_mode: attr.string('asymmetric'),
            nearest_mode: attr.string('floor'),
          };
          rewritten++;
        }
        break;
      case 'Dropout':
        if (a.ratio) {
          // Dropout-12 takes the ratio as an input (it only matters in training mode).
          node.inputs = [node.inputs[0], float(`${out}_ratio`, attrFloat(node, 'ratio', 0.5))];
          delete a.ratio;
          rewritten++;
        }
        break;
      case 'Softmax':
      case 'LogSoftmax':
      case 'Hardmax': {
        // Before 13 these flatten the input to 2-D at `axis` (default 1); from 13 they work along one
        // axis (default -1). The same when axis is the last one; otherwise flatten explicitly.
        const axis = attrInt(node, 'axis', 1);
        const rank = rankOf(node.inputs[0]);
        if (rank !== undefined && (axis === rank - 1 || axis === -1)) {
          node.attributes = { axis: attr.int(-1) };
          rewritten++;
          break;
        }
        const x = node.inputs[0];
        const shape = namer(`${out}_shape`);
        const flat = namer(`${out}_flat`);
        const soft = namer(`${out}_2d`);
        replaced.set(node, [
          makeNode(namer, 'Shape', [x], [shape]),
          makeNode(namer, 'Flatten', [x], [flat], { axis: attr.int(axis) }),
          { ...node, inputs: [flat], outputs: [soft], attributes: { axis: attr.int(1) } },
          makeNode(namer, 'Reshape', [soft, shape], [out]),
        ]);
        rewritten++;
        break;
      }
      default:
        break;
    }
  }
  graph.nodes = graph.nodes.flatMap((n) => replaced.get(n) ?? [n]);
  const onnx = model.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (onnx) onnx.version = target;
  else model.opsetImports.push({ domain: '', version: target });
  // Opset 13 needs IR version 7 or later.
  model.irVersion = Math.max(model.irVersion, 7);
  tidyGraph(graph);
  return { upgraded: true, from, rewritten };
}
