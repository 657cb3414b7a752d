/**
 * Static shape inference over a whole graph: initializers and declared inputs seed the facts, each
 * node's rule (shape-rules.ts) derives its outputs, and declared value_info fills what rules cannot.
 */
import { UserError } from '../errors.js';
import { controlFlowOutputs, isControlFlow, type SubgraphInference } from './control-flow.js';
import { type Dim, type Graph, type Model, opsetVersion, topologicalSort } from './ir.js';
import {
  factsOfTensor,
  InvalidNodeError,
  inferNodeOutputs,
  MAX_CONSTANT_ELEMENTS,
  MAX_RANK,
  type TensorFacts,
} from './shape-rules.js';

export interface ShapeInferenceOptions {
  /** Overrides for graph input shapes (e.g. a symbolic batch set to 1). */
  inputShapes?: Record<string, Dim[]>;
  /**
   * Known values of small graph inputs (a sample rate, a flag), so that what depends on them folds:
   * an If whose condition they decide is then known to take one branch.
   */
  inputValues?: Record<string, number[]>;
  /** Names the model in errors (its path). */
  source?: string;
}

export interface ShapeInferenceResult {
  /** Facts for every value the inference reached (inputs, initializers, node outputs). */
  facts: Map<string, TensorFacts>;
  /** Facts inside each subgraph (If branches, Loop and Scan bodies), enclosing scopes' values included. */
  subgraphFacts: Map<Graph, Map<string, TensorFacts>>;
  /** Node outputs whose shape is unknown or has unknown (null) dimensions (main graph only). */
  unresolved: string[];
  /** Op types without a shape rule (their outputs are unresolved unless value_info declared them). */
  unsupportedOps: string[];
}

/** True when every dimension is a number or a symbolic name. */
export function isResolved(shape: Dim[] | undefined): shape is (number | string)[] {
  return shape?.every((d) => d !== null) ?? false;
}

interface InferenceState {
  opset: number;
  /** Names the model in errors. */
  source: string;
  subgraphFacts: Map<Graph, Map<string, TensorFacts>>;
  unsupported: Set<string>;
}

export function inferShapes(model: Model, options: ShapeInferenceOptions = {}): ShapeInferenceResult {
  const graph = model.graph;
  const state: InferenceState = {
    opset: opsetVersion(model) ?? 17,
    source: options.source ?? 'the model',
    subgraphFacts: new Map(),
    unsupported: new Set(),
  };
  const inputs = new Map<string, TensorFacts>();
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    const value = options.inputValues?.[input.name];
    inputs.set(input.name, {
      dataType: input.dataType,
      shape: options.inputShapes?.[input.name] ?? input.shape,
      ...(value && value.length <= MAX_CONSTANT_ELEMENTS ? { value } : {}),
    });
  }
  const unresolved: string[] = [];
  const facts = inferGraph(graph, new Map(), inputs, state, unresolved);
  return {
    facts,
    subgraphFacts: state.subgraphFacts,
    unresolved,
    unsupportedOps: [...state.unsupported],
  };
}

/**
 * Facts of one graph's values: the enclosing scope's, then its initializers and inputs, then each
 * node's outputs in order. Control-flow nodes infer their subgraphs on the way (control-flow.ts).
 */
function inferGraph(
  graph: Graph,
  scope: ReadonlyMap<string, TensorFacts>,
  inputs: ReadonlyMap<string, TensorFacts>,
  state: InferenceState,
  unresolved?: string[],
): Map<string, TensorFacts> {
  const facts = new Map<string, TensorFacts>(scope);
  for (const tensor of graph.initializers.values()) facts.set(tensor.name, factsOfTensor(tensor));
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    facts.set(
      input.name,
      plausible(inputs.get(input.name) ?? { dataType: input.dataType, shape: input.shape }),
    );
  }
  const declared = new Map<string, TensorFacts>();
  for (const v of [...graph.valueInfo, ...graph.outputs])
    declared.set(v.name, plausible({ dataType: v.dataType, shape: v.shape }));
  const inferSubgraph: SubgraphInference = (sub, subInputs) => {
    const subFacts = inferGraph(sub, facts, subInputs, state);
    state.subgraphFacts.set(sub, subFacts);
    return subFacts;
  };
  for (const node of sortedNodes(graph)) {
    const inputFacts = node.inputs.map((name) => (name ? facts.get(name) : undefined));
    let outputs: (TensorFacts | undefined)[];
    try {
      outputs = isControlFlow(node)
        ? controlFlowOutputs(node, inputFacts, inferSubgraph, state.opset)
        : inferNodeOutputs(node, inputFacts, { opset: state.opset });
    } catch (error) {
      if (!(error instanceof InvalidNodeError)) throw error;
      throw new UserError(
        `${state.source} is not a valid ONNX model: node '${node.name || '(unnamed)'}' (${node.opType}): ${error.message}`,
        { cause: error },
      );
    }
    if (outputs.length === 0)
      state.unsupported.add(node.domain ? `${node.domain}.${node.opType}` : node.opType);
    node.outputs.forEach((name, i) => {
      if (!name) return;
      const inferred = outputs[i];
      const merged = mergeFacts(inferred && plausible(inferred), declared.get(name));
      facts.set(name, merged);
      if (unresolved && !isResolved(merged.shape)) unresolved.push(name);
    });
  }
  return facts;
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
