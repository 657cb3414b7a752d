/**
 * A fleet job: one round of one variant on one device class, as it travels through the queue; or a
 * fidelity check of an optimized variant against its baseline on its device class (`fidelity` jobs:
 * the agent compares both models' outputs with its own engines, as they were measured there).
 * Validated with zod by the agent before anything else (a job that does not match is failed for
 * good, never retried). Nothing in a job is ever run: the model is named by its sha256 only (the agent
 * fetches the bytes from the store and checks them; the file lives in the agent's own cache under that
 * hash), and every other field is a number, an enumerated name or a label that `benchmark()` reads as
 * a setting.
 */
import { z } from 'zod';
import { stopRuleFields } from '../core/settings-schema.js';
import { GRAPH_OPT_LEVELS, ORT_EXECUTION_PROVIDERS } from '../engines/ort-options.js';
import { scenarioSettingFields } from '../measure/scenarios/request-schema.js';
import { SCENARIOS } from '../measure/scenarios/settings.js';
import { TAG_PATTERN } from './devices.js';

export const FLEET_JOB_VERSION = 1;
/** The BullMQ job name of every measurement job. */
export const FLEET_JOB_NAME = 'measure';

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
const STUDY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const LABEL_PATTERN = /^[A-Za-z0-9][\w.+-]{0,127}$/;

const nonNegative = z.number().nonnegative().max(1e9);
const positiveInt = z.number().int().positive();

const scenarioRequestSchema = z.strictObject({
  scenario: z.enum(SCENARIOS),
  ...scenarioSettingFields(1e9),
});

const modelRefSchema = z.strictObject({
  sha256: z.string().regex(SHA256_PATTERN, 'a model is named by its lower-case hex sha256'),
  name: z.string().regex(LABEL_PATTERN),
  sizeBytes: positiveInt,
});

/** The limits of a job's worker process: its timeout (ms) and heap size (MiB). */
const workerLimits = {
  timeoutMs: z
    .number()
    .positive()
    .max(24 * 3600 * 1000),
  maxOldSpaceMb: z
    .number()
    .int()
    .min(16)
    .max(1 << 20)
    .optional(),
};

export const fleetJobSchema = z
  .strictObject({
    version: z.literal(FLEET_JOB_VERSION),
    studyId: z.string().regex(STUDY_ID_PATTERN),
    variantId: positiveInt,
    /** The variant's key in the store (checked against the store before measuring). */
    variantKey: z.string().min(1).max(512),
    /** The device class's name (`any`, `nano`, `orin+cuda`). */
    device: z.string().min(1).max(300),
    round: positiveInt.max(1000),
    requirements: z.strictObject({
      ep: z.enum(ORT_EXECUTION_PROVIDERS),
      tags: z.array(z.string().regex(TAG_PATTERN)).max(16),
    }),
    model: modelRefSchema,
    engine: z.strictObject({
      executionProvider: z.enum(ORT_EXECUTION_PROVIDERS),
      intraOpThreads: z.number().int().min(0).max(1024),
      graphOptLevel: z.enum(GRAPH_OPT_LEVELS),
      /** false: an old model fails with onnxruntime's reason instead of being upgraded in memory. */
      opsetUpgrade: z.boolean().optional(),
    }),
    batch: positiveInt.max(65_536),
    shapes: z.record(z.string().min(1).max(256), z.array(positiveInt.max(1 << 24)).max(16)).optional(),
    seed: z.number().int(),
    // Jobs arrive from Redis: every rule present, and bounded.
    stopRules: z.strictObject(stopRuleFields(1e9)),
    scenario: scenarioRequestSchema.optional(),
    telemetry: z.union([
      z.literal(false),
      z.strictObject({
        intervalMs: z.number().positive().max(60_000).optional(),
        gridIntensityGPerKWh: nonNegative.optional(),
        estimateEnergy: z.boolean().optional(),
        tdpWatts: z.number().positive().max(100_000).optional(),
        preRunChecks: z.boolean().optional(),
      }),
    ]),
    /** What the variant is, for the result's `requested` settings. */
    recipes: z.array(z.string().regex(LABEL_PATTERN)).max(32),
    scenarioName: z.enum(SCENARIOS),
    /** Per worker process (the measurement), ms. */
    ...workerLimits,
  })
  .refine((job) => job.engine.executionProvider === job.requirements.ep, {
    message: 'engine.executionProvider must be the required ep',
  });

export type FleetJob = z.output<typeof fleetJobSchema>;

/** The BullMQ job name of a fidelity check. */
export const FLEET_FIDELITY_JOB_NAME = 'fidelity';

export const fleetFidelityJobSchema = z.strictObject({
  version: z.literal(FLEET_JOB_VERSION),
  studyId: z.string().regex(STUDY_ID_PATTERN),
  /** The optimized variant and its baseline, by id and key (checked against the store). */
  variantId: positiveInt,
  variantKey: z.string().min(1).max(512),
  baselineVariantId: positiveInt,
  baselineKey: z.string().min(1).max(512),
  device: z.string().min(1).max(300),
  requirements: z.strictObject({
    ep: z.enum(ORT_EXECUTION_PROVIDERS),
    tags: z.array(z.string().regex(TAG_PATTERN)).max(16),
  }),
  /** Each side: its model and the graph level it was measured with, on the required EP. */
  base: z.strictObject({ model: modelRefSchema, graphOptLevel: z.enum(GRAPH_OPT_LEVELS) }),
  optimized: z.strictObject({ model: modelRefSchema, graphOptLevel: z.enum(GRAPH_OPT_LEVELS) }),
  opsetUpgrade: z.boolean(),
  batch: positiveInt.max(65_536),
  shapes: z.record(z.string().min(1).max(256), z.array(positiveInt.max(1 << 24)).max(16)).optional(),
  /** Inputs compared, and the seed of the first. */
  count: positiveInt.max(10_000),
  seed: z.number().int(),
  ...workerLimits,
});

export type FleetFidelityJob = z.output<typeof fleetFidelityJobSchema>;

type Parsed<T> = { ok: true; job: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, data: unknown): Parsed<T> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, job: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 4)
    .map((i) => `${i.path.map(String).join('.') || '(job)'}: ${i.message}`);
  return { ok: false, error: issues.join('; ') };
}

/** Validates a job's data; the error names the first fields that are wrong. */
export function parseFleetJob(data: unknown): Parsed<FleetJob> {
  return parseWith(fleetJobSchema, data);
}

/** Validates a fidelity job's data, as parseFleetJob does a measurement's. */
export function parseFleetFidelityJob(data: unknown): Parsed<FleetFidelityJob> {
  return parseWith(fleetFidelityJobSchema, data);
}

/** A fidelity check's job id: one per optimized variant (a variant is of one device class). */
export function fleetFidelityJobId(studyId: string, variantId: number): string {
  return `${studyId}.v${variantId}.fidelity`;
}

/** The job's id: one per (study, variant, round), so submitting it again adds nothing (BullMQ dedupes by id). */
export function fleetJobId(studyId: string, variantId: number, round: number): string {
  return `${studyId}.v${variantId}.r${round}`;
}
