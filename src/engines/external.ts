/**
 * What an out-of-process session (trtexec, a PyTorch or onnxruntime Python runner, later another
 * machine) is told and what it hands back. Such runners cannot be driven by the in-process timing
 * loop: they run the same warm-up and stop rules themselves and return every per-iteration time;
 * measure/measure.ts turns that into the same statistics and result as an in-process run.
 */
import type { StopReason } from '../core/loop.js';
import type { StopRules } from '../core/settings.js';
import type { TensorInfo } from '../onnx/tensor.js';
import type { EngineProbe } from './engine.js';

/** @deprecated EngineProbe carries `detail` itself. */
export type ExternalEngineProbe = EngineProbe;

import type { ExternalPrecision } from './external-precisions.js';

export { EXTERNAL_PRECISIONS, type ExternalPrecision } from './external-precisions.js';

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
