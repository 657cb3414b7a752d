/**
 * Running a study: resolve the models, store the plan, then for each group (one model, one EP,
 * threads, batch, scenario) prepare each variant's model, measure the variants interleaved in rounds
 * (a fresh worker process per round and variant), and check each optimized variant's fidelity (on
 * the study's target when it has one: fidelityPlace).
 *
 * Every measurement is written to the store, in its own transaction, as soon as its worker answers:
 * an interrupted study (Ctrl-C, a killed process) loses nothing that finished, and `resume` skips
 * whatever is stored. A worker that crashes, hangs, is killed or runs out of memory fails its variant
 * with the reason — or, when rounds of the variant had already finished, stops it there: those rounds
 * stand and the variant is stored as incomplete (status ok, with the failure). The study goes on. Engine-group variants (torch, trtexec: see plan.ts) are measured by
 * measureWithEngine in the worker; an engine that cannot run here skips its variants (failure kind
 * `unavailable`, with the engine's reason) and the study goes on.
 */
import os from 'node:os';
import path from 'node:path';
import { onnxruntimeVersion } from '../engines/ort-binding.js';
import { describeOpsetUpgrade } from '../engines/ort-opset.js';
import type { OrtExecutionProvider } from '../engines/ort-options.js';
import { isInterruptedError, UserError } from '../errors.js';
import { describeHost, type HostInfo } from '../host/host.js';
import { benchmarkRequest } from '../measure/benchmark.js';
import type { ComputeCount } from '../measure/compute-schema.js';
import type { PortableMeasureRequest } from '../measure/measure.js';
import { measureOnTarget } from '../measure/on-target.js';
import type { RunResult } from '../measure/result.js';
import { measureRequestInWorker, type WorkerLimits } from '../measure/worker.js';
import {
  type Failure,
  type FidelityRecord,
  isIncomplete,
  type StoredStudy,
  type StudyRecord,
  type StudyStatus,
  type StudyStore,
  TARGET_LOST,
  TUNE_SOURCE,
  type VariantRecord,
} from '../store/types.js';
import { targetOutputs } from '../targets/outputs.js';
import { connectTarget, hostInfoOf, type TargetConnection } from '../targets/sessions.js';
import { LOCAL_TARGET } from '../targets/spec.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { resolveStudyModel } from './models.js';
import {
  type EngineSide,
  engineFidelityRequest,
  engineVsOrtFidelityRequest,
  fidelityRequest,
  keyOffDevice,
  ortRoundSettings,
  type PlannedGroup,
  type PlannedVariant,
  planStudy,
  roundOrder,
  type StudyPlan,
  type VariantSettings,
  variantPrecision,
} from './plan.js';
import type { PreparedModel } from './recipes.js';
import { type LoadedSpec, type StudySpec, specToRun, validateSpec } from './spec.js';
import {
  type FidelityRequest,
  fidelityRecord,
  modelHash,
  type OpenOutputs,
  prepareVariant,
  reusablePreparation,
  variantFidelity,
  variantPrepareRequest,
  workerFailure,
} from './variants.js';

export type StudyEvent =
  | { type: 'resolving-model'; model: string; ref: string }
  | {
      type: 'study-started';
      study: StudyRecord;
      resumed: boolean;
      variants: number;
      pendingMeasurements: number;
      workDir: string;
    }
  | { type: 'variant-prepared'; variant: VariantRecord; notes: string[] }
  | {
      type: 'variant-failed';
      variant: VariantRecord;
      /** The round it failed in, null when it failed while being prepared. */
      round: number | null;
      failure: Failure;
      /**
       * The progress counter after the failure: `index` measurements attempted (the failed round
       * included) out of `total`, which no longer counts the rounds the failed variant will not take.
       */
      index: number;
      total: number;
      /**
       * Set when rounds of the variant had finished before it failed: they stand, and the variant is
       * incomplete (`rounds` finished of `plannedRounds`) instead of failed.
       */
      incomplete?: { rounds: number; plannedRounds: number };
    }
  | { type: 'measurement-started'; variant: VariantRecord; round: number; index: number; total: number }
  | {
      type: 'measurement-stored';
      variant: VariantRecord;
      round: number;
      medianMs: number;
      samples: number;
      index: number;
      total: number;
    }
  | { type: 'fidelity-stored'; variant: VariantRecord; fidelity: FidelityRecord }
  | { type: 'study-ended'; study: StudyRecord; status: StudyStatus };

