/**
 * From a sampler's record to the `telemetry` section of a result, for one measurement window:
 * per-source summaries, energy (measured, or a TDP estimate only when asked, flagged as such),
 * warnings, and a time series for charts. Pure: no I/O.
 */
import { decodeThrottleReasons } from './parse/nvidia-smi.js';
import {
  type CpuFreqSummary,
  type EnergySummary,
  type JetsonSummary,
  type NvidiaSmiSummary,
  type ProcSummary,
  type RaplSummary,
  TELEMETRY_SCHEMA_VERSION,
  type TelemetrySeriesPoint,
  type TelemetrySummary,
  type TelemetryWarning,
  type ThermalSummary,
} from './schema.js';
import {
  bracketWindow,
  counterDelta,
  integratePower,
  intervalRates,
  inWindow,
  max,
  mean,
  min,
  type Point,
  unwrapCounter,
} from './series.js';
import { detectThrottling, type ThrottlingOptions } from './throttling.js';
import type { TelemetryRecord, TelemetrySample, TelemetrySourceId, TimeWindow } from './types.js';

/**
 * Default grid carbon intensity, g CO2e per kWh: the IEA's world average for 2019 (475 g/kWh), the
 * usual default of ML carbon calculators. Set the local figure with `gridIntensityGPerKWh`.
 */
export const DEFAULT_GRID_INTENSITY_G_PER_KWH = 475;

/** Energy is reported only when readings cover at least this share of the window. */
export const MIN_ENERGY_COVERAGE = 0.9;

const JOULES_PER_KWH = 3.6e6;

export interface SummarizeOptions {
  /** Inferences completed in the window (for mJ/inference, inferences/J, CO2e per 1000). */
  inferences?: number;
  /** g CO2e per kWh. Default DEFAULT_GRID_INTENSITY_G_PER_KWH. */
  gridIntensityGPerKWh?: number;
  /** Without an energy sensor, estimate energy from tdpWatts × CPU utilization (flagged estimated). */
  estimateEnergy?: boolean;
  /** The processor's TDP, W; needed by estimateEnergy. */
  tdpWatts?: number;
  /** Include the time series for charts. Default true. */
  includeSeries?: boolean;
  throttling?: Omit<ThrottlingOptions, 'info'>;
}

/** The pieces of the energy arithmetic, exported so it can be checked by hand. */
export function energyFigures(
  joules: number,
  inferences: number | null,
  gridIntensityGPerKWh: number,
): { mJPerInference: number | null; inferencesPerJoule: number | null; co2eGramsPer1000: number | null } {
  if (inferences === null || inferences <= 0) {
    return { mJPerInference: null, inferencesPerJoule: null, co2eGramsPer1000: null };
  }
  const joulesPer1000 = (joules / inferences) * 1000;
  return {
    mJPerInference: (joules * 1000) / inferences,
    inferencesPerJoule: joules > 0 ? inferences / joules : null,
    co2eGramsPer1000: (joulesPer1000 / JOULES_PER_KWH) * gridIntensityGPerKWh,
  };
}

function points(
  samples: readonly TelemetrySample[],
  pick: (sample: TelemetrySample) => number | null | undefined,
): Point[] {
  const out: Point[] = [];
  for (const sample of samples) {
    const v = pick(sample);
    if (v !== null && v !== undefined && Number.isFinite(v)) out.push({ t: sample.tMs, v });
  }
  return out;
}

function round(value: number | null, digits = 3): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ---- per source ----

/**
 * A process's CPU use, % of one core, capped at what the machine has: 100 × its CPUs. The counter
 * (utime+stime) moves in whole clock ticks (10 ms at USER_HZ 100) and is read a little before or after
 * the timestamp taken for it, so over one 100 ms interval a process that keeps both cores of a 2-core
 * machine busy can read 205 %: the excess is quantization and read jitter, not use the machine could
 * give, so it is cut at the ceiling rather than printed. Left as read when the CPU count is unknown.
 */
function capProcessCpuPct(pct: number, cpuCount: number | null | undefined): number {
  if (cpuCount === null || cpuCount === undefined || !(cpuCount > 0)) return pct;
  return Math.min(pct, 100 * cpuCount);
}

