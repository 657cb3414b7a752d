import { describe, expect, it } from 'vitest';
import { DEFAULT_STOP_RULES, defaultStopRules, validateStopRules } from '../../src/core/settings.js';

describe('default stop rules', () => {
  it("are run's documented defaults for a run", () => {
    expect(DEFAULT_STOP_RULES).toEqual({
      warmupTimeMs: 500,
      warmupCount: 5,
      minTimeMs: 3000,
      minCount: 10,
      maxCount: 0,
      maxTimeMs: 60_000,
      relCi: 0.01,
    });
    expect(Object.isFrozen(DEFAULT_STOP_RULES)).toBe(true);
  });

  it('are shorter for a study round and a tune measurement, with no precision rule', () => {
    for (const purpose of ['study', 'tune'] as const) {
      const rules = defaultStopRules(purpose);
      expect(validateStopRules({ ...rules })).toEqual(rules);
      expect(rules.minTimeMs).toBeLessThan(DEFAULT_STOP_RULES.minTimeMs);
      expect(rules.maxTimeMs).toBeLessThan(DEFAULT_STOP_RULES.maxTimeMs);
      expect(rules.relCi).toBe(0);
      expect(Object.keys(rules)).toEqual(Object.keys(DEFAULT_STOP_RULES));
    }
    expect(defaultStopRules('study')).toMatchObject({ minTimeMs: 1000, minCount: 20, maxTimeMs: 10_000 });
    expect(defaultStopRules('tune')).toMatchObject({ warmupCount: 3, minTimeMs: 500, maxTimeMs: 5000 });
  });
});
