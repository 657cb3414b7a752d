/**
 * The bytes int8-static and int8-dynamic write, pinned: SHA-256 of each quantized model (and of
 * its report) for a few generated models, recorded before static.ts was split into plan, rewrite
 * and weight math, so any refactor of the quantizers must leave their output byte for byte alone.
 *
 * Every weight, bias and input is a small integer and every activation calibration sees is an
 * integer (or a multiple of a power of two) well below 2^24, so onnxruntime computes the ranges
 * exactly, whatever the CPU's kernels: the hashes do not depend on the machine.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { float32ToFloat16 } from '../../src/onnx/float16.js';
import { attr, createTensor, float32Tensor, type Model, tensorToFloat32 } from '../../src/onnx/ir.js';
import { modelToBytes } from '../../src/onnx/model-io.js';
import type { HostTensor } from '../../src/onnx/tensor.js';
import type { Sample } from '../../src/optimize/calibration-data.js';
import { fuseModel } from '../../src/optimize/fuse.js';
import { quantizeDynamic } from '../../src/optimize/quantize/dynamic.js';
import {
  quantizeStatic,
  rankQuantizationSensitivity,
  type StaticQuantOptions,
} from '../../src/optimize/quantize/static/index.js';
import { upcastFloat16 } from '../../src/optimize/upcast.js';
import { addInit, emptyModel, node, randomFloats, smallConvNet } from './helpers.js';

/** Seeded integers in [-limit, limit]. */
function integers(count: number, seed: number, limit: number): Float32Array {
  return randomFloats(count, seed, -limit - 0.5, limit + 0.5).map((v) =>
    Math.max(-limit, Math.min(limit, Math.round(v))),
  );
}

function integerInput(dims: number[], seed: number, type: 'float32' | 'float16' = 'float32'): HostTensor {
  const values = integers(
    dims.reduce((a, b) => a * b, 1),
    seed,
    3,
  );
  return { type, dims, data: type === 'float16' ? float32ToFloat16(values) : values };
}

/** Rounds every Conv/Gemm/MatMul weight to {-2…2} and bias to {-4…4}, keeping the sign pattern. */
function integerWeights(model: Model): Model {
  const names = new Set(
    model.graph.nodes
      .filter((n) => ['Conv', 'Gemm', 'MatMul'].includes(n.opType))
      .flatMap((n) => n.inputs.slice(1)),
  );
  for (const [name, t] of model.graph.initializers) {
    if (!names.has(name) || t.dataType !== 'float32') continue;
    const values = tensorToFloat32(t);
    const absMax = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
    const limit = t.dims.length === 1 ? 4 : 2;
    const rounded = values.map((v) => Math.round((limit * v) / absMax));
    model.graph.initializers.set(name, createTensor(name, 'float32', t.dims, rounded));
  }
  return model;
}

/** smallConvNet (per-channel Conv, Add, Concat, pools, Gemm), BatchNorm folded, integer weights. */
async function convNet(): Promise<Model> {
  const model = smallConvNet();
  await fuseModel(model);
  return integerWeights(model);
}

const convSamples: Sample[] = Array.from({ length: 4 }, (_, i) => ({
  input: integerInput([1, 3, 16, 16], 10 + i),
}));

/**
 * MatMul → Relu → Mul(0.5) → Gemm → Relu, then Gemm(transB) with one bias too large for int32
 * at the weight's scale (the weight scale is raised), and an activation × activation MatMul.
 */
function matmulGemm(opset = 17): Model {
  const model = emptyModel('matmul_gemm', opset);
  const g = model.graph;
  g.inputs.push({ name: 'x', dataType: 'float32', shape: [4, 16] });
  const w1 = addInit(model, float32Tensor('w1', [16, 24], integers(16 * 24, 1, 2)));
  const half = addInit(model, float32Tensor('half', [], [0.5]));
  const w2 = addInit(model, float32Tensor('w2', [24, 12], integers(24 * 12, 2, 2)));
  const b2 = addInit(model, float32Tensor('b2', [12], integers(12, 3, 4)));
  const w3 = addInit(model, float32Tensor('w3', [8, 12], integers(8 * 12, 4, 2)));
  const b3 = integers(8, 5, 4);
  b3[3] = 2 ** 20;
  addInit(model, float32Tensor('b3', [8], b3));
  g.nodes.push(
    node('MatMul', ['x', w1], ['m1']),
    node('Relu', ['m1'], ['r1']),
    node('Mul', ['r1', half], ['s1']),
    node('Gemm', ['s1', w2, b2], ['g2']),
    node('Relu', ['g2'], ['r2']),
    node('Gemm', ['r2', w3, 'b3'], ['head'], { transB: attr.int(1) }),
    node('Transpose', ['r2'], ['r2t'], { perm: attr.ints([1, 0]) }),
    node('MatMul', ['r2', 'r2t'], ['gram']),
  );
  g.outputs.push(
    { name: 'head', dataType: 'float32', shape: [4, 8] },
    { name: 'gram', dataType: 'float32', shape: [4, 4] },
  );
  return model;
}

