/**
 * The int8-static plan: which nodes are quantized (compute ops, or data movement that stays 8-bit),
 * which Relu/Clip fold into a quantized output, which activations get a Q→DQ pair, and which of
 * them share one scale (scale groups). Decisions only; rewrite.ts edits the graph.
 */
import type { DataType } from '../../../onnx/dtype.js';
import {
  attrFloat,
  attrString,
  consumersOf,
  type Model,
  type Node,
  producersOf,
  tensorToNumbers,
  topologicalSort,
} from '../../../onnx/ir.js';
import { constantInitializer, isGraphOutput } from '../../graph-utils.js';
import { inferValueTypes } from '../../value-types.js';
import type { Range } from '../quant-math.js';

/** A node of a quantizable type left in float, with the reason. */
export interface SkippedNode {
  node: string;
  opType: string;
  reason: string;
}

/** What the plan leaves out of quantization. */
export interface PlanOptions {
  /** Node names to leave in float. */
  excludeNodes?: string[];
  /** Op types to leave in float (e.g. ['Add']). */
  excludeOps?: string[];
}

export type Role = 'compute' | 'passthrough';

const COMPUTE_OPS = new Set([
  'Conv',
  'Gemm',
  'MatMul',
  'Add',
  'Mul',
  'Concat',
  'GlobalAveragePool',
  'AveragePool',
]);
const PASSTHROUGH_OPS = new Set([
  'MaxPool',
  'Reshape',
  'Flatten',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Resize',
]);
/** Ops after which a Relu/Clip can be folded into the output quantization. */
const ACTIVATION_HOSTS = new Set(['Conv', 'Gemm', 'MatMul', 'Add', 'Mul']);
/** Outputs of these may stay float when nothing quantized reads them (QGemm / MatMulIntegerToFloat). */
const FLOAT_OUTPUT_OK = new Set(['Gemm', 'MatMul']);

export interface Plan {
  roles: Map<Node, Role>;
  /** Activations to quantize, in the planned graph. */
  tensors: Set<string>;
  /** Removed activations: output name → the clamp it implements. */
  clamps: Map<string, { lo: number; hi: number }>;
  /** Pass-through pairs (input, output) that must share parameters. */
  shared: [string, string][];
  /** Concat nodes whose inputs should share the output's parameters. */
  concats: Node[];
  skipped: SkippedNode[];
  activationsFolded: number;
}

function isFloat32(types: Map<string, DataType>, name: string): boolean {
  return types.get(name) === 'float32';
}

/**
 * Plans the quantization of `model`. Edits it in place as far as the plan needs: the graph is sorted
 * and folded Relu/Clip nodes are removed (their clamp moves into the host's output range).
 */
