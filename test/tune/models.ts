/**
 * Small generated models for the tune tests (nothing committed), built straight from the IR.
 *
 * `sensitiveModel`: x [1, 16] → MatMul `m1` → Relu → Div (channel 0 × 1000) → MatMul `sensitive`
 * (its weight row 0 × 1/1000, so channel 0 adds about as much as the others) → MatMul `m3` → y [1, 8].
 * Quantizing `sensitive`'s input with one scale per tensor spends the whole 8-bit range on channel
 * 0 and rounds the other fifteen to zero: full int8 breaks the output, and keeping that one op in
 * float mends it — the deliberately sensitive layer of a mixed-precision search.
 */
import { DEFAULT_IR_VERSION, float32Tensor, type Model } from '../../src/onnx/ir.js';
import { mulberry32 } from '../../src/util/prng.js';

function weights(rows: number, cols: number, seed: number): number[] {
  const random = mulberry32(seed);
  const scale = Math.sqrt(6 / rows);
  return Array.from({ length: rows * cols }, () => (random() * 2 - 1) * scale);
}

export function sensitiveModel(width = 16, outputs = 8): Model {
  const w2 = weights(width, width, 2);
  for (let j = 0; j < width; j++) w2[j] /= 1000;
  const divisor = Array.from({ length: width }, (_, i) => (i === 0 ? 0.001 : 1));
  const node = (name: string, opType: string, inputs: string[], out: string) => ({
    name,
    opType,
    domain: '',
    inputs,
    outputs: [out],
    attributes: {},
  });
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
      name: 'sensitive',
      nodes: [
        node('m1', 'MatMul', ['x', 'w1'], 'h1'),
        node('relu1', 'Relu', ['h1'], 'r1'),
        node('widen', 'Div', ['r1', 'divisor'], 's'),
        node('sensitive', 'MatMul', ['s', 'w2'], 'h2'),
        node('m3', 'MatMul', ['h2', 'w3'], 'y'),
      ],
      initializers: new Map([
        ['w1', float32Tensor('w1', [width, width], weights(width, width, 1))],
        ['divisor', float32Tensor('divisor', [width], divisor)],
        ['w2', float32Tensor('w2', [width, width], w2)],
        ['w3', float32Tensor('w3', [width, outputs], weights(width, outputs, 3))],
      ]),
      inputs: [{ name: 'x', dataType: 'float32', shape: [1, width] }],
      outputs: [{ name: 'y', dataType: 'float32', shape: [1, outputs] }],
      valueInfo: [],
    },
  };
}
