/**
 * Planning: a validated spec becomes the list of variants (models × baseline/optimized × EPs ×
 * threads × batches × scenarios) and the groups they are compared in. Pure: no I/O.
 *
 * A group holds the variants of one model that differ only by recipe (same EP, threads, batch,
 * scenario): they are measured interleaved in rounds and each optimized variant is compared with the
 * group's baseline.
 *
 * Engines (spec `engines`, absent = ['ort']): `ort` entries make the recipe-based groups above (`ort`
 * over the spec's `eps`, `ort/<ep>` over that EP). The other engines (torch, torch/cpu, torch/cuda,
 * trtexec) make one more group per model and batch (single-stream): its baseline is the first of them
 * listed, at fp32 (torch: eager fp32), and each later one is an optimized variant (trtexec at fp16,
 * the study's TensorRT engine; torch at fp32). `torch,trtexec` is thus PyTorch eager fp32 vs TensorRT fp16.
 * Fidelity pairs sides that share weights: two torch variants, or a trtexec variant and the
 * onnxruntime baseline of the same ONNX file (engineVsOrtFidelityRequest).
 */
import path from 'node:path';
import type { StopRules } from '../core/settings.js';
import { EXTERNAL_PRECISIONS, type ExternalPrecision } from '../engines/external-precisions.js';
import type { GraphOptLevel, OrtExecutionProvider } from '../engines/ort-options.js';
import { messageOf, UserError } from '../errors.js';
import type { ScenarioRequest } from '../measure/scenarios/index.js';
import { SCENARIO_FLAGS } from '../measure/scenarios/settings.js';
import type { NewVariant } from '../store/types.js';
import type { PreparedModel } from './recipes.js';
import { availableScenarios, type ScenarioName, scenarioRequest } from './scenarios.js';
import { STUDY_STOP_RULES, type StudySpec } from './spec.js';
import type { FidelityRequest, FidelitySide } from './variants.js';

export interface PlannedModel {
  name: string;
  /** zoo:NAME… or an absolute file path. */
  ref: string;
  shapes?: Record<string, number[]>;
}

/** What a variant needs besides its columns, stored in its `settings`. */
export interface VariantSettings {
  shapes?: Record<string, number[]>;
  stopRules: StopRules;
  seed: number;
  /** The LoadGen scenario request handed to benchmark(); absent for plain single-stream. */
  scenario?: ScenarioRequest;
  [key: string]: unknown;
}

/**
 * What benchmark() needs to measure one round of an onnxruntime variant — the same for a local
 * study's worker and a fleet agent's job.
 */
export function ortRoundSettings(
  variant: { ep: string; threads: number; batch: number },
  settings: VariantSettings,
  graphOptLevel: GraphOptLevel,
  telemetry: StudySpec['telemetry'],
  opsetUpgrade = true,
) {
  return {
    engine: {
      executionProvider: variant.ep as OrtExecutionProvider,
      intraOpThreads: variant.threads,
      graphOptLevel,
      opsetUpgrade,
    },
    batch: variant.batch,
    ...(settings.shapes ? { shapes: settings.shapes } : {}),
    seed: settings.seed,
    stopRules: settings.stopRules,
    ...(settings.scenario ? { scenario: settings.scenario } : {}),
    telemetry: telemetry === true ? {} : telemetry,
  };
}

export interface PlannedVariant extends NewVariant {
  settings: VariantSettings;
}

export interface PlannedGroup {
  key: string;
  model: PlannedModel;
  /** In a study over several targets: the target its variants are measured on. */
  target?: string;
  /** Baseline first, then the optimized variants in spec order. */
  variantKeys: string[];
}

export interface StudyPlan {
  spec: StudySpec;
  models: PlannedModel[];
  variants: PlannedVariant[];
  groups: PlannedGroup[];
}

/** `zoo:resnet18?classes=2` → `resnet18`; `models/det.onnx` → `det`. */
export function modelNameFromRef(ref: string): string {
  if (ref.startsWith('zoo:')) return ref.slice(4).split('?')[0] || ref;
  return path.basename(ref).replace(/\.onnx$/i, '');
}

export function variantKey(
  model: string,
  label: string,
  ep: string,
  threads: number,
  batch: number,
  scenario: string,
): string {
  return `${model}|${label}|${ep}|t${threads}|b${batch}|${scenario}`;
}

export function groupKeyOf(
  model: string,
  ep: string,
  threads: number,
  batch: number,
  scenario: string,
): string {
  return `${model}|${ep}|t${threads}|b${batch}|${scenario}`;
}

