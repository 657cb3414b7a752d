/**
 * Shapes from one onnxruntime run: for the values static inference could not resolve, the model is
 * re-emitted with those values as extra graph outputs, run once on zero-filled inputs, and the
 * shapes read off the results. Shapes that depend on input values are those of zero inputs.
 */
import * as ort from 'onnxruntime-node';
import { createOrtSession } from '../engines/ort-opset.js';
import { messageOf, UserError } from '../errors.js';
import type { DataType } from './dtype.js';
import { cloneModel, type Model } from './ir.js';
import { modelToBytes } from './model-io.js';

export interface RunShape {
  dataType: DataType;
  shape: number[];
}

const ORT_TYPES: Partial<Record<DataType, ort.Tensor.Type>> = {
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
export async function shapesFromRun(
  model: Model,
  values: string[],
  inputShapes: Record<string, number[]>,
): Promise<Map<string, RunShape>> {
  const probe = cloneModel(model);
  const declared = new Set(probe.graph.outputs.map((o) => o.name));
  for (const name of values) if (!declared.has(name)) probe.graph.outputs.push({ name });
  const session = await createSession(modelToBytes(probe));
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of probe.graph.inputs) {
      if (probe.graph.initializers.has(input.name)) continue;
      const type = input.dataType && ORT_TYPES[input.dataType];
      if (!type)
        throw new UserError(
          `cannot run ${model.graph.name}: input '${input.name}' has type ${input.dataType}`,
        );
      feeds[input.name] = zeroTensor(type, inputShapes[input.name]);
    }
    const results = await session.run(feeds);
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

async function createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  try {
    // A model below the opset onnxruntime implements is upgraded in memory (value names are kept).
    return (
      await createOrtSession({
        source: bytes,
        label: 'the model',
        options: { graphOptimizationLevel: 'disabled' },
      })
    ).session;
  } catch (error) {
    throw new UserError(`onnxruntime could not load the model to read its shapes: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function zeroTensor(type: ort.Tensor.Type, dims: number[]): ort.Tensor {
  const count = dims.reduce((a, b) => a * b, 1);
  switch (type) {
    case 'float32':
      return new ort.Tensor(type, new Float32Array(count), dims);
    case 'float64':
      return new ort.Tensor(type, new Float64Array(count), dims);
    case 'float16':
    case 'uint16':
      return new ort.Tensor(type, new Uint16Array(count), dims);
    case 'int8':
      return new ort.Tensor(type, new Int8Array(count), dims);
    case 'int16':
      return new ort.Tensor(type, new Int16Array(count), dims);
    case 'int32':
      return new ort.Tensor(type, new Int32Array(count), dims);
    case 'uint32':
      return new ort.Tensor(type, new Uint32Array(count), dims);
    case 'int64':
      return new ort.Tensor(type, new BigInt64Array(count), dims);
    case 'uint64':
      return new ort.Tensor(type, new BigUint64Array(count), dims);
    default:
      return new ort.Tensor(type, new Uint8Array(count), dims);
  }
}
