/**
 * Every zoo model builds with weights, loads in onnxruntime and gives finite, input-dependent
 * outputs of the right shape. Inputs are reduced (64×64 images, 8×56×56 clips) to keep CI fast.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { modelToBytes } from '../../src/onnx/model-io.js';
import { buildZooModel } from '../../src/zoo/build.js';
import { getArchitecture, zooNames } from '../../src/zoo/registry.js';

function sample(dims: number[], seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state / 2 ** 32) * 2 - 1;
  });
}

async function outputsFor(
  bytes: Uint8Array,
  input: number[],
  level: 'disabled' | 'all',
): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: level,
    intraOpNumThreads: 2,
  });
  try {
    const results: Float32Array[] = [];
    for (const seed of [1, 2]) {
      const out = await session.run({ input: new ort.Tensor('float32', sample(input, seed), input) });
      expect(out.logits.dims).toEqual([input[0], 10]);
      results.push(out.logits.data as Float32Array);
    }
    return results;
  } finally {
    await session.release();
  }
}

const ALSO_FULLY_OPTIMIZED = new Set(['resnet18', 'mobilenet_v2', 'efficientnet_b0', 'r2plus1d_18']);

describe('zoo models run in onnxruntime', () => {
  it.each(zooNames())('%s', async (name) => {
    const input = getArchitecture(name).task === 'video' ? [1, 3, 8, 56, 56] : [1, 3, 64, 64];
    const { model } = buildZooModel(name, { classes: 10, input });
    const bytes = modelToBytes(model);
    const [first, second] = await outputsFor(bytes, input, 'disabled');
    expect(first.every(Number.isFinite)).toBe(true);
    const scale = Math.max(...first.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    expect(scale).toBeLessThan(1e3);
    const change = Math.max(...first.map((v, i) => Math.abs(v - second[i])));
    expect(change / scale).toBeGreaterThan(1e-3);
    if (ALSO_FULLY_OPTIMIZED.has(name)) {
      const [optimized] = await outputsFor(bytes, input, 'all');
      for (let i = 0; i < first.length; i++)
        expect(Math.abs(optimized[i] - first[i])).toBeLessThan(1e-4 * scale + 1e-5);
    }
  });

  it('builds at the default 224×224 with a batch of 2 and the paper preset', async () => {
    const { model, options } = buildZooModel('mobilenet_v2', { preset: 'paper', input: '2x3x224x224' });
    expect(options).toEqual({ classes: 2, input: [2, 3, 224, 224], seed: 0 });
    const session = await ort.InferenceSession.create(modelToBytes(model), { graphOptimizationLevel: 'all' });
    const out = await session.run({
      input: new ort.Tensor('float32', sample([2, 3, 224, 224], 3), [2, 3, 224, 224]),
    });
    expect(out.logits.dims).toEqual([2, 2]);
    await session.release();
  });
});
