import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runVideoPipeline } from '../../src/pipelines/index.js';
import {
  tempDir,
  writeColourClipModel,
  writeColourVideo,
  writeHeaderOnlyVideo,
  writeTestVideo,
} from './media-fixtures.js';

const fast = { warmupRuns: 1, engine: { intraOpThreads: 1 } };

describe('video pipeline', () => {
  let dir: string;
  let model: string;
  let redThenBlue: string;
  beforeAll(async () => {
    dir = await tempDir('video-pipeline');
    model = await writeColourClipModel(path.join(dir, 'clip.onnx'), { frames: 8, height: 32, width: 32 });
    // 1 s red, 1 s blue at 10 fps: 20 frames.
    redThenBlue = await writeColourVideo(path.join(dir, 'red-blue.mp4'), ['red', 'blue'], 1, 10);
  });

  it('finds the actions over time: clips, smoothing and segments', async () => {
    const r = await runVideoPipeline({
      ...fast,
      modelPath: model,
      videos: [redThenBlue],
      stride: 4,
      labels: ['red', 'green', 'blue'],
      smoothing: { method: 'none' },
    });
    const v = r.results[0];
    expect(v.fps).toBe(10);
    expect(v.frames).toBe(20);
    // Clips start at 0, 4, 8, 12: four clips of 8 frames.
    expect(v.clips.map((c) => [c.startFrame, c.endFrame])).toEqual([
      [0, 8],
      [4, 12],
      [8, 16],
      [12, 20],
    ]);
    expect(v.clips[0].top[0].label).toBe('red');
    expect(v.clips[3].top[0].label).toBe('blue');
    expect(v.segments.map((s) => s.label)).toEqual(['red', 'blue']);
    expect(v.segments[0].startSec).toBe(0);
    expect(v.segments[v.segments.length - 1].endSec).toBe(2);
    expect(v.segments[0].endFrame).toBe(v.segments[1].startFrame);
    expect(r.stages.unit).toBe('clip');
    expect(r.stages.units).toBe(4);
    expect(r.stages.samplesMs.decode).toHaveLength(4);
    // Decoding happens in ffmpeg: the decode stage is the wait for its frames, its work is measured
    // beside the stages, and the stages of every clip add up to the clip's end-to-end time.
    expect(r.stages.decode).toBe('wait');
    const s = r.stages;
    for (let i = 0; i < s.units; i++) {
      const inline =
        s.samplesMs.decode[i] +
        s.samplesMs.preprocess[i] +
        s.samplesMs.inference[i] +
        s.samplesMs.postprocess[i];
      expect(inline).toBeLessThanOrEqual(s.samplesMs.endToEnd[i] + 1e-9);
    }
    const rows =
      s.totalMs.decode + s.totalMs.preprocess + s.totalMs.inference + s.totalMs.postprocess + s.otherMs;
    expect(rows).toBeCloseTo(s.totalMs.endToEnd, 6);
    if (process.platform === 'linux') {
      const [decoder] = s.overlapped ?? [];
      expect(decoder).toMatchObject({ stage: 'decode', frames: 20 });
      expect(decoder.stats.count).toBeLessThanOrEqual(4);
      expect(decoder.totalMs).toBeGreaterThan(0);
      expect(decoder.framePeriodMs).toBeCloseTo(100, 6);
      expect(decoder.budgetShare).toBeCloseTo(decoder.perFrameMs / 100, 9);
    }
    expect(r.config.effective).toMatchObject({ clip: 8, stride: 4, input: { layout: 'NCTHW', frames: 8 } });
    expect(r.config.effective.preprocess.mean[0]).toBeCloseTo(0.43216);
  });

  it('reads 320×240 testsrc at the model size, with the NTCHW layout and the default stride', async () => {
    const ntchw = await writeColourClipModel(path.join(dir, 'ntchw.onnx'), {
      frames: 'T',
      layout: 'NTCHW',
      height: 24,
      width: 24,
    });
    const video = await writeTestVideo(path.join(dir, 'testsrc.mp4'), 1, 30);
    const r = await runVideoPipeline({ ...fast, modelPath: ntchw, videos: [video], clip: 6 });
    expect(r.config.effective).toMatchObject({ clip: 6, stride: 3, input: { layout: 'NTCHW' } });
    expect(r.results[0].frames).toBe(30);
    expect(r.results[0].clips).toHaveLength(9);
  });

  it('skips corrupt, missing, zero-frame and too-short videos by name, and fails only when none is usable', async () => {
    const text = path.join(dir, 'text.mp4');
    await writeFile(text, 'not a video');
    const short = await writeColourVideo(path.join(dir, 'short.mp4'), ['green'], 0.5, 10);
    const headerOnly = await writeHeaderOnlyVideo(path.join(dir, 'header-only.mp4'));
    const r = await runVideoPipeline({
      ...fast,
      modelPath: model,
      videos: [text, path.join(dir, 'nope.mp4'), short, headerOnly, redThenBlue],
    });
    expect(r.videos).toMatchObject({ found: 5, processed: 1, skipped: 4 });
    expect(r.videos.skipCounts).toEqual({
      corrupt: 1,
      unreadable: 1,
      'shorter-than-clip': 1,
      'zero-frames': 1,
    });
    await expect(runVideoPipeline({ ...fast, modelPath: model, videos: [text, short] })).rejects.toThrow(
      /no usable video/,
    );
  });

  it('paces decoded frames at the source rate in real-time mode', async () => {
    const r = await runVideoPipeline({
      ...fast,
      modelPath: model,
      videos: [redThenBlue],
      stride: 4,
      labels: ['red', 'green', 'blue'],
      realtime: { fps: 40 },
    });
    const v = r.results[0];
    const rt = v.realtime!;
    // Paced at --fps 40, timed at the container's 10 fps: frame 20 is at 2 s, not at 0.5 s.
    expect(rt.settings.fps).toBe(40);
    expect(v.fps).toBe(10);
    for (const c of v.clips) {
      expect(c.startSec).toBeCloseTo(c.startFrame / 10, 9);
      expect(c.endSec).toBeCloseTo(c.endFrame / 10, 9);
    }
    expect(v.segments.length).toBeGreaterThan(0);
    for (const s of v.segments) {
      expect(s.startSec).toBeCloseTo(s.startFrame / 10, 9);
      expect(s.endSec).toBeCloseTo(s.endFrame / 10, 9);
    }
    expect(rt.frames.offered).toBe(20);
    expect(rt.frames.processed + rt.frames.dropped).toBe(20);
    expect(rt.settings.deadlineMs).toBeCloseTo(100);
    expect(rt.outputs).toBe(r.results[0].clips.length);
    expect(r.stages.samplesMs.decode.every((d) => d === 0)).toBe(true);
    if (process.platform === 'linux') expect(r.stages.overlapped?.[0].totalMs).toBeGreaterThan(0);
  });
});
