/**
 * Shared wording and cell formatting of the study reports (terminal, Markdown, HTML), so every
 * format says the same thing in the same words. Pure.
 */

import { int8Support } from '../host/isa.js';
import { type Failure, fidelityIdentical } from '../store/types.js';
import {
  arithmeticMean,
  type Comparison,
  type CrossComparison,
  geometricMean,
  improvementPct,
  keyAcrossEps,
  MIN_ROUNDS_FOR_CI,
  type StudyAnalysis,
  tooFewRounds,
  type VariantAnalysis,
} from '../study/compare.js';
import { keyOffDevice } from '../study/plan.js';
import { ms } from './format.js';

/** A failed variant as a person reads it: an engine that cannot run here is skipped, not broken. */
export function failureText(failure: Failure, withReason = true): string {
  if (failure.kind === 'unavailable') {
    return withReason ? `skipped: ${failure.reason.replace(/^skipped:\s*/, '')}` : 'skipped';
  }
  return withReason ? `failed (${failure.kind}): ${failure.reason}` : `failed (${failure.kind})`;
}

/** An incomplete variant's status: `incomplete: N of M rounds`, and why, when `withReason`. */
export function incompleteText(v: VariantAnalysis, withReason = true): string {
  const i = v.incomplete;
  if (!i) return '';
  const counted = `incomplete: ${i.rounds} of ${i.plannedRounds ?? '?'} rounds`;
  return withReason ? `${counted} (then ${i.failure.kind}: ${i.failure.reason})` : counted;
}

/**
 * A variant as sentences name it: model and label, then what tells it apart from the study's other
 * variants of that label — a non-CPU EP, and the threads, batch and scenario when they vary.
 */
export function variantName(analysis: StudyAnalysis, v: VariantAnalysis): string {
  const parts: string[] = v.variant.ep === 'cpu' ? [] : [v.variant.ep];
  for (const axis of varyingAxes(analysis)) {
    if (axis === 'threads') parts.push(`threads ${axisCell('threads', v.variant.threads)}`);
    else if (axis === 'batch') parts.push(`batch ${v.variant.batch}`);
    else if (axis === 'scenario') parts.push(v.variant.scenario);
  }
  return `${v.variant.model} ${v.variant.label}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${v.variant.device ? ` on ${v.variant.device}` : ''}`;
}

/**
 * One line per failed or incomplete variant; variants skipped because their engine or EP cannot run here share
 * one line per reason (the reason is the same for all of them).
 */
export function failureLines(analysis: StudyAnalysis): string[] {
  const lines: string[] = [];
  const skipped = new Map<string, string[]>();
  for (const v of analysis.variants) {
    if (v.incomplete) {
      lines.push(
        `${incompleteText(v, false)}: ${variantName(analysis, v)}, figures from the finished rounds; then ${v.incomplete.failure.kind}: ${v.incomplete.failure.reason}`,
      );
      continue;
    }
    const f = v.failure;
    if (!f) continue;
    const name = variantName(analysis, v);
    if (f.kind === 'unavailable') {
      const reason = f.reason.replace(/^skipped:\s*/, '').replace(/^round \d+: /, '');
      skipped.set(reason, [...(skipped.get(reason) ?? []), name]);
    } else lines.push(`failed: ${name} (${f.kind}): ${f.reason}`);
  }
  for (const [reason, names] of skipped)
    lines.push(
      `skipped ${names.length === 1 ? names[0] : `${names.length} variants (${names.join(', ')})`}: ${reason}`,
    );
  return lines;
}

