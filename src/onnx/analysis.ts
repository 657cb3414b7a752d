/**
 * Model analysis for `inspect` and the zoo: inputs/outputs, parameters, weight bytes, op histogram,
 * MACs/FLOPs by op type, and a peak activation memory estimate.
 *
 * Shapes come from static inference; symbolic and unknown input dimensions are taken as 1 (one
 * sample). Only if some node's shapes stay unresolved, and `allowRun` is not false, is the model run
 * once to read them (a ShapeRunner the caller passes: onnxruntime's is in engines/ort-shapes.ts).
 */

import { maxTensorBytes } from '../util/memory-limits.js';
import { INTEGER_MAC_OPS, MAC_OPS, type NodeCost, nodeCost } from './compute-cost.js';
import { ifBranchTaken, isControlFlow, loopTrips, scanLength } from './control-flow.js';
import { bytesPerElement, type DataType } from './dtype.js';
import {
  type Dim,
  elementCount,
  type Graph,
  type Model,
  modelInputs,
  type Node,
  type OpsetImport,
  producersOf,
  subgraphsOf,
  type Tensor,
  topologicalSort,
} from './ir.js';
import { countParameters } from './parameters.js';
import { inferShapes, isResolved } from './shape-inference.js';
import type { TensorFacts } from './shape-rules.js';
import { checkGraph } from './validate.js';

export interface TensorSummary {
  name: string;
  dataType?: DataType;
  /** As declared (symbolic dimensions are kept as names). */
  shape?: Dim[];
}

export interface OpTypeCost {
  count: number;
  macs: number;
  flops: number;
}

/** How the subgraphs of one control-flow node (If, Loop, Scan) entered the totals. */
export interface ControlFlowCount {
  node: string;
  opType: string;
  /** Cost of one run of each subgraph (nested control flow included). */
  subgraphs: { attribute: string; macs: number; flops: number }[];
  /** What was counted, in words: "then_branch (condition known: true)", "body × 16 iterations", … */
  counted: string;
  /** Runs of the counted subgraph; 1 for an If, iterations for a Loop, the scan length for a Scan. */
  multiplier: number;
  /** False where the count is a bound or one iteration of an unknown count (see `counted`). */
  exact: boolean;
  macs: number;
  flops: number;
}
export interface ModelAnalysis {
  graphName: string;
  producer: string;
  irVersion: number;
  opsets: OpsetImport[];
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  nodeCount: number;
  /** Nodes inside subgraphs (If branches, Loop/Scan bodies), at any depth. */
  subgraphNodeCount: number;
  initializerCount: number;
  /** Trainable parameters as PyTorch counts them (rule in parameters.ts). */
  parameters: number;
  /** Bytes of every initializer (parameters, BN statistics, constants), subgraphs' included. */
  weightBytes: number;
  /** Node count per op type (domain-qualified outside ai.onnx; subgraph nodes included), most frequent first. */
  opHistogram: Record<string, number>;
  /** For the shapes of one sample: symbolic/unknown input dims taken as 1. */
  compute: {
    macs: number;
    flops: number;
    /** 2 × MACs of Conv/ConvTranspose/Gemm/MatMul — the figure torch's FLOP counter reports. */
    convMatmulFlops: number;
    byOpType: Record<string, OpTypeCost>;
    /**
     * Of `flops`, the operations of integer multiply-accumulates: QLinearConv, ConvInteger,
     * MatMulInteger, QLinearMatMul, and Conv/Gemm/MatMul whose data and weight inputs both come
     * from DequantizeLinear of 8-bit values (QDQ, which onnxruntime runs as integer kernels).
     */
    integerOps: number;
    /** Nodes whose cost could not be computed (unknown shapes). */
    unknownNodes: number;
    /** If/Loop/Scan nodes: how their subgraphs were counted (their nodes are in the totals and byOpType). */
    controlFlow: ControlFlowCount[];
  };
  /**
   * Largest total size of intermediate tensors alive at once, executing nodes in graph order and
   * freeing each value after its last reader (no in-place reuse, no operator workspaces).
   */
  peakActivationBytes: number;
  shapeSource: 'static' | 'static+run';
  /** Node outputs whose shapes stayed unknown. */
  unresolvedValues: string[];
  /** Op types without a static shape rule. */
  unsupportedOps: string[];
  /** Assumptions that affect the figures, in words. */
  notes: string[];
}

