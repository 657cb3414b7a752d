/**
 * The CSV report of a study: one row per variant (baselines included), with its latency statistics
 * and, for optimized variants, the comparison with its baseline and the fidelity. RFC 4180 quoting,
 * plain numbers (full precision, no units), empty cells for what does not apply. Fleet studies fill
 * `device` (the device class) and `agents` (who measured the rounds, space-separated). Energy columns follow: empty when not
 * measured, `energy_estimated` true for a TDP-based estimate. The comparisons across groups come last
 * (columns appended, so the earlier ones keep their positions): `reference_ep_*`, the variant against
 * the same variant on the reference EP (studies over several EPs), and `framework_*`, an onnxruntime
 * variant against the framework baseline (e.g. PyTorch eager) of its model; speedup = reference
 * median / this variant's median. Then the compute rate (`compute_rate` in `compute_unit`, GFLOP/s or
 * GOP/s: operations per inference / median latency) and its fraction of the CPU's estimated peak
 * (`*_estimated`: estimates, with the formula); empty where not counted. Pure.
 */
import { fidelityIdentical } from '../store/types.js';
import type { CrossComparison, StudyAnalysis } from '../study/compare.js';
import { agentsOf } from './study-text.js';

export const CSV_COLUMNS = [
  'study_id',
  'model',
  'variant',
  'role',
  'recipes',
  'ep',
  'threads',
  'batch',
  'scenario',
  'status',
  'failure_kind',
  'failure_reason',
  'rounds',
  'samples',
  'median_ms',
  'mean_ms',
  'p90_ms',
  'p95_ms',
  'p99_ms',
  'min_ms',
  'max_ms',
  'cv',
  'fps',
  'cold_start_ms',
  'baseline',
  'speedup',
  'speedup_ci_low',
  'speedup_ci_high',
  'improvement_pct',
  'improvement_ci_low_pct',
  'improvement_ci_high_pct',
  'verdict',
  'fidelity_source',
  'fidelity_cosine',
  'fidelity_max_abs_err',
  'fidelity_mean_abs_err',
  'fidelity_snr_db',
  'fidelity_top1_agreement',
  'fidelity_top5_agreement',
  'device',
  'agents',
  'energy_mj_per_inference',
  'energy_estimated',
  'avg_power_w',
  'inferences_per_joule',
  'co2e_g_per_1000',
  'energy_method',
  'telemetry_warnings',
  'reference_ep',
  'reference_ep_speedup',
  'reference_ep_speedup_ci_low',
  'reference_ep_speedup_ci_high',
  'reference_ep_verdict',
  'framework',
  'framework_speedup',
  'framework_speedup_ci_low',
  'framework_speedup_ci_high',
  'framework_verdict',
  'compute_ops_per_inference',
  'compute_integer_ops_per_inference',
  'compute_unit',
  'compute_rate',
  'peak_rate_estimated',
  'fraction_of_peak_estimated',
  'peak_formula',
] as const;

type Cell = string | number | null | undefined;

export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The verdict of a comparison, else why there is none (failed, skipped, missing), else empty. */
function verdictCell(c: { status: string; estimate: { verdict: string } | null } | undefined): Cell {
  return c?.estimate?.verdict ?? (c && c.status !== 'ok' ? c.status : '');
}