export interface RunStudyOptions {
  store: StudyStore;
  /** A new study from this spec… */
  spec?: LoadedSpec;
  /** …or continue a stored one: its id (or unique prefix), or `true` for the latest unfinished study. */
  resume?: string | true;
  /** Overrides the spec's rounds (on resume: more rounds extend the study). */
  rounds?: number;
  /** Where optimized models are written (default: `work/<study-id>` beside the store file). */
  workDir?: string;
  /** Aborting stops after killing the running worker; nothing unfinished is stored. */
  signal?: AbortSignal;
  onEvent?: (event: StudyEvent) => void;
  /** Extra environment for the worker processes. */
  workerEnv?: Record<string, string>;
  /**
   * Measure every round on this target (a board over SSH, connected once for the whole study):
   * each engine's runner runs there; the results record the target. Fidelity is measured there too
   * (fidelityPlace), its records' source naming the target. Without it, the spec's `targets` are
   * connected here (see runStudy).
   */
  target?: TargetConnection;
}

export interface StudyRunOutcome {
  studyId: string;
  status: 'finished' | 'interrupted';
  stored: StoredStudy;
}

export function defaultWorkDir(storeLocation: string, studyId: string): string {
  if (storeLocation === ':memory:' || /^[a-z]+:\/\//i.test(storeLocation))
    return path.join(os.tmpdir(), 'edgebench-work', studyId);
  return path.join(path.dirname(storeLocation), 'work', studyId);
}

interface Prepared {
  model: PreparedModel;
}

/** What an engine-group variant's engine runs: torch its zoo definition (same architecture, head and input), others the ONNX file. */
function engineModel(v: VariantRecord, engine: string, prep: Prepared): string {
  return engine.startsWith('torch') && v.modelRef.startsWith('zoo:') ? v.modelRef : prep.model.path;
}

/** Where a study's fidelity is measured, and how its records say so. */
export interface FidelityPlace {
  /** Opens each side where it runs; absent: onnxruntime sessions in a worker process here. */
  open?: OpenOutputs;
  /** What the records' source starts with (the target's name). */
  origin?: string;
  /** Each side with the settings it was measured with, even when the two files differ. */
  asMeasured?: boolean;
  /** Engine-group pairs (torch on two devices) can be compared: their runners give outputs there. */
  engineGroups: boolean;
}

/**
 * A study with a target measures fidelity there: both sides on the device, each with the runner that
 * measured it, on the same seeded inputs; without one, here.
 */
export function fidelityPlace(target: TargetConnection | undefined, signal?: AbortSignal): FidelityPlace {
  if (!target) return { engineGroups: false };
  return {
    open: targetOutputs(target, signal ? { signal } : {}),
    origin: target.name,
    asMeasured: true,
    engineGroups: true,
  };
}

/**
 * Runs a study. A spec naming targets (`targets: [local, nano]`, `study --target`) is measured there:
 * every target is connected (and probed) before anything is measured, one connection each for the
 * whole study, closed at the end; one that cannot be reached stops the study before it starts.
 */
export async function runStudy(options: RunStudyOptions): Promise<StudyRunOutcome> {
  if (options.target) return runStudyOn(options, new Map([[options.target.name, options.target]]));
  const names = (await targetsOfStudy(options)) ?? [LOCAL_TARGET];
  const connections = await connectTargets(names, options.signal);
  try {
    return await runStudyOn(options, connections);
  } finally {
    await Promise.all([...connections.values()].map((c) => c.transport.close()));
  }
}

/** Every target but `local` connected; the first that cannot be reached fails them all, in one line. */
async function connectTargets(
  names: readonly string[],
  signal: AbortSignal | undefined,
): Promise<Map<string, TargetConnection>> {
  const remote = names.filter((name) => name !== LOCAL_TARGET);
  const settled = await Promise.allSettled(
    remote.map((name) => connectTarget(name, signal ? { signal } : {})),
  );
  const connections = new Map<string, TargetConnection>();
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') connections.set(remote[i], s.value);
  });
  const refused = settled.findIndex((s) => s.status === 'rejected');
  if (refused >= 0) {
    await Promise.all([...connections.values()].map((c) => c.transport.close()));
    const error = (settled[refused] as PromiseRejectedResult).reason;
    if (!(error instanceof UserError) || isInterruptedError(error)) throw error;
    throw new UserError(`the study cannot start (nothing was measured): ${error.message}`);
  }
  return connections;
}

