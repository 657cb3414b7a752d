import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src/measure/result.js';
import { runCli } from '../helpers/cli.js';
import {
  tempDir,
  writeBadImages,
  writeColourClipModel,
  writeColourImageModel,
  writeColourVideo,
  writeLabelledFolder,
} from './media-fixtures.js';

let dir: string;
let imageModel: string;
let clipModel: string;
let labels: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir('pipeline-cli');
  imageModel = await writeColourImageModel(path.join(dir, 'colour.onnx'));
  clipModel = await writeColourClipModel(path.join(dir, 'clip.onnx'), { frames: 8 });
  labels = path.join(dir, 'labels.txt');
  await writeFile(labels, 'red\ngreen\nblue\n');
  env = { EDGEBENCH_CACHE_DIR: path.join(dir, 'cache') };
});

describe('edgebench pipeline', () => {
  it('image: prints stages side by side and accuracy; --json - prints the result once', async () => {
    const images = await writeLabelledFolder(path.join(dir, 'images'), 1);
    const table = await runCli(
      ['pipeline', 'image', '--model', imageModel, '--images', images, '--labels', labels, '--threads', '1'],
      { env },
    );
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/pure inference\s+end-to-end/);
    expect(table.stdout).toMatch(/accuracy on 3 labelled images: top-1 100\.0%/);
    const json = await runCli(
      ['pipeline', 'image', '--model', imageModel, '--images', images, '--json', '-', '--threads', '1'],
      { env },
    );
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.kind).toBe('image-pipeline');
    expect(result.stages.units).toBe(3);
  });

  it('image: exit 2 with one line when no image is usable', async () => {
    const bad = await writeBadImages(path.join(dir, 'bad'));
    const r = await runCli(['pipeline', 'image', '--model', imageModel, '--images', ...Object.values(bad)], {
      env,
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^edgebench: no usable images: all 5 skipped/);
  });

  it('video: segments in the table, real-time verdict, bad flags refused', async () => {
    const video = await writeColourVideo(path.join(dir, 'rg.mp4'), ['red', 'green'], 1, 10);
    const r = await runCli(
      [
        'pipeline',
        'video',
        '--model',
        clipModel,
        '--video',
        video,
        '--labels',
        labels,
        '--stride',
        '4',
        '--realtime',
        '--fps',
        '50',
        '--threads',
        '1',
      ],
      { env },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^red\s+0\.00/m);
    expect(r.stdout).toMatch(/real time: 50 fps source, queue 4 \(drop-oldest\)/);
    const bad = await runCli(
      ['pipeline', 'video', '--model', clipModel, '--video', video, '--smoothing', 'median'],
      { env },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--smoothing must be one of none, moving-average, ema/);
    const missing = await runCli(
      ['pipeline', 'video', '--model', clipModel, '--video', path.join(dir, 'none.mp4')],
      { env },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no usable video: all 1 skipped .*unreadable/);
  });
});

describe('edgebench run --scenario', () => {
  const FAST = ['--warmup-time', '0', '--warmup-count', '1', '--threads', '1'];

  it('offline: batches, samples/s, VALID or INVALID with reasons, in the JSON too', async () => {
    const json = path.join(dir, 'offline.json');
    const r = await runCli(
      [
        'run',
        imageModel,
        '--batch',
        '4',
        '--scenario',
        'offline',
        '--duration-ms',
        '200',
        '--min-sample-count',
        '40',
        '--json',
        json,
        ...FAST,
      ],
      { env },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/scenario offline: throughput [\d.]+ samples\/s\s+Result is VALID/);
    const result = runResultSchema.parse(JSON.parse(await readFile(json, 'utf8')));
    const samples = result.scenario?.samples ?? 0;
    expect(samples).toBeGreaterThanOrEqual(40);
    expect(samples % 4).toBe(0);
  });

  it('single-stream: INVALID when too few queries for early stopping', async () => {
    const r = await runCli(
      [
        'run',
        imageModel,
        '--batch',
        '1',
        '--scenario',
        'single-stream',
        '--duration-ms',
        '0',
        '--min-query-count',
        '10',
        '--max-duration-ms',
        '0',
        ...FAST,
      ],
      { env },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Result is INVALID/);
    expect(r.stdout).toMatch(/early-stopping\s+NO\s+only 10 queries; early stopping needs at least 64/);
  });

  it('refuses scenario flags without --scenario, and server without --qps', async () => {
    const a = await runCli(['run', imageModel, '--batch', '1', '--qps', '10'], { env });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--qps applies to a scenario only: add --scenario/);
    const b = await runCli(
      ['run', imageModel, '--batch', '1', '--scenario', 'server', '--latency-bound-ms', '5'],
      { env },
    );
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--scenario server needs --qps/);
  });
});

describe('bad input gets one line and exit 2 (pipelines, scenarios, telemetry)', () => {
  const oneLine = (r: { code: number | null; stderr: string }, pattern: RegExp) => {
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  it('pipeline: real-time flags without --realtime are refused, not ignored', async () => {
    const images = await writeLabelledFolder(path.join(dir, 'rt-images'), 1);
    const r = await runCli(
      ['pipeline', 'image', '--model', imageModel, '--images', images, '--fps', '10', '--queue', '2'],
      { env },
    );
    oneLine(r, /--fps, --queue apply to camera emulation only: add --realtime/);
  });

  it('pipeline: a video model given images (and an image model given a video) says which command fits', async () => {
    const images = await writeLabelledFolder(path.join(dir, 'wrong-model'), 1);
    const a = await runCli(['pipeline', 'image', '--model', clipModel, '--images', images], { env });
    oneLine(a, /looks like a video model, use `edgebench pipeline video/);
    const video = await writeColourVideo(path.join(dir, 'wrong-model.mp4'), ['red'], 1, 10);
    const b = await runCli(['pipeline', 'video', '--model', imageModel, '--video', video], { env });
    oneLine(b, /looks like an image model, use `edgebench pipeline image/);
  });

  it('pipeline video: a zero-byte file is skipped as empty-file, the good video still runs', async () => {
    const video = await writeColourVideo(path.join(dir, 'good.mp4'), ['red'], 1, 10);
    const empty = path.join(dir, 'empty.mp4');
    await writeFile(empty, '');
    const r = await runCli(
      ['pipeline', 'video', '--model', clipModel, '--video', video, empty, '--json', '-', '--threads', '1'],
      { env },
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.videos.skipCounts).toEqual({ 'empty-file': 1 });
    expect(result.results).toHaveLength(1);
  });

  it('run: every scenario-only flag is named when --scenario is missing', async () => {
    const r = await runCli(['run', imageModel, '--batch', '1', '--min-sample-count', '5'], { env });
    oneLine(r, /--min-sample-count applies to a scenario only: add --scenario single-stream\|/);
  });

  it('run: --tdp-watts 0 and --estimate-energy without telemetry are user errors', async () => {
    const a = await runCli(
      ['run', imageModel, '--batch', '1', '--estimate-energy', '--tdp-watts', '0', '--min-time', '0'],
      { env },
    );
    oneLine(a, /--tdp-watts must be a positive number of watts/);
    const b = await runCli(
      [
        'run',
        imageModel,
        '--batch',
        '1',
        '--estimate-energy',
        '--tdp-watts',
        '15',
        '--telemetry-interval',
        '0',
      ],
      { env },
    );
    oneLine(b, /--estimate-energy needs telemetry/);
  });
});
