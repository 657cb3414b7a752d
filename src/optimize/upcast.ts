/**
 * float16 → float32, so that a model shipped with float16 weights can be quantized: every float16
 * weight, constant and Cast target inside the graph (subgraphs included) becomes float32, and the
 * model keeps its float16 inputs and outputs behind a Cast each, so the quantized model takes and
 * gives what the original did and replaces it as it is. Values are widened exactly (every float16
 * is a float32), so the upcast model computes what the original meant at float32 precision.
 */
import { ONNX_DATA_TYPE_CODES } from '../onnx/dtype.js';
import {
  createTensor,
  type Graph,
  type Model,
  type Node,
  subgraphsOf,
  type Tensor,
  tensorToFloat32,
} from '../onnx/ir.js';
import { createNamer, makeNode } from './graph-utils.js';

const DATA_TYPE_FLOAT16 = ONNX_DATA_TYPE_CODES.float16;
const DATA_TYPE_FLOAT32 = ONNX_DATA_TYPE_CODES.float32;

export interface UpcastReport {
  /** float16 initializers and Constant/ConstantOfShape values widened to float32. */
  tensors: number;
  /** Casts and dtype attributes that targeted float16 and now target float32. */
  retargeted: number;
  /** Graph inputs and outputs kept float16, with a Cast between them and the float32 graph. */
  boundaryCasts: number;
}

const widen = (t: Tensor): Tensor => createTensor(t.name, 'float32', [...t.dims], tensorToFloat32(t));

/** Every value `graph` and its subgraphs read under the name `from` is read as `to`. */
function renameReads(graph: Graph, from: string, to: string): void {
  for (const node of graph.nodes) {
    node.inputs = node.inputs.map((i) => (i === from ? to : i));
    for (const sub of subgraphsOf(node)) {
      renameReads(sub, from, to);
      for (const o of sub.outputs) if (o.name === from) o.name = to;
    }
  }
}

function upcastGraph(graph: Graph, report: UpcastReport, isMain: boolean): void {
  for (const [name, t] of graph.initializers)
    if (t.dataType === 'float16') {
      graph.initializers.set(name, widen(t));
      report.tensors++;
    }
  for (const node of graph.nodes) {
    upcastNode(node, report);
    for (const sub of subgraphsOf(node)) upcastGraph(sub, report, false);
  }
  const boundary = new Set(isMain ? [...graph.inputs, ...graph.outputs].map((v) => v.name) : []);
  for (const v of [...graph.valueInfo, ...(isMain ? [] : [...graph.inputs, ...graph.outputs])])
    if (v.dataType === 'float16' && !boundary.has(v.name)) v.dataType = 'float32';
}

function upcastNode(node: Node, report: UpcastReport): void {
  for (const [key, a] of Object.entries(node.attributes)) {
    if (a.type === 'tensor' && a.value.dataType === 'float16') {
      node.attributes[key] = { type: 'tensor', value: widen(a.value) };
      report.tensors++;
    }
    const retargets = (node.opType === 'Cast' && key === 'to') || key === 'dtype';
    if (retargets && a.type === 'int' && a.value === DATA_TYPE_FLOAT16) {
      node.attributes[key] = { type: 'int', value: DATA_TYPE_FLOAT32 };
      report.retargeted++;
    }
  }
}

/** Whether the model holds float16 weights (initializers or Constant values), subgraphs included. */
export function hasFloat16Weights(model: Model): boolean {
  const visit = (g: Graph): boolean =>
    [...g.initializers.values()].some((t) => t.dataType === 'float16') ||
    g.nodes.some(
      (n) =>
        (n.opType === 'Constant' &&
          n.attributes.value?.type === 'tensor' &&
          n.attributes.value.value.dataType === 'float16') ||
        subgraphsOf(n).some(visit),
    );
  return visit(model.graph);
}

/** Upcasts `model` in place (see the header). */
export function upcastFloat16(model: Model): UpcastReport {
  const graph = model.graph;
  const report: UpcastReport = { tensors: 0, retargeted: 0, boundaryCasts: 0 };
  upcastGraph(graph, report, true);
  const namer = createNamer(graph);
  const front: Node[] = [];
  for (const input of graph.inputs) {
    if (input.dataType !== 'float16' || graph.initializers.has(input.name)) continue;
    const inner = namer(`${input.name}_float32`);
    renameReads(graph, input.name, inner);
    front.push(
      makeNode(namer, 'Cast', [input.name], [inner], { to: { type: 'int', value: DATA_TYPE_FLOAT32 } }),
    );
    report.boundaryCasts++;
  }
  for (const output of graph.outputs) {
    if (output.dataType !== 'float16') continue;
    const producer = graph.nodes.find((n) => n.outputs.includes(output.name));
    if (!producer) continue;
    const inner = namer(`${output.name}_float32`);
    producer.outputs = producer.outputs.map((o) => (o === output.name ? inner : o));
    renameReads(graph, output.name, inner);
    graph.nodes.push(
      makeNode(namer, 'Cast', [inner], [output.name], { to: { type: 'int', value: DATA_TYPE_FLOAT16 } }),
    );
    report.boundaryCasts++;
  }
  graph.nodes.unshift(...front);
  return report;
}
