/**
 * Shape inference through ONNX control flow: If (two branches), Loop (a body run up to M times) and
 * Scan (a body run once per slice of its scan inputs). Each subgraph is inferred with the facts of
 * the enclosing scope visible, and its outputs give the node's. What is known statically about how
 * often a body runs (a constant condition, trip count or scan length) is read here too, for the
 * cost counting in analysis.ts.
 */
import type { DataType } from './dtype.js';
import { attrInt, attrInts, type Dim, type Graph, type Node, type ValueInfo } from './ir.js';
import type { TensorFacts } from './shape-rules.js';

export const CONTROL_FLOW_OPS = new Set(['If', 'Loop', 'Scan']);

export function isControlFlow(node: Node): boolean {
  return (node.domain === '' || node.domain === 'ai.onnx') && CONTROL_FLOW_OPS.has(node.opType);
}

/** Infers `graph` with its own inputs given by name; the enclosing scope is the caller's. */
export type SubgraphInference = (
  graph: Graph,
  inputs: ReadonlyMap<string, TensorFacts>,
) => ReadonlyMap<string, TensorFacts>;

function graphAttr(node: Node, name: string): Graph | undefined {
  const a = node.attributes[name];
  return a?.type === 'graph' ? a.value : undefined;
}

/** The If's branch when its condition is a known constant; undefined when it is decided at run time. */
export function ifBranchTaken(cond: TensorFacts | undefined): 'then_branch' | 'else_branch' | undefined {
  const v = cond?.value;
  if (v?.length !== 1) return undefined;
  return v[0] ? 'then_branch' : 'else_branch';
}

export interface LoopTrips {
  /** Iterations, when the trip count M is a known constant; undefined otherwise. */
  trips?: number;
  /** True when the loop certainly runs `trips` times (no condition that could stop it earlier). */
  exact: boolean;
}

/**
 * How often a Loop's body runs, as far as it is known statically: M when it is a constant and the
 * condition is absent or constant true (at most M when a condition could end it sooner).
 */
export function loopTrips(node: Node, inputs: (TensorFacts | undefined)[]): LoopTrips {
  const m = node.inputs[0] ? inputs[0]?.value : undefined;
  const trips = m && m.length === 1 && Number.isFinite(m[0]) && m[0] >= 0 ? m[0] : undefined;
  const body = graphAttr(node, 'body');
  const condIn = node.inputs[1] ? inputs[1]?.value : undefined;
  if (condIn && condIn.length === 1 && condIn[0] === 0) return { trips: 0, exact: true };
  // The body's condition output is the loop-carried one: without an input cond, or passed through unchanged, nothing stops early.
  const condOut = body?.outputs[0]?.name;
  const condIsPassThrough = condOut !== undefined && body?.inputs[1]?.name === condOut;
  const noCondition = !node.inputs[1] || condIsPassThrough;
  return { ...(trips !== undefined ? { trips } : {}), exact: trips !== undefined && noCondition };
}

/** The scan length of a Scan (opset ≥ 9): the size of its first scan input along its scan axis. */
export function scanLength(node: Node, inputs: (TensorFacts | undefined)[]): number | undefined {
  const scanInputs = attrInt(node, 'num_scan_inputs', 0);
  const states = node.inputs.length - scanInputs;
  const first = inputs[states];
  if (!first?.shape) return undefined;
  const rank = first.shape.length;
  const axes = attrInts(node, 'scan_input_axes') ?? [];
  const axis = normalize(axes[0] ?? 0, rank);
  const size = first.shape[axis];
  return typeof size === 'number' ? size : undefined;
}

