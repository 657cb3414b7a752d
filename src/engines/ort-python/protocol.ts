/**
 * The onnxruntime-in-Python runner (python/edgebench_ort.py) speaks the Python runner protocol of
 * the torch runner (src/engines/torch/protocol.ts: the same events, order and checks, read by the same
 * ProtocolReader); this file holds what is its own: the configuration it reads, its probe line, and
 * the extra fields of its `ready` event.
 */
import { z } from 'zod';
import type { StopRules } from '../../core/settings.js';
import { runnerProbeFields, TORCH_PROTOCOL_VERSION } from '../torch/protocol.js';

/** One protocol for every Python runner: the shared core (python/edgebench_loop.py) speaks it. */
export const PYTHON_RUNNER_PROTOCOL_VERSION = TORCH_PROTOCOL_VERSION;

export const ORT_PYTHON_PROVIDERS = ['cpu', 'cuda', 'tensorrt'] as const;
export type OrtPythonProvider = (typeof ORT_PYTHON_PROVIDERS)[number];

/** onnxruntime's names for them. */
export const ORT_PROVIDER_NAMES: Record<OrtPythonProvider, string> = {
  cpu: 'CPUExecutionProvider',
  cuda: 'CUDAExecutionProvider',
  tensorrt: 'TensorrtExecutionProvider',
};

/** The JSON line the runner reads on stdin for `run`. */
export interface OrtRunnerConfig {
  protocol: number;
  model: { kind: 'onnx'; path: string } | { kind: 'null' };
  provider: OrtPythonProvider;
  deviceIndex?: number;
  /** fp16 asks the TensorRT provider to build in fp16 (trt_fp16_enable); other providers run the model as it is. */
  precision?: 'fp32' | 'fp16';
  /** Extra provider options, passed through to onnxruntime (trt_engine_cache_path, …). */
  providerOptions?: Record<string, string | number | boolean>;
  /** intra_op_num_threads; 0 = onnxruntime's default. */
  threads?: number;
  interopThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Leading dimension for a symbolic first axis (default 1). */
  batch?: number;
  /** Full input shapes by name (win over batch). */
  shapes?: Record<string, number[]>;
  seed?: number;
  stopRules: StopRules;
  precisionRule: { minSamples: number; minTimeMs: number; checkEvery: number };
}

export const ortProbeEventSchema = z.object({
  ...runnerProbeFields,
  onnxruntime: z.string().nullable(),
  onnxruntimeError: z.string().optional(),
  numpy: z.string().nullable().optional(),
  numpyError: z.string().optional(),
  providers: z.array(z.string()).optional(),
  providersError: z.string().optional(),
  device: z.string().optional(),
});
export type OrtProbeEvent = z.infer<typeof ortProbeEventSchema>;

/** The `ready` fields only this runner sends (the shared ones are in the torch protocol's schema). */
export const ortReadyExtrasSchema = z.object({
  onnxruntime: z.string(),
  numpy: z.string().optional(),
  /** The providers the session runs with, best first, as onnxruntime reports them. */
  providers: z.array(z.string()),
  graphOptimizationLevel: z.string(),
});
export type OrtReadyExtras = z.infer<typeof ortReadyExtrasSchema>;
