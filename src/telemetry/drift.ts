/**
 * Latency drift within a run: the median of the first part against the median of the last part,
 * and a robust trend (Theil–Sen: the median of all pairwise slopes, which a few outliers cannot
 * tilt). Long runs are reduced to block medians first, so the pairwise step stays small.
 */
import type { TelemetryWarning } from './schema.js';
import { median } from './series.js';

export interface DriftOptions {
  /** Sample times (epoch ms), same length as the latencies: adds a slope per minute. */
  timestampsMs?: readonly number[];
  /** Share of samples in the first and in the last part. Default 0.2. */
  partFraction?: number;
  /** Change between the parts, %, from which drift is reported. Default 5. */
  thresholdPct?: number;
  /** Fewer samples than this give no verdict. Default 20. */
  minSamples?: number;
  /** The trend is fitted on at most this many points (block medians). Default 200. */
  maxTrendPoints?: number;
}

export interface DriftResult {
  samples: number;
  firstMedianMs: number | null;
  lastMedianMs: number | null;
  /** (last − first) / first × 100. */
  changePct: number | null;
  /** Theil–Sen slope relative to the overall median: % per 1000 samples. */
  slopePctPer1000: number | null;
  /** The same per minute of wall time (needs timestampsMs). */
  slopePctPerMinute: number | null;
  drifting: boolean;
  warnings: TelemetryWarning[];
}

/** Theil–Sen slope of y over x: the median of (yj − yi) / (xj − xi) over all pairs with xi ≠ xj. */
export function theilSenSlope(xs: readonly number[], ys: readonly number[]): number | null {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      if (xs[j] !== xs[i]) slopes.push((ys[j] - ys[i]) / (xs[j] - xs[i]));
    }
  }
  return median(slopes);
}

/** Up to `count` points: (median x, median y) of consecutive blocks. */
function blockMedians(
  xs: readonly number[],
  ys: readonly number[],
  count: number,
): { xs: number[]; ys: number[] } {
  if (xs.length <= count) return { xs: [...xs], ys: [...ys] };
  const outX: number[] = [];
  const outY: number[] = [];
  for (let b = 0; b < count; b++) {
    const from = Math.floor((b * xs.length) / count);
    const to = Math.floor(((b + 1) * xs.length) / count);
    outX.push(median(xs.slice(from, to))!);
    outY.push(median(ys.slice(from, to))!);
  }
  return { xs: outX, ys: outY };
}

function signed(value: number, digits = 1): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

export function detectDrift(latencySamplesMs: readonly number[], options: DriftOptions = {}): DriftResult {
  const partFraction = options.partFraction ?? 0.2;
  const thresholdPct = options.thresholdPct ?? 5;
  const minSamples = options.minSamples ?? 20;
  const maxTrendPoints = options.maxTrendPoints ?? 200;
  if (!(partFraction > 0 && partFraction <= 0.5)) {
    throw new RangeError(`partFraction must be in (0, 0.5] (got ${partFraction})`);
  }
  const n = latencySamplesMs.length;
  const none: DriftResult = {
    samples: n,
    firstMedianMs: null,
    lastMedianMs: null,
    changePct: null,
    slopePctPer1000: null,
    slopePctPerMinute: null,
    drifting: false,
    warnings: [],
  };
  if (n < minSamples) return none;
  const times = options.timestampsMs;
  if (times !== undefined && times.length !== n) {
    throw new RangeError(`timestampsMs must have one entry per latency sample (${times.length} vs ${n})`);
  }

  const part = Math.max(1, Math.floor(n * partFraction));
  const firstMedianMs = median(latencySamplesMs.slice(0, part))!;
  const lastMedianMs = median(latencySamplesMs.slice(n - part))!;
  const overall = median(latencySamplesMs)!;
  const changePct = firstMedianMs > 0 ? ((lastMedianMs - firstMedianMs) / firstMedianMs) * 100 : null;

  const indices = latencySamplesMs.map((_, i) => i);
  const byIndex = blockMedians(indices, latencySamplesMs, maxTrendPoints);
  const slopePerSample = theilSenSlope(byIndex.xs, byIndex.ys);
  const slopePctPer1000 =
    slopePerSample === null || overall <= 0 ? null : ((slopePerSample * 1000) / overall) * 100;
  let slopePctPerMinute: number | null = null;
  if (times !== undefined && overall > 0) {
    const byTime = blockMedians(times, latencySamplesMs, maxTrendPoints);
    const slopePerMs = theilSenSlope(byTime.xs, byTime.ys);
    slopePctPerMinute = slopePerMs === null ? null : ((slopePerMs * 60_000) / overall) * 100;
  }

  const projectedPct = slopePctPer1000 === null ? 0 : (slopePctPer1000 * n) / 1000;
  const drifting =
    changePct !== null &&
    Math.abs(changePct) >= thresholdPct &&
    Math.sign(projectedPct) === Math.sign(changePct) &&
    Math.abs(projectedPct) >= thresholdPct / 2;

  const warnings: TelemetryWarning[] = [];
  if (drifting && changePct !== null && slopePctPer1000 !== null) {
    const perMinute = slopePctPerMinute === null ? '' : `, ${signed(slopePctPerMinute)}% per minute`;
    const share = Math.round(partFraction * 100);
    warnings.push({
      kind: 'latency-drift',
      message:
        `latency drifted ${signed(changePct)}% from the first ${share}% of samples (median ${firstMedianMs.toFixed(3)} ms) ` +
        `to the last ${share}% (${lastMedianMs.toFixed(3)} ms); fitted trend ${signed(projectedPct)}% over the run's ${n} samples${perMinute}: ` +
        (changePct > 0
          ? 'look for thermal throttling, background load or memory growth'
          : 'warm-up was probably too short'),
    });
  }
  return {
    samples: n,
    firstMedianMs,
    lastMedianMs,
    changePct,
    slopePctPer1000,
    slopePctPerMinute,
    drifting,
    warnings,
  };
}
