import { describe, expect, it } from 'vitest';
import { timeLoop } from '../../src/measure/loop.js';
import { DEFAULT_STOP_RULES, type StopRules, validateStopRules } from '../../src/measure/settings.js';

const instant = async () => undefined;
const rules = (overrides: Partial<StopRules>): StopRules => ({
  ...DEFAULT_STOP_RULES,
  warmupTimeMs: 0,
  warmupCount: 0,
  ...overrides,
});

describe('stop rules', () => {
  it('warms up until both the count and the time are met', async () => {
    const raw = await timeLoop(
      instant,
      rules({ warmupCount: 7, warmupTimeMs: 0, minTimeMs: 0, minCount: 1, relCi: 0 }),
    );
    expect(raw.warmupCount).toBe(7);
    const timed = await timeLoop(
      instant,
      rules({ warmupCount: 1, warmupTimeMs: 20, minTimeMs: 0, minCount: 1, relCi: 0 }),
    );
    expect(timed.warmupTimeMs).toBeGreaterThanOrEqual(20);
    expect(timed.warmupCount).toBeGreaterThan(1);
  });

  it('needs both the minimum count and the minimum time', async () => {
    const byCount = await timeLoop(instant, rules({ minCount: 123, minTimeMs: 0, relCi: 0 }));
    expect(byCount.samplesMs.length).toBe(123);
    expect(byCount.stopReason).toBe('min-reached');
    const byTime = await timeLoop(instant, rules({ minCount: 1, minTimeMs: 30, relCi: 0 }));
    const total = byTime.endEpochMs - byTime.startEpochMs;
    expect(total).toBeGreaterThanOrEqual(30);
    expect(byTime.samplesMs.length).toBeGreaterThan(1);
  });

  it('stops at the maximum count before the minimums', async () => {
    const raw = await timeLoop(instant, rules({ minCount: 1000, minTimeMs: 0, maxCount: 50, relCi: 0 }));
    expect(raw.samplesMs.length).toBe(50);
    expect(raw.stopReason).toBe('max-count');
  });

  it('stops at the maximum time', async () => {
    const raw = await timeLoop(instant, rules({ minCount: 1e12, minTimeMs: 1e9, maxTimeMs: 25, relCi: 0 }));
    expect(raw.stopReason).toBe('max-time');
    expect(raw.endEpochMs - raw.startEpochMs).toBeGreaterThanOrEqual(25);
  });

  it('caps warm-up at the maximum time too (which is why `run` refuses --warmup-time above --max-time)', async () => {
    const raw = await timeLoop(
      instant,
      rules({ warmupTimeMs: 1e9, minCount: 1, minTimeMs: 0, maxTimeMs: 25, relCi: 0 }),
    );
    expect(raw.warmupTimeMs).toBeGreaterThanOrEqual(25);
    expect(raw.warmupTimeMs).toBeLessThan(1e9);
    expect(raw.samplesMs.length).toBeGreaterThan(0);
  });

  it('stops early once the median is precise enough', async () => {
    // A perfectly steady (sleep-free) function is precise long before 60 s.
    const steady = () => new Promise<void>((resolve) => setImmediate(resolve));
    const raw = await timeLoop(
      steady,
      rules({ minCount: 1, minTimeMs: 60_000, maxTimeMs: 120_000, relCi: 0.5 }),
    );
    expect(raw.stopReason).toBe('precision-reached');
    expect(raw.samplesMs.length).toBeGreaterThanOrEqual(100);
  });

  it('keeps every sample in order and reports the first run apart', async () => {
    let calls = 0;
    const raw = await timeLoop(
      async () => {
        calls++;
      },
      rules({ warmupCount: 3, minCount: 10, minTimeMs: 0, relCi: 0 }),
    );
    expect(calls).toBe(1 + 3 + 10);
    expect(raw.samplesMs.length).toBe(10);
    expect(raw.firstInferenceMs).toBeGreaterThanOrEqual(0);
  });

  it('refuses negative or nonsensical rules', () => {
    expect(() => validateStopRules(rules({ minCount: -1 }))).toThrow(/minCount/);
    expect(() => validateStopRules(rules({ relCi: 2 }))).toThrow(/relCi/);
  });
});