/**
 * A variant placed on one device of several (a fleet's device class, or one of a study's targets):
 * its key, group key and baseline key end in `@device`, so it is compared only with the baseline on
 * the same device, and the same variant on another device is another row.
 */
export function onDevice<V extends Pick<NewVariant, 'key' | 'groupKey' | 'baselineKey'>>(
  variant: V,
  device: string,
): V & { device: string } {
  return {
    ...variant,
    key: `${variant.key}@${device}`,
    groupKey: `${variant.groupKey}@${device}`,
    baselineKey: variant.baselineKey ? `${variant.baselineKey}@${device}` : null,
    device,
  };
}

/** The key a variant has before onDevice placed it (the same variant on every device). */
export function keyOffDevice(key: string, device: string | null | undefined): string {
  return device && key.endsWith(`@${device}`) ? key.slice(0, key.length - device.length - 1) : key;
}

/** The scenario module speaks in `run` flags; a spec names the same settings by field. */
const FLAG_FIELDS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(SCENARIO_FLAGS).map(([field, flag]) => [flag, field])),
  '--scenario': 'scenario',
};

function inSpecTerms(message: string): string {
  return message.replace(/--[a-z-]+/g, (flag) => FLAG_FIELDS[flag] ?? flag);
}

/** An onnxruntime variant's prepared model as a side of a comparison: its file on its EP and level. */
function ortSide(
  model: Pick<PreparedModel, 'path' | 'graphOptLevel'>,
  ep: OrtExecutionProvider,
  spec: Pick<StudySpec, 'opsetUpgrade'>,
): FidelitySide {
  return {
    path: model.path,
    engine: {
      executionProvider: ep,
      graphOptLevel: model.graphOptLevel,
      opsetUpgrade: spec.opsetUpgrade ?? true,
    },
  };
}

/** An engine-group variant as a side of a comparison: its engine's runner, as it was measured. */
function engineSide(
  s: EngineSide,
  variant: { batch: number; settings: Pick<VariantSettings, 'shapes' | 'seed'> },
): FidelitySide {
  const { shapes, seed } = variant.settings;
  return {
    path: s.model,
    engine: {},
    runner: {
      engine: s.engine,
      precision: s.precision,
      batch: variant.batch,
      seed,
      ...(shapes ? { shapes } : {}),
    },
  };
}

/** The inputs both sides of a request run on: the variant's batch and shapes, the spec's count and seed. */
function requestOf(
  base: FidelitySide,
  optimized: FidelitySide,
  variant: { batch: number; settings: Pick<VariantSettings, 'shapes'> },
  spec: Pick<StudySpec, 'fidelity' | 'seed'>,
): FidelityRequest {
  const { shapes } = variant.settings;
  return {
    base,
    optimized,
    batch: variant.batch,
    ...(shapes ? { shapes } : {}),
    count: spec.fidelity.count,
    seed: spec.seed,
  };
}

/**
 * The request comparing an optimized variant's prepared model with its baseline's, each run on the
 * given execution provider, over the spec's count of seeded inputs of the variant's batch and shapes
 * — the same for a local study and a fleet agent (which checks it on its device, with the variant's EP). Pure.
 */
export function fidelityRequest(
  base: { model: Pick<PreparedModel, 'path' | 'graphOptLevel'>; ep: OrtExecutionProvider },
  optimized: { model: Pick<PreparedModel, 'path' | 'graphOptLevel'>; ep: OrtExecutionProvider },
  variant: { batch: number; settings: Pick<VariantSettings, 'shapes'> },
  spec: Pick<StudySpec, 'fidelity' | 'seed' | 'opsetUpgrade'>,
): FidelityRequest {
  return requestOf(
    ortSide(base.model, base.ep, spec),
    ortSide(optimized.model, optimized.ep, spec),
    variant,
    spec,
  );
}

/** An engine-group variant as a side of a comparison: what its engine runs and how it was measured. */
export interface EngineSide {
  engine: string;
  /** What the engine runs: a `zoo:` spec (torch's definition) or the model file. */
  model: string;
  /** As measured: torch fp32/fp16, trtexec any of its precisions (its fidelity is that plan's). */
  precision: ExternalPrecision;
}

/**
 * The request comparing two engine-group variants, or undefined when their outputs cannot be
 * compared: only two runs of the same model (torch's definition on two devices, built with the same
 * seed, so the same weights) are; a torch definition and an ONNX file have different weights. Pure.
 */
