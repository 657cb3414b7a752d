/** Stop rules as zod schemas, apart from settings.ts so that reading flags does not load zod. */
import { z } from 'zod';

/** What a rule may be, field by field (zod): the study spec and the fleet's job payload build on these. */
export function stopRuleFields(maximum = Number.MAX_SAFE_INTEGER) {
  const time = z.number().nonnegative().max(maximum);
  const count = z.number().int().nonnegative().max(maximum);
  return {
    warmupTimeMs: time,
    warmupCount: count,
    minTimeMs: time,
    minCount: count,
    maxCount: count,
    maxTimeMs: time,
    relCi: z.number().nonnegative().lt(1, 'relCi is a fraction below 1, e.g. 0.01'),
  };
}
