/**
 * The `fuse` recipe: a portable pre-pass that leaves only standard ONNX ops.
 * - Constant nodes become initializers; Identity (and inference-mode Dropout) nodes are bypassed.
 * - Shape computations with statically known results, and every node whose inputs are all
 *   constant, are folded (the values come from onnxruntime itself, so they are exact).
 * - BatchNormalization is folded into the Conv / ConvTranspose / Gemm before it.
 * - Dead nodes and unused initializers are removed.
 */

import { type DataType, isFloatType } from '../onnx/dtype.js';
import {
  attrFloat,
  attrInt,
  attrTensor,
  consumersOf,
  createTensor,
  elementCount,
  type Graph,
  type Model,
  type Node,
  producersOf,
  subgraphsOf,
  type Tensor,
  tensorToFloat32,
  topologicalSort,
} from '../onnx/ir.js';
import { modelToBytes } from '../onnx/model-io.js';
import { inferShapes } from '../onnx/shape-inference.js';
import type { HostTensor } from '../onnx/tensor.js';
import {
  constantInitializer,
  createNamer,
  isGraphInput,
  isGraphOutput,
  replaceUses,
  tidyGraph,
} from './graph-utils.js';
import { ModelRunner } from './ort-session.js';
import { inferValueTypes } from './value-types.js';

export interface FuseStats {
  constantNodes: number;
  identities: number;
  shapeFolds: number;
  constantFolds: number;
  batchNormsFolded: number;
  /** MatMul + Add(bias) on 2-D inputs merged into Gemm. */
  matMulAddToGemm: number;
  deadNodes: number;
  unusedInitializers: number;
}

export interface FuseOptions {
  /** Skip folding through onnxruntime (pure IR passes only). */
  skipConstantFolding?: boolean;
  warn?: (message: string) => void;
}

export async function fuseModel(model: Model, options: FuseOptions = {}): Promise<FuseStats> {
  const graph = model.graph;
  const stats: FuseStats = {
    constantNodes: constantNodesToInitializers(model),
    identities: removeIdentities(graph),
    shapeFolds: 0,
    constantFolds: 0,
    batchNormsFolded: 0,
    matMulAddToGemm: 0,
    deadNodes: 0,
    unusedInitializers: 0,
  };
  tidyGraph(graph);
  stats.shapeFolds = foldKnownShapes(model);
  if (!options.skipConstantFolding) stats.constantFolds = await foldConstants(model, options.warn);
  stats.batchNormsFolded = foldBatchNorms(model);
  stats.matMulAddToGemm = fuseMatMulAdd(model);
  const tidy = tidyGraph(graph);
  stats.deadNodes = tidy.deadNodes;
  stats.unusedInitializers = tidy.unusedInitializers;
  return stats;
}

// ---------------------------------------------------------------------------------------------
// Constants and Identity

/** Turns Constant nodes holding a tensor (or value_float(s)/value_int(s)) into initializers. */
export function constantNodesToInitializers(model: Model): number {
  const graph = model.graph;
  let count = 0;
  graph.nodes = graph.nodes.filter((node) => {
    if (node.opType !== 'Constant' || node.domain !== '' || isGraphOutput(graph, node.outputs[0]))
      return true;
    const tensor = constantNodeTensor(node);
    if (!tensor) return true;
    graph.initializers.set(node.outputs[0], { ...tensor, name: node.outputs[0] });
    count++;
    return false;
  });
  return count;
}

function constantNodeTensor(node: Node): Tensor | undefined {
  const name = node.outputs[0];
  const t = attrTensor(node, 'value');
  if (t) return t;
  const a = node.attributes;
  if (a.value_float?.type === 'float')
    return createTensor(name, 'float32', [], Float32Array.of(a.value_float.value));
  if (a.value_floats?.type === 'floats')
    return createTensor(
      name,
      'float32',
      [a.value_floats.value.length],
      Float32Array.from(a.value_floats.value),
    );
  if (a.value_int?.type === 'int')
    return createTensor(name, 'int64', [], BigInt64Array.of(BigInt(a.value_int.value)));
  if (a.value_ints?.type === 'ints')
    return createTensor(
      name,
      'int64',
      [a.value_ints.value.length],
      BigInt64Array.from(a.value_ints.value.map(BigInt)),
    );
  return undefined;
}

