/**
 * Model optimization: composable recipes that write a new ONNX file, and fidelity measurement.
 *
 *   const report = await optimize({ input: 'model.onnx', output: 'model.int8.onnx', recipes: 'fuse,int8-static' });
 *   const fidelity = await compareOutputs('model.onnx', 'model.int8.onnx', { inputs: 'images/' });
 */
export {
  DEFAULT_SAMPLE_COUNT,
  IMAGENET_PREPROCESS,
  type ImagePreprocess,
  type LoadedSamples,
  loadLabelledImages,
  loadSamples,
  PADDLE_CLS_PREPROCESS,
  type Sample,
  type SampleOptions,
} from './calibration-data.js';
export {
  type AccuracyReport,
  type CompareOptions,
  compareOutputs,
  compareRunners,
  type FidelityReport,
  type OutputFidelity,
  type OutputRunner,
} from './fidelity.js';
export { formatFidelity, formatOptimizeReport } from './format.js';
export { convertToFloat16, FP16_BLOCKLIST, type Fp16Options, type Fp16Report } from './fp16.js';
export { type FuseStats, fuseModel } from './fuse.js';
export {
  type CalibrationOptions,
  type FidelityOptions,
  int8SensitivityRanking,
  type ModelSummary,
  type OptimizeOptions,
  type OptimizeReport,
  type OptimizeStep,
  optimize,
  type SensitivityOptions,
} from './optimize.js';
export {
  CALIBRATION_METHODS,
  type CalibrationMethod,
  entropyThreshold,
  percentileThreshold,
} from './quantize/calibration.js';
export { type DynamicQuantReport, quantizeDynamic } from './quantize/dynamic.js';
export type { QuantType } from './quantize/quant-math.js';
export type { SensitivityResult } from './quantize/sensitivity.js';
export {
  quantizeStatic,
  rankQuantizationSensitivity,
  type StaticQuantReport,
} from './quantize/static/index.js';
export {
  isRecipeName,
  parseRecipes,
  RECIPE_NAMES,
  RECIPES,
  type RecipeInfo,
  type RecipeName,
} from './recipes.js';
export { hasFloat16Weights, type UpcastReport, upcastFloat16 } from './upcast.js';
