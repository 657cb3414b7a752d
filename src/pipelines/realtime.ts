/**
 * Real-time pacing (camera emulation): frames arrive at the source rate into a bounded queue with a
 * drop policy, one consumer processes them, and the summary says whether the pipeline keeps up.
 *
 * Definitions (docs/pipelines.md):
 * - latency: from a frame's scheduled arrival (t0 + i × period) to the output it completes (an image's
 *   top-k, a clip's scores), as MLPerf LoadGen counts from a query's scheduled issue;
 * - sustained FPS: the completion rate, (processed frames − 1) / (last completion − first completion);
 * - deadline miss: an output later than `deadlineMs` after its frame arrived;
 * - jitter: the standard deviation of latency; output-interval jitter: that of the gaps between outputs;
 * - real-time factor: processing time per second of source, from the frames actually processed
 *   (busy ms / (processed frames × period), i.e. mean service time / period); below 1 the pipeline can
 *   keep up on average. Dropped frames cost nothing, so dividing by the offered frames would pull an
 *   overloaded pipeline's factor down towards 1;
 * - keeps up: no frame dropped or left unprocessed, deadline misses within `maxMissFraction`, factor ≤ 1.
 */

import { type LatencyStats, summarize } from '../core/stats.js';
import { UserError } from '../errors.js';
import { type Clock, DROP_POLICIES, type DropPolicy, type PacedRun, runPaced } from '../measure/paced.js';
import { dropUndefined } from '../util/objects.js';

export { DROP_POLICIES, type DropPolicy } from '../measure/paced.js';

export interface RealtimeSettings {
  /** Source frame rate (frames per second). */
  fps: number;
  /** Frames the queue holds before the drop policy applies. */
  queueCapacity: number;
  dropPolicy: DropPolicy;
  /** Latency bound per output; defaults to one frame period (the caller may pick another unit). */
  deadlineMs: number;
  /** Deadline misses tolerated for the keeps-up verdict, as a fraction of outputs. */
  maxMissFraction: number;
  /** Stop after this long (0 = when the source ends). */
  maxDurationMs: number;
}

/** V4L2 drivers commonly queue 4 buffers; a camera overwrites the oldest when the reader falls behind. */
export const DEFAULT_QUEUE_CAPACITY = 4;
export const DEFAULT_DROP_POLICY: DropPolicy = 'drop-oldest';
export const DEFAULT_MAX_MISS_FRACTION = 0.01;

export function realtimeSettings(partial: Partial<RealtimeSettings> & { fps: number }): RealtimeSettings {
  const settings: RealtimeSettings = {
    queueCapacity: DEFAULT_QUEUE_CAPACITY,
    dropPolicy: DEFAULT_DROP_POLICY,
    deadlineMs: 1000 / partial.fps,
    maxMissFraction: DEFAULT_MAX_MISS_FRACTION,
    maxDurationMs: 0,
    ...dropUndefined(partial),
    fps: partial.fps,
  };
  if (!(Number.isFinite(settings.fps) && settings.fps > 0))
    throw new UserError(`--fps must be a positive number of frames per second, got ${settings.fps}`);
  if (!(Number.isInteger(settings.queueCapacity) && settings.queueCapacity >= 1))
    throw new UserError(`--queue must be an integer ≥ 1, got ${settings.queueCapacity}`);
  if (!(DROP_POLICIES as readonly string[]).includes(settings.dropPolicy))
    throw new UserError(
      `--drop-policy must be one of ${DROP_POLICIES.join(', ')}; got '${settings.dropPolicy}'`,
    );
  if (!(settings.deadlineMs > 0))
    throw new UserError(`--deadline-ms must be positive, got ${settings.deadlineMs}`);
  if (!(settings.maxMissFraction >= 0 && settings.maxMissFraction < 1))
    throw new UserError(`the tolerated miss fraction must be in [0, 1), got ${settings.maxMissFraction}`);
  if (!(settings.maxDurationMs >= 0))
    throw new UserError(`--duration-ms must be ≥ 0, got ${settings.maxDurationMs}`);
  return settings;
}

/**
 * Settings that only camera emulation reads, by the flags that set them: given without it they would
 * do nothing, so they are refused, named.
 */
export function checkRealtimeOnly(settings: Readonly<Record<string, unknown>>): void {
  const given = Object.entries(settings)
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => flag);
  if (given.length > 0)
    throw new UserError(
      `${given.join(', ')} ${given.length > 1 ? 'apply' : 'applies'} to camera emulation only: add --realtime (without it, files are processed as fast as possible)`,
    );
}