/** Bypasses Identity nodes and inference-mode Dropout (whose mask output nobody reads). */
export function removeIdentities(graph: Graph): number {
  let count = 0;
  const consumers = consumersOf(graph);
  const producers = producersOf(graph);
  for (const node of [...graph.nodes]) {
    const isIdentity = node.opType === 'Identity' && node.domain === '';
    // Dropout without a training_mode input is the identity at inference (its mask must be unused).
    const mask = node.outputs[1] ?? '';
    const isInferenceDropout =
      node.opType === 'Dropout' &&
      node.domain === '' &&
      (node.inputs[2] ?? '') === '' &&
      (mask === '' || (!consumers.has(mask) && !isGraphOutput(graph, mask)));
    if (!isIdentity && !isInferenceDropout) continue;
    const [x] = node.inputs;
    const [y] = node.outputs;
    if (!x) continue;
    if (!isGraphOutput(graph, y)) {
      replaceUses(graph, y, x);
      graph.nodes.splice(graph.nodes.indexOf(node), 1);
      count++;
      continue;
    }
    // y is a graph output: rename x's producer output to y, if nothing else depends on x's name.
    const producer = producers.get(x);
    const xConsumers = consumers.get(x) ?? [];
    if (producer && xConsumers.length === 1 && !isGraphOutput(graph, x) && !isGraphInput(graph, x)) {
      producer.outputs = producer.outputs.map((o) => (o === x ? y : o));
      graph.nodes.splice(graph.nodes.indexOf(node), 1);
      count++;
    }
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Folding

/** What static shape inference knows, or undefined when it fails (the pass then changes nothing). */
function shapeFactsOf(model: Model): ReturnType<typeof inferShapes>['facts'] | undefined {
  try {
    return inferShapes(model).facts;
  } catch {
    return undefined;
  }
}

/** Integer results that static shape inference knows exactly (Shape → Gather → Concat chains). */
export function foldKnownShapes(model: Model): number {
  const graph = model.graph;
  const facts = shapeFactsOf(model);
  if (!facts) return 0;
  let count = 0;
  graph.nodes = graph.nodes.filter((node) => {
    if (node.domain !== '' || node.opType === 'Constant' || subgraphsOf(node).length > 0) return true;
    if (node.outputs.some((o) => !o || isGraphOutput(graph, o))) return true;
    const folded: Tensor[] = [];
    for (const out of node.outputs) {
      const f = facts.get(out);
      const shape = f?.shape;
      if (!f?.value || !shape?.every((d): d is number => typeof d === 'number')) return true;
      if (f.dataType !== 'int64' && f.dataType !== 'int32') return true;
      if (elementCount(shape) !== f.value.length) return true;
      const data =
        f.dataType === 'int64' ? BigInt64Array.from(f.value.map((v) => BigInt(v))) : Int32Array.from(f.value);
      folded.push(createTensor(out, f.dataType, shape, data));
    }
    for (const t of folded) graph.initializers.set(t.name, t);
    count++;
    return false;
  });
  return count;
}

const NO_FOLD = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'RandomNormal',
  'RandomUniform',
  'RandomNormalLike',
  'RandomUniformLike',
  'Multinomial',
  'Bernoulli',
  'If',
  'Loop',
  'Scan',
  'SequenceConstruct',
  'SequenceEmpty',
]);

/** Folded results larger than this many elements (and larger than their inputs) stay as nodes. */
const MAX_EXPANSION_ELEMENTS = 65_536;

