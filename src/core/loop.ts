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

/**
 * One inference. A runner that blocks and returns a value (not a promise) is timed with nothing else
 * between the clock reads; the loop then gives the event loop a turn every YIELD_EVERY_MS, between
 * samples, so that signals, timers and I/O are still served.
 */
export type Runner = () => unknown;

const PROGRESS_EVERY = 32;
/** How long a blocking runner may hold the thread before the loop yields (outside any sample). */
export const YIELD_EVERY_MS = 50;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Gives the event loop a turn when YIELD_EVERY_MS have passed since the last one (at `now`). */
function eventLoopTurns(): (now: number) => Promise<void> {
  let lastYield = performance.now();
  return async (now) => {
    if (now - lastYield < YIELD_EVERY_MS) return;
    await yieldToEventLoop();
    lastYield = performance.now();
  };
}

/**
 * The first run after load (timed apart) and the warm-up runs the rules ask for, with their phases:
 * what comes before the steady state, for the plain loop and for LoadGen scenarios alike.
 */
export async function firstAndWarmup(
  run: Runner,
  rules: StopRules,
  hooks: LoopHooks = {},
  signal?: AbortSignal,
  yielder = eventLoopTurns(),
): Promise<Pick<RawMeasurement, 'firstInferenceMs' | 'warmupCount' | 'warmupTimeMs'>> {
  signal?.throwIfAborted();
  hooks.onPhase?.('first');
  const firstStart = performance.now();
  const first = run();
  if (isThenable(first)) await first;
  const firstInferenceMs = performance.now() - firstStart;

  hooks.onPhase?.('warmup');
  const warmupStart = performance.now();
  let warmupCount = 0;
  let now = warmupStart;
  while (
    (now - warmupStart < rules.warmupTimeMs || warmupCount < rules.warmupCount) &&
    !(rules.maxTimeMs > 0 && now - warmupStart >= rules.maxTimeMs)
  ) {
    const r = run();
    if (isThenable(r)) await r;
    warmupCount++;
    now = performance.now();
    await yielder(now);
    signal?.throwIfAborted();
  }
  return { firstInferenceMs, warmupCount, warmupTimeMs: now - warmupStart };
}

/** Aborting `signal` stops the loop after the run in hand: it rejects with the signal's reason. */
export async function timeLoop(
  run: Runner,
  rules: StopRules,
  hooks: LoopHooks = {},
  signal?: AbortSignal,
): Promise<RawMeasurement> {
  const yielder = eventLoopTurns();
  const { firstInferenceMs, warmupCount, warmupTimeMs } = await firstAndWarmup(
    run,
    rules,
    hooks,
    signal,
    yielder,
  );

  hooks.onPhase?.('steady');
  let samples = new Float64Array(rules.maxCount > 0 ? Math.min(rules.maxCount, 4096) : 4096);
  let count = 0;
  let stopReason: StopReason = 'min-reached';
  const startEpochMs = performance.timeOrigin + performance.now();
  const steadyStart = performance.now();
  for (;;) {
    const t0 = performance.now();
    const r = run();
    if (isThenable(r)) await r;
    const t1 = performance.now();
    if (count === samples.length) {
      const grown = new Float64Array(samples.length * 2);
      grown.set(samples);
      samples = grown;
    }
    samples[count++] = t1 - t0;
    await yielder(t1);
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
