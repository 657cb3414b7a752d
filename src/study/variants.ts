/**
 * A variant's preparation and its fidelity, in one place for every caller: a local study (run.ts),
 * a fleet submission (fleet/submit.ts) and tune (tune/worker-measurer.ts, tune/jobs.ts).
 *
 * - prepareVariant: the recipes applied to the model (in a worker process when there are any, so an
 *   optimizer crash costs one variant, not the run) and the file hashed. A failure comes back as the
 *   reason, never thrown.
 * - reusablePreparation: on resume, a variant's file prepared before, used when it is unchanged.
 * - fidelity: an optimized variant's outputs against its baseline's, on the same inputs. The outputs
 *   come from runners that an `OpenOutputs` function opens: by default engine sessions in this
 *   process, opened through the engine registry. A target that runs models elsewhere (another
 *   machine) passes its own opener to `variantFidelity` and nothing else changes.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { GRAPH_OPT_LEVELS, type GraphOptLevel } from '../engines/ort-options.js';
import { openInProcess } from '../engines/registry.js';
import { isInterruptedError, messageOf, UserError } from '../errors.js';
import { prepareInputs } from '../measure/inputs.js';
import {
  runInWorker,
  siblingModuleUrl,
  type WorkerFailureKind,
  type WorkerLimits,
} from '../measure/worker.js';
import { numberFromFloat16Bits } from '../onnx/float16.js';
import {
  type CompareOptions,
  compareRunners,
  type FidelityReport,
  type OutputRunner,
} from '../optimize/index.js';
import type { Failure, FidelityMetrics, FidelityRecord, VariantRecord } from '../store/types.js';
import type { OutputsSide } from '../targets/outputs.js';
import { sha256File } from '../util/hash.js';
import { outputFidelity } from './fidelity.js';
import type { PlannedVariant } from './plan.js';
import { type PreparedModel, type PrepareRequest, prepareRecipeModel } from './recipes.js';
import type { StudySpec } from './spec.js';

/** What a step came to: a value, or why there is none (`aborted`: the caller's signal fired). */
export type StepOutcome<T> = { ok: true; value: T } | { ok: false; failure: Failure; aborted: boolean };

/**
 * A worker's failure as stored: `during` says what it was doing; an error thrown while preparing
 * has kind `prepare` (so the error kind says the optimizer, not the runtime, refused).
 */
export function workerFailure(
  failed: { kind: WorkerFailureKind; reason: string },
  during: string,
  errorKind = 'error',
): Failure {
  return { kind: failed.kind === 'error' ? errorKind : failed.kind, reason: `${during}: ${failed.reason}` };
}

const VARIANTS_MODULE = siblingModuleUrl(import.meta.url, './variants.js');
const RECIPES_MODULE = siblingModuleUrl(import.meta.url, './recipes.js');

// ---- preparing a variant ----

/** A key as a file name: anything but word characters, dots, plus and minus becomes `_`. */
export function safeFileName(key: string): string {
  return key.replace(/[^\w.+-]+/g, '_');
}

/**
 * What preparing a planned variant asks for: its recipes applied to `basePath`, written into
 * `workDir` as `<id>.onnx`, with the spec's seed and opset policy.
 */
export function variantPrepareRequest(
  variant: Pick<PlannedVariant, 'recipes' | 'graphOptLevel' | 'settings'>,
  basePath: string,
  workDir: string,
  id: string,
  spec: Pick<StudySpec, 'seed' | 'opsetUpgrade'>,
): PrepareRequest {
  return {
    basePath,
    recipes: variant.recipes,
    graphOptLevel: variant.graphOptLevel as GraphOptLevel,
    outputPath: path.join(workDir, `${safeFileName(id)}.onnx`),
    ...(variant.settings.shapes ? { shapes: variant.settings.shapes } : {}),
    seed: spec.seed,
    opsetUpgrade: spec.opsetUpgrade,
  };
}

export interface PreparedVariant {
  model: PreparedModel;
  /** The prepared file's SHA-256 (null when it cannot be read). */
  sha256: string | null;
}

export interface PrepareVariantOptions {
  limits: WorkerLimits;
  /** What a failure's reason starts with (default `preparing`). */
  during?: string;
}

/** The SHA-256 of a model file, null when it cannot be read. */
export function modelHash(file: string): Promise<string | null> {
  return sha256File(file).catch(() => null);
}

/**
 * The variant's model: the base file as it is without recipes, otherwise the optimizer's output
 * (written to `request.outputPath`, its folder made), made in a worker process.
 */
