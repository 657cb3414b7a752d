/**
 * The CandidateMeasurer of `tune --target`: builds, fidelity checks and the sensitivity ranking
 * stay on this machine (the given measurer, worker processes by default), and every round of every
 * candidate is measured on the board — onnxruntime there (the board's edgebench, or its Python
 * onnxruntime), or the board's trtexec at the candidate's precision — through `measure({ target })`,
 * the same path as `run --target` and a study's rounds there. The model file is copied to the
 * device cache once per content.
 */

import type { OrtExecutionProvider } from '../engines/ort-options.js';
import { measureOnTarget } from '../measure/on-target.js';
import type { RunResult } from '../measure/result.js';
import { workerFailure } from '../study/variants.js';
import type { DeviceDescription } from '../targets/probe.js';
import type { TargetConnection } from '../targets/sessions.js';
import type * as M from './measurer.js';

export function targetMeasurer(
  local: M.CandidateMeasurer,
  target: TargetConnection,
  signal?: AbortSignal,
): M.CandidateMeasurer {
  return {
    describe: (modelPath) => local.describe(modelPath),
    prepare: (request) => local.prepare(request),
    fidelity: (request) => local.fidelity(request),
    rankSensitivity: (request) => local.rankSensitivity(request),

    async *measureRound(entries: readonly M.MeasureEntry[], round: number): AsyncIterable<M.RoundResult> {
      for (const entry of entries) {
        const startedAt = new Date().toISOString();
        const outcome = await measureOnTarget(
          target,
          {
            engine: entry.engine === 'trtexec' ? 'trtexec' : `ort/${entry.ep}`,
            model: entry.modelPath,
            modelName: entry.modelName,
            ...(entry.engine === 'trtexec'
              ? { precision: entry.precision ?? 'fp32' }
              : { ort: { intraOpThreads: entry.threads, graphOptLevel: entry.graphOptLevel } }),
            batch: entry.batch,
            ...(entry.shapes ? { shapes: entry.shapes } : {}),
            seed: entry.seed,
            stopRules: entry.stopRules,
            // The sampler's start-up would cost every round; a race compares latencies only.
            telemetry: false,
            requested: { ...entry.requested, round, target: target.name },
          },
          signal,
        );
        const measured: M.Measured<RunResult> = outcome.ok
          ? { ok: true, value: outcome.value }
          : {
              ok: false,
              failure: workerFailure(outcome, `round ${round} on ${target.name}`),
              aborted: outcome.kind === 'aborted',
            };
        yield { entry, outcome: measured, startedAt, endedAt: new Date().toISOString() };
      }
    },
  };
}

/** onnxruntime's execution providers on the board: the CPU, and each other one its probe found working. */
export function targetEps(device: DeviceDescription): OrtExecutionProvider[] {
  const others = device.engines
    .filter((e) => e.available && e.id.startsWith('ort-python/') && e.id !== 'ort-python/cpu')
    .map((e) => e.id.slice('ort-python/'.length) as OrtExecutionProvider);
  return ['cpu', ...others];
}
