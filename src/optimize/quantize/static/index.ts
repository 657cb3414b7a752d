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
 *
 * plan.ts decides what is quantized and which activations share a scale, weights.ts does the weight
 * and bias math, rewrite.ts edits the graph; this file calibrates and runs them in order.
 */
import { UserError } from '../../../errors.js';
import type { DataType } from '../../../onnx/dtype.js';
import { cloneGraph, cloneModel, type Graph, type Model, opsetVersion } from '../../../onnx/ir.js';
import type { Sample } from '../../calibration-data.js';
import { ensureOpset, tidyGraph } from '../../graph-utils.js';
import { QUANTIZATION_OPSET, upgradeOpset } from '../../opset-upgrade.js';
import { type CalibrationSettings, calibrateRanges } from '../calibration.js';
import { int8PairsSaturateHere } from '../host-int8.js';
import { activationParams, type QuantParams, type QuantType, type Range } from '../quant-math.js';
import { analyzeSensitivity, type SensitivityResult } from '../sensitivity.js';
import { buildGroups, type PlanOptions, planQuantization, type SkippedNode } from './plan.js';
import { rewrite } from './rewrite.js';

export interface StaticQuantOptions extends PlanOptions {
  activationType?: QuantType;
  calibration: CalibrationSettings;
  samples: Sample[];
  /** Per-channel weight scales (default true). */
  perChannel?: boolean;
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
  skipped: SkippedNode[];
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
