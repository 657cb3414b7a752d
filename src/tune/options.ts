/**
 * What `tune()` takes and says: its options, its progress events, its outcome and its error, and
 * the settings resolved from the options (validated here, before anything runs). Pure.
 */

import { defaultStopRules, type StopRules, stopRuleConflicts, validateStopRules } from '../core/settings.js';
import { messageOf, UserError } from '../errors.js';
import type { ImagePreprocess } from '../optimize/calibration-data.js';
import type { StoredStudy, StudyStore } from '../store/types.js';
import { OBJECTIVES, type Objective, type TuneRecord } from '../study/tune-record.js';
import { type Budget, type BudgetVerdict, parseBudget } from './budget.js';
import type { CandidateMeasurer } from './measurer.js';
import { DEFAULT_RACE_SETTINGS, type RaceSettings } from './racing.js';
import type { SearchSpace } from './space.js';

/** Per-measurement stop rules of a race: short, because rounds repeat and candidates are many. */
export const TUNE_STOP_RULES = defaultStopRules('tune');

export const DEFAULT_TIME_BUDGET_MS = 300_000;
/** Runs per measurement at least for the p99 objective (two samples above the p99 of each round). */
export const P99_MIN_COUNT = 200;
export const DEFAULT_MAX_ROUNDS = 10;
export const DEFAULT_PLAYOFF_ROUNDS = 5;
export const DEFAULT_SAMPLE_COUNT = 16;
/** Batches tried for the throughput objective when the model's batch is free. */
export const THROUGHPUT_BATCHES: readonly number[] = [1, 2, 4, 8];
/** Seed of synthetic calibration and fidelity samples: the CLI's own, so the rebuild commands match. */
export const DATA_SEED = 42;

export interface TuneOptions {
  /** An ONNX file or zoo:NAME…. */
  model: string;
  store: StudyStore;
  /** Where to write the winner's model (never the input); absent: nothing is written. */
  output?: string;
  /** Budget clauses (`snr>=30db`, …), one string comma-separated or a list; absent: defaultBudget. */
  budget?: string | readonly string[];
  objective?: Objective;
  /** A candidate whose p99 latency misses this (ms) is out. */
  deadlineMs?: number;
  /** Calibration data: synthetic (default), a folder of images or tensors, a video. */
  calib?: string;
  calibCount?: number;
  /** Fidelity data (default: the calibration data when it is real, else synthetic). */
  inputs?: string;
  fidelityCount?: number;
  /** A labelled folder (one subfolder per class): accuracy, and the accuracy-drop clause. */
  labels?: string;
  shapes?: Record<string, number[]>;
  preprocess?: ImagePreprocess;
  /**
   * Search on this target (a board, by saved name or ssh:// address): builds and fidelity here,
   * every candidate measured there, with onnxruntime there and the board's trtexec when it has it.
   */
  target?: string;
  /** The saved targets (default $EDGEBENCH_TARGETS or ~/.edgebench/targets.yaml). */
  targetsFile?: string;
  /** Overrides of the search space (defaultSpace: every family, level, method; threads 1, 2, 4 … cores). */
  space?: Partial<SearchSpace>;
  /** How long the race may take (ms; building and fidelity checks come before it). */
  timeBudgetMs?: number;
  maxRounds?: number;
  /** Rounds every candidate runs before any elimination (default 3). */
  minRounds?: number;
  stopRules?: Partial<StopRules>;
  /** How messages name a stop rule (default its field, `minCount`; the CLI gives its flags, `--min-count`). */
  stopRuleName?: (key: keyof StopRules) => string;
  /** false: no elimination, every candidate in every round (to compare with racing). */
  racing?: boolean;
  /**
   * Rounds at most of the playoff after the race, in which only the finalists tied with the leader
   * are measured again (default 5; 0: none, ties go straight to the tie rule).
   */
  playoffRounds?: number;
  /** Coverage of the reported CIs and of the tie test (default 0.95). */
  confidence?: number;
  /** Coverage of the CI that eliminates a candidate during the race (default 0.99). */
  eliminationConfidence?: number;
  /** Eliminate only when the CI lies above 1 + margin (default 0.01). */
  margin?: number;
  resamples?: number;
  /** Seed of the bootstrap. */
  seed?: number;
  /** Where the built models go (default: `work/<study-id>` beside the store file). */
  workDir?: string;
  /** Per worker job (a build, a fidelity check, one measurement); default 10 minutes. */
  workerTimeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: TuneEvent) => void;
  /** What builds, checks and measures (default: worker processes; see measurer.ts). */
  measurer?: CandidateMeasurer;
}

export type TuneEvent =
  | {
      type: 'started';
      studyId: string;
      model: string;
      budget: Budget;
      objective: Objective;
      builds: number;
      candidates: number;
      space: SearchSpace;
      isa: string;
      timeBudgetMs: number;
    }
  | { type: 'built'; build: string; ms: number; notes: string[] }
  | { type: 'build-failed'; build: string; reason: string }
  | { type: 'checked'; build: string; level: string; text: string; verdict: BudgetVerdict }
  | { type: 'check-failed'; build: string; level: string; reason: string }
  | { type: 'mixed'; text: string }
  | { type: 'race-started'; racers: number; timeBudgetMs: number }
  | { type: 'measured'; candidate: string; round: number; medianMs: number; samples: number }
  | { type: 'measure-failed'; candidate: string; round: number; reason: string }
  | {
      type: 'round-ended';
      round: number;
      leader: string | null;
      alive: string[];
      eliminated: Array<{ id: string; ratio: number; ci: [number, number] }>;
      timeLeftMs: number;
      wallMs: number;
      /** A playoff round (only the tied finalists ran). */
      playoff?: boolean;
    }
  | { type: 'playoff-started'; tied: string[] }
  | { type: 'ended'; record: TuneRecord };

