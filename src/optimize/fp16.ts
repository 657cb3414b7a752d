/**
 * The `fp16` recipe: float16 weights and compute, with the model's inputs and outputs kept float32.
 * Every float32 value becomes float16 except around blocked ops, which stay float32 (ops whose
 * range or precision float16 cannot hold, or that need float32 inputs); a Cast is inserted only
 * where a float16 value meets a float32 one: at graph inputs/outputs and at blocked ops.
 * onnxruntime runs float16 graphs on CPU too: ops without a float16 CPU kernel get Casts from it.
 */
import { float32ToFloat16 } from '../onnx/float16.js';
import {
  attrTensor,
  createTensor,
  type Graph,
  type Model,
  type Node,
  subgraphsOf,
  type Tensor,
  tensorToFloat32,
  topologicalSort,
} from '../onnx/ir.js';
import { constantNodesToInitializers } from './fuse.js';
import { createNamer, makeNode, tidyGraph } from './graph-utils.js';
import { inferValueTypes } from './value-types.js';

/** Ops that stay float32 by default. */
export const FP16_BLOCKLIST: readonly string[] = [
  // Need float32 coordinates or scales, or produce indices from float comparisons.
  'Resize',
  'Upsample',
  'Range',
  'RoiAlign',
  'NonMaxSuppression',
  'TopK',
  'GridSample',
  // Reductions and accumulations whose sums overflow or lose precision in float16.
  'ReduceSum',
  'ReduceSumSquare',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceProd',
  'CumSum',
  'Pow',
  'Exp',
  // Random, quantization and control flow.
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Multinomial',
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'If',
  'Loop',
  'Scan',
];

export interface Fp16Options {
  /** Extra op types to keep in float32. */
  keepOps?: string[];
  /** Keep Softmax in float32 (its exponentials are range-sensitive). Default false. */
  keepSoftmax?: boolean;
  /** Node names to keep in float32. */
  keepNodes?: string[];
}

export interface Fp16Report {
  convertedInitializers: number;
  keptFloat32Nodes: Record<string, number>;
  casts: number;
  /** Weights beyond float16's range (±65504), clamped. */
  clampedValues: number;
}

const FLOAT16_MAX = 65504;