/** The shape of one value, as a run of the model found it. */
export interface RunShape {
  dataType: DataType;
  shape: number[];
}

/**
 * Runs the model once on inputs of `inputShapes` and reads the shapes of `values` (a runtime's job:
 * onnxruntime's is `shapesFromRun` in engines/ort-shapes.ts, passed in by the layers above).
 */
export type ShapeRunner = (
  model: Model,
  values: string[],
  inputShapes: Record<string, number[]>,
  source: string,
) => Promise<Map<string, RunShape>>;

export interface AnalyzeOptions {
  /** Run the model once (with `runShapes`) when static inference leaves shapes unknown (default true). */
  allowRun?: boolean;
  /** What runs the model for shapes; without it, shapes static inference leaves unknown stay unknown. */
  runShapes?: ShapeRunner;
  /**
   * Shapes of the inputs (the run's, or what a user bound); dimensions still symbolic, and inputs
   * not named here, are taken as 1.
   */
  inputShapes?: Record<string, Dim[]>;
  /** Values of small inputs (a scalar that selects an If branch), so what depends on them is known. */
  inputValues?: Record<string, number[]>;
  /** Names the model in errors (its path); default 'the model'. */
  source?: string;
}

/** Analyses a model: static inference first, one onnxruntime run only if shapes remain unknown. */
export async function analyzeModel(model: Model, options: AnalyzeOptions = {}): Promise<ModelAnalysis> {
  const source = options.source ?? 'the model';
  checkGraph(model, source);
  const { inputShapes, notes } = concreteInputShapes(model.graph, options.inputShapes);
  const inputValues = options.inputValues;
  let result = inferShapes(model, { inputShapes, inputValues, source });
  let shapeSource: ModelAnalysis['shapeSource'] = 'static';
  const cannotRun = result.unresolved.length > 0 ? whyNotRunnable(model.graph, inputShapes) : undefined;
  const runShapes = options.allowRun !== false ? options.runShapes : undefined;
  if (cannotRun && runShapes)
    notes.push(`not run to find the shapes static inference left unknown: ${cannotRun}`);
  if (result.unresolved.length > 0 && runShapes && !cannotRun) {
    const measured = await runShapes(model, result.unresolved, inputShapes, source);
    const withShapes: Model = {
      ...model,
      graph: {
        ...model.graph,
        valueInfo: [
          ...model.graph.valueInfo,
          ...[...measured].map(([name, s]) => ({ name, dataType: s.dataType, shape: s.shape })),
        ],
      },
    };
    result = inferShapes(withShapes, { inputShapes, inputValues, source });
    shapeSource = 'static+run';
    notes.push('shapes of some values were read from one onnxruntime run on zero inputs');
  }
  return summarize(model, result.facts, { shapeSource, notes, ...result });
}

/** Static-only analysis (synchronous; unknown shapes stay unknown). */
export function analyzeModelStatic(
  model: Model,
  options: Pick<AnalyzeOptions, 'inputShapes' | 'inputValues' | 'source'> = {},
): ModelAnalysis {
  const source = options.source ?? 'the model';
  checkGraph(model, source);
  const { inputShapes, notes } = concreteInputShapes(model.graph, options.inputShapes);
  const result = inferShapes(model, { inputShapes, inputValues: options.inputValues, source });
  return summarize(model, result.facts, { shapeSource: 'static', notes, ...result });
}

function concreteInputShapes(graph: Graph, given: Record<string, Dim[]> = {}) {
  const inputShapes: Record<string, number[]> = {};
  const notes: string[] = [];
  for (const input of modelInputs(graph)) {
    const shape = given[input.name] ?? input.shape;
    if (!shape) {
      // Not a scalar: the rank is unknown, and so are the shapes that follow from it.
      notes.push(`input '${input.name}' declares no shape: shapes that depend on it are unknown`);
      continue;
    }
    inputShapes[input.name] = shape.map((d) => (typeof d === 'number' ? d : 1));
    const symbolic = shape.filter((d) => typeof d !== 'number');
    if (symbolic.length > 0) {
      notes.push(
        `input '${input.name}': dimension(s) ${symbolic.map((d) => d ?? '?').join(', ')} taken as 1`,
      );
    }
  }
  return { inputShapes, notes };
}

