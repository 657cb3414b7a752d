/**
 * onnxruntime-node's native session, driven directly. The public `InferenceSession.run` defers every
 * call with `setImmediate`, so one turn of the event loop (due timers, I/O callbacks, worker
 * messages) runs inside each timed call, and re-validates feeds and re-wraps outputs each time (~7 µs
 * per call measured here). The native binding's `run` is synchronous: the timed region holds the
 * inference and nothing else, as in Python's `session.run`. The timing loop yields to the event loop
 * between samples instead (see measure/loop.ts).
 *
 * The binding is onnxruntime-node's own internal module (`dist/binding.js`), so its shape is checked
 * before use; where it differs (another onnxruntime-node version), callers fall back to the public API.
 */
import { createRequire } from 'node:module';
import type * as OrtTypes from 'onnxruntime-node';

/** The binding's metadata: element types by ONNX TensorProto number, symbolic dims as -1. */
interface RawValueMetadata {
  name: string;
  isTensor: boolean;
  symbolicDimensions: string[];
  shape: number[];
  type: number;
}

type Feeds = Readonly<Record<string, unknown>>;

interface RawSession {
  loadModel(path: string, options: OrtTypes.InferenceSession.SessionOptions): void;
  loadModel(
    buffer: ArrayBufferLike,
    byteOffset: number,
    byteLength: number,
    options: OrtTypes.InferenceSession.SessionOptions,
  ): void;
  readonly inputMetadata: RawValueMetadata[];
  readonly outputMetadata: RawValueMetadata[];
  run(feeds: Feeds, fetches: Record<string, null>, options: Record<string, unknown>): Record<string, unknown>;
  endProfiling(): void;
  dispose(): void;
}

interface RawBinding {
  binding: { InferenceSession: new () => RawSession };
  initOrt: () => void;
}

/** ONNX TensorProto element types, as the public API names them. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  21: 'uint4',
  22: 'int4',
};

const require = createRequire(import.meta.url);
let loaded: RawBinding | null | undefined;

/** The native binding, or null (with the reason kept) when this onnxruntime-node does not have the expected one. */
function rawBinding(): RawBinding | null {
  if (loaded !== undefined) return loaded;
  try {
    const candidate = require('onnxruntime-node/dist/binding.js') as Partial<RawBinding>;
    const Session = candidate.binding?.InferenceSession;
    loaded =
      typeof Session === 'function' &&
      typeof candidate.initOrt === 'function' &&
      typeof Session.prototype.run === 'function' &&
      typeof Session.prototype.loadModel === 'function'
        ? (candidate as RawBinding)
        : null;
  } catch {
    loaded = null;
  }
  return loaded;
}

export function nativeBindingAvailable(): boolean {
  return rawBinding() !== null;
}

/** A session on the native binding: metadata as the public API reports it, and a synchronous run. */
export class NativeSession {
  readonly inputMetadata: OrtTypes.InferenceSession.ValueMetadata[];
  readonly outputMetadata: OrtTypes.InferenceSession.ValueMetadata[];
  private readonly allOutputs: Record<string, null>;
  private readonly runOptions: Record<string, unknown> = {};

  private constructor(private readonly raw: RawSession) {
    this.inputMetadata = raw.inputMetadata.map(toValueMetadata);
    this.outputMetadata = raw.outputMetadata.map(toValueMetadata);
    this.allOutputs = Object.fromEntries(this.outputMetadata.map((m) => [m.name, null]));
  }

  /**
   * Creates the session as `InferenceSession.create` would (the same options object goes to the same
   * native loader). Returns null when the binding is not the expected one; throws what onnxruntime throws.
   */
  static create(
    model: string | Uint8Array,
    options: OrtTypes.InferenceSession.SessionOptions,
  ): NativeSession | null {
    const binding = rawBinding();
    if (!binding) return null;
    binding.initOrt();
    const raw = new binding.binding.InferenceSession();
    if (typeof model === 'string') raw.loadModel(model, options);
    else raw.loadModel(model.buffer, model.byteOffset, model.byteLength, options);
    return new NativeSession(raw);
  }

  /** One inference, synchronously on this thread; outputs are onnxruntime Tensors. */
  runSync(feeds: Feeds): Record<string, unknown> {
    return this.raw.run(feeds, this.allOutputs, this.runOptions);
  }

  /**
   * One inference as the public API runs it, after a turn of the event loop, for callers that
   * interleave inference with I/O (pipelines reading frames, paced scenarios).
   */
  run(feeds: Feeds): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve(this.runSync(feeds));
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  endProfiling(): void {
    this.raw.endProfiling();
  }

  async release(): Promise<void> {
    this.raw.dispose();
  }
}

function toValueMetadata(m: RawValueMetadata): OrtTypes.InferenceSession.ValueMetadata {
  if (!m.isTensor) return { name: m.name, isTensor: false } as OrtTypes.InferenceSession.ValueMetadata;
  const type = ELEMENT_TYPES[m.type] ?? `onnx-type-${m.type}`;
  const shape = m.shape.map((dim, i) => (dim === -1 ? (m.symbolicDimensions[i] ?? '') : dim));
  return { name: m.name, isTensor: true, type, shape } as OrtTypes.InferenceSession.ValueMetadata;
}
