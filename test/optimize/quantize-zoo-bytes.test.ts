/**
 * The bytes int8-static and int8-dynamic write for zoo models, pinned: SHA-256 of each quantized
 * model (and of its report), recorded before static.ts was split into plan, rewrite and weight math.
 *
 * A zoo model's activations are sums of random floats, and onnxruntime's kernels add them in an
 * order that depends on the CPU, so calibrated ranges could differ in the last bit from machine to
 * machine. Calibration is therefore replaced by ranges derived from each tensor's name: what is
 * pinned is every decision and every byte the quantizer derives from ranges and weights (the
 * calibration itself is pinned on exact-arithmetic models in quantize-bytes.test.ts).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { Model } from '../../src/onnx/ir.js';
import { modelToBytes } from '../../src/onnx/model-io.js';
import type { Sample } from '../../src/optimize/calibration-data.js';
import { fuseModel } from '../../src/optimize/fuse.js';
import { quantizeDynamic } from '../../src/optimize/quantize/dynamic.js';
import { quantizeStatic, type StaticQuantOptions } from '../../src/optimize/quantize/static/index.js';
import { buildZooModel } from '../../src/zoo/build.js';

vi.mock('../../src/optimize/quantize/calibration.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/optimize/quantize/calibration.js')>();
  /** A range in roughly [-8, 8] from the name's hash; one in four starts at 0 (as after a ReLU). */
  const rangeOf = (name: string) => {
    const h = createHash('sha256').update(name).digest();
    const max = 0.25 + (h.readUInt16LE(0) / 65535) * 8;
    const min = h[2] % 4 === 0 ? 0 : -(0.25 + (h.readUInt16LE(3) / 65535) * 8);
    return { min: Math.fround(min), max: Math.fround(max) };
  };
  return {
    ...original,
    calibrateRanges: async (_model: Model, tensors: { name: string }[]) =>
      new Map(tensors.map((t) => [t.name, rangeOf(t.name)])),
  };
});

const INPUT = [1, 3, 64, 64];

async function zoo(name: string): Promise<Model> {
  const { model } = buildZooModel(name, { preset: 'paper', input: INPUT, seed: 3 });
  await fuseModel(model);
  return model;
}

// Samples only need to exist: the ranges above never read them.
const samples: Sample[] = [{ input: { type: 'float32', dims: INPUT, data: new Float32Array(64 * 64 * 3) } }];

const base = { calibration: { method: 'minmax' as const }, reduceRange: false, samples };

async function staticCase(name: string, options: Partial<StaticQuantOptions> = {}) {
  const model = await zoo(name);
  const report = await quantizeStatic(model, { ...base, ...options });
  return { model, report };
}

