/**
 * Static QDQ quantization, shaped for onnxruntime's CPU fusions:
 * - Conv, Gemm and MatMul get QuantizeLinear→DequantizeLinear on their input activation, a
 *   DequantizeLinear on int8 per-channel symmetric weights and on an int32 bias (scale =
 *   input scale × weight scale, zero point 0), and Q→DQ on their output — the pattern
 *   onnxruntime turns into QLinearConv / QGemm / QLinearMatMul.
 * - Add, Mul, Concat, GlobalAveragePool and AveragePool are quantized (QLinearAdd, …).
 * - Relu and Clip(lo ≤ 0 ≤ hi) right after a quantized op are removed: the output's Q, whose
 *   range starts at 0 (zero point at the type's minimum), clamps exactly as they did.
 * - Data-movement ops (MaxPool, Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Resize) share
 *   their input's scale, so onnxruntime drops their Q/DQ and runs them on 8-bit data; Concat's
 *   inputs share its output scale, so no input is requantized.
 * Everything else stays float; a Q/DQ pair marks each border.
 */
import { UserError } from '../../errors.js';
import type { DataType } from '../../onnx/dtype.js';
import {
  attr,
  attrFloat,
  attrInt,
  attrString,
  cloneGraph,
  cloneModel,
  consumersOf,
  createTensor,
  type Graph,
  type Model,
  type Node,
  opsetVersion,
  producersOf,
  type Tensor,
  tensorToFloat32,
  tensorToNumbers,
  topologicalSort,
} from '../../onnx/ir.js';
import type { Sample } from '../calibration-data.js';
import {
  constantInitializer,
  createNamer,
  ensureOpset,
  isGraphOutput,
  makeNode,
  replaceUses,
  tidyGraph,
} from '../graph-utils.js';
import { QUANTIZATION_OPSET, upgradeOpset } from '../opset-upgrade.js';
import { inferValueTypes } from '../value-types.js';
import { type CalibrationSettings, calibrateRanges } from './calibration.js';
import { int8PairsSaturateHere } from './host-int8.js';
import {
  activationParams,
  type QuantParams,
  type QuantType,
  qRange,
  quantizeBias,
  quantizeValue,
  quantizeWeights,
  type Range,
} from './quant-math.js';
import { analyzeSensitivity, type SensitivityResult } from './sensitivity.js';

export interface StaticQuantOptions {
  activationType?: QuantType;
  calibration: CalibrationSettings;
  samples: Sample[];
  /** Per-channel weight scales (default true). */
  perChannel?: boolean;
  /** Node names to leave in float. */
  excludeNodes?: string[];
  /** Op types to leave in float (e.g. ['Add']). */
  excludeOps?: string[];
  /**
   * Mixed precision: when the fully quantized model's outputs would fall below this SNR (dB)
   * against float, the ops whose quantization costs the most stay float until the prediction
   * meets it (see sensitivity.ts). Off when undefined.
   */
  minSnrDb?: number;
  /**
   * 7-bit weights in [-63, 63]. On x86 CPUs without VNNI, onnxruntime's u8×s8 kernels add pairs of
   * products in 16 bits, which saturate with full-range weights; 7 bits cannot. 'auto' (default):
   * only when this machine is such a CPU (the model is meant to run where it is made).
   */
  reduceRange?: boolean | 'auto';
  /** Calibration samples the sensitivity analysis runs on (default 2). */
  sensitivitySamples?: number;
  warn?: (message: string) => void;
}

export interface StaticQuantReport {
  /** Quantized nodes by op type. */
  quantized: Record<string, number>;
  /** Relu/Clip nodes whose clamping moved into the quantization of their input. */
  activationsFolded: number;
  /** Activations quantized, and how many distinct scale groups they share. */
  activations: number;
  scaleGroups: number;
  /** Nodes of quantizable types left in float, with the reason. */
  skipped: { node: string; opType: string; reason: string }[];
  /** Channels whose weight scale was raised so the int32 bias fits. */
  biasAdjustedChannels: number;
  notes: string[];
  /** Present when `minSnrDb` was set. SNRs are of the worst output, on calibration samples. */
  sensitivity?: {
    targetSnrDb: number;
    allQuantizedSnrDb: number;
    predictedSnrDb: number;
    /** Node names left in float. */
    keptFloat: string[];
  };
}

