/**
 * `optimize()`: load a model, apply recipes left to right, check that onnxruntime loads the result,
 * write it (never over the input), and measure what it changed in the outputs.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { onnxruntimeVersion } from '../engines/ort-binding.js';
import { ORT_MIN_OPSET } from '../engines/ort-opset.js';
import { messageOf, UserError } from '../errors.js';
import { type Model, modelInputs, opsetVersion } from '../onnx/ir.js';
import { loadModel, modelToBytes, saveModel } from '../onnx/model-io.js';
import type { TensorInfo } from '../onnx/tensor.js';
import {
  DEFAULT_SAMPLE_COUNT,
  type ImagePreprocess,
  loadSamples,
  type Sample,
  validateSamples,
} from './calibration-data.js';
import { compareOutputs, type FidelityReport } from './fidelity.js';
import { convertToFloat16, type Fp16Options } from './fp16.js';
import { fuseModel } from './fuse.js';
import { floatWeightBytes, opCounts } from './graph-utils.js';
import { upgradeOpset } from './opset-upgrade.js';
import { ortOptimize } from './ort-levels.js';
import { ModelRunner } from './ort-session.js';
import { type CalibrationMethod, DEFAULT_PERCENTILE } from './quantize/calibration.js';
import { type DynamicQuantReport, quantizeDynamic } from './quantize/dynamic.js';
import type { QuantType } from './quantize/quant-math.js';
import type { SensitivityResult } from './quantize/sensitivity.js';
import { quantizeStatic, rankQuantizationSensitivity } from './quantize/static/index.js';
import { parseRecipes, type RecipeName } from './recipes.js';
import { hasFloat16Weights, type UpcastReport, upcastFloat16 } from './upcast.js';

export interface CalibrationOptions {
  /** 'synthetic' (default), a folder of images or .npy/.pb tensors, a video, or ready samples. */
  source?: string | Sample[];
  /** Samples to calibrate on (default 16). */
  count?: number;
  /** Default 'minmax'. */
  method?: CalibrationMethod;
  /** For 'percentile' (default 99.999). */
  percentile?: number;
  /** Image/video pre-processing (default ImageNet mean/std, resized to the input's H×W). */
  preprocess?: ImagePreprocess;
  seed?: number;
  /** A folder where every method's ranges are kept and read back (many quantizations of one model). */
  cacheDir?: string;
}

export interface FidelityOptions {
  /** Default: the calibration source when it is real data, otherwise synthetic inputs. */
  inputs?: string | Sample[];
  /** Default 8. */
  count?: number;
  /** A labelled folder (one subfolder per class) to measure accuracy on. */
  labels?: string;
}

export interface OptimizeOptions {
  /** Path of the ONNX model to optimize (never modified). */
  input: string;
  /** Path to write; must differ from `input`. */
  output: string;
  /** Recipe names, applied left to right, or a comma-separated string ('fuse,int8-static'). */
  recipes: readonly RecipeName[] | string;
  calibration?: CalibrationOptions;
  /** Shapes for inputs with symbolic dimensions (calibration and fidelity), e.g. { x: [1, 3, 48, 192] }. */
  shapes?: Record<string, number[]>;
  /** int8-static activation type (default 'uint8'). */
  activationType?: QuantType;
  /** int8-static per-channel weights (default true). */
  perChannel?: boolean;
  /**
   * int8-static / int8-dynamic 7-bit weights: 'auto' (default) when this is an x86 CPU without
   * VNNI, where onnxruntime's int8 kernels saturate with 8-bit weights.
   */
  reduceRange?: boolean | 'auto';
  /**
   * int8-static mixed precision: keep the ops that cost the most fidelity in float until the
   * predicted output SNR (dB, on calibration samples) reaches this. Costs one float run per
   * quantized op and sample; off when undefined.
   */
  minSnrDb?: number;
  /** Nodes (by name) that quantization leaves in float. */
  excludeNodes?: string[];
  /** int8-dynamic: also quantize Conv with ConvInteger (default false: slower on onnxruntime CPU). */
  dynamicConv?: boolean;
  fp16?: Fp16Options;
  /** false skips the fidelity check. */
  fidelity?: FidelityOptions | false;
  /**
   * A model below the ai.onnx opset onnxruntime implements (7) is upgraded exactly before the
   * recipes (the output then has the new opset; the input file is never written). false refuses it.
   */
  opsetUpgrade?: boolean;
  /**
   * false: the output is written without first opening it in onnxruntime, for a caller that opens
   * it right after and handles a refusal (tune's fidelity check); a 500 MB model takes ~10 s to open.
   */
  checkLoads?: boolean;
  /** Progress lines (for stderr). */
  onLog?: (message: string) => void;
  /** Warnings as they happen (they are in the report too). */
  onWarning?: (message: string) => void;
}

