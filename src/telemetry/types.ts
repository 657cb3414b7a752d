/**
 * The telemetry contract: sources (detect once, read many times), the snapshots they return, and
 * the record a sampler hands back. Summaries of a record live in `schema.ts` (they are stored with
 * run results, so their shape is versioned there).
 */

/** Every source edgebench knows, in the order they are detected and listed. */
export const TELEMETRY_SOURCE_IDS = ['proc', 'cpufreq', 'thermal', 'rapl', 'nvidia-smi', 'jetson'] as const;
export type TelemetrySourceId = (typeof TELEMETRY_SOURCE_IDS)[number];

/** Default sampling interval (`--telemetry-interval`). */
export const DEFAULT_TELEMETRY_INTERVAL_MS = 100;

/** What `detect()` found: available or not, why not, and what it saw. */
export interface SourceDetection {
  id: TelemetrySourceId;
  available: boolean;
  /** Why the source cannot be used here (set when `available` is false); a hint otherwise. */
  reason?: string;
  /** What the source found (sensors, rails, GPUs, limits): plain JSON. */
  details?: Record<string, unknown>;
}

/** A telemetry source: detected once, then read at every tick. */
export interface TelemetrySource<K extends TelemetrySourceId = TelemetrySourceId> {
  readonly id: K;
  /** Never throws: an unusable source says why in `reason`. */
  detect(): Promise<SourceDetection>;
  /** Starts long-lived helpers (nvidia-smi loop, tegrastats); only called after a successful detect. */
  start?(): Promise<void>;
  /** The current snapshot, or null if nothing could be read this time. */
  read(): Promise<SourceSnapshots[K] | null>;
  /** Stops helpers; returns their CPU time (ms) where it can be read. */
  stop?(): Promise<{ childCpuMs: number | null } | undefined>;
}

// ---- snapshots: what one read returns (cumulative counters stay raw; summaries take deltas) ----

export interface ProcSnapshot {
  /** utime + stime of the watched process (all threads), ms since it started. */
  processCpuMs: number | null;
  /** Resident set size now, kB (VmRSS). */
  rssKb: number | null;
  /** Peak resident set size since the process started, kB (VmHWM). */
  peakRssKb: number | null;
  /** /proc/stat aggregate: non-idle ticks and all ticks since boot (idle = idle + iowait). */
  systemBusyTicks: number | null;
  systemTotalTicks: number | null;
}

export interface CpuFreqSnapshot {
  /** scaling_cur_freq per CPU number, kHz. */
  khz: Record<string, number>;
}

export interface ThermalSnapshot {
  /** Temperature per sensor key (see ThermalSensorInfo.key), °C. */
  celsius: Record<string, number>;
}

export interface RaplSnapshot {
  /** energy_uj per zone id (`intel-rapl:0`), raw counter in µJ (wraps at max_energy_range_uj). */
  energyUj: Record<string, number>;
}

/** One parsed nvidia-smi CSV row. Fields the GPU does not report are null. */
export interface NvidiaGpuReading {
  index: number;
  name: string;
  powerDrawW: number | null;
  utilizationGpuPct: number | null;
  utilizationMemoryPct: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  smClockMHz: number | null;
  memClockMHz: number | null;
  temperatureC: number | null;
  /** clocks_throttle_reasons.active bitmask, or null. */
  throttleReasonsMask: number | null;
}

export interface NvidiaSmiSnapshot {
  /** Latest row per GPU, with the time (epoch ms) its line arrived. */
  gpus: Array<NvidiaGpuReading & { tMs: number }>;
}

export interface JetsonSnapshot {
  /** Instantaneous power per rail, mW. */
  railsMw: Record<string, number>;
  /** GPU (GR3D) load, %. */
  gpuLoadPct: number | null;
  /** EMC (memory controller) load, %; only from tegrastats. */
  emcLoadPct: number | null;
  /** Per-core CPU load, % (null = core off); only from tegrastats. */
  cpuLoadPct: Array<number | null> | null;
  /** Per-core CPU frequency, MHz; only from tegrastats. */
  cpuFreqMHz: Array<number | null> | null;
  /** Temperatures tegrastats prints, °C; only from tegrastats. */
  celsius: Record<string, number> | null;
}

/** Snapshot type per source id. */
export interface SourceSnapshots {
  proc: ProcSnapshot;
  cpufreq: CpuFreqSnapshot;
  thermal: ThermalSnapshot;
  rapl: RaplSnapshot;
  'nvidia-smi': NvidiaSmiSnapshot;
  jetson: JetsonSnapshot;
}