type Role = 'compute' | 'passthrough';

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

interface Plan {
  roles: Map<Node, Role>;
  /** Activations to quantize, in the planned graph. */
  tensors: Set<string>;
  /** Removed activations: output name → the clamp it implements. */
  clamps: Map<string, { lo: number; hi: number }>;
  /** Pass-through pairs (input, output) that must share parameters. */
  shared: [string, string][];
  /** Concat nodes whose inputs should share the output's parameters. */
  concats: Node[];
  skipped: StaticQuantReport['skipped'];
  activationsFolded: number;
}

/** Quantizes `model` in place. The caller folds BatchNorm and constants first (the `fuse` pass). */
export async function quantizeStatic(model: Model, options: StaticQuantOptions): Promise<StaticQuantReport> {
  if (options.samples.length === 0)
    throw new UserError('the calibration set is empty: give at least one sample (--calib-count ≥ 1)');
  const activationType = options.activationType ?? 'uint8';
  const perChannel = options.perChannel ?? true;
  const notes: string[] = [];
  // Per-channel Q/DQ need opset 13 (QuantizeLinear itself 10): upgrade older models first.
  const startOpset = opsetVersion(model) ?? 17;
  if (startOpset < 10 || (perChannel && startOpset < 13)) {
    const upgrade = upgradeOpset(model);
    if (upgrade.upgraded)
      notes.push(`upgraded the model from opset ${upgrade.from} to ${QUANTIZATION_OPSET}`);
    else if (startOpset < 10)
      throw new UserError(
        `int8-static needs ONNX opset ≥ 10 and this model imports opset ${startOpset}; edgebench ${upgrade.reason}: convert the model to a newer opset first`,
      );
  }
  const opset = opsetVersion(model) ?? 17;
  // Per-channel DequantizeLinear (the axis attribute) arrived in opset 13; onnxruntime's own
  // com.microsoft DequantizeLinear has it at any opset, and its QDQ fusions accept both.
  // Below opset 10 there is no QuantizeLinear at all: activations use the com.microsoft ops too.
  const weightDomain = (perChannel && opset < 13) || opset < 10 ? 'com.microsoft' : '';
  const activationDomain = opset < 10 ? 'com.microsoft' : '';
  if (activationDomain)
    notes.push(
      `opset ${opset} < 10: Q/DQ use com.microsoft.QuantizeLinear/DequantizeLinear (onnxruntime-specific)`,
    );
  else if (weightDomain)
    notes.push(
      `opset ${opset} < 13: per-channel weights use com.microsoft.DequantizeLinear (onnxruntime-specific)`,
    );

  const reduceRange =
    options.reduceRange === undefined || options.reduceRange === 'auto'
      ? (int8PairsSaturateHere() ?? false)
      : options.reduceRange;
  if (reduceRange && options.reduceRange !== true)
    notes.push(
      'weights use 7 bits: this x86 CPU has no VNNI, and onnxruntime’s int8 kernels saturate with 8-bit weights on it (set reduceRange: false / --no-reduce-range for a VNNI or Arm target)',
    );

  // Ranges depend only on the float graph and the samples, so they are computed once per tensor.
  const rangeCache = new Map<string, Range>();
  const calibrate = async (graph: Graph, tensors: Set<string>) => {
    const missing = [...tensors].filter((t) => !rangeCache.has(t));
    if (missing.length > 0) {
      const list = missing.map((name) => ({ name, dataType: 'float32' as DataType }));
      const found = await calibrateRanges({ ...model, graph }, list, options.samples, options.calibration);
      for (const [name, range] of found) rangeCache.set(name, range);
    }
    return rangeCache;
  };

  let sensitivity: StaticQuantReport['sensitivity'];

  if (options.minSnrDb !== undefined && !activationDomain) {
    const result = await sensitivityOf(model, options, options.minSnrDb, false, calibrate);
    if (result) {
      sensitivity = {
        targetSnrDb: options.minSnrDb,
        allQuantizedSnrDb: result.allQuantizedSnrDb,
        predictedSnrDb: result.predictedSnrDb,
        keptFloat: result.keepFloat,
      };
      if (result.keepFloat.length > 0)
        options = { ...options, excludeNodes: [...(options.excludeNodes ?? []), ...result.keepFloat] };
    }
  }

  const original = cloneGraph(model.graph);
  const plan = planQuantization(model, options);
  if (plan.tensors.size === 0) {
    options.warn?.(
      'int8-static: no op in this model can be quantized (Conv, Gemm, MatMul with float weights, …)',
    );
    return {
      quantized: {},
      activationsFolded: 0,
      activations: 0,
      scaleGroups: 0,
      skipped: plan.skipped,
      biasAdjustedChannels: 0,
      notes,
      ...(sensitivity ? { sensitivity } : {}),
    };
  }

  // Calibrate on the float graph as it was (removed activations included, so their outputs exist).
  const ranges = await calibrate(original, plan.tensors);

  const groups = buildGroups(plan, ranges);
  const params = new Map<string, QuantParams>();
  for (const [root, range] of groups.ranges) params.set(root, activationParams(range, activationType));

  const report = rewrite(model, plan, groups, params, {
    activationType,
    perChannel,
    weightDomain,
    activationDomain,
    reduceRange,
  });
  if (weightDomain || activationDomain) ensureOpset(model, 'com.microsoft', 1);
  tidyGraph(model.graph);
  return {
    ...report,
    activationsFolded: plan.activationsFolded,
    activations: plan.tensors.size,
    scaleGroups: groups.ranges.size,
    skipped: plan.skipped,
    notes,
    ...(sensitivity ? { sensitivity } : {}),
  };
}