export interface OptimizeStep {
  recipe: RecipeName;
  ms: number;
  /** One line on what the step did. */
  summary: string;
  details: Record<string, unknown>;
}

export interface ModelSummary {
  bytes: number;
  nodes: number;
  ops: Record<string, number>;
}

export interface OptimizeReport {
  input: string;
  output: string;
  recipes: RecipeName[];
  steps: OptimizeStep[];
  warnings: string[];
  /** Things the user should know (e.g. optimizations left to load time). */
  notes: string[];
  /** Set when the model should be loaded with this onnxruntime graph optimization level. */
  loadTimeGraphOptLevel?: 'all';
  before: ModelSummary;
  after: ModelSummary;
  fidelity?: FidelityReport;
}

const DEFAULT_FIDELITY_COUNT = 8;

/** Ops that only a quantized model holds (QDQ, QOperator and integer forms). */
const QUANTIZED_OPS = new Set([
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'QLinearConv',
  'QLinearMatMul',
  'ConvInteger',
  'MatMulInteger',
]);

/** The recipes, calibration and fidelity check all run the model under onnxruntime, which needs opset ≥ 7. */
function upgradeForOnnxruntime(model: Model, options: OptimizeOptions): string | undefined {
  const opset = opsetVersion(model);
  if (opset === undefined || opset >= ORT_MIN_OPSET) return undefined;
  const reason = `onnxruntime ${onnxruntimeVersion().split('.').slice(0, 2).join('.')} has no kernels for opset < ${ORT_MIN_OPSET}`;
  if (options.opsetUpgrade === false)
    throw new UserError(
      `${options.input} imports ai.onnx opset ${opset} and ${reason}; edgebench can upgrade it exactly: leave out --no-opset-upgrade (opsetUpgrade: false in a study spec)`,
    );
  const result = upgradeOpset(model, ORT_MIN_OPSET);
  if (!result.upgraded)
    throw new UserError(
      `${options.input} imports ai.onnx opset ${opset} and ${reason}, and edgebench cannot upgrade it exactly: ${result.reason}`,
    );
  return `upgraded ai.onnx opset ${opset} → ${ORT_MIN_OPSET}: ${reason}`;
}