export const DEFINITIONS: ReadonlyArray<readonly [string, string]> = [
  [
    'median latency',
    'the median of every steady-state sample of a variant, all rounds pooled (each round is a fresh worker process).',
  ],
  ['FPS', 'batch × 1000 / median latency in ms: inferred samples (frames) per second, one stream.'],
  ['speedup', 'baseline median latency / optimized median latency (> 1: the optimized variant is faster).'],
  [
    '% speed improvement',
    '(FPS_opt − FPS_base) / FPS_base × 100 = (t_base / t_opt − 1) × 100 = (speedup − 1) × 100, with median latencies t.',
  ],
  [
    'CI',
    "percentile bootstrap interval of the speedup (at the study's confidence, 95% unless its spec says otherwise): its rounds redrawn with replacement (as pairs for the two variants of a group, which ran interleaved round by round), then the samples within each drawn round, so the interval carries the round-to-round spread; seeded.",
  ],
  [
    'verdict',
    'faster when the whole CI lies above 1, slower when below 1, no significant difference when it contains 1.',
  ],
  [
    'average',
    'over models: the arithmetic mean of % speed improvement (what the study reports) and the geometric mean of speedups (the right average of ratios).',
  ],
  [
    'GFLOP/s, GOP/s',
    'operations of one inference (FLOPs counted for the graph and input shapes that ran; an int8 model, whose integer multiply-accumulates are most of its work, in GOP/s with 2 operations per MAC) / median latency in s / 1e9; with batch N that is operations per sample × samples per second.',
  ],
  [
    '% of peak (est.)',
    "the rate / the CPU's estimated peak, cores × clock × operations per cycle per core for its widest vector instructions (the formula is shown with the figure): an estimate, and only for CPU execution.",
  ],
  [
    'energy per inference',
    'median over rounds of the energy measured during the round (RAPL, nvidia-smi or Jetson rails) / inferences, in mJ; "(est.)": a TDP-based estimate, not a measurement; "—": not measured.',
  ],
];

export function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

export function signedPct(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}%`;
}

export function speedupText(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${value.toFixed(2)}×`;
}

export function ciText(
  ci: readonly [number, number] | null | undefined,
  format: (v: number) => string,
): string {
  return ci ? `${format(ci[0])}–${format(ci[1])}` : '—';
}

export function fidelityText(c: Comparison): string {
  const f = c.fidelity;
  if (!f) return '—';
  if (!f.metrics) return `not computed (${f.error ?? 'error'})`;
  const m = f.metrics;
  if (fidelityIdentical(m)) {
    const parts = ['identical outputs'];
    if (m.top1Agreement !== null) parts.push(`top-1 ${(m.top1Agreement * 100).toFixed(0)}%`);
    return parts.join(', ');
  }
  const parts = [
    `cos ${fixed(m.cosine, 6)}`,
    `max |Δ| ${Number.isFinite(m.maxAbsErr) ? m.maxAbsErr.toPrecision(2) : '—'}`,
  ];
  if (m.top1Agreement !== null) parts.push(`top-1 ${(m.top1Agreement * 100).toFixed(0)}%`);
  return parts.join(', ');
}

/** The variant's compute rate with its unit (`8.40 GFLOP/s`), "—" where not counted. */
export function computeText(v: VariantAnalysis | undefined): string {
  const c = v?.compute;
  return c
    ? `${c.gflopsPerSec >= 100 ? c.gflopsPerSec.toFixed(0) : c.gflopsPerSec.toPrecision(3)} ${c.unit}`
    : '—';
}

/** The rate's fraction of the estimated peak (`3.1%`), "—" where there is no estimate. */
export function peakFractionText(v: VariantAnalysis | undefined): string {
  const f = v?.compute?.fractionOfPeak;
  return f === null || f === undefined ? '—' : `${(f * 100).toFixed(1)}%`;
}

/** Whether any variant has a compute rate (older stores have none: their reports go without the columns). */
export function hasCompute(analysis: StudyAnalysis): boolean {
  return analysis.variants.some((v) => v.compute);
}

/** The peak estimates behind the "% of peak" figures, one line per distinct formula. */
export function peakNotes(analysis: StudyAnalysis): string[] {
  const formulas = new Set<string>();
  for (const v of analysis.variants) if (v.compute?.peak) formulas.add(v.compute.peak.formula);
  return [...formulas].map((f) => `peak (estimate): ${f}`);
}

/** Energy per inference in mJ, "(est.)" when estimated, "—" when not measured. */
export function energyText(v: VariantAnalysis | undefined): string {
  const e = v?.telemetry?.energy;
  if (!e || !Number.isFinite(e.mJPerInference)) return '—';
  return `${e.mJPerInference.toPrecision(3)}${e.estimated ? ' (est.)' : ''}`;
}

/** Average power in W, "(est.)" when estimated, "—" when not measured. */
export function powerText(v: VariantAnalysis | undefined): string {
  const e = v?.telemetry?.energy;
  if (!e || e.avgPowerW === null) return '—';
  return `${e.avgPowerW.toFixed(1)}${e.estimated ? ' (est.)' : ''}`;
}

/** Whether any variant has an energy figure (measured or estimated). */
export function hasEnergy(analysis: StudyAnalysis): boolean {
  return analysis.variants.some((v) => v.telemetry?.energy);
}

