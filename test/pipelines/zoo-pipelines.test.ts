import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runImagePipeline, runVideoPipeline } from '../../src/pipelines/index.js';
import { resolveModel } from '../../src/zoo/resolve.js';
import { tempDir, writeLabelledFolder, writeTestVideo } from './media-fixtures.js';

// Zoo models with small inputs keep these end-to-end runs fast on two cores.
describe('pipelines over zoo models', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('zoo-pipelines');
  });

  it('resnet18 at 1x3x64x64: ten classes, top-5, stages and accuracy bookkeeping', async () => {
    const model = await resolveModel('zoo:resnet18?classes=10&input=1x3x64x64', {
      cacheDir: path.join(dir, 'cache'),
    });
    const images = await writeLabelledFolder(path.join(dir, 'images'), 1);
    const r = await runImagePipeline({
      modelPath: model.path,
      modelName: model.name,
      inputs: [images],
      warmupRuns: 1,
      labels: ['red', 'green', 'blue'],
    });
    expect(r.warnings.join(' ')).toMatch(/the labels name 3 classes but the model outputs 10/);
    expect(r.config.effective.input).toMatchObject({ width: 64, height: 64, layout: 'NCHW', fixedBatch: 1 });
    expect(r.predictions).toHaveLength(3);
    for (const p of r.predictions) {
      expect(p.top).toHaveLength(5);
      expect(p.top.every((c, i) => i === 0 || c.score <= p.top[i - 1].score)).toBe(true);
    }
    // Untrained weights: accuracy is whatever it is, but it is counted over every labelled image.
    expect(r.accuracy?.labelled).toBe(3);
    expect(r.stages.totalMs.inference).toBeGreaterThan(0);
  });

  it('c3d_small at 3×8×56×56: clips over testsrc, segments that tile the video', async () => {
    const model = await resolveModel('zoo:c3d_small?classes=5&input=1x3x8x56x56', {
      cacheDir: path.join(dir, 'cache'),
    });
    const video = await writeTestVideo(path.join(dir, 'testsrc.mp4'), 2, 15);
    const r = await runVideoPipeline({
      modelPath: model.path,
      modelName: model.name,
      videos: [video],
      warmupRuns: 1,
    });
    const v = r.results[0];
    expect(r.config.effective).toMatchObject({ clip: 8, stride: 4 });
    expect(v.frames).toBe(30);
    expect(v.clips).toHaveLength(6);
    expect(v.segments[0].startFrame).toBe(0);
    expect(v.segments[v.segments.length - 1].endFrame).toBe(28);
    for (let i = 1; i < v.segments.length; i++)
      expect(v.segments[i].startFrame).toBe(v.segments[i - 1].endFrame);
  });
});
