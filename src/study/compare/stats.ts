/**
 * The statistics of a comparison (docs/study.md defines every figure): speedup S = t_base / t_opt of
 * the pooled medians with its percentile-bootstrap CI, % speed improvement in FPS terms (S − 1) × 100,
 * the verdict from the CI, and the means that average them over models.
 */
import { bootstrapMedianRatio, type RatioOptions, type SideSamples } from '../bootstrap.js';

export type Verdict = 'faster' | 'slower' | 'no significant difference';

/** Frames (samples) per second at a median latency: batch × 1000 / median ms. */
export function fps(medianMs: number, batch = 1): number {
  return (batch * 1000) / medianMs;
}

/** % speed improvement from a speedup: (S − 1) × 100. */
export function improvementPct(speedup: number): number {
  return (speedup - 1) * 100;
}

export function verdictOf(ci: readonly [number, number]): Verdict {
  if (ci[0] > 1) return 'faster';
  if (ci[1] < 1) return 'slower';
  return 'no significant difference';
}

export interface SpeedupEstimate {
  speedup: number;
  speedupCi: [number, number];
  improvementPct: number;
  improvementCiPct: [number, number];
  verdict: Verdict;
}

/**
 * Speedup of `optimized` over `baseline` from their latency samples (ms): one array per side, or one
 * array per round (then the bootstrap redraws rounds too; see bootstrap.ts).
 */
export function compareSamples(
  baselineMs: SideSamples,
  optimizedMs: SideSamples,
  options: RatioOptions = {},
): SpeedupEstimate {
  const estimate = bootstrapMedianRatio(baselineMs, optimizedMs, options);
  return {
    speedup: estimate.ratio,
    speedupCi: estimate.ci,
    improvementPct: improvementPct(estimate.ratio),
    improvementCiPct: [improvementPct(estimate.ci[0]), improvementPct(estimate.ci[1])],
    verdict: verdictOf(estimate.ci),
  };
}

export function arithmeticMean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function geometricMean(values: readonly number[]): number {
  if (values.length === 0 || values.some((v) => !(v > 0))) return Number.NaN;
  return Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length);
}

/** The median of `values`, or null when there are none. */
export function medianOf(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
