/**
 * Comparisons across groups that ran one after another: every variant on another EP against the
 * study's reference EP, and onnxruntime variants against the framework baseline (PyTorch eager).
 */
import type { VariantRecord } from '../../store/types.js';
import type { BootstrapOptions } from '../bootstrap.js';
import { ENGINE_GROUP_EP } from '../plan.js';
import type { SpeedupEstimate } from './stats.js';
import { comparisonOutcome, type VariantAnalysis } from './variant.js';

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
