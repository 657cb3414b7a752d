/** trtexec engine settings: typed, defaults in one place, allowed values listed once. */

export const TRTEXEC_SAMPLE_METRICS = ['latency', 'gpuCompute', 'endToEnd'] as const;
/**
 * Which per-query time becomes a sample:
 * - `latency`: H2D copy + GPU compute + D2H copy of one query (trtexec's "Latency"; closest to what an
 *   in-process engine's run() measures, and the default);
 * - `gpuCompute`: the kernels only ("GPU Compute Time");
 * - `endToEnd`: also the wait behind the previous query (TensorRT ≤ 8.2 export it; later versions do not).
 */
export type TrtexecSampleMetric = (typeof TRTEXEC_SAMPLE_METRICS)[number];

export interface TrtexecOptions {
  /** trtexec to use; when unset: $EDGEBENCH_TRTEXEC, PATH, then /usr/src/tensorrt/bin/trtexec. */
  trtexecPath?: string;
  /** Builder workspace in MiB; 0 = TensorRT's default. */
  workspaceMiB: number;
  /** INT8 calibration cache (`--calib`); without one, INT8 builds use placeholder ranges (speed only). */
  calibrationCachePath?: string;
  /** Keep a TensorRT timing cache beside the engine cache (TensorRT ≥ 8.0), so rebuilds are faster. */
  timingCache: boolean;
  /** `--useSpinWait`: spin instead of blocking on CUDA events (more stable numbers, one busy core). */
  useSpinWait: boolean;
  /** `--noDataTransfers`: leave out H2D/D2H copies (GPU-resident inputs and outputs). */
  noDataTransfers: boolean;
  /** `--useCudaGraph`: capture the enqueue in a CUDA graph. */
  useCudaGraph: boolean;
  sampleMetric: TrtexecSampleMetric;
  /** Per-layer profile in a separate run (`--exportProfile --separateProfileRun`), so timing is unaffected. */
  profile: boolean;
  /** Where built engines are kept; default $EDGEBENCH_CACHE_DIR/trt or ~/.cache/edgebench/trt. */
  cacheDir?: string;
  /** Build the engine again even if the cache has it. */
  rebuild: boolean;
  /** CUDA device index (`--device`). */
  deviceIndex: number;
  /** Passed to trtexec untouched when building / running (they become part of the cache key when building). */
  extraBuildArgs: string[];
  extraRunArgs: string[];
  /** Building can take many minutes on a Jetson Nano; 0 = no limit. */
  buildTimeoutMs: number;
  /** Limit for the timed run beyond its planned warm-up + duration; 0 = no limit. */
  runTimeoutSlackMs: number;
}

export const DEFAULT_TRTEXEC_OPTIONS: Readonly<TrtexecOptions> = Object.freeze({
  workspaceMiB: 0,
  timingCache: true,
  useSpinWait: false,
  noDataTransfers: false,
  useCudaGraph: false,
  sampleMetric: 'latency',
  profile: false,
  rebuild: false,
  deviceIndex: 0,
  extraBuildArgs: [],
  extraRunArgs: [],
  buildTimeoutMs: 60 * 60_000,
  runTimeoutSlackMs: 10 * 60_000,
});

export function validateTrtexecOptions(options: TrtexecOptions): TrtexecOptions {
  if (!Number.isInteger(options.workspaceMiB) || options.workspaceMiB < 0)
    throw new RangeError(`workspaceMiB must be a non-negative integer (MiB), got ${options.workspaceMiB}`);
  if (!Number.isInteger(options.deviceIndex) || options.deviceIndex < 0)
    throw new RangeError(`deviceIndex must be a non-negative integer, got ${options.deviceIndex}`);
  if (!(TRTEXEC_SAMPLE_METRICS as readonly string[]).includes(options.sampleMetric))
    throw new RangeError(
      `sampleMetric must be one of ${TRTEXEC_SAMPLE_METRICS.join(', ')}, got '${options.sampleMetric}'`,
    );
  for (const key of ['buildTimeoutMs', 'runTimeoutSlackMs'] as const) {
    if (!Number.isFinite(options[key]) || options[key] < 0)
      throw new RangeError(`${key} must be a non-negative number, got ${options[key]}`);
  }
  return options;
}