export interface TuneOutcome {
  studyId: string;
  record: TuneRecord;
  stored: StoredStudy;
}

/** A tune that ended without a winner for a reason the user can act on; what it measured is stored. */
export class TuneError extends UserError {
  readonly studyId: string;
  readonly record: TuneRecord;
  constructor(message: string, studyId: string, record: TuneRecord) {
    super(message);
    this.name = 'TuneError';
    this.studyId = studyId;
    this.record = record;
  }
}

/** The options that decide how the race runs, checked. */
export interface TuneSettings {
  objective: Objective;
  deadlineMs: number | null;
  /** The budget the user gave (absent: the default, chosen once the model's outputs are known). */
  givenBudget: Budget | null;
  stopRules: StopRules;
  timeBudgetMs: number;
  maxRounds: number;
  playoffRounds: number;
  race: RaceSettings;
}

export function resolveSettings(options: TuneOptions): TuneSettings {
  const objective = options.objective ?? 'latency';
  if (!(OBJECTIVES as readonly string[]).includes(objective))
    throw new UserError(`objective must be one of ${OBJECTIVES.join(', ')}; got '${objective}'`);
  if (options.deadlineMs !== undefined && !(options.deadlineMs > 0))
    throw new UserError(`the deadline must be a positive number of ms; got ${options.deadlineMs}`);
  const givenBudget = options.budget === undefined ? null : parseBudget(options.budget);
  // A p99 rests on the slowest 1% of a round's runs: it needs more of them than a median does.
  const stopRules = checkStopRules(options, objective);
  const timeBudgetMs = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const oneMeasurementMs = stopRules.warmupTimeMs + stopRules.minTimeMs;
  if (!(timeBudgetMs > oneMeasurementMs))
    throw new UserError(
      `a time budget of ${(timeBudgetMs / 1000).toFixed(1)} s is too small to measure even the baseline once (a measurement takes at least ${(oneMeasurementMs / 1000).toFixed(1)} s of warm-up and steady state, plus its worker's start): give --time-budget of a few minutes`,
    );
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  if (!Number.isInteger(maxRounds) || maxRounds < 1)
    throw new UserError(`the rounds cap must be a whole number ≥ 1; got ${maxRounds}`);
  const playoffRounds = options.playoffRounds ?? DEFAULT_PLAYOFF_ROUNDS;
  if (!Number.isInteger(playoffRounds) || playoffRounds < 0)
    throw new UserError(`the playoff rounds must be a whole number ≥ 0; got ${playoffRounds}`);
  const race: RaceSettings = {
    ...DEFAULT_RACE_SETTINGS,
    ...(options.minRounds !== undefined ? { minRounds: options.minRounds } : {}),
    ...(options.confidence !== undefined ? { confidence: options.confidence } : {}),
    ...(options.eliminationConfidence !== undefined
      ? { eliminationConfidence: options.eliminationConfidence }
      : {}),
    ...(options.margin !== undefined ? { margin: options.margin } : {}),
    ...(options.resamples !== undefined ? { resamples: options.resamples } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    quantile: objective === 'p99' ? 0.99 : 0.5,
    eliminate: options.racing !== false,
  };
  if (!Number.isInteger(race.minRounds) || race.minRounds < 1)
    throw new UserError(`the minimum rounds must be a whole number ≥ 1; got ${race.minRounds}`);
  for (const [name, value] of [
    ['confidence', race.confidence],
    ['elimination confidence', race.eliminationConfidence],
  ] as const)
    if (!(value > 0.5 && value < 1))
      throw new UserError(`the ${name} must be between 0.5 and 1; got ${value}`);
  if (!(race.margin >= 0 && race.margin < 1))
    throw new UserError(`the margin must be a fraction in [0, 1); got ${race.margin}`);
  if (!(Number.isInteger(race.resamples) && race.resamples >= 100))
    throw new UserError(`the bootstrap needs at least 100 resamples; got ${race.resamples}`);
  return {
    objective,
    deadlineMs: options.deadlineMs ?? null,
    givenBudget,
    stopRules,
    timeBudgetMs,
    maxRounds,
    playoffRounds,
    race,
  };
}

/**
 * The race's stop rules: the tune defaults (a p99 needs more runs), then the caller's; values out
 * of range, or a minimum (or warm-up) above its cap — which the loop would cut short without a
 * word — refused with the rule to change, in the caller's names.
 */
function checkStopRules(options: TuneOptions, objective: Objective): StopRules {
  const defaults: StopRules = {
    ...TUNE_STOP_RULES,
    ...(objective === 'p99' ? { minCount: P99_MIN_COUNT } : {}),
  };
  const given = options.stopRules ?? {};
  const rules = { ...defaults, ...given };
  try {
    validateStopRules(rules);
  } catch (error) {
    throw new UserError(`stop rules: ${messageOf(error)}`);
  }
  const [conflict] = stopRuleConflicts(given, defaults, {
    name: options.stopRuleName ?? ((key) => key),
    unit: 'a measurement',
    zeroCap: '0 = no cap',
    defaultCap: '(the tune default)',
  });
  if (conflict) throw new UserError(conflict.message);
  return rules;
}
