/**
 * Static shape inference over a whole graph: initializers and declared inputs seed the facts, each
 * node's rule (shape-rules.ts) derives its outputs, and declared value_info fills what rules cannot.
 */

import { UserError } from '../errors.js';
import { type Dim, type Graph, type Model, opsetVersion, topologicalSort } from './ir.js';
import {
  factsOfTensor,
  InvalidNodeError,
  inferNodeOutputs,
  MAX_RANK,
  type TensorFacts,
} from './shape-rules.js';

export interface ShapeInferenceOptions {
  /** Overrides for graph input shapes (e.g. a symbolic batch set to 1). */
  inputShapes?: Record<string, Dim[]>;
  /** Names the model in errors (its path). */
  source?: string;
}

export interface ShapeInferenceResult {
  /** Facts for every value the inference reached (inputs, initializers, node outputs). */
  facts: Map<string, TensorFacts>;
  /** Node outputs whose shape is unknown or has unknown (null) dimensions. */
  unresolved: string[];
  /** Op types without a shape rule (their outputs are unresolved unless value_info declared them). */
  unsupportedOps: string[];
}

/** True when every dimension is a number or a symbolic name. */
export function isResolved(shape: Dim[] | undefined): shape is (number | string)[] {
  return shape?.every((d) => d !== null) ?? false;
}

export function inferShapes(model: Model, options: ShapeInferenceOptions = {}): ShapeInferenceResult {
  const graph = model.graph;
  const opset = opsetVersion(model) ?? 17;
  const facts = new Map<string, TensorFacts>();
  for (const tensor of graph.initializers.values()) facts.set(tensor.name, factsOfTensor(tensor));
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    facts.set(
      input.name,
      plausible({ dataType: input.dataType, shape: options.inputShapes?.[input.name] ?? input.shape }),
    );
  }
  const declared = new Map<string, TensorFacts>();
  for (const v of [...graph.valueInfo, ...graph.outputs])
    declared.set(v.name, plausible({ dataType: v.dataType, shape: v.shape }));

  const unsupported = new Set<string>();
  const unresolved: string[] = [];
  for (const node of sortedNodes(graph)) {
    const inputs = node.inputs.map((name) => (name ? facts.get(name) : undefined));
    let outputs: (TensorFacts | undefined)[];
    try {
      outputs = inferNodeOutputs(node, inputs, { opset });
    } catch (error) {
      if (!(error instanceof InvalidNodeError)) throw error;
      throw new UserError(
        `${options.source ?? 'the model'} is not a valid ONNX model: node '${node.name || '(unnamed)'}' (${node.opType}): ${error.message}`,
        { cause: error },
      );
    }
    if (outputs.length === 0) unsupported.add(node.domain ? `${node.domain}.${node.opType}` : node.opType);
    node.outputs.forEach((name, i) => {
      if (!name) return;
      const inferred = outputs[i];
      const merged = mergeFacts(inferred && plausible(inferred), declared.get(name));
      facts.set(name, merged);
      if (!isResolved(merged.shape)) unresolved.push(name);
    });
  }
  return { facts, unresolved, unsupportedOps: [...unsupported] };
}

/**
 * Facts as far as they are plausible: a dimension that is not a whole number ≥ 0 (a corrupt
 * declaration, or arithmetic on dims taken as 1 for symbolic ones) is unknown, and so is a rank over
 * MAX_RANK. Keeps costs and memory estimates from being computed on nonsense.
 */
function plausible(facts: TensorFacts): TensorFacts {
  const shape = facts.shape;
  if (!shape) return facts;
  if (shape.length > MAX_RANK) return { dataType: facts.dataType };
  if (shape.every((d) => typeof d === 'string' || d === null || (Number.isSafeInteger(d) && d >= 0)))
    return facts;
  return {
    ...facts,
    shape: shape.map((d) =>
      typeof d === 'string' || (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0) ? d : null,
    ),
  };
}

/** Nodes in topological order, without reordering the caller's graph. */
function sortedNodes(graph: Graph) {
  const copy = { ...graph, nodes: [...graph.nodes] };
  topologicalSort(copy);
  return copy.nodes;
}

/** Inferred facts win; declared value_info fills unknown types, ranks and dimensions. */
function mergeFacts(inferred: TensorFacts | undefined, declared: TensorFacts | undefined): TensorFacts {
  if (!declared) return inferred ?? {};
  if (!inferred) return { ...declared };
  const merged: TensorFacts = { ...inferred, dataType: inferred.dataType ?? declared.dataType };
  if (!inferred.shape) merged.shape = declared.shape;
  else if (declared.shape && declared.shape.length === inferred.shape.length) {
    merged.shape = inferred.shape.map((d, i) => d ?? declared.shape![i]);
  }
  return merged;
}
