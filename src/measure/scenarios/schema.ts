/** The zod schema of a scenario result: the optional `scenario` section of a run result. */
import { z } from 'zod';
import { SCENARIOS } from './settings.js';

export const scenarioSettingsSchema = z.object({
  scenario: z.enum(SCENARIOS),
  samplesPerQuery: z.number(),
  targetQps: z.number(),
  latencyBoundMs: z.number(),
  latencyPercentile: z.number(),
  minDurationMs: z.number(),
  minQueryCount: z.number(),
  minSampleCount: z.number(),
  maxDurationMs: z.number(),
  earlyStoppingConfidence: z.number(),
  seed: z.number(),
});

/** Built around the run result's latency-stats schema (passed in, so the two modules do not import each other). */
export function scenarioResultSchema<L extends z.ZodTypeAny>(latencyStats: L) {
  return z.object({
    scenario: z.enum(SCENARIOS),
    settings: scenarioSettingsSchema,
    result: z.enum(['VALID', 'INVALID']),
    checks: z.array(
      z.object({
        name: z.enum([
          'min-duration',
          'min-queries',
          'min-samples',
          'latency-bound',
          'early-stopping',
          'all-completed',
        ]),
        passed: z.boolean(),
        detail: z.string(),
      }),
    ),
    metric: z.object({
      name: z.string(),
      value: z.number().nullable(),
      unit: z.enum(['ms', 'samples/s', 'queries/s']),
    }),
    queries: z.number(),
    samples: z.number(),
    samplesPerQuery: z.number(),
    runsPerQuery: z.number(),
    durationMs: z.number(),
    percentileLatencyMs: z.number().nullable(),
    queryLatency: latencyStats,
    earlyStopping: z
      .object({
        confidence: z.number(),
        percentile: z.number(),
        estimateMs: z.number().nullable(),
        overlatencyQueries: z.number().nullable(),
        queriesNeeded: z.number().nullable(),
        passed: z.boolean(),
      })
      .nullable(),
    samplesPerSec: z.number(),
    scheduledQps: z.number().nullable(),
    completedQps: z.number().nullable(),
    unserved: z.number(),
    queryLatenciesMs: z.array(z.number()),
  });
}