export async function optimize(options: OptimizeOptions): Promise<OptimizeReport> {
  const recipes = parseRecipes(typeof options.recipes === 'string' ? options.recipes : [...options.recipes]);
  await checkPaths(options.input, options.output);
  const log = options.onLog ?? (() => {});
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const notes: string[] = [];
  const inputBytes = (await stat(options.input)).size;
  const model = await loadModel(options.input);
  const before = summarize(model, inputBytes);
  const upgrade = upgradeForOnnxruntime(model, options);
  if (upgrade) {
    notes.push(`${upgrade} before the recipes: the output imports the new opset`);
    log(upgrade);
  }
  const converting = recipes.filter((r) => r === 'fp16' || r.startsWith('int8'));
  const quantOps = Object.entries(opCounts(model.graph)).filter(([op]) => QUANTIZED_OPS.has(op));
  if (converting.length > 0 && quantOps.length > 0) {
    // Its float32 scales would pass the check below, and every Conv would be skipped one warning at a time.
    throw new UserError(
      `${options.input} is already quantized (${quantOps.map(([op, n]) => `${op}×${n}`).join(', ')}), so ${converting.join(', ')} would only add nodes around it: optimize the float32 model instead`,
    );
  }
  const float16 = converting.length > 0 && quantOps.length === 0 && hasFloat16Weights(model);
  if (float16 && recipes.includes('fp16'))
    throw new UserError(
      `${options.input} already has float16 weights, so fp16 has nothing to convert: drop it from the recipes${converting.length > 1 ? ` (${converting.filter((r) => r !== 'fp16').join(', ')} quantize from float16 on their own)` : ''}`,
    );
  // Apps ship float16 models: int8 starts from them with the weights widened to float32 (exact).
  let upcast: UpcastReport | undefined;
  if (float16) {
    upcast = upcastFloat16(model);
    const io =
      upcast.boundaryCasts > 0
        ? `; its float16 inputs/outputs stay float16 (a Cast each), so the result replaces the original as it is`
        : '';
    notes.push(
      `float16 model: ${upcast.tensors} float16 weights and constants widened to float32${upcast.retargeted > 0 ? ` and ${upcast.retargeted} Casts to float16 retargeted to float32` : ''} before quantizing${io}; fidelity is measured against the float16 original`,
    );
    log(`float16 model: upcast ${upcast.tensors} weights to float32 before quantizing`);
  }
  if (converting.length > 0 && floatWeightBytes(model) === 0) {
    throw new UserError(
      `${options.input} has no float32 weights, so ${recipes.filter((r) => r === 'fp16' || r.startsWith('int8')).join(', ')} has nothing to convert (is it already quantized?)`,
    );
  }

  // Calibration data is read (and checked) before any recipe runs, so bad data fails fast.
  let calibrationSamples: Sample[] | undefined;
  let calibrationDescription = '';
  if (recipes.includes('int8-static')) {
    const loaded = await calibrationSet(model, options);
    calibrationSamples = loaded.samples;
    calibrationDescription = loaded.description;
  }
  const steps: OptimizeStep[] = [];
  let loadTimeGraphOptLevel: 'all' | undefined;
  let fused = false;
  // The int8 recipes quantize a fused graph: they fuse first unless an earlier recipe did.
  const fuseUnlessFused = async (): Promise<Record<string, unknown>> => {
    if (fused) return {};
    const stats = await fuseModel(model, { warn });
    fused = true;
    return { fuse: stats };
  };
  for (const [index, recipe] of recipes.entries()) {
    log(`${recipe}…`);
    const start = performance.now();
    let summary = '';
    let details: Record<string, unknown> = {};
    const nodesBefore = model.graph.nodes.length;
    switch (recipe) {
      case 'ort-basic':
      case 'ort-extended':
      case 'ort-all': {
        const level = recipe === 'ort-basic' ? 'basic' : recipe === 'ort-extended' ? 'extended' : 'all';
        const optimized = await ortOptimize(model, level);
        Object.assign(model, optimized);
        summary = `onnxruntime ${level === 'all' ? 'extended' : level} level: ${nodesBefore} → ${model.graph.nodes.length} nodes`;
        if (level === 'all') {
          loadTimeGraphOptLevel = 'all';
          notes.push(
            "ort-all: saved the extended-level graph; level all's layout optimizations (NCHWc) depend on this CPU and are applied when onnxruntime loads the model with graph optimization level all (its default)",
          );
        }
        if (index < recipes.length - 1)
          warn(
            `${recipe} writes onnxruntime-specific fused ops; recipes after it may find less to do (put it last)`,
          );
        fused = false;
        break;
      }
      case 'fuse': {
        const stats = await fuseModel(model, { warn });
        fused = true;
        details = { ...stats };
        summary = `${stats.batchNormsFolded} BatchNorm folded, ${stats.constantFolds + stats.shapeFolds} constants folded, ${stats.identities} Identity removed, ${stats.deadNodes} dead nodes removed (${nodesBefore} → ${model.graph.nodes.length} nodes)`;
        break;
      }
      case 'fp16': {
        const report = convertToFloat16(model, options.fp16);
        details = { ...report };
        const kept = Object.entries(report.keptFloat32Nodes)
          .map(([op, n]) => `${op}×${n}`)
          .join(', ');
        summary = `${report.convertedInitializers} weights to float16, ${report.casts} Casts${kept ? `, kept float32: ${kept}` : ''}`;
        if (report.clampedValues > 0)
          warn(`fp16: ${report.clampedValues} weight values beyond ±65504 were clamped to float16's range`);
        break;
      }
      case 'int8-dynamic': {
        details = await fuseUnlessFused();
        const report = quantizeDynamic(model, {
          conv: options.dynamicConv,
          excludeNodes: options.excludeNodes,
          reduceRange: options.reduceRange,
          warn,
        });
        details = { ...details, ...report };
        summary = `quantized ${formatCounts(report.quantized) || 'nothing'}${report.skipped.length ? `; ${report.skipped.length} left float` : ''}`;
        passOnQuantizeReport(recipe, report, warn, notes);
        break;
      }
      case 'int8-static': {
        details = await fuseUnlessFused();
        const method = options.calibration?.method ?? 'minmax';
        log(`calibrating (${method}) on ${calibrationDescription}…`);
        const report = await quantizeStatic(model, {
          activationType: options.activationType,
          perChannel: options.perChannel,
          reduceRange: options.reduceRange,
          minSnrDb: options.minSnrDb,
          excludeNodes: options.excludeNodes,
          samples: calibrationSamples ?? [],
          calibration: {
            method,
            percentile: options.calibration?.percentile ?? DEFAULT_PERCENTILE,
            ...(options.calibration?.cacheDir ? { cacheDir: options.calibration.cacheDir } : {}),
          },
          warn,
        });
        details = { ...details, ...report, calibration: { method, data: calibrationDescription } };
        summary = `quantized ${formatCounts(report.quantized) || 'nothing'}; ${report.activationsFolded} Relu/Clip folded into quantization; ${report.activations} activations in ${report.scaleGroups} scale groups; calibrated (${method}) on ${calibrationDescription}`;
        passOnQuantizeReport(recipe, report, warn, notes);
        if (report.biasAdjustedChannels > 0)
          warn(
            `int8-static: raised the weight scale of ${report.biasAdjustedChannels} channels so their int32 bias fits`,
          );
        if (report.sensitivity) {
          const s = report.sensitivity;
          notes.push(
            `int8-static: output SNR with every op quantized ${s.allQuantizedSnrDb.toFixed(1)} dB (target ${s.targetSnrDb} dB); kept ${s.keptFloat.length} ops in float (predicted ${s.predictedSnrDb.toFixed(1)} dB)${s.keptFloat.length ? `: ${s.keptFloat.slice(0, 12).join(', ')}${s.keptFloat.length > 12 ? ', …' : ''}` : ''}`,
          );
        }
        break;
      }
    }
    steps.push({ recipe, ms: performance.now() - start, summary, details });
    log(`${recipe}: ${summary}`);
  }

  model.producerName = 'edgebench';
  model.metadata = { ...model.metadata, 'edgebench.recipes': recipes.join(',') };
  if (loadTimeGraphOptLevel)
    model.metadata['edgebench.load_graph_optimization_level'] = loadTimeGraphOptLevel;
  // A recipe never writes a model that does not load (unless the caller opens it next).
  if (options.checkLoads !== false)
    try {
      const runner = await ModelRunner.create(modelToBytes(model), 'the optimized model');
      await runner.release();
    } catch (error) {
      throw new UserError(
        `the optimized model does not load in onnxruntime, so nothing was written (${messageOf(error)}); please report this with the model`,
        { cause: error },
      );
    }
  await saveModel(model, options.output);
  const after = summarize(model, (await stat(options.output)).size);
  log(`wrote ${options.output}`);

  let fidelity: FidelityReport | undefined;
  if (options.fidelity !== false) {
    const f = options.fidelity ?? {};
    const calib = options.calibration?.source;
    const inputs = f.inputs ?? (calib !== undefined && calib !== 'synthetic' ? calib : 'synthetic');
    log('measuring fidelity…');
    fidelity = await compareOutputs(options.input, options.output, {
      inputs,
      count: f.count ?? DEFAULT_FIDELITY_COUNT,
      labels: f.labels,
      shapes: options.shapes,
      preprocess: options.calibration?.preprocess,
    });
    if (upcast) fidelity.against = 'the float16 original';
  }
  return {
    input: options.input,
    output: options.output,
    recipes,
    steps,
    warnings,
    notes,
    ...(loadTimeGraphOptLevel ? { loadTimeGraphOptLevel } : {}),
    before,
    after,
    ...(fidelity ? { fidelity } : {}),
  };
}

