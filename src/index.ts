/**
 * edgebench as a library: everything the CLI does, without the CLI.
 *
 *   import { benchmark, optimize, runStudy, zoo } from 'edgebench';
 *
 * The core (benchmark, engines, statistics) is exported by name; each larger area is also
 * available as a namespace (`onnx`, `zoo`, `study`, `store`, `tuning`, `workloads`, `telemetry`, `fleet`,
 * `targets`).
 */

export { type RawMeasurement, timeLoop } from './core/loop.js';
export { DEFAULT_STOP_RULES, type StopRules } from './core/settings.js';
export { type LatencyStats, summarize } from './core/stats.js';
export type { Engine, EngineProbe, LoadedModel } from './engines/engine.js';
export type { ExternalMeasurement, ExternalMeasureSettings } from './engines/external.js';
export { OrtEngine } from './engines/ort.js';
export * from './engines/ort-options.js';
export { engineNames, getEngine, probeAllEngines, registerEngine } from './engines/registry.js';
export { TorchEngine } from './engines/torch/engine.js';
export { TrtexecEngine } from './engines/trtexec/engine.js';
export { describeEnvironment, type EnvironmentReport } from './env/environment.js';
export { EngineUnavailableError, InterruptedError, isInterruptedError, UserError } from './errors.js';
export * as fleet from './fleet/index.js';
export { type CpuInfo, describeHost, type HostInfo } from './host/host.js';
export { estimatePeak, type PeakEstimate, type PeakPrecision, type PeakResult } from './host/peak.js';
export { type BenchmarkOptions, benchmark, type TelemetryRunOptions } from './measure/benchmark.js';
export { type ComputeCount, computeRate, countCompute, type RunCompute } from './measure/compute.js';
export { rateAtMedian, ratePerSecond } from './measure/compute-schema.js';
export { measureWithEngine } from './measure/measure-with-engine.js';
export { type RunResult, runResultSchema, SCHEMA_VERSION } from './measure/result.js';
export { measureInWorker, runInWorker } from './measure/worker.js';
export * as onnx from './onnx/index.js';
export type { HostTensor, TensorInfo } from './onnx/tensor.js';
export { compareOutputs, optimize, RECIPE_NAMES, RECIPES } from './optimize/index.js';
export * as workloads from './pipelines/index.js';
export * as store from './store/index.js';
export { openStore } from './store/index.js';
export * as study from './study/index.js';
export { analyzeStudy, loadSpec, planStudy, presetSpec, runStudy } from './study/index.js';
export * as targets from './targets/index.js';
export * as telemetry from './telemetry/index.js';
export * as tuning from './tune/index.js';
export { type TuneOptions, type TuneOutcome, tune } from './tune/index.js';
export * as zoo from './zoo/index.js';
export { resolveModel } from './zoo/resolve.js';
