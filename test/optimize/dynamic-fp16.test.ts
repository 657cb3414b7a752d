import { describe, expect, it } from 'vitest';
import { attr, float32Tensor, type Model } from '../../src/onnx/ir.js';
import { convertToFloat16 } from '../../src/optimize/fp16.js';
import { fuseModel } from '../../src/optimize/fuse.js';
import { opCounts } from '../../src/optimize/graph-utils.js';
import { quantizeDynamic } from '../../src/optimize/quantize/dynamic.js';
import { denseReluModel } from '../helpers/tiny-models.js';
import {
  addInit,
  cosine,
  emptyModel,
  floatInput,
  maxAbs,
  maxAbsDiff,
  node,
  randomFloats,
  runModel,
  smallConvNet,
} from './helpers.js';

describe('int8-dynamic', () => {
  it('MatMul → DynamicQuantizeLinear + MatMulInteger, within 3% of the output range', async () => {
    const model = denseReluModel(32, 16, 4);
    const feeds = { x: floatInput([4, 32], 1) };
    const before = (await runModel(model, feeds)).y;
    const report = quantizeDynamic(model);
    expect(report.quantized).toEqual({ MatMul: 1 });
    expect(opCounts(model.graph)).toMatchObject({ DynamicQuantizeLinear: 1, MatMulInteger: 1, Cast: 1 });
    const after = (await runModel(model, feeds)).y;
    expect(maxAbsDiff(before, after)).toBeLessThan(0.03 * maxAbs(before));
  });

  it('Gemm (transB, alpha, beta) and Conv (ConvInteger) on a fused CNN keep top-1 and cosine > 0.99', async () => {
    const model = smallConvNet(2);
    await fuseModel(model);
    const gemm = model.graph.nodes.find((n) => n.opType === 'Gemm')!;
    gemm.attributes.alpha = attr.float(0.5);
    gemm.attributes.beta = attr.float(2);
    const float = structuredClone(model) as Model;
    const report = quantizeDynamic(model, { conv: true });
    expect(report.quantized).toEqual({ Conv: 6, Gemm: 1 });
    expect(opCounts(model.graph)).toMatchObject({ ConvInteger: 6, MatMulInteger: 1 });
    for (const seed of [1, 2]) {
      const feeds = { input: floatInput([1, 3, 16, 16], seed) };
      const a = (await runModel(float, feeds)).logits;
      const b = (await runModel(model, feeds)).logits;
      expect(cosine(a, b)).toBeGreaterThan(0.99);
    }
  });

  it('leaves Conv in float unless asked', async () => {
    const model = smallConvNet();
    await fuseModel(model);
    expect(quantizeDynamic(model).quantized).toEqual({ Gemm: 1 });
  });
});

/** x → Conv → Relu → Resize(×2) → Softmax(axis 1) → y, all float32. */
function fp16TestModel(): Model {
  const m = emptyModel('fp16');
  m.graph.inputs.push({ name: 'x', dataType: 'float32', shape: [1, 3, 8, 8] });
  addInit(m, float32Tensor('W', [4, 3, 3, 3], randomFloats(108, 1)));
  addInit(m, float32Tensor('B', [4], randomFloats(4, 2)));
  addInit(m, float32Tensor('scales', [4], [1, 1, 2, 2]));
  m.graph.nodes.push(
    node('Conv', ['x', 'W', 'B'], ['c'], { pads: attr.ints([1, 1, 1, 1]) }),
    node('Relu', ['c'], ['r']),
    node('Resize', ['r', '', 'scales'], ['u'], { mode: attr.string('nearest') }),
    node('Softmax', ['u'], ['y'], { axis: attr.int(1) }),
  );
  m.graph.outputs.push({ name: 'y', dataType: 'float32' });
  return m;
}

describe('fp16', () => {
  it('float16 weights and compute, float32 IO, Casts only at the edges and around blocked ops', async () => {
    const model = fp16TestModel();
    const feeds = { x: floatInput([1, 3, 8, 8], 3) };
    const before = (await runModel(model, feeds)).y;
    const report = convertToFloat16(model);
    expect(model.graph.initializers.get('W')?.dataType).toBe('float16');
    expect(model.graph.initializers.get('B')?.dataType).toBe('float16');
    // Resize needs float32 scales and stays float32.
    expect(model.graph.initializers.get('scales')?.dataType).toBe('float32');
    expect(report.keptFloat32Nodes).toEqual({ Resize: 1 });
    // Input → fp16, Relu → Resize (fp32), Resize → Softmax (fp16), Softmax → output (fp32).
    expect(report.casts).toBe(4);
    expect(model.graph.inputs[0].dataType).toBe('float32');
    expect(model.graph.outputs.map((o) => [o.name, o.dataType])).toEqual([['y', 'float32']]);
    const after = await runModel(model, feeds);
    expect(after.y.type).toBe('float32');
    expect(maxAbsDiff(before, after.y)).toBeLessThan(2e-3);
  });

  it('can keep Softmax in float32', async () => {
    const model = fp16TestModel();
    const report = convertToFloat16(model, { keepSoftmax: true });
    expect(report.keptFloat32Nodes).toEqual({ Resize: 1, Softmax: 1 });
    // Input cast and the Relu → Resize cast; Resize and Softmax are float32 up to the output.
    expect(report.casts).toBe(2);
    await runModel(model, { x: floatInput([1, 3, 8, 8], 3) });
  });

  it('converts a whole CNN and stays within float16 precision', async () => {
    const model = smallConvNet(3);
    const float = structuredClone(model) as Model;
    convertToFloat16(model);
    const feeds = { input: floatInput([1, 3, 16, 16], 9) };
    const a = (await runModel(float, feeds)).logits;
    const b = (await runModel(model, feeds)).logits;
    expect(cosine(a, b)).toBeGreaterThan(0.9999);
  });
});