/** Evaluates every node whose inputs are all constant with onnxruntime and stores the results. */
export async function foldConstants(model: Model, warn?: (message: string) => void): Promise<number> {
  const graph = model.graph;
  topologicalSort(graph);
  const types = inferValueTypes(graph);
  const constant = new Set<string>();
  for (const name of graph.initializers.keys()) if (constantInitializer(model, name)) constant.add(name);
  const foldable: Node[] = [];
  for (const node of graph.nodes) {
    if (node.domain !== '' || NO_FOLD.has(node.opType) || subgraphsOf(node).length > 0) continue;
    const inputs = node.inputs.filter(Boolean);
    if (inputs.length === 0 || !inputs.every((i) => constant.has(i))) continue;
    if (
      node.outputs.some((o) => o && (isGraphOutput(graph, o) || !types.get(o) || types.get(o) === 'string'))
    )
      continue;
    foldable.push(node);
    for (const o of node.outputs) if (o) constant.add(o);
  }
  if (foldable.length === 0) return 0;

  const needed = new Set<string>();
  for (const node of foldable) for (const i of node.inputs) if (i && graph.initializers.has(i)) needed.add(i);
  const outputs = foldable.flatMap((n) => n.outputs.filter(Boolean));
  const evalModel: Model = {
    ...model,
    metadata: {},
    graph: {
      name: 'constant_folding',
      nodes: foldable,
      initializers: new Map([...needed].map((n) => [n, graph.initializers.get(n)!])),
      inputs: [],
      outputs: outputs.map((name) => ({ name, dataType: types.get(name) })),
      valueInfo: [],
    },
  };
  let values: Record<string, HostTensor>;
  let runner: ModelRunner | undefined;
  try {
    runner = await ModelRunner.create(modelToBytes(evalModel), 'constant folding', {
      graphOptLevel: 'disabled',
    });
    values = await runner.run({});
  } catch (error) {
    warn?.(
      `constant folding skipped: onnxruntime could not evaluate the constant nodes (${String(error).slice(0, 200)})`,
    );
    return 0;
  } finally {
    await runner?.release();
  }
  const size = (name: string) => {
    const t = graph.initializers.get(name);
    return t ? elementCount(t.dims) : (values[name]?.data.length ?? 0);
  };
  const replaced = new Set<Node>();
  for (const node of foldable) {
    const inElements = node.inputs.filter(Boolean).reduce((s, i) => s + size(i), 0);
    const outElements = node.outputs.filter(Boolean).reduce((s, o) => s + (values[o]?.data.length ?? 0), 0);
    if (outElements > MAX_EXPANSION_ELEMENTS && outElements > 2 * inElements) continue;
    if (node.outputs.some((o) => o && !values[o])) continue;
    for (const o of node.outputs) {
      if (!o) continue;
      const v = values[o];
      graph.initializers.set(o, createTensor(o, v.type as DataType, [...v.dims], v.data));
    }
    replaced.add(node);
  }
  graph.nodes = graph.nodes.filter((n) => !replaced.has(n));
  return replaced.size;
}

// ---------------------------------------------------------------------------------------------
// BatchNormalization folding

/** Folds BatchNormalization into a preceding Conv, ConvTranspose or Gemm. Returns how many. */
export function foldBatchNorms(model: Model): number {
  const graph = model.graph;
  const namer = createNamer(graph);
  let count = 0;
  const producers = producersOf(graph);
  const consumers = consumersOf(graph);
  for (const bn of [...graph.nodes]) {
    if (bn.opType !== 'BatchNormalization' || bn.domain !== '') continue;
    if (attrInt(bn, 'training_mode', 0) !== 0 || bn.outputs.slice(1).some(Boolean)) continue;
    const x = bn.inputs[0];
    const producer = producers.get(x);
    if (producer?.domain !== '') continue;
    if ((consumers.get(x) ?? []).length !== 1 || isGraphOutput(graph, x)) continue;
    const params = bn.inputs.slice(1, 5).map((n) => constantInitializer(model, n));
    if (params.some((p) => !p || !isFloatType(p.dataType))) continue;
    const [gamma, beta, mean, variance] = params.map((p) => Float64Array.from(tensorToFloat32(p!)));
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const channels = gamma.length;
    const scale = new Float64Array(channels);
    for (let c = 0; c < channels; c++) scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);

    const foldInto = FOLD_INTO.get(producer.opType);
    if (!foldInto?.(model, producer, { scale, beta, mean, namer })) continue;
    // The producer now computes the normalized value: it takes over the BN's output name.
    producer.outputs[0] = bn.outputs[0];
    graph.nodes.splice(graph.nodes.indexOf(bn), 1);
    count++;
  }
  return count;
}

