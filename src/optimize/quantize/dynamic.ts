/**
 * Dynamic quantization: weights become int8 ahead of time (per-channel, symmetric); activations
 * are quantized at run time by DynamicQuantizeLinear (uint8, range of each input as it comes).
 * - MatMul (and Gemm, rewritten as MatMul + Add) with a constant weight:
 *   DynamicQuantizeLinear → MatMulInteger → Cast → Mul(x_scale · w_scale) [→ Add bias],
 *   the pattern onnxruntime fuses into DynamicQuantizeMatMul / MatMulIntegerToFloat.
 * - Conv, when asked: DynamicQuantizeLinear → ConvInteger → Cast → Mul → Add bias. Off by default:
 *   onnxruntime's CPU provider has no fused kernel for it, and the extra passes over every
 *   activation made CNNs slower than float32 in our measurements (see docs/optimization.md).
 * No calibration data is needed. DynamicQuantizeLinear needs opset 11; below that, MatMul uses
 * onnxruntime's com.microsoft.DynamicQuantizeMatMul directly.
 */
import {
  attrFloat,
  attrInt,
  createTensor,
  type Model,
  type Node,
  opsetVersion,
  tensorToFloat32,
  topologicalSort,
} from '../../onnx/ir.js';
import { constantInitializer, createNamer, ensureOpset, makeNode, tidyGraph } from '../graph-utils.js';
import { inferValueTypes } from '../value-types.js';
import { int8PairsSaturateHere } from './host-int8.js';
import { quantizeWeights } from './quant-math.js';

export interface DynamicQuantOptions {
  /** Also quantize Conv with ConvInteger (default false: slower than float32 on onnxruntime CPU). */
  conv?: boolean;
  excludeNodes?: string[];
  /** 7-bit weights; 'auto' (default) on x86 CPUs without VNNI (see static/index.ts). */
  reduceRange?: boolean | 'auto';
  warn?: (message: string) => void;
}

export interface DynamicQuantReport {
  quantized: Record<string, number>;
  skipped: { node: string; opType: string; reason: string }[];
  notes: string[];
}

