/**
 * Image decoding with sharp: a file (or bytes) becomes packed 8-bit RGB pixels at the model's size,
 * resized and cropped by a `ResizePlan`. Bad images raise a MediaSkip with a named reason.
 * Also: finding images in folders, with one subfolder per class for accuracy.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { messageOf } from '../errors.js';
import { FileReadError, MAX_IMAGE_FILE_BYTES, readRegularFile } from '../util/files.js';
import { type ResizeOptions, resizePlan } from './preprocess.js';
import { MediaSkip, type SkippedInput } from './skips.js';

export interface ImageLimits {
  /** Pictures with a side shorter than this are skipped as too small. */
  minSidePx: number;
  /** …or with one side more than this many times the other, as extreme. */
  maxAspectRatio: number;
  /** …or with more pixels than this, as too large (also sharp's decompression-bomb guard). */
  maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  minSidePx: 8,
  maxAspectRatio: 20,
  maxPixels: 100_000_000,
});

/** sharp's resampling kernel; `linear` is bilinear with antialiasing on reduction, like PIL's BILINEAR. */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

export interface DecodedPicture {
  /** height × width × 3 bytes, RGB. */
  pixels: Uint8Array;
  sourceWidth: number;
  sourceHeight: number;
}

export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
];

export { MAX_IMAGE_FILE_BYTES };

/** Reads a regular file of at most `maxBytes`, naming what went wrong as a skip reason. */
export async function readMediaFile(file: string, maxBytes = MAX_IMAGE_FILE_BYTES): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file, maxBytes);
  } catch (error) {
    if (!(error instanceof FileReadError)) throw new MediaSkip('unreadable', messageOf(error));
    const detail = error.problem === 'missing' ? 'no such file' : error.detail;
    throw new MediaSkip(error.problem === 'too-large' ? 'too-large' : 'unreadable', detail);
  }
  if (bytes.length === 0) throw new MediaSkip('empty-file', 'the file is empty');
  return bytes;
}

/** Orientations 5–8 swap width and height (EXIF). */
function orientedSize(meta: Metadata): { width: number; height: number } {
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  return (meta.orientation ?? 1) >= 5 ? { width: h, height: w } : { width: w, height: h };
}

/** Decodes and resizes one picture to `resize.width × resize.height` RGB. */
export async function decodeImage(
  bytes: Buffer,
  resize: ResizeOptions,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
  kernel: ResizeKernel = 'linear',
): Promise<DecodedPicture> {
  let image: Sharp;
  let meta: Metadata;
  try {
    image = sharp(bytes, { failOn: 'warning', limitInputPixels: false });
    meta = await image.metadata();
  } catch (error) {
    throw new MediaSkip('undecodable', oneLine(error));
  }
  const { width, height } = orientedSize(meta);
  if (!width || !height) throw new MediaSkip('undecodable', 'no picture size in the file');
  if (Math.min(width, height) < limits.minSidePx)
    throw new MediaSkip('too-small', `${width}x${height} has a side under ${limits.minSidePx} px`);
  if (width * height > limits.maxPixels)
    throw new MediaSkip('too-large', `${width}x${height} is over ${limits.maxPixels} pixels`);
  if (Math.max(width, height) / Math.min(width, height) > limits.maxAspectRatio)
    throw new MediaSkip('extreme-aspect-ratio', `${width}x${height} is more than ${limits.maxAspectRatio}:1`);
  const plan = resizePlan(width, height, resize);
  let pipeline = image
    .rotate()
    .resize(plan.resizeWidth, plan.resizeHeight, { fit: 'fill', kernel })
    .removeAlpha()
    .toColourspace('srgb');
  if (plan.crop) pipeline = pipeline.extract(plan.crop);
  if (plan.pad) pipeline = pipeline.extend({ ...plan.pad, background: { r: 0, g: 0, b: 0 } });
  let data: Buffer;
  let info: OutputInfo;
  try {
    ({ data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true }));
  } catch (error) {
    throw new MediaSkip('undecodable', oneLine(error));
  }
  if (info.width !== resize.width || info.height !== resize.height)
    throw new MediaSkip(
      'undecodable',
      `decoded to ${info.width}x${info.height} instead of ${resize.width}x${resize.height}`,
    );
  let pixels: Uint8Array = data;
  if (info.channels === 1) pixels = grayToRgb(data);
  else if (info.channels !== 3) throw new MediaSkip('undecodable', `decoded to ${info.channels} channels`);
  return { pixels, sourceWidth: width, sourceHeight: height };
}

function grayToRgb(gray: Uint8Array): Uint8Array {
  const rgb = new Uint8Array(gray.length * 3);
  for (let i = 0, j = 0; i < gray.length; i++, j += 3) rgb[j] = rgb[j + 1] = rgb[j + 2] = gray[i];
  return rgb;
}

function oneLine(error: unknown): string {
  return messageOf(error).replace(/\s+/g, ' ').trim().slice(0, 300);
}

export interface ImageItem {
  file: string;
  /** Ground-truth class folder name, for images found under DIR/<class>/. */
  truth?: string;
}

export interface ImageListing {
  items: ImageItem[];
  /** Inputs that do not exist or cannot be listed. */
  skipped: SkippedInput[];
  /** Class folder names, sorted (torchvision ImageFolder's order), when any input has them. */
  classFolders: string[];
}

const isImageFile = (name: string) => IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
const isHidden = (name: string) => name.startsWith('.');

async function walkImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (isHidden(e.name)) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkImages(full)));
    else if (isImageFile(e.name)) out.push(full);
  }
  return out;
}

/**
 * Files are taken as given (whatever their extension); a folder contributes the images directly in it
 * (unlabelled) and, for each subfolder, every image below it labelled with the subfolder's name.
 */
export async function listImages(inputs: readonly string[]): Promise<ImageListing> {
  const items: ImageItem[] = [];
  const skipped: SkippedInput[] = [];
  const classes = new Set<string>();
  for (const input of inputs) {
    const st = await stat(input).catch((error: NodeJS.ErrnoException) => error);
    if (st instanceof Error) {
      skipped.push({
        file: input,
        reason: 'unreadable',
        detail: st.code === 'ENOENT' ? 'no such file or folder' : messageOf(st),
      });
      continue;
    }
    if (!st.isDirectory()) {
      items.push({ file: input });
      continue;
    }
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(input, { withFileTypes: true });
    } catch (error) {
      skipped.push({ file: input, reason: 'unreadable', detail: messageOf(error) });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (isHidden(e.name)) continue;
      const full = path.join(input, e.name);
      if (e.isDirectory()) {
        const files = await walkImages(full);
        if (files.length > 0) classes.add(e.name);
        for (const f of files) items.push({ file: f, truth: e.name });
      } else if (isImageFile(e.name)) items.push({ file: full });
    }
  }
  return { items, skipped, classFolders: [...classes].sort() };
}
