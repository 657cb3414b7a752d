/**
 * From per-clip class scores to action segments over time: temporal smoothing of the score sequence,
 * then runs of clips with the same best class merged into segments (label, start, end, score).
 *
 * Each clip owns the span around its centre, one stride wide (the first clip from frame 0, the last to
 * its end), so segments tile the video without overlapping even when clips do.
 */
import { labelFor } from './labels.js';
import { argmax } from './postprocess.js';

export const SMOOTHING_METHODS = ['none', 'moving-average', 'ema'] as const;
export type SmoothingMethod = (typeof SMOOTHING_METHODS)[number];

export interface SmoothingOptions {
  method: SmoothingMethod;
  /** moving-average: clips in the (centred) window, odd numbers are symmetric. */
  window: number;
  /** ema: weight of the newest clip, in (0, 1]. */
  alpha: number;
}

export const DEFAULT_SMOOTHING: Readonly<SmoothingOptions> = Object.freeze({
  method: 'moving-average',
  window: 3,
  alpha: 0.5,
});

/** Smoothed copies of the score rows (pure). Moving average is centred (offline); EMA is causal (online). */
export function smoothScores(rows: readonly Float32Array[], options: SmoothingOptions): Float32Array[] {
  if (rows.length === 0) return [];
  const k = rows[0].length;
  if (options.method === 'none') return rows.map((r) => Float32Array.from(r));
  if (options.method === 'ema') {
    if (!(options.alpha > 0 && options.alpha <= 1))
      throw new RangeError(`EMA alpha must be in (0, 1], got ${options.alpha}`);
    const out: Float32Array[] = [];
    let prev = Float32Array.from(rows[0]);
    out.push(prev);
    for (let i = 1; i < rows.length; i++) {
      const cur = new Float32Array(k);
      for (let j = 0; j < k; j++) cur[j] = options.alpha * rows[i][j] + (1 - options.alpha) * prev[j];
      out.push(cur);
      prev = cur;
    }
    return out;
  }
  const w = Math.max(1, Math.floor(options.window));
  const before = Math.floor((w - 1) / 2);
  const after = w - 1 - before;
  return rows.map((_, i) => {
    const lo = Math.max(0, i - before);
    const hi = Math.min(rows.length - 1, i + after);
    const acc = new Float32Array(k);
    for (let r = lo; r <= hi; r++) for (let j = 0; j < k; j++) acc[j] += rows[r][j];
    const inv = 1 / (hi - lo + 1);
    for (let j = 0; j < k; j++) acc[j] *= inv;
    return acc;
  });
}

export interface ActionSegment {
  classIndex: number;
  label: string;
  /** First frame of the segment, 0-based (inclusive). */
  startFrame: number;
  /**
   * One past the segment's last frame (exclusive): the segment covers frames startFrame … endFrame − 1,
   * and the next segment, if adjacent, starts at this frame.
   */
  endFrame: number;
  /** startFrame / the container's frame rate. */
  startSec: number;
  /** endFrame / the container's frame rate: the end of the segment's last frame. */
  endSec: number;
  /** Mean (smoothed) score of the class over the segment's clips. */
  score: number;
  clips: number;
}

export interface SegmentOptions {
  /** Clips whose best smoothed score is below this belong to no action (default 0: every clip counts). */
  minScore: number;
  /** Segments of fewer clips are dropped (default 1). */
  minClips: number;
}

export const DEFAULT_SEGMENT_OPTIONS: Readonly<SegmentOptions> = Object.freeze({ minScore: 0, minClips: 1 });

/** The span of frames clip `i` owns: one stride around its centre. */
export function ownedSpan(
  windows: readonly { startFrame: number; endFrame: number }[],
  i: number,
): { start: number; end: number } {
  const w = windows[i];
  const centre = (w.startFrame + w.endFrame) / 2;
  const prev = i > 0 ? (windows[i - 1].startFrame + windows[i - 1].endFrame) / 2 : undefined;
  const next = i + 1 < windows.length ? (windows[i + 1].startFrame + windows[i + 1].endFrame) / 2 : undefined;
  const start = prev === undefined ? 0 : Math.round((prev + centre) / 2);
  const end = next === undefined ? w.endFrame : Math.round((centre + next) / 2);
  return { start, end };
}

/** Action segments from clip windows and their (smoothed) probabilities (pure). */
export function actionSegments(
  windows: readonly { startFrame: number; endFrame: number }[],
  probabilities: readonly Float32Array[],
  fps: number,
  labels: readonly string[] | undefined,
  options: SegmentOptions = DEFAULT_SEGMENT_OPTIONS,
): ActionSegment[] {
  const segments: ActionSegment[] = [];
  let current: { classIndex: number; start: number; end: number; sum: number; clips: number } | undefined;
  const close = () => {
    if (current && current.clips >= options.minClips) {
      segments.push({
        classIndex: current.classIndex,
        label: labelFor(current.classIndex, labels),
        startFrame: current.start,
        endFrame: current.end,
        startSec: current.start / fps,
        endSec: current.end / fps,
        score: current.sum / current.clips,
        clips: current.clips,
      });
    }
    current = undefined;
  };
  for (let i = 0; i < windows.length; i++) {
    const p = probabilities[i];
    const best = argmax(p);
    const span = ownedSpan(windows, i);
    if (p[best] < options.minScore) {
      close();
      continue;
    }
    if (current && current.classIndex === best) {
      current.end = span.end;
      current.sum += p[best];
      current.clips++;
    } else {
      close();
      current = { classIndex: best, start: span.start, end: span.end, sum: p[best], clips: 1 };
    }
  }
  close();
  return segments;
}
