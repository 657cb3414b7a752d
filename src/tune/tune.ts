/**
 * `tune()`: the fastest deployable configuration of a model on this machine, within a fidelity
 * budget, with the statistics to show it.
 *
 * 1. Plan: the builds of the search space (space.ts) and their candidates (× graph level, threads,
 *    execution provider, batch). The tune is stored as a study: each candidate a variant, each race
 *    round a round, so history, show, diff and report work on it.
 * 2. Build every candidate's model and check its fidelity against the input model on the tune's
 *    data; what cannot be built or fails the budget is dropped before any timing, with the reason.
 *    When full int8 fails the budget, mixed precision searches how many of the most sensitive ops to
 *    keep in float (mixed.ts).
 * 3. Race (racing.ts): the survivors measured interleaved in rounds, each in a fresh worker process;
 *    one slower than the leader with confidence is dropped; the race ends when one is left, at the
 *    time budget, or after the last round. The baseline (the model as given, onnxruntime's defaults)
 *    runs every round as the reference for the speedup.
 * 4. The winner: the fastest finalist, or the simplest of those tied with it; its model is written
 *    to the output (never the input), with the commands that rebuild and re-measure it.
 *
 * Everything measured is stored as it ends; bad input fails before anything runs, and a budget no
 * candidate meets fails after the checks with the closest candidate named (UserError, exit 2) —
 * what was measured stays stored either way.
 */

import { constants as fsConstants } from 'node:fs';
import { access, copyFile, mkdir, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TensorInfo } from '../engines/engine.js';
import { onnxruntimeVersion } from '../engines/ort.js';
import type { OrtExecutionProvider } from '../engines/ort-options.js';
import { describeHost, type HostInfo, physicalCoreCount } from '../env/host.js';
import { int8Support } from '../env/isa.js';
import { messageOf, UserError } from '../errors.js';
import { sha256File } from '../measure/benchmark.js';
import type { StopRules } from '../measure/settings.js';
import { medianSorted, percentileSorted, sortedCopy } from '../measure/stats.js';
import type { ImagePreprocess } from '../optimize/calibration-data.js';
import type { FidelityReport } from '../optimize/fidelity.js';
import type { FidelityMetrics, StoredStudy, StudyStore, VariantRecord } from '../store/types.js';
import { TUNE_SOURCE } from '../store/types.js';
import { roundOrder, variantKey } from '../study/plan.js';
import { defaultWorkDir } from '../study/run.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { resolveInputShape } from '../workloads/shapes.js';
import { resolveModel } from '../zoo/resolve.js';
import {
  type Budget,
  type BudgetMetrics,
  type BudgetVerdict,
  budgetMetrics,
  budgetText,
  checkBudgetFits,
  defaultBudget,
  evaluateBudget,
  metricsText,
  parseBudget,
  snrOf,
} from './budget.js';
import { rebuildCommands } from './commands.js';
import type { CandidateMeasurer, MeasureEntry, TuneData } from './measurer.js';
import { searchKeepCount } from './mixed.js';
import {
  chooseWinner,
  compareEntrants,
  costOf,
  DEFAULT_RACE_SETTINGS,
  decideRound,
  type Entrant,
  finalStandings,
  type PairEstimate,
  type RaceSettings,
} from './racing.js';
import {
  type CandidateStatus,
  type LeaderboardEntry,
  type MixedSearchRecord,
  OBJECTIVES,
  type Objective,
  type RoundRecord,
  TUNE_RECORD_SCHEMA,
  TUNE_RECORD_VERSION,
  type TuneRecord,
  type WinnerRecord,
} from './record.js';
import {
  type BuildSpec,
  type CandidateSpec,
  defaultSpace,
  mixedBuild,
  planBuilds,
  planCandidates,
  recipeCount,
  type SearchSpace,
  validateSpace,
} from './space.js';
import { workerMeasurer } from './worker-measurer.js';

/** Per-measurement stop rules of a race: short, because rounds repeat and candidates are many. */
export const TUNE_STOP_RULES: Readonly<StopRules> = Object.freeze({
  warmupTimeMs: 200,
  warmupCount: 3,
  minTimeMs: 500,
  minCount: 10,
  maxCount: 0,
  maxTimeMs: 5000,
  relCi: 0,
});

export const DEFAULT_TIME_BUDGET_MS = 300_000;
/** Runs per measurement at least for the p99 objective (two samples above the p99 of each round). */
export const P99_MIN_COUNT = 200;
export const DEFAULT_MAX_ROUNDS = 10;
/** Seed of synthetic calibration and fidelity samples: the CLI's own, so the rebuild commands match. */
const DATA_SEED = 42;
const DEFAULT_SAMPLE_COUNT = 16;
/** Batches tried for the throughput objective when the model's batch is free. */
const THROUGHPUT_BATCHES = [1, 2, 4, 8];

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
  /** Overrides of the search space (defaultSpace: every family, level, method; threads 1, 2, 4 … cores). */
  space?: Partial<SearchSpace>;
  /** How long the race may take (ms; building and fidelity checks come before it). */
  timeBudgetMs?: number;
  maxRounds?: number;
  /** Rounds every candidate runs before any elimination (default 3). */
  minRounds?: number;
  stopRules?: Partial<StopRules>;
  /** false: no elimination, every candidate in every round (to compare with racing). */
  racing?: boolean;
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
    }
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

interface CandidateState {
  spec: CandidateSpec;
  build: BuildSpec;
  variant: VariantRecord;
  modelPath: string | null;
  /** Racing: still in the race. */
  status: CandidateStatus | 'racing' | 'pending';
  reason: string | null;
  fidelity: BudgetMetrics | null;
  verdict: BudgetVerdict | null;
  /** Latency samples (ms) per round. */
  rounds: Map<number, Float64Array>;
  eliminatedInRound: number | null;
  vsLeader: (PairEstimate & { leader: string; round: number }) | null;
}

function safeFileName(id: string): string {
  return id.replace(/[^\w.+-]+/g, '_');
}

