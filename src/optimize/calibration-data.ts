/**
 * Sample tensors for calibration and fidelity checks: synthetic, a folder of images or tensor files
 * (.npy/.pb), or a video. Kept minimal on purpose: images are resized with sharp and normalized
 * per channel into NCHW; video frames come from the ffmpeg binary as raw RGB.
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import { synthesizeInputs } from '../inputs/synthetic.js';
import { checkTensorMatches, readTensorFile } from '../inputs/tensor-files.js';
import { float32ToFloat16 } from '../onnx/float16.js';
import { resolveInputShape, resolveInputShapes } from '../onnx/shapes.js';
import type { HostTensor, TensorInfo } from '../onnx/tensor.js';
import { trackChild } from '../util/children.js';
import { MAX_IMAGE_FILE_BYTES, readUserFile } from '../util/files.js';
import { checkedElementCount } from '../util/memory-limits.js';

export type Sample = Record<string, HostTensor>;

export { IMAGENET_PREPROCESS, type ImagePreprocess, PADDLE_CLS_PREPROCESS } from './settings.js';

import { IMAGENET_PREPROCESS, type ImagePreprocess } from './settings.js';

export interface SampleOptions {
  /** How many samples (default 16). */
  count?: number;
  seed?: number;
  /** Shapes for inputs with symbolic dimensions, e.g. { x: [1, 3, 48, 192] }. */
  shapes?: Record<string, number[]>;
  preprocess?: ImagePreprocess;
}

export const DEFAULT_SAMPLE_COUNT = 16;
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff', '.gif']);
export const VIDEO_EXTENSIONS = new Set(['.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v', '.mpg', '.mpeg']);
export const TENSOR_EXTENSIONS = new Set(['.npy', '.pb']);

export interface LoadedSamples {
  samples: Sample[];
  /** What the samples are, for reports ("16 images from calib/"). */
  description: string;
  /** Present for a labelled image folder: class index of each sample. */
  labels?: number[];
  classNames?: string[];
}

/** Samples from `source`: 'synthetic', a directory, a video file, or a single tensor file. */
export async function loadSamples(
  source: string,
  inputs: readonly TensorInfo[],
  options: SampleOptions = {},
): Promise<LoadedSamples> {
  const count = options.count ?? DEFAULT_SAMPLE_COUNT;
  if (!Number.isInteger(count) || count < 1)
    throw new UserError(`the sample count must be ≥ 1, got ${count}`);
  if (source === 'synthetic') {
    const shapes = resolveInputShapes(inputs, { defaultBatch: 1, shapes: options.shapes });
    const seed = options.seed ?? 42;
    const samples = Array.from({ length: count }, (_, k) => synthesizeInputs(inputs, shapes, seed + k));
    return { samples, description: `${count} synthetic samples (uniform in [-1, 1), seed ${seed})` };
  }
  const info = await stat(source).catch(() => undefined);
  if (!info)
    throw new UserError(`sample source not found: ${source} (give a folder, a video, or 'synthetic')`);
  const ext = path.extname(source).toLowerCase();
  if (info.isFile() && VIDEO_EXTENSIONS.has(ext)) return videoSamples(source, inputs, count, options);
  if (info.isFile() && TENSOR_EXTENSIONS.has(ext)) return tensorSamples([source], inputs, count);
  if (!info.isDirectory())
    throw new UserError(
      `${source}: unsupported sample source; give a folder of images or .npy/.pb tensors, a video (${[...VIDEO_EXTENSIONS].join(' ')}), or 'synthetic'`,
    );
  const files = await listFiles(source, 1);
  const tensors = files.filter((f) => TENSOR_EXTENSIONS.has(path.extname(f).toLowerCase()));
  const images = files.filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()));
  if (tensors.length > 0 && images.length === 0) return tensorSamples(tensors, inputs, count);
  if (images.length === 0)
    throw new UserError(
      `${source} holds no images (${[...IMAGE_EXTENSIONS].join(' ')}) and no .npy/.pb tensors`,
    );
  const chosen = spread(images, count);
  const input = imageInput(inputs, options);
  const samples: Sample[] = [];
  for (const file of chosen)
    samples.push({
      [input.name]: inInputType(await imageTensor(file, input.dims, options.preprocess), input.type),
    });
  return { samples, description: `${samples.length} images from ${source}` };
}

