/**
 * Tune: the fastest deployable configuration of a model on this machine, within a fidelity budget.
 *
 *   const { record } = await tune({ model: 'model.onnx', store, output: 'best.onnx', budget: 'snr>=30db' });
 */

export {
  type CandidateStatus,
  type LeaderboardEntry,
  OBJECTIVES,
  type Objective,
  readTuneRecord,
  TUNE_RECORD_SCHEMA,
  TUNE_RECORD_VERSION,
  type TuneRecord,
} from '../study/tune-record.js';
export {
  BUDGET_METRICS,
  type Budget,
  type BudgetClause,
  type BudgetMetric,
  type BudgetMetrics,
  type BudgetVerdict,
  budgetMetrics,
  budgetText,
  checkBudgetFits,
  clauseText,
  defaultBudget,
  evaluateBudget,
  parseBudget,
  parseBudgetClause,
} from './budget.js';
export { type CommandContext, rebuildCommands } from './commands.js';
/** The measurer contract: every type of measurer.ts. */
export type * from './measurer.js';
export { type CountProbe, type CountSearch, searchKeepCount } from './mixed.js';
export {
  type Choice,
  chooseWinner,
  compareEntrants,
  costOf,
  DEFAULT_RACE_SETTINGS,
  decideRound,
  type Entrant,
  FIDELITY_TIE_DB,
  type Finalist,
  finalStandings,
  type PairEstimate,
  type RaceSettings,
  type RoundDecision,
  type Simplicity,
  simplestOf,
} from './racing.js';
export {
  BUILD_FAMILIES,
  type BuildFamily,
  type BuildSpec,
  type CandidateSpec,
  defaultSpace,
  defaultThreads,
  planBuilds,
  planCandidates,
  type SearchSpace,
} from './space.js';
export {
  DEFAULT_TIME_BUDGET_MS,
  TUNE_STOP_RULES,
  TuneError,
  type TuneEvent,
  type TuneOptions,
  type TuneOutcome,
  tune,
} from './tune.js';
export { type WorkerMeasurerOptions, workerMeasurer } from './worker-measurer.js';
