/**
 * A step-wise opset upgrader for the ai.onnx domain, like onnx's version_converter: from opset F to
 * T it enters each opset F+1 … T in turn, and at each one rewrites every node whose operator got a
 * new version there (adapters.ts, per history.ts). Nodes an adapter creates are written in the
 * current opset's form and go through the later steps like the others. Subgraphs (If/Loop/Scan
 * bodies) are upgraded at the same steps. The upgrade is all or nothing: when any node cannot be
 * rewritten exactly, the model is left as it was and the result names every op that refused.
 */
import {
  cloneModel,
  createNamer,
  type Graph,
  type Model,
  type Node,
  nodeReads,
  opsetVersion,
  removeUnusedInitializers,
  subgraphsOf,
  topologicalSort,
} from '../ir.js';
import { factsOfTensor, inferNodeOutputs, type TensorFacts } from '../shape-rules.js';
import { createContext, UpgradeRefusal } from './context.js';
import { MAX_UPGRADE_OPSET, OP_HISTORY, SAME, versionAt } from './history.js';

export interface UpgradeRefused {
  /** e.g. `BatchNormalization-6`. */
  op: string;
  node: string;
  why: string;
}

export interface UpgradeResult {
  upgraded: boolean;
  from: number;
  to: number;
  /** Nodes an adapter rewrote (not counting those that only changed version). */
  rewritten: number;
  /** When not upgraded although below `to`: one line naming every refused op. */
  reason?: string;
  refused: UpgradeRefused[];
}

/** The IR version each target opset needs at least (onnx's versioning table). */
function minIrVersion(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  return 7;
}

/** Upgrades the model's ai.onnx opset to `target` in place, or leaves it untouched and says why. */
export function upgradeOpset(model: Model, target: number): UpgradeResult {
  if (target > MAX_UPGRADE_OPSET)
    throw new RangeError(`the opset upgrader reaches opset ${MAX_UPGRADE_OPSET}, not ${target}`);
  const declared = opsetVersion(model);
  const from = declared ?? 1;
  const none: UpgradeResult = { upgraded: false, from, to: target, rewritten: 0, refused: [] };
  if (from >= target) return none;
  const work = cloneModel(model);
  const name = createNamer(work.graph);
  const refused: UpgradeRefused[] = [];
  let rewritten = 0;
  for (let step = from + 1; step <= target; step++) {
    rewritten += upgradeGraph(work, work.graph, true, step, name, refused);
  }
  if (refused.length > 0) {
    const unique = new Map(refused.map((r) => [`${r.op}: ${r.why}`, r]));
    const reason = [...unique.values()].map((r) => `${r.op} (node '${r.node}') ${r.why}`).join('; ');
    return { ...none, reason, refused };
  }
  const onnx = work.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (onnx) onnx.version = target;
  else work.opsetImports.push({ domain: '', version: target });
  work.irVersion = Math.max(work.irVersion, minIrVersion(target));
  tidy(work.graph);
  // In place: callers may hold the graph object.
  const graph = model.graph;
  Object.assign(graph, work.graph);
  Object.assign(model, work, { graph });
  return { upgraded: true, from, to: target, rewritten, refused: [] };
}

function tidy(graph: Graph): void {
  removeUnusedInitializers(graph);
  topologicalSort(graph);
  for (const node of graph.nodes) for (const sub of subgraphsOf(node)) tidy(sub);
}