/**
 * A labelled folder: one subfolder per class. Subfolder names that are all integers are the class
 * indices; otherwise classes are the subfolders in sorted order.
 */
export async function loadLabelledImages(
  dir: string,
  inputs: readonly TensorInfo[],
  options: SampleOptions = {},
): Promise<LoadedSamples & { labels: number[]; classNames: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error) => {
    throw new UserError(`cannot read labelled folder ${dir}: ${messageOf(error)}`);
  });
  const classNames = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (classNames.length === 0)
    throw new UserError(`${dir} has no subfolders: a labelled set holds one subfolder of images per class`);
  const numeric = classNames.every((n) => /^\d+$/.test(n));
  const input = imageInput(inputs, options);
  const samples: Sample[] = [];
  const labels: number[] = [];
  for (const [index, name] of classNames.entries()) {
    const files = (await listFiles(path.join(dir, name), 0)).filter((f) =>
      IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()),
    );
    for (const file of files) {
      samples.push({
        [input.name]: inInputType(await imageTensor(file, input.dims, options.preprocess), input.type),
      });
      labels.push(numeric ? Number(name) : index);
    }
  }
  if (samples.length === 0) throw new UserError(`${dir}: the class subfolders hold no images`);
  return {
    samples,
    labels,
    classNames,
    description: `${samples.length} labelled images in ${classNames.length} classes`,
  };
}

/**
 * Checks ready-made samples against the model's inputs: every input present, with its type and
 * the fixed dimensions the model declares. `what` names the set in errors.
 */
export function validateSamples(
  samples: readonly Sample[],
  inputs: readonly TensorInfo[],
  what: string,
): void {
  if (samples.length === 0) throw new UserError(`the ${what} is empty: give at least one sample`);
  for (const [index, sample] of samples.entries()) {
    for (const info of inputs) {
      const tensor = sample[info.name];
      if (!tensor) throw new UserError(`${what}: sample ${index} has no tensor for input '${info.name}'`);
      const declared = info.shape;
      const wrongRank = declared.length > 0 && declared.length !== tensor.dims.length;
      const wrongDim = declared.some((d, i) => typeof d === 'number' && d > 0 && tensor.dims[i] !== d);
      const count = tensor.dims.reduce((a, b) => a * b, 1);
      if (tensor.type !== info.type || wrongRank || wrongDim || tensor.data.length !== count)
        throw new UserError(
          `${what}: sample ${index} gives '${info.name}' as ${tensor.type} ${tensor.dims.join('x')}, but the model expects ${info.type} ${declared.map((d) => (typeof d === 'number' && d > 0 ? d : '?')).join('x')}`,
        );
    }
  }
}

async function listFiles(dir: string, depth: number): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, e.name);
    if (e.isFile()) files.push(full);
    else if (e.isDirectory() && depth > 0) files.push(...(await listFiles(full, depth - 1)));
  }
  return files;
}

/** `count` items spread evenly over the list (all of them when there are fewer). */
function spread<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items;
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]);
}

/** The one float input an image feeds, with its resolved [N, C, H, W] (or [N, C, T, H, W]) dims. */
/** Pictures feed float inputs: float32, or float16 (a model shipped in half precision). */
const PICTURE_TYPES = new Set(['float32', 'float16']);

/** A float32 picture tensor in the input's float type. */
function inInputType(tensor: HostTensor, type: string): HostTensor {
  return type === 'float16'
    ? { type: 'float16', dims: tensor.dims, data: float32ToFloat16(tensor.data as Float32Array) }
    : tensor;
}

