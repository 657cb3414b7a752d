/**
 * The CandidateMeasurer of today: the study's machinery. Builds go through the study's
 * `prepareRecipeModel`, fidelity and the sensitivity ranking through jobs.ts, and every round of
 * every candidate is `benchmark()` in a fresh worker process (measureInWorker) — the same isolation
 * and stop rules as a study's rounds, so a crash, a hang or an out-of-memory fails one candidate with
 * its reason and the tune goes on.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { HostInfo } from '../host/host.js';
import type { RunResult } from '../measure/result.js';
import {
  measureInWorker,
  runInWorker,
  siblingModuleUrl,
  type WorkerLimits,
  type WorkerOutcome,
} from '../measure/worker.js';
import type { FidelityReport } from '../optimize/fidelity.js';
import type { PreparedModel, PrepareRequest } from '../study/recipes.js';
import type {
  BuildRequest,
  BuiltModel,
  CandidateMeasurer,
  FidelityCheck,
  Measured,
  MeasureEntry,
  ModelInterface,
  RoundResult,
  SensitivityRanking,
  SensitivityRequest,
} from './measurer.js';

export interface WorkerMeasurerOptions {
  limits?: WorkerLimits;
  /** A host description taken once, stored with every result. */
  host?: HostInfo;
}

function measured<T>(outcome: WorkerOutcome<T>, during: string): Measured<T> {
  if (outcome.ok) return { ok: true, value: outcome.value };
  return {
    ok: false,
    failure: {
      kind: outcome.kind === 'error' && during === 'building' ? 'prepare' : outcome.kind,
      reason: `${during}: ${outcome.reason}`,
    },
    aborted: outcome.kind === 'aborted',
  };
}

export function workerMeasurer(options: WorkerMeasurerOptions = {}): CandidateMeasurer {
  const limits = options.limits ?? {};
  const jobs = siblingModuleUrl(import.meta.url, './jobs.js');
  const recipes = siblingModuleUrl(import.meta.url, '../study/recipes.js');
  const call = <T>(module: string, name: string, args: unknown[]) =>
    runInWorker<T>({ kind: 'call', module, export: name, args }, limits);

  return {
    async describe(modelPath: string): Promise<Measured<ModelInterface>> {
      return measured(await call<ModelInterface>(jobs, 'describeModel', [modelPath]), 'reading the model');
    },

    async prepare(request: BuildRequest): Promise<Measured<BuiltModel>> {
      const { build, data } = request;
      if (build.recipes.length === 0) return { ok: true, value: { path: request.input, notes: [] } };
      await mkdir(path.dirname(request.output), { recursive: true });
      const prepare: PrepareRequest = {
        basePath: request.input,
        recipes: build.recipes,
        graphOptLevel: 'all',
        outputPath: request.output,
        ...(data.shapes ? { shapes: data.shapes } : {}),
        seed: data.seed,
        settings: {
          calibration: {
            source: data.calibration.source,
            count: data.calibration.count,
            method: build.calibrationMethod ?? 'minmax',
            seed: data.seed,
            ...(data.preprocess ? { preprocess: data.preprocess } : {}),
          },
          ...(build.activationType ? { activationType: build.activationType } : {}),
          ...(build.keepFloat && build.keepFloat.length > 0 ? { excludeNodes: build.keepFloat } : {}),
          ...(build.dynamicConv ? { dynamicConv: true } : {}),
        },
      };
      const outcome = await call<PreparedModel>(recipes, 'prepareRecipeModel', [prepare]);
      const result = measured(outcome, 'building');
      return result.ok ? { ok: true, value: { path: result.value.path, notes: result.value.notes } } : result;
    },

    async fidelity(request: FidelityCheck): Promise<Measured<FidelityReport>> {
      return measured(await call<FidelityReport>(jobs, 'candidateFidelity', [request]), 'checking fidelity');
    },

    async rankSensitivity(request: SensitivityRequest): Promise<Measured<SensitivityRanking>> {
      return measured(
        await call<SensitivityRanking>(jobs, 'sensitivityRanking', [request]),
        'ranking sensitivity',
      );
    },

    async *measureRound(entries: readonly MeasureEntry[], round: number): AsyncIterable<RoundResult> {
      for (const entry of entries) {
        const startedAt = new Date().toISOString();
        const outcome = await measureInWorker(
          {
            modelPath: entry.modelPath,
            modelName: entry.modelName,
            engine: {
              executionProvider: entry.ep,
              intraOpThreads: entry.threads,
              graphOptLevel: entry.graphOptLevel,
            },
            batch: entry.batch,
            ...(entry.shapes ? { shapes: entry.shapes } : {}),
            seed: entry.seed,
            stopRules: entry.stopRules,
            // The sampler's start-up would cost every round; a race compares latencies only.
            telemetry: false,
            requested: { ...entry.requested, round },
            ...(options.host ? { host: options.host } : {}),
          },
          limits,
        );
        yield {
          entry,
          outcome: measured<RunResult>(outcome, `round ${round}`),
          startedAt,
          endedAt: new Date().toISOString(),
        };
      }
    },
  };
}