function summarizeProc(
  record: TelemetryRecord,
  bracket: TelemetrySample[],
  instant: TelemetrySample[],
  window: TimeWindow,
): ProcSummary {
  const cpu = points(bracket, (s) => s.proc?.processCpuMs);
  const cpuDelta = counterDelta(cpu, window);
  const busy = points(bracket, (s) => s.proc?.systemBusyTicks);
  const total = points(bracket, (s) => s.proc?.systemTotalTicks);
  const busyDelta = counterDelta(busy, window);
  const totalDelta = counterDelta(total, window);
  const systemMax: number[] = [];
  const withSystem = bracket.filter(
    (s) => s.proc?.systemBusyTicks != null && s.proc?.systemTotalTicks != null,
  );
  for (let i = 1; i < withSystem.length; i++) {
    const a = withSystem[i - 1];
    const b = withSystem[i];
    if (b.tMs <= window.startMs || a.tMs >= window.endMs) continue;
    const dt = b.proc!.systemTotalTicks! - a.proc!.systemTotalTicks!;
    if (dt > 0) systemMax.push(((b.proc!.systemBusyTicks! - a.proc!.systemBusyTicks!) / dt) * 100);
  }
  const rss = instant.map((s) => s.proc?.rssKb).filter((v): v is number => v != null);
  const peak = instant.map((s) => s.proc?.peakRssKb).filter((v): v is number => v != null);
  const maxRate = max(intervalRates(cpu, window));
  const cpuCount = record.info.proc?.cpuCount;
  return {
    pid: record.pid,
    processCpuPctMean:
      cpuDelta.coveredMs > 0
        ? round(capProcessCpuPct((cpuDelta.delta / cpuDelta.coveredMs) * 100, cpuCount), 2)
        : null,
    processCpuPctMax: maxRate === null ? null : round(capProcessCpuPct(maxRate * 100, cpuCount), 2),
    systemCpuPctMean: totalDelta.delta > 0 ? round((busyDelta.delta / totalDelta.delta) * 100, 2) : null,
    systemCpuPctMax: round(max(systemMax), 2),
    rssMbMax: rss.length > 0 ? round(Math.max(...rss) / 1024, 2) : null,
    peakRssMb: peak.length > 0 ? round(Math.max(...peak) / 1024, 2) : null,
  };
}

function summarizeCpuFreq(record: TelemetryRecord, instant: TelemetrySample[]): CpuFreqSummary {
  const all: number[] = [];
  const fastest: number[] = [];
  for (const sample of instant) {
    const values = Object.values(sample.cpufreq?.khz ?? {}).map((khz) => khz / 1000);
    if (values.length === 0) continue;
    all.push(...values);
    fastest.push(Math.max(...values));
  }
  const info = record.info.cpufreq;
  const hwMax = info?.cpus.map((cpu) => cpu.maxKHz).filter((v): v is number => v !== null) ?? [];
  return {
    minMHz: round(min(all), 1),
    meanMHz: round(mean(all), 1),
    maxMHz: round(max(all), 1),
    fastestCoreMinMHz: round(min(fastest), 1),
    fastestCoreMaxMHz: round(max(fastest), 1),
    hardwareMaxMHz: hwMax.length > 0 ? Math.max(...hwMax) / 1000 : null,
    governors: [...new Set(info?.cpus.map((cpu) => cpu.governor ?? 'unknown') ?? [])],
  };
}

function summarizeThermal(record: TelemetryRecord, instant: TelemetrySample[]): ThermalSummary {
  const sensors = (record.info.thermal?.sensors ?? []).map((sensor) => {
    const values = instant.map((s) => s.thermal?.celsius[sensor.key]).filter((v): v is number => v != null);
    return {
      key: sensor.key,
      name: sensor.name,
      meanC: round(mean(values), 2),
      maxC: round(max(values), 2),
      limitC: sensor.limitC,
    };
  });
  let hottest: string | null = null;
  let maxC: number | null = null;
  for (const sensor of sensors) {
    if (sensor.maxC !== null && (maxC === null || sensor.maxC > maxC)) {
      maxC = sensor.maxC;
      hottest = sensor.name;
    }
  }
  return { maxC, hottest, sensors };
}

