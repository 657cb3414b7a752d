/**
 * `benchmark()`: one ONNX model on onnxruntime, the library's first entry point. It is `measure()`
 * with engine `ort`; kept because users call it by this name.
 */
import type { LoopHooks } from '../core/loop.js';
import type { StopRules } from '../core/settings.js';
import type { OrtEngineOptions } from '../engines/ort-options.js';
import type { HostInfo } from '../host/host.js';
import type { ComputeCount } from './compute.js';
import type { MeasureRequest, TelemetryRunOptions } from './measure.js';
import type { RunResult } from './result.js';
import type { ScenarioRequest } from './scenarios/index.js';

export { DEFAULT_SEED, type PreparedInputs, prepareInputs } from './inputs.js';
export type { TelemetryRunOptions } from './measure.js';

export interface BenchmarkOptions {
  /** Path of an ONNX file. */
  modelPath: string;
  /** Display name (defaults to the file name). */
  modelName?: string;
  engine?: Partial<OrtEngineOptions>;
  batch?: number;
  shapes?: Record<string, number[]>;
  /** Input tensors from files, by input name; the rest are synthesized. */
  inputFiles?: Record<string, string>;
  seed?: number;
  stopRules?: Partial<StopRules>;
  deadlineMs?: number;
  /** A LoadGen scenario instead of the plain single-stream loop. */
  scenario?: ScenarioRequest;
  /** Telemetry sampled beside the steady state (on by default); false turns it and the pre-run checks off. */
  telemetry?: TelemetryRunOptions | false;
  /** The flags as the user gave them, stored beside the effective settings. */
  requested?: Record<string, unknown>;
  hooks?: LoopHooks;
  host?: HostInfo;
  exportOutputs?: string;
  signal?: AbortSignal;
  compute?: ComputeCount | false;
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