export interface RealtimeResult {
  settings: RealtimeSettings & { periodMs: number };
  frames: {
    offered: number;
    processed: number;
    dropped: number;
    /** Still queued when the time cap stopped the run. */
    unprocessed: number;
    /**
     * The source itself (e.g. the decoder) could not deliver them by their scheduled arrival; waits
     * caused by the consumer holding the thread do not count (a lower bound: see `PacedRun`).
     */
    lateFromSource: number;
  };
  outputs: number;
  /** First arrival to last completion. */
  durationMs: number;
  /** Completion rate of frames (≈ the source fps when it keeps up, the service rate when it cannot). */
  sustainedFps: number;
  outputsPerSec: number;
  /** Scheduled arrival → output, over outputs. */
  latency: LatencyStats;
  /** Per-frame processing time (start → end of serve). */
  service: LatencyStats;
  deadlineMisses: number;
  deadlineMissFraction: number;
  jitterMs: number;
  outputIntervalJitterMs: number;
  realTimeFactor: number;
  keepsUp: boolean;
  /** Why not (empty when it keeps up). */
  verdict: string[];
  latencySamplesMs: number[];
  droppedFrames: number[];
}

export interface RealtimeOptions<T> {
  source: Iterable<T> | AsyncIterable<T>;
  /** Processes one frame; resolve `false` when it produced no output. */
  serve(frame: T, index: number): Promise<boolean | undefined>;
  settings: RealtimeSettings;
  clock?: Clock;
  readAheadFrames?: number;
  /** Aborting stops the run at once: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

export async function runRealtime<T>(options: RealtimeOptions<T>): Promise<RealtimeResult> {
  const { settings } = options;
  const periodMs = 1000 / settings.fps;
  const run = await runPaced({
    source: options.source,
    arrivalMs: (i) => i * periodMs,
    queueCapacity: settings.queueCapacity,
    dropPolicy: settings.dropPolicy,
    serve: options.serve,
    maxDurationMs: settings.maxDurationMs,
    readAheadItems: options.readAheadFrames ?? Math.max(2 * settings.queueCapacity, Math.ceil(settings.fps)),
    clock: options.clock,
    signal: options.signal,
  });
  return summarizeRealtime(run, settings);
}

function stdev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

/** The summary of a paced run (pure). */
export function summarizeRealtime(run: PacedRun, settings: RealtimeSettings): RealtimeResult {
  const periodMs = 1000 / settings.fps;
  const outputs = run.served.filter((r) => r.output);
  const latencies = outputs.map((r) => r.endMs - r.arrivalMs);
  const services = run.served.map((r) => r.endMs - r.startMs);
  const firstArrival =
    run.served.length > 0
      ? Math.min(run.served[0].arrivalMs, run.dropped[0]?.arrivalMs ?? Number.POSITIVE_INFINITY)
      : 0;
  const durationMs = Math.max(0, run.endMs - firstArrival);
  const outputSpan = outputs.length > 1 ? outputs[outputs.length - 1].endMs - outputs[0].endMs : 0;
  const completionSpan =
    run.served.length > 1 ? run.served[run.served.length - 1].endMs - run.served[0].endMs : 0;
  const busyMs = services.reduce((a, b) => a + b, 0);
  // The source time the processed frames stand for: a frame the queue dropped was never worked on.
  const streamMs = run.served.length * periodMs;
  const misses = latencies.filter((l) => l > settings.deadlineMs).length;
  const missFraction = latencies.length > 0 ? misses / latencies.length : 0;
  const intervals: number[] = [];
  for (let i = 1; i < outputs.length; i++) intervals.push(outputs[i].endMs - outputs[i - 1].endMs);
  const realTimeFactor = streamMs > 0 ? busyMs / streamMs : 0;
  const verdict: string[] = [];
  if (run.dropped.length > 0)
    verdict.push(
      `${run.dropped.length} of ${run.offered} frames dropped (queue of ${settings.queueCapacity} full)`,
    );
  if (run.unserved > 0) verdict.push(`${run.unserved} frames still queued when the run stopped`);
  if (missFraction > settings.maxMissFraction)
    verdict.push(
      `${misses} of ${latencies.length} outputs missed the ${settings.deadlineMs.toFixed(1)} ms deadline (${(missFraction * 100).toFixed(1)}% > ${(settings.maxMissFraction * 100).toFixed(1)}% tolerated)`,
    );
  if (realTimeFactor > 1)
    verdict.push(`real-time factor ${realTimeFactor.toFixed(2)} > 1: processing is slower than the source`);
  if (run.served.length === 0) verdict.push('no frame was processed');
  return {
    settings: { ...settings, periodMs },
    frames: {
      offered: run.offered,
      processed: run.served.length,
      dropped: run.dropped.length,
      unprocessed: run.unserved,
      lateFromSource: run.lateFromSource,
    },
    outputs: outputs.length,
    durationMs,
    sustainedFps: completionSpan > 0 ? ((run.served.length - 1) * 1000) / completionSpan : 0,
    outputsPerSec: outputSpan > 0 ? ((outputs.length - 1) * 1000) / outputSpan : 0,
    latency: summarize(latencies),
    service: summarize(services),
    deadlineMisses: misses,
    deadlineMissFraction: missFraction,
    jitterMs: stdev(latencies),
    outputIntervalJitterMs: stdev(intervals),
    realTimeFactor,
    keepsUp: verdict.length === 0,
    verdict,
    latencySamplesMs: latencies,
    droppedFrames: run.dropped.map((d) => d.index),
  };
}