/** RAPL zones whose energy is summed: package zones (psys and subzones would double count). */
function raplSummedZones(record: TelemetryRecord): string[] {
  const zones = record.info.rapl?.zones ?? [];
  const top = zones.filter((zone) => zone.parent === null);
  const packages = top.filter((zone) => zone.name.startsWith('package'));
  if (packages.length > 0) return packages.map((zone) => zone.id);
  const nonPsys = top.filter((zone) => zone.name !== 'psys');
  return (nonPsys.length > 0 ? nonPsys : top).map((zone) => zone.id);
}

function summarizeRapl(record: TelemetryRecord, bracket: TelemetrySample[], window: TimeWindow): RaplSummary {
  const summed = new Set(raplSummedZones(record));
  let joules: number | null = null;
  let coveredMs = Number.POSITIVE_INFINITY;
  const zones = (record.info.rapl?.zones ?? []).map((zone) => {
    const raw = points(bracket, (s) => s.rapl?.energyUj[zone.id]);
    const { delta, coveredMs: covered } = counterDelta(unwrapCounter(raw, zone.maxEnergyRangeUj), window);
    const zoneJoules = covered > 0 ? delta / 1e6 : null;
    if (summed.has(zone.id)) {
      coveredMs = Math.min(coveredMs, covered);
      if (zoneJoules !== null) joules = (joules ?? 0) + zoneJoules;
    }
    return {
      id: zone.id,
      name: zone.name,
      joules: round(zoneJoules, 6),
      avgPowerW: zoneJoules === null ? null : round(zoneJoules / (covered / 1000), 4),
    };
  });
  if (!Number.isFinite(coveredMs)) coveredMs = 0;
  const total = joules as number | null;
  const duration = window.endMs - window.startMs;
  return {
    joules: round(total, 6),
    avgPowerW: total === null || coveredMs <= 0 ? null : round(total / (coveredMs / 1000), 4),
    coverage: round(duration > 0 ? coveredMs / duration : 0, 4) ?? 0,
    zones,
  };
}

interface NvidiaReadingAt {
  tMs: number;
  gpu: NonNullable<TelemetrySample['nvidia-smi']>['gpus'][number];
}

function nvidiaReadings(bracket: TelemetrySample[], index: number): NvidiaReadingAt[] {
  const byTime = new Map<number, NvidiaReadingAt>();
  for (const sample of bracket) {
    for (const gpu of sample['nvidia-smi']?.gpus ?? []) {
      if (gpu.index === index) byTime.set(gpu.tMs, { tMs: gpu.tMs, gpu });
    }
  }
  return [...byTime.values()].sort((a, b) => a.tMs - b.tMs);
}

function summarizeNvidia(
  record: TelemetryRecord,
  bracket: TelemetrySample[],
  window: TimeWindow,
): { summary: NvidiaSmiSummary; joules: number | null; coveredMs: number } {
  let joules: number | null = null;
  let coveredMs = Number.POSITIVE_INFINITY;
  const gpus = (record.info['nvidia-smi']?.gpus ?? []).map((info) => {
    const readings = nvidiaReadings(bracket, info.index);
    const inside = readings.filter((r) => r.tMs >= window.startMs && r.tMs <= window.endMs);
    const instant = inside.length > 0 ? inside : readings;
    const pick = (f: (r: NvidiaReadingAt) => number | null): number[] =>
      instant.map(f).filter((v): v is number => v !== null);
    const power = readings
      .filter((r) => r.gpu.powerDrawW !== null)
      .map((r) => ({ t: r.tMs, v: r.gpu.powerDrawW! }));
    const integral = integratePower(power, window);
    const gpuJoules = integral.coveredMs > 0 ? integral.joules : null;
    if (info.powerReadable) {
      coveredMs = Math.min(coveredMs, integral.coveredMs);
      if (gpuJoules !== null) joules = (joules ?? 0) + gpuJoules;
    }
    const reasons = new Set<string>();
    for (const r of instant) {
      if (r.gpu.throttleReasonsMask !== null) {
        for (const reason of decodeThrottleReasons(r.gpu.throttleReasonsMask, true)) reasons.add(reason);
      }
    }
    const powers = pick((r) => r.gpu.powerDrawW);
    const sm = pick((r) => r.gpu.smClockMHz);
    return {
      index: info.index,
      name: info.name,
      powerWMean: round(mean(powers), 2),
      powerWMax: round(max(powers), 2),
      joules: round(gpuJoules, 4),
      utilizationGpuPctMean: round(mean(pick((r) => r.gpu.utilizationGpuPct)), 2),
      utilizationGpuPctMax: max(pick((r) => r.gpu.utilizationGpuPct)),
      utilizationMemoryPctMean: round(mean(pick((r) => r.gpu.utilizationMemoryPct)), 2),
      memoryUsedMiBMax: max(pick((r) => r.gpu.memoryUsedMiB)),
      memoryTotalMiB: info.memoryTotalMiB,
      smClockMHzMin: min(sm),
      smClockMHzMean: round(mean(sm), 1),
      smClockMHzMax: max(sm),
      memClockMHzMean: round(mean(pick((r) => r.gpu.memClockMHz)), 1),
      temperatureCMax: max(pick((r) => r.gpu.temperatureC)),
      throttleReasons: [...reasons],
    };
  });
  if (!Number.isFinite(coveredMs)) coveredMs = 0;
  return { summary: { gpus }, joules, coveredMs };
}

