/**
 * The models the fuzz starts from: small, valid, opset 17, with fixed input shapes (so `run` needs
 * no --shape), together covering the operators whose attributes shape inference reads.
 */
import { GraphBuilder } from '../../src/onnx/builder.js';
import { attr, float32Tensor, type Model } from '../../src/onnx/ir.js';
import { denseReluModel } from '../helpers/tiny-models.js';
import { smallConvNet } from '../optimize/helpers.js';

/**
 * Axes, permutations, slices and shape arithmetic: Transpose, Shape → Gather → Concat → Reshape,
 * Softmax, Slice, Split, ReduceMean, Unsqueeze/Squeeze, Flatten, and an AveragePool without strides.
 */
export function shapeChainModel(): Model {
  const b = new GraphBuilder({ name: 'shape_chain', seed: 3 });
  const x = b.input('x', [1, 4, 6, 8]);
  const t = b.transpose(x, [0, 2, 3, 1]);
  const shape = b.op('Shape', [t]);
  const batch = b.op('Gather', [shape, b.int64Constant([0])], { axis: attr.int(0) });
  const target = b.op('Concat', [batch, b.int64Constant([-1])], { axis: attr.int(0) });
  const flat = b.op('Reshape', [t, target]);
  const soft = b.op('Softmax', [flat], { axis: attr.int(-1) });
  const sliced = b.op('Slice', [
    soft,
    b.int64Constant([0]),
    b.int64Constant([96]),
    b.int64Constant([1]),
    b.int64Constant([1]),
  ]);
  const [left, right] = b.split(sliced, [48, 48], 1);
  const sum = b.add(left, right);
  const mean = b.reduceMean(sum, [1], true);
  const up = b.op('Unsqueeze', [mean, b.int64Constant([2])]);
  const down = b.op('Squeeze', [up, b.int64Constant([2])]);
  b.output(b.flatten(down, 1), 'y');
  const pooled = b.op('AveragePool', [x], { kernel_shape: attr.ints([2, 2]) });
  const scaled = b.mul(b.globalAvgPool(pooled), b.initializer(float32Tensor('scale', [1], [0.5])));
  b.output(scaled, 'pooled');
  return b.build();
}

export interface Seed {
  name: string;
  model: () => Model;
}

export const SEEDS: readonly Seed[] = [
  { name: 'dense', model: () => denseReluModel(16, 8, 2) },
  { name: 'convnet', model: () => smallConvNet(1, 10, 16) },
  { name: 'shape-chain', model: shapeChainModel },
];
