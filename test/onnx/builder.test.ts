import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { adaptivePoolMatrix, GraphBuilder } from '../../src/onnx/builder.js';
import { modelToBytes } from '../../src/onnx/model-io.js';

function ramp(n: number, phase: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + phase));
}

async function run(bytes: Uint8Array, level: 'disabled' | 'all', feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: level,
    intraOpNumThreads: 1,
  });
  try {
    const out = await session.run(feeds);
    return Object.fromEntries(
      Object.entries(out).map(([k, v]) => [k, { dims: v.dims, data: v.data as Float32Array }]),
    );
  } finally {
    await session.release();
  }
}

describe('GraphBuilder', () => {
  it('writes every helper as opset-17 ONNX that onnxruntime runs at every optimization level', async () => {
    const b = new GraphBuilder({ name: 'all-helpers', seed: 7 });
    const image = b.input('image', ['batch', 4, 12, 12]);
    const clip = b.input('clip', [1, 2, 4, 8, 8]);
    const signal = b.input('signal', [1, 3, 16]);

    let y = b.relu(
      b.batchNorm(b.conv(image, { outChannels: 8, kernel: 3, padding: 1, groups: 2, dilation: 1 })),
    );
    y = b.hardSwish(b.conv(y, { outChannels: 8, kernel: 3, stride: 2, padding: [0, 0, 1, 1], dilation: 1 }));
    const [left, right] = b.split(y, [4, 4], 1);
    y = b.channelShuffle(b.concat([b.swish(left), b.hardSigmoid(right)], 1), 2);
    y = b.maxPool(y, { kernel: 2, stride: 2, ceilMode: true });
    y = b.add(y, b.relu6(y));
    const pooled = b.adaptiveAvgPool(y, [2, 2]);
    const features = b.flatten(pooled);
    b.output(b.sigmoid(b.linear(features, { outFeatures: 5 })), 'image_out');

    let v = b.conv(clip, { outChannels: 4, kernel: [3, 3, 3], padding: 1, bias: false });
    v = b.avgPool(b.batchNorm(v), { kernel: [1, 2, 2] });
    v = b.adaptiveAvgPool(v, [3, 3, 3]);
    b.output(b.transpose(b.reshape(v, [0, -1]), [1, 0]), 'clip_out');

    let s = b.conv(signal, { outChannels: 6, kernel: 5, padding: 2 });
    s = b.mul(b.globalAvgPool(s), b.reduceMean(s, [2], true));
    b.output(
      b.matMul(b.flatten(s), b.reshape(b.float32Constant(new Array(12).fill(0.5), [6, 2]), [6, 2])),
      'signal_out',
    );

    const m = b.build();
    expect(m.opsetImports).toEqual([{ domain: '', version: 17 }]);
    const bytes = modelToBytes(m);
    const feeds = {
      image: new ort.Tensor('float32', ramp(2 * 4 * 144, 0), [2, 4, 12, 12]),
      clip: new ort.Tensor('float32', ramp(2 * 4 * 64, 1), [1, 2, 4, 8, 8]),
      signal: new ort.Tensor('float32', ramp(48, 2), [1, 3, 16]),
    };
    const plain = await run(bytes, 'disabled', feeds);
    const optimized = await run(bytes, 'all', feeds);
    expect(plain.image_out.dims).toEqual([2, 5]);
    expect(b.shapeOf('clip_out')).toEqual([108, 1]);
    expect(plain.clip_out.dims).toEqual([108, 1]);
    expect(plain.signal_out.dims).toEqual([1, 2]);
    for (const name of ['image_out', 'clip_out', 'signal_out']) {
      const a = plain[name].data;
      const o = optimized[name].data;
      expect(a.every(Number.isFinite)).toBe(true);
      for (let i = 0; i < a.length; i++) expect(o[i]).toBeCloseTo(a[i], 4);
    }
  });

  it('adaptive average pooling matches PyTorch bins, including non-divisible sizes', () => {
    // 5 → 3 bins: [0,2), [1,4), [3,5).
    const m = adaptivePoolMatrix([5], [3]);
    const column = (j: number) => Array.from({ length: 5 }, (_, i) => m[i * 3 + j]);
    expect(column(0)).toEqual([0.5, 0.5, 0, 0, 0]);
    expect(column(1).map((v) => Math.round(v * 3))).toEqual([0, 1, 1, 1, 0]);
    expect(column(2)).toEqual([0, 0, 0, 0.5, 0.5]);
  });

  it('generates deterministic weights per seed and name', () => {
    const weights = (seed: number) => {
      const b = new GraphBuilder({ name: 'w', seed });
      b.conv(b.input('x', [1, 3, 8, 8]), { outChannels: 4, kernel: 3 }, 'conv');
      return Array.from(b.graph.initializers.get('conv.weight')!.data as Float32Array);
    };
    expect(weights(1)).toEqual(weights(1));
    expect(weights(1)).not.toEqual(weights(2));
    const bound = Math.SQRT2 * Math.sqrt(3 / 27);
    expect(weights(1).every((w) => Math.abs(w) <= bound)).toBe(true);
  });
});