const matmulSamples: Sample[] = Array.from({ length: 4 }, (_, i) => ({ x: integerInput([4, 16], 20 + i) }));

/** As an app ships it: the conv net with float16 weights and float16 input/output. */
async function float16ConvNet(): Promise<Model> {
  const model = await convNet();
  for (const [name, t] of model.graph.initializers)
    if (t.dataType === 'float32')
      model.graph.initializers.set(
        name,
        createTensor(name, 'float16', t.dims, float32ToFloat16(tensorToFloat32(t))),
      );
  for (const v of [...model.graph.inputs, ...model.graph.outputs]) v.dataType = 'float16';
  model.graph.valueInfo = [];
  return model;
}

const float16Samples: Sample[] = convSamples.map((_, i) => ({
  input: integerInput([1, 3, 16, 16], 10 + i, 'float16'),
}));

const base = { calibration: { method: 'minmax' as const }, reduceRange: false };

async function staticCase(
  model: Model,
  options: Omit<StaticQuantOptions, 'calibration'> & Partial<StaticQuantOptions>,
) {
  const report = await quantizeStatic(model, { ...base, ...options });
  // The SNRs come from onnxruntime's float kernels on non-integer values: only the decision is pinned.
  const { sensitivity, ...rest } = report;
  return { model, report: { ...rest, keptFloat: sensitivity?.keptFloat } };
}

