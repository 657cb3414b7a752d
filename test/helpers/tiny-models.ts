/** Small ONNX models the CLI tests generate (nothing committed): built straight from the IR. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_IR_VERSION, float32Tensor, type Model } from '../../src/onnx/ir.js';
import { saveModel } from '../../src/onnx/model-io.js';

/** y = relu(x · W + b), x: [batch, features] with a symbolic batch dimension. */
export function denseReluModel(features = 16, outputs = 8, batchDim: number | string = 'batch'): Model {
  const weights = Array.from({ length: features * outputs }, (_, i) => Math.sin(i) * 0.3);
  const bias = Array.from({ length: outputs }, (_, i) => (i % 3) * 0.1);
  return {
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: [{ domain: '', version: 17 }],
    producerName: 'edgebench-tests',
    producerVersion: '0',
    domain: '',
    modelVersion: 1,
    docString: '',
    metadata: {},
    functions: [],
    graph: {
      name: 'dense_relu',
      nodes: [
        { name: 'matmul', opType: 'MatMul', domain: '', inputs: ['x', 'W'], outputs: ['xw'], attributes: {} },
        { name: 'add', opType: 'Add', domain: '', inputs: ['xw', 'b'], outputs: ['pre'], attributes: {} },
        { name: 'relu', opType: 'Relu', domain: '', inputs: ['pre'], outputs: ['y'], attributes: {} },
      ],
      initializers: new Map([
        ['W', float32Tensor('W', [features, outputs], weights)],
        ['b', float32Tensor('b', [outputs], bias)],
      ]),
      inputs: [{ name: 'x', dataType: 'float32', shape: [batchDim, features] }],
      outputs: [{ name: 'y', dataType: 'float32', shape: [batchDim, outputs] }],
      valueInfo: [],
    },
  };
}

/** Writes the dense model plus broken files next to it; returns their paths. */
export async function writeFixtureModels(
  dir: string,
): Promise<{ dynamic: string; fixed: string; notOnnx: string; truncated: string }> {
  const dynamic = path.join(dir, 'dense-dynamic.onnx');
  const fixed = path.join(dir, 'dense-fixed.onnx');
  await saveModel(denseReluModel(), dynamic);
  await saveModel(denseReluModel(16, 8, 2), fixed);
  const notOnnx = path.join(dir, 'readme.onnx');
  await writeFile(notOnnx, 'this is a text file, not a model\n');
  const truncated = path.join(dir, 'truncated.onnx');
  const bytes = await readFile(dynamic);
  await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  return { dynamic, fixed, notOnnx, truncated };
}