/** Throttling and drift warnings of the telemetry, one line per variant and warning (rounds listed). */
export function telemetryWarningLines(analysis: StudyAnalysis): string[] {
  const lines: string[] = [];
  for (const v of analysis.variants) {
    const name = variantName(analysis, v);
    for (const w of v.telemetry?.warnings ?? [])
      lines.push(
        `${name} (${w.kind}, round${w.rounds.length === 1 ? '' : 's'} ${w.rounds.join(', ')}): ${w.message}`,
      );
  }
  return lines;
}

export type StudyAxis = 'device' | 'ep' | 'threads' | 'batch' | 'scenario';

/** Whether the study was measured on a fleet (its variants carry a device class). */
export function hasDevices(analysis: StudyAnalysis): boolean {
  return analysis.variants.some((v) => typeof v.variant.device === 'string');
}

/** The fleet study's device classes, in plan order. */
export function deviceNames(analysis: StudyAnalysis): string[] {
  const names: string[] = [];
  for (const v of analysis.variants)
    if (typeof v.variant.device === 'string' && !names.includes(v.variant.device))
      names.push(v.variant.device);
  return names;
}

/** Which axes vary across the study's comparisons (only those get a column); a fleet study always shows its devices. */
export function varyingAxes(analysis: StudyAnalysis): StudyAxis[] {
  const axes: Array<'ep' | 'threads' | 'batch' | 'scenario'> = ['ep', 'threads', 'batch', 'scenario'];
  const varying: StudyAxis[] = axes.filter(
    (axis) => new Set(analysis.variants.map((v) => v.variant[axis])).size > 1,
  );
  return hasDevices(analysis) ? ['device', ...varying] : varying;
}

export function axisCell(axis: StudyAxis, value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '—';
  if (axis === 'threads') return value === 0 ? 'auto' : String(value);
  return String(value);
}

/** The columns that say which row is which: the model, its device where a table shows devices, the varying axes. */
interface KeyColumns<A extends StudyAxis> {
  devices: boolean;
  axes: readonly A[];
}

function keyHeader<A extends StudyAxis>({ devices, axes }: KeyColumns<A>): string[] {
  return ['model', ...(devices ? ['device'] : []), ...axes];
}

function keyCells<A extends StudyAxis>(
  { devices, axes }: KeyColumns<A>,
  row: { model: string; device?: string | null } & Partial<Record<A, string | number | null>>,
): string[] {
  return [row.model, ...(devices ? [row.device ?? '—'] : []), ...axes.map((a) => axisCell(a, row[a]))];
}

/** The CI column's header, at the study's confidence (e.g. `95% CI`). */
export function ciHeader(analysis: StudyAnalysis): string {
  return `${Math.round(analysis.bootstrap.confidence * 1000) / 10}% CI`;
}

/** The study's table: one row per (model, optimized variant). */
export function comparisonRows(analysis: StudyAnalysis): string[][] {
  const axes = varyingAxes(analysis);
  const energy = hasEnergy(analysis);
  const compute = hasCompute(analysis);
  const header = [
    'model',
    ...axes,
    'variant',
    'baseline ms',
    'baseline FPS',
    'optimized ms',
    'optimized FPS',
    'speedup',
    ciHeader(analysis),
    '% speed improvement',
    'verdict',
    'fidelity',
    ...(compute ? ['optimized compute', 'optimized % of peak (est.)'] : []),
    ...(energy ? ['optimized mJ/inference'] : []),
  ];
  const byKey = new Map(analysis.variants.map((v) => [v.variant.key, v]));
  const rows = analysis.comparisons.map((c) => [
    c.model,
    ...axes.map((a) => axisCell(a, c[a])),
    c.label,
    ms(c.baselineMedianMs),
    fixed(c.baselineFps, 1),
    ms(c.optimizedMedianMs),
    fixed(c.optimizedFps, 1),
    speedupText(c.estimate?.speedup),
    ciText(c.estimate?.speedupCi, (v) => v.toFixed(3)),
    signedPct(c.estimate?.improvementPct),
    c.estimate ? c.estimate.verdict : `${c.status}: ${c.reason ?? ''}`.trim(),
    fidelityText(c),
    ...(compute ? [computeText(byKey.get(c.variantKey)), peakFractionText(byKey.get(c.variantKey))] : []),
    ...(energy ? [energyText(byKey.get(c.variantKey))] : []),
  ]);
  return [header, ...rows];
}

