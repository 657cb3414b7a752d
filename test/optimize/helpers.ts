/** Small generated models and run helpers for the optimize tests (nothing committed). */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { DEFAULT_IR_VERSION, type Graph, type Model, type Node, type Tensor } from '../../src/onnx/ir.js';
import { modelToBytes, saveModel } from '../../src/onnx/model-io.js';
import type { HostTensor } from '../../src/onnx/tensor.js';
import { ModelRunner } from '../../src/optimize/ort-session.js';
import { mulberry32 } from '../../src/util/prng.js';

export async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'edgebench-optimize-'));
}

/**
 * An un-fused residual CNN: conv-BN-ReLU, max pool, conv-BN-ReLU-conv-BN + skip, ReLU, a second
 * branch pair joined by Concat, global average pool, flatten, linear. Input [1, 3, 16, 16].
 */
export function smallConvNet(seed = 1, classes = 10, size = 16): Model {
  const b = new GraphBuilder({ name: 'small_convnet', seed });
  let x = b.input('input', [1, 3, size, size]);
  x = b.relu(b.batchNorm(b.conv(x, { outChannels: 8, kernel: 3, padding: 1 }, 'conv1'), {}, 'bn1'));
  x = b.maxPool(x, { kernel: 2, stride: 2 });
  let y = b.relu(
    b.batchNorm(b.conv(x, { outChannels: 8, kernel: 3, padding: 1, bias: false }, 'conv2'), {}, 'bn2'),
  );
  y = b.batchNorm(b.conv(y, { outChannels: 8, kernel: 3, padding: 1, bias: false }, 'conv3'), {}, 'bn3');
  x = b.relu(b.add(y, x));
  const left = b.relu(b.conv(x, { outChannels: 4, kernel: 1 }, 'left'));
  const right = b.relu(b.conv(x, { outChannels: 4, kernel: 3, padding: 1 }, 'right'));
  x = b.concat([left, right], 1);
  x = b.relu(b.conv(x, { outChannels: 16, kernel: 3, padding: 1, stride: 2 }, 'conv4'));
  x = b.flatten(b.globalAvgPool(x));
  b.output(b.linear(x, { outFeatures: classes }, 'fc'), 'logits');
  return b.build();
}

export function emptyModel(name: string, opset = 17): Model {
  const graph: Graph = { name, nodes: [], initializers: new Map(), inputs: [], outputs: [], valueInfo: [] };
  return {
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: [{ domain: '', version: opset }],
    producerName: 'edgebench-tests',
    producerVersion: '0',
    domain: '',
    modelVersion: 1,
    docString: '',
    metadata: {},
    functions: [],
    graph,
  };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Node['attributes'] = {},
): Node {
  return { name: `${outputs[0]}_node`, opType, domain: '', inputs, outputs, attributes };
}

export function addInit(model: Model, tensor: Tensor): string {
  model.graph.initializers.set(tensor.name, tensor);
  return tensor.name;
}

/** Seeded floats in [lo, hi). */
export function randomFloats(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: count }, () => lo + (hi - lo) * random());
}

export function floatInput(dims: number[], seed: number, lo = -1, hi = 1): HostTensor {
  return {
    type: 'float32',
    dims,
    data: randomFloats(
      dims.reduce((a, b) => a * b, 1),
      seed,
      lo,
      hi,
    ),
  };
}

/** Runs a model (IR or path) once; returns its outputs by name. */
export async function runModel(
  model: Model | string,
  feeds: Record<string, HostTensor>,
  graphOptLevel: 'disabled' | 'basic' | 'all' = 'all',
): Promise<Record<string, HostTensor>> {
  const runner = await ModelRunner.create(
    typeof model === 'string' ? model : modelToBytes(model),
    'test model',
    {
      graphOptLevel,
      threads: 1,
    },
  );
  try {
    return await runner.run(feeds);
  } finally {
    await runner.release();
  }
}

export function maxAbsDiff(a: HostTensor, b: HostTensor): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

export function maxAbs(a: HostTensor): number {
  let m = 0;
  for (const v of a.data as Float32Array) m = Math.max(m, Math.abs(v));
  return m;
}

export function cosine(a: HostTensor, b: HostTensor): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i] * y[i];
    nx += x[i] * x[i];
    ny += y[i] * y[i];
  }
  return dot / Math.sqrt(nx * ny);
}

export async function saveTemp(model: Model, dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  await saveModel(model, file);
  return file;
}

/** Op types (domain-qualified) of the graph onnxruntime builds from a model at `level`. */
export async function ortOptimizedOps(file: string, dir: string, level: 'basic' | 'extended' = 'extended') {
  const { loadModel } = await import('../../src/onnx/model-io.js');
  const out = path.join(dir, `ort-${path.basename(file)}`);
  const runner = await ModelRunner.create(file, file, {
    graphOptLevel: level,
    optimizedModelPath: out,
    threads: 1,
  });
  await runner.release();
  const model = await loadModel(out);
  return model.graph.nodes.map((n) => (n.domain ? `${n.domain}.${n.opType}` : n.opType));
}
