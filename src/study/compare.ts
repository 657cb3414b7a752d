/**
 * Comparisons: from stored samples to speedups, % speed improvement, confidence intervals, verdicts
 * and averages. Pure functions (docs/study.md defines every figure):
 *
 * - speedup S = t_base / t_opt, the ratio of the median latencies over all rounds' samples pooled;
 * - % speed improvement in FPS terms = (FPS_opt − FPS_base) / FPS_base × 100 = (S − 1) × 100,
 *   with FPS = batch × 1000 / median latency (ms);
 * - CI: percentile bootstrap of S (resampling samples within each variant, seeded per comparison);
 * - verdict: faster when the whole CI is above 1, slower when below, no significant difference otherwise;
 * - averages over models: the arithmetic mean of % improvements (what the study reports) and the
 *   geometric mean of speedups (the right average of ratios), also as a %.
 */

import { type LatencyStats, summarize } from '../core/stats.js';
import { type RunCompute, rateAtMedian, runComputeSchema } from '../measure/compute-schema.js';
import type {
  DeviceRecord,
  EnvironmentRecord,
  Failure,
  FidelityRecord,
  MeasurementRecord,
  StoredStudy,
  StudyRecord,
  VariantRecord,
} from '../store/types.js';
import { isIncomplete } from '../store/types.js';
import {
  type EnergyMethod,
  type TelemetrySummary,
  type TelemetryWarning,
  telemetrySummarySchema,
} from '../telemetry/schema.js';
import {
  type BootstrapOptions,
  bootstrapMedianRatio,
  type RatioOptions,
  type SideSamples,
  seedFor,
} from './bootstrap.js';
import { ENGINE_GROUP_EP } from './plan.js';
import { DEFAULT_BOOTSTRAP } from './spec.js';
import { readTuneRecord, type TuneRecord } from './tune-record.js';

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

/** Energy per inference of a variant: medians over the rounds that have a figure (never invented). */
export interface VariantEnergy {
  /** Median over rounds of mJ per inference. */
  mJPerInference: number;
  /** Median over the same rounds of the average power (W). */
  avgPowerW: number | null;
  inferencesPerJoule: number | null;
  co2eGramsPer1000: number | null;
  /** true when the figure is a TDP-based estimate (only used when no round had a measured figure). */
  estimated: boolean;
  methods: EnergyMethod[];
  /** Rounds the medians are over. */
  rounds: number;
}

/** A telemetry series point placed on its round's latency timeline. */
export interface AlignedSeriesPoint {
  round: number;
  /** Epoch ms of the reading. */
  tMs: number;
  /** ms since the round's measurement window started (its first latency sample). */
  offsetMs: number;
  cpuFreqMHz: number | null;
  maxTempC: number | null;
  powerW: number | null;
  processCpuPct: number | null;
  systemCpuPct: number | null;
  gpuUtilPct: number | null;
}

export interface VariantTelemetry {
  /** Rounds that stored a telemetry summary. */
  rounds: number;
  energy: VariantEnergy | null;
  /** Why energy is absent (the rounds' reasons, de-duplicated), when it is. */
  energyAbsentReasons: string[];
  /** Throttling and drift warnings of every round, de-duplicated by kind, source and message. */
  warnings: Array<TelemetryWarning & { rounds: number[] }>;
  /** Every round's series points, aligned to that round's window start, in round then time order. */
  series: AlignedSeriesPoint[];
}

export interface Comparison {
  groupKey: string;
  model: string;
  label: string;
  baselineLabel: string;
  recipes: string[];
  ep: string;
  threads: number;
  batch: number;
  scenario: string;
  variantKey: string;
  baselineKey: string;
  /** ok: compared; failed: either side failed; skipped: either side cannot run here; missing: not measured yet. */
  status: 'ok' | 'failed' | 'skipped' | 'missing';
  reason: string | null;
  baselineMedianMs: number | null;
  optimizedMedianMs: number | null;
  baselineFps: number | null;
  optimizedFps: number | null;
  estimate: SpeedupEstimate | null;
  /**
   * Per round measured on both sides: baseline round median / optimized round median. When these
   * spread beyond the CI, the pooled-sample CI understates the round-to-round variation.
   */
  roundSpeedups: Array<{ round: number; speedup: number }>;
  fidelity: FidelityRecord | null;
  /** How the recipes were applied (optimizer, or onnxruntime at load time), from the variant's notes. */
  notes: string[];
  /** Fleet studies: the device class both sides were measured on. */
  device?: string;
}