export async function prepareVariant(
  request: PrepareRequest,
  options: PrepareVariantOptions,
): Promise<StepOutcome<PreparedVariant>> {
  let model: PreparedModel;
  if (request.recipes.length === 0) model = await prepareRecipeModel(request);
  else {
    await mkdir(path.dirname(request.outputPath), { recursive: true });
    const outcome = await runInWorker<PreparedModel>(
      { kind: 'call', module: RECIPES_MODULE, export: 'prepareRecipeModel', args: [request] },
      options.limits,
    );
    if (!outcome.ok)
      return {
        ok: false,
        failure: workerFailure(outcome, options.during ?? 'preparing', 'prepare'),
        aborted: outcome.kind === 'aborted',
      };
    model = outcome.value;
  }
  return { ok: true, value: { model, sha256: await modelHash(model.path) } };
}

/**
 * On resume: a variant prepared before (an optimized file with its hash stored) is used as it is when
 * the file is still there and unchanged, so a resumed study measures exactly the same model and does
 * not optimize again.
 */
export async function reusablePreparation(v: VariantRecord): Promise<PreparedModel | undefined> {
  if (v.status !== 'ok' || v.recipes.length === 0 || !v.modelPath || !v.modelSha256) return undefined;
  const level = v.settings.effectiveGraphOptLevel;
  if (typeof level !== 'string' || !(GRAPH_OPT_LEVELS as readonly string[]).includes(level)) return undefined;
  if ((await modelHash(v.modelPath)) !== v.modelSha256) return undefined;
  const notes = Array.isArray(v.settings.notes) ? v.settings.notes.map(String) : [];
  return { path: v.modelPath, graphOptLevel: level as GraphOptLevel, appliedBy: 'optimizer', notes };
}

// ---- fidelity of an optimized variant against its baseline ----

/**
 * One side of a comparison: a model file and the engine settings it runs with (and, for another engine
 * than onnxruntime, that engine's name and how it was measured: targets/outputs.ts runs those).
 */
export type FidelitySide = OutputsSide;

export interface FidelityRequest {
  base: FidelitySide;
  optimized: FidelitySide;
  batch: number;
  shapes?: Record<string, number[]>;
  /** Inputs to compare (default 8). */
  count?: number;
  seed?: number;
  /**
   * Each side runs with its own settings even when the files differ (fidelity where the variants were
   * measured, e.g. on a target); otherwise two files are compared as compareOutputs compares them.
   */
  asMeasured?: boolean;
}

export interface FidelityOutcome {
  source: string;
  metrics: FidelityMetrics;
}

/** A side opened where its outputs are produced; `close` frees it. */
export interface OpenedOutputs extends OutputRunner {
  close(): Promise<void>;
}

/** Opens one side of a comparison: the seam a remote target fills with its own runner. */
export type OpenOutputs = (side: FidelitySide) => Promise<OpenedOutputs>;

/** The default opener: an onnxruntime session in this process, through the engine registry. */
export const openInThisProcess: OpenOutputs = async (side) => {
  const session = await openInProcess('ort', side.path, { ...side.engine });
  return {
    inputs: [...session.inputs],
    outputs: [...session.outputs],
    async run(feeds, outputNames) {
      const values = await session.run(session.prepareFeeds(feeds));
      const names = outputNames ?? Object.keys(values);
      return Object.fromEntries(names.map((name) => [name, session.readOutput(values[name])]));
    },
    close: () => session.dispose(),
  };
};

/** Opens both sides (base first), runs `use`, and closes what was opened. */
async function withSides<T>(
  base: FidelitySide,
  optimized: FidelitySide,
  open: OpenOutputs,
  use: (base: OpenedOutputs, optimized: OpenedOutputs) => Promise<T>,
): Promise<T> {
  const baseRunner = await open(base);
  try {
    const optRunner = await open(optimized);
    try {
      return await use(baseRunner, optRunner);
    } finally {
      await optRunner.close();
    }
  } finally {
    await baseRunner.close();
  }
}