/** One sampler tick: a timestamp (epoch ms, `performance.timeOrigin + performance.now()`) and readings. */
export type TelemetrySample = { tMs: number } & Partial<SourceSnapshots>;

// ---- static facts found at detect time (limits, names), carried in the record ----

export interface ProcInfo {
  pid: number;
  command: string | null;
  /** `procfs` reads /proc/PID; `node` falls back to process.cpuUsage() of this process (no /proc). */
  mode: 'procfs' | 'node';
  cpuCount: number | null;
}

export interface CpuFreqCpuInfo {
  cpu: number;
  minKHz: number | null;
  /** cpuinfo_max_freq: the hardware maximum (with boost on Intel pstate). */
  maxKHz: number | null;
  scalingMaxKHz: number | null;
  scalingMinKHz: number | null;
  governor: string | null;
  driver: string | null;
}

export interface CpuFreqInfo {
  cpus: CpuFreqCpuInfo[];
}

export interface ThermalSensorInfo {
  /** Stable key used in snapshots: `zone0:x86_pkg_temp`, `hwmon2:coretemp:Package id 0`. */
  key: string;
  kind: 'thermal_zone' | 'hwmon';
  name: string;
  /** Temperature at which the platform starts limiting (passive trip, hwmon max), °C. */
  limitC: number | null;
  limitKind: 'passive' | 'hot' | 'critical' | 'max' | 'crit' | null;
}

export interface ThermalInfo {
  sensors: ThermalSensorInfo[];
}

export interface RaplZoneInfo {
  id: string;
  name: string;
  maxEnergyRangeUj: number | null;
  /** Parent zone id for subzones (core, uncore, dram), null for top-level zones. */
  parent: string | null;
}

export interface RaplInfo {
  zones: RaplZoneInfo[];
}

export interface NvidiaSmiInfo {
  gpus: Array<{ index: number; name: string; memoryTotalMiB: number | null; powerReadable: boolean }>;
  /** The throttle-reasons field name this driver accepts. */
  throttleField: string;
}

export interface JetsonPowerMode {
  id: number | null;
  name: string | null;
  /** The mode with the most performance on this board (MAXN, else the highest wattage), if known. */
  maxId: number | null;
  maxName: string | null;
  isMax: boolean | null;
  /** Where it came from: `nvpmodel -q` or the status file. */
  from: 'nvpmodel' | 'status-file' | null;
}

export interface JetsonClocksState {
  /** true when CPU (and GPU, if found) minimum clocks equal their maximum, as `jetson_clocks` leaves them. */
  locked: boolean | null;
  detail: string;
}

export interface JetsonInfo {
  model: string | null;
  l4t: string | null;
  /** `sysfs` reads INA3221 rails directly; `tegrastats` parses a long-lived tegrastats child. */
  mode: 'sysfs' | 'tegrastats';
  rails: string[];
  /** The rail that measures the whole module input (VDD_IN, POM_5V_IN); null = total is the sum of rails. */
  totalRail: string | null;
  powerMode: JetsonPowerMode;
  clocks: JetsonClocksState;
}

export interface SourceInfos {
  proc: ProcInfo;
  cpufreq: CpuFreqInfo;
  thermal: ThermalInfo;
  rapl: RaplInfo;
  'nvidia-smi': NvidiaSmiInfo;
  jetson: JetsonInfo;
}

/** What the sampler cost: its own thread's CPU time, and its helper processes'. */
export interface SamplerCost {
  wallMs: number;
  /** CPU time of the sampler thread (ns-resolution schedstat, else 10 ms ticks), ms. */
  threadCpuMs: number | null;
  /** CPU time of helper processes (nvidia-smi, tegrastats) where readable, ms. */
  childCpuMs: number | null;
  /** threadCpuMs / wallMs × 100: percent of one core. */
  pctOfCore: number | null;
  ticks: number;
  /** Ticks that started more than one interval late. */
  lateTicks: number;
}

/** Everything a sampler recorded: settings, detections, static facts, samples, and its own cost. */
export interface TelemetryRecord {
  intervalMs: number;
  pid: number;
  startedMs: number;
  stoppedMs: number;
  detections: SourceDetection[];
  info: Partial<SourceInfos>;
  samples: TelemetrySample[];
  cost: SamplerCost;
}

/** A time window in epoch ms (the common clock), e.g. one measurement's steady state. */
export interface TimeWindow {
  startMs: number;
  endMs: number;
}

/** The common clock: epoch milliseconds with sub-millisecond resolution, same in every thread. */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}