/** Total module power per Jetson sample, W: the input rail, else the sum of the rails. */
function jetsonTotalW(record: TelemetryRecord, sample: TelemetrySample): number | null {
  const rails = sample.jetson?.railsMw;
  if (!rails || Object.keys(rails).length === 0) return null;
  const totalRail = record.info.jetson?.totalRail ?? null;
  if (totalRail !== null) return rails[totalRail] === undefined ? null : rails[totalRail] / 1000;
  return Object.values(rails).reduce((sum, mw) => sum + mw, 0) / 1000;
}

function summarizeJetson(
  record: TelemetryRecord,
  bracket: TelemetrySample[],
  instant: TelemetrySample[],
  window: TimeWindow,
): { summary: JetsonSummary; joules: number | null; coveredMs: number } | null {
  const info = record.info.jetson;
  if (!info) return null;
  const total = points(bracket, (s) => jetsonTotalW(record, s));
  const integral = integratePower(total, window);
  const instantTotal = instant.map((s) => jetsonTotalW(record, s)).filter((v): v is number => v !== null);
  const gpuLoad = instant.map((s) => s.jetson?.gpuLoadPct).filter((v): v is number => v != null);
  const emc = instant.map((s) => s.jetson?.emcLoadPct).filter((v): v is number => v != null);
  return {
    summary: {
      model: info.model,
      l4t: info.l4t,
      mode: info.mode,
      totalRail: info.totalRail,
      totalPowerWMean: round(mean(instantTotal), 3),
      totalPowerWMax: round(max(instantTotal), 3),
      rails: info.rails.map((name) => {
        const watts = instant.map((s) => s.jetson?.railsMw[name]).filter((v): v is number => v != null);
        return {
          name,
          powerWMean: round((mean(watts) ?? Number.NaN) / 1000, 3),
          powerWMax: round((max(watts) ?? Number.NaN) / 1000, 3),
        };
      }),
      gpuLoadPctMean: round(mean(gpuLoad), 2),
      gpuLoadPctMax: max(gpuLoad),
      emcLoadPctMean: round(mean(emc), 2),
      powerMode: info.powerMode,
      clocks: info.clocks,
    },
    joules: integral.coveredMs > 0 ? integral.joules : null,
    coveredMs: integral.coveredMs,
  };
}

// ---- energy ----

interface EnergyComponent {
  source: TelemetrySourceId;
  scope: string;
  joules: number;
  coveredMs: number;
}

