/**
 * Throttling within a run, from samples alone: CPU frequency falling below its peak, temperatures
 * reaching the platform's limit, and NVIDIA's own throttle reasons. Each finding is a warning with
 * text a reader can act on.
 */
import { decodeThrottleReasons } from './parse/nvidia-smi.js';
import type { TelemetryWarning } from './schema.js';
import type { SourceInfos, TelemetrySample } from './types.js';

export interface ThrottlingOptions {
  /** Static facts from the record (trip points, hardware max frequency). */
  info?: Partial<SourceInfos>;
  /** A sample counts as a frequency drop when the fastest core is below (1 − this) × the run's peak. Default 0.1. */
  frequencyDropFraction?: number;
  /** Warn only when at least this share of samples (and at least 2) is affected. Default 0.05. */
  minAffectedFraction?: number;
  /** A temperature limit to use for sensors that declare none, °C. */
  thermalLimitC?: number;
}

const DEFAULT_DROP_FRACTION = 0.1;
const DEFAULT_MIN_AFFECTED = 0.05;

function pct(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

function relative(tMs: number, originMs: number): string {
  return `+${((tMs - originMs) / 1000).toFixed(1)} s`;
}

function enough(affected: number, total: number, minFraction: number): boolean {
  return affected >= 2 && affected >= minFraction * total;
}

/** The fastest core's frequency per sample, MHz (cpufreq, else tegrastats' per-core figures). */
function fastestCoreMHz(sample: TelemetrySample): number | null {
  if (sample.cpufreq) {
    const values = Object.values(sample.cpufreq.khz);
    if (values.length > 0) return Math.max(...values) / 1000;
  }
  const tegra = sample.jetson?.cpuFreqMHz?.filter((value): value is number => value !== null);
  if (tegra && tegra.length > 0) return Math.max(...tegra);
  return null;
}

export function detectThrottling(
  samples: readonly TelemetrySample[],
  options: ThrottlingOptions = {},
): TelemetryWarning[] {
  const warnings: TelemetryWarning[] = [];
  if (samples.length === 0) return warnings;
  const dropFraction = options.frequencyDropFraction ?? DEFAULT_DROP_FRACTION;
  const minAffected = options.minAffectedFraction ?? DEFAULT_MIN_AFFECTED;
  const origin = samples[0].tMs;

  // CPU frequency below its peak.
  const freqs = samples
    .map((sample) => ({ tMs: sample.tMs, mhz: fastestCoreMHz(sample) }))
    .filter((entry): entry is { tMs: number; mhz: number } => entry.mhz !== null);
  if (freqs.length > 0) {
    const peak = Math.max(...freqs.map((entry) => entry.mhz));
    const threshold = peak * (1 - dropFraction);
    const dropped = freqs.filter((entry) => entry.mhz < threshold);
    if (enough(dropped.length, freqs.length, minAffected)) {
      const lowest = Math.min(...dropped.map((entry) => entry.mhz));
      const hwMaxKHz = options.info?.cpufreq?.cpus
        .map((cpu) => cpu.maxKHz)
        .filter((value): value is number => value !== null);
      const hw = hwMaxKHz && hwMaxKHz.length > 0 ? `; hardware max ${Math.max(...hwMaxKHz) / 1000} MHz` : '';
      warnings.push({
        kind: 'cpu-frequency-drop',
        source: samples.some((s) => s.cpufreq) ? 'cpufreq' : 'jetson',
        message:
          `CPU frequency dropped more than ${pct(dropFraction)} below its peak (${Math.round(peak)} MHz, ` +
          `lowest ${Math.round(lowest)} MHz${hw}) in ${dropped.length} of ${freqs.length} samples, ` +
          `first at ${relative(dropped[0].tMs, origin)}: frequency scaling or throttling changed the speed during the run`,
        fraction: dropped.length / freqs.length,
        firstAtMs: dropped[0].tMs,
      });
    }
  }

  // Temperatures at the platform's limit.
  const limits = new Map<string, { name: string; limitC: number; kind: string }>();
  for (const sensor of options.info?.thermal?.sensors ?? []) {
    const limitC = sensor.limitC ?? options.thermalLimitC ?? null;
    if (limitC !== null) {
      limits.set(sensor.key, { name: sensor.name, limitC, kind: sensor.limitKind ?? 'configured limit' });
    }
  }
  const thermalSamples = samples.filter((sample) => sample.thermal);
  const hot = new Map<string, { count: number; first: number; peak: number }>();
  for (const sample of thermalSamples) {
    for (const [key, celsius] of Object.entries(sample.thermal!.celsius)) {
      const limit = limits.get(key)?.limitC ?? options.thermalLimitC;
      if (limit === undefined || celsius < limit) continue;
      const entry = hot.get(key) ?? { count: 0, first: sample.tMs, peak: celsius };
      entry.count++;
      entry.peak = Math.max(entry.peak, celsius);
      hot.set(key, entry);
    }
  }
  // tegrastats temperatures only have a limit when one is given.
  if (options.thermalLimitC !== undefined) {
    for (const sample of samples) {
      for (const [name, celsius] of Object.entries(sample.jetson?.celsius ?? {})) {
        if (celsius < options.thermalLimitC) continue;
        const key = `tegrastats:${name}`;
        const entry = hot.get(key) ?? { count: 0, first: sample.tMs, peak: celsius };
        entry.count++;
        entry.peak = Math.max(entry.peak, celsius);
        hot.set(key, entry);
      }
    }
  }
  for (const [key, entry] of hot) {
    const limit = limits.get(key);
    const limitC = limit?.limitC ?? options.thermalLimitC!;
    const total = key.startsWith('tegrastats:') ? samples.length : thermalSamples.length;
    warnings.push({
      kind: 'thermal-limit',
      source: key.startsWith('tegrastats:') ? 'jetson' : 'thermal',
      message:
        `${limit?.name ?? key} reached ${entry.peak.toFixed(1)} °C, at or above its ${limit?.kind ?? 'configured limit'} ` +
        `of ${limitC} °C, in ${entry.count} of ${total} samples (first at ${relative(entry.first, origin)}): ` +
        'the platform throttles there',
      fraction: entry.count / Math.max(1, total),
      firstAtMs: entry.first,
    });
  }

  // NVIDIA throttle reasons (power cap, thermal, hardware slowdown).
  const perGpu = new Map<number, { seen: Map<string, number>; first: number; total: number }>();
  for (const sample of samples) {
    for (const gpu of sample['nvidia-smi']?.gpus ?? []) {
      const entry = perGpu.get(gpu.index) ?? { seen: new Map<string, number>(), first: Number.NaN, total: 0 };
      entry.total++;
      if (gpu.throttleReasonsMask !== null) {
        const reasons = decodeThrottleReasons(gpu.throttleReasonsMask, true);
        if (reasons.length > 0 && Number.isNaN(entry.first)) entry.first = sample.tMs;
        for (const reason of reasons) entry.seen.set(reason, (entry.seen.get(reason) ?? 0) + 1);
      }
      perGpu.set(gpu.index, entry);
    }
  }
  for (const [index, entry] of perGpu) {
    if (entry.seen.size === 0) continue;
    const worst = Math.max(...entry.seen.values());
    const list = [...entry.seen.entries()].map(([reason, count]) => `${reason} (${count})`).join(', ');
    warnings.push({
      kind: 'gpu-throttle',
      source: 'nvidia-smi',
      message: `GPU ${index} was throttled: ${list} of ${entry.total} samples, first at ${relative(entry.first, origin)}`,
      fraction: worst / entry.total,
      firstAtMs: entry.first,
    });
  }
  return warnings;
}
