/**
 * The `telemetry` section of run results, as a zod schema (results are versioned and re-read by
 * reports long after they were written). Types for summaries are inferred from it, so the code
 * that writes a summary and the code that reads one back cannot drift apart.
 */
import { z } from 'zod';
import { TELEMETRY_SOURCE_IDS } from './types.js';

export const TELEMETRY_SCHEMA_VERSION = 1 as const;

const n = z.number();
const nn = z.number().nullable();

export const telemetrySourceIdSchema = z.enum(TELEMETRY_SOURCE_IDS);

export const TELEMETRY_WARNING_KINDS = [
  'cpu-frequency-drop',
  'thermal-limit',
  'gpu-throttle',
  'latency-drift',
  'sampler-late',
] as const;

export const telemetryWarningSchema = z.object({
  kind: z.enum(TELEMETRY_WARNING_KINDS),
  /** The source that saw it (absent for latency drift). */
  source: telemetrySourceIdSchema.optional(),
  message: z.string(),
  /** Share of samples (or of the run) affected, 0..1, where it applies. */
  fraction: z.number().optional(),
  /** When it was first seen (epoch ms), where it applies. */
  firstAtMs: z.number().optional(),
});

export const ENERGY_METHODS = [
  'rapl',
  'nvidia-smi',
  'rapl+nvidia-smi',
  'jetson-rails',
  'estimate-tdp',
] as const;

export const energySummarySchema = z.object({
  method: z.enum(ENERGY_METHODS),
  /** true only for the TDP estimate: never shown without saying so. */
  estimated: z.boolean(),
  /** What the figure covers, in words (e.g. "CPU package(s); excludes DRAM, GPU, board"). */
  scope: z.string(),
  joules: n,
  avgPowerW: n,
  durationS: n,
  /** Share of the window covered by readings, 0..1. */
  coverage: n,
  inferences: nn,
  mJPerInference: nn,
  inferencesPerJoule: nn,
  gridIntensityGPerKWh: n,
  co2eGramsPer1000: nn,
  components: z.array(z.object({ source: z.string(), scope: z.string(), joules: n, avgPowerW: n })),
});

export const procSummarySchema = z.object({
  pid: z.number().int(),
  /** CPU time of the watched process over wall time, % of one core. */
  processCpuPctMean: nn,
  processCpuPctMax: nn,
  /** All CPUs busy share, %. */
  systemCpuPctMean: nn,
  systemCpuPctMax: nn,
  /** Largest VmRSS in the window, MiB (procfs kB / 1024; the name predates the unit's spelling). */
  rssMbMax: nn,
  /** VmHWM at the window's end: the process's peak RSS since it started, MiB (kB / 1024). */
  peakRssMb: nn,
});

export const cpufreqSummarySchema = z.object({
  minMHz: nn,
  meanMHz: nn,
  maxMHz: nn,
  /** Min and max over samples of the fastest core: throttling shows here first. */
  fastestCoreMinMHz: nn,
  fastestCoreMaxMHz: nn,
  hardwareMaxMHz: nn,
  governors: z.array(z.string()),
});

export const thermalSummarySchema = z.object({
  maxC: nn,
  hottest: z.string().nullable(),
  sensors: z.array(z.object({ key: z.string(), name: z.string(), meanC: nn, maxC: nn, limitC: nn })),
});

export const raplSummarySchema = z.object({
  joules: nn,
  avgPowerW: nn,
  coverage: n,
  zones: z.array(z.object({ id: z.string(), name: z.string(), joules: nn, avgPowerW: nn })),
});

export const nvidiaSmiSummarySchema = z.object({
  gpus: z.array(
    z.object({
      index: z.number().int(),
      name: z.string(),
      powerWMean: nn,
      powerWMax: nn,
      joules: nn,
      utilizationGpuPctMean: nn,
      utilizationGpuPctMax: nn,
      utilizationMemoryPctMean: nn,
      memoryUsedMiBMax: nn,
      memoryTotalMiB: nn,
      smClockMHzMin: nn,
      smClockMHzMean: nn,
      smClockMHzMax: nn,
      memClockMHzMean: nn,
      temperatureCMax: nn,
      /** Throttle reasons seen active at least once (idle and settings bits left out). */
      throttleReasons: z.array(z.string()),
    }),
  ),
});