function imageInput(
  inputs: readonly TensorInfo[],
  options: SampleOptions,
): { name: string; dims: number[]; type: string } {
  const floats = inputs.filter((i) => PICTURE_TYPES.has(String(i.type)));
  if (inputs.length !== 1 || floats.length !== 1)
    throw new UserError(
      `images can feed only a model with one float32 (or float16) input; this one has ${inputs.map((i) => `${i.name} (${i.type})`).join(', ')}: give tensor files instead`,
    );
  const dims = resolveInputShape(floats[0], { defaultBatch: 1, shapes: options.shapes });
  if (dims.length !== 4 || (dims[1] !== 3 && dims[1] !== 1))
    throw new UserError(
      `input '${floats[0].name}' has shape ${dims.join('x')}; images need an NCHW input with 1 or 3 channels`,
    );
  return { name: floats[0].name, dims, type: String(floats[0].type) };
}

/** One image → a [1, C, H, W] float32 tensor (batch > 1 repeats it). */
export async function imageTensor(
  file: string | Buffer,
  dims: number[],
  preprocess: ImagePreprocess = IMAGENET_PREPROCESS,
): Promise<HostTensor> {
  const sharp = (await import('sharp')).default;
  checkedElementCount('an image tensor', dims, 4);
  // Regular files only, bounded: a FIFO or a device named like an image would never end.
  const bytes = typeof file === 'string' ? await readUserFile(file, MAX_IMAGE_FILE_BYTES, 'image') : file;
  const [batch, channels, height, width] = dims;
  let rgb: Buffer;
  let resizedWidth = width;
  try {
    const image = sharp(bytes).removeAlpha().toColourspace('srgb');
    if (preprocess.fit === 'fill') {
      rgb = await image.resize(width, height, { fit: 'fill' }).raw().toBuffer();
    } else {
      const meta = await sharp(bytes).metadata();
      const aspect = (meta.width ?? width) / (meta.height ?? height);
      resizedWidth = Math.max(1, Math.min(width, Math.ceil(height * aspect)));
      rgb = await image.resize(resizedWidth, height, { fit: 'fill' }).raw().toBuffer();
    }
  } catch (error) {
    throw new UserError(
      `cannot decode image ${typeof file === 'string' ? file : '(buffer)'}: ${messageOf(error)}`,
    );
  }
  return {
    type: 'float32',
    dims,
    data: toNchw(rgb, resizedWidth, height, width, channels, batch, preprocess),
  };
}

/** Interleaved RGB bytes (w×h) → normalized planar floats in a W-wide canvas, zero-padded on the right. */
export function toNchw(
  rgb: Uint8Array,
  w: number,
  h: number,
  canvasWidth: number,
  channels: number,
  batch: number,
  preprocess: ImagePreprocess,
): Float32Array {
  const plane = h * canvasWidth;
  const out = new Float32Array(batch * channels * plane);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y * w + x) * 3;
      if (channels === 1) {
        const gray = (0.299 * rgb[src] + 0.587 * rgb[src + 1] + 0.114 * rgb[src + 2]) / 255;
        out[y * canvasWidth + x] = (gray - preprocess.mean[0]) / preprocess.std[0];
      } else {
        for (let c = 0; c < 3; c++)
          out[c * plane + y * canvasWidth + x] =
            (rgb[src + c] / 255 - preprocess.mean[c]) / preprocess.std[c];
      }
    }
  }
  for (let b = 1; b < batch; b++) out.copyWithin(b * channels * plane, 0, channels * plane);
  return out;
}