export function quantizeDynamic(model: Model, options: DynamicQuantOptions = {}): DynamicQuantReport {
  const graph = model.graph;
  topologicalSort(graph);
  const opset = opsetVersion(model) ?? 17;
  const types = inferValueTypes(graph);
  const namer = createNamer(graph);
  const excluded = new Set(options.excludeNodes ?? []);
  const quantized: Record<string, number> = {};
  const skipped: DynamicQuantReport['skipped'] = [];
  const notes: string[] = [];
  const standardOps = opset >= 11;
  const reduceRange =
    options.reduceRange === undefined || options.reduceRange === 'auto'
      ? (int8PairsSaturateHere() ?? false)
      : options.reduceRange;
  const qmax = reduceRange ? 63 : 127;
  if (reduceRange && options.reduceRange !== true)
    notes.push('weights use 7 bits: this x86 CPU has no VNNI, where 8-bit weights saturate');
  if (!standardOps)
    notes.push(`opset ${opset} < 11: MatMul uses com.microsoft.DynamicQuantizeMatMul; Conv stays float`);
  const replaced = new Map<Node, Node[]>();
  // One DynamicQuantizeLinear per activation, shared by every node that reads it.
  const dynamicQuant = new Map<string, [string, string, string]>();
  const quantizeInput = (x: string, nodes: Node[]): [string, string, string] => {
    let outs = dynamicQuant.get(x);
    if (!outs) {
      outs = [namer(`${x}_quantized`), namer(`${x}_scale`), namer(`${x}_zero_point`)];
      nodes.push(makeNode(namer, 'DynamicQuantizeLinear', [x], outs));
      dynamicQuant.set(x, outs);
    }
    return outs;
  };
  const label = (n: Node) => n.name || `${n.opType}→${n.outputs[0]}`;

  for (const node of graph.nodes) {
    if (node.domain !== '' || excluded.has(node.name)) continue;
    const isMatMul = node.opType === 'MatMul';
    const isGemm = node.opType === 'Gemm';
    const isConv = node.opType === 'Conv' && (options.conv ?? false);
    if (!isMatMul && !isGemm && !isConv) continue;
    const [x, wName, bName] = node.inputs;
    const weight = constantInitializer(model, wName);
    const bias = bName ? constantInitializer(model, bName) : undefined;
    const skip = (reason: string) => skipped.push({ node: label(node), opType: node.opType, reason });
    if (types.get(x) !== 'float32') {
      skip('input is not float32');
      continue;
    }
    if (weight?.dataType !== 'float32') {
      skip('weight is not a float32 constant');
      continue;
    }
    if (bName && bias?.dataType !== 'float32') {
      skip('bias is not a float32 constant');
      continue;
    }
    const out = node.outputs[0];
    const nodes: Node[] = [];

    if (isConv) {
      if (!standardOps) {
        skip('ConvInteger needs opset 11 here');
        continue;
      }
      const w = quantizeWeights(tensorToFloat32(weight), weight.dims, 0, undefined, qmax);
      const channels = weight.dims[0];
      const rank = weight.dims.length;
      const wq = namer(`${wName}_quantized`);
      graph.initializers.set(wq, createTensor(wq, 'int8', [...weight.dims], w.values));
      const ws = namer(`${wName}_scale`);
      const shape = [1, channels, ...new Array(rank - 2).fill(1)];
      graph.initializers.set(ws, createTensor(ws, 'float32', shape, w.scales));
      const [xq, xs, xzp] = quantizeInput(x, nodes);
      const acc = namer(`${out}_int32`);
      const conv = makeNode(namer, 'ConvInteger', [xq, wq, xzp], [acc], { ...node.attributes });
      conv.name = namer(`${node.name || 'conv'}_quant`);
      nodes.push(conv);
      const scaled = dequantizeAccumulator(namer, nodes, { acc, xs, ws, out }, Boolean(bias));
      if (bias) {
        const bReshaped = namer(`${bName}_reshaped`);
        graph.initializers.set(
          bReshaped,
          createTensor(bReshaped, 'float32', shape, Float32Array.from(tensorToFloat32(bias))),
        );
        nodes.push(makeNode(namer, 'Add', [scaled, bReshaped], [out]));
      }
      replaced.set(node, nodes);
      quantized.Conv = (quantized.Conv ?? 0) + 1;
      continue;
    }

    // MatMul / Gemm → [K, N] weight.
    let k: number;
    let n: number;
    let wKN: Float32Array;
    let biasValues: Float32Array | undefined;
    if (isGemm) {
      if (attrInt(node, 'transA', 0) !== 0) {
        skip('transA=1');
        continue;
      }
      const alpha = attrFloat(node, 'alpha', 1);
      const beta = attrFloat(node, 'beta', 1);
      const transB = attrInt(node, 'transB', 0) === 1;
      const src = tensorToFloat32(weight);
      [k, n] = transB ? [weight.dims[1], weight.dims[0]] : [weight.dims[0], weight.dims[1]];
      wKN = new Float32Array(k * n);
      for (let i = 0; i < k; i++)
        for (let j = 0; j < n; j++) wKN[i * n + j] = alpha * (transB ? src[j * k + i] : src[i * n + j]);
      if (bias) {
        const b = tensorToFloat32(bias);
        if (b.length !== 1 && b.length !== n) {
          skip('bias is not per output column');
          continue;
        }
        biasValues = new Float32Array(n);
        for (let j = 0; j < n; j++) biasValues[j] = beta * b[b.length === 1 ? 0 : j];
      }
    } else {
      if (weight.dims.length !== 2) {
        skip('weight is not 2-D');
        continue;
      }
      [k, n] = weight.dims;
      wKN = tensorToFloat32(weight);
    }
    const w = quantizeWeights(wKN, [k, n], 1, undefined, qmax);
    const wq = namer(`${wName}_quantized`);
    const ws = namer(`${wName}_scale`);
    const wzp = namer(`${wName}_zero_point`);
    graph.initializers.set(wq, createTensor(wq, 'int8', [k, n], w.values));
    graph.initializers.set(ws, createTensor(ws, 'float32', [n], w.scales));
    graph.initializers.set(wzp, createTensor(wzp, 'int8', [n], new Int8Array(n)));
    let biasName = '';
    if (biasValues) {
      biasName = namer(`${bName}_column`);
      graph.initializers.set(biasName, createTensor(biasName, 'float32', [n], biasValues));
    }
    if (!standardOps) {
      const fused = makeNode(
        namer,
        'DynamicQuantizeMatMul',
        [x, wq, ws, wzp, biasName],
        [out],
        {},
        'com.microsoft',
      );
      nodes.push(fused);
    } else {
      const [xq, xs, xzp] = quantizeInput(x, nodes);
      const acc = namer(`${out}_int32`);
      nodes.push(makeNode(namer, 'MatMulInteger', [xq, wq, xzp, wzp], [acc]));
      const scaled = dequantizeAccumulator(namer, nodes, { acc, xs, ws, out }, biasName !== '');
      if (biasName) nodes.push(makeNode(namer, 'Add', [scaled, biasName], [out]));
    }
    replaced.set(node, nodes);
    quantized[node.opType] = (quantized[node.opType] ?? 0) + 1;
  }
  graph.nodes = graph.nodes.flatMap((n) => replaced.get(n) ?? [n]);
  if (!standardOps && replaced.size > 0) ensureOpset(model, 'com.microsoft', 1);
  topologicalSort(graph);
  tidyGraph(graph);
  return { quantized, skipped, notes };
}

/**
 * The int32 accumulator of ConvInteger/MatMulInteger back to float: Cast, times input scale ×
 * weight scale. Returns the scaled value, which is `out` itself unless a bias is still to be added.
 */
function dequantizeAccumulator(
  namer: (base: string) => string,
  nodes: Node[],
  { acc, xs, ws, out }: { acc: string; xs: string; ws: string; out: string },
  biasFollows: boolean,
): string {
  const accF = namer(`${out}_float`);
  nodes.push(makeNode(namer, 'Cast', [acc], [accF], { to: { type: 'int', value: 1 } }));
  const scale = namer(`${out}_scale`);
  nodes.push(makeNode(namer, 'Mul', [xs, ws], [scale]));
  const scaled = biasFollows ? namer(`${out}_scaled`) : out;
  nodes.push(makeNode(namer, 'Mul', [accF, scale], [scaled]));
  return scaled;
}
