/**
 * Model analysis for `inspect` and the zoo: inputs/outputs, parameters, weight bytes, op histogram,
 * MACs/FLOPs by op type, and a peak activation memory estimate.
 *
 * Shapes come from static inference; symbolic and unknown input dimensions are taken as 1 (one
 * sample). Only if some node's shapes stay unresolved, and `allowRun` is not false, is the model run
 * once in onnxruntime to read them (see run-shapes.ts).
 */

import { maxTensorBytes } from '../util/memory-limits.js';
import { MAC_OPS, type NodeCost, nodeCost } from './compute-cost.js';
import { bytesPerElement, type DataType } from './dtype.js';
import {
  type Dim,
  elementCount,
  type Graph,
  type Model,
  modelInputs,
  type Node,
  type OpsetImport,
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

export interface ModelAnalysis {
  graphName: string;
  producer: string;
  irVersion: number;
  opsets: OpsetImport[];
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  nodeCount: number;
  initializerCount: number;
  /** Trainable parameters as PyTorch counts them (rule in parameters.ts). */
  parameters: number;
  /** Bytes of every initializer (parameters, BN statistics, constants). */
  weightBytes: number;
  /** Node count per op type (domain-qualified outside ai.onnx), most frequent first. */
  opHistogram: Record<string, number>;
  /** For the shapes of one sample: symbolic/unknown input dims taken as 1. */
  compute: {
    macs: number;
    flops: number;
    /** 2 × MACs of Conv/ConvTranspose/Gemm/MatMul — the figure torch's FLOP counter reports. */
    convMatmulFlops: number;
    byOpType: Record<string, OpTypeCost>;
    /** Nodes whose cost could not be computed (unknown shapes). */
    unknownNodes: number;
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

export interface AnalyzeOptions {
  /** Run the model once in onnxruntime when static inference leaves shapes unknown (default true). */
  allowRun?: boolean;
  /** Names the model in errors (its path); default 'the model'. */
  source?: string;
}

/** Analyses a model: static inference first, one onnxruntime run only if shapes remain unknown. */
export async function analyzeModel(model: Model, options: AnalyzeOptions = {}): Promise<ModelAnalysis> {
  const source = options.source ?? 'the model';
  checkGraph(model, source);
  const { inputShapes, notes } = concreteInputShapes(model.graph);
  let result = inferShapes(model, { inputShapes, source });
  let shapeSource: ModelAnalysis['shapeSource'] = 'static';
  const cannotRun = result.unresolved.length > 0 ? whyNotRunnable(model.graph, inputShapes) : undefined;
  if (cannotRun && options.allowRun !== false)
    notes.push(`not run to find the shapes static inference left unknown: ${cannotRun}`);
  if (result.unresolved.length > 0 && options.allowRun !== false && !cannotRun) {
    const { shapesFromRun } = await import('./run-shapes.js');
    const measured = await shapesFromRun(model, result.unresolved, inputShapes, source);
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
    result = inferShapes(withShapes, { inputShapes, source });
    shapeSource = 'static+run';
    notes.push('shapes of some values were read from one onnxruntime run on zero inputs');
  }
  return summarize(model, result.facts, { shapeSource, notes, ...result });
}

/** Static-only analysis (synchronous; unknown shapes stay unknown). */
export function analyzeModelStatic(model: Model, source = 'the model'): ModelAnalysis {
  checkGraph(model, source);
  const { inputShapes, notes } = concreteInputShapes(model.graph);
  const result = inferShapes(model, { inputShapes, source });
  return summarize(model, result.facts, { shapeSource: 'static', notes, ...result });
}

function concreteInputShapes(graph: Graph) {
  const inputShapes: Record<string, number[]> = {};
  const notes: string[] = [];
  for (const input of modelInputs(graph)) {
    if (!input.shape) {
      // Not a scalar: the rank is unknown, and so are the shapes that follow from it.
      notes.push(`input '${input.name}' declares no shape: shapes that depend on it are unknown`);
      continue;
    }
    const shape = input.shape;
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
  },
): ModelAnalysis {
  const graph = model.graph;
  const nodes = sortedNodes(graph);
  const opHistogram: Record<string, number> = {};
  const byOpType: Record<string, OpTypeCost> = {};
  let macs = 0;
  let flops = 0;
  let convMatmulMacs = 0;
  let unknownNodes = 0;
  for (const node of nodes) {
    const key = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType;
    opHistogram[key] = (opHistogram[key] ?? 0) + 1;
    const cost: NodeCost | undefined = nodeCost(
      node,
      node.inputs.map((n) => (n ? facts.get(n) : undefined)),
      node.outputs.map((n) => (n ? facts.get(n) : undefined)),
    );
    byOpType[key] ??= { count: 0, macs: 0, flops: 0 };
    const entry = byOpType[key];
    entry.count++;
    if (!cost) {
      unknownNodes++;
      continue;
    }
    entry.macs += cost.macs;
    entry.flops += cost.flops;
    macs += cost.macs;
    flops += cost.flops;
    if (MAC_OPS.has(node.opType)) convMatmulMacs += cost.macs;
  }
  const weightBytes = [...graph.initializers.values()].reduce(
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
    initializerCount: graph.initializers.size,
    parameters: countParameters(graph).parameters,
    weightBytes,
    opHistogram: Object.fromEntries(Object.entries(opHistogram).sort((a, b) => b[1] - a[1])),
    compute: { macs, flops, convMatmulFlops: 2 * convMatmulMacs, byOpType, unknownNodes },
    peakActivationBytes: peakActivationBytes(graph, nodes, facts),
    shapeSource: extra.shapeSource,
    unresolvedValues: stillUnresolved,
    unsupportedOps: extra.unsupportedOps,
    notes: extra.notes,
  };
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
