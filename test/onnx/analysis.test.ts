import { describe, expect, it } from 'vitest';
import { ortShapeRunner } from '../../src/engines/ort-shapes.js';
import { analyzeModel, analyzeModelStatic } from '../../src/onnx/analysis.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { attr, createTensor, float32Tensor, int64Tensor } from '../../src/onnx/ir.js';
import { inferShapes } from '../../src/onnx/shape-inference.js';
import { model, node } from './helpers.js';

const zeros = (name: string, dims: number[]) =>
  float32Tensor(name, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0));

describe('MACs and FLOPs, checked by hand', () => {
  it('grouped, strided 2D conv', () => {
    // out [1,16,5,5]: each output reads (8/2) channels × 3×3 → 400 × 36 MACs.
    const m = model(
      [
        node('Conv', ['x', 'w'], ['y'], {
          group: attr.int(2),
          strides: attr.ints([2, 2]),
          pads: attr.ints([1, 1, 1, 1]),
        }),
      ],
      [{ name: 'x', dataType: 'float32', shape: [1, 8, 10, 10] }],
      [{ name: 'y', dataType: 'float32' }],
      [zeros('w', [16, 4, 3, 3])],
    );
    const a = analyzeModelStatic(m);
    expect(a.compute.byOpType.Conv).toEqual({ count: 1, macs: 14400, flops: 28800 });
    expect(a.compute.convMatmulFlops).toBe(28800);
  });

  it('3D conv, transposed conv, Gemm, batched MatMul', () => {
    const m = model(
      [
        node('Conv', ['v', 'w3'], ['v2'], { pads: attr.ints([1, 1, 1, 1, 1, 1]) }),
        node('ConvTranspose', ['x', 'wt'], ['up'], { strides: attr.ints([2, 2]) }),
        node('Gemm', ['a', 'b', 'c'], ['g'], { transB: attr.int(1) }),
        node('MatMul', ['m', 'k'], ['mm']),
      ],
      [
        { name: 'v', dataType: 'float32', shape: [1, 2, 4, 6, 6] },
        { name: 'x', dataType: 'float32', shape: [1, 4, 5, 5] },
        { name: 'a', dataType: 'float32', shape: [2, 8] },
        { name: 'm', dataType: 'float32', shape: [3, 4, 6] },
      ],
      [
        { name: 'v2', dataType: 'float32' },
        { name: 'up', dataType: 'float32' },
        { name: 'g', dataType: 'float32' },
        { name: 'mm', dataType: 'float32' },
      ],
      [
        zeros('w3', [3, 2, 3, 3, 3]),
        zeros('wt', [4, 2, 3, 3]),
        zeros('b', [5, 8]),
        zeros('c', [5]),
        zeros('k', [6, 7]),
      ],
    );
    const a = analyzeModelStatic(m);
    const shapes = inferShapes(m).facts;
    expect(shapes.get('v2')?.shape).toEqual([1, 3, 4, 6, 6]);
    expect(shapes.get('up')?.shape).toEqual([1, 2, 11, 11]);
    expect(shapes.get('mm')?.shape).toEqual([3, 4, 7]);
    expect(a.compute.byOpType.Conv.macs).toBe(432 * 2 * 27); // out elements × in channels × kernel
    expect(a.compute.byOpType.ConvTranspose.macs).toBe(100 * 2 * 9); // in elements × out channels × kernel
    expect(a.compute.byOpType.Gemm.macs).toBe(2 * 5 * 8);
    expect(a.compute.byOpType.MatMul.macs).toBe(3 * 4 * 7 * 6);
    expect(a.compute.macs).toBe(23328 + 1800 + 80 + 504);
  });

  it('pooling, activations and BatchNormalization', () => {
    const b = new GraphBuilder({ name: 'pools' });
    const x = b.input('x', [1, 2, 9, 9]);
    const p = b.maxPool(x, { kernel: 3, stride: 2 });
    const r = b.relu(b.batchNorm(p));
    b.output(b.globalAvgPool(r), 'y');
    const a = analyzeModelStatic(b.build());
    expect(a.compute.byOpType.MaxPool.flops).toBe(2 * 4 * 4 * 9);
    expect(a.compute.byOpType.BatchNormalization.flops).toBe(2 * 32);
    expect(a.compute.byOpType.Relu.flops).toBe(32);
    expect(a.compute.byOpType.GlobalAveragePool.flops).toBe(32);
    expect(a.compute.macs).toBe(0);
  });
});

