import { describe, expect, it } from 'vitest';
import { attr, createTensor, float32Tensor, int64Tensor } from '../../src/onnx/ir.js';
import { fuseModel } from '../../src/optimize/fuse.js';
import { opCounts } from '../../src/optimize/graph-utils.js';
import {
  addInit,
  emptyModel,
  floatInput,
  maxAbs,
  maxAbsDiff,
  node,
  randomFloats,
  runModel,
  smallConvNet,
} from './helpers.js';

/** x → (Conv | ConvTranspose | Gemm) → BatchNormalization → y */
function layerThenBn(kind: 'conv' | 'conv-nobias' | 'convtranspose' | 'gemm') {
  const m = emptyModel(kind);
  const g = m.graph;
  let channels: number;
  if (kind === 'gemm') {
    channels = 6;
    g.inputs.push({ name: 'x', dataType: 'float32', shape: [2, 5] });
    addInit(m, float32Tensor('W', [channels, 5], randomFloats(30, 1)));
    addInit(m, float32Tensor('C', [channels], randomFloats(channels, 2)));
    g.nodes.push(
      node('Gemm', ['x', 'W', 'C'], ['h'], {
        transB: attr.int(1),
        alpha: attr.float(0.5),
        beta: attr.float(2),
      }),
    );
  } else if (kind === 'convtranspose') {
    channels = 6;
    g.inputs.push({ name: 'x', dataType: 'float32', shape: [1, 4, 5, 5] });
    // group 2: weight [Cin=4, Cout/group=3, 3, 3]
    addInit(m, float32Tensor('W', [4, 3, 3, 3], randomFloats(108, 3)));
    addInit(m, float32Tensor('B', [channels], randomFloats(channels, 4)));
    g.nodes.push(
      node('ConvTranspose', ['x', 'W', 'B'], ['h'], { group: attr.int(2), strides: attr.ints([2, 2]) }),
    );
  } else {
    channels = 5;
    g.inputs.push({ name: 'x', dataType: 'float32', shape: [1, 3, 6, 6] });
    addInit(m, float32Tensor('W', [channels, 3, 3, 3], randomFloats(135, 5)));
    const inputs = ['x', 'W'];
    if (kind === 'conv') inputs.push(addInit(m, float32Tensor('B', [channels], randomFloats(channels, 6))));
    g.nodes.push(node('Conv', inputs, ['h'], { pads: attr.ints([1, 1, 1, 1]) }));
  }
  addInit(m, float32Tensor('gamma', [channels], randomFloats(channels, 7, 0.5, 2)));
  addInit(m, float32Tensor('beta', [channels], randomFloats(channels, 8)));
  addInit(m, float32Tensor('mean', [channels], randomFloats(channels, 9)));
  addInit(m, float32Tensor('var', [channels], randomFloats(channels, 10, 0.1, 3)));
  g.nodes.push(
    node('BatchNormalization', ['h', 'gamma', 'beta', 'mean', 'var'], ['y'], { epsilon: attr.float(1e-3) }),
  );
  g.outputs.push({ name: 'y', dataType: 'float32' });
  return m;
}

