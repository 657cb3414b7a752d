/** Studies: a matrix of variants measured together, with comparisons (speedup, significance, fidelity). */
export {
  type BootstrapOptions,
  bootstrapMedianRatio,
  median,
  type RatioEstimate,
  type RatioOptions,
  type SideSamples,
  seedFor,
} from './bootstrap.js';
export {
  type AverageRow,
  analyzeStudy,
  analyzeVariant,
  arithmeticMean,
  averageComparisons,
  type Comparison,
  compareSamples,
  fps,
  geometricMean,
  improvementPct,
  type SpeedupEstimate,
  type StudyAnalysis,
  type VariantAnalysis,
  type Verdict,
  verdictOf,
} from './compare.js';
export { type DiffOptions, type DiffRow, diffStudies, type StudyDiff } from './diff.js';
export { outputFidelity } from './fidelity.js';
export { resolveStudyModel } from './models.js';
export {
  groupKeyOf,
  modelNameFromRef,
  type PlannedGroup,
  type PlannedVariant,
  planStudy,
  roundOrder,
  type StudyPlan,
  variantKey,
} from './plan.js';
export { PRESET_NAMES, PRESETS, presetSpec } from './presets.js';
export {
  type PreparedModel,
  prepareRecipeModel,
  RECIPE_NAMES,
  type RecipeName,
} from './recipes.js';
export {
  defaultWorkDir,
  type RunStudyOptions,
  runStudy,
  type StudyEvent,
  type StudyRunOutcome,
} from './run.js';
export { availableScenarios, SCENARIO_NAMES, type ScenarioName } from './scenarios.js';
export {
  type LoadedSpec,
  loadSpec,
  parseSpec,
  STUDY_STOP_RULES,
  type StudySpec,
  type StudySpecInput,
  studySpecSchema,
  validateSpec,
} from './spec.js';
export {
  compareVariants,
  type FidelityRequest,
  type FidelitySide,
  measureFidelity,
  type OpenedOutputs,
  type OpenOutputs,
  openInThisProcess,
  type PreparedVariant,
  prepareVariant,
  variantFidelity,
} from './variants.js';
