/**
 * The study's one door to model optimization and output fidelity: everything the study needs from
 * `src/optimize` goes through `prepareRecipeModel` and `measureFidelity`. Both run inside a worker
 * process (see run.ts), so an optimizer or runtime crash costs one variant, not the study.
 *
 * - prepareRecipeModel: no recipes → the model as it is; otherwise `optimize()` writes a new file
 *   (with the optimizer's own fidelity check off: the study measures fidelity itself, below). When
 *   the optimizer leaves part of a recipe to load time (ort-all's layout optimizations), the variant
 *   is loaded at that graph-optimization level.
 * - measureFidelity: `compareOutputs()` when the two variants are different files; when they are the
 *   same file run at different onnxruntime levels, both sessions are run here on the same inputs.
 */

import type { GraphOptLevel, OrtEngineOptions } from '../engines/ort-options.js';
import { GRAPH_OPT_LEVELS } from '../engines/ort-options.js';
import { openInProcess } from '../engines/registry.js';
import { UserError } from '../errors.js';
import { prepareInputs } from '../measure/inputs.js';
import { numberFromFloat16Bits } from '../onnx/float16.js';
import {
  compareOutputs,
  type FidelityReport,
  type OptimizeOptions,
  optimize,
  RECIPE_NAMES,
  type RecipeName,
} from '../optimize/index.js';
import type { FidelityMetrics } from '../store/types.js';
import { outputFidelity } from './fidelity.js';

export { RECIPE_NAMES, type RecipeName };

// ---- preparing a variant's model ----

export interface PrepareRequest {
  /** The baseline ONNX file (zoo output or the user's file). */
  basePath: string;
  recipes: string[];
  /** The level the variant asks onnxruntime for at session creation. */
  graphOptLevel: GraphOptLevel;
  /** Where the optimizer writes the optimized model. */
  outputPath: string;
  /** Shapes for inputs with symbolic dimensions (calibration). */
  shapes?: Record<string, number[]>;
  seed?: number;
  /** false: refuse a model below opset 7 instead of upgrading it before the recipes. */
  opsetUpgrade?: boolean;
  /**
   * The optimizer's own settings beyond the recipes (calibration data and method, activation type,
   * nodes kept in float, Conv in int8-dynamic): what `tune` varies. Absent: the optimizer's defaults.
   */
  settings?: RecipeSettings;
}

/** The `optimize()` options a prepared variant may set, all of which cross a process boundary. */
export type RecipeSettings = Pick<
  OptimizeOptions,
  'calibration' | 'activationType' | 'excludeNodes' | 'dynamicConv' | 'reduceRange' | 'perChannel'
>;

export interface PreparedModel {
  path: string;
  /** The level to create the session with (raised when the optimizer leaves work to load time). */
  graphOptLevel: GraphOptLevel;
  /** How the recipes were applied: none, or by the optimizer (a new file). */
  appliedBy: 'none' | 'optimizer';
  /** What the optimizer said the user should know, and its warnings. */
  notes: string[];
}

function higherLevel(a: GraphOptLevel, b: GraphOptLevel): GraphOptLevel {
  return GRAPH_OPT_LEVELS.indexOf(a) >= GRAPH_OPT_LEVELS.indexOf(b) ? a : b;
}

export async function prepareRecipeModel(request: PrepareRequest): Promise<PreparedModel> {
  if (request.recipes.length === 0)
    return { path: request.basePath, graphOptLevel: request.graphOptLevel, appliedBy: 'none', notes: [] };
  const settings = request.settings ?? {};
  const calibration = {
    ...settings.calibration,
    ...(request.seed !== undefined && settings.calibration?.seed === undefined ? { seed: request.seed } : {}),
  };
  const report = await optimize({
    ...settings,
    input: request.basePath,
    output: request.outputPath,
    recipes: request.recipes as RecipeName[],
    fidelity: false,
    ...(request.opsetUpgrade === false ? { opsetUpgrade: false } : {}),
    ...(request.shapes ? { shapes: request.shapes } : {}),
    ...(Object.keys(calibration).length > 0 ? { calibration } : {}),
  });
  return {
    path: report.output,
    graphOptLevel: report.loadTimeGraphOptLevel
      ? higherLevel(request.graphOptLevel, report.loadTimeGraphOptLevel)
      : request.graphOptLevel,
    appliedBy: 'optimizer',
    notes: [...report.notes, ...report.warnings.map((w) => `warning: ${w}`)],
  };
}

