/**
 * A stored study built in memory for report tests: seeded synthetic latencies (fixture data, not
 * measurements), the shapes the store returns, a failed variant and fidelity records.
 */

import { summarize } from '../../src/core/stats.js';
import type { RunResult } from '../../src/measure/result.js';
import type { MeasurementRecord, StoredStudy, VariantRecord } from '../../src/store/types.js';
import type { TelemetrySummary, TelemetryWarning } from '../../src/telemetry/schema.js';
import { mulberry32 } from '../../src/util/prng.js';

/** A round's telemetry summary (fixture data): no energy, no series, the given warnings. */
export function fakeTelemetry(
  window: { startEpochMs: number; endEpochMs: number },
  warnings: TelemetryWarning[],
): TelemetrySummary {
  return {
    schemaVersion: 1,
    window: {
      startMs: window.startEpochMs,
      endMs: window.endEpochMs,
      durationMs: window.endEpochMs - window.startEpochMs,
    },
    sourcesUsed: ['proc'],
    sourcesUnavailable: [],
    sources: {},
    energy: null,
    energyAbsentReason: 'no energy sensor (RAPL not readable)',
    warnings,
    sampler: { intervalMs: 100, samples: 3, pctOfCore: 0.1, childCpuMs: 0, lateTicks: 0 },
    series: [],
  };
}

export function fakeResult(samples: number[], window = { startEpochMs: 1000, endEpochMs: 2000 }): RunResult {
  return {
    schemaVersion: 1,
    tool: { name: 'edgebench', version: '0.0.0' },
    createdAt: new Date(window.startEpochMs).toISOString(),
    model: { path: '/m.onnx', name: 'm', sha256: 'x', sizeBytes: 1, inputs: [], outputs: [] },
    config: {
      requested: {},
      effective: {
        engine: 'ort',
        executionProvider: 'cpu',
        intraOpThreads: 0,
        interOpThreads: 0,
        graphOptLevel: 'all',
        executionMode: 'sequential',
        providerOptions: {},
        batch: 1,
        shapes: {},
        inputSource: 'synthetic',
        seed: 42,
        stopRules: {
          warmupTimeMs: 0,
          warmupCount: 0,
          minTimeMs: 0,
          minCount: 0,
          maxCount: 0,
          maxTimeMs: 0,
          relCi: 0,
        },
        deadlineMs: null,
        profile: false,
      },
    },
    environment: { host: {}, onnxruntime: 'x', edgebench: 'x' },
    coldStartMs: 12,
    firstInferenceMs: 3,
    warmup: { count: 1, timeMs: 1 },
    stopReason: 'min-reached',
    stats: summarize(samples),
    peakRssBytes: 1000,
    window,
    warnings: [],
    samplesMs: samples,
  } as RunResult;
}

function samples(center: number, n: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from(
    { length: n },
    () => center * (1 + 0.04 * (random() - 0.5)) + (random() < 0.02 ? center : 0),
  );
}

