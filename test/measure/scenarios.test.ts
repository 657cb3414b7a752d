import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { benchmark } from '../../src/measure/benchmark.js';
import type { Clock } from '../../src/measure/paced.js';
import { runResultSchema } from '../../src/measure/result.js';
import {
  binomialCdf,
  minQueriesToPass,
  percentileEstimate,
  poissonSchedule,
  runScenarioLoad,
  type ScenarioRequest,
  type SystemUnderTest,
  scenarioSettings,
  serverEarlyStopping,
  summarizeScenario,
} from '../../src/measure/scenarios/index.js';
import { tempDir, writeColourImageModel } from '../pipelines/media-fixtures.js';

function virtual(): { clock: Clock; advance(ms: number): void } {
  let t = 0;
  return {
    clock: {
      now: () => t,
      sleepUntil: async (ms) => {
        t = Math.max(t, ms);
      },
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A SUT that takes `serviceMs(i)` of virtual time for query i. */
function fakeSut(
  v: ReturnType<typeof virtual>,
  serviceMs: (i: number) => number,
  samplesPerQuery = 1,
): SystemUnderTest {
  let i = 0;
  return {
    samplesPerQuery,
    issueQuery: async () => v.advance(serviceMs(i++)),
  };
}

async function simulate(request: ScenarioRequest, serviceMs: (i: number) => number, samplesPerQuery = 1) {
  const v = virtual();
  const s = scenarioSettings(request);
  const raw = await runScenarioLoad(fakeSut(v, serviceMs, samplesPerQuery), s, v.clock);
  return summarizeScenario(raw, s, { samplesPerQuery, runsPerQuery: 1 });
}

describe('early stopping (LoadGen)', () => {
  it('needs 64 queries for a p90 estimate and 662 for p99 at 99% confidence', () => {
    expect(minQueriesToPass(1, 90, 0.99)).toBe(64);
    expect(minQueriesToPass(1, 99, 0.99)).toBe(662);
    expect(binomialCdf(10, 0.5, 10)).toBe(1);
    expect(binomialCdf(2, 0.5, 0)).toBeCloseTo(0.25);
  });
  it('estimates the percentile conservatively from the top of the samples', () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    const e = percentileEstimate(sorted, 90, 0.99);
    // The true p90 of 1..1000 is 900; the 99%-confidence bound sits a little above it.
    expect(e.estimateMs).toBeGreaterThan(900);
    expect(e.estimateMs).toBeLessThan(950);
    expect(percentileEstimate(sorted.subarray(0, 63), 90, 0.99).estimateMs).toBeNull();
  });
  it('server: passes with few overlatency queries, fails with many', () => {
    const fine = Array.from({ length: 1000 }, (_, i) => (i < 2 ? 50 : 5));
    expect(serverEarlyStopping(fine, 10, 99, 0.99).passed).toBe(true);
    const bad = Array.from({ length: 1000 }, (_, i) => (i < 20 ? 50 : 5));
    const r = serverEarlyStopping(bad, 10, 99, 0.99);
    expect(r.passed).toBe(false);
    expect(r.queriesNeeded).toBeGreaterThan(1000);
  });
});

describe('scenario settings', () => {
  it('fills per-scenario defaults and names the missing flag', () => {
    expect(scenarioSettings({ scenario: 'single-stream' })).toMatchObject({
      latencyPercentile: 90,
      minQueryCount: 100,
    });
    expect(scenarioSettings({ scenario: 'multi-stream' })).toMatchObject({
      latencyPercentile: 99,
      samplesPerQuery: 8,
    });
    expect(() => scenarioSettings({ scenario: 'server', latencyBoundMs: 10 })).toThrow(/--qps/);
    expect(() => scenarioSettings({ scenario: 'server', targetQps: 10 })).toThrow(/--latency-bound-ms/);
    expect(() => scenarioSettings({ scenario: 'offline', targetQps: 10 })).toThrow(/server only/);
    expect(() => scenarioSettings({ scenario: 'single-stream', latencyPercentile: 100 })).toThrow(UserError);
    expect(() => scenarioSettings({ scenario: 'bogus' as 'server' })).toThrow(/--scenario must be one of/);
  });
  it('defaults to enough queries for early stopping to pass, so a default run can be VALID', () => {
    // Server at p99: 459 queries with none over the bound are the fewest that pass at 99% confidence.
    expect(scenarioSettings({ scenario: 'server', targetQps: 20, latencyBoundMs: 100 }).minQueryCount).toBe(
      459,
    );
    expect(minQueriesToPass(0, 99, 0.99)).toBe(459);
    expect(scenarioSettings({ scenario: 'single-stream', latencyPercentile: 99 }).minQueryCount).toBe(662);
    expect(scenarioSettings({ scenario: 'single-stream' }).minQueryCount).toBe(100);
    expect(
      scenarioSettings({ scenario: 'server', targetQps: 5, latencyBoundMs: 9, minQueryCount: 10 })
        .minQueryCount,
    ).toBe(10);
  });

  it('server with default counts and a system far under the bound is VALID', async () => {
    const r = await simulate(
      { scenario: 'server', targetQps: 20, latencyBoundMs: 100, minDurationMs: 1000 },
      () => 2,
    );
    expect(r.queries).toBeGreaterThanOrEqual(459);
    expect(r.checks.find((c) => c.name === 'early-stopping')?.passed).toBe(true);
    expect(r.result).toBe('VALID');
  });

  it('schedules Poisson arrivals reproducibly, covering duration and count', () => {
    const a = poissonSchedule(100, 2000, 50, 7);
    expect(a).toEqual(poissonSchedule(100, 2000, 50, 7));
    expect(a[a.length - 1]).toBeGreaterThanOrEqual(2000);
    expect(a.length).toBeGreaterThan(150);
    expect(a.length).toBeLessThan(260);
    expect(poissonSchedule(1, 0, 30, 1)).toHaveLength(30);
  });
});

describe('scenario runs (virtual clock)', () => {
  it('single-stream: VALID once duration, count and early stopping are met', async () => {
    const r = await simulate({ scenario: 'single-stream', minDurationMs: 500, minQueryCount: 80 }, () => 5);
    expect(r.result).toBe('VALID');
    expect(r.queries).toBe(101);
    expect(r.metric).toEqual({ name: 'p90 latency', value: 5, unit: 'ms' });
    expect(r.earlyStopping?.estimateMs).toBe(5);
  });

  it('single-stream: INVALID with too few queries for early stopping, and says so', async () => {
    const r = await simulate({ scenario: 'single-stream', minDurationMs: 100, minQueryCount: 10 }, () => 5);
    expect(r.queries).toBe(21);
    expect(r.result).toBe('INVALID');
    expect(r.checks.find((c) => c.name === 'early-stopping')?.detail).toMatch(/at least 64/);
  });

  it('multi-stream: judged by p99 of query latency, stops at the time cap', async () => {
    const r = await simulate(
      { scenario: 'multi-stream', minDurationMs: 100, minQueryCount: 10_000, maxDurationMs: 2000 },
      (i) => (i % 100 === 99 ? 50 : 10),
      8,
    );
    expect(r.samples).toBe(r.queries * 8);
    expect(r.metric.name).toBe('p99 latency');
    expect(r.result).toBe('INVALID');
    expect(r.checks.find((c) => c.name === 'min-queries')?.passed).toBe(false);
  });

  it('server: VALID when the system keeps up, INVALID when it cannot sustain the rate', async () => {
    const ok = await simulate(
      { scenario: 'server', targetQps: 50, latencyBoundMs: 20, minDurationMs: 20_000, minQueryCount: 100 },
      () => 2,
    );
    expect(ok.result).toBe('VALID');
    expect(ok.scheduledQps).toBeGreaterThan(40);
    expect(ok.scheduledQps).toBeLessThan(60);
    expect(ok.percentileLatencyMs).toBeLessThanOrEqual(20);
    // The metric's name and unit are printed together: 'scheduled rate 49.8 queries/s'.
    expect(ok.metric).toMatchObject({ name: 'scheduled rate', unit: 'queries/s', value: ok.scheduledQps });
    const slow = await simulate(
      { scenario: 'server', targetQps: 50, latencyBoundMs: 20, minDurationMs: 5000, minQueryCount: 100 },
      () => 60,
    );
    expect(slow.result).toBe('INVALID');
    expect(slow.checks.find((c) => c.name === 'latency-bound')?.passed).toBe(false);
    expect(slow.checks.find((c) => c.name === 'all-completed')?.passed).toBe(false);
    expect(slow.unserved).toBeGreaterThan(0);
  });

  it('offline: batches back to back, judged by samples per second', async () => {
    const r = await simulate({ scenario: 'offline', minDurationMs: 1000, minSampleCount: 64 }, () => 40, 8);
    expect(r.result).toBe('VALID');
    expect(r.queries).toBe(1);
    expect(r.samples).toBe(200);
    expect(r.metric).toEqual({ name: 'throughput', value: 200, unit: 'samples/s' });
  });
});

describe('benchmark() with a scenario', () => {
  const fastRules = { warmupTimeMs: 0, warmupCount: 1, maxTimeMs: 5000 };

  it('leaves single-stream default runs unchanged (no scenario section)', async () => {
    const model = await writeColourImageModel(path.join(await tempDir('scenario'), 'm.onnx'), {
      batch: 1,
      height: 8,
      width: 8,
    });
    const r = await benchmark({
      modelPath: model,
      stopRules: { ...fastRules, minTimeMs: 0, minCount: 5, relCi: 0 },
    });
    expect(r.scenario).toBeUndefined();
    expect(r.stats.count).toBe(5);
  });

  it('runs multi-stream with a batch of samples-per-query and validates against the schema', async () => {
    const model = await writeColourImageModel(path.join(await tempDir('scenario'), 'm.onnx'), {
      height: 8,
      width: 8,
    });
    const r = await benchmark({
      modelPath: model,
      batch: 1,
      engine: { intraOpThreads: 1 },
      stopRules: fastRules,
      scenario: { scenario: 'multi-stream', samplesPerQuery: 4, minDurationMs: 50, minQueryCount: 700 },
    });
    expect(r.scenario?.scenario).toBe('multi-stream');
    expect(r.scenario?.samplesPerQuery).toBe(4);
    expect(r.scenario?.runsPerQuery).toBe(1);
    expect(r.scenario?.queries).toBeGreaterThanOrEqual(700);
    expect(r.scenario?.result).toBe('VALID');
    expect(r.stats.samplesPerSec).toBeCloseTo(r.stats.throughputPerSec * 4);
    expect(runResultSchema.safeParse(JSON.parse(JSON.stringify(r))).success).toBe(true);
  });

  it('runs a short server scenario over a real model', async () => {
    const model = await writeColourImageModel(path.join(await tempDir('scenario'), 'm.onnx'), {
      batch: 1,
      height: 8,
      width: 8,
    });
    const r = await benchmark({
      modelPath: model,
      engine: { intraOpThreads: 1 },
      stopRules: fastRules,
      scenario: {
        scenario: 'server',
        targetQps: 200,
        latencyBoundMs: 1000,
        minDurationMs: 300,
        minQueryCount: 50,
      },
    });
    const s = r.scenario!;
    expect(s.queries).toBe(s.queryLatenciesMs.length);
    expect(s.checks.map((c) => c.name)).toEqual([
      'min-duration',
      'min-queries',
      'latency-bound',
      'early-stopping',
      'all-completed',
    ]);
    expect(r.samplesMs.length).toBe(s.queries);
  });
});