async function checkReadable(source: string | undefined, flag: string): Promise<void> {
  if (source === undefined || source === 'synthetic') return;
  if (!(await stat(source).catch(() => undefined)))
    throw new UserError(
      `${flag} ${source}: not found (give a folder of images or tensors, a video, or synthetic)`,
    );
}

/** The output path: an .onnx file that is not the input, in a folder that can be written. */
async function checkOutput(output: string, input: string): Promise<string> {
  const resolved = path.resolve(output);
  if (!resolved.toLowerCase().endsWith('.onnx'))
    throw new UserError(`-o ${output}: the output file must end in .onnx`);
  const inputReal = await realpath(input);
  const outputReal = await realpath(resolved).catch(() => resolved);
  if (inputReal === outputReal)
    throw new UserError(`-o ${output} is the input model: write the tuned model to another file`);
  const info = await stat(resolved).catch(() => undefined);
  if (info?.isDirectory()) throw new UserError(`-o ${output} is a folder: give a file name ending in .onnx`);
  const dir = path.dirname(resolved);
  try {
    await makeFolders(dir);
    await access(dir, fsConstants.W_OK);
    if (info) await access(resolved, fsConstants.W_OK);
  } catch (error) {
    throw new UserError(`cannot write the tuned model to ${output}: ${messageOf(error)}`);
  }
  return resolved;
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir can spin forever where a level cannot be
 * made (under /proc, for one), instead of failing.
 */
async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = dir;
  while (!(await stat(at).catch(() => undefined))) {
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing) await mkdir(folder);
}

/** Leading dimension fixed by the model (the same on every input), or undefined when free. */
function fixedBatch(inputs: readonly TensorInfo[]): number | undefined {
  const firsts = inputs.map((i) => i.shape[0]);
  if (firsts.length === 0 || firsts.some((d) => typeof d !== 'number' || d <= 0)) return undefined;
  return firsts.every((d) => d === firsts[0]) ? (firsts[0] as number) : undefined;
}

/** The shapes for one batch: the user's, with the leading dimension set to the batch where it is free. */
function shapesFor(
  shapes: Record<string, number[]> | undefined,
  inputs: readonly TensorInfo[],
  batch: number,
): Record<string, number[]> | undefined {
  if (!shapes) return undefined;
  const out: Record<string, number[]> = {};
  for (const [name, dims] of Object.entries(shapes)) {
    const info = inputs.find((i) => i.name === name);
    const free = info && !(typeof info.shape[0] === 'number' && info.shape[0] > 0);
    out[name] = free && dims.length > 0 ? [batch, ...dims.slice(1)] : dims;
  }
  return out;
}

/** An entrant of the race: its cost samples (ms, or ms per item for throughput). */
function entrantOf(state: CandidateState, objective: Objective): Entrant {
  if (objective !== 'throughput') return { id: state.spec.id, rounds: state.rounds };
  const perItem = new Map<number, Float64Array>();
  for (const [r, s] of state.rounds)
    perItem.set(
      r,
      s.map((v) => v / state.spec.batch),
    );
  return { id: state.spec.id, rounds: perItem };
}

function pooledSamples(state: CandidateState): Float64Array {
  const all = [...state.rounds.values()];
  const out = new Float64Array(all.reduce((n, s) => n + s.length, 0));
  let offset = 0;
  for (const s of all) {
    out.set(s, offset);
    offset += s.length;
  }
  return out;
}

function fidelityRecordMetrics(m: BudgetMetrics): FidelityMetrics {
  const { accuracy: _accuracy, ...rest } = m;
  return rest;
}

