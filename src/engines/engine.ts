/**
 * The Engine contract: a runtime that loads a Model and runs it. Implementations live beside this
 * file and register by name in `registry.ts`. Kept small, like LoadGen's system under test.
 */
import type { TensorData } from '../onnx/dtype.js';

/** Element types edgebench can synthesize and read; names follow onnxruntime's tensor types. */
export const TENSOR_ELEMENT_TYPES = [
  'float32',
  'float16',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
] as const;
export type TensorElementType = (typeof TENSOR_ELEMENT_TYPES)[number];

export function isTensorElementType(type: string): type is TensorElementType {
  return (TENSOR_ELEMENT_TYPES as readonly string[]).includes(type);
}

/** The same typed-array storage the ONNX IR uses (float16 as raw Uint16 bits, bool as Uint8). */
export type { TensorData } from '../onnx/dtype.js';

/** A host tensor: what goes into and comes out of an Engine. */
export interface HostTensor {
  type: TensorElementType;
  dims: readonly number[];
  data: TensorData;
}

/** One model input or output as the runtime declares it; symbolic dimensions stay strings. */
export interface TensorInfo {
  name: string;
  type: TensorElementType | string;
  shape: ReadonlyArray<number | string>;
}

/** What the engine did to a model before it could load it (results keep it as `model.opsetUpgrade`). */
export interface OpsetUpgradeInfo {
  domain: 'ai.onnx';
  from: number;
  to: number;
  /** Why, in words: what the runtime lacks. */
  reason: string;
  /** Nodes rewritten (the others only changed version). */
  rewritten: number;
  /** Time spent reading, upgrading and re-serializing the model (and on a refused first load). */
  durationMs: number;
}

/** A loaded model, ready to run. `run` is the only call inside the timed region. */
export interface LoadedModel {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Set when the model was upgraded in memory to an opset the runtime implements. */
  readonly opsetUpgrade?: OpsetUpgradeInfo;
  /** Runs one inference; resolves when the outputs are on the host (or on the device, if asked). */
  run(feeds: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>>;
  /**
   * The same inference, synchronously on this thread, where the engine can (onnxruntime's native
   * binding): the timing loop calls it so that nothing but the inference lies between its clock
   * reads, and yields to the event loop between samples itself.
   */
  runBlocking?(feeds: Readonly<Record<string, unknown>>): unknown;
  /** Converts host tensors to the engine's own feed objects once, outside the timed region. */
  prepareFeeds(feeds: Readonly<Record<string, HostTensor>>): Record<string, unknown>;
  /** Reads an engine output back as a host tensor (for fidelity checks, never timed). */
  readOutput(value: unknown): HostTensor;
  /** Starts/stops the engine's own profiler, if it has one; returns the trace file path. */
  startProfiling?(): void;
  endProfiling?(): string | undefined;
  dispose(): Promise<void>;
}

/** The Engine: a name, a load, and whether it can work here. */
export interface Engine<Options = unknown> {
  readonly name: string;
  /** Loads a model file with engine options; rejects with an EngineUnavailableError if it cannot. */
  load(modelPath: string, options: Options): Promise<LoadedModel>;
  /** Checks whether this engine (and each of its providers) can initialize on this machine. */
  probe(): Promise<EngineProbe[]>;
}

export interface EngineProbe {
  /** e.g. `ort/cpu`, `ort/webgpu`. */
  id: string;
  bundled: boolean;
  available: boolean;
  /** Why not, when unavailable. */
  reason?: string;
}
