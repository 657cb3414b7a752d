import { beforeAll, describe, expect, it } from 'vitest';
import { attr, attrInt, float32Tensor, type Model, type Node, tensorToNumbers } from '../../src/onnx/ir.js';
import { fuseModel } from '../../src/optimize/fuse.js';
import { opCounts } from '../../src/optimize/graph-utils.js';
import { int8PairsSaturateHere } from '../../src/optimize/quantize/host-int8.js';
import { quantizeStatic } from '../../src/optimize/quantize/static/index.js';
import {
  addInit,
  cosine,
  emptyModel,
  floatInput,
  node,
  ortOptimizedOps,
  randomFloats,
  runModel,
  saveTemp,
  smallConvNet,
  tempDir,
} from './helpers.js';

const samples = Array.from({ length: 6 }, (_, i) => ({ input: floatInput([1, 3, 16, 16], 100 + i) }));

async function quantizedConvNet(options: Partial<Parameters<typeof quantizeStatic>[1]> = {}) {
  const model = smallConvNet();
  await fuseModel(model);
  const report = await quantizeStatic(model, {
    samples,
    calibration: { method: 'minmax' },
    reduceRange: false,
    ...options,
  });
  return { model, report };
}

function producerOf(model: Model, value: string): Node | undefined {
  return model.graph.nodes.find((n) => n.outputs.includes(value));
}