export function convertToFloat16(model: Model, options: Fp16Options = {}): Fp16Report {
  const graph = model.graph;
  constantNodesToInitializers(model);
  topologicalSort(graph);
  const types = inferValueTypes(graph);
  const blocked = new Set([...FP16_BLOCKLIST, ...(options.keepOps ?? [])]);
  if (options.keepSoftmax) blocked.add('Softmax');
  const keepNodes = new Set(options.keepNodes ?? []);
  const isF32 = (name: string) => name !== '' && types.get(name) === 'float32';

  // A node computes in float16 unless blocked; nodes that touch no float32 value are left alone.
  const mode = new Map<Node, 'fp16' | 'fp32'>();
  const keptFloat32Nodes: Record<string, number> = {};
  for (const node of graph.nodes) {
    const touchesFloat = [...node.inputs, ...node.outputs].some(isF32);
    if (!touchesFloat) continue;
    const keep =
      (node.domain !== '' && node.domain !== 'ai.onnx') ||
      blocked.has(node.opType) ||
      keepNodes.has(node.name) ||
      subgraphsOf(node).length > 0;
    mode.set(node, keep ? 'fp32' : 'fp16');
    if (keep) keptFloat32Nodes[node.opType] = (keptFloat32Nodes[node.opType] ?? 0) + 1;
  }

  const namer = createNamer(graph);
  const newNodes: Node[] = [];
  let casts = 0;
  let clampedValues = 0;
  let convertedInitializers = 0;
  // Where each float32 value lives after conversion ('fp16' when its producer computes in fp16).
  const home = new Map<string, 'fp16' | 'fp32'>();
  for (const input of graph.inputs) if (isF32(input.name)) home.set(input.name, 'fp32');
  for (const node of graph.nodes) {
    const m = mode.get(node);
    if (!m) continue;
    for (const out of node.outputs) if (isF32(out)) home.set(out, m);
  }

  // Initializers: converted in place when only fp16 nodes read them; otherwise an fp16 copy.
  const readers = new Map<string, Node[]>();
  for (const node of graph.nodes)
    for (const i of node.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), node]);
  const fp16Copy = new Map<string, string>();
  for (const [name, tensor] of [...graph.initializers]) {
    if (tensor.dataType !== 'float32' || graph.inputs.some((v) => v.name === name)) continue;
    const users = readers.get(name) ?? [];
    const fp16Users = users.filter((n) => mode.get(n) === 'fp16');
    if (fp16Users.length === 0) continue;
    const { tensor: half, clamped } = toFloat16Tensor(tensor, name);
    clampedValues += clamped;
    convertedInitializers++;
    if (fp16Users.length === users.length && !graph.outputs.some((o) => o.name === name)) {
      graph.initializers.set(name, half);
      home.set(name, 'fp16');
    } else {
      const copy = namer(`${name}_fp16`);
      graph.initializers.set(copy, { ...half, name: copy });
      fp16Copy.set(name, copy);
      home.set(name, 'fp32');
    }
  }

  // Casts, created once per value and direction.
  const castCache = new Map<string, string>();
  const castTo = (value: string, target: 'fp16' | 'fp32'): string => {
    const key = `${value}|${target}`;
    let out = castCache.get(key);
    if (!out) {
      out = namer(`${value}_${target === 'fp16' ? 'float16' : 'float32'}`);
      newNodes.push(
        makeNode(namer, 'Cast', [value], [out], { to: { type: 'int', value: target === 'fp16' ? 10 : 1 } }),
      );
      castCache.set(key, out);
      casts++;
    }
    return out;
  };
  for (const node of graph.nodes) {
    const m = mode.get(node);
    if (!m) continue;
    node.inputs = node.inputs.map((input) => {
      if (!isF32(input) && !(m === 'fp16' && fp16Copy.has(input))) return input;
      if (m === 'fp16' && fp16Copy.has(input)) return fp16Copy.get(input)!;
      const where = home.get(input) ?? 'fp32';
      return where === m ? input : castTo(input, m);
    });
    if (m === 'fp16') retypeNode(node);
  }
  // Graph outputs stay float32: the producer writes an fp16 value, a Cast restores the name.
  for (const output of graph.outputs) {
    if (!isF32(output.name) || home.get(output.name) !== 'fp16') continue;
    const internal = namer(`${output.name}_float16`);
    for (const node of graph.nodes) {
      node.outputs = node.outputs.map((o) => (o === output.name ? internal : o));
      node.inputs = node.inputs.map((i) => (i === output.name ? internal : i));
    }
    newNodes.push(makeNode(namer, 'Cast', [internal], [output.name], { to: { type: 'int', value: 1 } }));
    casts++;
  }
  graph.nodes.push(...newNodes);
  retypeValueInfo(graph, home);
  tidyGraph(graph);
  return { convertedInitializers, keptFloat32Nodes, casts, clampedValues };
}

/** float32 attributes that decide an fp16 node's output type move to float16. */
function retypeNode(node: Node): void {
  if (node.opType === 'Cast' && node.attributes.to?.type === 'int' && node.attributes.to.value === 1)
    node.attributes.to = { type: 'int', value: 10 };
  if (node.opType === 'ConstantOfShape') {
    const t = attrTensor(node, 'value');
    if (t?.dataType === 'float32')
      node.attributes.value = { type: 'tensor', value: toFloat16Tensor(t, t.name).tensor };
  }
  if (
    (node.opType === 'EyeLike' || node.opType.startsWith('Random')) &&
    node.attributes.dtype?.type === 'int'
  ) {
    if (node.attributes.dtype.value === 1) node.attributes.dtype = { type: 'int', value: 10 };
  }
}

function retypeValueInfo(graph: Graph, home: Map<string, 'fp16' | 'fp32'>): void {
  for (const v of graph.valueInfo)
    if (v.dataType === 'float32' && home.get(v.name) === 'fp16') v.dataType = 'float16';
}

function toFloat16Tensor(tensor: Tensor, name: string): { tensor: Tensor; clamped: number } {
  const values = tensorToFloat32(tensor);
  let clamped = 0;
  const bounded = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > FLOAT16_MAX || v < -FLOAT16_MAX) {
      clamped++;
      bounded[i] = v > 0 ? FLOAT16_MAX : -FLOAT16_MAX;
    } else bounded[i] = v;
  }
  return { tensor: createTensor(name, 'float16', [...tensor.dims], float32ToFloat16(bounded)), clamped };
}
