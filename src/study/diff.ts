/**
 * `diff`: the same variants in two stored studies, side by side. For each variant key present in
 * both, the latency change from A to B is median_B / median_A − 1 (positive = B is slower), with a
 * bootstrap CI of that ratio. A regression is a change past the threshold that is also significant
 * (the CI lies wholly above 0), so noise alone does not fail a pipeline — or, with a threshold, a
 * variant that A measured and B could not (failed in B).
 */
import { UserError } from '../errors.js';
import type { StoredStudy } from '../store/types.js';
import { type BootstrapOptions, bootstrapMedianRatio, seedFor } from './bootstrap.js';
import { analyzeVariant } from './compare/variant.js';
import { DEFAULT_BOOTSTRAP } from './spec.js';

export type DiffVerdict = 'slower' | 'faster' | 'no significant difference';

export interface DiffRow {
  key: string;
  model: string;
  label: string;
  ep: string;
  threads: number;
  batch: number;
  scenario: string;
  /** both: compared; only-a / only-b: the variant is in one study; failed: either side has no samples. */
  status: 'both' | 'only-a' | 'only-b' | 'failed';
  aMedianMs: number | null;
  bMedianMs: number | null;
  /** (median_B / median_A − 1) × 100: positive means B is slower. */
  changePct: number | null;
  changeCiPct: [number, number] | null;
  verdict: DiffVerdict | null;
  regression: boolean;
}

export interface StudyDiff {
  a: string;
  b: string;
  rows: DiffRow[];
  regressions: DiffRow[];
  thresholdPct: number | null;
}

export interface DiffOptions extends BootstrapOptions {
  /** A significant slowdown of more than this many % is a regression. */
  failOnRegressionPct?: number;
}

export function diffStudies(a: StoredStudy, b: StoredStudy, options: DiffOptions = {}): StudyDiff {
  const analyze = (s: StoredStudy) =>
    new Map(s.variants.map((v) => [v.key, analyzeVariant(v, s.measurements)]));
  const va = analyze(a);
  const vb = analyze(b);
  const keys = [...va.keys(), ...[...vb.keys()].filter((k) => !va.has(k))];
  const threshold = options.failOnRegressionPct ?? null;
  const rows: DiffRow[] = keys.map((key) => {
    const x = va.get(key);
    const y = vb.get(key);
    const v = (x ?? y)!.variant;
    const row: DiffRow = {
      key,
      model: v.model,
      label: v.label,
      ep: v.ep,
      threads: v.threads,
      batch: v.batch,
      scenario: v.scenario,
      status: x && y ? 'both' : x ? 'only-a' : 'only-b',
      aMedianMs: x?.stats?.medianMs ?? null,
      bMedianMs: y?.stats?.medianMs ?? null,
      changePct: null,
      changeCiPct: null,
      verdict: null,
      regression: false,
    };
    if (!x || !y) return row;
    if (x.samplesMs.length === 0 || y.samplesMs.length === 0) {
      row.status = 'failed';
      // Measured in A but not in B (it crashed, hung, ran out of memory): a gate must not pass it.
      row.regression = threshold !== null && x.samplesMs.length > 0;
      return row;
    }
    const estimate = bootstrapMedianRatio(y.roundSamplesMs, x.roundSamplesMs, {
      resamples: options.resamples ?? DEFAULT_BOOTSTRAP.resamples,
      confidence: options.confidence ?? DEFAULT_BOOTSTRAP.confidence,
      seed: seedFor(options.seed ?? DEFAULT_BOOTSTRAP.seed, key),
    });
    row.changePct = (estimate.ratio - 1) * 100;
    row.changeCiPct = [(estimate.ci[0] - 1) * 100, (estimate.ci[1] - 1) * 100];
    row.verdict = estimate.ci[0] > 1 ? 'slower' : estimate.ci[1] < 1 ? 'faster' : 'no significant difference';
    row.regression = threshold !== null && row.changePct > threshold && row.changeCiPct[0] > 0;
    return row;
  });
  return {
    a: a.study.id,
    b: b.study.id,
    rows,
    regressions: rows.filter((r) => r.regression),
    thresholdPct: threshold,
  };
}

/**
 * A regression gate over studies with no variant in common would pass on nothing: refused, so that
 * a pipeline that diffs the wrong runs fails instead of passing.
 */
export function checkGateable(diff: StudyDiff): void {
  if (diff.thresholdPct !== null && !diff.rows.some((r) => r.status === 'both' || r.status === 'failed'))
    throw new UserError(
      `studies ${diff.a} and ${diff.b} have no variant in common (same model, label, EP, threads, batch, scenario), so there is nothing to gate on; diff two runs of the same spec`,
    );
}