export const jetsonSummarySchema = z.object({
  model: z.string().nullable(),
  l4t: z.string().nullable(),
  mode: z.enum(['sysfs', 'tegrastats']),
  totalRail: z.string().nullable(),
  totalPowerWMean: nn,
  totalPowerWMax: nn,
  rails: z.array(z.object({ name: z.string(), powerWMean: nn, powerWMax: nn })),
  gpuLoadPctMean: nn,
  gpuLoadPctMax: nn,
  emcLoadPctMean: nn,
  powerMode: z.object({
    id: nn,
    name: z.string().nullable(),
    maxId: nn,
    maxName: z.string().nullable(),
    isMax: z.boolean().nullable(),
    from: z.enum(['nvpmodel', 'status-file']).nullable(),
  }),
  clocks: z.object({ locked: z.boolean().nullable(), detail: z.string() }),
});

export const samplerSummarySchema = z.object({
  intervalMs: n,
  /** Samples inside the window. */
  samples: z.number().int(),
  /** The sampler thread's CPU over the whole recording, % of one core. */
  pctOfCore: nn,
  /** CPU time of helper processes (nvidia-smi, tegrastats), ms. */
  childCpuMs: nn,
  lateTicks: z.number().int(),
});

/** One point of the time series reports overlay on latency (null = not measured). */
export const telemetrySeriesPointSchema = z.object({
  tMs: n,
  processCpuPct: nn,
  systemCpuPct: nn,
  /** Fastest core's frequency. */
  cpuFreqMHz: nn,
  maxTempC: nn,
  /** Measured power of the energy source(s) (never an estimate). */
  powerW: nn,
  gpuUtilPct: nn,
});

export const telemetrySummarySchema = z.object({
  schemaVersion: z.literal(TELEMETRY_SCHEMA_VERSION),
  window: z.object({ startMs: n, endMs: n, durationMs: n }),
  sourcesUsed: z.array(telemetrySourceIdSchema),
  sourcesUnavailable: z.array(z.object({ id: telemetrySourceIdSchema, reason: z.string() })),
  sources: z.object({
    proc: procSummarySchema.optional(),
    cpufreq: cpufreqSummarySchema.optional(),
    thermal: thermalSummarySchema.optional(),
    rapl: raplSummarySchema.optional(),
    'nvidia-smi': nvidiaSmiSummarySchema.optional(),
    jetson: jetsonSummarySchema.optional(),
  }),
  energy: energySummarySchema.nullable(),
  /** Why there is no energy figure (set exactly when `energy` is null). */
  energyAbsentReason: z.string().optional(),
  warnings: z.array(telemetryWarningSchema),
  sampler: samplerSummarySchema,
  series: z.array(telemetrySeriesPointSchema).optional(),
});

export type TelemetryWarning = z.infer<typeof telemetryWarningSchema>;
export type EnergySummary = z.infer<typeof energySummarySchema>;
export type EnergyMethod = EnergySummary['method'];
export type ProcSummary = z.infer<typeof procSummarySchema>;
export type CpuFreqSummary = z.infer<typeof cpufreqSummarySchema>;
export type ThermalSummary = z.infer<typeof thermalSummarySchema>;
export type RaplSummary = z.infer<typeof raplSummarySchema>;
export type NvidiaSmiSummary = z.infer<typeof nvidiaSmiSummarySchema>;
export type JetsonSummary = z.infer<typeof jetsonSummarySchema>;
export type TelemetrySeriesPoint = z.infer<typeof telemetrySeriesPointSchema>;
/** The `telemetry` section of a run result. */
export type TelemetrySummary = z.infer<typeof telemetrySummarySchema>;
