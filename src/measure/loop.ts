/**
 * The timing loop: nothing but the call between two clock reads. No I/O, no allocation per run
 * beyond what the engine does; samples go into a preallocated Float64Array that doubles when full.
 */
import { performance } from 'node:perf_hooks';
import {
  MIN_SAMPLES_FOR_PRECISION,
  MIN_TIME_FOR_PRECISION_MS,
  PRECISION_CHECK_EVERY,
  type StopRules,
} from './settings.js';
import { relativeCiHalfWidth } from './stats.js';

export type StopReason = 'min-reached' | 'precision-reached' | 'max-count' | 'max-time';

export interface RawMeasurement {
  /** The first run after load, reported apart from everything else. */
  firstInferenceMs: number;
  warmupCount: number;
  warmupTimeMs: number;
  /** Every steady-state sample, in the order they were taken. */
  samplesMs: Float64Array;
  /** Epoch ms at which each steady-state sample started (for alignment with telemetry). */
  startEpochMs: number;
  endEpochMs: number;
  stopReason: StopReason;
}

export type LoopPhase = 'first' | 'warmup' | 'steady' | 'done';

export interface LoopHooks {
  /** Called between phases, outside any timed region. */
  onPhase?(phase: LoopPhase): void;
  /** Called every few runs with progress in steady state (outside the timed region). */
  onProgress?(count: number, elapsedMs: number): void;
}

export type Runner = () => Promise<unknown>;

const PROGRESS_EVERY = 32;

/** Aborting `signal` stops the loop after the run in hand: it rejects with the signal's reason. */
export async function timeLoop(
  run: Runner,
  rules: StopRules,
  hooks: LoopHooks = {},
  signal?: AbortSignal,
): Promise<RawMeasurement> {
  signal?.throwIfAborted();
  hooks.onPhase?.('first');
  const firstStart = performance.now();
  await run();
  const firstInferenceMs = performance.now() - firstStart;

  hooks.onPhase?.('warmup');
  const warmupStart = performance.now();
  let warmupCount = 0;
  let now = warmupStart;
  while (
    (now - warmupStart < rules.warmupTimeMs || warmupCount < rules.warmupCount) &&
    !(rules.maxTimeMs > 0 && now - warmupStart >= rules.maxTimeMs)
  ) {
    await run();
    warmupCount++;
    signal?.throwIfAborted();
    now = performance.now();
  }
  const warmupTimeMs = now - warmupStart;

  hooks.onPhase?.('steady');
  let samples = new Float64Array(rules.maxCount > 0 ? Math.min(rules.maxCount, 4096) : 4096);
  let count = 0;
  let stopReason: StopReason = 'min-reached';
  const startEpochMs = performance.timeOrigin + performance.now();
  const steadyStart = performance.now();
  for (;;) {
    const t0 = performance.now();
    await run();
    const t1 = performance.now();
    if (count === samples.length) {
      const grown = new Float64Array(samples.length * 2);
      grown.set(samples);
      samples = grown;
    }
    samples[count++] = t1 - t0;
    signal?.throwIfAborted();
    const elapsed = t1 - steadyStart;
    if (rules.maxCount > 0 && count >= rules.maxCount) {
      stopReason = 'max-count';
      break;
    }
    if (rules.maxTimeMs > 0 && elapsed >= rules.maxTimeMs) {
      stopReason = 'max-time';
      break;
    }
    if (elapsed >= rules.minTimeMs && count >= rules.minCount) {
      stopReason = 'min-reached';
      break;
    }
    if (
      rules.relCi > 0 &&
      count >= Math.max(MIN_SAMPLES_FOR_PRECISION, rules.minCount) &&
      elapsed >= Math.min(MIN_TIME_FOR_PRECISION_MS, rules.minTimeMs) &&
      count % PRECISION_CHECK_EVERY === 0 &&
      relativeCiHalfWidth(sortedPrefix(samples, count)) <= rules.relCi
    ) {
      stopReason = 'precision-reached';
      break;
    }
    if (hooks.onProgress && count % PROGRESS_EVERY === 0) hooks.onProgress(count, elapsed);
  }
  const endEpochMs = performance.timeOrigin + performance.now();
  hooks.onPhase?.('done');
  return {
    firstInferenceMs,
    warmupCount,
    warmupTimeMs,
    samplesMs: samples.slice(0, count),
    startEpochMs,
    endEpochMs,
    stopReason,
  };
}

function sortedPrefix(samples: Float64Array, count: number): Float64Array {
  const copy = samples.slice(0, count);
  copy.sort();
  return copy;
}