async function tensorSamples(
  files: string[],
  inputs: readonly TensorInfo[],
  count: number,
): Promise<LoadedSamples> {
  if (inputs.length !== 1)
    throw new UserError(
      `tensor files can feed only a single-input model; this one has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')})`,
    );
  const chosen = spread(files, count);
  const samples: Sample[] = [];
  for (const file of chosen) {
    const tensor = await readTensorFile(file);
    checkTensorMatches(inputs[0], tensor, file);
    samples.push({ [inputs[0].name]: tensor });
  }
  return { samples, description: `${samples.length} tensor files` };
}

/** Frames every `FRAME_STEP` frames; a 5-D input [N, C, T, H, W] takes T consecutive frames per clip. */
const FRAME_STEP = 5;

async function videoSamples(
  file: string,
  inputs: readonly TensorInfo[],
  count: number,
  options: SampleOptions,
): Promise<LoadedSamples> {
  const floats = inputs.filter((i) => PICTURE_TYPES.has(String(i.type)));
  if (inputs.length !== 1 || floats.length !== 1)
    throw new UserError('a video can feed only a model with one float32 (or float16) input');
  const dims = resolveInputShape(floats[0], { defaultBatch: 1, shapes: options.shapes });
  const isClip = dims.length === 5;
  if (!(dims.length === 4 || isClip) || dims[1] !== 3)
    throw new UserError(
      `input '${floats[0].name}' has shape ${dims.join('x')}; a video needs [N,3,H,W] or [N,3,T,H,W]`,
    );
  const elements = checkedElementCount(`input '${floats[0].name}'`, dims, 4);
  const [height, width] = dims.slice(-2);
  const frames = isClip ? dims[2] : 1;
  const rawFrames = await decodeFrames(file, width, height, count * frames, isClip ? 1 : FRAME_STEP);
  const usable = Math.floor(rawFrames.length / frames);
  if (usable === 0) throw new UserError(`${file}: no frames could be decoded`);
  const preprocess = options.preprocess ?? IMAGENET_PREPROCESS;
  const samples: Sample[] = [];
  for (let s = 0; s < usable; s++) {
    const data = new Float32Array(elements);
    const plane = height * width;
    for (let t = 0; t < frames; t++) {
      const frame = toNchw(rawFrames[s * frames + t], width, height, width, 3, 1, {
        ...preprocess,
        fit: 'fill',
      });
      // [C, T, H, W] layout for clips; [C, H, W] for frames.
      for (let c = 0; c < 3; c++)
        data.set(frame.subarray(c * plane, (c + 1) * plane), (c * frames + t) * plane);
    }
    for (let b = 1; b < dims[0]; b++) data.copyWithin(b * (data.length / dims[0]), 0, data.length / dims[0]);
    samples.push({ [floats[0].name]: inInputType({ type: 'float32', dims, data }, String(floats[0].type)) });
  }
  return { samples, description: `${samples.length} ${isClip ? 'clips' : 'frames'} from ${file}` };
}

function ffmpegPath(): string {
  const require = createRequire(import.meta.url);
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

/** Decodes up to `count` frames (every `step`-th) scaled to width×height, as RGB24 buffers. */
export function decodeFrames(file: string, width: number, height: number, count: number, step: number) {
  const filters = [step > 1 ? `select=not(mod(n\\,${step}))` : '', `scale=${width}:${height}`].filter(
    Boolean,
  );
  const args = ['-v', 'error', '-i', file, '-vf', filters.join(','), '-vsync', '0'];
  args.push('-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');
  return new Promise<Uint8Array[]>((resolve, reject) => {
    const child = trackChild(spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (error) => reject(new UserError(`cannot run ffmpeg: ${messageOf(error)}`)));
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new UserError(
            `ffmpeg could not decode ${file}: ${stderr.trim().split('\n').pop() ?? `exit ${code}`}`,
          ),
        );
        return;
      }
      const all = Buffer.concat(chunks);
      const size = width * height * 3;
      const frames: Uint8Array[] = [];
      for (let offset = 0; offset + size <= all.length; offset += size)
        frames.push(all.subarray(offset, offset + size));
      resolve(frames);
    });
  });
}
