/** onnxruntime-node settings as edgebench exposes them: typed, with allowed values listed once. */
import os from 'node:os';

export const ORT_EXECUTION_PROVIDERS = ['cpu', 'webgpu', 'cuda', 'tensorrt'] as const;
export type OrtExecutionProvider = (typeof ORT_EXECUTION_PROVIDERS)[number];

export const GRAPH_OPT_LEVELS = ['disabled', 'basic', 'extended', 'layout', 'all'] as const;
export type GraphOptLevel = (typeof GRAPH_OPT_LEVELS)[number];

export const EXECUTION_MODES = ['sequential', 'parallel'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

export interface OrtEngineOptions {
  executionProvider: OrtExecutionProvider;
  /** Threads inside one operator; 0 lets onnxruntime choose (one per physical core). */
  intraOpThreads: number;
  /** Threads across operators (parallel execution mode only); 0 lets onnxruntime choose. */
  interOpThreads: number;
  graphOptLevel: GraphOptLevel;
  executionMode: ExecutionMode;
  /** Passed through to the execution provider untouched (e.g. WebGPU `preferredLayout`, CUDA `deviceId`). */
  providerOptions: Record<string, string | number | boolean>;
  /** Turn on onnxruntime's profiler (Chrome trace written next to `profilePrefix`). */
  profile: boolean;
  profilePrefix?: string;
  /** Let onnxruntime's own warnings through (otherwise only errors). */
  verbose: boolean;
  /** Keep outputs on the device (WebGPU/CUDA) instead of copying them back to the host each run. */
  outputsOnDevice: boolean;
  /** WebGPU graph capture (replays recorded command buffers; needs static shapes). */
  graphCapture: boolean;
  /** Where to save the graph onnxruntime optimized (onnxruntime's `optimizedModelFilePath`). */
  optimizedModelPath?: string;
  /**
   * Upgrade a model whose ai.onnx opset onnxruntime cannot run (below 7, or a missing old kernel)
   * in memory, exactly, before loading it. Off, such a model fails to load with a hint.
   */
  opsetUpgrade: boolean;
}

export const DEFAULT_ORT_OPTIONS: Readonly<OrtEngineOptions> = Object.freeze({
  executionProvider: 'cpu',
  intraOpThreads: 0,
  interOpThreads: 0,
  graphOptLevel: 'all',
  executionMode: 'sequential',
  providerOptions: {},
  profile: false,
  verbose: false,
  outputsOnDevice: false,
  graphCapture: false,
  opsetUpgrade: true,
});

export function isExecutionProvider(value: string): value is OrtExecutionProvider {
  return (ORT_EXECUTION_PROVIDERS as readonly string[]).includes(value);
}

export function isGraphOptLevel(value: string): value is GraphOptLevel {
  return (GRAPH_OPT_LEVELS as readonly string[]).includes(value);
}

/**
 * Oversubscription bound on thread counts: 4 threads per logical CPU. More never speeds up CPU
 * inference (threads only queue for the same cores), and onnxruntime creates every thread it is
 * asked for up front, with its stack: an absurd count exhausts memory before the first run.
 */
export const THREADS_PER_LOGICAL_CPU = 4;

/** The largest intra-/inter-op thread count edgebench accepts on this machine. */
export function maxThreads(logicalCpus = availableLogicalCpus()): number {
  return Math.max(1, logicalCpus) * THREADS_PER_LOGICAL_CPU;
}

function availableLogicalCpus(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

/** Why `threads` is refused on this machine (`label` names the flag or field), or undefined when it is fine. */
export function threadCountProblem(label: string, threads: number): string | undefined {
  if (!Number.isInteger(threads) || threads < 0) return `${label} must be an integer ≥ 0, got ${threads}`;
  const cap = maxThreads();
  if (threads <= cap) return undefined;
  const cpus = cap / THREADS_PER_LOGICAL_CPU;
  return `${label} ${threads} is more than this machine's ${cpus} logical CPU${cpus === 1 ? '' : 's'} ×${THREADS_PER_LOGICAL_CPU} (${cap}): more threads than that only queue for the same cores; use at most ${cap} (0 lets onnxruntime choose)`;
}

/** Set to 1 (by `--verbose`) to show onnxruntime's own log; worker processes inherit it. */
export const VERBOSE_ENV_VAR = 'EDGEBENCH_VERBOSE';
