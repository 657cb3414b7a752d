/**
 * What the onnxruntime-in-Python runner (python/edgebench_ort.py) is asked and what its report
 * becomes: the measurement of an ONNX model by the device's own onnxruntime (a Jetson's
 * onnxruntime-gpu wheel with its CUDA and TensorRT providers), in the engines' one schema.
 */
import {
  MIN_SAMPLES_FOR_PRECISION,
  MIN_TIME_FOR_PRECISION_MS,
  PRECISION_CHECK_EVERY,
} from '../../core/settings.js';
import { UserError } from '../../errors.js';
import type { ExternalMeasurement, ExternalMeasureSettings } from '../external.js';
import type { RunnerReport } from '../torch/protocol.js';
import { runnerReportFacts } from '../torch/runner-io.js';
import {
  ORT_PROVIDER_NAMES,
  type OrtPythonProvider,
  type OrtRunnerConfig,
  ortReadyExtrasSchema,
  PYTHON_RUNNER_PROTOCOL_VERSION,
} from './protocol.js';

export interface OrtPythonOptions {
  provider: OrtPythonProvider;
  threads?: number;
  interOpThreads?: number;
  graphOptLevel?: OrtRunnerConfig['graphOptimizationLevel'];
  providerOptions?: Record<string, string | number | boolean>;
  deviceIndex?: number;
}

/** The runner's configuration for the ONNX file at `devicePath` (a path on the device). */
export function ortRunnerConfig(
  devicePath: string,
  options: OrtPythonOptions,
  settings: ExternalMeasureSettings,
): OrtRunnerConfig {
  if (settings.precision !== 'fp32' && !(settings.precision === 'fp16' && options.provider === 'tensorrt'))
    throw new UserError(
      `onnxruntime runs an ONNX model in the precision its file has; only its TensorRT provider builds in fp16 (asked: ${settings.precision} with ${options.provider}): optimize the file (edgebench optimize) or use ort/tensorrt`,
    );
  return {
    protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
    model: { kind: 'onnx', path: devicePath },
    provider: options.provider,
    ...(options.deviceIndex !== undefined ? { deviceIndex: options.deviceIndex } : {}),
    precision: settings.precision === 'fp16' ? 'fp16' : 'fp32',
    ...(options.providerOptions ? { providerOptions: options.providerOptions } : {}),
    threads: options.threads ?? 0,
    interopThreads: options.interOpThreads ?? 0,
    graphOptimizationLevel: options.graphOptLevel ?? 'all',
    ...(settings.batch !== undefined ? { batch: settings.batch } : {}),
    ...(settings.shapes ? { shapes: settings.shapes } : {}),
    seed: settings.seed,
    stopRules: settings.stopRules,
    precisionRule: {
      minSamples: MIN_SAMPLES_FOR_PRECISION,
      minTimeMs: MIN_TIME_FOR_PRECISION_MS,
      checkEvery: PRECISION_CHECK_EVERY,
    },
  };
}

/** The runner's report as a measurement (`python` is the device's interpreter that ran it). */
export function ortPythonMeasurement(
  report: RunnerReport,
  options: OrtPythonOptions,
  settings: ExternalMeasureSettings,
  python: string,
): ExternalMeasurement {
  const ready = report.ready;
  const extras = ortReadyExtrasSchema.parse(ready);
  const warnings: string[] = [];
  return {
    engine: `ort-python/${options.provider}`,
    engineVersion: `onnxruntime ${extras.onnxruntime} (Python)`,
    sampleMetric:
      'wall time of one InferenceSession.run call, outputs copied to the host (time.perf_counter)',
    // The runner reports output shapes, not types: a float model's outputs are float.
    ...runnerReportFacts(report, 'float32', settings, warnings),
    provider: ORT_PROVIDER_NAMES[options.provider],
    graphOptimization: extras.graphOptimizationLevel,
    precision: settings.precision,
    options: {
      provider: options.provider,
      ...(options.providerOptions ?? {}),
      providers: extras.providers.join(' > '),
    },
    extras: {
      python,
      onnxruntime: extras.onnxruntime,
      numpy: extras.numpy ?? null,
      providers: extras.providers,
      importMs: ready.importMs ?? null,
      ...(report.logs.length > 0 ? { logs: report.logs.slice(0, 20) } : {}),
    },
    warnings,
  };
}