describe('parameter count', () => {
  it('counts weights, biases and BN scale/shift, not running stats, clip bounds or scalars', () => {
    const b = new GraphBuilder({ name: 'params' });
    const x = b.input('x', [1, 3, 8, 8]);
    let y = b.batchNorm(b.conv(x, { outChannels: 4, kernel: 3 }));
    y = b.mul(b.relu6(y), b.float32Constant([0.5], []));
    y = b.linear(b.flatten(b.globalAvgPool(y)), { outFeatures: 5 });
    b.output(y, 'y');
    const a = analyzeModelStatic(b.build());
    expect(a.parameters).toBe(4 * 3 * 9 + 4 + 2 * 4 + 5 * 4 + 5);
    // Weight bytes include everything stored: running stats and constants too.
    expect(a.weightBytes).toBe((a.parameters + 2 * 4 + 3) * 4);
  });
});

describe('shape inference', () => {
  it('follows Shape → Gather → Unsqueeze → Concat → Reshape chains', () => {
    const m = model(
      [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], { axis: attr.int(0) }),
        node('Unsqueeze', ['n', 'axes'], ['n1']),
        node('Concat', ['n1', 'minus1'], ['target'], { axis: attr.int(0) }),
        node('Reshape', ['x', 'target'], ['y']),
      ],
      [{ name: 'x', dataType: 'float32', shape: ['batch', 3, 4, 5] }],
      [{ name: 'y', dataType: 'float32' }],
      [
        createTensor('zero', 'int64', [], new BigInt64Array([0n])),
        int64Tensor('axes', [1], [0]),
        int64Tensor('minus1', [1], [-1]),
      ],
    );
    expect(inferShapes(m, { inputShapes: { x: [2, 3, 4, 5] } }).facts.get('y')?.shape).toEqual([2, 60]);
    const symbolic = inferShapes(m).facts.get('y')?.shape;
    expect(symbolic?.length).toBe(2);
  });

  it('reads shapes static inference cannot from one onnxruntime run', async () => {
    const m = model(
      [node('Einsum', ['a', 'b'], ['e'], { equation: attr.string('ij,jk->ik') }), node('Relu', ['e'], ['y'])],
      [
        { name: 'a', dataType: 'float32', shape: [2, 3] },
        { name: 'b', dataType: 'float32', shape: [3, 4] },
      ],
      [{ name: 'y', dataType: 'float32' }],
    );
    expect(analyzeModelStatic(m).unresolvedValues).toEqual(['e', 'y']);
    const a = await analyzeModel(m, { runShapes: ortShapeRunner });
    expect(a.shapeSource).toBe('static+run');
    expect(a.unresolvedValues).toEqual([]);
    expect(a.compute.byOpType.Relu.flops).toBe(8);
    expect(a.unsupportedOps).toEqual(['Einsum']);
  });

  it('estimates peak activation memory along a chain', () => {
    const m = model(
      [node('Relu', ['x'], ['a']), node('Neg', ['a'], ['b']), node('Exp', ['b'], ['y'])],
      [{ name: 'x', dataType: 'float32', shape: [1, 1000] }],
      [{ name: 'y', dataType: 'float32' }],
    );
    // Two 4000-byte tensors are alive at once (an input and an output of the running node).
    expect(analyzeModelStatic(m).peakActivationBytes).toBe(8000);
  });
});
