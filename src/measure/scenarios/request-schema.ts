/** A scenario request's settings as zod fields: the study spec and the fleet's job payload build on these. */
import { z } from 'zod';
import type { ScenarioSettings } from './settings.js';

export function scenarioSettingFields(maximum = Number.MAX_SAFE_INTEGER) {
  const nonNegative = z.number().nonnegative().max(maximum);
  const fields = {
    samplesPerQuery: z.number().int().positive().max(maximum).optional(),
    targetQps: nonNegative.optional(),
    latencyBoundMs: nonNegative.optional(),
    latencyPercentile: z.number().gt(0).lt(100).optional(),
    minDurationMs: nonNegative.optional(),
    minQueryCount: z.number().int().nonnegative().max(maximum).optional(),
    minSampleCount: z.number().int().nonnegative().max(maximum).optional(),
    maxDurationMs: nonNegative.optional(),
    earlyStoppingConfidence: z.number().gt(0).lt(1).optional(),
    seed: z.number().int().optional(),
  } satisfies Record<keyof Omit<ScenarioSettings, 'scenario'>, z.ZodType>;
  return fields;
}
