/**
 * The versioned result of one measurement by any engine, in this process or out of it: settings
 * (requested and effective) + raw samples + summary + context. A figure an engine cannot report
 * is null and named in `notReported` (a PyTorch run of a zoo definition has no model file to hash;
 * trtexec reports no process RSS), never invented. docs/results.md documents every field; bump
 * SCHEMA_VERSION on any incompatible change (widening a field to nullable is not one: every older
 * result still reads).
 */
import { z } from 'zod';
import { telemetrySummarySchema } from '../telemetry/schema.js';
import { runComputeSchema } from './compute-schema.js';
import { scenarioResultSchema } from './scenarios/schema.js';

export const SCHEMA_VERSION = 1;

const nullableNumber = z.number().nullable();

const tensorInfo = z.object({
  name: z.string(),
  type: z.string(),
  shape: z.array(z.union([z.number(), z.string()])),
});

export const latencyStatsSchema = z.object({
  count: z.number().int(),
  minMs: z.number(),
  meanMs: z.number(),
  medianMs: z.number(),
  p90Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  p999Ms: z.number(),
  maxMs: z.number(),
  stdevMs: z.number(),
  cv: z.number(),
  medianCi95: z.tuple([z.number(), z.number()]),
  medianCiRelHalfWidth: z.number().nullable(),
  throughputPerSec: z.number(),
  samplesPerSec: z.number(),
});

export const stopRulesSchema = z.object({
  warmupTimeMs: z.number(),
  warmupCount: z.number(),
  minTimeMs: z.number(),
  minCount: z.number(),
  maxCount: z.number(),
  maxTimeMs: z.number(),
  relCi: z.number(),
});

export const opsetUpgradeSchema = z.object({
  domain: z.literal('ai.onnx'),
  from: z.number().int(),
  to: z.number().int(),
  reason: z.string(),
  rewritten: z.number().int(),
  durationMs: z.number(),
});

const profileEntry = z.object({
  name: z.string(),
  opType: z.string(),
  totalMs: z.number(),
  calls: z.number(),
  fraction: z.number(),
});

export const runResultSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('edgebench'), version: z.string() }),
  createdAt: z.string(),
  model: z.object({
    path: z.string(),
    name: z.string(),
    /** Null when what ran is not a file (a zoo definition run by PyTorch, the null engine). */
    sha256: z.string().nullable(),
    sizeBytes: z.number().nullable(),
    inputs: z.array(tensorInfo),
    outputs: z.array(tensorInfo),
    /**
     * Present when the model was upgraded in memory before onnxruntime loaded it: what ran is then
     * not byte-identical to the file (sha256 and sizeBytes are the file's).
     */
    opsetUpgrade: opsetUpgradeSchema.optional(),
  }),
  config: z.object({
    /** What the user asked for (flags as given, defaults not filled in). */
    requested: z.record(z.string(), z.unknown()),
    /** What actually ran, every default filled in. */
    effective: z.object({
      engine: z.string(),
      executionProvider: z.string(),
      intraOpThreads: z.number(),
      interOpThreads: z.number(),
      graphOptLevel: z.string(),
      executionMode: z.string(),
      providerOptions: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
      batch: z.number(),
      shapes: z.record(z.string(), z.array(z.number())),
      /** Where the inputs came from: all synthesized (from `seed`), all from files, or some of each. */
      inputSource: z.enum(['synthetic', 'files', 'mixed']),
      /** Values of the scalar inputs and of those given as values (`--input sr=16000`), as text. */
      inputValues: z.record(z.string(), z.string()).optional(),
      seed: z.number(),
      stopRules: stopRulesSchema,
      deadlineMs: z.number().nullable(),
      profile: z.boolean(),
      /** Whether an in-memory opset upgrade was allowed (absent in results written before it existed). */
      opsetUpgrade: z.boolean().optional(),
      /**
       * How each timed call reached the engine: `blocking` — onnxruntime's native session called
       * synchronously, nothing else between the clock reads; `async` — its public promise API (one
       * event-loop turn inside every sample). Absent in older results.
       */
      timedCall: z.enum(['blocking', 'async']).optional(),
    }),
  }),
  environment: z.object({
    host: z.record(z.string(), z.unknown()),
    onnxruntime: z.string(),
    edgebench: z.string(),
    /** The runtime that measured, when it is not onnxruntime in this process. */
    engine: z.object({ name: z.string(), version: z.string() }).optional(),
  }),
  /**
   * Where the measurement ran when not on this machine: the target as named (`nano`, `ssh://…`),
   * its address (`user@host:port`, never a secret) and the runner that measured there. Absent: here.
   */
  target: z
    .object({ name: z.string(), address: z.string(), runner: z.string(), level: z.string().nullable() })
    .optional(),
  /** Session creation (engine load or deserialization, not a one-time build). */
  coldStartMs: nullableNumber,
  firstInferenceMs: nullableNumber,
  warmup: z.object({ count: nullableNumber, timeMs: nullableNumber }),
  stopReason: z.enum(['min-reached', 'precision-reached', 'max-count', 'max-time']),
  stats: latencyStatsSchema,
  /** Of the measuring process. */
  peakRssBytes: nullableNumber,
  /**
   * Achieved compute rate: operations of one inference (counted for the graph and shapes that ran)
   * per median latency, and the fraction of the CPU's estimated peak. Absent where not counted.
   */
  compute: runComputeSchema.optional(),
  deadline: z.object({ deadlineMs: z.number(), misses: z.number(), missFraction: z.number() }).optional(),
  profile: z
    .object({
      traceFile: z.string(),
      steadyStateRuns: z.number(),
      topOps: z.array(profileEntry),
      topOpTypes: z.array(profileEntry),
    })
    .optional(),
  telemetry: telemetrySummarySchema.optional(),
  /** Present when a LoadGen scenario ran (`--scenario`): its metric, query latencies and validity. */
  scenario: scenarioResultSchema(latencyStatsSchema).optional(),
  /** Present with --export-outputs: where one inference's outputs on the measured inputs went. */
  outputsExported: z
    .object({ path: z.string(), format: z.enum(['npy', 'json']), files: z.record(z.string(), z.string()) })
    .optional(),
  window: z.object({ startEpochMs: z.number(), endEpochMs: z.number() }),
  warnings: z.array(z.string()),
  samplesMs: z.array(z.number()),
  /** The fields above that are null because the engine that measured cannot report them. */
  notReported: z.array(z.string()).optional(),
  /** What an out-of-process engine reported beyond its samples. */
  external: z
    .object({
      engine: z.string(),
      engineVersion: z.string(),
      sampleMetric: z.string(),
      device: z.string(),
      precision: z.string(),
      extras: z.record(z.string(), z.unknown()),
    })
    .optional(),
});

export type RunResult = z.infer<typeof runResultSchema>;

/** @deprecated Results of every engine share RunResult now. */
export const engineRunResultSchema = runResultSchema;
/** @deprecated Results of every engine share RunResult now. */
export type EngineRunResult = RunResult;