function normalize(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Facts of the outputs a subgraph declares, read from its inferred facts. */
function subgraphOutputs(graph: Graph, facts: ReadonlyMap<string, TensorFacts>): (TensorFacts | undefined)[] {
  return graph.outputs.map((o) => {
    const f = facts.get(o.name);
    return f
      ? { dataType: f.dataType ?? o.dataType, shape: f.shape ?? o.shape }
      : { dataType: o.dataType, shape: o.shape };
  });
}

/** What both branches agree on: the type, and each dimension they share (unknown where they differ). */
function mergeBranches(a: TensorFacts | undefined, b: TensorFacts | undefined): TensorFacts {
  const dataType: DataType | undefined = a?.dataType ?? b?.dataType;
  if (!a?.shape || !b?.shape || a.shape.length !== b.shape.length) return { dataType };
  return { dataType, shape: a.shape.map((d, i) => (d === b.shape![i] ? d : null)) };
}

/** Output facts of an If, Loop or Scan node, inferring its subgraphs through `infer`. */
export function controlFlowOutputs(
  node: Node,
  inputs: (TensorFacts | undefined)[],
  infer: SubgraphInference,
  opset: number,
): (TensorFacts | undefined)[] {
  if (node.opType === 'If') return ifOutputs(node, inputs, infer);
  const body = graphAttr(node, 'body');
  if (!body) return [];
  if (node.opType === 'Loop') return loopOutputs(node, body, inputs, infer);
  return opset >= 9 ? scanOutputs(node, body, inputs, infer) : [];
}

/** A carried value (loop state, scan state) enters the body with the outer type and shape. */
function carriedFacts(outer: TensorFacts | undefined, input: ValueInfo): TensorFacts {
  return { dataType: outer?.dataType ?? input.dataType, shape: outer?.shape ?? input.shape };
}

/** Output facts of a node that runs `body` (Loop, Scan). */
type BodyOutputs = (
  node: Node,
  body: Graph,
  inputs: (TensorFacts | undefined)[],
  infer: SubgraphInference,
) => (TensorFacts | undefined)[];

function ifOutputs(
  node: Node,
  inputs: (TensorFacts | undefined)[],
  infer: SubgraphInference,
): (TensorFacts | undefined)[] {
  const thenGraph = graphAttr(node, 'then_branch');
  const elseGraph = graphAttr(node, 'else_branch');
  if (!thenGraph || !elseGraph) return [];
  const thenOut = subgraphOutputs(thenGraph, infer(thenGraph, new Map()));
  const elseOut = subgraphOutputs(elseGraph, infer(elseGraph, new Map()));
  const taken = ifBranchTaken(inputs[0]);
  if (taken === 'then_branch') return thenOut;
  if (taken === 'else_branch') return elseOut;
  return node.outputs.map((_, i) => mergeBranches(thenOut[i], elseOut[i]));
}

const loopOutputs: BodyOutputs = (node, body, inputs, infer) => {
  const carried = node.inputs.length - 2;
  const bodyInputs = new Map<string, TensorFacts>();
  body.inputs.forEach((input, i) => {
    if (i === 0) bodyInputs.set(input.name, { dataType: 'int64', shape: [] });
    else if (i === 1) bodyInputs.set(input.name, { dataType: 'bool', shape: [] });
    // Values change from one iteration to the next: only the type and shape carry over.
    else bodyInputs.set(input.name, carriedFacts(inputs[i], input));
  });
  const out = subgraphOutputs(body, infer(body, bodyInputs));
  const { trips } = loopTrips(node, inputs);
  const results: (TensorFacts | undefined)[] = [];
  for (let i = 0; i < carried; i++) {
    const initial = inputs[i + 2];
    results.push(mergeBranches(initial ?? out[i + 1], out[i + 1]));
  }
  for (let k = 1 + carried; k < out.length; k++) {
    const f = out[k];
    const tripDim: Dim = trips ?? null;
    results.push({ dataType: f?.dataType, ...(f?.shape ? { shape: [tripDim, ...f.shape] } : {}) });
  }
  return results;
};

const scanOutputs: BodyOutputs = (node, body, inputs, infer) => {
  const scanInputs = attrInt(node, 'num_scan_inputs', 0);
  const states = node.inputs.length - scanInputs;
  const inputAxes = attrInts(node, 'scan_input_axes') ?? [];
  const outputAxes = attrInts(node, 'scan_output_axes') ?? [];
  const bodyInputs = new Map<string, TensorFacts>();
  body.inputs.forEach((input, i) => {
    const outer = inputs[i];
    if (i < states) {
      bodyInputs.set(input.name, carriedFacts(outer, input));
      return;
    }
    // A scan input's slice: its scan axis removed.
    const shape = outer?.shape;
    const axis = shape ? normalize(inputAxes[i - states] ?? 0, shape.length) : 0;
    bodyInputs.set(input.name, {
      dataType: outer?.dataType ?? input.dataType,
      shape: shape ? shape.filter((_, d) => d !== axis) : input.shape,
    });
  });
  const out = subgraphOutputs(body, infer(body, bodyInputs));
  const length: Dim = scanLength(node, inputs) ?? null;
  return out.map((f, k) => {
    if (k < states) return mergeBranches(inputs[k] ?? f, f);
    if (!f?.shape) return { dataType: f?.dataType };
    const rank = f.shape.length + 1;
    const axis = normalize(outputAxes[k - states] ?? 0, rank);
    const shape = [...f.shape];
    shape.splice(axis, 0, length);
    return { dataType: f.dataType, shape };
  });
};