function absentReason(record: TelemetryRecord, estimateHint: boolean): string {
  const parts: string[] = [];
  for (const id of ['rapl', 'nvidia-smi', 'jetson'] as const) {
    const detection = record.detections.find((d) => d.id === id);
    if (!detection) parts.push(`${id}: not requested`);
    else if (!detection.available) parts.push(`${id}: ${detection.reason ?? 'unavailable'}`);
    else if (id === 'nvidia-smi') parts.push('nvidia-smi: no power.draw readings');
    else parts.push(`${id}: no readings in the window`);
  }
  const hint = estimateHint ? '; a labelled estimate is available with --estimate-energy --tdp-watts W' : '';
  return `no energy sensor (${parts.join('; ')})${hint}`;
}

// ---- series ----

function seriesOf(record: TelemetryRecord, window: TimeWindow): TelemetrySeriesPoint[] {
  const samples = record.samples;
  const summedRapl = raplSummedZones(record);
  const out: TelemetrySeriesPoint[] = [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (s.tMs < window.startMs || s.tMs > window.endMs) continue;
    const prev = i > 0 ? samples[i - 1] : null;
    const dt = prev ? s.tMs - prev.tMs : 0;
    let processCpuPct: number | null = null;
    let systemCpuPct: number | null = null;
    if (prev && dt > 0 && s.proc && prev.proc) {
      if (s.proc.processCpuMs !== null && prev.proc.processCpuMs !== null) {
        processCpuPct = capProcessCpuPct(
          ((s.proc.processCpuMs - prev.proc.processCpuMs) / dt) * 100,
          record.info.proc?.cpuCount,
        );
      }
      const totalTicks = (s.proc.systemTotalTicks ?? 0) - (prev.proc.systemTotalTicks ?? 0);
      if (s.proc.systemBusyTicks !== null && prev.proc.systemBusyTicks !== null && totalTicks > 0) {
        systemCpuPct = ((s.proc.systemBusyTicks - prev.proc.systemBusyTicks) / totalTicks) * 100;
      }
    }
    const freqs = Object.values(s.cpufreq?.khz ?? {});
    const tegraFreqs = (s.jetson?.cpuFreqMHz ?? []).filter((v): v is number => v !== null);
    const cpuFreqMHz =
      freqs.length > 0 ? Math.max(...freqs) / 1000 : tegraFreqs.length > 0 ? Math.max(...tegraFreqs) : null;
    const temps = [...Object.values(s.thermal?.celsius ?? {}), ...Object.values(s.jetson?.celsius ?? {})];
    let powerW: number | null = jetsonTotalW(record, s);
    if (powerW === null) {
      let sum: number | null = null;
      if (prev && dt > 0 && s.rapl && prev.rapl) {
        for (const id of summedRapl) {
          const a = prev.rapl.energyUj[id];
          const b = s.rapl.energyUj[id];
          if (a === undefined || b === undefined) continue;
          const range = record.info.rapl?.zones.find((z) => z.id === id)?.maxEnergyRangeUj ?? null;
          const delta = b >= a ? b - a : range !== null ? b + range - a : Number.NaN;
          if (Number.isFinite(delta)) sum = (sum ?? 0) + delta / 1e6 / (dt / 1000);
        }
      }
      for (const gpu of s['nvidia-smi']?.gpus ?? []) {
        if (gpu.powerDrawW !== null) sum = (sum ?? 0) + gpu.powerDrawW;
      }
      powerW = sum;
    }
    const gpuUtils = (s['nvidia-smi']?.gpus ?? [])
      .map((gpu) => gpu.utilizationGpuPct)
      .filter((v): v is number => v !== null);
    const gpuUtilPct = gpuUtils.length > 0 ? mean(gpuUtils) : (s.jetson?.gpuLoadPct ?? null);
    out.push({
      tMs: s.tMs,
      processCpuPct: round(processCpuPct, 2),
      systemCpuPct: round(systemCpuPct, 2),
      cpuFreqMHz: round(cpuFreqMHz, 1),
      maxTempC: temps.length > 0 ? round(Math.max(...temps), 2) : null,
      powerW: round(powerW, 3),
      gpuUtilPct: round(gpuUtilPct, 2),
    });
  }
  return out;
}

// ---- the summary ----