/** Sentences for the averages, one per optimized label (and axis combination). */
export function averageLines(analysis: StudyAnalysis): string[] {
  const multiple = analysis.averages.length > 1;
  return analysis.averages.map((a) => {
    const others = varyingAxes(analysis).filter((axis) => axis !== 'device');
    const scope = multiple
      ? `${a.label}${a.device ? ` on ${a.device}` : ''}${others.length > 0 ? ` (${a.ep}, threads ${a.threads || 'auto'}, batch ${a.batch}, ${a.scenario})` : ''}: `
      : '';
    const excluded = a.excluded > 0 ? `; ${a.excluded} failed or missing left out` : '';
    return `${scope}average over ${a.models.length} model${a.models.length === 1 ? '' : 's'}: ${signedPct(a.meanImprovementPct, 2)} speed improvement (arithmetic mean, as the study reports); geometric mean speedup ${a.geomeanSpeedup.toFixed(3)}× (${signedPct(a.geomeanImprovementPct, 2)})${excluded}`;
  });
}

/** Per-variant details: rounds, samples, latency distribution, drift between rounds (fleet: device and agents too). */
export function variantRows(analysis: StudyAnalysis): string[][] {
  const fleet = hasDevices(analysis);
  const compute = hasCompute(analysis);
  const key: KeyColumns<'ep' | 'threads' | 'batch' | 'scenario'> = {
    devices: fleet,
    axes: varyingAxes(analysis).filter((a) => a !== 'device') as Array<
      'ep' | 'threads' | 'batch' | 'scenario'
    >,
  };
  const header = [
    ...keyHeader(key),
    'variant',
    'role',
    'rounds',
    'samples',
    'median ms',
    'p95 ms',
    'p99 ms',
    'CV',
    'round medians ms',
    'cold start ms',
    ...(compute ? ['compute', '% of peak (est.)'] : []),
    'energy mJ/inference',
    'avg power W',
    'status',
    ...(fleet ? ['agents'] : []),
  ];
  const rows = analysis.variants.map((v: VariantAnalysis) => [
    ...keyCells(key, v.variant),
    v.variant.label,
    v.variant.role,
    String(v.rounds),
    String(v.samplesMs.length),
    ms(v.stats?.medianMs),
    ms(v.stats?.p95Ms),
    ms(v.stats?.p99Ms),
    v.stats ? `${(v.stats.cv * 100).toFixed(1)}%` : '—',
    v.roundMedians.map((r) => ms(r.medianMs)).join(' / ') || '—',
    ms(v.coldStartMs, 1),
    ...(compute ? [computeText(v), peakFractionText(v)] : []),
    energyText(v),
    powerText(v),
    v.failure
      ? failureText(v.failure)
      : `${v.incomplete ? incompleteText(v) : v.variant.status}${v.scenarioValidity ? ` (${v.variant.scenario} ${v.scenarioValidity})` : ''}`,
    ...(fleet ? [agentsOf(v).join(', ') || '—'] : []),
  ]);
  return [header, ...rows];
}

export const EP_SENTENCE =
  'The same variant on each execution provider, side by side; speedup = reference EP median / this EP median, with its bootstrap CI. The variants of each EP are measured as their own group, one group after another, so unlike the recipe comparisons these ratios are not interleaved and slow drift of the machine can enter them.';

/**
 * Studies over several execution providers: one row per variant (model, label and the other axes),
 * per EP its median latency and, beside each non-reference EP, its speedup over the reference EP
 * (the CPU when measured) with the bootstrap CI.
 */
export function epRows(analysis: StudyAnalysis): string[][] {
  if (analysis.epComparisons.length === 0) return [];
  const reference = analysis.epComparisons[0].referenceEp;
  const eps = [reference];
  for (const c of analysis.epComparisons) if (!eps.includes(c.ep)) eps.push(c.ep);
  const comparisons = new Map(analysis.epComparisons.map((c) => [c.variantKey, c]));
  const latency = (v: VariantAnalysis | undefined) =>
    !v ? '—' : v.failure ? failureText(v.failure, false) : ms(v.stats?.medianMs);
  return acrossAxisRows(analysis, {
    axis: 'ep',
    values: eps,
    keyOf: (v) => (eps.includes(v.ep) ? keyAcrossEps(v) : null),
    header: (ep) =>
      ep === reference ? [`${ep} ms`] : [`${ep} ms`, `${ep} vs ${reference}`, ciHeader(analysis)],
    cells: (ep, v) => {
      if (ep === reference) return [latency(v)];
      const c = v ? comparisons.get(v.variant.key) : undefined;
      return [
        latency(v),
        speedupText(c?.estimate?.speedup),
        ciText(c?.estimate?.speedupCi, (x) => x.toFixed(3)),
      ];
    },
  });
}

