/**
 * Small graph-editing helpers the recipes share: constants, rewiring, value lookups.
 * They edit the IR in place; callers re-sort (`topologicalSort`) after inserting nodes.
 */
import type { DataType } from '../onnx/dtype.js';
import {
  attrTensor,
  createNamer,
  type Graph,
  type Model,
  type Node,
  opsetVersion,
  removeDeadNodes,
  removeUnusedInitializers,
  type Tensor,
  topologicalSort,
} from '../onnx/ir.js';

/**
 * Initializers whose value cannot change at run time. From IR version 4 on, an initializer that
 * is also a graph input is only a default the caller may override, so it is not a constant.
 */
export function constantInitializer(model: Model, name: string): Tensor | undefined {
  const graph = model.graph;
  const tensor = graph.initializers.get(name);
  if (!tensor) return undefined;
  if (model.irVersion >= 4 && graph.inputs.some((v) => v.name === name)) return undefined;
  return tensor;
}

/** The tensor a value holds when it is a constant initializer or a Constant node's output. */
export function constantValue(model: Model, name: string, producers?: Map<string, Node>): Tensor | undefined {
  const init = constantInitializer(model, name);
  if (init) return init;
  const producer = producers?.get(name) ?? model.graph.nodes.find((n) => n.outputs.includes(name));
  if (producer?.opType === 'Constant' && producer.domain === '') return attrTensor(producer, 'value');
  return undefined;
}

/** Replaces reads of `from` by `to` in every node (optionally except one) and in graph outputs. */
export function replaceUses(graph: Graph, from: string, to: string, except?: Node): void {
  for (const node of graph.nodes) {
    if (node === except) continue;
    for (let i = 0; i < node.inputs.length; i++) if (node.inputs[i] === from) node.inputs[i] = to;
  }
}

export function isGraphOutput(graph: Graph, name: string): boolean {
  return graph.outputs.some((o) => o.name === name);
}

export function isGraphInput(graph: Graph, name: string): boolean {
  return graph.inputs.some((i) => i.name === name) && !graph.initializers.has(name);
}

/** Makes a node with a fresh, unique name. */
export function makeNode(
  namer: (base: string) => string,
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Node['attributes'] = {},
  domain = '',
): Node {
  return { name: namer(`${outputs[0]}_${opType}`), opType, domain, inputs, outputs, attributes };
}

/** Counts of each op type (domain-qualified when not ai.onnx). */
export function opCounts(graph: Graph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of graph.nodes) {
    const key = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Removes dead nodes and unused initializers, then restores topological order. */
export function tidyGraph(graph: Graph): { deadNodes: number; unusedInitializers: number } {
  const deadNodes = removeDeadNodes(graph);
  const unusedInitializers = removeUnusedInitializers(graph);
  topologicalSort(graph);
  // value_info entries of values that no longer exist would only confuse readers of the file.
  const live = new Set<string>();
  for (const node of graph.nodes) for (const o of node.outputs) live.add(o);
  graph.valueInfo = graph.valueInfo.filter((v) => live.has(v.name));
  return { deadNodes, unusedInitializers };
}

/** Ensures the model imports `domain` (at least `version`). */
export function ensureOpset(model: Model, domain: string, version: number): void {
  const existing = model.opsetImports.find((o) => o.domain === domain);
  if (!existing) model.opsetImports.push({ domain, version });
  else if (existing.version < version) existing.version = version;
}

export function defaultOpset(model: Model): number {
  return opsetVersion(model) ?? 17;
}

export { createNamer };

/** Total bytes of float32 initializers and float32 Constant-node tensors. */
export function floatWeightBytes(model: Model, type: DataType = 'float32'): number {
  let bytes = 0;
  for (const t of model.graph.initializers.values()) if (t.dataType === type) bytes += t.data.byteLength;
  for (const node of model.graph.nodes) {
    const t = node.opType === 'Constant' ? attrTensor(node, 'value') : undefined;
    if (t?.dataType === type) bytes += t.data.byteLength;
  }
  return bytes;
}
