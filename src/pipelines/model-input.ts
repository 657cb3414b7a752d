/**
 * Reading what a vision model wants from its declared input: picture size, layout, batch, clip length.
 * Fixed dimensions win; symbolic ones are filled from the request, or the error says which flag sets them.
 */

import { UserError } from '../errors.js';
import { formatShape } from '../onnx/shapes.js';
import type { TensorInfo } from '../onnx/tensor.js';
import type { TensorLayout } from './preprocess.js';

export const CLIP_LAYOUTS = ['NCTHW', 'NTCHW'] as const;
/** NCTHW: torchvision's video models (r3d_18, r2plus1d_18, mc3_18); NTCHW: per-frame channels first. */
export type ClipLayout = (typeof CLIP_LAYOUTS)[number];

/** Element types the pipelines can fill: normalized float32, or raw 8-bit pixels. */
export type PictureElementType = 'float32' | 'uint8';

export interface ImageInputSpec {
  name: string;
  type: PictureElementType;
  layout: TensorLayout;
  width: number;
  height: number;
  /** The batch dimension when the model fixes it; null when it is symbolic. */
  fixedBatch: number | null;
}

export interface ClipInputSpec {
  name: string;
  type: 'float32';
  layout: ClipLayout;
  /** Frames per clip (T). */
  frames: number;
  width: number;
  height: number;
  fixedBatch: number | null;
}

export interface SizeRequest {
  width: number;
  height: number;
}

const fixed = (d: number | string | undefined): number | null => (typeof d === 'number' && d > 0 ? d : null);

function elementType(info: TensorInfo, allowed: readonly PictureElementType[]): PictureElementType {
  if (!(allowed as readonly string[]).includes(String(info.type)))
    throw new UserError(
      `input '${info.name}' is ${info.type}; the pipeline fills ${allowed.join(' or ')} inputs (convert the model, or benchmark it with \`edgebench run\`)`,
    );
  return info.type as PictureElementType;
}

function resolveSide(
  name: string,
  side: 'height' | 'width',
  declared: number | string | undefined,
  requested: number | undefined,
  template: string,
): number {
  const f = fixed(declared);
  if (f !== null) {
    if (requested !== undefined && requested !== f)
      throw new UserError(`--size: input '${name}' has a fixed ${side} of ${f}, got ${requested}`);
    return f;
  }
  if (requested === undefined)
    throw new UserError(
      `input '${name}' has a symbolic ${side} (${template}); set the picture size with --size HEIGHTxWIDTH`,
    );
  return requested;
}

/** The picture input of an image classifier: [N, 3, H, W] or [N, H, W, 3]. */
export function imageInputSpec(
  info: TensorInfo,
  request: { size?: SizeRequest; layout?: TensorLayout } = {},
): ImageInputSpec {
  const shape = info.shape;
  const template = formatShape(shape);
  if (shape.length !== 4)
    throw new UserError(
      `input '${info.name}' has shape ${template}; an image classifier takes [N, 3, H, W] or [N, H, W, 3]${shape.length === 5 ? ': this looks like a video model, use `edgebench pipeline video --video FILE`' : ': give an image classification model'}`,
    );
  const type = elementType(info, ['float32', 'uint8']);
  let layout = request.layout;
  if (!layout) {
    if (fixed(shape[1]) === 3) layout = 'NCHW';
    else if (fixed(shape[3]) === 3) layout = 'NHWC';
    else if (fixed(shape[1]) === null && fixed(shape[3]) === null) layout = 'NCHW';
    else
      throw new UserError(
        `input '${info.name}' (${template}) has no 3-channel dimension; the pipeline feeds RGB pictures (set --layout if it is there)`,
      );
  }
  const channelDim = layout === 'NCHW' ? shape[1] : shape[3];
  if (fixed(channelDim) !== null && fixed(channelDim) !== 3)
    throw new UserError(
      `input '${info.name}' (${template}) has ${channelDim} channels in ${layout}; the pipeline feeds 3 (RGB)`,
    );
  const [hDim, wDim] = layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  return {
    name: info.name,
    type,
    layout,
    height: resolveSide(info.name, 'height', hDim, request.size?.height, template),
    width: resolveSide(info.name, 'width', wDim, request.size?.width, template),
    fixedBatch: fixed(shape[0]),
  };
}

/** The clip input of a video classifier: [N, 3, T, H, W] or [N, T, 3, H, W]. */
export function clipInputSpec(
  info: TensorInfo,
  request: { size?: SizeRequest; frames?: number; layout?: ClipLayout } = {},
): ClipInputSpec {
  const shape = info.shape;
  const template = formatShape(shape);
  if (shape.length !== 5)
    throw new UserError(
      `input '${info.name}' has shape ${template}; a video classifier takes clips [N, 3, T, H, W] or [N, T, 3, H, W]${shape.length === 4 ? ': this looks like an image model, use `edgebench pipeline image --images FILES`' : ': give a video (clip) classification model'}`,
    );
  elementType(info, ['float32']);
  let layout = request.layout;
  if (!layout) {
    if (fixed(shape[1]) === 3) layout = 'NCTHW';
    else if (fixed(shape[2]) === 3) layout = 'NTCHW';
    else if (fixed(shape[1]) === null) layout = 'NCTHW';
    else
      throw new UserError(
        `input '${info.name}' (${template}) has no 3-channel dimension; set --clip-layout if it is there`,
      );
  }
  const [cDim, tDim] = layout === 'NCTHW' ? [shape[1], shape[2]] : [shape[2], shape[1]];
  if (fixed(cDim) !== null && fixed(cDim) !== 3)
    throw new UserError(
      `input '${info.name}' (${template}) has ${cDim} channels in ${layout}; the pipeline feeds 3 (RGB)`,
    );
  const tFixed = fixed(tDim);
  let frames: number;
  if (tFixed !== null) {
    if (request.frames !== undefined && request.frames !== tFixed)
      throw new UserError(
        `--clip ${request.frames}: input '${info.name}' takes clips of exactly ${tFixed} frames (${template})`,
      );
    frames = tFixed;
  } else {
    frames = request.frames ?? 16;
  }
  return {
    name: info.name,
    type: 'float32',
    layout,
    frames,
    height: resolveSide(info.name, 'height', shape[3], request.size?.height, template),
    width: resolveSide(info.name, 'width', shape[4], request.size?.width, template),
    fixedBatch: fixed(shape[0]),
  };
}