function floatParam(model: Model, name: string | undefined): Tensor | undefined {
  if (!name) return undefined;
  const t = constantInitializer(model, name);
  return t && (t.dataType === 'float32' || t.dataType === 'float64') ? t : undefined;
}

/** A BatchNormalization as (x - mean) · scale + beta, to fold into its producer's parameters. */
interface BatchNormFold {
  scale: Float64Array;
  beta: Float64Array;
  mean: Float64Array;
  namer: (base: string) => string;
}

/** Stores a folded weight and bias as new initializers; returns their names. */
function addFoldedParameters(
  model: Model,
  namer: (base: string) => string,
  weight: { base: string; dims: number[]; data: Float32Array },
  bias: { base: string; data: Float32Array },
): [string, string] {
  const weightName = namer(`${weight.base}_bnfolded`);
  const biasName = namer(`${bias.base}_bnfolded`);
  model.graph.initializers.set(weightName, createTensor(weightName, 'float32', weight.dims, weight.data));
  model.graph.initializers.set(biasName, createTensor(biasName, 'float32', [bias.data.length], bias.data));
  return [weightName, biasName];
}

function foldIntoConv(model: Model, conv: Node, { scale, beta, mean, namer }: BatchNormFold): boolean {
  const weight = floatParam(model, conv.inputs[1]);
  const biasName = conv.inputs[2];
  const bias = biasName ? floatParam(model, biasName) : undefined;
  if (!weight || (biasName && !bias) || weight.dims.length < 3) return false;
  const transposed = conv.opType === 'ConvTranspose';
  const group = attrInt(conv, 'group', 1);
  const outChannels = transposed ? weight.dims[1] * group : weight.dims[0];
  if (outChannels !== scale.length) return false;
  const w = tensorToFloat32(weight);
  const inner = elementCount(weight.dims.slice(2));
  const out = new Float32Array(w.length);
  if (!transposed) {
    const perChannel = w.length / outChannels;
    for (let m = 0; m < outChannels; m++)
      for (let i = 0; i < perChannel; i++) out[m * perChannel + i] = w[m * perChannel + i] * scale[m];
  } else {
    const [inChannels, outPerGroup] = weight.dims;
    const inPerGroup = inChannels / group;
    for (let c = 0; c < inChannels; c++) {
      const g = Math.floor(c / inPerGroup);
      for (let j = 0; j < outPerGroup; j++) {
        const m = g * outPerGroup + j;
        const base = (c * outPerGroup + j) * inner;
        for (let k = 0; k < inner; k++) out[base + k] = w[base + k] * scale[m];
      }
    }
  }
  const b = bias ? tensorToFloat32(bias) : new Float32Array(outChannels);
  const newBias = new Float32Array(outChannels);
  for (let m = 0; m < outChannels; m++) newBias[m] = (b[m] - mean[m]) * scale[m] + beta[m];
  [conv.inputs[1], conv.inputs[2]] = addFoldedParameters(
    model,
    namer,
    { base: conv.inputs[1], dims: [...weight.dims], data: out },
    { base: biasName || `${conv.name || 'conv'}.bias`, data: newBias },
  );
  return true;
}

