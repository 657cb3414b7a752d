/**
 * Engines that measure out of process (trtexec, a PyTorch subprocess) cannot be driven by the
 * in-process timing loop: they run their own loop and hand back per-iteration times. This file is
 * the optional capability such an engine adds to the Engine contract, and the conversion of what
 * it reports into the same statistics and result shape as an in-process run.
 */
import { z } from 'zod';
import type { StopReason } from '../measure/loop.js';
import { runResultSchema } from '../measure/result.js';
import type { StopRules } from '../measure/settings.js';
import { type LatencyStats, summarize } from '../measure/stats.js';
import type { Engine, EngineProbe, TensorInfo } from './engine.js';

/** A probe that also says what was found when it works (versions, device), for `env --json`. */
export interface ExternalEngineProbe extends EngineProbe {
  detail?: string;
}

/** Numeric precision an external engine is asked to build or run in. */
export const EXTERNAL_PRECISIONS = ['fp32', 'fp16', 'int8', 'best'] as const;
export type ExternalPrecision = (typeof EXTERNAL_PRECISIONS)[number];

/** What every out-of-process engine is told; engine-specific knobs travel in the engine's own options. */
export interface ExternalMeasureSettings {
  /** Fully filled in (see DEFAULT_STOP_RULES); engines record which rules they could honour. */
  stopRules: StopRules;
  /** Leading dimension for inputs whose batch dimension is symbolic. */
  batch?: number;
  /** Full input shapes by input name (win over `batch`). */
  shapes?: Record<string, number[]>;
  precision: ExternalPrecision;
  /** Seed for synthetic inputs, where the engine lets us choose it. */
  seed: number;
  signal?: AbortSignal;
  /** Progress and the engine's own log lines (stderr material; never results). */
  onLog?(line: string): void;
}

/** Raw result of an out-of-process measurement: samples in, nothing derived yet. */
export interface ExternalMeasurement {
  /** The probe id that ran, e.g. `trtexec` or `torch/cuda`. */
  engine: string;
  /** Version of the runtime that ran (TensorRT 8.5.2, torch 2.3.0+cu121, …). */
  engineVersion: string;
  /** What one sample is, in words (e.g. "trtexec latency: H2D + GPU compute + D2H"). */
  sampleMetric: string;
  /** Every steady-state sample, in ms, in the order taken. */
  samplesMs: Float64Array;
  /** Engine load/deserialization (not a one-time build); null where the engine does not report it. */
  coldStartMs: number | null;
  /** The first inference after load; null where the engine does not report it. */
  firstInferenceMs: number | null;
  warmup: { count: number | null; timeMs: number | null };
  stopReason: StopReason;
  /** Wall-clock span of the steady state, or of the measuring process where the engine gives no finer clock. */
  window: { startEpochMs: number; endEpochMs: number };
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Resolved input shapes, per input. */
  shapes: Record<string, number[]>;
  batch: number;
  /** The stop rules that actually governed the run (rules the engine cannot honour are 0). */
  effectiveStopRules: StopRules;
  /** Device it ran on, in words (`NVIDIA Tegra X1`, `cpu`). */
  device: string;
  /** Short name of what executed the graph, stored as `executionProvider` (`tensorrt`, `cuda`, `cpu`). */
  provider: string;
  /** Graph-level optimization that applied, stored as `graphOptLevel` (`tensorrt-builder`, `none`). */
  graphOptimization: string;
  precision: string;
  /** Engine options that ran, flattened to scalars (stored as providerOptions). */
  options: Record<string, string | number | boolean>;
  /** Threads the runtime used, where it says (0 = the runtime's own choice). */
  intraOpThreads: number;
  interOpThreads: number;
  /** Peak resident memory of the measuring process, where known. */
  peakRssBytes: number | null;
  /** Engine-specific figures (trtexec's own summary, GPU memory, build time, layer profile, …). */
  extras: Record<string, unknown>;
  warnings: string[];
}

/** The optional capability: an engine that measures a model itself, out of process. */
export interface ExternalMeasurer<Options = unknown> {
  measure(model: string, settings: ExternalMeasureSettings, options?: Options): Promise<ExternalMeasurement>;
}

export function isExternalMeasurer(engine: Engine): engine is Engine & ExternalMeasurer {
  return typeof (engine as Partial<ExternalMeasurer>).measure === 'function';
}

/** The same statistics an in-process run gets, from an external engine's samples. */
export function summarizeExternal(measurement: ExternalMeasurement): LatencyStats {
  return summarize(measurement.samplesMs, measurement.batch);
}

const nullableNumber = z.number().nullable();

/**
 * A RunResult from any engine. It is the in-process RunResult with these differences, all because an
 * external engine may not report a figure (and a figure that was not measured is absent, never invented):
 * cold start, first inference, warm-up, peak RSS and the model hash/size may be null (a zoo definition
 * run by PyTorch has no file); `environment.engine` names the runtime that measured; `external` holds
 * what the external engine reported beyond samples. Every in-process RunResult is also an EngineRunResult.
 */
export const engineRunResultSchema = runResultSchema.extend({
  model: runResultSchema.shape.model.extend({
    sha256: z.string().nullable(),
    sizeBytes: nullableNumber,
  }),
  environment: runResultSchema.shape.environment.extend({
    engine: z.object({ name: z.string(), version: z.string() }).optional(),
  }),
  coldStartMs: nullableNumber,
  firstInferenceMs: nullableNumber,
  warmup: z.object({ count: nullableNumber, timeMs: nullableNumber }),
  peakRssBytes: nullableNumber,
  external: z
    .object({
      engine: z.string(),
      engineVersion: z.string(),
      sampleMetric: z.string(),
      device: z.string(),
      precision: z.string(),
      extras: z.record(z.string(), z.unknown()),
    })
    .optional(),
});

export type EngineRunResult = z.infer<typeof engineRunResultSchema>;
