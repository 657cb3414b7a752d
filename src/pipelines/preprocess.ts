/**
 * Pre-processing shared by the image and video pipelines: how a decoded picture is resized and
 * cropped (a plan, computed here and executed by sharp or ffmpeg), and how its 8-bit RGB pixels
 * become a normalized tensor (pure, allocation-free loops).
 */
import { UserError } from '../errors.js';

/**
 * - `resize-crop`: torchvision's Resize + CenterCrop: scale so that the crop is `cropFraction` of the
 *   resized picture (224 of 256 by default), keeping the aspect ratio, then cut the centre.
 * - `cover`: scale to cover the target, keeping the aspect ratio, cut the centre (no margin).
 * - `stretch`: scale each side to the target, distorting the aspect ratio.
 * - `contain`: scale to fit inside the target, keeping the aspect ratio, pad with black (letterbox).
 */
export const RESIZE_MODES = ['resize-crop', 'cover', 'stretch', 'contain'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

export const TENSOR_LAYOUTS = ['NCHW', 'NHWC'] as const;
export type TensorLayout = (typeof TENSOR_LAYOUTS)[number];

export const CHANNEL_ORDERS = ['RGB', 'BGR'] as const;
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];

export type Triple = [number, number, number];

/** torchvision's ImageNet statistics (RGB, on pixels scaled to [0, 1]). */
export const IMAGENET_MEAN: Readonly<Triple> = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Readonly<Triple> = [0.229, 0.224, 0.225];
/** torchvision's Kinetics-400 statistics, used by its video classification models (r3d_18, …). */
export const KINETICS_MEAN: Readonly<Triple> = [0.43216, 0.394666, 0.37645];
export const KINETICS_STD: Readonly<Triple> = [0.22803, 0.22145, 0.216989];

export interface ResizeOptions {
  /** Target width and height in pixels (the model's input size). */
  width: number;
  height: number;
  resize: ResizeMode;
  /** `resize-crop` only: the crop's share of the resized picture, in (0, 1]. */
  cropFraction: number;
}

export interface PreprocessOptions extends ResizeOptions {
  /** Per-channel mean and standard deviation, in RGB order, in units of `scale`d pixels. */
  mean: Triple;
  std: Triple;
  /** Pixels are multiplied by this before the mean is subtracted: 1/255 maps 0–255 to 0–1. */
  scale: number;
  layout: TensorLayout;
  channelOrder: ChannelOrder;
}

/** ImageNet-style defaults: resize 256 / centre-crop 224 proportions, ImageNet mean/std, NCHW, RGB. */
export const DEFAULT_PREPROCESS: Readonly<Omit<PreprocessOptions, 'width' | 'height'>> = Object.freeze({
  resize: 'resize-crop',
  cropFraction: 0.875,
  mean: [...IMAGENET_MEAN] as Triple,
  std: [...IMAGENET_STD] as Triple,
  scale: 1 / 255,
  layout: 'NCHW',
  channelOrder: 'RGB',
});

export function validatePreprocess(options: PreprocessOptions): PreprocessOptions {
  for (const key of ['width', 'height'] as const) {
    const v = options[key];
    if (!Number.isInteger(v) || v < 1)
      throw new UserError(`preprocess ${key} must be a positive integer, got ${v}`);
  }
  if (!(RESIZE_MODES as readonly string[]).includes(options.resize))
    throw new UserError(`resize mode must be one of ${RESIZE_MODES.join(', ')}; got '${options.resize}'`);
  if (!(options.cropFraction > 0 && options.cropFraction <= 1))
    throw new UserError(`crop fraction must be in (0, 1], got ${options.cropFraction}`);
  if (!(TENSOR_LAYOUTS as readonly string[]).includes(options.layout))
    throw new UserError(`layout must be one of ${TENSOR_LAYOUTS.join(', ')}; got '${options.layout}'`);
  if (!(CHANNEL_ORDERS as readonly string[]).includes(options.channelOrder))
    throw new UserError(
      `channel order must be one of ${CHANNEL_ORDERS.join(', ')}; got '${options.channelOrder}'`,
    );
  const triple = (name: string, t: readonly number[]) => {
    if (t.length !== 3 || t.some((x) => !Number.isFinite(x)))
      throw new UserError(`${name} needs three numbers (one per channel, RGB order), got [${t.join(', ')}]`);
  };
  triple('mean', options.mean);
  triple('std', options.std);
  if (options.std.some((x) => x === 0)) throw new UserError('std must not contain 0');
  if (!Number.isFinite(options.scale) || options.scale === 0)
    throw new UserError(`scale must be a non-zero number, got ${options.scale}`);
  return options;
}

/** Parses `0.485,0.456,0.406` (flags). */
export function parseTriple(flag: string, text: string): Triple {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p)))
    throw new UserError(`${flag} needs three comma-separated numbers (R,G,B), got '${text}'`);
  return parts as Triple;
}

/** Parses `224x224` or `224` as height × width (the order of NCHW's last two dimensions). */
export function parseSize(flag: string, text: string): { width: number; height: number } {
  const parts = text.split(/[x×,]/).map((p) => Number(p.trim()));
  const ok = parts.length >= 1 && parts.length <= 2 && parts.every((p) => Number.isInteger(p) && p > 0);
  if (!ok) throw new UserError(`${flag} expects HEIGHTxWIDTH (e.g. 224x224) or one number, got '${text}'`);
  return parts.length === 1 ? { width: parts[0], height: parts[0] } : { height: parts[0], width: parts[1] };
}