function foldIntoGemm(model: Model, gemm: Node, { scale, beta, mean, namer }: BatchNormFold): boolean {
  const b = floatParam(model, gemm.inputs[1]);
  const cName = gemm.inputs[2];
  const c = cName ? floatParam(model, cName) : undefined;
  if (b?.dims.length !== 2 || (cName && !c)) return false;
  const transB = attrInt(gemm, 'transB', 0) === 1;
  const [rows, cols] = b.dims;
  const m = transB ? rows : cols;
  if (m !== scale.length) return false;
  if (c && !(elementCount(c.dims) === 1 || (elementCount(c.dims) === m && c.dims[c.dims.length - 1] === m)))
    return false;
  const alpha = attrFloat(gemm, 'alpha', 1);
  const betaGemm = attrFloat(gemm, 'beta', 1);
  const w = tensorToFloat32(b);
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < cols; k++) out[r * cols + k] = w[r * cols + k] * alpha * scale[transB ? r : k];
  const cv = c ? tensorToFloat32(c) : new Float32Array(1);
  const newC = new Float32Array(m);
  for (let j = 0; j < m; j++)
    newC[j] = (betaGemm * cv[cv.length === 1 ? 0 : j] - mean[j]) * scale[j] + beta[j];
  const [bName, cNew] = addFoldedParameters(
    model,
    namer,
    { base: gemm.inputs[1], dims: [rows, cols], data: out },
    { base: cName || `${gemm.name || 'gemm'}.bias`, data: newC },
  );
  gemm.inputs = [gemm.inputs[0], bName, cNew];
  gemm.attributes.alpha = { type: 'float', value: 1 };
  gemm.attributes.beta = { type: 'float', value: 1 };
  return true;
}

/** Which producers a BatchNormalization folds into, and how. */
const FOLD_INTO: ReadonlyMap<string, (model: Model, node: Node, fold: BatchNormFold) => boolean> = new Map([
  ['Conv', foldIntoConv],
  ['ConvTranspose', foldIntoConv],
  ['Gemm', foldIntoGemm],
]);

// ---------------------------------------------------------------------------------------------
// MatMul + Add → Gemm

/** MatMul(A [M,K], W [K,N] constant) followed by Add(bias [N]) becomes one Gemm. */
export function fuseMatMulAdd(model: Model): number {
  const graph = model.graph;
  const facts = shapeFactsOf(model);
  if (!facts) return 0;
  const consumers = consumersOf(graph);
  let count = 0;
  const removed = new Set<Node>();
  for (const matmul of graph.nodes) {
    if (matmul.opType !== 'MatMul' || matmul.domain !== '') continue;
    const [a, b] = matmul.inputs;
    const w = constantInitializer(model, b);
    if (w?.dataType !== 'float32' || w.dims.length !== 2) continue;
    if (facts.get(a)?.shape?.length !== 2) continue;
    const y = matmul.outputs[0];
    const readers = consumers.get(y) ?? [];
    if (readers.length !== 1 || isGraphOutput(graph, y)) continue;
    const add = readers[0];
    if (add.opType !== 'Add' || add.domain !== '') continue;
    const biasName = add.inputs[0] === y ? add.inputs[1] : add.inputs[0];
    const bias = constantInitializer(model, biasName);
    const n = w.dims[1];
    if (bias?.dataType !== 'float32') continue;
    if (
      !(
        elementCount(bias.dims) === n &&
        (bias.dims.length === 1 || (bias.dims.length === 2 && bias.dims[0] === 1))
      )
    )
      continue;
    const flat = `${biasName}_gemm_bias`;
    if (!graph.initializers.has(flat))
      graph.initializers.set(
        flat,
        createTensor(flat, 'float32', [n], Float32Array.from(tensorToFloat32(bias))),
      );
    matmul.opType = 'Gemm';
    matmul.inputs = [a, b, flat];
    matmul.outputs = [add.outputs[0]];
    matmul.attributes = {};
    removed.add(add);
    count++;
  }
  graph.nodes = graph.nodes.filter((n) => !removed.has(n));
  return count;
}
