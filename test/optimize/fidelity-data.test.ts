import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/onnx/model-io.js';
import {
  IMAGENET_PREPROCESS,
  imageTensor,
  loadSamples,
  PADDLE_CLS_PREPROCESS,
} from '../../src/optimize/calibration-data.js';
import { compareOutputs, OutputAccumulator } from '../../src/optimize/fidelity.js';
import { optimize } from '../../src/optimize/optimize.js';
import { smallConvNet, tempDir } from './helpers.js';

const inputInfo = [{ name: 'input', type: 'float32', shape: [1, 3, 16, 16] }];

async function solidPng(file: string, rgb: [number, number, number], width = 20, height = 10) {
  await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(file);
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

describe('fidelity metrics', () => {
  it('computes max/mean error, cosine, SNR and top-k agreement by hand', () => {
    const acc = new OutputAccumulator('logits');
    // Two samples of six classes.
    acc.add(
      { type: 'float32', dims: [1, 6], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
      { type: 'float32', dims: [1, 6], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
    );
    acc.add(
      { type: 'float32', dims: [1, 6], data: Float32Array.of(6, 0, 0, 0, 0, 0) },
      { type: 'float32', dims: [1, 6], data: Float32Array.of(5, 6, 0, 0, 0, 0) },
    );
    const r = acc.result();
    expect(r.maxAbsError).toBe(6);
    expect(r.meanAbsError).toBeCloseTo(7 / 12, 12);
    // Cosine: 1 for the first; 30 / (6 · √61) for the second; the mean of both.
    expect(r.cosine).toBeCloseTo((1 + 30 / (6 * Math.sqrt(61))) / 2, 12);
    // SNR: Σ base² = 91 + 36 = 127, Σ err² = 1 + 36 = 37.
    expect(r.snrDb).toBeCloseTo(10 * Math.log10(127 / 37), 10);
    expect(r.top1Agreement).toBe(0.5);
    expect(r.top5Agreement).toBe(1);
  });

  it('identical models: zero error, infinite SNR', async () => {
    const file = path.join(dir, 'same.onnx');
    await saveModel(smallConvNet(), file);
    const r = await compareOutputs(file, file, { count: 3 });
    expect(r.samples).toBe(3);
    expect(r.outputs[0]).toMatchObject({ maxAbsError: 0, snrDb: Infinity, cosine: 1, top1Agreement: 1 });
  });

  it('accuracy on a labelled folder (one subfolder per class)', async () => {
    const file = path.join(dir, 'cls.onnx');
    await saveModel(smallConvNet(5, 2), file);
    const labelled = path.join(dir, 'labelled');
    for (const [cls, color] of [
      ['0', [250, 20, 20]],
      ['1', [20, 20, 250]],
    ] as const) {
      await mkdir(path.join(labelled, cls), { recursive: true });
      for (const i of [0, 1, 2])
        await solidPng(path.join(labelled, cls, `${i}.png`), [color[0], color[1] + i * 40, color[2]]);
    }
    const fused = path.join(dir, 'cls.fused.onnx');
    const report = await optimize({
      input: file,
      output: fused,
      recipes: 'fuse',
      fidelity: { labels: labelled, count: 2 },
    });
    const a = report.fidelity!.accuracy!;
    expect(a.samples).toBe(6);
    expect(a.classes).toBe(2);
    expect(a.optimized).toBe(a.base);
    expect(a.deltaPoints).toBe(0);
  });
});

describe('sample sources', () => {
  it('images: resized to H×W, ImageNet-normalized, NCHW', async () => {
    const images = path.join(dir, 'images');
    await mkdir(images, { recursive: true });
    await solidPng(path.join(images, 'red.png'), [255, 0, 0]);
    await solidPng(path.join(images, 'gray.jpg'), [128, 128, 128]);
    const { samples, description } = await loadSamples(images, inputInfo, { count: 5 });
    expect(description).toContain('2 images');
    const red = samples.find((s) => (s.input.data as Float32Array)[0] > 2)!;
    const data = red.input.data as Float32Array;
    expect(red.input.dims).toEqual([1, 3, 16, 16]);
    const plane = 16 * 16;
    expect(data[0]).toBeCloseTo((1 - 0.485) / 0.229, 4);
    expect(data[plane]).toBeCloseTo((0 - 0.456) / 0.224, 4);
    expect(data[2 * plane + 255]).toBeCloseTo((0 - 0.406) / 0.225, 4);
  });

  it("'pad' fit keeps the aspect ratio and pads the right with zeros (PaddleOCR classifier)", async () => {
    const file = path.join(dir, 'wide.png');
    await solidPng(file, [255, 255, 255], 40, 20); // 2:1 → 96×48 inside a 192-wide canvas
    const t = await imageTensor(file, [1, 3, 48, 192], PADDLE_CLS_PREPROCESS);
    const data = t.data as Float32Array;
    expect(data[10 * 192 + 50]).toBeCloseTo(1, 5); // white → (1 − 0.5) / 0.5
    expect(data[10 * 192 + 150]).toBe(0); // padding
  });

  it('synthetic samples need a resolvable shape', async () => {
    const dynamic = [{ name: 'x', type: 'float32', shape: ['batch', 3, 'h', 'w'] }];
    await expect(loadSamples('synthetic', dynamic)).rejects.toThrow(/symbolic dimension/);
    const { samples } = await loadSamples('synthetic', dynamic, { count: 2, shapes: { x: [1, 3, 4, 4] } });
    expect(samples).toHaveLength(2);
    expect(samples[0].x.dims).toEqual([1, 3, 4, 4]);
  });

  it('video: frames decoded by ffmpeg', async () => {
    const ffmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    const video = path.join(dir, 'clip.mp4');
    const made = spawnSync(ffmpeg, [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=10:duration=3',
      '-pix_fmt',
      'yuv420p',
      video,
    ]);
    expect(made.status).toBe(0);
    const { samples, description } = await loadSamples(video, inputInfo, {
      count: 4,
      preprocess: IMAGENET_PREPROCESS,
    });
    expect(samples).toHaveLength(4);
    expect(description).toContain('frames');
    expect(samples[0].input.dims).toEqual([1, 3, 16, 16]);
  });
});