type Calibrate = (graph: Graph, tensors: Set<string>) => Promise<Map<string, Range>>;

/**
 * The sensitivity analysis on the plan `options` make for `model` (left unchanged): undefined when
 * the plan quantizes nothing.
 */
async function sensitivityOf(
  model: Model,
  options: StaticQuantOptions,
  minSnrDb: number,
  rankAll: boolean,
  calibrate: Calibrate,
): Promise<SensitivityResult | undefined> {
  const activationType = options.activationType ?? 'uint8';
  const probe = cloneModel(model);
  const probeOriginal = cloneGraph(probe.graph);
  const probePlan = planQuantization(probe, options);
  if (probePlan.tensors.size === 0) return undefined;
  const ranges = await calibrate(probeOriginal, probePlan.tensors);
  const groups = buildGroups(probePlan, ranges);
  const tensorParams = new Map<string, QuantParams>();
  for (const t of probePlan.tensors)
    tensorParams.set(t, activationParams(groups.ranges.get(groups.root(t))!, activationType));
  const ops = new Map<string, string[]>();
  for (const [node, role] of probePlan.roles) {
    if (role !== 'compute' || !node.name) continue;
    ops.set(
      node.name,
      [...node.inputs, ...node.outputs].filter((n) => probePlan.tensors.has(n)),
    );
  }
  return analyzeSensitivity({
    model: { ...probe, graph: probeOriginal },
    params: tensorParams,
    activationType,
    ops,
    samples: options.samples.slice(0, options.sensitivitySamples ?? 2),
    minSnrDb,
    rankAll,
  });
}

/**
 * Every op int8-static would quantize in `model` (a fused float model, left unchanged), ranked by
 * how much its quantization alone costs the output SNR, noisiest first — for a caller that searches
 * how many of them to keep in float (mixed precision) against its own fidelity criterion. The node
 * names are those `excludeNodes` takes when the same model is quantized with the same options.
 */
export async function rankQuantizationSensitivity(
  model: Model,
  options: StaticQuantOptions,
): Promise<SensitivityResult> {
  if (options.samples.length === 0)
    throw new UserError('the calibration set is empty: give at least one sample (--calib-count ≥ 1)');
  const work = cloneModel(model);
  // The same opset upgrade as quantizeStatic, so the plan (and the node names) are the same.
  const startOpset = opsetVersion(work) ?? 17;
  if (startOpset < 10 || ((options.perChannel ?? true) && startOpset < 13)) upgradeOpset(work);
  if ((opsetVersion(work) ?? 17) < 10)
    throw new UserError(
      `the sensitivity analysis needs ONNX opset ≥ 10 and this model imports opset ${startOpset}`,
    );
  const calibrate: Calibrate = (graph, tensors) =>
    calibrateRanges(
      { ...work, graph },
      [...tensors].map((name) => ({ name, dataType: 'float32' as DataType })),
      options.samples,
      options.calibration,
    );
  const result = await sensitivityOf(work, options, options.minSnrDb ?? Infinity, true, calibrate);
  if (!result)
    throw new UserError('int8-static would quantize no op of this model, so there is nothing to rank');
  return result;
}

