/**
 * One variant's figures from its stored rounds (pooled samples, per-round medians, telemetry, compute),
 * and the outcome of comparing one variant with another: a bootstrap estimate, or why there is none.
 */
import { type LatencyStats, summarize } from '../../core/stats.js';
import { type RunCompute, rateAtMedian, runComputeSchema } from '../../measure/compute-schema.js';
import type { Failure, MeasurementRecord, VariantRecord } from '../../store/types.js';
import { isIncomplete } from '../../store/types.js';
import { type BootstrapOptions, seedFor } from '../bootstrap.js';
import { compareSamples, fps, medianOf, type SpeedupEstimate } from './stats.js';
import { analyzeTelemetry, type VariantTelemetry } from './telemetry.js';

/** ok: compared; failed: either side failed; skipped: either side cannot run here; missing: not measured yet. */
export type ComparisonStatus = 'ok' | 'failed' | 'skipped' | 'missing';

export interface VariantAnalysis {
  variant: VariantRecord;
  /** Rounds measured successfully. */
  rounds: number;
  /** Pooled samples of those rounds, in measurement order. */
  samplesMs: Float64Array;
  /** The same samples, one array per successful round (what the bootstrap redraws). */
  roundSamplesMs: Float64Array[];
  stats: LatencyStats | null;
  /** Median of each round, in round order (drift shows here). */
  roundMedians: Array<{ round: number; medianMs: number; count: number }>;
  fps: number | null;
  /** Median over rounds of the session-creation time. */
  coldStartMs: number | null;
  peakRssBytes: number | null;
  /** Why nothing of the variant is usable (null when it is, incomplete ones included). */
  failure: Failure | null;
  /**
   * A variant stopped early whose finished rounds stand: how many of the planned ones, and the
   * failure that stopped it. Its figures are those of the finished rounds.
   */
  incomplete: { rounds: number; plannedRounds: number | null; failure: Failure } | null;
  /** LoadGen validity over the rounds when a scenario ran: VALID, or INVALID with the failed checks. */
  scenarioValidity: string | null;
  measurements: MeasurementRecord[];
  /** What the rounds' telemetry says (null when no round stored telemetry). */
  telemetry: VariantTelemetry | null;
  /**
   * Compute rate at the pooled median latency, from the operations and peak estimate stored with the
   * rounds; null where no round counted them (older stores, other engines).
   */
  compute: RunCompute | null;
}

export function analyzeVariant(
  variant: VariantRecord,
  measurements: MeasurementRecord[],
  plannedRounds: number | null = null,
): VariantAnalysis {
  const ok = measurements
    .filter((m) => m.variantId === variant.id && m.status === 'ok')
    .sort((a, b) => a.round - b.round || a.id - b.id);
  const failedMeasurement = measurements.find((m) => m.variantId === variant.id && m.status === 'failed');
  const total = ok.reduce((n, m) => n + m.samplesMs.length, 0);
  const samplesMs = new Float64Array(total);
  let offset = 0;
  for (const m of ok) {
    samplesMs.set(m.samplesMs, offset);
    offset += m.samplesMs.length;
  }
  const stats = total > 0 ? summarize(samplesMs, variant.batch) : null;
  // Stopped early with finished rounds: those stand (status ok, with the failure that stopped it).
  const incomplete = isIncomplete(variant) && ok.length > 0;
  const roundMedians = ok
    .filter((m) => m.samplesMs.length > 0)
    .map((m) => ({ round: m.round, medianMs: summarize(m.samplesMs).medianMs, count: m.samplesMs.length }));
  const cold = ok.map((m) => m.result?.coldStartMs).filter((v): v is number => typeof v === 'number');
  const rss = ok.map((m) => m.result?.peakRssBytes).filter((v): v is number => typeof v === 'number');
  const scenarios = ok.map((m) => m.result?.scenario).filter((x) => x !== undefined);
  const failedChecks = new Set(
    scenarios.flatMap((x) =>
      x.result === 'VALID' ? [] : x.checks.filter((c) => !c.passed).map((c) => c.name),
    ),
  );
  const scenarioValidity =
    scenarios.length === 0
      ? null
      : failedChecks.size === 0 && scenarios.every((x) => x.result === 'VALID')
        ? 'VALID'
        : `INVALID (${[...failedChecks].join(', ') || 'see the JSON report'})`;
  return {
    variant,
    rounds: ok.length,
    samplesMs,
    roundSamplesMs: ok.filter((m) => m.samplesMs.length > 0).map((m) => m.samplesMs),
    stats,
    roundMedians,
    fps: stats ? fps(stats.medianMs, variant.batch) : null,
    coldStartMs: medianOf(cold),
    peakRssBytes: rss.length > 0 ? Math.max(...rss) : null,
    failure: incomplete ? null : (variant.failure ?? failedMeasurement?.failure ?? null),
    incomplete: incomplete ? { rounds: ok.length, plannedRounds, failure: variant.failure! } : null,
    scenarioValidity,
    measurements: measurements.filter((m) => m.variantId === variant.id),
    telemetry: analyzeTelemetry(ok),
    compute: stats ? variantCompute(ok, stats.medianMs) : null,
  };
}

/** The first round's stored count (every round ran the same graph and inputs), at `medianMs`. */
function variantCompute(ok: readonly MeasurementRecord[], medianMs: number): RunCompute | null {
  for (const m of ok) {
    const parsed = runComputeSchema.safeParse(m.result?.compute);
    if (parsed.success) return rateAtMedian(parsed.data, medianMs);
  }
  return null;
}

/**
 * A comparison's status: ok with its bootstrap estimate, or why there is none — either side cannot
 * run here (skipped), failed, or has no samples yet (missing).
 */
export function comparisonOutcome(
  variant: VariantAnalysis,
  reference: VariantAnalysis | undefined,
  referenceRole: 'baseline' | 'reference',
  bootstrap: Required<BootstrapOptions>,
  seedKey: string,
): { status: ComparisonStatus; reason: string | null; estimate: SpeedupEstimate | null } {
  const unavailable = [reference?.failure, variant.failure].find((f) => f?.kind === 'unavailable');
  if (unavailable)
    return {
      status: 'skipped',
      reason: unavailable.reason.replace(/^round \d+: /, '').replace(/^skipped:\s*/, ''),
      estimate: null,
    };
  if (reference?.failure || reference?.variant.status === 'failed')
    return {
      status: 'failed',
      reason: `${referenceRole} failed: ${reference.failure?.reason ?? 'unknown reason'}`,
      estimate: null,
    };
  if (variant.failure || variant.variant.status === 'failed')
    return { status: 'failed', reason: variant.failure?.reason ?? 'failed', estimate: null };
  if (!reference || reference.samplesMs.length === 0 || variant.samplesMs.length === 0)
    return { status: 'missing', reason: 'not measured yet (resume the study)', estimate: null };
  // Variants of one group ran interleaved, round r beside round r: their rounds are drawn as pairs.
  const sameRounds = (a: VariantAnalysis, b: VariantAnalysis) =>
    a.roundMedians.map((r) => r.round).join() === b.roundMedians.map((r) => r.round).join();
  const estimate = compareSamples(reference.roundSamplesMs, variant.roundSamplesMs, {
    resamples: bootstrap.resamples,
    confidence: bootstrap.confidence,
    seed: seedFor(bootstrap.seed, seedKey),
    pairedRounds: reference.variant.groupKey === variant.variant.groupKey && sameRounds(reference, variant),
  });
  return { status: 'ok', reason: null, estimate };
}