function init(model: Model, name: string) {
  const t = model.graph.initializers.get(name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
}

describe('int8-static: QDQ structure', () => {
  let model: Model;
  let report: Awaited<ReturnType<typeof quantizeStatic>>;
  beforeAll(async () => {
    ({ model, report } = await quantizedConvNet());
  });

  it('quantizes the ops onnxruntime fuses and folds ReLU into the output quantization', () => {
    expect(report.quantized).toMatchObject({
      Conv: 6,
      Add: 1,
      MaxPool: 1,
      Concat: 1,
      GlobalAveragePool: 1,
      Gemm: 1,
    });
    expect(opCounts(model.graph).Relu).toBeUndefined();
    expect(report.activationsFolded).toBe(6);
    // Graph inputs and outputs keep their names and float32 type.
    expect(model.graph.inputs.map((i) => [i.name, i.dataType])).toEqual([['input', 'float32']]);
    expect(model.graph.outputs.map((o) => o.name)).toEqual(['logits']);
  });

  it('per-channel symmetric int8 weights on axis 0, zero points 0', () => {
    for (const conv of model.graph.nodes.filter((n) => n.opType === 'Conv')) {
      const dq = producerOf(model, conv.inputs[1])!;
      expect(dq.opType).toBe('DequantizeLinear');
      expect(attrInt(dq, 'axis')).toBe(0);
      const [w, s, z] = dq.inputs.map((n) => init(model, n));
      expect(w.dataType).toBe('int8');
      expect(s.dims).toEqual([w.dims[0]]);
      expect(z.dataType).toBe('int8');
      expect(tensorToNumbers(z).every((v) => v === 0)).toBe(true);
      const values = tensorToNumbers(w);
      expect(Math.max(...values.map(Math.abs))).toBe(127);
    }
  });

  it('int32 bias with scale = input scale × weight scale, zero point 0', () => {
    let checked = 0;
    for (const conv of model.graph.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm')) {
      const biasDq = producerOf(model, conv.inputs[2])!;
      const inputDq = producerOf(model, conv.inputs[0])!;
      const weightDq = producerOf(model, conv.inputs[1])!;
      expect(biasDq.opType).toBe('DequantizeLinear');
      const [b, bs, bz] = biasDq.inputs.map((n) => init(model, n));
      expect(b.dataType).toBe('int32');
      expect(bz.dataType).toBe('int32');
      expect(tensorToNumbers(bz).every((v) => v === 0)).toBe(true);
      const inputScale = tensorToNumbers(init(model, inputDq.inputs[1]))[0];
      const weightScales = tensorToNumbers(init(model, weightDq.inputs[1]));
      for (const [c, s] of tensorToNumbers(bs).entries())
        expect(s).toBe(Math.fround(inputScale * weightScales[c]));
      checked++;
    }
    expect(checked).toBe(7); // six convs (BN folding gave each a bias) and fc
  });

  it('activations are uint8; a folded ReLU quantizes from zero (zero point 0)', () => {
    const conv1 = model.graph.nodes.find((n) => n.opType === 'Conv' && n.name.startsWith('conv1'))!;
    const q = model.graph.nodes.find(
      (n) => n.opType === 'QuantizeLinear' && n.inputs[0] === conv1.outputs[0],
    )!;
    const zp = init(model, q.inputs[2]);
    expect(zp.dataType).toBe('uint8');
    expect(tensorToNumbers(zp)).toEqual([0]);
  });

  it('data movement and Concat share scales, so no requantization is needed', () => {
    const sharedScale = (op: string) => {
      const n = model.graph.nodes.find((x) => x.opType === op)!;
      const inDq = producerOf(model, n.inputs[0])!;
      const outQ = model.graph.nodes.find(
        (x) => x.opType === 'QuantizeLinear' && x.inputs[0] === n.outputs[0],
      )!;
      return [inDq.inputs[1], outQ.inputs[1]];
    };
    const [maxIn, maxOut] = sharedScale('MaxPool');
    expect(maxIn).toBe(maxOut);
    const concat = model.graph.nodes.find((x) => x.opType === 'Concat')!;
    const scales = concat.inputs.map((i) => producerOf(model, i)!.inputs[1]);
    const outQ = model.graph.nodes.find(
      (x) => x.opType === 'QuantizeLinear' && x.inputs[0] === concat.outputs[0],
    )!;
    expect(new Set([...scales, outQ.inputs[1]]).size).toBe(1);
  });

  it('becomes QLinearConv / QLinearAdd / QGemm inside onnxruntime', async () => {
    const dir = await tempDir();
    const file = await saveTemp(model, dir, 'q.onnx');
    const ops = await ortOptimizedOps(file, dir);
    expect(ops.filter((o) => o === 'com.microsoft.QLinearConv' || o === 'QLinearConv')).toHaveLength(6);
    expect(ops).toContain('com.microsoft.QLinearAdd');
    expect(ops).toContain('com.microsoft.QGemm');
    expect(ops).not.toContain('Conv');
  });

  it('keeps the outputs close to float (cosine > 0.99, same top-1)', async () => {
    const float = smallConvNet();
    for (const seed of [1, 2, 3]) {
      const feeds = { input: floatInput([1, 3, 16, 16], seed) };
      const a = (await runModel(float, feeds)).logits;
      const b = (await runModel(model, feeds)).logits;
      expect(cosine(a, b)).toBeGreaterThan(0.99);
      const argmax = (t: typeof a) => (t.data as Float32Array).indexOf(Math.max(...(t.data as Float32Array)));
      expect(argmax(b)).toBe(argmax(a));
    }
  });
});

describe('int8-static: options', () => {
  it('int8 activations put a folded ReLU at zero point -128', async () => {
    const { model } = await quantizedConvNet({ activationType: 'int8' });
    const conv1 = model.graph.nodes.find((n) => n.opType === 'Conv' && n.name.startsWith('conv1'))!;
    const q = model.graph.nodes.find(
      (n) => n.opType === 'QuantizeLinear' && n.inputs[0] === conv1.outputs[0],
    )!;
    expect(tensorToNumbers(init(model, q.inputs[2]))).toEqual([-128]);
    expect(init(model, q.inputs[2]).dataType).toBe('int8');
    await runModel(model, samples[0]);
  });

  for (const method of ['percentile', 'entropy'] as const) {
    it(`calibrates with ${method} and still loads and agrees`, async () => {
      const { model } = await quantizedConvNet({ calibration: { method } });
      const feeds = samples[1];
      const c = cosine((await runModel(smallConvNet(), feeds)).logits, (await runModel(model, feeds)).logits);
      expect(c).toBeGreaterThan(0.98);
    });
  }

  it('7-bit weights on request, and by default only where 8-bit saturates', async () => {
    const { model } = await quantizedConvNet({ reduceRange: true });
    const conv = model.graph.nodes.find((n) => n.opType === 'Conv')!;
    const values = tensorToNumbers(init(model, producerOf(model, conv.inputs[1])!.inputs[0]));
    expect(Math.max(...values.map(Math.abs))).toBe(63);
    const auto = await quantizedConvNet({ reduceRange: 'auto' });
    expect(auto.report.notes.some((n) => n.includes('7 bits'))).toBe(int8PairsSaturateHere() === true);
  });

  it('mixed precision keeps the noisiest ops float until the target SNR is predicted', async () => {
    const relaxed = await quantizedConvNet({ minSnrDb: 1 });
    const all = relaxed.report.sensitivity!.allQuantizedSnrDb;
    expect(relaxed.report.sensitivity!.keptFloat).toEqual([]);
    expect(relaxed.report.quantized.Conv).toBe(6);
    const { report } = await quantizedConvNet({ minSnrDb: all + 3 });
    const s = report.sensitivity!;
    expect(s.targetSnrDb).toBe(all + 3);
    expect(s.keptFloat.length).toBeGreaterThan(0);
    expect(s.predictedSnrDb).toBeGreaterThanOrEqual(all + 3);
    const quantizedOps = Object.values(report.quantized).reduce((a, b) => a + b, 0);
    const before = Object.values(relaxed.report.quantized).reduce((a, b) => a + b, 0);
    expect(quantizedOps).toBeLessThan(before);
  });

  it('per-tensor weights and excluded nodes', async () => {
    const { model, report } = await quantizedConvNet({ perChannel: false, excludeNodes: ['fc'] });
    const conv = model.graph.nodes.find((n) => n.opType === 'Conv')!;
    expect(init(model, producerOf(model, conv.inputs[1])!.inputs[1]).dims).toEqual([]);
    expect(report.quantized.Gemm).toBeUndefined();
    expect(producerOf(model, model.graph.nodes.find((n) => n.opType === 'Gemm')!.inputs[1])).toBeUndefined();
  });

  it('upgrades an old-opset model (Clip with attributes) to opset 13 first', async () => {
    const m = emptyModel('old', 9);
    m.graph.inputs.push({ name: 'x', dataType: 'float32', shape: [1, 2, 4, 4] });
    addInit(m, float32Tensor('W', [3, 2, 1, 1], randomFloats(6, 1)));
    addInit(m, float32Tensor('B', [3], randomFloats(3, 2)));
    m.graph.nodes.push(
      node('Conv', ['x', 'W', 'B'], ['c']),
      node('Clip', ['c'], ['r'], { min: attr.float(0), max: attr.float(6) }),
      node('Softmax', ['r'], ['y'], { axis: attr.int(1) }),
    );
    m.graph.outputs.push({ name: 'y', dataType: 'float32' });
    const feeds = { x: floatInput([1, 2, 4, 4], 5, -3, 3) };
    const before = (await runModel(m, feeds)).y;
    const report = await quantizeStatic(m, {
      samples: [feeds, { x: floatInput([1, 2, 4, 4], 6, -3, 3) }],
      calibration: { method: 'minmax' },
    });
    expect(report.notes.join(' ')).toContain('opset 9 to 13');
    expect(m.opsetImports.find((o) => o.domain === '')?.version).toBe(13);
    expect(report.activationsFolded).toBe(1);
    const after = (await runModel(m, feeds)).y;
    expect(cosine(before, after)).toBeGreaterThan(0.99);
  });

  it('refuses an empty calibration set', async () => {
    const model = smallConvNet();
    await expect(quantizeStatic(model, { samples: [], calibration: { method: 'minmax' } })).rejects.toThrow(
      /calibration set is empty/,
    );
  });
});