/** Models with baseline medians; `fused` is ~1.6× faster, `int8` ~2.5× (except where it fails). */
export function fakeStudy(options: { samplesPerRound?: number } = {}): StoredStudy {
  const n = options.samplesPerRound ?? 200;
  const models = [
    { name: 'resnet18', base: 20 },
    { name: 'mobilenet_v2', base: 8 },
    { name: 'squeezenet1_1', base: 5 },
  ];
  const labels = [
    { label: 'fp32', role: 'baseline' as const, factor: 1, recipes: [] as string[] },
    { label: 'fused', role: 'optimized' as const, factor: 1 / 1.6, recipes: ['fuse', 'ort-all'] },
    { label: 'int8', role: 'optimized' as const, factor: 1 / 2.5, recipes: ['int8-static'] },
  ];
  const variants: VariantRecord[] = [];
  const measurements: MeasurementRecord[] = [];
  let clock = 1_700_000_000_000;
  let id = 0;
  for (const model of models) {
    for (const l of labels) {
      const key = `${model.name}|${l.label}|cpu|t0|b1|single-stream`;
      const failed = model.name === 'squeezenet1_1' && l.label === 'int8';
      variants.push({
        id: ++id,
        studyId: 'fake',
        key,
        groupKey: `${model.name}|cpu|t0|b1|single-stream`,
        position: id,
        model: model.name,
        modelRef: `zoo:${model.name}?classes=2`,
        label: l.label,
        role: l.role,
        baselineKey: l.role === 'baseline' ? null : `${model.name}|fp32|cpu|t0|b1|single-stream`,
        recipes: l.recipes,
        graphOptLevel: l.role === 'baseline' ? 'disabled' : 'all',
        ep: 'cpu',
        threads: 0,
        batch: 1,
        scenario: 'single-stream',
        settings: {},
        modelPath: `/work/${model.name}.onnx`,
        modelSha256: 'ab'.repeat(32),
        status: failed ? 'failed' : 'ok',
        failure: failed ? { kind: 'oom', reason: 'round 1: ran out of JavaScript heap' } : null,
      });
    }
    for (let round = 1; round <= 2; round++) {
      for (const v of variants.filter((x) => x.model === model.name)) {
        const factor = labels.find((l) => l.label === v.label)!.factor;
        if (v.status === 'failed') {
          if (round === 1)
            measurements.push({
              id: measurements.length + 1,
              variantId: v.id,
              round,
              status: 'failed',
              failure: v.failure,
              startedAt: new Date(clock).toISOString(),
              endedAt: new Date(clock + 100).toISOString(),
              result: null,
              telemetry: null,
              samplesMs: new Float64Array(0),
            });
          continue;
        }
        const s = samples(model.base * factor, n, v.id * 10 + round);
        const total = s.reduce((a, b) => a + b, 0);
        const window = { startEpochMs: clock, endEpochMs: clock + total };
        const { samplesMs: _s, ...result } = fakeResult(s, window);
        measurements.push({
          id: measurements.length + 1,
          variantId: v.id,
          round,
          status: 'ok',
          failure: null,
          startedAt: new Date(clock).toISOString(),
          endedAt: new Date(clock + total).toISOString(),
          result,
          telemetry: null,
          samplesMs: Float64Array.from(s),
        });
        clock += total + 500;
      }
    }
  }
  const fidelity = variants
    .filter((v) => v.role === 'optimized' && v.status === 'ok')
    .map((v) => ({
      variantId: v.id,
      baselineVariantId: variants.find((b) => b.key === v.baselineKey)!.id,
      source: 'optimize.compareOutputs',
      metrics:
        v.label === 'int8'
          ? {
              count: 8,
              maxAbsErr: 0.02,
              meanAbsErr: 0.004,
              cosine: 0.9991,
              snrDb: 27.5,
              top1Agreement: 1,
              top5Agreement: null,
            }
          : {
              count: 8,
              maxAbsErr: 0,
              meanAbsErr: 0,
              cosine: 1,
              snrDb: null,
              top1Agreement: 1,
              top5Agreement: null,
            },
      error: null,
    }));
  return {
    study: {
      id: '20250101-000000-fake',
      name: 'fixture',
      source: 'preset:paper',
      createdAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:10:00.000Z',
      status: 'finished',
      spec: { rounds: 2, bootstrap: { resamples: 500, seed: 3, confidence: 0.95 } },
      edgebenchVersion: '0.1.0',
    },
    variants,
    measurements,
    fidelity,
    environment: {
      studyId: '20250101-000000-fake',
      capturedAt: '2025-01-01T00:00:00.000Z',
      host: {
        os: { platform: 'linux', release: '6.1', distro: 'Debian 12' },
        cpu: { model: 'Test CPU <x86>', logicalCores: 2, physicalCores: 1, features: ['avx2'] },
        memoryBytes: 8 * 2 ** 30,
        gpus: [],
        node: 'v20.0.0',
      },
      onnxruntime: '1.30.0',
      edgebench: '0.1.0',
      extra: {},
    },
  };
}
