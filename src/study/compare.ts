/**
 * Comparisons: from stored samples to speedups, % speed improvement, confidence intervals, verdicts
 * and averages — every figure the reports show, from a stored study alone (docs/study.md defines
 * them). The statistics live in compare/stats.ts, telemetry in compare/telemetry.ts, one variant's
 * figures in compare/variant.ts and comparisons across EPs and engines in compare/cross-engine.ts;
 * this module pairs each optimized variant with its baseline and averages over models.
 */

import type {
  DeviceRecord,
  EnvironmentRecord,
  FidelityRecord,
  StoredStudy,
  StudyRecord,
  VariantRecord,
} from '../store/types.js';
import type { BootstrapOptions } from './bootstrap.js';
import { type CrossComparison, compareAcrossEps, compareWithFramework } from './compare/cross-engine.js';
import { arithmeticMean, geometricMean, improvementPct, type SpeedupEstimate } from './compare/stats.js';
import { analyzeVariant, comparisonOutcome, type VariantAnalysis } from './compare/variant.js';
import { DEFAULT_BOOTSTRAP } from './spec.js';
import { readTuneRecord, type TuneRecord } from './tune-record.js';

export {
  type CrossComparison,
  compareAcrossEps,
  compareWithFramework,
  keyAcrossEps,
  referenceEp,
  studyEps,
} from './compare/cross-engine.js';
export {
  arithmeticMean,
  compareSamples,
  fps,
  geometricMean,
  improvementPct,
  type SpeedupEstimate,
  type Verdict,
  verdictOf,
} from './compare/stats.js';
export {
  type AlignedSeriesPoint,
  analyzeTelemetry,
  telemetryOf,
  type VariantEnergy,
  type VariantTelemetry,
} from './compare/telemetry.js';
export { analyzeVariant, type VariantAnalysis } from './compare/variant.js';

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