export function summarizeTelemetry(
  record: TelemetryRecord,
  window: TimeWindow,
  options: SummarizeOptions = {},
): TelemetrySummary {
  if (!(Number.isFinite(window.startMs) && Number.isFinite(window.endMs) && window.endMs > window.startMs)) {
    throw new RangeError(`window must have endMs > startMs (got ${window.startMs}..${window.endMs})`);
  }
  const inferences = options.inferences ?? null;
  if (inferences !== null && !(Number.isFinite(inferences) && inferences >= 0)) {
    throw new RangeError(`inferences must be a count ≥ 0 (got ${inferences})`);
  }
  const grid = options.gridIntensityGPerKWh ?? DEFAULT_GRID_INTENSITY_G_PER_KWH;
  if (!(Number.isFinite(grid) && grid >= 0)) {
    throw new RangeError(`gridIntensityGPerKWh must be ≥ 0 g/kWh (got ${grid})`);
  }
  if (options.tdpWatts !== undefined && !(Number.isFinite(options.tdpWatts) && options.tdpWatts > 0)) {
    throw new RangeError(`tdpWatts must be > 0 W (got ${options.tdpWatts})`);
  }

  const durationMs = window.endMs - window.startMs;
  const bracket = bracketWindow(record.samples, window);
  const inside = inWindow(record.samples, window);
  const instant = inside.length > 0 ? inside : bracket;
  const used = record.detections.filter((d) => d.available).map((d) => d.id);
  const has = (id: TelemetrySourceId): boolean => used.includes(id) && record.info[id] !== undefined;

  const sources: TelemetrySummary['sources'] = {};
  if (used.includes('proc')) sources.proc = summarizeProc(record, bracket, instant, window);
  if (has('cpufreq')) sources.cpufreq = summarizeCpuFreq(record, instant);
  if (has('thermal')) sources.thermal = summarizeThermal(record, instant);

  const components: EnergyComponent[] = [];
  const jetson = has('jetson') ? summarizeJetson(record, bracket, instant, window) : null;
  if (jetson) {
    sources.jetson = jetson.summary;
    if (jetson.joules !== null) {
      const info = record.info.jetson!;
      components.push({
        source: 'jetson',
        scope: info.totalRail
          ? `Jetson module input (${info.totalRail} rail); carrier board and peripherals not included`
          : `sum of Jetson rails (${info.rails.join(', ')}); carrier board not included`,
        joules: jetson.joules,
        coveredMs: jetson.coveredMs,
      });
    }
  }
  if (has('rapl')) {
    const rapl = summarizeRapl(record, bracket, window);
    sources.rapl = rapl;
    if (rapl.joules !== null && components.length === 0) {
      const summed = raplSummedZones(record)
        .map((id) => record.info.rapl?.zones.find((z) => z.id === id)?.name ?? id)
        .join(', ');
      components.push({
        source: 'rapl',
        scope: `CPU package energy from RAPL (${summed}); excludes GPU, board and (unless a dram zone is summed) DRAM`,
        joules: rapl.joules,
        coveredMs: rapl.coverage * durationMs,
      });
    }
  }
  if (has('nvidia-smi')) {
    const nvidia = summarizeNvidia(record, bracket, window);
    sources['nvidia-smi'] = nvidia.summary;
    if (nvidia.joules !== null && !components.some((c) => c.source === 'jetson')) {
      const count = record.info['nvidia-smi']!.gpus.filter((gpu) => gpu.powerReadable).length;
      components.push({
        source: 'nvidia-smi',
        scope: `board power of ${count} NVIDIA GPU(s) from nvidia-smi power.draw`,
        joules: nvidia.joules,
        coveredMs: nvidia.coveredMs,
      });
    }
  }

  let energy: EnergySummary | null = null;
  let energyAbsentReason: string | undefined;
  const durationS = durationMs / 1000;
  if (components.length > 0) {
    const coverage = Math.min(...components.map((c) => c.coveredMs)) / durationMs;
    if (coverage < MIN_ENERGY_COVERAGE) {
      energyAbsentReason = `energy readings cover only ${Math.round(coverage * 100)}% of the window (need ${MIN_ENERGY_COVERAGE * 100}%): start telemetry before and stop it after the measurement`;
    } else {
      // Each component's average power over the part it covers, times the window's duration.
      const parts = components.map((c) => {
        const avgPowerW = c.joules / (c.coveredMs / 1000);
        return { source: c.source, scope: c.scope, avgPowerW, joules: avgPowerW * durationS };
      });
      const joules = parts.reduce((sum, part) => sum + part.joules, 0);
      const method: EnergySummary['method'] =
        parts.length === 2
          ? 'rapl+nvidia-smi'
          : parts[0].source === 'jetson'
            ? 'jetson-rails'
            : (parts[0].source as 'rapl' | 'nvidia-smi');
      energy = {
        method,
        estimated: false,
        scope: parts.map((part) => part.scope).join(' + '),
        joules: round(joules, 6)!,
        avgPowerW: round(joules / durationS, 4)!,
        durationS: round(durationS, 6)!,
        coverage: round(Math.min(1, coverage), 4)!,
        inferences,
        ...energyFigures(joules, inferences, grid),
        gridIntensityGPerKWh: grid,
        components: parts.map((part) => ({
          source: part.source,
          scope: part.scope,
          joules: round(part.joules, 6)!,
          avgPowerW: round(part.avgPowerW, 4)!,
        })),
      };
    }
  } else if (options.estimateEnergy) {
    if (options.tdpWatts === undefined) {
      energyAbsentReason = `${absentReason(record, false)}; the TDP estimate needs the processor's TDP (--tdp-watts W)`;
    } else {
      const util = sources.proc?.systemCpuPctMean ?? null;
      const share = util === null ? 1 : util / 100;
      const avgPowerW = options.tdpWatts * share;
      const joules = avgPowerW * durationS;
      const scope =
        util === null
          ? `ESTIMATE: TDP ${options.tdpWatts} W at full load (no CPU utilization reading, so an upper bound); not measured`
          : `ESTIMATE: TDP ${options.tdpWatts} W × mean system CPU utilization ${util.toFixed(1)}%; not measured, ignores idle power, DRAM, GPU and board`;
      energy = {
        method: 'estimate-tdp',
        estimated: true,
        scope,
        joules: round(joules, 6)!,
        avgPowerW: round(avgPowerW, 4)!,
        durationS: round(durationS, 6)!,
        coverage: 1,
        inferences,
        ...energyFigures(joules, inferences, grid),
        gridIntensityGPerKWh: grid,
        components: [
          { source: 'estimate-tdp', scope, joules: round(joules, 6)!, avgPowerW: round(avgPowerW, 4)! },
        ],
      };
    }
  } else {
    energyAbsentReason = absentReason(record, true);
  }
  if (energy) {
    energy.mJPerInference = round(energy.mJPerInference, 6);
    energy.inferencesPerJoule = round(energy.inferencesPerJoule, 6);
    energy.co2eGramsPer1000 = round(energy.co2eGramsPer1000, 9);
  }

  const warnings: TelemetryWarning[] = detectThrottling(instant, {
    ...options.throttling,
    info: record.info,
  });
  if (record.cost.ticks > 10 && record.cost.lateTicks > 0.05 * record.cost.ticks) {
    warnings.push({
      kind: 'sampler-late',
      message: `the telemetry sampler started ${record.cost.lateTicks} of ${record.cost.ticks} ticks more than one interval late: the machine is overloaded, readings are sparser than ${record.intervalMs} ms`,
      fraction: record.cost.lateTicks / record.cost.ticks,
    });
  }

  const summary: TelemetrySummary = {
    schemaVersion: TELEMETRY_SCHEMA_VERSION,
    window: { startMs: window.startMs, endMs: window.endMs, durationMs },
    sourcesUsed: used,
    sourcesUnavailable: record.detections
      .filter((d) => !d.available)
      .map((d) => ({ id: d.id, reason: d.reason ?? 'unavailable' })),
    sources,
    energy,
    ...(energy === null ? { energyAbsentReason: energyAbsentReason ?? 'no energy reading' } : {}),
    warnings,
    sampler: {
      intervalMs: record.intervalMs,
      samples: inside.length,
      pctOfCore: round(record.cost.pctOfCore, 4),
      childCpuMs: round(record.cost.childCpuMs, 2),
      lateTicks: record.cost.lateTicks,
    },
  };
  if (options.includeSeries ?? true) summary.series = seriesOf(record, window);
  return summary;
}