export function planQuantization(model: Model, options: PlanOptions): Plan {
  const graph = model.graph;
  topologicalSort(graph);
  const types = inferValueTypes(graph);
  const excludedNodes = new Set(options.excludeNodes ?? []);
  const excludedOps = new Set(options.excludeOps ?? []);
  const skipped: Plan['skipped'] = [];
  const isConst = (name: string) => name !== '' && constantInitializer(model, name) !== undefined;
  const isFloatConst = (name: string) =>
    isConst(name) && constantInitializer(model, name)!.dataType === 'float32';
  const label = (n: Node) => n.name || `${n.opType}→${n.outputs[0]}`;

  // 1. Which compute nodes can be quantized.
  const roles = new Map<Node, Role>();
  for (const node of graph.nodes) {
    if (node.domain !== '' || !COMPUTE_OPS.has(node.opType)) continue;
    if (excludedNodes.has(node.name) || excludedOps.has(node.opType)) continue;
    const reason = computeBlocker(node, isFloatConst, isConst, (n) => isFloat32(types, n));
    if (reason) {
      if (node.opType === 'Conv' || node.opType === 'Gemm' || node.opType === 'MatMul')
        skipped.push({ node: label(node), opType: node.opType, reason });
      continue;
    }
    roles.set(node, 'compute');
  }

  // 2. Fold Relu/Clip into the output quantization of a quantized host.
  const clamps = new Map<string, { lo: number; hi: number }>();
  let activationsFolded = 0;
  {
    const producers = producersOf(graph);
    const consumers = consumersOf(graph);
    for (const node of [...graph.nodes]) {
      if (node.domain !== '' || (node.opType !== 'Relu' && node.opType !== 'Clip')) continue;
      if (excludedNodes.has(node.name) || excludedOps.has(node.opType)) continue;
      const t = node.inputs[0];
      const host = producers.get(t);
      if (!host || roles.get(host) !== 'compute' || !ACTIVATION_HOSTS.has(host.opType)) continue;
      if ((consumers.get(t) ?? []).length !== 1 || isGraphOutput(graph, t)) continue;
      const bounds = node.opType === 'Relu' ? { lo: 0, hi: Infinity } : clipBounds(model, node);
      if (!bounds || bounds.lo > 0 || bounds.hi < 0) continue;
      host.outputs = host.outputs.map((o) => (o === t ? node.outputs[0] : o));
      graph.nodes.splice(graph.nodes.indexOf(node), 1);
      clamps.set(node.outputs[0], bounds);
      activationsFolded++;
    }
  }

  // 3. Activations around compute nodes.
  const tensors = new Set<string>();
  const consumers = consumersOf(graph);
  const floatActivation = (name: string) => name !== '' && !isConst(name) && isFloat32(types, name);
  const floatOutputsPending: string[] = [];
  for (const node of graph.nodes) {
    if (roles.get(node) !== 'compute') continue;
    for (const [i, input] of node.inputs.entries()) {
      if (weightInput(node, i)) continue;
      if (floatActivation(input)) tensors.add(input);
    }
    const out = node.outputs[0];
    // A folded Relu/Clip lives in the output's quantization, so that output must be quantized.
    if (FLOAT_OUTPUT_OK.has(node.opType) && !clamps.has(out)) floatOutputsPending.push(out);
    else tensors.add(out);
  }

  // 4. Pass-through ops extend 8-bit chains (sharing their input's parameters); float outputs of
  // Gemm/MatMul are quantized when something quantized reads them. Repeat until stable.
  const shared: [string, string][] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of graph.nodes) {
      if (roles.has(node) || node.domain !== '' || !PASSTHROUGH_OPS.has(node.opType)) continue;
      if (excludedNodes.has(node.name) || excludedOps.has(node.opType)) continue;
      const [x] = node.inputs;
      const y = node.outputs[0];
      if (!tensors.has(x) || !isFloat32(types, y) || !passthroughOk(node)) continue;
      roles.set(node, 'passthrough');
      tensors.add(y);
      shared.push([x, y]);
      changed = true;
    }
    for (let i = floatOutputsPending.length - 1; i >= 0; i--) {
      const out = floatOutputsPending[i];
      const readers = consumers.get(out) ?? [];
      // A data-movement reader counts only when what it produces feeds a quantized op.
      const feedsCompute = (r: Node) =>
        (consumers.get(r.outputs[0]) ?? []).some((c) => roles.get(c) === 'compute');
      const quantizedReader = readers.some(
        (r) =>
          roles.get(r) === 'compute' ||
          (r.domain === '' && PASSTHROUGH_OPS.has(r.opType) && passthroughOk(r) && feedsCompute(r)),
      );
      if (quantizedReader) {
        tensors.add(out);
        floatOutputsPending.splice(i, 1);
        changed = true;
      }
    }
  }
  const concats = graph.nodes.filter((n) => n.opType === 'Concat' && roles.get(n) === 'compute');
  return { roles, tensors, clamps, shared, concats, skipped, activationsFolded };
}

/** Why a compute node cannot be quantized, or undefined when it can. */
function computeBlocker(
  node: Node,
  isFloatConst: (name: string) => boolean,
  isConst: (name: string) => boolean,
  isFloat: (name: string) => boolean,
): string | undefined {
  const [a, b, c] = node.inputs;
  if (!isFloat(node.outputs[0])) return 'output is not float32';
  switch (node.opType) {
    case 'Conv':
      if (!isFloat(a)) return 'input is not float32';
      if (!isFloatConst(b)) return 'weight is not a float32 constant';
      if (c && !isFloatConst(c)) return 'bias is not a float32 constant';
      return undefined;
    case 'Gemm':
      if (!isFloat(a)) return 'input is not float32';
      if (!isFloatConst(b)) return 'weight is not a float32 constant';
      if (c && !isFloatConst(c)) return 'bias is not a float32 constant';
      if (c && (attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1))
        return 'alpha/beta other than 1 with a bias';
      return undefined;
    case 'MatMul':
      if (!isFloat(a) || !isFloat(b)) return 'inputs are not float32';
      if (isConst(a)) return 'the first input is a constant';
      return undefined;
    case 'Add':
    case 'Mul':
      if (!node.inputs.every(isFloat)) return 'inputs are not float32';
      if (node.inputs.every(isConst)) return 'all inputs are constant';
      return undefined;
    case 'Concat':
      if (!node.inputs.every((i) => isFloat(i) && !isConst(i))) return 'inputs are not float32 activations';
      return undefined;
    default:
      return isFloat(a) ? undefined : 'input is not float32';
  }
}