/** Why the model cannot be run on zero inputs to read shapes (an input without a shape, or too big), if it cannot. */
function whyNotRunnable(graph: Graph, inputShapes: Record<string, number[]>): string | undefined {
  for (const input of modelInputs(graph)) {
    const dims = inputShapes[input.name];
    if (!dims) return `input '${input.name}' declares no shape`;
    if (dims.some((d) => !Number.isSafeInteger(d) || d < 0))
      return `input '${input.name}' declares the shape [${dims.join(', ')}]`;
    const bytes = elementCount(dims) * (input.dataType ? bytesPerElement(input.dataType) : 1);
    if (bytes > maxTensorBytes())
      return `input '${input.name}' of shape ${dims.join('x')} would not fit in memory`;
  }
  return undefined;
}

function summarize(
  model: Model,
  facts: Map<string, TensorFacts>,
  extra: {
    shapeSource: ModelAnalysis['shapeSource'];
    notes: string[];
    unresolved: string[];
    unsupportedOps: string[];
    subgraphFacts: Map<Graph, Map<string, TensorFacts>>;
  },
): ModelAnalysis {
  const graph = model.graph;
  const nodes = sortedNodes(graph);
  const opHistogram: Record<string, number> = {};
  let subgraphNodeCount = 0;
  const initializers: Tensor[] = [];
  const countNodes = (g: Graph, nested: boolean) => {
    initializers.push(...g.initializers.values());
    for (const node of g.nodes) {
      opHistogram[opKey(node)] = (opHistogram[opKey(node)] ?? 0) + 1;
      if (nested) subgraphNodeCount++;
      for (const sub of subgraphsOf(node)) countNodes(sub, true);
    }
  };
  countNodes(graph, false);
  const controlFlow: ControlFlowCount[] = [];
  const cost = graphCost(graph, nodes, facts, { subgraphFacts: extra.subgraphFacts, controlFlow });
  const weightBytes = initializers.reduce(
    (sum, t) => sum + elementCount(t.dims) * bytesPerElement(t.dataType),
    0,
  );
  const stillUnresolved = extra.unresolved.filter((name) => !isResolved(facts.get(name)?.shape));
  return {
    graphName: graph.name,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    irVersion: model.irVersion,
    opsets: model.opsetImports,
    inputs: modelInputs(graph).map(summary),
    outputs: graph.outputs.map(summary),
    nodeCount: graph.nodes.length,
    subgraphNodeCount,
    initializerCount: initializers.length,
    parameters: countParameters(graph).parameters,
    weightBytes,
    opHistogram: Object.fromEntries(Object.entries(opHistogram).sort((a, b) => b[1] - a[1])),
    compute: {
      macs: cost.macs,
      flops: cost.flops,
      convMatmulFlops: 2 * cost.convMatmulMacs,
      byOpType: cost.byOpType,
      integerOps: cost.integerOps,
      unknownNodes: cost.unknownNodes,
      controlFlow,
    },
    peakActivationBytes: peakActivationBytes(graph, nodes, facts),
    shapeSource: extra.shapeSource,
    unresolvedValues: stillUnresolved,
    unsupportedOps: extra.unsupportedOps,
    notes: extra.notes,
  };
}

function opKey(node: Node): string {
  return node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType;
}

/** The cost of one run of a graph (control-flow nodes counted as ControlFlowCount says). */
interface GraphCost {
  macs: number;
  flops: number;
  integerOps: number;
  convMatmulMacs: number;
  unknownNodes: number;
  byOpType: Record<string, OpTypeCost>;
}

interface CostContext {
  subgraphFacts: Map<Graph, Map<string, TensorFacts>>;
  controlFlow: ControlFlowCount[];
}

