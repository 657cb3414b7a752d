/** PyTorch engine settings: typed, defaults in one place, allowed values listed once. */

export const TORCH_DEVICES = ['auto', 'cpu', 'cuda'] as const;
/** `auto` picks CUDA when torch can use it, else the CPU (the choice is recorded in the result). */
export type TorchDevice = (typeof TORCH_DEVICES)[number];

export interface TorchOptions {
  /** Python interpreter; when unset: $EDGEBENCH_PYTHON, then `python3` on PATH (`python` on Windows). */
  python?: string;
  device: TorchDevice;
  /** CUDA device index. */
  deviceIndex: number;
  /**
   * torch.set_num_threads; 0 = one thread per physical core (PyTorch's documented default, and
   * onnxruntime's), unless OMP_NUM_THREADS is set. Some distribution builds of torch default to 1
   * thread, which would make an unfair baseline next to onnxruntime.
   */
  threads: number;
  /** Classes of the zoo model's head (the study used 2 for images, 4 for video); unset = the definition's default. */
  numClasses?: number;
  /** torch.backends.cudnn.benchmark (autotuned convolutions; off by default, as in eager code). */
  cudnnBenchmark: boolean;
  /** Limit beyond the stop rules' own maximums for the whole subprocess; 0 = no limit. */
  timeoutSlackMs: number;
}

export const DEFAULT_TORCH_OPTIONS: Readonly<TorchOptions> = Object.freeze({
  device: 'auto',
  deviceIndex: 0,
  threads: 0,
  cudnnBenchmark: false,
  timeoutSlackMs: 10 * 60_000,
});

export function validateTorchOptions(options: TorchOptions): TorchOptions {
  if (!(TORCH_DEVICES as readonly string[]).includes(options.device))
    throw new RangeError(`device must be one of ${TORCH_DEVICES.join(', ')}, got '${options.device}'`);
  for (const key of ['deviceIndex', 'threads'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 0)
      throw new RangeError(`${key} must be a non-negative integer, got ${options[key]}`);
  }
  if (options.numClasses !== undefined && (!Number.isInteger(options.numClasses) || options.numClasses < 1))
    throw new RangeError(`numClasses must be a positive integer, got ${options.numClasses}`);
  if (!Number.isFinite(options.timeoutSlackMs) || options.timeoutSlackMs < 0)
    throw new RangeError(`timeoutSlackMs must be a non-negative number, got ${options.timeoutSlackMs}`);
  return options;
}
