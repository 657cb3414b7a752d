/**
 * What `tune` runs inside worker processes (called by name through the worker's `call` job): a
 * model's interface, a candidate's fidelity, the mixed-precision ranking. Each loads onnxruntime
 * sessions, so a crash or an out-of-memory costs one job, not the tune.
 */
import { compareOutputs, type FidelityReport, int8SensitivityRanking } from '../optimize/index.js';
import { ModelRunner } from '../optimize/ort-session.js';
import type { FidelityCheck, ModelInterface, SensitivityRanking, SensitivityRequest } from './measurer.js';

export async function describeModel(modelPath: string): Promise<ModelInterface> {
  const runner = await ModelRunner.create(modelPath, modelPath, { graphOptLevel: 'disabled' });
  try {
    return { inputs: runner.inputs, outputs: runner.outputs };
  } finally {
    await runner.release();
  }
}

export function candidateFidelity(request: FidelityCheck): Promise<FidelityReport> {
  const { data } = request;
  return compareOutputs(request.reference, request.candidate, {
    inputs: data.fidelity.inputs,
    count: data.fidelity.count,
    ...(data.fidelity.labels ? { labels: data.fidelity.labels } : {}),
    ...(data.shapes ? { shapes: data.shapes } : {}),
    ...(data.preprocess ? { preprocess: data.preprocess } : {}),
    seed: data.seed,
    graphOptLevels: { base: 'disabled', optimized: request.graphOptLevel },
  });
}

export async function sensitivityRanking(request: SensitivityRequest): Promise<SensitivityRanking> {
  const { data, build } = request;
  const result = await int8SensitivityRanking({
    input: request.input,
    calibration: {
      source: data.calibration.source,
      count: data.calibration.count,
      method: build.calibrationMethod ?? 'minmax',
      seed: data.seed,
      ...(data.preprocess ? { preprocess: data.preprocess } : {}),
    },
    ...(data.shapes ? { shapes: data.shapes } : {}),
    ...(build.activationType ? { activationType: build.activationType } : {}),
  });
  return { ranking: result.ranking, allQuantizedSnrDb: result.allQuantizedSnrDb };
}
