/**
 * The versioned result of one `run`: settings (requested and effective) + raw samples + summary + context.
 * docs/results.md documents every field; bump SCHEMA_VERSION on any incompatible change.
 */
import { z } from 'zod';
import { telemetrySummarySchema } from '../telemetry/schema.js';
import { runComputeSchema } from './compute-schema.js';
import { scenarioResultSchema } from './scenarios/schema.js';

export const SCHEMA_VERSION = 1;

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
    sha256: z.string(),
    sizeBytes: z.number(),
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
  }),
  coldStartMs: z.number(),
  firstInferenceMs: z.number(),
  warmup: z.object({ count: z.number(), timeMs: z.number() }),
  stopReason: z.enum(['min-reached', 'precision-reached', 'max-count', 'max-time']),
  stats: latencyStatsSchema,
  peakRssBytes: z.number(),
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
});

export type RunResult = z.infer<typeof runResultSchema>;