/**
 * One row per variant seen across `axis` (its EP or device class): model, the other varying axes and
 * label, then per value of the axis the cells `cells` gives (the variant there, if measured there).
 * `keyOf` names the row a variant belongs to (null: not in the table).
 */
function acrossAxisRows(
  analysis: StudyAnalysis,
  o: {
    axis: 'ep' | 'device';
    values: string[];
    keyOf: (v: VariantAnalysis['variant']) => string | null;
    header: (value: string) => string[];
    cells: (value: string, v: VariantAnalysis | undefined) => string[];
  },
): string[][] {
  const others = varyingAxes(analysis).filter((a) => a !== o.axis);
  const header = ['model', ...others, 'variant', ...o.values.flatMap(o.header)];
  const rows = new Map<string, { first: VariantAnalysis; byValue: Map<string, VariantAnalysis> }>();
  for (const v of analysis.variants) {
    const key = o.keyOf(v.variant);
    if (key === null) continue;
    const row = rows.get(key) ?? { first: v, byValue: new Map() };
    const value = v.variant[o.axis];
    if (value) row.byValue.set(value, v);
    rows.set(key, row);
  }
  const body = [...rows.values()].map(({ first, byValue }) => [
    first.variant.model,
    ...others.map((a) => axisCell(a, first.variant[a])),
    first.variant.label,
    ...o.values.flatMap((value) => o.cells(value, byValue.get(value))),
  ]);
  return [header, ...body];
}

/** The agents that measured a variant's rounds (fleet studies). */
export function agentsOf(v: VariantAnalysis): string[] {
  const agents: string[] = [];
  for (const m of v.measurements) if (m.agent && !agents.includes(m.agent)) agents.push(m.agent);
  return agents;
}

/**
 * Fleet studies: the same model across devices side by side — one row per variant (model, label,
 * and the other axes), per device its median latency and, for optimized variants, its speedup over
 * the same device's baseline.
 */
export function deviceRows(analysis: StudyAnalysis): string[][] {
  const devices = deviceNames(analysis);
  if (devices.length === 0) return [];
  const comparisons = new Map(analysis.comparisons.map((c) => [c.variantKey, c]));
  return acrossAxisRows(analysis, {
    axis: 'device',
    values: devices,
    keyOf: (v) => keyOffDevice(v.key, v.device),
    header: (d) => [`${d} ms`, `${d} FPS`, `${d} speedup`],
    cells: (_d, v) => {
      if (!v) return ['—', '—', '—'];
      if (v.failure) return [failureText(v.failure, false), '—', '—'];
      const c = comparisons.get(v.variant.key);
      return [
        ms(v.stats?.medianMs),
        fixed(v.fps, 1),
        v.variant.role === 'baseline' ? 'baseline' : speedupText(c?.estimate?.speedup),
      ];
    },
  });
}

/**
 * The targets of a study measured on several (spec `targets: [local, nano]`), in the spec's order;
 * empty for a study on one target (and for fleet studies, whose devices are classes, not targets).
 */
export function studyTargets(analysis: StudyAnalysis): string[] {
  const targets = (analysis.study.spec as { targets?: unknown } | null)?.targets;
  if (!Array.isArray(targets) || targets.length < 2) return [];
  return targets.filter((t): t is string => typeof t === 'string');
}

/** The part of a study measured on one target, as a study of its own (no device column). */
export function analysisOnTarget(analysis: StudyAnalysis, target: string): StudyAnalysis {
  const off = <T extends { device?: string | null }>(x: T): T => {
    const { device: _device, ...rest } = x;
    return rest as T;
  };
  return {
    ...analysis,
    variants: analysis.variants
      .filter((v) => v.variant.device === target)
      .map((v) => ({ ...v, variant: off(v.variant) })),
    comparisons: analysis.comparisons.filter((c) => c.device === target).map(off),
    averages: analysis.averages.filter((a) => a.device === target).map(off),
  };
}