export function engineFidelityRequest(
  base: EngineSide,
  optimized: EngineSide,
  variant: { batch: number; settings: Pick<VariantSettings, 'shapes' | 'seed'> },
  spec: Pick<StudySpec, 'fidelity' | 'seed'>,
): FidelityRequest | undefined {
  if (base.model !== optimized.model) return undefined;
  return {
    ...requestOf(engineSide(base, variant), engineSide(optimized, variant), variant, spec),
    asMeasured: true,
  };
}

/**
 * The request comparing an engine-group variant that runs an ONNX file (trtexec) with an onnxruntime
 * variant of the same model (the study's baseline): the same weights, each side as it was measured. Pure.
 */
export function engineVsOrtFidelityRequest(
  base: { model: Pick<PreparedModel, 'path' | 'graphOptLevel'>; ep: OrtExecutionProvider },
  optimized: EngineSide,
  variant: { batch: number; settings: Pick<VariantSettings, 'shapes' | 'seed'> },
  spec: Pick<StudySpec, 'fidelity' | 'seed' | 'opsetUpgrade'>,
): FidelityRequest {
  return {
    ...requestOf(ortSide(base.model, base.ep, spec), engineSide(optimized, variant), variant, spec),
    asMeasured: true,
  };
}

/** The precision an engine-group variant's settings name (fp32 where they name none it knows). */
export function variantPrecision(settings: Readonly<Record<string, unknown>>): ExternalPrecision {
  const named = settings.precision;
  return (EXTERNAL_PRECISIONS as readonly unknown[]).includes(named) ? (named as ExternalPrecision) : 'fp32';
}

/** Precision an engine-group variant is measured at (see the header). */
export type EnginePrecision = 'fp32' | 'fp16';

/** How the spec's engines split: the EPs of the recipe-based groups, and the engine group in order. */
export function studyEngines(spec: Pick<StudySpec, 'engines' | 'eps'>): {
  ortEps: string[];
  external: Array<{
    engine: string;
    role: 'baseline' | 'optimized';
    precision: EnginePrecision;
    label: string;
  }>;
} {
  const engines = spec.engines ?? ['ort'];
  const isOrt = (e: string) => e === 'ort' || e.startsWith('ort/');
  const ortEps: string[] = [];
  for (const e of engines.filter(isOrt))
    for (const ep of e === 'ort' ? spec.eps : [e.slice(4)]) if (!ortEps.includes(ep)) ortEps.push(ep);
  const external = engines
    .filter((e) => !isOrt(e))
    .map((engine, i) => {
      const role = i === 0 ? ('baseline' as const) : ('optimized' as const);
      const precision: EnginePrecision = engine === 'trtexec' && role === 'optimized' ? 'fp16' : 'fp32';
      return { engine, role, precision, label: `${engine.replace('/', '-')}-${precision}` };
    });
  return { ortEps, external };
}

/** Group-key EP of the engine group (its variants' `ep` column holds their engine name). */
export const ENGINE_GROUP_EP = 'engines';

export interface PlanOptions {
  /** Folder that relative model paths are read from (the spec file's folder). */
  baseDir?: string;
}