// ---------------------------------------------------------------------------------------------
// Planning

function isFloat32(types: Map<string, DataType>, name: string): boolean {
  return types.get(name) === 'float32';
}

function planQuantization(model: Model, options: StaticQuantOptions): Plan {
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

// ---------------------------------------------------------------------------------------------
// Scale groups

interface Groups {
  root: (name: string) => string;
  ranges: Map<string, Range>;
}

function buildGroups(plan: Plan, ranges: Map<string, Range>): Groups {
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

// ---------------------------------------------------------------------------------------------
// Rewriting

interface RewriteSettings {
  activationType: QuantType;
  perChannel: boolean;
  /** '' (ai.onnx) or 'com.microsoft' for weight and bias DequantizeLinear. */
  weightDomain: string;
  /** '' (ai.onnx) or 'com.microsoft' for activation Q/DQ. */
  activationDomain: string;
  /** 7-bit weights ([-63, 63]). */
  reduceRange: boolean;
}

function rewrite(
  model: Model,
  plan: Plan,
  groups: Groups,
  params: Map<string, QuantParams>,
  settings: RewriteSettings,
): Pick<StaticQuantReport, 'quantized' | 'biasAdjustedChannels'> {
  const graph = model.graph;
  const namer = createNamer(graph);
  const newNodes: Node[] = [];
  const qType = settings.activationType;
  const paramsOf = (name: string) => params.get(groups.root(name))!;

  // Shared scale / zero-point initializers, one pair per group.
  const groupInits = new Map<string, { scale: string; zeroPoint: string }>();
  const groupInitializers = (name: string) => {
    const root = groups.root(name);
    let inits = groupInits.get(root);
    if (!inits) {
      const p = params.get(root)!;
      const scale = namer(`${root}_scale`);
      const zeroPoint = namer(`${root}_zero_point`);
      graph.initializers.set(scale, createTensor(scale, 'float32', [], Float32Array.of(p.scale)));
      graph.initializers.set(zeroPoint, zeroPointTensor(zeroPoint, qType, [p.zeroPoint], []));
      inits = { scale, zeroPoint };
      groupInits.set(root, inits);
    }
    return inits;
  };

  // 1. Weights and biases (before activations are renamed: they read the original input names).
  const quantized: Record<string, number> = {};
  let biasAdjustedChannels = 0;
  const weightCache = new Map<string, string>();
  for (const node of graph.nodes) {
    const role = plan.roles.get(node);
    if (!role) continue;
    quantized[node.opType] = (quantized[node.opType] ?? 0) + 1;
    if (role !== 'compute') continue;
    if (
      node.opType === 'Conv' ||
      node.opType === 'Gemm' ||
      (node.opType === 'MatMul' && isConstWeight(model, node.inputs[1]))
    ) {
      biasAdjustedChannels += quantizeWeightAndBias(
        model,
        node,
        paramsOf(node.inputs[0]),
        settings,
        namer,
        newNodes,
        weightCache,
      );
    } else if (node.opType === 'Add' || node.opType === 'Mul') {
      for (const [i, input] of node.inputs.entries()) {
        const t = constantInitializer(model, input);
        if (!t) continue;
        node.inputs[i] = quantizeConstantActivation(
          graph,
          t,
          qType,
          namer,
          newNodes,
          settings.activationDomain,
        );
      }
    }
  }

  // 2. Q→DQ after every quantized activation; readers take the DQ output.
  for (const t of plan.tensors) {
    const { scale, zeroPoint } = groupInitializers(t);
    if (isGraphOutput(graph, t)) {
      const pre = namer(`${t}_QuantizeLinear_Input`);
      for (const node of graph.nodes) node.outputs = node.outputs.map((o) => (o === t ? pre : o));
      const q = namer(`${t}_QuantizeLinear_Output`);
      newNodes.push(
        makeNode(namer, 'QuantizeLinear', [pre, scale, zeroPoint], [q], {}, settings.activationDomain),
      );
      newNodes.push(
        makeNode(namer, 'DequantizeLinear', [q, scale, zeroPoint], [t], {}, settings.activationDomain),
      );
      // Readers in the graph keep reading `t`, now the dequantized value, as everywhere else.
      continue;
    }
    const q = namer(`${t}_QuantizeLinear_Output`);
    const dq = namer(`${t}_DequantizeLinear_Output`);
    replaceUses(graph, t, dq);
    newNodes.push(
      makeNode(namer, 'QuantizeLinear', [t, scale, zeroPoint], [q], {}, settings.activationDomain),
    );
    newNodes.push(
      makeNode(namer, 'DequantizeLinear', [q, scale, zeroPoint], [dq], {}, settings.activationDomain),
    );
  }
  // New Q/DQ nodes join only now, so the renames above never touched their inputs.
  graph.nodes.push(...newNodes);
  topologicalSort(graph);
  return { quantized, biasAdjustedChannels };
}

function isConstWeight(model: Model, name: string): boolean {
  const t = constantInitializer(model, name);
  return t !== undefined && t.dataType === 'float32';
}

function zeroPointTensor(name: string, type: QuantType, values: number[], dims: number[]): Tensor {
  return type === 'uint8'
    ? createTensor(name, 'uint8', dims, Uint8Array.from(values))
    : createTensor(name, 'int8', dims, Int8Array.from(values));
}

/** The weight's output-channel axis for per-channel scales. */
function weightAxis(node: Node, weight: Tensor): number | undefined {
  if (node.opType === 'Conv') return 0;
  if (node.opType === 'Gemm') return attrInt(node, 'transB', 0) === 1 ? 0 : 1;
  if (node.opType === 'MatMul') return weight.dims.length === 2 ? 1 : undefined;
  return undefined;
}

/** Replaces a node's float weight (and bias) by int8 / int32 initializers behind DequantizeLinear. */
function quantizeWeightAndBias(
  model: Model,
  node: Node,
  inputParams: QuantParams,
  settings: RewriteSettings,
  namer: (base: string) => string,
  newNodes: Node[],
  cache: Map<string, string>,
): number {
  const graph = model.graph;
  const weightName = node.inputs[1];
  const weight = constantInitializer(model, weightName)!;
  const axis = settings.perChannel ? weightAxis(node, weight) : undefined;
  const w = tensorToFloat32(weight);
  const qmax = settings.reduceRange ? 63 : 127;
  let q = quantizeWeights(w, weight.dims, axis, undefined, qmax);
  const biasName = node.opType === 'MatMul' ? '' : (node.inputs[2] ?? '');
  const bias = biasName ? constantInitializer(model, biasName) : undefined;
  let biasQ: ReturnType<typeof quantizeBias> | undefined;
  let adjusted = 0;
  if (bias) {
    let b = tensorToFloat32(bias);
    const channels = q.scales.length === 1 ? b.length : q.scales.length;
    if (b.length === 1 && channels > 1) b = new Float32Array(channels).fill(b[0]);
    biasQ = quantizeBias(b, inputParams.scale, expand(q.scales, b.length));
    if (biasQ.overflow) {
      // Raise the weight scale of the offending channels so the bias fits (as onnxruntime's tools do).
      const floor =
        q.scales.length === 1 ? Float32Array.of(Math.max(...biasQ.weightScaleFloor)) : biasQ.weightScaleFloor;
      const before = q.scales;
      q = quantizeWeights(w, weight.dims, axis, floor, qmax);
      adjusted = q.scales.reduce((n, s, i) => n + (s > before[i] ? 1 : 0), 0);
      biasQ = quantizeBias(b, inputParams.scale, expand(q.scales, b.length));
    }
  }
  const domain = axis !== undefined ? settings.weightDomain : settings.activationDomain;
  const cacheKey = `${weightName}|${axis}|${Array.from(q.scales.slice(0, 4)).join(',')}|${q.scales.length}`;
  let dqOut = adjusted === 0 ? cache.get(cacheKey) : undefined;
  if (!dqOut) {
    const qName = namer(`${weightName}_quantized`);
    const sName = namer(`${weightName}_scale`);
    const zName = namer(`${weightName}_zero_point`);
    const perAxis = axis !== undefined;
    graph.initializers.set(qName, createTensor(qName, 'int8', [...weight.dims], q.values));
    graph.initializers.set(sName, createTensor(sName, 'float32', perAxis ? [q.scales.length] : [], q.scales));
    graph.initializers.set(
      zName,
      createTensor(
        zName,
        'int8',
        perAxis ? [q.scales.length] : [],
        new Int8Array(perAxis ? q.scales.length : 1),
      ),
    );
    dqOut = namer(`${weightName}_DequantizeLinear_Output`);
    newNodes.push(
      makeNode(
        namer,
        'DequantizeLinear',
        [qName, sName, zName],
        [dqOut],
        perAxis ? { axis: attr.int(axis) } : {},
        domain,
      ),
    );
    if (adjusted === 0) cache.set(cacheKey, dqOut);
  }
  node.inputs[1] = dqOut;
  if (bias && biasQ) {
    const qName = namer(`${biasName}_quantized`);
    const sName = namer(`${biasName}_quantized_scale`);
    const zName = namer(`${biasName}_quantized_zero_point`);
    const n = biasQ.values.length;
    graph.initializers.set(qName, createTensor(qName, 'int32', [n], biasQ.values));
    graph.initializers.set(sName, createTensor(sName, 'float32', [n], biasQ.scales));
    graph.initializers.set(zName, createTensor(zName, 'int32', [n], new Int32Array(n)));
    const out = namer(`${biasName}_DequantizeLinear_Output`);
    const biasDomain = n > 1 && settings.weightDomain ? settings.weightDomain : settings.activationDomain;
    // A per-element bias needs the axis attribute (opset 13, or the com.microsoft op below it).
    if (n > 1 && !biasDomain && (opsetVersion(model) ?? 17) < 13) {
      graph.initializers.set(sName, createTensor(sName, 'float32', [], Float32Array.of(biasQ.scales[0])));
      graph.initializers.set(zName, createTensor(zName, 'int32', [], new Int32Array(1)));
      newNodes.push(makeNode(namer, 'DequantizeLinear', [qName, sName, zName], [out]));
    } else {
      newNodes.push(
        makeNode(
          namer,
          'DequantizeLinear',
          [qName, sName, zName],
          [out],
          n > 1 ? { axis: attr.int(0) } : {},
          biasDomain,
        ),
      );
    }
    node.inputs[2] = out;
  }
  return adjusted;
}

function expand(scales: Float32Array, length: number): Float32Array {
  return scales.length === length ? scales : new Float32Array(length).fill(scales[0]);
}

/** A constant operand of Add/Mul, quantized per-tensor with the activation type. */
function quantizeConstantActivation(
  graph: Graph,
  tensor: Tensor,
  type: QuantType,
  namer: (base: string) => string,
  newNodes: Node[],
  domain: string,
): string {
  const values = tensorToFloat32(tensor);
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const p = activationParams({ min, max }, type);
  const { qmin, qmax } = qRange(type);
  const data = Array.from(values, (v) => quantizeValue(v, p, qmin, qmax));
  const qName = namer(`${tensor.name}_quantized`);
  const sName = namer(`${tensor.name}_scale`);
  const zName = namer(`${tensor.name}_zero_point`);
  graph.initializers.set(qName, zeroPointTensor(qName, type, data, [...tensor.dims]));
  graph.initializers.set(sName, createTensor(sName, 'float32', [], Float32Array.of(p.scale)));
  graph.initializers.set(zName, zeroPointTensor(zName, type, [p.zeroPoint], []));
  const out = namer(`${tensor.name}_DequantizeLinear_Output`);
  newNodes.push(makeNode(namer, 'DequantizeLinear', [qName, sName, zName], [out], {}, domain));
  return out;
}