const cases: Record<string, () => Promise<{ model: Model; report: unknown }>> = {
  'static: conv net, per-channel, uint8, minmax': async () =>
    staticCase(await convNet(), { samples: convSamples }),
  'static: conv net, int8 activations, percentile, 7-bit weights': async () =>
    staticCase(await convNet(), {
      samples: convSamples,
      activationType: 'int8',
      calibration: { method: 'percentile', percentile: 99.9, bins: 256 },
      reduceRange: true,
    }),
  'static: conv net, per-tensor, entropy': async () =>
    staticCase(await convNet(), {
      samples: convSamples,
      perChannel: false,
      calibration: { method: 'entropy', bins: 512 },
    }),
  'static: conv net, excluded nodes and ops': async () =>
    staticCase(await convNet(), {
      samples: convSamples,
      excludeNodes: ['conv2', 'left'],
      excludeOps: ['Add'],
    }),
  'static: conv net, mixed precision': async () =>
    staticCase(await convNet(), { samples: convSamples, minSnrDb: 40 }),
  'static: MatMul/Gemm, opset 17': async () => staticCase(matmulGemm(), { samples: matmulSamples }),
  'static: MatMul/Gemm, opset 11 (upgraded)': async () =>
    staticCase(matmulGemm(11), { samples: matmulSamples }),
  'static: MatMul/Gemm, opset 12, per-tensor': async () =>
    staticCase(matmulGemm(12), { samples: matmulSamples, perChannel: false }),
  'static: float16 conv net, upcast and fused first': async () => {
    const model = await float16ConvNet();
    upcastFloat16(model);
    await fuseModel(model);
    return staticCase(model, { samples: float16Samples });
  },
  'static: float16 conv net as it is (nothing to quantize)': async () =>
    staticCase(await float16ConvNet(), { samples: float16Samples, warn: () => {} }),
  'dynamic: MatMul/Gemm': async () => {
    const model = matmulGemm();
    return { model, report: quantizeDynamic(model, { reduceRange: false }) };
  },
  'dynamic: MatMul/Gemm, opset 10 (DynamicQuantizeMatMul), one excluded': async () => {
    const model = matmulGemm(10);
    return { model, report: quantizeDynamic(model, { reduceRange: false, excludeNodes: ['g2_node'] }) };
  },
  'dynamic: conv net with ConvInteger, 7-bit weights': async () => {
    const model = await convNet();
    return { model, report: quantizeDynamic(model, { conv: true, reduceRange: true }) };
  },
};

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** [model bytes, report JSON] hashes, recorded from the quantizers before the split. */
const EXPECTED: Record<string, [string, string]> = {
  'static: conv net, per-channel, uint8, minmax': [
    'e7ab37653e1863701dd9059c4af2bb02160b4aa69db95bb8fa8da9b1a489daf4',
    'baf29e4d8a5de9039b635dd8c01ae6ae90f46e75001251be549c9a1dc20f676c',
  ],
  'static: conv net, int8 activations, percentile, 7-bit weights': [
    'f5bb239c36f28d5b22e6186f60ac62b1eb39817d85076d3947fc6482148a0984',
    'baf29e4d8a5de9039b635dd8c01ae6ae90f46e75001251be549c9a1dc20f676c',
  ],
  'static: conv net, per-tensor, entropy': [
    '7e67e02c7a9e34e343f5c8dd7627aff17b59a46b9b3e3942083927d74749bc62',
    'baf29e4d8a5de9039b635dd8c01ae6ae90f46e75001251be549c9a1dc20f676c',
  ],
  'static: conv net, excluded nodes and ops': [
    '6233a6abd17d001fd7addd21de1fcadd9b17cb3f8c3ed49474a37558493d1629',
    '9155719fc34fe8b2b4c01ff36e0ff8aacd0f5bd2cf09fc41315da1e9c74fe23b',
  ],
  'static: conv net, mixed precision': [
    'e7ab37653e1863701dd9059c4af2bb02160b4aa69db95bb8fa8da9b1a489daf4',
    '6627cd1b256849727aedc6bbcdd6837ee4219301fb001c394918d7685bfcf0f5',
  ],
  'static: MatMul/Gemm, opset 17': [
    '10fce40fc1d6d53ba68a5c44b2d8dd4075fdfd4ae8d19f112c5146f4d35e2817',
    '7e7803f552fcf8b24723ca490046661be15804903dab5a42f9ea42941a2160fe',
  ],
  'static: MatMul/Gemm, opset 11 (upgraded)': [
    '4fb1772315b69cbea87ca654b0307189ce8a888ff0d971ad19b6454087c7a164',
    'efdce67c5336711188d4af9f0be87fdee85dfba8aa3cb66a30b6de5770c17b97',
  ],
  'static: MatMul/Gemm, opset 12, per-tensor': [
    'aae284de01fe4be9650e801fdac3f4d946314fa06fac1dfa6a8b798639d82761',
    '7e7803f552fcf8b24723ca490046661be15804903dab5a42f9ea42941a2160fe',
  ],
  'static: float16 conv net, upcast and fused first': [
    'b678b07d15102c7a017233e35d323dc7f6ad1f8395901b2fbfae8e3401e8bc8d',
    'baf29e4d8a5de9039b635dd8c01ae6ae90f46e75001251be549c9a1dc20f676c',
  ],
  'static: float16 conv net as it is (nothing to quantize)': [
    'ac755a7236e5201404639c66fc4f4e6d835667f569951cf65ca8fcd394e970f2',
    '068d6f461f4abdfbb55c9c1824b6444e2eb48ee5051da3ef1628b66055f6a04e',
  ],
  'dynamic: MatMul/Gemm': [
    'fcc05ebac6d2a9948ae88c57c83d80591f2a64aeddbd95b2e36845a732d18b1e',
    '52d7296e193e12e7444de3a1ec3524f68cff6d75219c178f80ba0f6570430608',
  ],
  'dynamic: MatMul/Gemm, opset 10 (DynamicQuantizeMatMul), one excluded': [
    'f80ae230d0d0174f1520a2ef5d5f8400e1a249cd0a4397657765b4d1881647ea',
    '065fef1a05f2de57722458225ef1fda71716cab2ae95a18ba61c7a8399c5fc13',
  ],
  'dynamic: conv net with ConvInteger, 7-bit weights': [
    '4f0986c4ac6cb4125c50e630612767d4f6e1c17be70b67a3fd62a058f74bf8b9',
    'f3b57e59464e218ac44c978fc5e19a882c0d60f60e1c8a509001018c56afca33',
  ],
};

describe('quantized model bytes', () => {
  for (const [name, make] of Object.entries(cases)) {
    it(name, async () => {
      const { model, report } = await make();
      const got = [sha256(modelToBytes(model)), sha256(JSON.stringify(report))];
      expect(got).toEqual(EXPECTED[name]);
    });
  }

  it('rankQuantizationSensitivity: the ranking of the conv net', async () => {
    const result = await rankQuantizationSensitivity(await convNet(), { ...base, samples: convSamples });
    // The order comes from float SNRs; which ops are ranked is the plan's.
    expect([...result.ranking].sort()).toEqual([
      'Add_0',
      'Concat_0',
      'GlobalAveragePool_0',
      'conv1',
      'conv2',
      'conv3',
      'conv4',
      'fc',
      'left',
      'right',
    ]);
  });
});
