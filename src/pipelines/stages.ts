/**
 * Per-stage timing of a pipeline: decode, preprocess, inference, postprocess and end-to-end, one
 * sample per unit of work (an image batch, a clip). Pure inference and end-to-end stand side by side.
 */
import { type LatencyStats, summarize } from '../core/stats.js';

export const STAGES = ['decode', 'preprocess', 'inference', 'postprocess', 'endToEnd'] as const;
export type Stage = (typeof STAGES)[number];

export type StageTimes = Record<Stage, number>;

/** The model's part of a unit: forming its batch, running it, reading the output. */
export interface ModelTimes {
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

/** Collects stage samples; `record` is called once per unit, outside any timed region. */
export class StageRecorder {
  readonly samples: Record<Stage, number[]> = {
    decode: [],
    preprocess: [],
    inference: [],
    postprocess: [],
    endToEnd: [],
  };
  /** Items (images, clips) per recorded unit, for per-item throughput. */
  readonly items: number[] = [];

  record(times: StageTimes, items: number): void {
    for (const s of STAGES) this.samples[s].push(times[s]);
    this.items.push(items);
  }

  /**
   * Records one unit from the model's part of it and what came before: decoding, and preprocessing done
   * ahead of the batch (frame by frame, for clips).
   */
  recordUnit(
    model: ModelTimes,
    before: { decodeMs: number; preprocessMs: number },
    endToEndMs: number,
    items: number,
  ): void {
    this.record(
      {
        decode: before.decodeMs,
        preprocess: before.preprocessMs + model.preprocessMs,
        inference: model.inferenceMs,
        postprocess: model.postprocessMs,
        endToEnd: endToEndMs,
      },
      items,
    );
  }

  get count(): number {
    return this.items.length;
  }
}

/**
 * Work that runs beside the stages, not inside them (ffmpeg decoding frames in its own process while
 * the pipeline infers): not part of end-to-end, so the stages still add up, but it takes CPU from the
 * same machine and a share of each frame's time budget.
 */
export interface OverlappedWork {
  stage: 'decode';
  /** Where it runs and how it was measured. */
  where: string;
  /** CPU time per unit (clip), ms, over the units it could be read for (a short-lived process may end first). */
  stats: LatencyStats;
  /** All of it, ms: over every frame, to the process's end. */
  totalMs: number;
  frames: number;
  /** CPU ms per frame, against the source's frame period. */
  perFrameMs: number;
  framePeriodMs: number;
  /** perFrameMs / framePeriodMs: the share of one core's frame budget it takes. */
  budgetShare: number;
}

export function overlappedWork(
  stage: OverlappedWork['stage'],
  where: string,
  samplesMs: number[],
  totalMs: number,
  frames: number,
  budgetMs: number,
): OverlappedWork {
  const perFrameMs = frames > 0 ? totalMs / frames : 0;
  const framePeriodMs = frames > 0 ? budgetMs / frames : 0;
  return {
    stage,
    where,
    stats: summarize(samplesMs),
    totalMs,
    frames,
    perFrameMs,
    framePeriodMs,
    budgetShare: budgetMs > 0 ? totalMs / budgetMs : 0,
  };
}

export interface StageSummary {
  /** What one sample covers. */
  unit: 'image' | 'batch' | 'clip';
  /**
   * What the decode stage holds: `inline` — decoding itself (images, in this process); `wait` — the
   * time spent waiting for frames another process decodes (video: ffmpeg), its work in `overlapped`.
   */
  decode: 'inline' | 'wait';
  units: number;
  items: number;
  stats: Record<Stage, LatencyStats>;
  totalMs: Record<Stage, number>;
  /** Each stage's share of the end-to-end total. */
  share: Record<Stage, number>;
  /** End-to-end time outside the four stages (glue between them), so that the rows add up. */
  otherMs: number;
  /** End-to-end time not spent decoding or in inference: the pipeline's own work (pre/post-processing, glue). */
  overheadMs: number;
  overheadShare: number;
  /** Items per second counting inference alone, and counting everything. */
  pureInferenceItemsPerSec: number;
  endToEndItemsPerSec: number;
  samplesMs: Record<Stage, number[]>;
  /** Work beside the stages (video decoding in ffmpeg), when it could be measured. */
  overlapped?: OverlappedWork[];
}

export function summarizeStages(
  recorder: StageRecorder,
  unit: StageSummary['unit'],
  decode: StageSummary['decode'] = 'inline',
  overlapped: OverlappedWork[] = [],
): StageSummary {
  const items = recorder.items.reduce((a, b) => a + b, 0);
  const totalMs = {} as Record<Stage, number>;
  const stats = {} as Record<Stage, LatencyStats>;
  for (const s of STAGES) {
    totalMs[s] = recorder.samples[s].reduce((a, b) => a + b, 0);
    stats[s] = summarize(recorder.samples[s]);
  }
  const e2e = totalMs.endToEnd;
  const share = {} as Record<Stage, number>;
  for (const s of STAGES) share[s] = e2e > 0 ? totalMs[s] / e2e : 0;
  const overheadMs = Math.max(0, e2e - totalMs.decode - totalMs.inference);
  const inline = totalMs.decode + totalMs.preprocess + totalMs.inference + totalMs.postprocess;
  return {
    unit,
    decode,
    otherMs: Math.max(0, e2e - inline),
    units: recorder.count,
    items,
    stats,
    totalMs,
    share,
    overheadMs,
    overheadShare: e2e > 0 ? overheadMs / e2e : 0,
    pureInferenceItemsPerSec: totalMs.inference > 0 ? (items * 1000) / totalMs.inference : 0,
    endToEndItemsPerSec: e2e > 0 ? (items * 1000) / e2e : 0,
    samplesMs: {
      decode: [...recorder.samples.decode],
      preprocess: [...recorder.samples.preprocess],
      inference: [...recorder.samples.inference],
      postprocess: [...recorder.samples.postprocess],
      endToEnd: [...recorder.samples.endToEnd],
    },
    ...(overlapped.length > 0 ? { overlapped } : {}),
  };
}