// ---- fidelity of an optimized variant against its baseline ----

export interface FidelitySide {
  path: string;
  engine: Partial<OrtEngineOptions>;
}

export interface FidelityRequest {
  base: FidelitySide;
  optimized: FidelitySide;
  batch: number;
  shapes?: Record<string, number[]>;
  /** Inputs to compare (default 8). */
  count?: number;
  seed?: number;
}

export interface FidelityOutcome {
  source: string;
  metrics: FidelityMetrics;
}

/** The first output's figures of the optimizer's fidelity report, as the store keeps them. */
export function fidelityFromReport(report: FidelityReport): FidelityMetrics {
  const out = report.outputs[0];
  if (!out) throw new UserError('the models have no outputs to compare');
  return {
    count: report.samples,
    maxAbsErr: out.maxAbsError,
    meanAbsErr: out.meanAbsError,
    cosine: out.cosine !== null && Number.isFinite(out.cosine) ? out.cosine : null,
    snrDb: out.snrDb !== null && Number.isFinite(out.snrDb) ? out.snrDb : null,
    identical: out.snrDb === Number.POSITIVE_INFINITY,
    top1Agreement: out.top1Agreement ?? null,
    top5Agreement: out.top5Agreement ?? null,
  };
}

export async function measureFidelity(request: FidelityRequest): Promise<FidelityOutcome> {
  const count = request.count ?? 8;
  const seed = request.seed ?? 1;
  if (request.base.path !== request.optimized.path) {
    const report = await compareOutputs(request.base.path, request.optimized.path, {
      count,
      seed,
      ...(request.shapes ? { shapes: request.shapes } : {}),
    });
    return { source: 'optimize.compareOutputs', metrics: fidelityFromReport(report) };
  }
  return { source: 'study', metrics: await runAndCompare(request, count, seed) };
}

/** Runs both sides on the same synthetic inputs and compares their first outputs. */
async function runAndCompare(
  request: FidelityRequest,
  count: number,
  seed: number,
): Promise<FidelityMetrics> {
  const base = await openInProcess('ort', request.base.path, { ...request.base.engine });
  try {
    const optimized = await openInProcess('ort', request.optimized.path, { ...request.optimized.engine });
    try {
      const pairs: Array<{ base: ArrayLike<number>; optimized: ArrayLike<number>; dims: readonly number[] }> =
        [];
      for (let i = 0; i < count; i++) {
        const { tensors } = await prepareInputs(base, {
          batch: request.batch,
          shapes: request.shapes,
          seed: seed + i,
        });
        const outBase = await base.run(base.prepareFeeds(tensors));
        const outOpt = await optimized.run(optimized.prepareFeeds(tensors));
        const name = base.outputs[0]?.name;
        const optName = optimized.outputs[0]?.name;
        if (!name || !optName) throw new UserError('the model has no outputs to compare');
        const a = base.readOutput(outBase[name]);
        const b = optimized.readOutput(outOpt[optName]);
        pairs.push({ base: toNumbers(a.data, a.type), optimized: toNumbers(b.data, b.type), dims: a.dims });
      }
      return outputFidelity(pairs);
    } finally {
      await optimized.dispose();
    }
  } finally {
    await base.dispose();
  }
}

function toNumbers(data: ArrayLike<number | bigint>, type: string): ArrayLike<number> {
  if (type === 'float16') return Array.from(data as ArrayLike<number>, numberFromFloat16Bits);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return data as ArrayLike<number>;
}