/** The optimizer's full fidelity report (every output, accuracy with labels) of two sides. */
export function compareVariants(
  base: FidelitySide,
  optimized: FidelitySide,
  options: CompareOptions,
  open: OpenOutputs = openInThisProcess,
): Promise<FidelityReport> {
  return withSides(base, optimized, open, (a, b) => compareRunners(a, b, options));
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

/**
 * A study's fidelity figures: two different files are compared as `compareOutputs` compares them
 * (CPU, every graph optimization; with `asMeasured`, each side's own settings); one file run at two
 * settings (onnxruntime levels, two torch devices) is run on the same seeded inputs with each side's own.
 */
export async function measureFidelity(
  request: FidelityRequest,
  open: OpenOutputs = openInThisProcess,
): Promise<FidelityOutcome> {
  const count = request.count ?? 8;
  const seed = request.seed ?? 1;
  if (request.base.path !== request.optimized.path) {
    const sides = request.asMeasured
      ? [request.base, request.optimized]
      : [
          { path: request.base.path, engine: {} },
          { path: request.optimized.path, engine: {} },
        ];
    const report = await compareVariants(
      sides[0],
      sides[1],
      { count, seed, ...(request.shapes ? { shapes: request.shapes } : {}) },
      open,
    );
    return { source: 'optimize.compareOutputs', metrics: fidelityFromReport(report) };
  }
  return { source: 'study', metrics: await runAndCompare(request, count, seed, open) };
}

/** Runs both sides on the same synthetic inputs and compares their first outputs. */
function runAndCompare(
  request: FidelityRequest,
  count: number,
  seed: number,
  open: OpenOutputs,
): Promise<FidelityMetrics> {
  return withSides(request.base, request.optimized, open, async (base, optimized) => {
    const pairs: Array<{ base: ArrayLike<number>; optimized: ArrayLike<number>; dims: readonly number[] }> =
      [];
    for (let i = 0; i < count; i++) {
      const { tensors } = await prepareInputs(base, {
        batch: request.batch,
        shapes: request.shapes,
        seed: seed + i,
      });
      const outBase = await base.run(tensors);
      const outOpt = await optimized.run(tensors);
      const name = base.outputs[0]?.name;
      const optName = optimized.outputs[0]?.name;
      if (!name || !optName) throw new UserError('the model has no outputs to compare');
      const a = outBase[name];
      const b = outOpt[optName];
      pairs.push({ base: toNumbers(a.data, a.type), optimized: toNumbers(b.data, b.type), dims: a.dims });
    }
    return outputFidelity(pairs);
  });
}

function toNumbers(data: ArrayLike<number | bigint>, type: string): ArrayLike<number> {
  if (type === 'float16') return Array.from(data as ArrayLike<number>, numberFromFloat16Bits);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return data as ArrayLike<number>;
}

/** A fidelity check's outcome: the figures, or the error in words (`aborted`: the signal fired). */
export type FidelityResult =
  | { ok: true; value: FidelityOutcome }
  | { ok: false; error: string; aborted: boolean };

export interface VariantFidelityOptions {
  limits: WorkerLimits;
  /**
   * Where the outputs come from. Absent: engine sessions in a worker process (a runtime crash costs
   * one check). Given: this opener, called here (e.g. a target's runner on another machine).
   */
  open?: OpenOutputs;
}

/** Fidelity of an optimized variant against its baseline; never throws for a failed check. */
export async function variantFidelity(
  request: FidelityRequest,
  options: VariantFidelityOptions,
): Promise<FidelityResult> {
  if (options.open) {
    try {
      return { ok: true, value: await measureFidelity(request, options.open) };
    } catch (error) {
      // Interrupted (the study's signal): nothing is stored, as for a worker that was stopped.
      const aborted = options.limits.signal?.aborted === true || isInterruptedError(error);
      return { ok: false, error: `${aborted ? 'aborted' : 'error'}: ${messageOf(error)}`, aborted };
    }
  }
  const outcome = await runInWorker<FidelityOutcome>(
    { kind: 'call', module: VARIANTS_MODULE, export: 'measureFidelity', args: [request] },
    options.limits,
  );
  return outcome.ok
    ? { ok: true, value: outcome.value }
    : { ok: false, error: `${outcome.kind}: ${outcome.reason}`, aborted: outcome.kind === 'aborted' };
}

/**
 * The stored record of a check. `origin` names where it ran when that is not this study's own
 * machine (a fleet's submitter): the record's source then starts with it.
 */
export function fidelityRecord(
  result: FidelityResult,
  ids: { variantId: number; baselineVariantId: number },
  origin?: string,
): FidelityRecord {
  return result.ok
    ? {
        ...ids,
        source: origin ? `${origin}: ${result.value.source}` : result.value.source,
        metrics: result.value.metrics,
        error: null,
      }
    : { ...ids, source: origin ?? 'study', metrics: null, error: result.error };
}
