/**
 * Submitting a fleet study: the spec is planned as for a local study, each variant's model is prepared
 * here (optimizer recipes run in a worker process, as in a local study) and kept in the store by
 * content, the plan is stored once per device class (a variant per class, keyed `…@class`), and one
 * job per (variant, device class, round) goes to the queue of its requirements. Jobs are queued round
 * by round, each round's variants in the rotated order of a local study, so an agent that serves a
 * class alone measures them interleaved (A B, B A, …). After the rounds, one fidelity job per
 * optimized variant and device class goes to the same queue: fidelity is measured by an agent of that
 * class with its own engines (the variant's EP), not here.
 *
 * Job ids are (study, variant, round) and (study, variant, `fidelity`): queuing a job twice adds it once.
 */
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type JobsOptions, Queue } from 'bullmq';
import type { OrtExecutionProvider } from '../engines/ort-options.js';
import type { PostgresStudyStore } from '../store/postgres.js';
import type { Failure, NewVariant, VariantRecord } from '../store/types.js';
import { resolveStudyModel } from '../study/models.js';
import { onDevice, ortRoundSettings, type PlannedVariant, planStudy, roundOrder } from '../study/plan.js';
import type { PreparedModel } from '../study/recipes.js';
import { type LoadedSpec, specToRun } from '../study/spec.js';
import { prepareVariant, safeFileName, variantPrepareRequest } from '../study/variants.js';
import type { Redactor } from '../util/redact.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { queueError, redisOptions } from './connection.js';
import { deviceClassName, queueNameFor } from './devices.js';
import { sha256Bytes } from './model-cache.js';
import {
  FLEET_FIDELITY_JOB_NAME,
  FLEET_JOB_NAME,
  FLEET_JOB_VERSION,
  type FleetFidelityJob,
  type FleetJob,
  fleetFidelityJobId,
  fleetJobId,
} from './payload.js';
import { FleetRegistry } from './registry.js';
import { retryTransient } from './retry.js';

export const DEFAULT_JOB_ATTEMPTS = 3;
/** Where a fleet study's `source` starts: `fleet:<spec file or preset>`. */
export const FLEET_SOURCE_PREFIX = 'fleet:';

export type SubmitEvent =
  | { type: 'resolving-model'; model: string; ref: string }
  | { type: 'study-created'; studyId: string; devices: string[] }
  | { type: 'variant-prepared'; model: string; label: string; sha256: string; notes: string[] }
  | { type: 'variant-failed'; model: string; label: string; failure: Failure }
  | { type: 'model-stored'; name: string; sha256: string; bytes: number; stored: boolean }
  | { type: 'queued'; queue: string; jobs: number };

export interface SubmitOptions {
  store: PostgresStudyStore;
  queueUrl: string;
  spec: LoadedSpec;
  /** Device classes as tag sets ([] = any device). */
  devices: string[][];
  /** Overrides the spec's rounds. */
  rounds?: number;
  redactor: Redactor;
  /** Tries per job (a job whose agent fails it is tried again; default 3). */
  jobAttempts?: number;
  onEvent?: (event: SubmitEvent) => void;
  /** Told about Redis connection errors (already redacted). */
  onConnectionError?: (error: Error) => void;
}

export interface SubmitOutcome {
  studyId: string;
  devices: string[];
  variants: number;
  failedVariants: number;
  jobs: number;
  queues: Array<{ name: string; jobs: number }>;
}

interface Prepared {
  model: PreparedModel;
  sha256: string;
  sizeBytes: number;
}

/** A prepared model as a job names it: by its hash, with its size and a file name. */
function modelRef(model: string, prep: Prepared) {
  return { sha256: prep.sha256, name: safeFileName(model), sizeBytes: prep.sizeBytes };
}

