import { describe, expect, it } from 'vitest';
import { timeLoop } from '../../src/core/loop.js';
import { DEFAULT_STOP_RULES, type StopRules, validateStopRules } from '../../src/core/settings.js';

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

describe('a blocking runner', () => {
  /** Holds the thread for `ms`, as onnxruntime's synchronous native run does. */
  const blockFor = (ms: number) => () => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // busy: nothing else can run on this thread meanwhile
    }
    return 1;
  };

  it('is timed without a promise, and the loop still yields so that timers and aborts are served', async () => {
    let fired = 0;
    const timer = setInterval(() => fired++, 5);
    const raw = await timeLoop(blockFor(2), rules({ minCount: 1, minTimeMs: 400, maxTimeMs: 0, relCi: 0 }));
    clearInterval(timer);
    expect(raw.samplesMs.length).toBeGreaterThan(20);
    // Between samples, at least every YIELD_EVERY_MS (50 ms): several turns over 400 ms.
    expect(fired).toBeGreaterThanOrEqual(4);

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 100);
    const started = performance.now();
    await expect(
      timeLoop(
        blockFor(2),
        rules({ minCount: 1, minTimeMs: 60_000, maxTimeMs: 0, relCi: 0 }),
        {},
        controller.signal,
      ),
    ).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});
