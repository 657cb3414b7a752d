/**
 * `benchmark()`: one ONNX model on onnxruntime, the library's first entry point. It is `measure()`
 * with engine `ort`; kept because users call it by this name.
 */
import type { OrtEngineOptions } from '../engines/ort-options.js';
import type { MeasureRequest } from './measure.js';
import type { RunResult } from './result.js';

export { DEFAULT_SEED, type PreparedInputs, prepareInputs } from './inputs.js';
export type { TelemetryRunOptions } from './measure.js';

/** The options `measure()` takes for every engine. */
type SharedRequestOptions =
  | 'modelName'
  | 'batch'
  | 'shapes'
  | 'inputFiles'
  | 'seed'
  | 'stopRules'
  | 'deadlineMs'
  | 'scenario'
  | 'telemetry'
  | 'requested'
  | 'hooks'
  | 'host'
  | 'exportOutputs'
  | 'signal'
  | 'compute';

/** `measure()`'s request for engine `ort`, with the model as a path and the ort options as `engine`. */
export interface BenchmarkOptions extends Pick<MeasureRequest, SharedRequestOptions> {
  /** Path of an ONNX file. */
  modelPath: string;
  engine?: Partial<OrtEngineOptions>;
}

/** The same request for `measure()`. */
export function benchmarkRequest(options: BenchmarkOptions): MeasureRequest {
  const { modelPath, engine, ...rest } = options;
  return { ...rest, engine: 'ort', model: modelPath, ...(engine ? { ort: engine } : {}) };
}

export async function benchmark(options: BenchmarkOptions): Promise<RunResult> {
  const { measure } = await import('./measure.js');
  return measure(benchmarkRequest(options));
}