export type SensitivityOptions = Pick<
  OptimizeOptions,
  'input' | 'calibration' | 'shapes' | 'activationType' | 'perChannel' | 'excludeNodes'
>;

/**
 * The mixed-precision ranking of `fuse,int8-static` on a model: every op the quantizer would
 * quantize, noisiest first (see sensitivity.ts), measured on the calibration set. The names are the
 * ones `excludeNodes` takes when `optimize` runs `fuse,int8-static` with the same options, so a
 * caller can keep the first k in float and check the result against its own fidelity budget.
 */
export async function int8SensitivityRanking(options: SensitivityOptions): Promise<SensitivityResult> {
  const info = await stat(options.input).catch(() => undefined);
  if (!info?.isFile()) throw new UserError(`model file not found: ${options.input}`);
  const model = await loadModel(options.input);
  await fuseModel(model);
  const { samples } = await calibrationSet(model, options);
  return rankQuantizationSensitivity(model, {
    activationType: options.activationType,
    perChannel: options.perChannel,
    excludeNodes: options.excludeNodes,
    samples,
    calibration: {
      method: options.calibration?.method ?? 'minmax',
      percentile: options.calibration?.percentile ?? DEFAULT_PERCENTILE,
      ...(options.calibration?.cacheDir ? { cacheDir: options.calibration.cacheDir } : {}),
    },
  });
}

