/**
 * Shapes from one onnxruntime run: for the values static inference could not resolve, the model is
 * re-emitted with those values as extra graph outputs, run once on zero-filled inputs, and the
 * shapes read off the results. Shapes that depend on input values are those of zero inputs.
 */
import type * as OrtTypes from 'onnxruntime-node';
import { messageOf, UserError } from '../errors.js';
import type { RunShape, ShapeRunner } from '../onnx/analysis.js';
import { bytesPerElement, type DataType, storageFor } from '../onnx/dtype.js';
import { cloneModel, type Model } from '../onnx/ir.js';
import { modelToBytes } from '../onnx/model-io.js';
import { checkedElementCount } from '../util/memory-limits.js';
import { describeRunError, onnxruntimeLogSeverity, ort } from './ort-binding.js';
import { createOrtSession } from './ort-opset.js';

const ORT_TYPES: Partial<Record<DataType, OrtTypes.Tensor.Type>> = {
  float32: 'float32',
  float16: 'float16',
  float64: 'float64',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  bool: 'bool',
};

/**
 * Runs the model once and returns the shapes of `values` (node outputs). `inputShapes` gives a
 * concrete shape for every model input.
 */
/** onnxruntime as the analysis's shape runner. */
export const ortShapeRunner: ShapeRunner = (model, values, inputShapes, source) =>
  shapesFromRun(model, values, inputShapes, source);

export async function shapesFromRun(
  model: Model,
  values: string[],
  inputShapes: Record<string, number[]>,
  source = model.graph.name || 'the model',
): Promise<Map<string, RunShape>> {
  const probe = cloneModel(model);
  const declared = new Set(probe.graph.outputs.map((o) => o.name));
  for (const name of values) if (!declared.has(name)) probe.graph.outputs.push({ name });
  const session = await createSession(modelToBytes(probe), source);
  try {
    const feeds: Record<string, OrtTypes.Tensor> = {};
    for (const input of probe.graph.inputs) {
      if (probe.graph.initializers.has(input.name)) continue;
      const type = input.dataType && ORT_TYPES[input.dataType];
      if (!type)
        throw new UserError(
          `cannot run ${source} to read its shapes: input '${input.name}' has type ${input.dataType ?? 'unknown'}`,
        );
      feeds[input.name] = zeroTensor(type, inputShapes[input.name], `input '${input.name}'`);
    }
    let results: OrtTypes.InferenceSession.ReturnType;
    try {
      results = await session.run(feeds);
    } catch (error) {
      throw new UserError(describeRunError(source, error), { cause: error });
    }
    const shapes = new Map<string, RunShape>();
    for (const name of values) {
      const value = results[name];
      if (value) shapes.set(name, { dataType: value.type as DataType, shape: [...value.dims] });
    }
    return shapes;
  } finally {
    await session.release();
  }
}

async function createSession(bytes: Uint8Array, source: string): Promise<OrtTypes.InferenceSession> {
  try {
    // A model below the opset onnxruntime implements is upgraded in memory (value names are kept).
    return (
      await createOrtSession({
        source: bytes,
        label: source,
        options: { graphOptimizationLevel: 'disabled', logSeverityLevel: onnxruntimeLogSeverity() },
      })
    ).session;
  } catch (error) {
    // createOrtSession's errors already say what onnxruntime refused, in one line.
    throw new UserError(
      `${messageOf(error)} (while running it once to read the shapes static inference could not find; --no-run skips that)`,
      { cause: error },
    );
  }
}

function zeroTensor(type: OrtTypes.Tensor.Type, dims: number[], label: string): OrtTypes.Tensor {
  const elementBytes = type === 'bool' ? 1 : bytesPerElement(type as DataType);
  const count = checkedElementCount(label, dims, elementBytes);
  // The IR's storage for the type (float16 as Uint16 bits, bool as bytes); bytes for the rest.
  const Storage = storageFor(type as DataType) ?? Uint8Array;
  const { Tensor } = ort();
  return new Tensor(type, new Storage(count) as OrtTypes.Tensor.DataType, dims);
}
