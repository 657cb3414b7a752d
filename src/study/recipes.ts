/**
 * The study's one door to model optimization: everything a variant needs from `src/optimize` to be
 * prepared goes through `prepareRecipeModel`, run inside a worker process by variants.ts, so an
 * optimizer crash costs one variant, not the study.
 *
 * No recipes → the model as it is; otherwise `optimize()` writes a new file (with the optimizer's
 * own fidelity check off: the study measures fidelity itself, in variants.ts). When the optimizer
 * leaves part of a recipe to load time (ort-all's layout optimizations), the variant is loaded at
 * that graph-optimization level.
 */
import type { GraphOptLevel } from '../engines/ort-options.js';
import { GRAPH_OPT_LEVELS } from '../engines/ort-options.js';
import { type OptimizeOptions, optimize, RECIPE_NAMES, type RecipeName } from '../optimize/index.js';

export { RECIPE_NAMES, type RecipeName };

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
  | 'calibration'
  | 'activationType'
  | 'excludeNodes'
  | 'dynamicConv'
  | 'reduceRange'
  | 'perChannel'
  | 'checkLoads'
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