function emptyCost(): GraphCost {
  return { macs: 0, flops: 0, integerOps: 0, convMatmulMacs: 0, unknownNodes: 0, byOpType: {} };
}

/** Adds `k` runs of `b` into `a`; node counts in byOpType are added once (they are nodes, not runs). */
function addCost(a: GraphCost, b: GraphCost, k: number): void {
  a.macs += k * b.macs;
  a.flops += k * b.flops;
  a.integerOps += k * b.integerOps;
  a.convMatmulMacs += k * b.convMatmulMacs;
  a.unknownNodes += b.unknownNodes;
  for (const [op, c] of Object.entries(b.byOpType)) {
    const entry = a.byOpType[op] ?? { count: 0, macs: 0, flops: 0 };
    a.byOpType[op] = entry;
    entry.count += c.count;
    entry.macs += k * c.macs;
    entry.flops += k * c.flops;
  }
}

/** A QDQ Conv/Gemm/MatMul: both its data and weight inputs dequantized from 8-bit values. */
function isQdqInteger(node: Node, producers: Map<string, Node>, facts: Map<string, TensorFacts>): boolean {
  if (node.opType !== 'Conv' && node.opType !== 'Gemm' && node.opType !== 'MatMul') return false;
  return [node.inputs[0], node.inputs[1]].every((name) => {
    const p = name ? producers.get(name) : undefined;
    if (p?.opType !== 'DequantizeLinear') return false;
    const t = facts.get(p.inputs[0])?.dataType;
    return t === 'int8' || t === 'uint8';
  });
}

function graphCost(
  graph: Graph,
  nodes: Node[],
  facts: Map<string, TensorFacts>,
  ctx: CostContext,
): GraphCost {
  const total = emptyCost();
  const producers = producersOf(graph);
  for (const node of nodes) {
    const key = opKey(node);
    const entry = total.byOpType[key] ?? { count: 0, macs: 0, flops: 0 };
    total.byOpType[key] = entry;
    entry.count++;
    if (isControlFlow(node)) {
      addCost(total, controlFlowCost(node, facts, ctx), 1);
      continue;
    }
    const cost: NodeCost | undefined = nodeCost(
      node,
      node.inputs.map((n) => (n ? facts.get(n) : undefined)),
      node.outputs.map((n) => (n ? facts.get(n) : undefined)),
    );
    if (!cost) {
      total.unknownNodes++;
      continue;
    }
    entry.macs += cost.macs;
    entry.flops += cost.flops;
    total.macs += cost.macs;
    total.flops += cost.flops;
    if (MAC_OPS.has(node.opType)) total.convMatmulMacs += cost.macs;
    if (INTEGER_MAC_OPS.has(node.opType) || isQdqInteger(node, producers, facts))
      total.integerOps += 2 * cost.macs;
  }
  return total;
}

/** One run of a subgraph, with the facts its inference found. */
function subgraphCost(sub: Graph, ctx: CostContext): GraphCost {
  const facts = ctx.subgraphFacts.get(sub) ?? new Map<string, TensorFacts>();
  return graphCost(sub, sortedNodes(sub), facts, ctx);
}

function graphAttribute(node: Node, name: string): Graph | undefined {
  const a = node.attributes[name];
  return a?.type === 'graph' ? a.value : undefined;
}

/**
 * An If counts the branch its condition selects when that is known statically (a constant, or an
 * input value given), else the costlier branch (an upper bound). A Loop counts its body × the trip
 * count when known (an upper bound when a condition can stop it sooner), else one iteration. A Scan
 * counts its body × the scan length.
 */