export async function submitFleetStudy(options: SubmitOptions): Promise<SubmitOutcome> {
  const { store, redactor } = options;
  const emit = (event: SubmitEvent) => options.onEvent?.(event);
  const retry = <T>(fn: () => Promise<T>) => retryTransient(fn);
  const loaded = options.spec;
  const spec = specToRun(loaded, options.rounds);
  const plan = planStudy(spec);
  const deviceNames = options.devices.map(deviceClassName);

  const basePaths = new Map<string, string>();
  for (const model of plan.models) {
    emit({ type: 'resolving-model', model: model.name, ref: model.ref });
    basePaths.set(model.name, (await resolveStudyModel(model.ref, model.name)).path);
  }

  const study = await retry(() =>
    store.createStudy({
      name: spec.name,
      source: `${FLEET_SOURCE_PREFIX}${loaded.source}`,
      spec,
      edgebenchVersion: EDGEBENCH_VERSION,
    }),
  );
  emit({ type: 'study-created', studyId: study.id, devices: deviceNames });
  const workDir = path.join(os.tmpdir(), 'edgebench-fleet-submit', study.id);
  const limits = {
    timeoutMs: spec.timeoutMs,
    ...(spec.maxOldSpaceMb ? { maxOldSpaceMb: spec.maxOldSpaceMb } : {}),
  };

  try {
    // 1. Prepare each (model, variant label) once and keep its bytes in the store by hash.
    const prepared = new Map<string, Prepared>();
    const failures = new Map<string, Failure>();
    for (const v of plan.variants) {
      const id = `${v.model}|${v.label}`;
      if (prepared.has(id) || failures.has(id)) continue;
      const request = variantPrepareRequest(v, basePaths.get(v.model)!, workDir, id, spec);
      const outcome = await prepareVariant(request, { limits });
      if (!outcome.ok) {
        failures.set(id, outcome.failure);
        emit({ type: 'variant-failed', model: v.model, label: v.label, failure: outcome.failure });
        continue;
      }
      const { model } = outcome.value;
      const data = await readFile(model.path);
      const sha256 = outcome.value.sha256 ?? sha256Bytes(data);
      const stored = await retry(() => store.putModel({ sha256, name: `${v.model}-${v.label}`, data }));
      emit({ type: 'model-stored', name: `${v.model} ${v.label}`, sha256, bytes: data.byteLength, stored });
      prepared.set(id, { model, sha256, sizeBytes: data.byteLength });
      emit({ type: 'variant-prepared', model: v.model, label: v.label, sha256, notes: model.notes });
    }

    // 2. The plan, once per device class.
    const planned: Array<{ v: PlannedVariant; device: string; tags: string[] }> = [];
    const newVariants: NewVariant[] = [];
    options.devices.forEach((tags, d) => {
      const device = deviceNames[d];
      for (const v of plan.variants) {
        const prep = prepared.get(`${v.model}|${v.label}`);
        planned.push({ v, device, tags });
        newVariants.push({
          ...onDevice(v, device),
          position: newVariants.length,
          settings: {
            ...v.settings,
            ...(prep
              ? {
                  appliedBy: prep.model.appliedBy,
                  effectiveGraphOptLevel: prep.model.graphOptLevel,
                  notes: prep.model.notes,
                }
              : {}),
            requirements: { ep: v.ep, tags },
          },
        });
      }
    });
    const records = await retry(() => store.addVariants(study.id, newVariants));
    const byKey = new Map(records.map((r) => [r.key, r]));
    for (const { v, device } of planned) {
      const record = byKey.get(`${v.key}@${device}`)!;
      const id = `${v.model}|${v.label}`;
      const prep = prepared.get(id);
      const failure = failures.get(id);
      await retry(() =>
        store.updateVariant(record.id, {
          modelSha256: prep?.sha256 ?? null,
          status: failure ? 'failed' : 'ok',
          ...(failure ? { failure } : {}),
        }),
      );
      record.status = failure ? 'failed' : 'ok';
    }

    // 3. Jobs, round by round, each round in the rotated order of a local study.
    const perQueue = new Map<
      string,
      Array<{ name: string; data: FleetJob | FleetFidelityJob; opts: JobsOptions }>
    >();
    const requirementsOf = new Map<string, { ep: OrtExecutionProvider; tags: string[] }>();
    /** What every job of this study says first: whose it is, for which variant and device, where it runs. */
    const jobOf = (
      record: VariantRecord,
      device: string,
      requirements: { ep: OrtExecutionProvider; tags: string[] },
    ) => ({
      version: FLEET_JOB_VERSION as typeof FLEET_JOB_VERSION,
      studyId: study.id,
      variantId: record.id,
      variantKey: record.key,
      device,
      requirements,
    });
    /** Each job's worker limits, as the spec sets them. */
    const workerLimits = {
      timeoutMs: spec.timeoutMs,
      ...(spec.maxOldSpaceMb ? { maxOldSpaceMb: spec.maxOldSpaceMb } : {}),
    };
    const enqueue = (queue: string, name: string, data: FleetJob | FleetFidelityJob, jobId: string) => {
      const list = perQueue.get(queue) ?? [];
      list.push({ name, data, opts: jobOptions(jobId) });
      perQueue.set(queue, list);
    };
    /** The queue a job with these requirements goes to, remembered for the queue list. */
    const queueOf = (ep: string, tags: string[]) => {
      const requirements = { ep: ep as OrtExecutionProvider, tags };
      const queue = queueNameFor(requirements);
      requirementsOf.set(queue, requirements);
      return { requirements, queue };
    };
    const attempts = options.jobAttempts ?? DEFAULT_JOB_ATTEMPTS;
    const jobOptions = (jobId: string): JobsOptions => ({
      jobId,
      attempts,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 30 * 24 * 3600, count: 100_000 },
      removeOnFail: { age: 90 * 24 * 3600 },
    });
    for (let round = 1; round <= spec.rounds; round++)
      for (const group of plan.groups)
        options.devices.forEach((tags, d) => {
          const device = deviceNames[d];
          for (const key of roundOrder(group.variantKeys, round)) {
            const record: VariantRecord | undefined = byKey.get(`${key}@${device}`);
            const v = plan.variants.find((p) => p.key === key);
            const prep = v ? prepared.get(`${v.model}|${v.label}`) : undefined;
            if (!record || !v || !prep || record.status === 'failed') continue;
            const { requirements, queue } = queueOf(v.ep, tags);
            const data: FleetJob = {
              ...jobOf(record, device, requirements),
              round,
              model: modelRef(v.model, prep),
              ...ortRoundSettings(v, v.settings, prep.model.graphOptLevel, spec.telemetry, spec.opsetUpgrade),
              recipes: v.recipes,
              scenarioName: v.scenario as FleetJob['scenarioName'],
              ...workerLimits,
            };
            enqueue(queue, FLEET_JOB_NAME, data, fleetJobId(study.id, record.id, round));
          }
        });

    // 4. Fidelity of each optimized variant against its baseline, per device class, after its rounds
    // in the same queue: an agent of that class compares them with its own engines.
    if (spec.fidelity.enabled)
      for (const { v, device, tags } of planned) {
        if (v.role !== 'optimized' || !v.baselineKey) continue;
        const basePlanned = plan.variants.find((b) => b.key === v.baselineKey);
        const record = byKey.get(`${v.key}@${device}`);
        const baseline = byKey.get(`${v.baselineKey}@${device}`);
        const opt = prepared.get(`${v.model}|${v.label}`);
        const base = basePlanned ? prepared.get(`${v.model}|${basePlanned.label}`) : undefined;
        if (!record || !baseline || !opt || !base) continue;
        if (record.status === 'failed' || baseline.status === 'failed') continue;
        const { requirements, queue } = queueOf(v.ep, tags);
        const data: FleetFidelityJob = {
          ...jobOf(record, device, requirements),
          baselineVariantId: baseline.id,
          baselineKey: baseline.key,
          base: { model: modelRef(v.model, base), graphOptLevel: base.model.graphOptLevel },
          optimized: { model: modelRef(v.model, opt), graphOptLevel: opt.model.graphOptLevel },
          opsetUpgrade: spec.opsetUpgrade ?? true,
          batch: v.batch,
          ...(v.settings.shapes ? { shapes: v.settings.shapes } : {}),
          count: spec.fidelity.count,
          seed: spec.seed,
          ...workerLimits,
        };
        enqueue(queue, FLEET_FIDELITY_JOB_NAME, data, fleetFidelityJobId(study.id, record.id));
      }

    const connection = redisOptions(options.queueUrl);
    const onError = (error: Error) => options.onConnectionError?.(redactor.error(error));
    const registry = new FleetRegistry(connection, onError);
    const queues: Array<{ name: string; jobs: number }> = [];
    try {
      for (const [name, jobs] of perQueue) {
        const queue = new Queue(name, { connection });
        queue.on('error', onError);
        try {
          await registry.registerQueue({ name, ...requirementsOf.get(name)! });
          for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
        } catch (error) {
          throw queueError(options.queueUrl, error, redactor);
        } finally {
          await queue.close();
        }
        queues.push({ name, jobs: jobs.length });
        emit({ type: 'queued', queue: name, jobs: jobs.length });
      }
    } finally {
      await registry.close();
    }
    const total = queues.reduce((n, q) => n + q.jobs, 0);
    if (total === 0) await retry(() => store.finishIfComplete(study.id));
    return {
      studyId: study.id,
      devices: deviceNames,
      variants: records.length,
      failedVariants: records.filter((r) => r.status === 'failed').length,
      jobs: total,
      queues,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