async function checkPaths(input: string, output: string): Promise<void> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new UserError(`model file not found: ${input}`);
  if (!info.isFile()) throw new UserError(`model path is not a file: ${input}`);
  if (!output) throw new UserError('no output path: give -o OUT.onnx');
  const inputReal = await realpath(input);
  const outputReal = await realpath(output).catch(() => path.resolve(output));
  if (inputReal === outputReal)
    throw new UserError(`the output ${output} is the input model: write the optimized model to another file`);
}

function summarize(model: Model, bytes: number): ModelSummary {
  return { bytes, nodes: model.graph.nodes.length, ops: opCounts(model.graph) };
}

/** A quantizer's nodes left in float become warnings, its notes the report's, both tagged with the recipe. */
function passOnQuantizeReport(
  recipe: RecipeName,
  report: Pick<DynamicQuantReport, 'skipped' | 'notes'>,
  warn: (message: string) => void,
  notes: string[],
): void {
  for (const s of report.skipped) warn(`${recipe}: ${s.opType} '${s.node}' left in float: ${s.reason}`);
  notes.push(...report.notes.map((n) => `${recipe}: ${n}`));
}

function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([op, n]) => `${op}×${n}`)
    .join(', ');
}

/** The model's real inputs as TensorInfo (symbolic or unknown dimensions stay symbolic). */
export function inputInfos(model: Model): TensorInfo[] {
  return modelInputs(model.graph).map((v) => ({
    name: v.name,
    type: v.dataType ?? 'unknown',
    shape: (v.shape ?? []).map((d) => (d === null ? -1 : d)),
  }));
}

async function calibrationSet(model: Model, options: Pick<OptimizeOptions, 'calibration' | 'shapes'>) {
  const source = options.calibration?.source ?? 'synthetic';
  if (Array.isArray(source)) {
    validateSamples(source, inputInfos(model), 'calibration set');
    return { samples: source, description: `${source.length} given samples` };
  }
  const loaded = await loadSamples(source, inputInfos(model), {
    count: options.calibration?.count ?? DEFAULT_SAMPLE_COUNT,
    shapes: options.shapes,
    preprocess: options.calibration?.preprocess,
    seed: options.calibration?.seed,
  });
  if (loaded.samples.length === 0) throw new UserError(`the calibration set ${source} is empty`);
  return loaded;
}
