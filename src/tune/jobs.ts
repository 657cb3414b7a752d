/**
 * What `tune` runs inside worker processes (called by name through the worker's `call` job): a
 * model's interface, a candidate's fidelity, the mixed-precision ranking. Each loads onnxruntime
 * sessions, so a crash or an out-of-memory costs one job, not the tune.
 */
import { type FidelityReport, int8SensitivityRanking } from '../optimize/index.js';
import { ModelRunner } from '../optimize/ort-session.js';
import {
  compareVariants,
  type FidelitySide,
  type OpenOutputs,
  openInThisProcess,
} from '../study/variants.js';
import type { FidelityCheck, ModelInterface, SensitivityRanking, SensitivityRequest } from './measurer.js';
import { openRecorded } from './reference-outputs.js';
import { calibrationOf } from './space.js';

export async function describeModel(modelPath: string): Promise<ModelInterface> {
  const runner = await ModelRunner.create(modelPath, modelPath, { graphOptLevel: 'disabled' });
  try {
    return { inputs: runner.inputs, outputs: runner.outputs };
  } finally {
    await runner.release();
  }
}

/** The reference as written (graph optimizations disabled) against the candidate at its level. */
export function candidateFidelity(request: FidelityCheck): Promise<FidelityReport> {
  const { data } = request;
  const reference = { path: request.reference, engine: { graphOptLevel: 'disabled' as const } };
  const { cacheDir } = data;
  // The reference's outputs are the same in every check: recorded once, read back after (and a
  // candidate that is the reference itself, the input at level disabled, reads them too).
  const isReference = (side: FidelitySide) =>
    side.path === reference.path && side.engine.graphOptLevel === reference.engine.graphOptLevel;
  const open: OpenOutputs = (side) =>
    isReference(side) && cacheDir
      ? openRecorded(reference, cacheDir, openInThisProcess)
      : openInThisProcess(side);
  return compareVariants(
    reference,
    { path: request.candidate, engine: { graphOptLevel: request.graphOptLevel } },
    {
      inputs: data.fidelity.inputs,
      count: data.fidelity.count,
      ...(data.fidelity.labels ? { labels: data.fidelity.labels } : {}),
      ...(data.shapes ? { shapes: data.shapes } : {}),
      ...(data.preprocess ? { preprocess: data.preprocess } : {}),
      seed: data.seed,
    },
    open,
  );
}

export async function sensitivityRanking(request: SensitivityRequest): Promise<SensitivityRanking> {
  const { data, build } = request;
  const result = await int8SensitivityRanking({
    input: request.input,
    calibration: calibrationOf(data, build),
    ...(data.shapes ? { shapes: data.shapes } : {}),
    ...(build.activationType ? { activationType: build.activationType } : {}),
  });
  return {
    ranking: result.ranking,
    graphOrder: result.graphOrder,
    allQuantizedSnrDb: result.allQuantizedSnrDb,
  };
}
