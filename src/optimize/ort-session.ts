/**
 * onnxruntime sessions for the recipes' own needs (calibration, constant folding, verification,
 * fidelity): created from bytes or a path, fed and read as HostTensors. Never timed.
 */
import type * as OrtTypes from 'onnxruntime-node';
import { assertHasOutputs, describeRunError, onnxruntimeLogSeverity, ort } from '../engines/ort-binding.js';
import { createOrtSession } from '../engines/ort-opset.js';
import { type GraphOptLevel, threadCountProblem } from '../engines/ort-options.js';
import { UserError } from '../errors.js';
import type { HostTensor, TensorElementType, TensorInfo } from '../onnx/tensor.js';

export interface SessionOptions {
  graphOptLevel?: GraphOptLevel;
  /** Intra-op threads; 0 lets onnxruntime decide. */
  threads?: number;
  optimizedModelPath?: string;
  /** Upgrade an opset onnxruntime cannot run, in memory (default true). */
  opsetUpgrade?: boolean;
}

export class ModelRunner {
  private constructor(
    private readonly session: OrtTypes.InferenceSession,
    private readonly label: string,
    readonly inputs: TensorInfo[],
    readonly outputs: TensorInfo[],
  ) {}

  /** Loads a model; `label` names it in errors. Throws UserError when onnxruntime refuses it. */
  static async create(model: string | Uint8Array, label: string, options: SessionOptions = {}) {
    const opts: OrtTypes.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: options.graphOptLevel ?? 'all',
      logSeverityLevel: onnxruntimeLogSeverity(),
    };
    const threads = options.threads ? threadCountProblem('threads', options.threads) : undefined;
    if (threads) throw new UserError(threads);
    if (options.threads) opts.intraOpNumThreads = options.threads;
    if (options.optimizedModelPath) opts.optimizedModelFilePath = options.optimizedModelPath;
    const { session } = await createOrtSession({
      source: model,
      label,
      options: opts,
      opsetUpgrade: options.opsetUpgrade,
    });
    const info = (m: OrtTypes.InferenceSession.ValueMetadata): TensorInfo =>
      m.isTensor
        ? { name: m.name, type: m.type, shape: m.shape }
        : { name: m.name, type: 'non-tensor', shape: [] };
    try {
      assertHasOutputs(label, session.outputMetadata);
    } catch (error) {
      await session.release();
      throw error;
    }
    return new ModelRunner(session, label, session.inputMetadata.map(info), session.outputMetadata.map(info));
  }

  async run(feeds: Record<string, HostTensor>, outputNames?: string[]): Promise<Record<string, HostTensor>> {
    const Tensor = ort().Tensor;
    const prepared: Record<string, OrtTypes.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      prepared[name] = new Tensor(t.type as OrtTypes.Tensor.Type, t.data as OrtTypes.Tensor.DataType, [
        ...t.dims,
      ]);
    }
    let results: OrtTypes.InferenceSession.ReturnType;
    try {
      results = outputNames
        ? await this.session.run(prepared, outputNames)
        : await this.session.run(prepared);
    } catch (error) {
      throw new UserError(describeRunError(this.label, error), { cause: error });
    }
    const out: Record<string, HostTensor> = {};
    for (const [name, value] of Object.entries(results)) {
      const tensor = value as OrtTypes.Tensor;
      out[name] = {
        type: tensor.type as TensorElementType,
        dims: [...tensor.dims],
        data: tensor.data as HostTensor['data'],
      };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
