/** Telemetry: sources, the sampler, summaries, throttling and drift, pre-run checks. */
export { describeTelemetrySources } from './describe.js';
export { type DriftOptions, type DriftResult, detectDrift, theilSenSlope } from './drift.js';
export type { ResolvedTelemetryOptions, TelemetryOptions } from './options.js';
export {
  decodeThrottleReasons,
  NVIDIA_THROTTLE_REASONS,
  nvidiaSmiArgs,
  parseNvidiaSmiCsv,
  parseNvidiaSmiLine,
} from './parse/nvidia-smi.js';
export {
  maxPowerMode,
  parseNvpmodelConf,
  parseNvpmodelQuery,
  parseNvpmodelStatus,
} from './parse/nvpmodel.js';
export { parseProcPidStat, parseProcStat, parseProcStatus } from './parse/proc.js';
export { parseTegrastatsLine, type TegrastatsReading } from './parse/tegrastats.js';
export { findBusyProcesses, type PreRunOptions, preRunChecks } from './prerun.js';
export { startTelemetry, type TelemetrySampler } from './sampler.js';
export * from './schema.js';
export { integratePower, unwrapCounter } from './series.js';
export { createSources, resolveTelemetryOptions } from './sources/index.js';
export {
  DEFAULT_GRID_INTENSITY_G_PER_KWH,
  energyFigures,
  MIN_ENERGY_COVERAGE,
  type SummarizeOptions,
  summarizeTelemetry,
} from './summarize.js';
export { detectThrottling, type ThrottlingOptions } from './throttling.js';
export * from './types.js';
