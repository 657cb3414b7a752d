/**
 * The CandidateMeasurer of today: the study's machinery. Builds are prepared as a study's variants
 * are (study/variants.ts), fidelity and the sensitivity ranking go through jobs.ts, and every round of
 * every candidate is `benchmark()` in a fresh worker process (measureInWorker) — the same isolation
 * and stop rules as a study's rounds, so a crash, a hang or an out-of-memory fails one candidate with
 * its reason and the tune goes on.
 */
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
import { prepareVariant, workerFailure } from '../study/variants.js';
import type * as M from './measurer.js';
import { calibrationOf } from './space.js';

export interface WorkerMeasurerOptions {
  limits?: WorkerLimits;
  /** A host description taken once, stored with every result. */
  host?: HostInfo;
}

function measured<T>(outcome: WorkerOutcome<T>, during: string): M.Measured<T> {
  if (outcome.ok) return { ok: true, value: outcome.value };
  return { ok: false, failure: workerFailure(outcome, during), aborted: outcome.kind === 'aborted' };
}

export function workerMeasurer(options: WorkerMeasurerOptions = {}): M.CandidateMeasurer {
  const limits = options.limits ?? {};
  const jobs = siblingModuleUrl(import.meta.url, './jobs.js');
  const call = <T>(module: string, name: string, args: unknown[]) =>
    runInWorker<T>({ kind: 'call', module, export: name, args }, limits);

  return {
    async describe(modelPath: string): Promise<M.Measured<M.ModelInterface>> {
      return measured(await call<M.ModelInterface>(jobs, 'describeModel', [modelPath]), 'reading the model');
    },

    async prepare(request: M.BuildRequest): Promise<M.Measured<M.BuiltModel>> {
      const { build, data } = request;
      const prepared = await prepareVariant(
        {
          basePath: request.input,
          recipes: build.recipes,
          graphOptLevel: 'all',
          outputPath: request.output,
          ...(data.shapes ? { shapes: data.shapes } : {}),
          seed: data.seed,
          settings: {
            calibration: calibrationOf(data, build),
            ...(build.activationType ? { activationType: build.activationType } : {}),
            ...(build.keepFloat && build.keepFloat.length > 0 ? { excludeNodes: build.keepFloat } : {}),
            ...(build.dynamicConv ? { dynamicConv: true } : {}),
            // The fidelity check opens the build next and drops it with the reason if it does not load.
            checkLoads: false,
          },
        },
        { limits, during: 'building' },
      );
      if (!prepared.ok) return prepared;
      const { model, sha256 } = prepared.value;
      return { ok: true, value: { path: model.path, notes: model.notes, sha256 } };
    },

    async fidelity(request: M.FidelityCheck): Promise<M.Measured<FidelityReport>> {
      return measured(await call<FidelityReport>(jobs, 'candidateFidelity', [request]), 'checking fidelity');
    },

    async rankSensitivity(request: M.SensitivityRequest): Promise<M.Measured<M.SensitivityRanking>> {
      return measured(
        await call<M.SensitivityRanking>(jobs, 'sensitivityRanking', [request]),
        'ranking sensitivity',
      );
    },

    async *measureRound(entries: readonly M.MeasureEntry[], round: number): AsyncIterable<M.RoundResult> {
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
