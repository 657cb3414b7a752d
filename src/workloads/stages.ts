/**
 * Per-stage timing of a pipeline: decode, preprocess, inference, postprocess and end-to-end, one
 * sample per unit of work (an image batch, a clip). Pure inference and end-to-end stand side by side.
 */
import { type LatencyStats, summarize } from '../measure/stats.js';

export const STAGES = ['decode', 'preprocess', 'inference', 'postprocess', 'endToEnd'] as const;
export type Stage = (typeof STAGES)[number];

export type StageTimes = Record<Stage, number>;

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

  get count(): number {
    return this.items.length;
  }
}

export interface StageSummary {
  /** What one sample covers. */
  unit: 'image' | 'batch' | 'clip';
  units: number;
  items: number;
  stats: Record<Stage, LatencyStats>;
  totalMs: Record<Stage, number>;
  /** Each stage's share of the end-to-end total. */
  share: Record<Stage, number>;
  /** End-to-end time not spent decoding or in inference: the pipeline's own work (pre/post-processing, glue). */
  overheadMs: number;
  overheadShare: number;
  /** Items per second counting inference alone, and counting everything. */
  pureInferenceItemsPerSec: number;
  endToEndItemsPerSec: number;
  samplesMs: Record<Stage, number[]>;
}

export function summarizeStages(recorder: StageRecorder, unit: StageSummary['unit']): StageSummary {
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
  return {
    unit,
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
  };
}
