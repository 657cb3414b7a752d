// The real-time pipelines' own cost, measured:
//  1. the image pipeline's overhead beyond decode + inference, as a share of end-to-end, for resnet18 at
//     224×224 over generated 640×480 JPEGs (target ≤ 5%);
//  2. ffmpeg decode speed as a multiple of real time, for 320×240 30-fps H.264 decoded to rgb24 at a
//     video model's input size (target ≥ 4×).
// Prints figures only; it never fails on a timing. Run after `npx tsc -p tsconfig.build.json`.
// PIPELINE_BENCH_IMAGES (default 24), PIPELINE_BENCH_VIDEO_SECONDS (default 10) scale the work.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { decodeFrames, ffmpegPath, probeVideo, runImagePipeline } from '../dist/pipelines/index.js';
import { resolveModel } from '../dist/zoo/resolve.js';

const IMAGES = Number(process.env.PIPELINE_BENCH_IMAGES ?? 24);
const VIDEO_SECONDS = Number(process.env.PIPELINE_BENCH_VIDEO_SECONDS ?? 10);
const fmt = (v, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
const dir = await mkdtemp(path.join(os.tmpdir(), 'edgebench-pipeline-bench-'));

try {
  // 1. Image pipeline overhead -------------------------------------------------------------------
  const images = path.join(dir, 'images');
  await mkdir(images);
  for (let i = 0; i < IMAGES; i++) {
    // Noise compresses like a photograph does (badly), so the JPEG decode is not trivially cheap.
    await sharp({
      create: { width: 640, height: 480, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 48 } },
    })
      .jpeg({ quality: 90 })
      .toFile(path.join(images, `img-${String(i).padStart(3, '0')}.jpg`));
  }
  const model = await resolveModel('zoo:resnet18?input=1x3x224x224');
  const r = await runImagePipeline({
    modelPath: model.path,
    modelName: model.name,
    inputs: [images],
    warmupRuns: 5,
    repeat: 2,
  });
  const s = r.stages;
  const perImage = (key) => s.totalMs[key] / s.items;
  console.log(
    `image pipeline: ${model.name} 1x3x224x224, ${IMAGES} JPEGs 640x480, 2 passes (${s.items} images), ort/cpu`,
  );
  console.log('  stage          mean ms/image   share of end-to-end');
  for (const key of ['decode', 'preprocess', 'inference', 'postprocess', 'endToEnd'])
    console.log(
      `  ${key.padEnd(13)} ${fmt(perImage(key), 3).padStart(13)}   ${fmt(s.share[key] * 100, 1).padStart(6)}%`,
    );
  console.log(
    `  pure inference ${fmt(s.pureInferenceItemsPerSec, 1)} images/s, end-to-end ${fmt(s.endToEndItemsPerSec, 1)} images/s`,
  );
  console.log(
    `  pipeline overhead beyond decode + inference: ${fmt(s.overheadMs / s.items, 3)} ms/image = ${fmt(s.overheadShare * 100, 2)}% of end-to-end (target ≤ 5%)`,
  );

  // 2. Video decode speed -----------------------------------------------------------------------
  const video = path.join(dir, 'testsrc-320x240-30.mp4');
  await promisify(execFile)(ffmpegPath(), [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=30',
    '-t',
    String(VIDEO_SECONDS),
    '-pix_fmt',
    'yuv420p',
    '-c:v',
    'libx264',
    video,
  ]);
  const probe = await probeVideo(video);
  console.log(
    `\nvideo decode: ${VIDEO_SECONDS} s of 320x240 ${probe.fps}-fps H.264 (${probe.estimatedFrames} frames) to rgb24, ${os.cpus().length} cores`,
  );
  for (const size of [
    { width: 112, height: 112, label: '112x112 (r3d_18 input, resize-crop)' },
    { width: 320, height: 240, label: '320x240 (no scaling)' },
  ]) {
    const t0 = performance.now();
    let frames = 0;
    for await (const _ of decodeFrames(video, {
      width: size.width,
      height: size.height,
      resize: size.width === 320 ? 'stretch' : 'resize-crop',
      cropFraction: 0.875,
    }))
      frames++;
    const seconds = (performance.now() - t0) / 1000;
    const multiple = frames / (probe.fps ?? 30) / seconds;
    console.log(
      `  ${size.label.padEnd(36)} ${frames} frames in ${fmt(seconds, 3)} s = ${fmt(frames / seconds, 0)} fps = ${fmt(multiple, 1)}× real time (target ≥ 4×)`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
