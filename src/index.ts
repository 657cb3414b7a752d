/** edgebench as a library: everything the CLI does, without the CLI. */
export type { Engine, EngineProbe, HostTensor, LoadedModel, TensorInfo } from './engines/engine.js';
export { OrtEngine } from './engines/ort.js';
export * from './engines/ort-options.js';
export { describeEnvironment, type EnvironmentReport } from './env/environment.js';
export { describeHost, type HostInfo } from './env/host.js';
export { EngineUnavailableError, UserError } from './errors.js';
export { type BenchmarkOptions, benchmark } from './measure/benchmark.js';
export { type RawMeasurement, timeLoop } from './measure/loop.js';
export { type RunResult, runResultSchema, SCHEMA_VERSION } from './measure/result.js';
export { DEFAULT_STOP_RULES, type StopRules } from './measure/settings.js';
export { type LatencyStats, summarize } from './measure/stats.js';