export function renderCsv(analysis: StudyAnalysis): string {
  const byKey = new Map(analysis.comparisons.map((c) => [c.variantKey, c]));
  const byEp = new Map<string, CrossComparison>(analysis.epComparisons.map((c) => [c.variantKey, c]));
  const byFramework = new Map<string, CrossComparison>(
    analysis.frameworkComparisons.map((c) => [c.variantKey, c]),
  );
  const lines = [CSV_COLUMNS.join(',')];
  for (const v of analysis.variants) {
    const c = byKey.get(v.variant.key);
    const e = c?.estimate;
    const f = c?.fidelity?.metrics;
    const s = v.stats;
    const en = v.telemetry?.energy;
    const ep = byEp.get(v.variant.key);
    const fw = byFramework.get(v.variant.key);
    const row: Record<(typeof CSV_COLUMNS)[number], Cell> = {
      study_id: analysis.study.id,
      model: v.variant.model,
      variant: v.variant.label,
      role: v.variant.role,
      recipes: v.variant.recipes.join('+'),
      ep: v.variant.ep,
      threads: v.variant.threads,
      batch: v.variant.batch,
      scenario: v.variant.scenario,
      status: v.failure
        ? v.failure.kind === 'unavailable'
          ? 'skipped'
          : 'failed'
        : v.incomplete
          ? 'incomplete'
          : v.variant.status,
      failure_kind: (v.failure ?? v.incomplete?.failure)?.kind,
      failure_reason: (v.failure ?? v.incomplete?.failure)?.reason,
      rounds: v.rounds,
      samples: v.samplesMs.length,
      median_ms: s?.medianMs,
      mean_ms: s?.meanMs,
      p90_ms: s?.p90Ms,
      p95_ms: s?.p95Ms,
      p99_ms: s?.p99Ms,
      min_ms: s?.minMs,
      max_ms: s?.maxMs,
      cv: s?.cv,
      fps: v.fps,
      cold_start_ms: v.coldStartMs,
      baseline: c ? c.baselineLabel : '',
      speedup: e?.speedup,
      speedup_ci_low: e?.speedupCi[0],
      speedup_ci_high: e?.speedupCi[1],
      improvement_pct: e?.improvementPct,
      improvement_ci_low_pct: e?.improvementCiPct[0],
      improvement_ci_high_pct: e?.improvementCiPct[1],
      verdict: verdictCell(c),
      fidelity_source: c?.fidelity?.source,
      fidelity_cosine: f?.cosine,
      fidelity_max_abs_err: f?.maxAbsErr,
      fidelity_mean_abs_err: f?.meanAbsErr,
      fidelity_snr_db: f ? (fidelityIdentical(f) ? 'inf' : f.snrDb) : null,
      fidelity_top1_agreement: f?.top1Agreement,
      fidelity_top5_agreement: f?.top5Agreement,
      device: v.variant.device,
      agents: agentsOf(v).join(' '),
      energy_mj_per_inference: en?.mJPerInference,
      energy_estimated: en ? String(en.estimated) : null,
      avg_power_w: en?.avgPowerW,
      inferences_per_joule: en?.inferencesPerJoule,
      co2e_g_per_1000: en?.co2eGramsPer1000,
      energy_method: en?.methods.join('+'),
      // Warnings are kept per kind, source and message: a kind seen with several messages is listed once.
      telemetry_warnings: [...new Set(v.telemetry?.warnings.map((w) => w.kind))].join(' '),
      reference_ep: ep?.referenceEp,
      reference_ep_speedup: ep?.estimate?.speedup,
      reference_ep_speedup_ci_low: ep?.estimate?.speedupCi[0],
      reference_ep_speedup_ci_high: ep?.estimate?.speedupCi[1],
      reference_ep_verdict: verdictCell(ep),
      framework: fw?.referenceLabel,
      framework_speedup: fw?.estimate?.speedup,
      framework_speedup_ci_low: fw?.estimate?.speedupCi[0],
      framework_speedup_ci_high: fw?.estimate?.speedupCi[1],
      framework_verdict: verdictCell(fw),
      compute_ops_per_inference: v.compute?.flops,
      compute_integer_ops_per_inference: v.compute?.integerOps,
      compute_unit: v.compute?.unit,
      compute_rate: v.compute?.gflopsPerSec,
      peak_rate_estimated: v.compute?.peak?.gflopsPerSec,
      fraction_of_peak_estimated: v.compute?.fractionOfPeak,
      peak_formula: v.compute?.peak?.formula,
    };
    lines.push(CSV_COLUMNS.map((col) => csvCell(row[col])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