/** Averages over models of the comparisons that share everything but the model. */
export interface AverageRow {
  label: string;
  ep: string;
  threads: number;
  batch: number;
  scenario: string;
  models: string[];
  /** Arithmetic mean of % speed improvement (the study's figure). */
  meanImprovementPct: number;
  /** Geometric mean of speedups, and the same as a % improvement. */
  geomeanSpeedup: number;
  geomeanImprovementPct: number;
  /** Comparisons left out because they failed or are missing. */
  excluded: number;
  /** Fleet studies: averages are per device class. */
  device?: string;
}

/**
 * A variant compared with a variant of another group: the same variant on the study's reference EP
 * (`epComparisons`), or an onnxruntime variant against the framework baseline of the engine group,
 * e.g. PyTorch eager (`frameworkComparisons`). Such groups run one after another, not interleaved.
 */
export interface CrossComparison {
  model: string;
  label: string;
  role: 'baseline' | 'optimized';
  threads: number;
  batch: number;
  scenario: string;
  ep: string;
  /** The variant compared with: its label and EP (for framework comparisons, its engine). */
  referenceLabel: string;
  referenceEp: string;
  variantKey: string;
  referenceKey: string;
  status: 'ok' | 'failed' | 'skipped' | 'missing';
  reason: string | null;
  referenceMedianMs: number | null;
  medianMs: number | null;
  /** speedup = reference median / this variant's median, with its bootstrap CI. */
  estimate: SpeedupEstimate | null;
  device?: string;
}

export interface StudyAnalysis {
  study: StudyRecord;
  environment: EnvironmentRecord | null;
  variants: VariantAnalysis[];
  comparisons: Comparison[];
  /** Studies over several EPs: every variant on each other EP against the reference EP; else empty. */
  epComparisons: CrossComparison[];
  /** Studies with a framework engine (torch) beside onnxruntime: each onnxruntime variant against it. */
  frameworkComparisons: CrossComparison[];
  averages: AverageRow[];
  bootstrap: Required<BootstrapOptions>;
  /** Fleet studies: the devices (agents) that measured it. */
  devices?: DeviceRecord[];
  /** Tune runs: the tune's own result (leaderboard, winner, budget; see src/tune/record.ts). */
  tune?: TuneRecord;
}