/** Enters opset `step` in one graph (and its subgraphs); returns how many nodes were rewritten. */
function upgradeGraph(
  model: Model,
  graph: Graph,
  isMain: boolean,
  step: number,
  name: (base: string) => string,
  refused: UpgradeRefused[],
): number {
  let facts: Map<string, TensorFacts> | undefined;
  let readers: Set<string> | undefined;
  let rewritten = 0;
  const out: Node[] = [];
  for (const node of graph.nodes) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      out.push(node);
      upgradeSubgraphs(model, node, step, name, refused);
      continue;
    }
    // consumed_inputs was only an in-place hint, and no op has it from opset 6 on; some exporters
    // left it on version-6 nodes, which onnxruntime then rejects.
    if (step >= 6) delete node.attributes.consumed_inputs;
    const label = node.name || node.outputs[0] || node.opType;
    const history = OP_HISTORY[node.opType];
    const version = history ? versionAt(history, step - 1) : undefined;
    if (!history || version === undefined) {
      // Report an unknown op once, at the first step.
      if (!refused.some((r) => r.node === label))
        refused.push({
          op: `${node.opType}`,
          node: label,
          why: history
            ? `does not exist at opset ${step - 1}`
            : 'is not an ai.onnx operator this upgrader knows',
        });
      out.push(node);
      continue;
    }
    const adapter = history.steps[step];
    if (adapter === undefined || adapter === SAME) {
      out.push(node);
      upgradeSubgraphs(model, node, step, name, refused);
      continue;
    }
    const pending: Node[] = [];
    const ctx = createContext({
      model,
      graph,
      isMain,
      step,
      facts: () => {
        facts ??= graphFacts(graph, step - 1);
        return facts;
      },
      readers: () => {
        readers ??= readValues(graph);
        return readers;
      },
      name,
      pending,
    });
    const original = {
      ...node,
      inputs: [...node.inputs],
      outputs: [...node.outputs],
      attributes: { ...node.attributes },
    };
    try {
      const replacement = adapter(node, ctx) ?? [node];
      out.push(...pending, ...replacement);
      rewritten++;
      for (const n of replacement) upgradeSubgraphs(model, n, step, name, refused);
    } catch (error) {
      if (!(error instanceof UpgradeRefusal)) throw error;
      Object.assign(node, original);
      refused.push({ op: `${node.opType}-${version}`, node: label, why: error.message });
      out.push(node);
    }
  }
  graph.nodes = out;
  return rewritten;
}

function upgradeSubgraphs(
  model: Model,
  node: Node,
  step: number,
  name: (base: string) => string,
  refused: UpgradeRefused[],
): void {
  for (const sub of subgraphsOf(node)) upgradeGraph(model, sub, false, step, name, refused);
}

/** Every value some node (or a subgraph of one) or a graph output reads. */
function readValues(graph: Graph): Set<string> {
  const read = new Set<string>(graph.outputs.map((o) => o.name));
  for (const node of graph.nodes) for (const v of nodeReads(node)) if (v) read.add(v);
  return read;
}

/** Binary ops that broadcast the legacy way before opset 7: the result has A's shape. */
const LEGACY_BROADCAST = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'And',
  'Or',
  'Xor',
  'Equal',
  'Greater',
  'Less',
]);
const COMPARISONS = new Set(['And', 'Or', 'Xor', 'Equal', 'Greater', 'Less']);

/**
 * Static facts (type, shape) of the graph's values at `opset`. Legacy broadcasting and PRelu keep
 * A's shape, which the numpy rules of the shape inference would not give; Tile-1 keeps the rank.
 */
function graphFacts(graph: Graph, opset: number): Map<string, TensorFacts> {
  const facts = new Map<string, TensorFacts>();
  for (const t of graph.initializers.values()) facts.set(t.name, factsOfTensor(t));
  for (const v of [...graph.inputs, ...graph.valueInfo])
    if (!facts.has(v.name)) facts.set(v.name, { dataType: v.dataType, shape: v.shape });
  const declared = new Map(graph.valueInfo.map((v) => [v.name, v]));
  const sorted = { ...graph, nodes: [...graph.nodes] };
  try {
    topologicalSort(sorted);
  } catch {
    return facts;
  }
  for (const node of sorted.nodes) {
    const inputs = node.inputs.map((n) => (n ? facts.get(n) : undefined));
    let outputs: (TensorFacts | undefined)[];
    const legacy = (node.domain === '' || node.domain === 'ai.onnx') && opset < 7;
    if (legacy && (LEGACY_BROADCAST.has(node.opType) || node.opType === 'PRelu')) {
      const x = inputs[0];
      outputs = [{ dataType: COMPARISONS.has(node.opType) ? 'bool' : x?.dataType, shape: x?.shape }];
    } else if (legacy && node.opType === 'Tile') {
      outputs = [{ dataType: inputs[0]?.dataType, shape: inputs[0]?.shape?.map(() => null) }];
    } else {
      try {
        outputs = inferNodeOutputs(node, inputs, { opset });
      } catch {
        outputs = [];
      }
    }
    node.outputs.forEach((name, i) => {
      if (!name) return;
      const inferred = outputs[i];
      const info = declared.get(name);
      facts.set(name, {
        dataType: inferred?.dataType ?? info?.dataType,
        shape: inferred?.shape ?? info?.shape,
      });
    });
  }
  return facts;
}