/** What to do to a picture of a given size: scale to (resizeWidth, resizeHeight), then crop or pad. */
export interface ResizePlan {
  resizeWidth: number;
  resizeHeight: number;
  /** Centre crop taken after resizing (cover, resize-crop). */
  crop?: { left: number; top: number; width: number; height: number };
  /** Padding added after resizing (contain). */
  pad?: { left: number; top: number; right: number; bottom: number };
}

/** The resize plan for a source picture (pure). */
export function resizePlan(sourceWidth: number, sourceHeight: number, options: ResizeOptions): ResizePlan {
  const { width, height } = options;
  switch (options.resize) {
    case 'stretch':
      return { resizeWidth: width, resizeHeight: height };
    case 'contain': {
      const s = Math.min(width / sourceWidth, height / sourceHeight);
      const rw = Math.max(1, Math.min(width, Math.round(sourceWidth * s)));
      const rh = Math.max(1, Math.min(height, Math.round(sourceHeight * s)));
      const left = Math.floor((width - rw) / 2);
      const top = Math.floor((height - rh) / 2);
      return {
        resizeWidth: rw,
        resizeHeight: rh,
        pad: { left, top, right: width - rw - left, bottom: height - rh - top },
      };
    }
    case 'cover':
    case 'resize-crop': {
      const f = options.resize === 'cover' ? 1 : options.cropFraction;
      const s = Math.max(width / f / sourceWidth, height / f / sourceHeight);
      const rw = Math.max(width, Math.round(sourceWidth * s));
      const rh = Math.max(height, Math.round(sourceHeight * s));
      // torchvision's CenterCrop rounds the offset to the nearest pixel.
      const left = Math.round((rw - width) / 2);
      const top = Math.round((rh - height) / 2);
      return { resizeWidth: rw, resizeHeight: rh, crop: { left, top, width, height } };
    }
  }
}

/** Elements of one picture in the tensor: 3 × height × width. */
export function pictureElements(options: Pick<PreprocessOptions, 'width' | 'height'>): number {
  return 3 * options.width * options.height;
}

/**
 * Writes packed 8-bit RGB pixels (height × width × 3) into `out` at `offset` as one normalized picture
 * in the requested layout and channel order: (pixel × scale − mean) / std.
 */
export function writeNormalized(
  rgb: Uint8Array,
  options: PreprocessOptions,
  out: Float32Array,
  offset: number,
): void {
  const pixels = options.width * options.height;
  if (rgb.length !== pixels * 3)
    throw new RangeError(
      `expected ${pixels * 3} bytes of RGB pixels (${options.width}x${options.height}), got ${rgb.length}`,
    );
  if (offset + pixels * 3 > out.length) throw new RangeError('tensor too small for this picture');
  // Output channel c reads source channel src[c]; value = pixel * a[c] + b[c].
  const src = options.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const a0 = options.scale / options.std[src[0]];
  const a1 = options.scale / options.std[src[1]];
  const a2 = options.scale / options.std[src[2]];
  const b0 = -options.mean[src[0]] / options.std[src[0]];
  const b1 = -options.mean[src[1]] / options.std[src[1]];
  const b2 = -options.mean[src[2]] / options.std[src[2]];
  const s0 = src[0];
  const s1 = src[1];
  const s2 = src[2];
  if (options.layout === 'NCHW') {
    const p1 = offset + pixels;
    const p2 = offset + 2 * pixels;
    for (let i = 0, j = 0; i < pixels; i++, j += 3) {
      out[offset + i] = rgb[j + s0] * a0 + b0;
      out[p1 + i] = rgb[j + s1] * a1 + b1;
      out[p2 + i] = rgb[j + s2] * a2 + b2;
    }
  } else {
    for (let j = 0, o = offset; j < pixels * 3; j += 3, o += 3) {
      out[o] = rgb[j + s0] * a0 + b0;
      out[o + 1] = rgb[j + s1] * a1 + b1;
      out[o + 2] = rgb[j + s2] * a2 + b2;
    }
  }
}

/** For models that take raw 8-bit pixels: layout and channel order only, no normalization. */
export function writeRaw(rgb: Uint8Array, options: PreprocessOptions, out: Uint8Array, offset: number): void {
  const pixels = options.width * options.height;
  if (rgb.length !== pixels * 3)
    throw new RangeError(`expected ${pixels * 3} bytes of RGB pixels, got ${rgb.length}`);
  const src = options.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  if (options.layout === 'NCHW') {
    for (let c = 0; c < 3; c++) {
      const base = offset + c * pixels;
      const s = src[c];
      for (let i = 0; i < pixels; i++) out[base + i] = rgb[i * 3 + s];
    }
  } else if (options.channelOrder === 'RGB') {
    out.set(rgb, offset);
  } else {
    for (let j = 0; j < pixels * 3; j += 3) {
      out[offset + j] = rgb[j + 2];
      out[offset + j + 1] = rgb[j + 1];
      out[offset + j + 2] = rgb[j];
    }
  }
}
