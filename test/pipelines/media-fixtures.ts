/**
 * Fixtures generated at test time: tiny "colour classifier" models (mean colour → class), images made
 * with sharp (good and bad ones), videos made with ffmpeg's lavfi sources (good and bad ones).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { float32Tensor } from '../../src/onnx/ir.js';
import { modelToBytes } from '../../src/onnx/model-io.js';
import { ffmpegPath } from '../../src/pipelines/ffmpeg.js';

const run = promisify(execFile);

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `edgebench-${prefix}-`));
}

/** Classes 0, 1, 2 = the channel (R, G, B) with the largest mean after normalization; logits ×10. */
const CHANNEL_WEIGHTS = [10, 0, 0, 0, 10, 0, 0, 0, 10];

export interface ImageModelOptions {
  layout?: 'NCHW' | 'NHWC';
  height?: number | string;
  width?: number | string;
  batch?: number | string;
}

export async function writeColourImageModel(file: string, o: ImageModelOptions = {}): Promise<string> {
  const b = new GraphBuilder({ name: 'colour-image' });
  const h = o.height ?? 32;
  const w = o.width ?? 32;
  const n = o.batch ?? 'N';
  const nchw = (o.layout ?? 'NCHW') === 'NCHW';
  const x = b.input('image', nchw ? [n, 3, h, w] : [n, h, w, 3]);
  const mean = b.reduceMean(x, nchw ? [2, 3] : [1, 2]);
  const weights = b.initializer(float32Tensor('w', [3, 3], CHANNEL_WEIGHTS));
  b.output(b.matMul(mean, weights), 'logits');
  await writeFile(file, modelToBytes(b.build()));
  return file;
}

export async function writeColourClipModel(
  file: string,
  o: { frames?: number | string; height?: number; width?: number; layout?: 'NCTHW' | 'NTCHW' } = {},
): Promise<string> {
  const b = new GraphBuilder({ name: 'colour-clip' });
  const t = o.frames ?? 8;
  const h = o.height ?? 32;
  const w = o.width ?? 32;
  const ncthw = (o.layout ?? 'NCTHW') === 'NCTHW';
  const x = b.input('clip', ncthw ? [1, 3, t, h, w] : [1, t, 3, h, w]);
  const mean = b.reduceMean(x, ncthw ? [2, 3, 4] : [1, 3, 4]);
  const weights = b.initializer(float32Tensor('w', [3, 3], CHANNEL_WEIGHTS));
  b.output(b.matMul(mean, weights), 'logits');
  await writeFile(file, modelToBytes(b.build()));
  return file;
}

export const COLOURS = {
  red: { r: 255, g: 0, b: 0 },
  green: { r: 0, g: 255, b: 0 },
  blue: { r: 0, g: 0, b: 255 },
} as const;

export async function writeSolidImage(
  file: string,
  colour: { r: number; g: number; b: number },
  width = 64,
  height = 48,
): Promise<string> {
  const ext = path.extname(file).toLowerCase();
  let img = sharp({ create: { width, height, channels: 3, background: colour } });
  img = ext === '.png' ? img.png() : ext === '.webp' ? img.webp() : img.jpeg({ quality: 95 });
  await img.toFile(file);
  return file;
}

/** DIR/red/*.jpg, DIR/green/*.png, DIR/blue/*.webp: `perClass` images each. */
export async function writeLabelledFolder(dir: string, perClass = 2): Promise<string> {
  const exts = { red: '.jpg', green: '.png', blue: '.webp' } as const;
  for (const [name, colour] of Object.entries(COLOURS)) {
    await mkdir(path.join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++)
      await writeSolidImage(
        path.join(dir, name, `${name}-${i}${exts[name as keyof typeof exts]}`),
        colour,
        40 + i * 8,
        30 + i * 4,
      );
  }
  return dir;
}

/** Bad images: truncated JPEG, text named .jpg, empty, too small, extreme aspect ratio. */
export async function writeBadImages(dir: string): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const good = await sharp({ create: { width: 64, height: 64, channels: 3, background: COLOURS.red } })
    .jpeg()
    .toBuffer();
  const files = {
    truncated: path.join(dir, 'truncated.jpg'),
    text: path.join(dir, 'text.jpg'),
    empty: path.join(dir, 'empty.png'),
    tiny: path.join(dir, 'tiny.png'),
    strip: path.join(dir, 'strip.png'),
  };
  await writeFile(files.truncated, good.subarray(0, Math.floor(good.length / 2)));
  await writeFile(files.text, 'this is not a picture\n');
  await writeFile(files.empty, '');
  await writeSolidImage(files.tiny, COLOURS.red, 2, 2);
  await writeSolidImage(files.strip, COLOURS.red, 400, 10);
  return files;
}

export async function ffmpeg(args: string[]): Promise<void> {
  await run(ffmpegPath(), ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
    timeout: 60_000,
  });
}

/** testsrc at 320×240, `seconds` long. */
export async function writeTestVideo(
  file: string,
  seconds = 2,
  rate = 30,
  size = '320x240',
): Promise<string> {
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${size}:rate=${rate}`,
    '-t',
    String(seconds),
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  return file;
}

/** A video whose header names an H.264 stream but whose frames were cut off: decodes to zero frames. */
export async function writeHeaderOnlyVideo(file: string): Promise<string> {
  const full = `${file}.full.mp4`;
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=64x48:rate=10',
    '-t',
    '1',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    full,
  ]);
  const bytes = await readFile(full);
  await writeFile(file, bytes.subarray(0, bytes.indexOf(Buffer.from('mdat')) + 4));
  return file;
}

/** One second of each colour in turn, e.g. red then blue: an "action" per colour. */
export async function writeColourVideo(
  file: string,
  colours: string[],
  secondsEach = 1,
  rate = 30,
): Promise<string> {
  const inputs = colours.flatMap((c) => [
    '-f',
    'lavfi',
    '-i',
    `color=c=${c}:size=96x64:rate=${rate}:duration=${secondsEach}`,
  ]);
  const concat = `${colours.map((_, i) => `[${i}:v]`).join('')}concat=n=${colours.length}:v=1:a=0[v]`;
  await ffmpeg([...inputs, '-filter_complex', concat, '-map', '[v]', '-pix_fmt', 'yuv420p', file]);
  return file;
}