function medianOf(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A stored telemetry summary read back, or null when absent or not in the current schema. */
export function telemetryOf(m: MeasurementRecord): TelemetrySummary | null {
  if (m.telemetry === null || m.telemetry === undefined) return null;
  const parsed = telemetrySummarySchema.safeParse(m.telemetry);
  return parsed.success ? parsed.data : null;
}

function finiteOrNull(values: Array<number | null | undefined>): number | null {
  return medianOf(values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
}

/** Telemetry of a variant's successful rounds (sorted by round): energy, warnings, aligned series. */
export function analyzeTelemetry(ok: readonly MeasurementRecord[]): VariantTelemetry | null {
  const rounds = ok
    .map((m) => ({ m, t: telemetryOf(m) }))
    .filter((x): x is { m: MeasurementRecord; t: TelemetrySummary } => x.t !== null);
  if (rounds.length === 0) return null;
  const withEnergy = rounds.filter((x) => x.t.energy && x.t.energy.mJPerInference !== null);
  const measured = withEnergy.filter((x) => !x.t.energy!.estimated);
  const used = measured.length > 0 ? measured : withEnergy;
  const energies = used.map((x) => x.t.energy!);
  const energy: VariantEnergy | null =
    energies.length === 0
      ? null
      : {
          mJPerInference: finiteOrNull(energies.map((e) => e.mJPerInference)) ?? Number.NaN,
          avgPowerW: finiteOrNull(energies.map((e) => e.avgPowerW)),
          inferencesPerJoule: finiteOrNull(energies.map((e) => e.inferencesPerJoule)),
          co2eGramsPer1000: finiteOrNull(energies.map((e) => e.co2eGramsPer1000)),
          estimated: measured.length === 0,
          methods: [...new Set(energies.map((e) => e.method))],
          rounds: energies.length,
        };
  const energyAbsentReasons = energy
    ? []
    : [...new Set(rounds.map((x) => x.t.energyAbsentReason).filter((r): r is string => !!r))];
  const warnings = new Map<string, TelemetryWarning & { rounds: number[] }>();
  for (const { m, t } of rounds) {
    for (const w of t.warnings) {
      const key = `${w.kind}|${w.source ?? ''}|${w.message}`;
      const seen = warnings.get(key);
      if (seen) {
        if (!seen.rounds.includes(m.round)) seen.rounds.push(m.round);
      } else warnings.set(key, { ...w, rounds: [m.round] });
    }
  }
  const series: AlignedSeriesPoint[] = [];
  for (const { m, t } of rounds) {
    const start = m.result?.window.startEpochMs ?? t.window.startMs;
    for (const p of t.series ?? [])
      series.push({
        round: m.round,
        tMs: p.tMs,
        offsetMs: p.tMs - start,
        cpuFreqMHz: p.cpuFreqMHz,
        maxTempC: p.maxTempC,
        powerW: p.powerW,
        processCpuPct: p.processCpuPct,
        systemCpuPct: p.systemCpuPct,
        gpuUtilPct: p.gpuUtilPct,
      });
  }
  return { rounds: rounds.length, energy, energyAbsentReasons, warnings: [...warnings.values()], series };
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

/** Says which side of a comparison rests on fewer rounds than planned (it was stopped early). */
function incompleteNotes(base: VariantAnalysis | undefined, opt: VariantAnalysis): string[] {
  return [base, opt]
    .filter((v): v is VariantAnalysis => v?.incomplete !== null && v !== undefined)
    .map(
      (v) =>
        `${v.variant.label} is incomplete: ${v.incomplete!.rounds} of ${v.incomplete!.plannedRounds ?? '?'} rounds (stopped by ${v.incomplete!.failure.kind})`,
    );
}

function notesOf(variant: VariantRecord): string[] {
  const notes = variant.settings.notes;
  return Array.isArray(notes) ? notes.map(String) : [];
}

/** Baseline round median / optimized round median, for every round both sides measured. */
export function roundSpeedups(
  base: VariantAnalysis | undefined,
  opt: VariantAnalysis,
): Array<{ round: number; speedup: number }> {
  if (!base) return [];
  const optByRound = new Map(opt.roundMedians.map((r) => [r.round, r.medianMs]));
  return base.roundMedians
    .filter((r) => optByRound.has(r.round))
    .map((r) => ({ round: r.round, speedup: r.medianMs / optByRound.get(r.round)! }));
}

/** Rounds below which a CI says little about how much separate runs (processes) of a variant differ. */
export const MIN_ROUNDS_FOR_CI = 3;

/** Whether a comparison rests on too few rounds for its CI to carry the spread between runs. */
export function tooFewRounds(c: Comparison): boolean {
  return c.estimate !== null && c.roundSpeedups.length < MIN_ROUNDS_FOR_CI;
}

/** Everything the reports show, computed from a stored study alone. */
export function analyzeStudy(stored: StoredStudy, options: BootstrapOptions = {}): StudyAnalysis {
  const specBootstrap = (stored.study.spec as { bootstrap?: BootstrapOptions } | null)?.bootstrap ?? {};
  const bootstrap: Required<BootstrapOptions> = {
    resamples: options.resamples ?? specBootstrap.resamples ?? DEFAULT_BOOTSTRAP.resamples,
    seed: options.seed ?? specBootstrap.seed ?? DEFAULT_BOOTSTRAP.seed,
    confidence: options.confidence ?? specBootstrap.confidence ?? DEFAULT_BOOTSTRAP.confidence,
  };
  const plannedRounds = (stored.study.spec as { rounds?: unknown } | null)?.rounds;
  const variants = stored.variants.map((v) =>
    analyzeVariant(v, stored.measurements, typeof plannedRounds === 'number' ? plannedRounds : null),
  );
  const byKey = new Map(variants.map((v) => [v.variant.key, v]));
  const fidelityById = new Map(stored.fidelity.map((f) => [f.variantId, f]));

  const comparisons: Comparison[] = [];
  for (const opt of variants) {
    const v = opt.variant;
    if (v.role !== 'optimized' || !v.baselineKey) continue;
    const base = byKey.get(v.baselineKey);
    const comparison: Comparison = {
      groupKey: v.groupKey,
      model: v.model,
      label: v.label,
      baselineLabel: base?.variant.label ?? '?',
      recipes: v.recipes,
      ep: v.ep,
      threads: v.threads,
      batch: v.batch,
      scenario: v.scenario,
      variantKey: v.key,
      baselineKey: v.baselineKey,
      status: 'ok',
      reason: null,
      baselineMedianMs: base?.stats?.medianMs ?? null,
      optimizedMedianMs: opt.stats?.medianMs ?? null,
      baselineFps: base?.fps ?? null,
      optimizedFps: opt.fps ?? null,
      estimate: null,
      roundSpeedups: roundSpeedups(base, opt),
      fidelity: fidelityById.get(v.id) ?? null,
      notes: [...notesOf(v), ...incompleteNotes(base, opt)],
      ...(v.device ? { device: v.device } : {}),
    };
    Object.assign(comparison, comparisonOutcome(opt, base, 'baseline', bootstrap, v.key));
    comparisons.push(comparison);
  }
  return {
    study: stored.study,
    environment: stored.environment,
    variants,
    comparisons,
    epComparisons: compareAcrossEps(variants, bootstrap),
    frameworkComparisons: compareWithFramework(variants, bootstrap),
    averages: averageComparisons(comparisons),
    bootstrap,
    ...(stored.devices && stored.devices.length > 0 ? { devices: stored.devices } : {}),
    ...(readTuneRecord(stored.tune) ? { tune: readTuneRecord(stored.tune)! } : {}),
  };
}

/**
 * A comparison's status: ok with its bootstrap estimate, or why there is none — either side cannot
 * run here (skipped), failed, or has no samples yet (missing).
 */
function comparisonOutcome(
  variant: VariantAnalysis,
  reference: VariantAnalysis | undefined,
  referenceRole: 'baseline' | 'reference',
  bootstrap: Required<BootstrapOptions>,
  seedKey: string,
): { status: Comparison['status']; reason: string | null; estimate: SpeedupEstimate | null } {
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

/** Whether a variant is one of the engine group's (torch, trtexec), whose `ep` holds its engine. */
function inEngineGroup(v: VariantRecord): boolean {
  return v.groupKey.includes(`|${ENGINE_GROUP_EP}|`);
}

/** Execution providers of the recipe-based variants, in plan order (the engine group has none). */
export function studyEps(variants: readonly VariantAnalysis[]): string[] {
  const eps: string[] = [];
  for (const v of variants)
    if (!inEngineGroup(v.variant) && !eps.includes(v.variant.ep)) eps.push(v.variant.ep);
  return eps;
}

/** The reference EP that other EPs are compared with: the CPU when the study has it. */
export function referenceEp(eps: readonly string[]): string | undefined {
  return eps.includes('cpu') ? 'cpu' : eps[0];
}

/** `variant` against `reference`, from other groups (see CrossComparison). */
function crossCompare(
  variant: VariantAnalysis,
  reference: VariantAnalysis,
  bootstrap: Required<BootstrapOptions>,
): CrossComparison {
  const v = variant.variant;
  const comparison: CrossComparison = {
    model: v.model,
    label: v.label,
    role: v.role === 'baseline' ? 'baseline' : 'optimized',
    threads: v.threads,
    batch: v.batch,
    scenario: v.scenario,
    ep: v.ep,
    referenceLabel: reference.variant.label,
    referenceEp: reference.variant.ep,
    variantKey: v.key,
    referenceKey: reference.variant.key,
    status: 'ok',
    reason: null,
    referenceMedianMs: reference.stats?.medianMs ?? null,
    medianMs: variant.stats?.medianMs ?? null,
    estimate: null,
    ...(v.device ? { device: v.device } : {}),
  };
  Object.assign(
    comparison,
    comparisonOutcome(variant, reference, 'reference', bootstrap, `${v.key}~${reference.variant.key}`),
  );
  return comparison;
}

/** What makes a variant the same on every EP: all its axes but the EP. */
export function keyAcrossEps(v: VariantRecord): string {
  return [v.model, v.label, v.threads, v.batch, v.scenario, v.device ?? ''].join('|');
}

/** Each variant on a non-reference EP against the same variant on the reference EP. */
export function compareAcrossEps(
  variants: readonly VariantAnalysis[],
  bootstrap: Required<BootstrapOptions>,
): CrossComparison[] {
  const eps = studyEps(variants);
  const reference = referenceEp(eps);
  if (eps.length < 2 || reference === undefined) return [];
  const onReference = new Map(
    variants
      .filter((v) => v.variant.ep === reference && !inEngineGroup(v.variant))
      .map((v) => [keyAcrossEps(v.variant), v]),
  );
  const out: CrossComparison[] = [];
  for (const other of variants) {
    const v = other.variant;
    if (v.ep === reference || inEngineGroup(v)) continue;
    const ref = onReference.get(keyAcrossEps(v));
    if (ref) out.push(crossCompare(other, ref, bootstrap));
  }
  return out;
}

/**
 * Studies whose engines start with a framework (torch) and include onnxruntime: every onnxruntime
 * variant of a model and batch (single-stream) against the framework baseline of the same model and
 * batch — the study's own claim, framework vs optimized engine, on hosts without TensorRT too.
 */
export function compareWithFramework(
  variants: readonly VariantAnalysis[],
  bootstrap: Required<BootstrapOptions>,
): CrossComparison[] {
  const sameAxes = (v: VariantRecord) => [v.model, v.batch, v.scenario, v.device ?? ''].join('|');
  const frameworks = new Map(
    variants
      .filter(
        (v) => inEngineGroup(v.variant) && v.variant.role === 'baseline' && v.variant.ep.startsWith('torch'),
      )
      .map((v) => [sameAxes(v.variant), v]),
  );
  if (frameworks.size === 0) return [];
  const out: CrossComparison[] = [];
  for (const v of variants) {
    if (inEngineGroup(v.variant)) continue;
    const framework = frameworks.get(sameAxes(v.variant));
    if (framework) out.push(crossCompare(v, framework, bootstrap));
  }
  return out;
}

/** Groups comparisons by everything but the model and averages each group. */
export function averageComparisons(comparisons: readonly Comparison[]): AverageRow[] {
  const groups = new Map<string, Comparison[]>();
  for (const c of comparisons) {
    const key = `${c.label}|${c.ep}|${c.threads}|${c.batch}|${c.scenario}${c.device ? `@${c.device}` : ''}`;
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  const rows: AverageRow[] = [];
  for (const list of groups.values()) {
    const done = list.filter((c) => c.estimate !== null);
    if (done.length === 0) continue;
    const speedups = done.map((c) => c.estimate!.speedup);
    const geomean = geometricMean(speedups);
    const first = list[0];
    rows.push({
      label: first.label,
      ep: first.ep,
      threads: first.threads,
      batch: first.batch,
      scenario: first.scenario,
      models: done.map((c) => c.model),
      meanImprovementPct: arithmeticMean(done.map((c) => c.estimate!.improvementPct)),
      geomeanSpeedup: geomean,
      geomeanImprovementPct: improvementPct(geomean),
      excluded: list.length - done.length,
      ...(first.device ? { device: first.device } : {}),
    });
  }
  return rows;
}
