/**
 * edgebench as a library: everything the CLI does, without the CLI.
 *
 *   import { benchmark, optimize, runStudy, zoo } from 'edgebench';
 *
 * The core (benchmark, engines, statistics) is exported by name; each larger area is also
 * available as a namespace (`onnx`, `zoo`, `study`, `store`, `tuning`, `workloads`, `telemetry`, `fleet`).
 */
export type { Engine, EngineProbe, HostTensor, LoadedModel, TensorInfo } from './engines/engine.js';
export { type EngineRunResult, type ExternalMeasurer, engineRunResultSchema } from './engines/external.js';
export { measureWithEngine } from './engines/measure-with-engine.js';
export { OrtEngine } from './engines/ort.js';
export * from './engines/ort-options.js';
export { engineNames, getEngine, probeAllEngines, registerEngine } from './engines/registry.js';
export { TorchEngine } from './engines/torch/engine.js';
export { TrtexecEngine } from './engines/trtexec/engine.js';
export { describeEnvironment, type EnvironmentReport } from './env/environment.js';
export { describeHost, type HostInfo } from './env/host.js';
export { EngineUnavailableError, UserError } from './errors.js';
export * as fleet from './fleet/index.js';
export { type BenchmarkOptions, benchmark, type TelemetryRunOptions } from './measure/benchmark.js';
export { type RawMeasurement, timeLoop } from './measure/loop.js';
export { type RunResult, runResultSchema, SCHEMA_VERSION } from './measure/result.js';
export { DEFAULT_STOP_RULES, type StopRules } from './measure/settings.js';
export { type LatencyStats, summarize } from './measure/stats.js';
export { measureInWorker, runInWorker } from './measure/worker.js';
export * as onnx from './onnx/index.js';
export { compareOutputs, optimize, RECIPE_NAMES, RECIPES } from './optimize/index.js';
export * as store from './store/index.js';
export { openStore } from './store/index.js';
export * as study from './study/index.js';
export { analyzeStudy, loadSpec, planStudy, presetSpec, runStudy } from './study/index.js';
export * as telemetry from './telemetry/index.js';
export * as tuning from './tune/index.js';
export { type TuneOptions, type TuneOutcome, tune } from './tune/index.js';
export * as workloads from './workloads/index.js';
export * as zoo from './zoo/index.js';
export { resolveModel } from './zoo/resolve.js';