/** The targets a new or resumed study names (its spec's `targets`). */
async function targetsOfStudy(options: RunStudyOptions): Promise<string[] | undefined> {
  if (options.spec) return options.spec.spec.targets;
  if (options.resume === undefined) return undefined;
  const study =
    options.resume === true
      ? await options.store.latestUnfinished()
      : await options.store.findStudy(options.resume);
  const targets = (study?.spec as { targets?: unknown } | undefined)?.targets;
  return Array.isArray(targets) && targets.every((t) => typeof t === 'string') ? targets : undefined;
}

/** What describes a target in the study's device list: its machine, and what measures there. */
async function targetDevice(name: string, connection: TargetConnection | undefined) {
  if (!connection)
    return {
      address: LOCAL_TARGET,
      capabilities: { ...(await describeHost()), onnxruntime: onnxruntimeVersion(), level: 'edgebench' },
    };
  const { device } = connection;
  const withOrt = device.pythons.find((p) => p.onnxruntime?.version && !p.onnxruntime.error);
  return {
    address: connection.transport.address,
    capabilities: {
      ...hostInfoOf(device),
      target: name,
      level: device.level,
      eps: device.engines.filter((e) => e.available).map((e) => e.id),
      ...(withOrt?.onnxruntime?.version ? { onnxruntime: withOrt.onnxruntime.version } : {}),
    },
  };
}