function isAbort(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

export async function tune(options: TuneOptions): Promise<TuneOutcome> {
  const { store } = options;
  const emit = (event: TuneEvent) => options.onEvent?.(event);
  const signal = options.signal;

  // ---- 1. Everything the user gave, checked before anything runs.
  const objective = options.objective ?? 'latency';
  if (!(OBJECTIVES as readonly string[]).includes(objective))
    throw new UserError(`objective must be one of ${OBJECTIVES.join(', ')}; got '${objective}'`);
  if (options.deadlineMs !== undefined && !(options.deadlineMs > 0))
    throw new UserError(`the deadline must be a positive number of ms; got ${options.deadlineMs}`);
  const givenBudget = options.budget === undefined ? undefined : parseBudget(options.budget);
  // A p99 rests on the slowest 1% of a round's runs: it needs more of them than a median does.
  const stopRules: StopRules = {
    ...TUNE_STOP_RULES,
    ...(objective === 'p99' ? { minCount: P99_MIN_COUNT } : {}),
    ...options.stopRules,
  };
  const timeBudgetMs = options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const oneMeasurementMs = stopRules.warmupTimeMs + stopRules.minTimeMs;
  if (!(timeBudgetMs > oneMeasurementMs))
    throw new UserError(
      `a time budget of ${(timeBudgetMs / 1000).toFixed(1)} s is too small to measure even the baseline once (a measurement takes at least ${(oneMeasurementMs / 1000).toFixed(1)} s of warm-up and steady state, plus its worker's start): give --time-budget of a few minutes`,
    );
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  const raceSettings: RaceSettings = {
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
  if (!Number.isInteger(maxRounds) || maxRounds < 1)
    throw new UserError(`the rounds cap must be a whole number ≥ 1; got ${maxRounds}`);
  if (!Number.isInteger(raceSettings.minRounds) || raceSettings.minRounds < 1)
    throw new UserError(`the minimum rounds must be a whole number ≥ 1; got ${raceSettings.minRounds}`);
  for (const [name, value] of [
    ['confidence', raceSettings.confidence],
    ['elimination confidence', raceSettings.eliminationConfidence],
  ] as const)
    if (!(value > 0.5 && value < 1))
      throw new UserError(`the ${name} must be between 0.5 and 1; got ${value}`);
  if (!(raceSettings.margin >= 0 && raceSettings.margin < 1))
    throw new UserError(`the margin must be a fraction in [0, 1); got ${raceSettings.margin}`);

  const resolved = await resolveModel(options.model);
  const output = options.output !== undefined ? await checkOutput(options.output, resolved.path) : null;
  const calibSource =
    options.calib && options.calib !== 'synthetic' ? path.resolve(options.calib) : 'synthetic';
  const inputsSource =
    options.inputs && options.inputs !== 'synthetic'
      ? path.resolve(options.inputs)
      : options.inputs === 'synthetic'
        ? 'synthetic'
        : calibSource;
  const labels = options.labels ? path.resolve(options.labels) : undefined;
  await checkReadable(options.calib, '--calib');
  await checkReadable(options.inputs, '--inputs');
  if (labels && !(await stat(labels).catch(() => undefined))?.isDirectory())
    throw new UserError(`--labels ${options.labels}: not a folder (give one subfolder of images per class)`);
  const data: TuneData = {
    calibration: { source: calibSource, count: options.calibCount ?? DEFAULT_SAMPLE_COUNT },
    fidelity: {
      inputs: inputsSource,
      count: options.fidelityCount ?? DEFAULT_SAMPLE_COUNT,
      ...(labels ? { labels } : {}),
    },
    ...(options.shapes && Object.keys(options.shapes).length > 0 ? { shapes: options.shapes } : {}),
    ...(options.preprocess ? { preprocess: options.preprocess } : {}),
    seed: DATA_SEED,
  };

  const host: HostInfo = await describeHost();
  const isa = int8Support(host.cpu.features).summary;
  const measurer =
    options.measurer ??
    workerMeasurer({
      limits: {
        ...(options.workerTimeoutMs !== undefined ? { timeoutMs: options.workerTimeoutMs } : {}),
        ...(signal ? { signal } : {}),
      },
      host,
    });

  const iface = await measurer.describe(resolved.path);
  if (!iface.ok) {
    if (iface.aborted) throw new UserError('interrupted before the tune started', { exitCode: 130 });
    throw new UserError(
      `cannot load ${options.model}: ${iface.failure.reason.replace(/^reading the model: /, '')}`,
    );
  }
  const { inputs, outputs } = iface.value;
  const budget = givenBudget ?? defaultBudget(outputs, { realData: data.fidelity.inputs !== 'synthetic' });
  checkBudgetFits(budget, outputs, { ...(labels ? { labels } : {}), model: options.model });

  // The space: the user's overrides on the defaults; EPs that work here when none are named.
  const physicalCores = host.cpu.physicalCores ?? physicalCoreCount();
  const fixed = fixedBatch(inputs);
  let eps = options.space?.eps;
  if (!eps) eps = await workingExecutionProviders();
  const requestedBatches = options.space?.batches ?? (objective === 'throughput' ? THROUGHPUT_BATCHES : [1]);
  const batches =
    fixed !== undefined ? (options.space?.batches ? requestedBatches : [fixed]) : requestedBatches;
  const space = validateSpace({ ...defaultSpace({ physicalCores }), ...options.space, eps, batches });
  // Shapes must resolve for every batch before anything is built (the same message as `run`).
  for (const batch of space.batches)
    for (const info of inputs)
      resolveInputShape(info, { batch, shapes: shapesFor(data.shapes, inputs, batch) });

  // ---- 2. The study that stores it.
  const modelName = resolved.name;
  const builds = planBuilds(space);
  const candidates = planCandidates(builds, space);
  const study = await store.createStudy({
    name: `tune-${modelName}`.replace(/[^\w.+-]+/g, '_'),
    source: TUNE_SOURCE,
    spec: {
      kind: 'tune',
      model: options.model,
      objective,
      deadlineMs: options.deadlineMs ?? null,
      budget: budgetText(budget),
      space,
      rounds: maxRounds,
      timeBudgetMs,
      stopRules,
      racing: raceSettings.eliminate,
      bootstrap: {
        resamples: raceSettings.resamples,
        seed: raceSettings.seed,
        confidence: raceSettings.confidence,
      },
    },
    edgebenchVersion: EDGEBENCH_VERSION,
  });
  const studyId = study.id;
  await store.recordEnvironment({
    studyId,
    capturedAt: new Date().toISOString(),
    host: host as unknown as Record<string, unknown>,
    onnxruntime: onnxruntimeVersion(),
    edgebench: EDGEBENCH_VERSION,
    extra: { node: process.version, cpus: os.cpus().length },
  });
  const workDir = options.workDir ?? defaultWorkDir(store.location, studyId);

  const buildById = new Map(builds.map((b) => [b.id, b]));
  const states: CandidateState[] = [];
  const baselineSpec = candidates.find((c) => c.baseline)!;
  const baselineKey = variantKey(
    modelName,
    baselineSpec.label,
    baselineSpec.ep,
    baselineSpec.threads,
    baselineSpec.batch,
    'single-stream',
  );

  /** Stores candidates as variants (new ones only) and tracks them. */
  const addCandidates = async (specs: readonly CandidateSpec[]) => {
    const planned = specs.map((c, i) => {
      const build = buildById.get(c.build)!;
      return {
        key: variantKey(modelName, c.label, c.ep, c.threads, c.batch, 'single-stream'),
        groupKey: `${modelName}|tune`,
        position: states.length + i,
        model: modelName,
        modelRef: options.model,
        label: c.label,
        role: c.baseline ? ('baseline' as const) : ('optimized' as const),
        baselineKey: c.baseline ? null : baselineKey,
        recipes: [...build.recipes],
        graphOptLevel: c.graphOptLevel,
        ep: c.ep,
        threads: c.threads,
        batch: c.batch,
        scenario: 'single-stream',
        settings: {
          ...(data.shapes ? { shapes: shapesFor(data.shapes, inputs, c.batch) } : {}),
          stopRules,
          seed: raceSettings.seed,
          tune: {
            candidate: c.id,
            build: build.id,
            family: build.family,
            engine: c.engine,
            target: c.target,
            ...(build.calibrationMethod ? { calibrationMethod: build.calibrationMethod } : {}),
            ...(build.activationType ? { activationType: build.activationType } : {}),
            ...(build.dynamicConv ? { dynamicConv: true } : {}),
            ...(build.keepFloat ? { keepFloat: build.keepFloat } : {}),
          },
        },
      };
    });
    const stored = await store.addVariants(studyId, planned);
    const byKey = new Map(stored.map((v) => [v.key, v]));
    for (const [i, c] of specs.entries())
      states.push({
        spec: c,
        build: buildById.get(c.build)!,
        variant: byKey.get(planned[i].key)!,
        modelPath: null,
        status: 'pending',
        reason: null,
        fidelity: null,
        verdict: null,
        rounds: new Map(),
        eliminatedInRound: null,
        vsLeader: null,
      });
  };
  await addCandidates(candidates);
  emit({
    type: 'started',
    studyId,
    model: options.model,
    budget,
    objective,
    builds: builds.length,
    candidates: candidates.length,
    space,
    isa,
    timeBudgetMs,
  });

  const notes: string[] = [];
  const prepareStarted = Date.now();
  const built = new Map<string, string>();
  const buildFailures = new Map<string, string>();
  const fidelityByPair = new Map<
    string,
    { metrics: BudgetMetrics; verdict: BudgetVerdict } | { error: string }
  >();
  let interrupted = false;

  const failCandidates = async (
    filter: (s: CandidateState) => boolean,
    status: CandidateStatus,
    reason: string,
    kind: string,
  ) => {
    for (const s of states.filter(filter)) {
      s.status = status;
      s.reason = reason;
      await store.updateVariant(s.variant.id, { status: 'failed', failure: { kind, reason } });
    }
  };

  const buildOne = async (build: BuildSpec): Promise<string | null> => {
    const started = Date.now();
    const result = await measurer.prepare({
      build,
      input: resolved.path,
      output: path.join(workDir, `${safeFileName(build.id)}.onnx`),
      data,
    });
    if (!result.ok) {
      if (result.aborted) interrupted = true;
      else {
        buildFailures.set(build.id, result.failure.reason);
        emit({ type: 'build-failed', build: build.id, reason: result.failure.reason });
      }
      return null;
    }
    built.set(build.id, result.value.path);
    if (build.recipes.length > 0)
      emit({ type: 'built', build: build.id, ms: Date.now() - started, notes: result.value.notes });
    return result.value.path;
  };

  const checkOne = async (build: BuildSpec, modelPath: string, level: CandidateSpec['graphOptLevel']) => {
    const pair = `${build.id}@${level}`;
    const result = await measurer.fidelity({
      reference: resolved.path,
      candidate: modelPath,
      graphOptLevel: level,
      data,
    });
    if (!result.ok) {
      if (result.aborted) {
        interrupted = true;
        return null;
      }
      fidelityByPair.set(pair, { error: result.failure.reason });
      emit({ type: 'check-failed', build: build.id, level, reason: result.failure.reason });
      return null;
    }
    const metrics = budgetMetrics(result.value as FidelityReport);
    const verdict = evaluateBudget(budget, metrics);
    fidelityByPair.set(pair, { metrics, verdict });
    emit({ type: 'checked', build: build.id, level, text: metricsText(budget, metrics), verdict });
    return { metrics, verdict };
  };

  /** Applies a build's preparation and its fidelity checks to its candidates. */
  const settleBuild = async (build: BuildSpec) => {
    const own = states.filter((s) => s.build.id === build.id);
    const modelPath = built.get(build.id);
    if (!modelPath) {
      const reason = buildFailures.get(build.id);
      if (reason) await failCandidates((s) => s.build.id === build.id, 'not-built', reason, 'prepare');
      return;
    }
    const sha = await sha256File(modelPath).catch(() => null);
    for (const s of own) {
      s.modelPath = modelPath;
      await store.updateVariant(s.variant.id, {
        modelPath,
        modelSha256: sha,
        status: 'ok',
      });
    }
    const baselineState = states.find((s) => s.spec.baseline)!;
    for (const level of [...new Set(own.map((s) => s.spec.graphOptLevel))]) {
      if (isAbort(signal) || interrupted) return;
      const pair = `${build.id}@${level}`;
      if (!fidelityByPair.has(pair)) await checkOne(build, modelPath, level);
      const checked = fidelityByPair.get(pair);
      if (!checked) return;
      for (const s of own.filter((x) => x.spec.graphOptLevel === level)) {
        if ('error' in checked) {
          s.status = 'failed';
          s.reason = checked.error;
          await store.recordFidelity({
            variantId: s.variant.id,
            baselineVariantId: baselineState.variant.id,
            source: FIDELITY_SOURCE,
            metrics: null,
            error: checked.error,
          });
          await store.updateVariant(s.variant.id, {
            status: 'failed',
            failure: { kind: 'error', reason: checked.error },
          });
          continue;
        }
        s.fidelity = checked.metrics;
        s.verdict = checked.verdict;
        await store.recordFidelity({
          variantId: s.variant.id,
          baselineVariantId: baselineState.variant.id,
          source: FIDELITY_SOURCE,
          metrics: fidelityRecordMetrics(checked.metrics),
          error: null,
        });
        if (!checked.verdict.holds) {
          s.status = 'rejected-by-budget';
          s.reason = `fails the budget: ${checked.verdict.failures.join('; ')}`;
          // The baseline is measured as the reference even when it misses the budget.
          if (!s.spec.baseline)
            await store.updateVariant(s.variant.id, {
              status: 'failed',
              failure: { kind: 'budget', reason: s.reason },
            });
        } else s.status = 'racing';
      }
    }
  };

  // ---- 3. Build and check. The baseline first: a data or model problem shows there, once.
  for (const build of builds) {
    if (isAbort(signal) || interrupted) break;
    await buildOne(build);
    if (build.family === 'fp32') {
      const baselinePath = built.get(build.id);
      if (baselinePath) {
        const check = await checkOne(build, baselinePath, baselineSpec.graphOptLevel);
        const failed = fidelityByPair.get(`${build.id}@${baselineSpec.graphOptLevel}`);
        if (!check && failed && 'error' in failed) {
          await store.updateStudy(studyId, { status: 'finished', finishedAt: new Date().toISOString() });
          throw new UserError(
            `cannot check fidelity on ${data.fidelity.inputs === 'synthetic' ? 'synthetic inputs' : data.fidelity.inputs}: ${failed.error.replace(/^checking fidelity: /, '')}`,
          );
        }
      }
    }
    await settleBuild(build);
  }

  // ---- Mixed precision: when full int8 misses the budget, keep the most sensitive ops in float.
  let mixed: MixedSearchRecord | null = null;
  if (space.families.includes('mixed') && !interrupted && !isAbort(signal)) {
    const failing = builds
      .filter((b) => b.family === 'int8-static')
      .map((b) => ({ build: b, check: fidelityByPair.get(`${b.id}@all`) }))
      .filter(
        (x): x is { build: BuildSpec; check: { metrics: BudgetMetrics; verdict: BudgetVerdict } } =>
          x.check !== undefined && 'verdict' in x.check && !x.check.verdict.holds,
      )
      .sort((a, b) => a.check.verdict.shortfall - b.check.verdict.shortfall);
    const anyHolds = builds.some((b) => {
      const c = fidelityByPair.get(`${b.id}@all`);
      return b.family === 'int8-static' && c && 'verdict' in c && c.verdict.holds;
    });
    if (failing.length > 0 && !anyHolds) mixed = await searchMixed(failing[0].build);
    else if (failing.length > 0)
      notes.push('mixed precision was not searched: a full int8-static build already meets the budget');
  }

  async function searchMixed(from: BuildSpec): Promise<MixedSearchRecord> {
    emit({
      type: 'mixed',
      text: `full int8 misses the budget; ranking the ops of ${from.id} by sensitivity…`,
    });
    const ranked = await measurer.rankSensitivity({ input: resolved.path, build: from, data });
    if (!ranked.ok) {
      if (ranked.aborted) interrupted = true;
      const note = `the sensitivity ranking failed: ${ranked.failure.reason}`;
      emit({ type: 'mixed', text: note });
      return {
        from: from.id,
        ranked: 0,
        allQuantizedSnrDb: Number.NaN,
        ranking: [],
        probes: [],
        kept: null,
        build: null,
        note,
      };
    }
    const { ranking, allQuantizedSnrDb } = ranked.value;
    emit({
      type: 'mixed',
      text: `${ranking.length} ops ranked (all quantized: ${allQuantizedSnrDb.toFixed(1)} dB on the calibration samples); searching how many to keep in float`,
    });
    const probes: MixedSearchRecord['probes'] = [];
    const search = await searchKeepCount(ranking.length, async (kept) => {
      if (interrupted || isAbort(signal)) return false;
      const build = mixedBuild(from, ranking, kept);
      buildById.set(build.id, build);
      const modelPath = await buildOne(build);
      if (!modelPath) {
        probes.push({
          kept,
          holds: false,
          build: build.id,
          summary: buildFailures.get(build.id) ?? 'not built',
        });
        return false;
      }
      const check = await checkOne(build, modelPath, 'all');
      const holds = check?.verdict.holds === true;
      const summary = check
        ? `${metricsText(budget, check.metrics)}${holds ? '' : ` (${check.verdict.failures.join('; ')})`}`
        : 'fidelity not measured';
      probes.push({ kept, holds, build: build.id, summary });
      emit({
        type: 'mixed',
        text: `keeping ${kept} of ${ranking.length} in float: ${holds ? 'meets the budget' : 'misses it'} — ${summary}`,
      });
      return holds;
    });
    let buildId: string | null = null;
    if (search.kept !== null) {
      const build = mixedBuild(from, ranking, search.kept);
      buildId = build.id;
      await addCandidates(planCandidates([build], space));
      await settleBuild(build);
    }
    return {
      from: from.id,
      ranked: ranking.length,
      allQuantizedSnrDb,
      ranking: ranking.slice(0, 50),
      probes,
      kept: search.kept,
      build: buildId,
      note:
        search.kept === null
          ? 'no count of ops kept in float met the budget (even all of them: the remaining float ops differ from the input model beyond it)'
          : null,
    };
  }
  const prepareMs = Date.now() - prepareStarted;

  const baseline = states.find((s) => s.spec.baseline)!;
  const racers = () => states.filter((s) => s.status === 'racing');
  const recordBase: Pick<
    TuneRecord,
    'model' | 'objective' | 'deadlineMs' | 'budget' | 'data' | 'space' | 'settings' | 'host'
  > = {
    model: { ref: options.model, path: resolved.path, name: modelName },
    objective,
    deadlineMs: options.deadlineMs ?? null,
    budget: { text: budgetText(budget), source: budget.source },
    data: {
      calibration: `${data.calibration.source} (${data.calibration.count} samples)`,
      fidelity: `${data.fidelity.inputs} (${data.fidelity.count} samples)`,
      labels: labels ?? null,
    },
    space,
    settings: {
      timeBudgetMs,
      maxRounds,
      minRounds: raceSettings.minRounds,
      confidence: raceSettings.confidence,
      eliminationConfidence: raceSettings.eliminationConfidence,
      margin: raceSettings.margin,
      resamples: raceSettings.resamples,
      racing: raceSettings.eliminate,
      stopRules,
    },
    host: { cpu: host.cpu.model, physicalCores, isa },
  };

  const rounds: RoundRecord[] = [];
  let candidateRounds = 0;
  let roundsRun = 0;
  let firstRoundEntrants = 0;
  let raceMs = 0;
  let stopReason: TuneRecord['stopReason'] = null;

  const finish = async (
    outcome: TuneRecord['outcome'],
    winner: WinnerRecord | null,
    closest: TuneRecord['closest'],
    leaderboardWinner: string | null,
  ): Promise<TuneRecord> => {
    const record: TuneRecord = {
      schema: TUNE_RECORD_SCHEMA,
      version: TUNE_RECORD_VERSION,
      ...recordBase,
      outcome,
      stopReason,
      winner,
      closest,
      leaderboard: leaderboard(states, leaderboardWinner, objective, raceSettings.quantile),
      rounds,
      mixed,
      racing: { candidateRounds, everyCandidateEveryRound: firstRoundEntrants * roundsRun },
      phasesMs: { prepare: prepareMs, race: raceMs },
      notes,
    };
    await store.recordTuneResult(studyId, record);
    await store.updateStudy(studyId, {
      status: outcome === 'interrupted' ? 'interrupted' : 'finished',
      finishedAt: outcome === 'interrupted' ? null : new Date().toISOString(),
    });
    emit({ type: 'ended', record });
    return record;
  };
  const done = async (record: TuneRecord): Promise<TuneOutcome> => ({
    studyId,
    record,
    stored: await store.loadStudy(studyId),
  });

  if (interrupted || isAbort(signal)) {
    stopReason = 'interrupted';
    return done(await finish('interrupted', null, null, null));
  }

  // ---- No candidate meets the budget: say which came closest.
  if (racers().length === 0) {
    const checked = states.filter((s) => s.verdict !== null);
    const closestState = [...checked].sort(
      (a, b) =>
        a.verdict!.failures.length - b.verdict!.failures.length ||
        a.verdict!.shortfall - b.verdict!.shortfall ||
        a.variant.position - b.variant.position,
    )[0];
    const closest = closestState
      ? {
          id: closestState.spec.id,
          fidelity: closestState.fidelity,
          failures: closestState.verdict!.failures,
        }
      : null;
    const record = await finish('no-candidate-meets-budget', null, closest, null);
    const why = closestState
      ? `the closest is ${closestState.spec.label} (${metricsText(budget, closestState.fidelity!)}: ${closestState.verdict!.failures.join('; ')})`
      : `no candidate could be built and checked (${[...buildFailures.values()][0] ?? 'see the leaderboard'})`;
    throw new TuneError(
      `no candidate meets the budget ${budgetText(budget)}: ${why}; loosen the budget or widen the search space (stored as ${studyId}: edgebench show ${studyId})`,
      studyId,
      record,
    );
  }

  // ---- 4. The race.
  emit({ type: 'race-started', racers: racers().length, timeBudgetMs });
  const raceStarted = Date.now();
  const raceDeadline = raceStarted + timeBudgetMs;
  let measurementMs: number | null = null;
  let measurements = 0;
  const entryOf = (s: CandidateState): MeasureEntry => ({
    id: s.spec.id,
    modelPath: s.modelPath!,
    modelName,
    engine: s.spec.engine,
    target: s.spec.target,
    ep: s.spec.ep,
    graphOptLevel: s.spec.graphOptLevel,
    threads: s.spec.threads,
    batch: s.spec.batch,
    ...(data.shapes ? { shapes: shapesFor(data.shapes, inputs, s.spec.batch) } : {}),
    stopRules,
    seed: raceSettings.seed,
    requested: { study: studyId, tune: true, candidate: s.spec.id, variant: s.variant.key },
  });
  const byId = new Map(states.map((s) => [s.spec.id, s]));
  let timeUp = false;
  for (let round = 1; round <= maxRounds; round++) {
    const inRace = racers();
    // The baseline runs every round as the reference, even once out of the race.
    const entrants =
      baseline.status === 'racing' || baseline.status === 'failed' ? inRace : [baseline, ...inRace];
    if (baseline.modelPath === null) break;
    if (round === 1) firstRoundEntrants = entrants.length;
    if (round > 1 && measurementMs !== null && Date.now() + measurementMs * entrants.length > raceDeadline) {
      stopReason = 'time-budget';
      break;
    }
    const roundStarted = Date.now();
    const measured: string[] = [];
    for await (const result of measurer.measureRound(roundOrder(entrants.map(entryOf), round), round)) {
      const s = byId.get(result.entry.id)!;
      if (!result.outcome.ok) {
        if (result.outcome.aborted) {
          interrupted = true;
          break;
        }
        const reason = result.outcome.failure.reason;
        await store.recordMeasurement({
          variantId: s.variant.id,
          round,
          startedAt: result.startedAt,
          endedAt: result.endedAt,
          failure: result.outcome.failure,
        });
        await store.updateVariant(s.variant.id, { status: 'failed', failure: result.outcome.failure });
        s.status = 'failed';
        s.reason = reason;
        candidateRounds++;
        emit({ type: 'measure-failed', candidate: s.spec.id, round, reason });
      } else {
        const run = result.outcome.value;
        await store.recordMeasurement({
          variantId: s.variant.id,
          round,
          startedAt: result.startedAt,
          endedAt: result.endedAt,
          result: run,
        });
        s.rounds.set(round, Float64Array.from(run.samplesMs));
        measured.push(s.spec.id);
        candidateRounds++;
        emit({
          type: 'measured',
          candidate: s.spec.id,
          round,
          medianMs: run.stats.medianMs,
          samples: run.samplesMs.length,
        });
      }
      measurements++;
      measurementMs = (Date.now() - raceStarted) / measurements;
      if (isAbort(signal)) {
        interrupted = true;
        break;
      }
      if (Date.now() >= raceDeadline) {
        timeUp = true;
        break;
      }
    }
    roundsRun = round;
    if (interrupted) {
      stopReason = 'interrupted';
      break;
    }

    // The decision after the round.
    const alive = racers().filter((s) => s.rounds.size > 0);
    const eliminated: RoundRecord['eliminated'] = [];
    let leader: string | null = null;
    if (alive.length > 0) {
      const decision = decideRound(
        alive.map((s) => entrantOf(s, objective)),
        round,
        raceSettings,
      );
      leader = decision.leader;
      for (const standing of decision.standings) {
        const s = byId.get(standing.id)!;
        if (standing.vsLeader) s.vsLeader = { ...standing.vsLeader, leader: decision.leader, round };
        if (decision.eliminated.includes(standing.id) && standing.vsLeader) {
          s.status = 'eliminated';
          s.eliminatedInRound = round;
          s.reason = `slower than ${decision.leader}: cost ratio ${standing.vsLeader.ratio.toFixed(3)}, ${Math.round(raceSettings.eliminationConfidence * 100)}% CI [${standing.vsLeader.ci[0].toFixed(3)}, ${standing.vsLeader.ci[1].toFixed(3)}] above ${(1 + raceSettings.margin).toFixed(2)}`;
          eliminated.push({ id: standing.id, ratio: standing.vsLeader.ratio, ci: standing.vsLeader.ci });
        }
      }
      if (options.deadlineMs !== undefined && round >= raceSettings.minRounds) missDeadlines(round);
    }
    const stillIn = racers();
    rounds.push({
      round,
      startedAt: new Date(roundStarted).toISOString(),
      wallMs: Date.now() - roundStarted,
      measured,
      leader,
      alive: stillIn.length,
      eliminated,
      timeLeftMs: Math.max(0, raceDeadline - Date.now()),
    });
    emit({
      type: 'round-ended',
      round,
      leader,
      alive: stillIn.map((s) => s.spec.id),
      eliminated,
      timeLeftMs: Math.max(0, raceDeadline - Date.now()),
      wallMs: Date.now() - roundStarted,
    });
    if (timeUp) {
      stopReason = 'time-budget';
      break;
    }
    if (raceSettings.eliminate && stillIn.length <= 1 && round >= raceSettings.minRounds) {
      stopReason = 'decided';
      break;
    }
    if (round === maxRounds) stopReason = 'max-rounds';
  }
  raceMs = Date.now() - raceStarted;

  function missDeadlines(round: number | null) {
    for (const s of racers()) {
      if (s.rounds.size === 0) continue;
      const p99 = percentileSorted(sortedCopy(pooledSamples(s)), 99);
      if (p99 > options.deadlineMs!) {
        s.status = 'missed-deadline';
        s.eliminatedInRound = round;
        s.reason = `p99 ${p99.toFixed(3)} ms misses the deadline of ${options.deadlineMs} ms`;
      }
    }
  }

  if (interrupted || isAbort(signal)) {
    stopReason = 'interrupted';
    return done(await finish('interrupted', null, null, null));
  }
  if (options.deadlineMs !== undefined) missDeadlines(roundsRun || null);
  for (const s of racers())
    if (s.rounds.size === 0) {
      s.status = 'not-measured';
      s.reason = 'the time budget ran out before it was measured';
    }

  // ---- 5. The winner.
  const finalists = racers();
  const measuredOthers = states.filter(
    (s) => s.rounds.size > 0 && s !== baseline && s.status !== 'rejected-by-budget',
  );
  if (finalists.length === 0) {
    const deadlineMisses = states.filter((s) => s.status === 'missed-deadline');
    let outcome: TuneRecord['outcome'] = 'time-budget-too-small';
    let message: string;
    if (deadlineMisses.length > 0) {
      outcome = 'no-candidate-meets-budget';
      const best = deadlineMisses
        .map((s) => ({ s, p99: percentileSorted(sortedCopy(pooledSamples(s)), 99) }))
        .sort((a, b) => a.p99 - b.p99)[0];
      message = `no candidate meets the deadline of ${options.deadlineMs} ms: the lowest p99 was ${best.p99.toFixed(3)} ms (${best.s.spec.label}); raise --deadline-ms or widen the search space`;
    } else if (baseline.rounds.size === 0 || measuredOthers.length === 0) {
      const perMeasurement = measurementMs
        ? ` (one measurement took ${(measurementMs / 1000).toFixed(1)} s)`
        : '';
      const needed = measurementMs
        ? Math.ceil((measurementMs * firstRoundEntrants * raceSettings.minRounds) / 1000)
        : null;
      message = `the time budget of ${(timeBudgetMs / 1000).toFixed(0)} s is too small to measure even the baseline and one candidate${perMeasurement}${needed ? `; this space needs about ${needed} s for ${raceSettings.minRounds} rounds` : ''}: raise --time-budget or narrow the search space`;
    } else {
      outcome = 'no-candidate-meets-budget';
      message = `every candidate that meets the budget failed to run: ${states.filter((s) => s.status === 'failed').map((s) => `${s.spec.label}: ${s.reason}`)[0] ?? 'see the leaderboard'}`;
    }
    const record = await finish(outcome, null, null, null);
    throw new TuneError(`${message} (stored as ${studyId}: edgebench show ${studyId})`, studyId, record);
  }

  const final = finalStandings(
    finalists.map((s) => entrantOf(s, objective)),
    raceSettings,
  );
  for (const standing of final) {
    const s = byId.get(standing.id)!;
    s.vsLeader = standing.vsLeader ? { ...standing.vsLeader, leader: final[0].id, round: roundsRun } : null;
  }
  const choice = chooseWinner(
    final.map((standing) => {
      const s = byId.get(standing.id)!;
      const snr = s.fidelity ? snrOf(s.fidelity) : null;
      return {
        id: standing.id,
        cost: standing.cost,
        vsLeader: standing.vsLeader,
        simplicity: {
          recipes: recipeCount(s.build),
          fidelity: snr ?? Number.NEGATIVE_INFINITY,
          threads: s.spec.threads,
          batch: s.spec.batch,
        },
      };
    }),
  );
  const winner = byId.get(choice.winner)!;
  const winnerEntrant = entrantOf(winner, objective);
  const compare = (a: CandidateState) =>
    compareEntrants(entrantOf(a, objective), winnerEntrant, raceSettings);
  const speedupOverBaseline = winner === baseline ? null : compare(baseline);
  const costOfState = (s: CandidateState) => costOf(entrantOf(s, objective), raceSettings.quantile);
  const runnerUpState = states
    .filter(
      (s) =>
        s !== winner &&
        s.rounds.size > 0 &&
        !['rejected-by-budget', 'failed', 'missed-deadline'].includes(s.status),
    )
    .sort((a, b) => costOfState(a) - costOfState(b))[0];
  const runnerUpEstimate = runnerUpState ? compare(runnerUpState) : null;
  const tieNote = choice.tieBroken
    ? `${choice.tied.length} finalists are not significantly different from the fastest, ${choice.leader}; chose ${winner.spec.id}, the simpler (${recipeCount(winner.build)} recipe${recipeCount(winner.build) === 1 ? '' : 's'}${winner.fidelity ? `, ${metricsText(budget, winner.fidelity)}` : ''})`
    : choice.tied.length > 1
      ? `${choice.tied.length - 1} other finalist${choice.tied.length > 2 ? 's are' : ' is'} not significantly different from ${winner.spec.id}, which is also the simplest of them`
      : null;
  if (choice.tieBroken || choice.tied.length > 1) winner.reason = tieNote;
  if (roundsRun < 3)
    notes.push(
      `the race ran ${roundsRun} round${roundsRun === 1 ? '' : 's'}; with fewer than 3 the CIs cannot carry the spread between runs`,
    );
  const fidelityData =
    data.fidelity.inputs === 'synthetic'
      ? `${data.fidelity.count} synthetic inputs`
      : data.fidelity.inputs === data.calibration.source
        ? `the calibration data itself (${data.fidelity.inputs}; give --inputs for a separate set)`
        : data.fidelity.inputs;
  notes.push(
    `fidelity is measured against the input model run as written (graph optimizations disabled), on ${fidelityData}${labels ? `; accuracy on ${labels}` : ''}`,
  );

  winner.status = 'winner';
  for (const s of finalists) if (s !== winner) s.status = 'finalist';
  let written: string | null = null;
  if (output && winner.modelPath) {
    try {
      await copyFile(winner.modelPath, output);
      written = output;
    } catch (error) {
      const record = await finish('winner', winnerRecord(null), null, winner.spec.id);
      throw new TuneError(
        `cannot write the tuned model to ${output}: ${messageOf(error)} (the result is stored as ${studyId}: edgebench show ${studyId})`,
        studyId,
        record,
      );
    }
  }

  function winnerRecord(out: string | null): WinnerRecord {
    return {
      id: winner.spec.id,
      speedupOverBaseline,
      runnerUp: runnerUpState
        ? {
            id: runnerUpState.spec.id,
            speedup: runnerUpEstimate,
            tie: runnerUpEstimate !== null && runnerUpEstimate.ci[0] <= 1 && runnerUpEstimate.ci[1] >= 1,
          }
        : null,
      tieNote,
      output: out,
      commands: rebuildCommands(winner.build, winner.spec, {
        modelRef: options.model,
        output: out ?? output ?? 'BEST.onnx',
        calibration: data.calibration,
        ...(data.shapes ? { shapes: shapesFor(data.shapes, inputs, winner.spec.batch) } : {}),
        ...(data.preprocess ? { preprocess: data.preprocess } : {}),
      }),
    };
  }
  const record = await finish('winner', winnerRecord(written), null, winner.spec.id);
  return done(record);
}

const FIDELITY_SOURCE = 'tune.compareOutputs (reference: the input model, graph optimizations disabled)';

/** Every candidate, ranked: the winner, finalists by cost, then the eliminated by cost. */
function leaderboard(
  states: readonly CandidateState[],
  winner: string | null,
  objective: Objective,
  quantile: number,
): LeaderboardEntry[] {
  const entries = states.map((s): LeaderboardEntry => {
    const samples = pooledSamples(s);
    const sorted = samples.length > 0 ? sortedCopy(samples) : null;
    const median = sorted ? medianSorted(sorted) : null;
    const status: CandidateStatus =
      s.status === 'racing' ? 'finalist' : s.status === 'pending' ? 'not-measured' : s.status;
    return {
      id: s.spec.id,
      label: s.spec.label,
      build: s.build.id,
      recipes: [...s.build.recipes],
      buildSettings: {
        ...(s.build.calibrationMethod ? { calibrationMethod: s.build.calibrationMethod } : {}),
        ...(s.build.activationType ? { activationType: s.build.activationType } : {}),
        ...(s.build.dynamicConv ? { dynamicConv: true } : {}),
        ...(s.build.mixed ? { keptFloat: s.build.mixed.kept, ranked: s.build.mixed.ranked } : {}),
      },
      engine: s.spec.engine,
      target: s.spec.target,
      ep: s.spec.ep,
      graphOptLevel: s.spec.graphOptLevel,
      threads: s.spec.threads,
      batch: s.spec.batch,
      baseline: s.spec.baseline,
      variantKey: s.variant.key,
      status,
      reason: s.reason,
      eliminatedInRound: s.eliminatedInRound,
      rounds: [...s.rounds.values()].filter((r) => r.length > 0).length,
      medianMs: median,
      p99Ms: sorted ? percentileSorted(sorted, 99) : null,
      throughputPerSec: median ? (s.spec.batch * 1000) / median : null,
      cost: sorted ? costOf(entrantOf(s, objective), quantile) : null,
      vsLeader: s.vsLeader,
      fidelity: s.fidelity,
      budget: s.verdict ? { holds: s.verdict.holds, failures: s.verdict.failures } : null,
      rank: null,
    };
  });
  const tier = (e: LeaderboardEntry) =>
    e.id === winner
      ? 0
      : e.status === 'finalist'
        ? 1
        : e.status === 'eliminated' || e.status === 'missed-deadline'
          ? 2
          : 3;
  const ranked = entries
    .filter((e) => e.cost !== null && tier(e) < 3)
    .sort((a, b) => tier(a) - tier(b) || a.cost! - b.cost!);
  ranked.forEach((e, i) => {
    e.rank = i + 1;
  });
  const order = new Map(ranked.map((e, i) => [e.id, i]));
  return [...entries].sort((a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity));
}

/** Execution providers that initialize here (the CPU at least). */
async function workingExecutionProviders(): Promise<OrtExecutionProvider[]> {
  const { probeExecutionProviders } = await import('../engines/ort-probe.js');
  try {
    const probes = await probeExecutionProviders();
    const working = probes
      .filter((p) => p.available)
      .map((p) => p.id.replace(/^ort\//, '') as OrtExecutionProvider);
    return working.includes('cpu') ? working : ['cpu', ...working];
  } catch {
    return ['cpu'];
  }
}