export function planStudy(spec: StudySpec, options: PlanOptions = {}): StudyPlan {
  const baseDir = options.baseDir ?? process.cwd();
  const supported = availableScenarios() as readonly string[];
  const scenarioRequests = new Map<string, ScenarioRequest | undefined>();
  for (const scenario of spec.scenarios) {
    if (!supported.includes(scenario))
      throw new UserError(
        `scenario '${scenario}' cannot run in this build yet; studies support: ${supported.join(', ')}`,
      );
    try {
      scenarioRequests.set(scenario, scenarioRequest(scenario as ScenarioName, spec.scenarioSettings));
    } catch (error) {
      throw new UserError(`scenarioSettings.${scenario}: ${inSpecTerms(messageOf(error))}`);
    }
  }

  const models: PlannedModel[] = spec.models.map((entry) => {
    const raw = typeof entry === 'string' ? { ref: entry } : entry;
    const ref = raw.ref.startsWith('zoo:') ? raw.ref : path.resolve(baseDir, raw.ref);
    const name = ('name' in raw && raw.name) || modelNameFromRef(raw.ref);
    return { name, ref, ...('shapes' in raw && raw.shapes ? { shapes: raw.shapes } : {}) };
  });
  const seen = new Map<string, string>();
  for (const m of models) {
    const other = seen.get(m.name);
    if (other)
      throw new UserError(
        `two models are both named '${m.name}' (${other} and ${m.ref}); give one a name: { ref: …, name: … }`,
      );
    seen.set(m.name, m.ref);
  }
  const labels = [spec.baseline.name, ...spec.optimized.map((o) => o.name)];
  const duplicate = labels.find((l, i) => labels.indexOf(l) !== i);
  if (duplicate)
    throw new UserError(
      `two variants are both named '${duplicate}'; baseline and optimized names must differ`,
    );

  const stopRules: StopRules = { ...STUDY_STOP_RULES, ...spec.stopRules };
  const variants: PlannedVariant[] = [];
  const groups: PlannedGroup[] = [];
  /** One group and its variants, the baseline first (the others are compared with it). */
  const addGroup = (
    model: PlannedModel,
    at: { groupEp: string; threads: number; batch: number; scenario: string },
    members: ReadonlyArray<{
      label: string;
      role: 'baseline' | 'optimized';
      recipes: string[];
      graphOptLevel: string;
      ep: string;
      settings: Record<string, unknown>;
    }>,
  ) => {
    const { threads, batch, scenario } = at;
    const group: PlannedGroup = {
      key: groupKeyOf(model.name, at.groupEp, threads, batch, scenario),
      model,
      variantKeys: [],
    };
    const baseKey = variantKey(model.name, members[0].label, members[0].ep, threads, batch, scenario);
    for (const { label, role, recipes, graphOptLevel, ep, settings } of members) {
      const key = variantKey(model.name, label, ep, threads, batch, scenario);
      variants.push({
        key,
        groupKey: group.key,
        position: variants.length,
        model: model.name,
        modelRef: model.ref,
        label,
        role,
        baselineKey: role === 'baseline' ? null : baseKey,
        recipes,
        graphOptLevel,
        ep,
        threads,
        batch,
        scenario,
        settings: {
          ...(model.shapes ? { shapes: model.shapes } : {}),
          stopRules,
          seed: spec.seed,
          ...settings,
        },
      });
      group.variantKeys.push(key);
    }
    groups.push(group);
  };
  const { ortEps, external } = studyEngines(spec);
  const defs = [
    { def: spec.baseline, role: 'baseline' as const },
    ...spec.optimized.map((def) => ({ def, role: 'optimized' as const })),
  ];
  for (const model of models) {
    for (const ep of ortEps)
      for (const threads of spec.threads)
        for (const batch of spec.batches)
          for (const scenario of spec.scenarios) {
            const request = scenarioRequests.get(scenario);
            addGroup(
              model,
              { groupEp: ep, threads, batch, scenario },
              defs.map(({ def, role }) => ({
                label: def.name,
                role,
                recipes: [...def.recipes],
                graphOptLevel: def.graphOptLevel,
                ep,
                settings: request ? { scenario: request } : {},
              })),
            );
          }
    if (external.length === 0) continue;
    // The engine group: the engines' own loops, single-stream, threads left to each engine.
    for (const batch of spec.batches)
      addGroup(
        model,
        { groupEp: ENGINE_GROUP_EP, threads: 0, batch, scenario: 'single-stream' },
        external.map((e) => ({
          label: e.label,
          role: e.role,
          recipes: [],
          graphOptLevel: 'n/a',
          ep: e.engine,
          settings: { engine: e.engine, precision: e.precision },
        })),
      );
  }
  return onTargets({ spec, models, variants, groups });
}

/**
 * A study over several targets (`targets: [local, nano]`): every variant once per target, placed
 * there (onDevice), and each group once per target, so speedups stay within a target. One target
 * keeps the plan as it is (keys without `@target`, as studies stored before targets could mix).
 */
function onTargets(plan: StudyPlan): StudyPlan {
  const targets = plan.spec.targets ?? [];
  if (targets.length < 2) return plan;
  const variants: PlannedVariant[] = [];
  const groups: PlannedGroup[] = [];
  for (const group of plan.groups)
    for (const target of targets) {
      groups.push({
        ...group,
        key: `${group.key}@${target}`,
        variantKeys: group.variantKeys.map((k) => `${k}@${target}`),
        target,
      });
    }
  for (const target of targets)
    for (const v of plan.variants) variants.push({ ...onDevice(v, target), position: variants.length });
  return { ...plan, variants, groups };
}

/**
 * The order of a group's variants in round `round` (1-based): rotated each round so that no variant
 * always runs first (A B, B A, A B … for two; A B C, B C A, C A B … for three).
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const shift = (round - 1) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