const cases: Record<string, () => Promise<{ model: Model; report: unknown }>> = {
  'static: squeezenet1_1 (Concat), per-channel': () => staticCase('squeezenet1_1'),
  'static: squeezenet1_1, per-tensor, int8 activations': () =>
    staticCase('squeezenet1_1', { perChannel: false, activationType: 'int8' }),
  'static: resnet18 (Add, MaxPool, Gemm), per-channel, 7-bit weights': () =>
    staticCase('resnet18', { reduceRange: true }),
  'static: resnet18, Add excluded, per-tensor': () =>
    staticCase('resnet18', { excludeOps: ['Add'], perChannel: false }),
  'static: mobilenet_v2 (Clip), per-channel': () => staticCase('mobilenet_v2'),
  'static: mobilenet_v3_small (HardSwish, SE Mul)': () => staticCase('mobilenet_v3_small'),
  'static: efficientnet_b0 (SiLU, SE), int8 activations': () =>
    staticCase('efficientnet_b0', { activationType: 'int8' }),
  'static: shufflenet_v2_x1_0 (Transpose, Reshape, Split)': () => staticCase('shufflenet_v2_x1_0'),
  'static: googlenet (Concat of branches, AveragePool)': () => staticCase('googlenet'),
  'static: densenet121 (Concat chains), per-tensor': () => staticCase('densenet121', { perChannel: false }),
  'dynamic: resnet18 with ConvInteger': async () => {
    const model = await zoo('resnet18');
    return { model, report: quantizeDynamic(model, { conv: true, reduceRange: false }) };
  },
  'dynamic: mobilenet_v2, Gemm only, 7-bit weights': async () => {
    const model = await zoo('mobilenet_v2');
    return { model, report: quantizeDynamic(model, { reduceRange: true }) };
  },
};

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** [model bytes, report JSON] hashes, recorded from the quantizers before the split. */
const EXPECTED: Record<string, [string, string]> = {
  'static: squeezenet1_1 (Concat), per-channel': [
    'f5db642651fd8c61de6ab3507d542c1cd165839221f754cdba72eb2524e1d7c1',
    'df1d5bd07871cdcb6eaa110a4c050b28f21ea402e75611146e362b6dd315a6e0',
  ],
  'static: squeezenet1_1, per-tensor, int8 activations': [
    '56a96c74fb01dd90d31727860654ba61bd5ce3d122a6ab5174c35b09963dc822',
    'df1d5bd07871cdcb6eaa110a4c050b28f21ea402e75611146e362b6dd315a6e0',
  ],
  'static: resnet18 (Add, MaxPool, Gemm), per-channel, 7-bit weights': [
    'd816edc6a3f7b363bdb016447166cc05e4004d63cb6758d28ea745d330d43f03',
    'cb8c7200f2b49771a2ad4f14a449a4573b0e0d5a81083e41b8ffce14dc6d18dd',
  ],
  'static: resnet18, Add excluded, per-tensor': [
    'edd9d47035e89457f7cf120a6c752416739b35c37c33e1641a49fe64ec52998e',
    '100b0d370405c99bec40e1294c80100aef991dc7758f1894f9a547000d777711',
  ],
  'static: mobilenet_v2 (Clip), per-channel': [
    '098ef3da340391461fb471a19564df245fa531043f7235b9b2e4f799a126137c',
    '356e0c567becf79245741ca45e341804c15155a411f7dd27caea643a804c1d0f',
  ],
  'static: mobilenet_v3_small (HardSwish, SE Mul)': [
    'b89e748205ba589c4ee803c6463432fd7991e44211297a65166760556446694b',
    '4d07642929c5ca7f9a643ed4dfa911b9c2de5dd3a7a5a62485e2cc3d349f96e3',
  ],
  'static: efficientnet_b0 (SiLU, SE), int8 activations': [
    '958acc62b1ef6c2d0a386ff4851ecab0772e2912cb58a34fa4b8ab6b4da69bc6',
    '791cdd0dd54bc1671985d642b51236fa9503f2dbe8d63069311514c94dc88ad6',
  ],
  'static: shufflenet_v2_x1_0 (Transpose, Reshape, Split)': [
    '5c7417dedead2a331b01a5a22e856721073c84a1e509e30f6eb8801d97589419',
    'd1d0ec62a03b695711d606655eeef3d49bbd3fd348aeb10ec63495911dce3395',
  ],
  'static: googlenet (Concat of branches, AveragePool)': [
    '6db14f9386136f1fd204acbfdd360eaec7573250f1c791e7af3af5f7ec56488c',
    '088c7f8b345227237f2b031eb0952be46d5781e0e40f8c5aa9586bcd61694722',
  ],
  'static: densenet121 (Concat chains), per-tensor': [
    'e934fc51427f5d7564051566404b0f8f7e3ef1465dfee591d1ddaa6ac2a44588',
    '5b03b96ce2448469cc2f5077622c9210c92bf65861dd68ae66e33c444d745cdb',
  ],
  'dynamic: resnet18 with ConvInteger': [
    '44b94e04e355bf395e436b7c9ee8c599a204857ee1a1813b69f5d40de1d48702',
    '3bce7838495014a92a3f0dd004c285c00d1370c187547cfec1635fec2eb1c977',
  ],
  'dynamic: mobilenet_v2, Gemm only, 7-bit weights': [
    '2e83b752fb6e5ab39841ade4f6b4a7a0185c5300b3e1382a0ca307eb1d781e59',
    '7118c2a57347daf3974e1f1538a0ff04586f312e847c02dd200ebc2f1a722e8c',
  ],
};

describe('quantized zoo model bytes', () => {
  for (const [name, make] of Object.entries(cases)) {
    it(name, async () => {
      const { model, report } = await make();
      const got = [sha256(modelToBytes(model)), sha256(JSON.stringify(report))];
      expect(got).toEqual(EXPECTED[name]);
    });
  }
});