function controlFlowCost(node: Node, facts: Map<string, TensorFacts>, ctx: CostContext): GraphCost {
  const inputs = node.inputs.map((n) => (n ? facts.get(n) : undefined));
  const record = (
    subgraphs: { attribute: string; cost: GraphCost }[],
    chosen: GraphCost,
    multiplier: number,
    counted: string,
    exact: boolean,
  ): GraphCost => {
    const result = emptyCost();
    addCost(result, chosen, multiplier);
    ctx.controlFlow.push({
      node: node.name,
      opType: node.opType,
      subgraphs: subgraphs.map((s) => ({ attribute: s.attribute, macs: s.cost.macs, flops: s.cost.flops })),
      counted,
      multiplier,
      exact,
      macs: result.macs,
      flops: result.flops,
    });
    return result;
  };
  if (node.opType === 'If') {
    const thenGraph = graphAttribute(node, 'then_branch');
    const elseGraph = graphAttribute(node, 'else_branch');
    if (!thenGraph || !elseGraph) return { ...emptyCost(), unknownNodes: 1 };
    const branches = [
      { attribute: 'then_branch', cost: subgraphCost(thenGraph, ctx) },
      { attribute: 'else_branch', cost: subgraphCost(elseGraph, ctx) },
    ];
    const taken = ifBranchTaken(inputs[0]);
    if (taken) {
      const chosen = branches.find((b) => b.attribute === taken)!;
      // Nodes of the branch not taken are not counted, nor are their unknown costs.
      return record(
        branches,
        chosen.cost,
        1,
        `${taken} (its condition is known: ${taken === 'then_branch'})`,
        true,
      );
    }
    const costlier = branches[1].cost.flops > branches[0].cost.flops ? branches[1] : branches[0];
    return record(
      branches,
      costlier.cost,
      1,
      `the costlier branch, ${costlier.attribute} (the condition is decided at run time; an upper bound)`,
      false,
    );
  }
  const body = graphAttribute(node, 'body');
  if (!body) return { ...emptyCost(), unknownNodes: 1 };
  const cost = subgraphCost(body, ctx);
  const subgraphs = [{ attribute: 'body', cost }];
  if (node.opType === 'Loop') {
    const { trips, exact } = loopTrips(node, inputs);
    if (trips === undefined)
      return record(
        subgraphs,
        cost,
        1,
        'body × 1: one iteration (the trip count is not known statically)',
        false,
      );
    return record(
      subgraphs,
      cost,
      trips,
      `body × ${trips} iteration${trips === 1 ? '' : 's'}${exact ? '' : ' (at most: a condition can stop it sooner)'}`,
      exact,
    );
  }
  const length = scanLength(node, inputs);
  if (length === undefined)
    return record(subgraphs, cost, 1, 'body × 1: one step (the scan length is not known statically)', false);
  return record(subgraphs, cost, length, `body × ${length} (the scan length)`, true);
}

function summary(v: { name: string; dataType?: DataType; shape?: Dim[] }): TensorSummary {
  return { name: v.name, dataType: v.dataType, shape: v.shape };
}

function sortedNodes(graph: Graph): Node[] {
  const copy = { ...graph, nodes: [...graph.nodes] };
  topologicalSort(copy);
  return copy.nodes;
}

function valueBytes(f: TensorFacts | undefined): number {
  if (!f?.shape || !f.dataType || !f.shape.every((d): d is number => typeof d === 'number')) return 0;
  return elementCount(f.shape) * bytesPerElement(f.dataType);
}

/** Simulates execution in order, allocating outputs and freeing values after their last reader. */
export function peakActivationBytes(graph: Graph, nodes: Node[], facts: Map<string, TensorFacts>): number {
  const lastUse = new Map<string, number>();
  nodes.forEach((node, i) => {
    for (const name of node.inputs) if (name) lastUse.set(name, i);
  });
  const keep = new Set(graph.outputs.map((o) => o.name));
  let live = 0;
  for (const input of modelInputs(graph)) live += valueBytes(facts.get(input.name));
  let peak = live;
  const liveValues = new Set(modelInputs(graph).map((i) => i.name));
  nodes.forEach((node, i) => {
    if (node.opType === 'Constant') return;
    for (const out of node.outputs) {
      if (!out) continue;
      live += valueBytes(facts.get(out));
      liveValues.add(out);
    }
    peak = Math.max(peak, live);
    for (const name of new Set([...node.inputs, ...node.outputs])) {
      if (!liveValues.has(name) || keep.has(name)) continue;
      if ((lastUse.get(name) ?? -1) <= i) {
        live -= valueBytes(facts.get(name));
        liveValues.delete(name);
      }
    }
  });
  return peak;
}