async function runStudyOn(
  options: RunStudyOptions,
  connections: ReadonlyMap<string, TargetConnection>,
): Promise<StudyRunOutcome> {
  const { store } = options;
  const emit = (event: StudyEvent) => options.onEvent?.(event);
  const signal = options.signal;

  let study: StudyRecord | undefined;
  let spec: StudySpec;
  if (options.resume !== undefined) {
    study = options.resume === true ? await store.latestUnfinished() : await store.findStudy(options.resume);
    if (!study)
      throw new UserError(
        `no unfinished study in the store ${store.location}; \`edgebench history\` lists them`,
      );
    if (study.source === TUNE_SOURCE)
      throw new UserError(
        `${study.id} is a tune run, which cannot be resumed as a study; run \`edgebench tune\` again (what it measured stays stored)`,
      );
    spec = validateSpec(study.spec, `stored study ${study.id}`);
    if (options.rounds !== undefined && options.rounds !== spec.rounds) {
      spec = { ...spec, rounds: options.rounds };
      await store.updateStudy(study.id, { spec });
    }
  } else {
    if (!options.spec) throw new TypeError('runStudy needs a spec, or resume');
    spec = specToRun(options.spec, options.rounds);
  }
  const plan: StudyPlan = planStudy(spec);
  // Several targets: the environment is this machine's (which ran the study), each target a device.
  const targetNames = options.target ? [options.target.name] : (spec.targets ?? [LOCAL_TARGET]);
  const severalTargets = (spec.targets?.length ?? 0) > 1;
  if (severalTargets && options.target)
    throw new TypeError('runStudy: `target` measures a study on one target; the spec names several');

  // Resolve every model first: an unknown model or a missing file stops the study before it starts.
  const modelPaths = new Map<string, string>();
  for (const model of plan.models) {
    emit({ type: 'resolving-model', model: model.name, ref: model.ref });
    modelPaths.set(model.name, (await resolveStudyModel(model.ref, model.name)).path);
  }

  const resumed = study !== undefined;
  if (!study)
    study = await store.createStudy({
      name: spec.name,
      source: options.spec?.source ?? 'spec',
      spec,
      edgebenchVersion: EDGEBENCH_VERSION,
    });
  else await store.updateStudy(study.id, { status: 'running', finishedAt: null });
  const studyId = study.id;

  const before = await store.loadStudy(studyId, { samples: false });
  /** Where a variant is measured: its target's connection, or undefined for this machine. */
  const targetOf = (v: Pick<VariantRecord, 'device'>): TargetConnection | undefined =>
    connections.get(severalTargets && v.device ? v.device : targetNames[0]);
  const soleRemote = severalTargets ? undefined : connections.get(targetNames[0]);
  let host: HostInfo | undefined = before.environment?.host as HostInfo | undefined;
  if (!before.environment) {
    host = soleRemote ? hostInfoOf(soleRemote.device) : await describeHost();
    await store.recordEnvironment({
      studyId,
      capturedAt: new Date().toISOString(),
      host: host as unknown as Record<string, unknown>,
      onnxruntime: onnxruntimeVersion(),
      edgebench: EDGEBENCH_VERSION,
      extra: { node: process.version, cpus: os.cpus().length },
    });
  }

  if (severalTargets)
    for (const name of targetNames) {
      const { address, capabilities } = await targetDevice(name, connections.get(name));
      await store.recordDevice({
        studyId,
        agent: address,
        device: name,
        capturedAt: new Date().toISOString(),
        capabilities,
      });
    }

  const variants = await store.addVariants(studyId, plan.variants);
  // Variants stopped because their target was lost take their remaining rounds again now.
  for (const v of variants)
    if (v.failure?.kind === TARGET_LOST) {
      const finished = before.measurements.some((m) => m.variantId === v.id && m.status === 'ok');
      const status = finished || v.modelPath ? 'ok' : 'pending';
      await store.updateVariant(v.id, { status, failure: null });
      v.status = status;
      v.failure = null;
    }
  const byKey = new Map(variants.map((v) => [v.key, v]));
  const plannedByKey = new Map(plan.variants.map((v) => [v.key, v]));
  const failed = new Map<number, Failure>();
  // Failed and incomplete variants alike take no more rounds.
  for (const v of variants)
    if (v.status === 'failed' || isIncomplete(v))
      failed.set(v.id, v.failure ?? { kind: 'error', reason: '' });
  const done = new Set(before.measurements.map((m) => `${m.variantId}:${m.round}`));
  /** Rounds finished (stored ok) per variant id. */
  const finishedRounds = new Map<number, number>();
  const countFinished = (variantId: number) =>
    finishedRounds.set(variantId, (finishedRounds.get(variantId) ?? 0) + 1);
  for (const m of before.measurements) if (m.status === 'ok') countFinished(m.variantId);
  const fidelityDone = new Set(before.fidelity.map((f) => f.variantId));

  let total = 0;
  for (const v of variants)
    if (!failed.has(v.id)) for (let r = 1; r <= spec.rounds; r++) if (!done.has(`${v.id}:${r}`)) total++;
  const workDir = options.workDir ?? defaultWorkDir(store.location, studyId);
  emit({
    type: 'study-started',
    study,
    resumed,
    variants: variants.length,
    pendingMeasurements: total,
    workDir,
  });

  const limits: WorkerLimits = {
    timeoutMs: spec.timeoutMs,
    ...(spec.maxOldSpaceMb !== undefined ? { maxOldSpaceMb: spec.maxOldSpaceMb } : {}),
    ...(signal ? { signal } : {}),
    ...(options.workerEnv ? { env: options.workerEnv } : {}),
  };
  // Set when a worker reports an interruption (Ctrl-C may reach it before our own signal handler).
  let interrupted = false;
  const aborted = () => interrupted || signal?.aborted === true;

  // The progress counter: `index` counts the measurements attempted (failed ones too), `total` those
  // that will be attempted, so a study with failures still ends at total/total.
  let index = 0;
  /** Rounds of `v` not measured yet, but `current` (the round just attempted, already counted). */
  const roundsLeft = (v: VariantRecord, current: number | null): number => {
    let n = 0;
    for (let r = 1; r <= spec.rounds; r++) if (r !== current && !done.has(`${v.id}:${r}`)) n++;
    return n;
  };

  const fail = async (variant: VariantRecord, failure: Failure, round: number | null) => {
    // A failed variant is not measured again: its remaining rounds leave the total.
    total -= roundsLeft(variant, round);
    failed.set(variant.id, failure);
    // Rounds that finished before stay usable: the variant is incomplete, not failed.
    const finished =
      round === null || failure.kind === 'unavailable' ? 0 : (finishedRounds.get(variant.id) ?? 0);
    await store.updateVariant(variant.id, { status: finished > 0 ? 'ok' : 'failed', failure });
    emit({
      type: 'variant-failed',
      variant,
      round,
      failure,
      index,
      total,
      ...(finished > 0 ? { incomplete: { rounds: finished, plannedRounds: spec.rounds } } : {}),
    });
  };

  /** Engines found unable to run on a target, with why: their other variants there are skipped without a worker. */
  const unavailable = new Map<string, string>();
  const whereName = (v: VariantRecord) => (severalTargets && v.device ? v.device : targetNames[0]);
  const unavailableKey = (v: VariantRecord, engine: string) => `${engine}@${whereName(v)}`;
  const skip = (v: VariantRecord, engine: string, reason: string): Failure => ({
    kind: 'unavailable',
    reason: `skipped: ${engine} cannot run ${severalTargets ? `on ${whereName(v)}` : 'here'}: ${reason}`,
  });
  const engineOf = (v: VariantRecord): string | undefined =>
    typeof v.settings.engine === 'string' ? v.settings.engine : undefined;
  /** Targets whose connection was lost mid-study, with why: their variants stop, and resume takes them again. */
  const lost = new Map<string, string>();

  /** A variant whose model ran upgraded in memory says so in its settings and notes (reports show it). */
  const recordOpsetUpgrade = async (v: VariantRecord, upgrade: RunResult['model']['opsetUpgrade']) => {
    if (!upgrade || v.settings.opsetUpgrade) return;
    const notes = Array.isArray(v.settings.notes) ? v.settings.notes.map(String) : [];
    const settings: VariantSettings = {
      ...(v.settings as VariantSettings),
      opsetUpgrade: { from: upgrade.from, to: upgrade.to, reason: upgrade.reason },
      notes: [...notes, describeOpsetUpgrade(upgrade)],
    };
    await store.updateVariant(v.id, { settings });
    v.settings = settings;
  };

  /** Each variant's model as prepared in this run (a trtexec variant's fidelity reaches the ort baseline's). */
  const prepared = new Map<number, Prepared>();
  /**
   * The onnxruntime baseline of a variant's model and batch where it is measured (first EP and
   * threads listed): the fidelity reference of a trtexec variant, which runs the same ONNX file.
   */
  const ortBaselineOf = (v: VariantRecord): VariantRecord | undefined =>
    variants.find(
      (o) =>
        !engineOf(o) &&
        o.role === 'baseline' &&
        o.model === v.model &&
        o.batch === v.batch &&
        o.scenario === 'single-stream' &&
        whereName(o) === whereName(v),
    );

  // A group is measured with its copies on the other targets (the plan lists them side by side):
  // their rounds interleave as the variants of a group do.
  for (const bundle of targetBundles(plan.groups)) {
    if (aborted()) break;
    const groups = bundle.map((group) => group.variantKeys.map((k) => byKey.get(k)!).filter(Boolean));
    const members = groups.flat();
    const needsRounds = members.some(
      (v) =>
        !failed.has(v.id) &&
        Array.from({ length: spec.rounds }, (_, i) => i + 1).some((r) => !done.has(`${v.id}:${r}`)),
    );
    const needsFidelity =
      spec.fidelity.enabled &&
      members.some((v) => v.role === 'optimized' && !failed.has(v.id) && !fidelityDone.has(v.id));
    if (!needsRounds && !needsFidelity) continue;

    // 1. Prepare each variant's model (optimizer recipes run in a worker too), once for all targets.
    /** Per variant as planned before targets (its key off the target): how its preparation went. */
    const preparedOnce = new Map<
      string,
      { model: PreparedModel; sha: string | null } | { failure: Failure }
    >();
    // Operations per inference, counted in a variant's first round and reused by its later ones.
    const counted = new Map<number, ComputeCount>();
    for (const v of members) {
      if (aborted()) break;
      if (failed.has(v.id)) continue;
      const planned = plannedByKey.get(v.key) as PlannedVariant;
      if (engineOf(v)) {
        // Engine-group variants measure the model as resolved (torch: its zoo definition).
        const modelPath = modelPaths.get(v.model)!;
        const sha = await modelHash(modelPath);
        await store.updateVariant(v.id, { modelPath, modelSha256: sha, status: 'ok' });
        prepared.set(v.id, {
          model: { path: modelPath, graphOptLevel: 'disabled', appliedBy: 'none', notes: [] },
        });
        continue;
      }
      const baseKey = keyOffDevice(v.key, v.device);
      let once = preparedOnce.get(baseKey);
      if (!once) {
        const request = variantPrepareRequest(planned, modelPaths.get(v.model)!, workDir, baseKey, spec);
        const reused = await reusablePreparation(v);
        if (reused) once = { model: reused, sha: v.modelSha256 };
        else {
          const outcome = await prepareVariant(request, { limits });
          if (!outcome.ok && outcome.aborted) {
            interrupted = true;
            break;
          }
          once = outcome.ok
            ? { model: outcome.value.model, sha: outcome.value.sha256 }
            : { failure: outcome.failure };
        }
        preparedOnce.set(baseKey, once);
      }
      if ('failure' in once) {
        await fail(v, once.failure, null);
        continue;
      }
      const { model, sha } = once;
      const settings: VariantSettings = {
        ...planned.settings,
        appliedBy: model.appliedBy,
        effectiveGraphOptLevel: model.graphOptLevel,
        notes: model.notes,
      };
      await store.updateVariant(v.id, { modelPath: model.path, modelSha256: sha, status: 'ok', settings });
      v.settings = settings;
      prepared.set(v.id, { model });
      emit({ type: 'variant-prepared', variant: v, notes: model.notes });
    }

    // 2. Rounds: every variant once per round, order rotated each round (targets too).
    for (let round = 1; round <= spec.rounds && !aborted(); round++) {
      for (const v of roundOrder(groups, round).flatMap((g) => roundOrder(g, round))) {
        if (aborted()) break;
        if (failed.has(v.id) || done.has(`${v.id}:${round}`)) continue;
        const prep = prepared.get(v.id);
        if (!prep) continue;
        const planned = plannedByKey.get(v.key) as PlannedVariant;
        index++;
        emit({ type: 'measurement-started', variant: v, round, index, total });
        const onTarget = targetOf(v);
        const lostReason = lost.get(whereName(v));
        if (lostReason !== undefined) {
          await fail(v, { kind: TARGET_LOST, reason: lostReason }, round);
          continue;
        }
        const engine = engineOf(v);
        if (engine) {
          const known = unavailable.get(unavailableKey(v, engine));
          if (known !== undefined) {
            await fail(v, skip(v, engine, known), round);
            continue;
          }
        }
        const startedAt = new Date().toISOString();
        const where = severalTargets ? { target: whereName(v) } : onTarget ? { target: onTarget.name } : {};
        const request: PortableMeasureRequest = engine
          ? {
              engine,
              model: engineModel(v, engine, prep),
              modelName: v.model,
              batch: v.batch,
              ...(planned.settings.shapes ? { shapes: planned.settings.shapes } : {}),
              precision: variantPrecision(planned.settings),
              seed: planned.settings.seed,
              stopRules: planned.settings.stopRules,
              requested: {
                study: studyId,
                variant: v.key,
                round,
                engine,
                precision: planned.settings.precision,
                scenario: v.scenario,
                ...where,
              },
            }
          : benchmarkRequest({
              modelPath: prep.model.path,
              modelName: v.model,
              ...ortRoundSettings(
                v,
                planned.settings,
                prep.model.graphOptLevel,
                spec.telemetry,
                spec.opsetUpgrade,
              ),
              ...(counted.has(v.id) ? { compute: counted.get(v.id) } : {}),
              requested: {
                study: studyId,
                variant: v.key,
                round,
                recipes: v.recipes,
                scenario: v.scenario,
                ...where,
              },
            });
        const outcome = onTarget
          ? await measureOnTarget(onTarget, request, options.signal)
          : await measureRequestInWorker({ ...request, ...(host ? { host } : {}) }, limits);
        const endedAt = new Date().toISOString();
        if (!outcome.ok && outcome.kind === 'aborted') {
          interrupted = true;
          break;
        }
        if (!outcome.ok && 'targetLost' in outcome && outcome.targetLost) {
          // Nothing of the round is stored: resume measures it once the target is back.
          const reason = `round ${round}: ${outcome.reason}; \`edgebench study --resume ${studyId}\` measures what is left once it is back`;
          lost.set(whereName(v), reason);
          await fail(v, { kind: TARGET_LOST, reason }, round);
          continue;
        }
        if (!outcome.ok && outcome.kind === 'unavailable' && engine) {
          unavailable.set(unavailableKey(v, engine), outcome.reason);
          await fail(v, skip(v, engine, outcome.reason), round);
          continue;
        }
        if (outcome.ok) {
          const compute = (outcome.value as RunResult).compute;
          if (compute && !engine)
            counted.set(v.id, {
              flops: compute.flops,
              integerOps: compute.integerOps,
              unknownNodes: compute.unknownNodes,
              notes: compute.notes,
            });
          await store.recordMeasurement({
            variantId: v.id,
            round,
            startedAt,
            endedAt,
            // An external engine's result is a RunResult whose model hash/size may be null (torch).
            result: outcome.value as RunResult,
          });
          await recordOpsetUpgrade(v, (outcome.value as RunResult).model.opsetUpgrade);
          done.add(`${v.id}:${round}`);
          countFinished(v.id);
          emit({
            type: 'measurement-stored',
            variant: v,
            round,
            medianMs: outcome.value.stats.medianMs,
            samples: outcome.value.samplesMs.length,
            index,
            total,
          });
        } else {
          const failure = workerFailure(outcome, `round ${round}`);
          await store.recordMeasurement({ variantId: v.id, round, startedAt, endedAt, failure });
          done.add(`${v.id}:${round}`);
          await fail(v, failure, round);
        }
      }
    }

    // 3. Fidelity of each optimized variant against its own baseline, where the two were measured.
    if (!spec.fidelity.enabled) continue;
    for (const v of members) {
      const groupBaseline = v.baselineKey ? byKey.get(v.baselineKey) : undefined;
      if (aborted()) break;
      if (!groupBaseline || v.role !== 'optimized' || failed.has(v.id) || fidelityDone.has(v.id)) continue;
      const place = fidelityPlace(targetOf(v), signal);
      const opt = prepared.get(v.id);
      if (!opt) continue;
      const planned = plannedByKey.get(v.key) as PlannedVariant;
      const optEngine = engineOf(v);
      let baseline = groupBaseline;
      let request: FidelityRequest | undefined;
      if (optEngine) {
        // Engine-group variants are compared only where their own runners give outputs (a target).
        if (!place.engineGroups) continue;
        const side = (variant: VariantRecord, engine: string, prep: Prepared): EngineSide => ({
          engine,
          model: engineModel(variant, engine, prep),
          precision: variantPrecision(variant.settings),
        });
        const baseEngine = engineOf(groupBaseline);
        const base = prepared.get(groupBaseline.id);
        if (baseEngine && base && !failed.has(groupBaseline.id))
          request = engineFidelityRequest(
            side(groupBaseline, baseEngine, base),
            side(v, optEngine, opt),
            planned,
            spec,
          );
        // trtexec runs the ONNX file, whose weights a torch definition does not share: its reference
        // is then the onnxruntime baseline of the same file, where the study measures one.
        const ort = !request && optEngine === 'trtexec' ? ortBaselineOf(v) : undefined;
        const ortBase = ort ? prepared.get(ort.id) : undefined;
        if (ort && ortBase && !failed.has(ort.id)) {
          baseline = ort;
          request = engineVsOrtFidelityRequest(
            { model: ortBase.model, ep: ort.ep as OrtExecutionProvider },
            side(v, optEngine, opt),
            planned,
            spec,
          );
        }
        if (!request) continue;
      } else {
        const base = prepared.get(groupBaseline.id);
        if (!base || failed.has(groupBaseline.id)) continue;
        request = {
          ...fidelityRequest(
            { model: base.model, ep: groupBaseline.ep as OrtExecutionProvider },
            { model: opt.model, ep: v.ep as OrtExecutionProvider },
            planned,
            spec,
          ),
          ...(place.asMeasured ? { asMeasured: true } : {}),
        };
      }
      const outcome = await variantFidelity(request, { limits, ...(place.open ? { open: place.open } : {}) });
      if (!outcome.ok && outcome.aborted) {
        interrupted = true;
        break;
      }
      const record = fidelityRecord(
        outcome,
        { variantId: v.id, baselineVariantId: baseline.id },
        place.origin,
      );
      await store.recordFidelity(record);
      fidelityDone.add(v.id);
      emit({ type: 'fidelity-stored', variant: v, fidelity: record });
    }
  }

  const status: 'finished' | 'interrupted' = aborted() ? 'interrupted' : 'finished';
  await store.updateStudy(studyId, {
    status,
    finishedAt: status === 'finished' ? new Date().toISOString() : null,
  });
  const stored = await store.loadStudy(studyId);
  emit({ type: 'study-ended', study: stored.study, status });
  return { studyId, status, stored };
}

/** The plan's groups, each with its copies on the other targets (consecutive in the plan). */
function targetBundles(groups: readonly PlannedGroup[]): PlannedGroup[][] {
  const bundles: PlannedGroup[][] = [];
  for (const group of groups) {
    const last = bundles.at(-1);
    const base = (g: PlannedGroup) => keyOffDevice(g.key, g.target);
    if (group.target && last?.[0].target && base(last[0]) === base(group)) last.push(group);
    else bundles.push([group]);
  }
  return bundles;
}