/** Inputs that are weights (quantized as constants, not as activations). */
function weightInput(node: Node, index: number): boolean {
  if (node.opType === 'Conv' || node.opType === 'Gemm') return index >= 1;
  return false;
}

function passthroughOk(node: Node): boolean {
  if (node.opType === 'MaxPool') return !node.outputs[1];
  if (node.opType === 'Resize') {
    const mode = attrString(node, 'mode', 'nearest');
    return mode === 'nearest' || mode === 'linear';
  }
  return true;
}

function clipBounds(model: Model, node: Node): { lo: number; hi: number } | undefined {
  const bound = (index: number, attrName: string, fallback: number): number | undefined => {
    const name = node.inputs[index];
    if (name) {
      const t = constantInitializer(model, name);
      return t ? tensorToNumbers(t)[0] : undefined;
    }
    return attrFloat(node, attrName, fallback);
  };
  const lo = bound(1, 'min', -Infinity);
  const hi = bound(2, 'max', Infinity);
  return lo === undefined || hi === undefined ? undefined : { lo, hi };
}

// Scale groups: tensors whose Q/DQ share one scale and zero point.

export interface Groups {
  root: (name: string) => string;
  ranges: Map<string, Range>;
}

/** Scale groups over the planned tensors, each with the union of its members' calibrated ranges. */
export function buildGroups(plan: Plan, ranges: Map<string, Range>): Groups {
  const parent = new Map<string, string>();
  const root = (name: string): string => {
    let r = name;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(name, r);
    return r;
  };
  const groupRange = new Map<string, Range>();
  const clampOf = new Map<string, { lo: number; hi: number }>();
  for (const name of plan.tensors) {
    parent.set(name, name);
    const r = ranges.get(name) ?? { min: 0, max: 0 };
    groupRange.set(name, { min: r.min, max: r.max });
    const clamp = plan.clamps.get(name);
    if (clamp) clampOf.set(name, clamp);
  }
  const merge = (a: string, b: string, checkClamps: boolean): boolean => {
    const ra = root(a);
    const rb = root(b);
    if (ra === rb) return true;
    const x = groupRange.get(ra)!;
    const y = groupRange.get(rb)!;
    const merged = { min: Math.min(x.min, y.min), max: Math.max(x.max, y.max) };
    const clamps = [clampOf.get(ra), clampOf.get(rb)].filter((c) => c !== undefined);
    const lo = Math.max(...clamps.map((c) => c.lo), -Infinity);
    const hi = Math.min(...clamps.map((c) => c.hi), Infinity);
    if (checkClamps && (Math.min(merged.min, 0) < lo || Math.max(merged.max, 0) > hi)) return false;
    parent.set(rb, ra);
    groupRange.set(ra, merged);
    if (clamps.length > 0) clampOf.set(ra, { lo, hi });
    return true;
  };
  // Pass-through outputs never leave their input's range: always share.
  for (const [x, y] of plan.shared) merge(x, y, false);
  // Concat: share when every clamp (removed Relu/Clip) in the group still holds over the union.
  for (const concat of plan.concats) {
    const members = [...concat.inputs, concat.outputs[0]].filter((n) => plan.tensors.has(n));
    const snapshot = new Map(parent);
    const rangesSnapshot = new Map(groupRange);
    const clampSnapshot = new Map(clampOf);
    let ok = true;
    for (const m of members.slice(1)) ok = ok && merge(members[0], m, true);
    if (!ok) {
      parent.clear();
      for (const [k, v] of snapshot) parent.set(k, v);
      groupRange.clear();
      for (const [k, v] of rangesSnapshot) groupRange.set(k, v);
      clampOf.clear();
      for (const [k, v] of clampSnapshot) clampOf.set(k, v);
    }
  }
  const rootRanges = new Map<string, Range>();
  for (const name of plan.tensors) {
    const r = root(name);
    rootRanges.set(r, groupRange.get(r)!);
  }
  return { root, ranges: rootRanges };
}