/** A target as a heading names it: its name, then the machine (CPU, cores, GPU, host) it recorded. */
export function targetHeading(analysis: StudyAnalysis, target: string): string {
  const record = analysis.devices?.find((d) => d.device === target);
  const c = record?.capabilities as
    | {
        hostname?: string;
        cpu?: { model?: string; logicalCores?: number };
        gpus?: Array<{ name?: string }>;
        jetson?: { model?: string };
      }
    | undefined;
  if (!c) return target;
  const parts = [
    c.jetson?.model,
    c.cpu ? `${c.cpu.model ?? '?'} (${c.cpu.logicalCores ?? '?'} cores)` : undefined,
    ...(c.gpus ?? []).map((g) => g.name),
    c.hostname ? `host ${c.hostname}` : undefined,
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length > 0 ? `${target} (${parts.join(', ')})` : target;
}

/** Fleet studies: the agents that measured it, with what they announced. */
export function deviceListRows(analysis: StudyAnalysis): string[][] {
  const devices = analysis.devices ?? [];
  if (devices.length === 0) return [];
  const header = ['device', 'agent', 'host', 'cpu', 'gpus', 'EPs', 'onnxruntime', 'joined'];
  const rows = devices.map((d) => {
    const c = d.capabilities as {
      hostname?: string;
      cpu?: { model?: string; logicalCores?: number };
      gpus?: Array<{ vendor?: string; name?: string }>;
      eps?: string[];
      onnxruntime?: string;
    };
    return [
      d.device,
      d.agent,
      c.hostname ?? '—',
      c.cpu ? `${c.cpu.model ?? '?'} (${c.cpu.logicalCores ?? '?'} cores)` : '—',
      (c.gpus ?? []).map((g) => `${g.vendor ?? ''} ${g.name ?? ''}`.trim()).join('; ') || 'none',
      (c.eps ?? []).join(', ') || '—',
      c.onnxruntime ?? '—',
      d.capturedAt,
    ];
  });
  return [header, ...rows];
}

/**
 * Comparisons measured in fewer than MIN_ROUNDS_FOR_CI rounds: the bootstrap redraws rounds to carry
 * the spread between runs, and one or two rounds give it nothing to draw from.
 */
export function roundCautionLines(analysis: StudyAnalysis): string[] {
  const byKey = new Map(analysis.variants.map((v) => [v.variant.key, v]));
  return analysis.comparisons.filter(tooFewRounds).map((c) => {
    const v = byKey.get(c.variantKey);
    const name = v ? variantName(analysis, v) : `${c.model} ${c.label}`;
    const n = c.roundSpeedups.length;
    const rounds = c.roundSpeedups.map((r) => r.speedup.toFixed(2)).join(', ');
    return `${name}: measured in ${n} round${n === 1 ? '' : 's'} (speedup per round: ${rounds}); its ${ciHeader(analysis)} cannot show how much separate runs differ: measure ${MIN_ROUNDS_FOR_CI} or more rounds before quoting it`;
  });
}

/**
 * Where a study has INT8 variants: the CPU features that decide INT8 speed (VNNI, AVX-512, AMX, Arm
 * dot-product) and what they mean here, so an INT8 row slower than fp32 reads as the CPU's answer.
 */
export function isaLines(analysis: StudyAnalysis): string[] {
  const int8 = analysis.variants.some((v) => v.variant.recipes.some((r) => r.startsWith('int8')));
  const cpu = analysis.environment?.host.cpu as { features?: unknown; model?: unknown } | undefined;
  if (!int8 || !Array.isArray(cpu?.features)) return [];
  const model = typeof cpu.model === 'string' ? ` (${cpu.model})` : '';
  return [`${int8Support(cpu.features.map(String)).summary}${model}`];
}

/** Notes on how recipes were applied, one line per distinct note; models that ran upgraded in memory first. */
export function recipeNotes(analysis: StudyAnalysis): string[] {
  const notes = new Set<string>();
  for (const v of analysis.variants) {
    const u = v.variant.settings.opsetUpgrade as { from?: number; to?: number; reason?: string } | undefined;
    if (u && typeof u.from === 'number')
      notes.add(
        `${v.variant.model}: upgraded in memory from ai.onnx opset ${u.from} to ${u.to} (${u.reason}); what was measured is not byte-identical to the file`,
      );
  }
  for (const c of analysis.comparisons) for (const n of c.notes) notes.add(`${c.label}: ${n}`);
  return [...notes];
}

const LEFT = new Set([
  'device',
  'agent',
  'agents',
  'host',
  'cpu',
  'gpus',
  'EPs',
  'joined',
  'item',
  'value',
  'model',
  'variant',
  'role',
  'verdict',
  'fidelity',
  'status',
  'ep',
  'scenario',
  'round medians ms',
  'candidate',
  'why',
]);

/** Indices of the text columns of a table (the rest are numbers, right-aligned). */
export function leftColumns(header: readonly string[]): number[] {
  return header.map((h, i) => (LEFT.has(h) ? i : -1)).filter((i) => i >= 0);
}

export const FRAMEWORK_SENTENCE =
  'Each onnxruntime variant against the framework baseline (PyTorch eager, fp32) of the same model and batch: the study’s own comparison, framework vs optimized engine. speedup = framework median / variant median, with its bootstrap CI. The framework runs in its own group, before or after the onnxruntime groups, not interleaved with them.';

/** Studies with a framework engine beside onnxruntime: each onnxruntime variant against it. */
export function frameworkRows(analysis: StudyAnalysis): string[][] {
  const comparisons = analysis.frameworkComparisons;
  if (comparisons.length === 0) return [];
  const key = {
    devices: comparisons.some((c) => c.device),
    axes: (['ep', 'threads', 'batch', 'scenario'] as const).filter(
      (axis) => new Set(comparisons.map((c) => c[axis])).size > 1,
    ),
  };
  const header = [
    ...keyHeader(key),
    'framework',
    'framework ms',
    'variant',
    'variant ms',
    'speedup',
    'CI',
    '% speed improvement',
    'verdict',
  ];
  const rows = comparisons.map((c) => [
    ...keyCells(key, c),
    c.referenceLabel,
    ms(c.referenceMedianMs),
    c.label,
    ms(c.medianMs),
    speedupText(c.estimate?.speedup),
    ciText(c.estimate?.speedupCi, (v) => v.toFixed(3)),
    signedPct(c.estimate?.improvementPct),
    c.estimate ? c.estimate.verdict : `${c.status}: ${c.reason ?? ''}`.trim(),
  ]);
  return [header, ...rows];
}

/** Averages over models of the framework comparisons, one line per onnxruntime variant label (and axes). */
export function frameworkAverageLines(analysis: StudyAnalysis): string[] {
  const groups = new Map<string, CrossComparison[]>();
  for (const c of analysis.frameworkComparisons) {
    const key = `${c.label} (${c.ep}, threads ${axisCell('threads', c.threads)}, batch ${c.batch}${c.device ? `, on ${c.device}` : ''})`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const lines: string[] = [];
  for (const [key, list] of groups) {
    const speedups = list.filter((c) => c.estimate).map((c) => c.estimate!.speedup);
    if (speedups.length === 0) continue;
    const meanPct = arithmeticMean(speedups.map((s) => improvementPct(s)));
    const geomean = geometricMean(speedups);
    const left = list.length - speedups.length;
    lines.push(
      `${key} vs ${list[0].referenceLabel}: average over ${speedups.length} model${speedups.length === 1 ? '' : 's'}: ${signedPct(meanPct, 2)} speed improvement (arithmetic mean); geometric mean speedup ${geomean.toFixed(3)}×${left > 0 ? `; ${left} failed, skipped or missing left out` : ''}`,
    );
  }
  return lines;
}

/**
 * What the framework baseline's own runs warned about (e.g. a torch build on a reference BLAS), one
 * line per distinct warning with the models it concerns: it qualifies every ratio in that table.
 */
export function frameworkNoteLines(analysis: StudyAnalysis): string[] {
  const referenceKeys = new Set(analysis.frameworkComparisons.map((c) => c.referenceKey));
  const models = new Map<string, { label: string; models: string[] }>();
  for (const v of analysis.variants) {
    if (!referenceKeys.has(v.variant.key)) continue;
    for (const m of v.measurements)
      for (const warning of m.result?.warnings ?? []) {
        const entry = models.get(warning) ?? { label: v.variant.label, models: [] };
        if (!entry.models.includes(v.variant.model)) entry.models.push(v.variant.model);
        models.set(warning, entry);
      }
  }
  return [...models].map(([warning, e]) => `${e.label} (${e.models.join(', ')}): ${warning}`);
}
