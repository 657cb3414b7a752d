/**
 * Scenarios — the load patterns of MLPerf LoadGen (single-stream, multi-stream, server, offline) with
 * its validity rules — and `measureScenario`, which runs one over a loaded model for `benchmark()`.
 */
import { performance } from 'node:perf_hooks';
import { firstAndWarmup, type LoopHooks, type RawMeasurement } from '../../core/loop.js';
import type { StopRules } from '../../core/settings.js';
import { UserError } from '../../errors.js';
import { runScenarioLoad } from './runners.js';
import { type ScenarioRequest, scenarioSettings } from './settings.js';
import { type ScenarioResult, summarizeScenario } from './summary.js';
import { type ModelSut, modelSut } from './sut.js';

export {
  binomialCdf,
  minQueriesToPass,
  type PercentileEstimate,
  percentileEstimate,
  type ServerEarlyStopping,
  serverEarlyStopping,
} from './early-stopping.js';
export { poissonSchedule, runScenarioLoad, runServer, type ScenarioRaw } from './runners.js';
export { scenarioResultSchema, scenarioSettingsSchema } from './schema.js';
export {
  SCENARIO_DEFAULTS,
  SCENARIOS,
  type ScenarioName,
  type ScenarioRequest,
  type ScenarioSettings,
  scenarioSettings,
} from './settings.js';
export { invalidReasons, type ScenarioResult, summarizeScenario, type ValidityCheck } from './summary.js';
export { type ModelSut, modelSut, type SystemUnderTest } from './sut.js';

/** What a scenario needs from a loaded model. */
export interface ScenarioModel {
  /** One model run on the prepared input. */
  run: () => Promise<unknown>;
  /** Samples in that run (the prepared batch). */
  batch: number;
  /** A runner at another batch size, if the model allows it (multi-stream uses one of samplesPerQuery). */
  runnerForBatch?: (batch: number) => Promise<() => Promise<unknown>>;
}

export interface ScenarioMeasurement {
  raw: RawMeasurement;
  scenario: ScenarioResult;
  /** Samples per model run in the steady state (multi-stream may differ from the prepared batch). */
  batchPerRun: number;
}

async function sutFor(
  model: ScenarioModel,
  request: ScenarioRequest,
  samplesPerQuery: number,
): Promise<ModelSut> {
  if (request.scenario !== 'multi-stream' || samplesPerQuery === model.batch)
    return modelSut(model.run, model.batch, 1);
  if (model.runnerForBatch) {
    try {
      return modelSut(await model.runnerForBatch(samplesPerQuery), samplesPerQuery, 1);
    } catch (error) {
      if (samplesPerQuery % model.batch !== 0) {
        throw new UserError(
          `--samples-per-query ${samplesPerQuery}: the model cannot take a batch of ${samplesPerQuery} (${(error as Error).message}); use a multiple of its batch ${model.batch}`,
        );
      }
    }
  }
  if (samplesPerQuery % model.batch !== 0)
    throw new UserError(
      `--samples-per-query ${samplesPerQuery} is not a multiple of the model's batch ${model.batch}`,
    );
  return modelSut(model.run, model.batch, samplesPerQuery / model.batch);
}

/**
 * First query and warm-up (by the stop rules' warm-up settings), then the scenario. The steady-state
 * samples are the model runs' times (pure inference); the scenario result holds the query latencies.
 * Aborting `signal` stops it (the model's runners should refuse to start once it aborted, see
 * util/abort.ts `guarded`; the server scenario's waits end at once).
 */
export async function measureScenario(
  model: ScenarioModel,
  request: ScenarioRequest,
  stopRules: StopRules,
  hooks: LoopHooks = {},
  signal?: AbortSignal,
): Promise<ScenarioMeasurement> {
  const settings = scenarioSettings(request);
  const sut = await sutFor(model, request, settings.samplesPerQuery);
  const { firstInferenceMs, warmupCount, warmupTimeMs } = await firstAndWarmup(
    () => sut.issueQuery(),
    stopRules,
    hooks,
    signal,
  );
  sut.runTimesMs.length = 0;
  hooks.onPhase?.('steady');
  const startEpochMs = performance.timeOrigin + performance.now();
  const raw = await runScenarioLoad(sut, settings, undefined, signal);
  const endEpochMs = performance.timeOrigin + performance.now();
  hooks.onPhase?.('done');
  return {
    raw: {
      firstInferenceMs,
      warmupCount,
      warmupTimeMs,
      samplesMs: Float64Array.from(sut.runTimesMs),
      startEpochMs,
      endEpochMs,
      stopReason: raw.stoppedAtCap ? 'max-time' : 'min-reached',
    },
    scenario: summarizeScenario(raw, settings, sut),
    batchPerRun: sut.samplesPerQuery / sut.runsPerQuery,
  };
}