describe('fuse: BatchNormalization folding', () => {
  for (const kind of ['conv', 'conv-nobias', 'convtranspose', 'gemm'] as const) {
    it(`folds BN into the preceding ${kind} exactly (float32 rounding only)`, async () => {
      const model = layerThenBn(kind);
      const shape = model.graph.inputs[0].shape as number[];
      const feeds = { x: floatInput(shape, 11) };
      const before = (await runModel(model, feeds, 'disabled')).y;
      const stats = await fuseModel(model);
      expect(stats.batchNormsFolded).toBe(1);
      expect(opCounts(model.graph).BatchNormalization).toBeUndefined();
      expect(model.graph.nodes).toHaveLength(1);
      const after = (await runModel(model, feeds, 'disabled')).y;
      // Folding changes only float32 rounding: well below 1e-5 of the output's magnitude.
      expect(maxAbsDiff(before, after)).toBeLessThan(1e-5 * Math.max(1, maxAbs(before)));
    });
  }

  it('folds every BN of an un-fused CNN and keeps its outputs', async () => {
    const model = smallConvNet();
    const feeds = { input: floatInput([1, 3, 16, 16], 3) };
    const before = (await runModel(model, feeds, 'disabled')).logits;
    const stats = await fuseModel(model);
    expect(stats.batchNormsFolded).toBe(3);
    const after = (await runModel(model, feeds, 'disabled')).logits;
    expect(maxAbsDiff(before, after)).toBeLessThan(1e-4);
  });

  it('leaves a BN whose input has other readers', async () => {
    const model = layerThenBn('conv');
    model.graph.nodes.push(node('Relu', ['h'], ['side']));
    model.graph.outputs.push({ name: 'side', dataType: 'float32' });
    expect((await fuseModel(model)).batchNormsFolded).toBe(0);
  });
});

describe('fuse: constants, Identity, dead nodes', () => {
  it('folds constant subgraphs and shape chains, removes Identity and dead nodes', async () => {
    const m = emptyModel('misc');
    const g = m.graph;
    g.inputs.push({ name: 'x', dataType: 'float32', shape: [2, 4] });
    addInit(m, float32Tensor('Wt', [3, 4], randomFloats(12, 1)));
    g.nodes.push(
      node('Constant', [], ['two'], { value: attr.tensor(float32Tensor('two', [], [2])) }),
      node('Transpose', ['Wt'], ['W'], { perm: attr.ints([1, 0]) }),
      node('Mul', ['W', 'two'], ['W2']),
      node('Identity', ['x'], ['xi']),
      node('MatMul', ['xi', 'W2'], ['h']),
      node('Shape', ['h'], ['hs']),
      node('Reshape', ['h', 'hs'], ['y']),
      node('Relu', ['x'], ['unused']),
    );
    addInit(m, int64Tensor('unused_shape', [1], [1]));
    g.outputs.push({ name: 'y', dataType: 'float32' });
    const feeds = { x: floatInput([2, 4], 2) };
    const before = (await runModel(m, feeds, 'disabled')).y;
    const stats = await fuseModel(m);
    expect(stats.constantNodes).toBe(1);
    expect(stats.identities).toBe(1);
    expect(stats.constantFolds).toBeGreaterThanOrEqual(2);
    expect(stats.shapeFolds).toBe(1);
    expect(m.graph.nodes.map((n) => n.opType).sort()).toEqual(['MatMul', 'Reshape']);
    expect(m.graph.initializers.has('unused_shape')).toBe(false);
    const after = (await runModel(m, feeds, 'disabled')).y;
    expect(maxAbsDiff(before, after)).toBeLessThan(1e-6);
  });

  it('turns MatMul + bias Add on 2-D inputs into one Gemm', async () => {
    const m = emptyModel('matmul_add');
    const g = m.graph;
    g.inputs.push({ name: 'x', dataType: 'float32', shape: [3, 4] });
    addInit(m, float32Tensor('W', [4, 5], randomFloats(20, 1)));
    addInit(m, createTensor('b', 'float32', [1, 5], randomFloats(5, 2)));
    g.nodes.push(node('MatMul', ['x', 'W'], ['h']), node('Add', ['b', 'h'], ['y']));
    g.outputs.push({ name: 'y', dataType: 'float32' });
    const feeds = { x: floatInput([3, 4], 3) };
    const before = (await runModel(m, feeds, 'disabled')).y;
    const stats = await fuseModel(m);
    expect(stats.matMulAddToGemm).toBe(1);
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Gemm']);
    expect(maxAbsDiff(before, (await runModel(m, feeds, 'disabled')).y)).toBeLessThan(1e-6);
  });
});
