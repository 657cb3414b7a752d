/** An ONNX model's declared inputs and outputs, read with onnxruntime (graph optimizations off, CPU). */
import type * as OrtTypes from 'onnxruntime-node';
import { messageOf } from '../../errors.js';
import type { TensorInfo } from '../../onnx/tensor.js';
import { onnxruntimeLogSeverity } from '../ort-binding.js';
import { createOrtSession } from '../ort-opset.js';

function toInfo(meta: OrtTypes.InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, type: 'non-tensor', shape: [] };
  return { name: meta.name, type: meta.type, shape: [...meta.shape] };
}

export type OnnxIo = { inputs: TensorInfo[]; outputs: TensorInfo[] } | { error: string };

export async function readOnnxIo(modelPath: string): Promise<OnnxIo> {
  let session: OrtTypes.InferenceSession;
  try {
    // Only the declared inputs and outputs are read here; an opset upgrade keeps them as they are.
    ({ session } = await createOrtSession({
      source: modelPath,
      label: modelPath,
      options: {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'disabled',
        logSeverityLevel: onnxruntimeLogSeverity(),
      },
    }));
  } catch (error) {
    return { error: messageOf(error).replace(/\s+/g, ' ').slice(0, 300) };
  }
  try {
    return { inputs: session.inputMetadata.map(toInfo), outputs: session.outputMetadata.map(toInfo) };
  } finally {
    await session.release();
  }
}
