/** Resolving a model's declared input shapes (with symbolic dimensions) into concrete ones. */

import { UserError } from '../errors.js';
import type { TensorInfo } from './tensor.js';

export interface ShapeRequest {
  /**
   * The batch: sets the leading dimension of every input whose leading dimension is symbolic, and
   * binds that dimension's name wherever else it appears (a user's request: contradictions are errors).
   */
  batch?: number;
  /** A batch to fall back on (calibration, fidelity): fills a symbolic leading dimension nothing else sets. */
  defaultBatch?: number;
  /** Full shapes per input name, e.g. { input: [1, 3, 224, 224] }. */
  shapes?: Record<string, number[]>;
}

/** The size a symbolic dimension name was given, and by what (for error messages). */
export interface DimensionBinding {
  size: number;
  source: string;
  /** The name is the leading dimension of some input, so --batch set it. */
  batch?: boolean;
}

/** Shapes fixed by something other than a flag (an input file), with words that name it. */
export type GivenShapes = Record<string, { dims: readonly number[]; source: string }>;

const isName = (d: number | string | undefined): d is string => typeof d === 'string' && d !== '';
const isFixed = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;

/**
 * What each symbolic dimension name stands for. A name is one size across all inputs (as
 * onnxruntime's free-dimension overrides are by name): `--shape input=1x512` sets `batch` and
 * `sequence` for every input that declares them, `--batch N` binds the name of each symbolic
 * leading dimension. Two sources giving one name different sizes are an error naming both.
 */
export function bindDimensionNames(
  inputs: readonly TensorInfo[],
  request: ShapeRequest,
  given: GivenShapes = {},
): Map<string, DimensionBinding> {
  const bindings = new Map<string, DimensionBinding>();
  const bind = (name: string, size: number, source: string) => {
    const known = bindings.get(name);
    if (!known) bindings.set(name, { size, source });
    else if (known.size !== size)
      throw new UserError(
        `dimension '${name}' is ${known.size} in ${known.source} but ${size} in ${source}: a dimension name is one size across all inputs, so make them agree`,
      );
  };
  for (const info of inputs) {
    const explicit = request.shapes?.[info.name];
    const fixed = explicit
      ? { dims: explicit, source: `--shape ${info.name}=${explicit.join('x')}` }
      : given[info.name];
    if (!fixed) continue;
    info.shape.forEach((dim, i) => {
      if (isName(dim) && fixed.dims[i] !== undefined) bind(dim, fixed.dims[i], fixed.source);
    });
  }
  if (request.batch !== undefined) {
    for (const info of inputs) {
      const lead = info.shape[0];
      const explicit = request.shapes?.[info.name];
      // The batch check of the flags themselves, for inputs whose leading dimension is the batch.
      if (explicit && explicit.length > 0 && !isFixed(lead) && explicit[0] !== request.batch)
        throw new UserError(
          `--batch ${request.batch} contradicts --shape ${info.name}=${explicit.join('x')} (leading dimension ${explicit[0]}): give one of them, or make them agree`,
        );
      if (isName(lead)) {
        bind(lead, request.batch, `--batch ${request.batch}`);
        bindings.get(lead)!.batch = true;
      }
    }
  }
  if (request.defaultBatch !== undefined) {
    for (const info of inputs) {
      const lead = info.shape[0];
      if (isName(lead) && !bindings.has(lead))
        bindings.set(lead, { size: request.defaultBatch, source: 'the default batch' });
    }
  }
  return bindings;
}

/** Every input's concrete shape, with dimension names bound across inputs (see bindDimensionNames). */
export function resolveInputShapes(
  inputs: readonly TensorInfo[],
  request: ShapeRequest,
  given: GivenShapes = {},
): Record<string, number[]> {
  const bindings = bindDimensionNames(inputs, request, given);
  const shapes: Record<string, number[]> = {};
  for (const info of inputs)
    shapes[info.name] = given[info.name]
      ? [...given[info.name].dims]
      : resolveInputShape(info, request, bindings);
  return shapes;
}

/** Parses `1x3x224x224` (also accepts commas). */
export function parseDims(text: string): number[] {
  const parts = text.trim().split(/[x×,]/);
  const dims = parts.map((p) => Number(p));
  if (parts.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 0) || text.trim() === '') {
    throw new UserError(
      `malformed shape '${text}': write dimensions as positive integers joined by x, e.g. 1x3x224x224`,
    );
  }
  return dims;
}

/** Parses `name=1x3x224x224`. */
export function parseShapeFlag(text: string): [string, number[]] {
  const eq = text.lastIndexOf('=');
  if (eq <= 0) throw new UserError(`malformed --shape '${text}': expected NAME=DIMS, e.g. input=1x3x224x224`);
  return [text.slice(0, eq), parseDims(text.slice(eq + 1))];
}

/**
 * One input's concrete shape. `bindings` carries the names other inputs bound (resolveInputShapes
 * passes them); alone, it binds from this input's own request.
 */
export function resolveInputShape(
  info: TensorInfo,
  request: ShapeRequest,
  bindings: ReadonlyMap<string, DimensionBinding> = bindDimensionNames([info], request),
): number[] {
  const explicit = request.shapes?.[info.name];
  const declared = info.shape;
  if (explicit) {
    if (declared.length > 0 && explicit.length !== declared.length) {
      throw new UserError(
        `--shape ${info.name}=${explicit.join('x')} has ${explicit.length} dimensions but the model declares ${declared.length} (${formatShape(declared)})`,
      );
    }
    declared.forEach((dim, i) => {
      if (isFixed(dim) && explicit[i] !== dim) {
        throw new UserError(
          `--shape ${info.name}: dimension ${i} is fixed at ${dim} in the model, got ${explicit[i]}`,
        );
      }
    });
    return explicit;
  }
  // The batch reached this input through a name (e.g. h: [2, batch, 64]): its fixed lead is not the batch.
  const batchByName =
    request.batch !== undefined && declared.some((d) => isName(d) && bindings.get(d)?.batch === true);
  const unresolved: string[] = [];
  const dims = declared.map((dim, i) => {
    if (isFixed(dim)) {
      if (i === 0 && request.batch !== undefined && request.batch !== dim && !batchByName) {
        throw new UserError(
          `--batch ${request.batch}: input '${info.name}' has a fixed batch dimension of ${dim}; export the model with a dynamic batch, or use --batch ${dim}`,
        );
      }
      return dim;
    }
    const bound = isName(dim) ? bindings.get(dim) : undefined;
    if (bound) return bound.size;
    if (i === 0 && request.batch !== undefined) return request.batch;
    if (i === 0 && request.defaultBatch !== undefined) return request.defaultBatch;
    unresolved.push(`${isName(dim) ? `'${dim}'` : '(unnamed)'} at position ${i}`);
    return -1;
  });
  if (unresolved.length > 0) {
    const template = dims.map((d) => (d > 0 ? String(d) : 'N')).join('x');
    const named = declared.some(isName)
      ? '; a name takes one size across inputs, so giving it on any input sets it here'
      : '';
    throw new UserError(
      `input '${info.name}' has symbolic dimension${unresolved.length > 1 ? 's' : ''} ${unresolved.join(', ')} that nothing resolves; set ${unresolved.length > 1 ? 'them' : 'it'} with --shape ${info.name}=${template}${request.batch === undefined && !isFixed(declared[0]) ? ' (or the batch with --batch N)' : ''}${named}`,
    );
  }
  return dims;
}

export function formatShape(shape: ReadonlyArray<number | string>): string {
  return shape.length === 0
    ? 'scalar'
    : shape.map((d) => (typeof d === 'number' && d >= 0 ? String(d) : String(d || '?'))).join('x');
}

/** Parses `name=FILE` (or `name=VALUE`, see input-values.ts). */
export function parseInputFlag(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1)
    throw new UserError(
      `malformed --input '${text}': expected NAME=FILE (a .npy or .pb file) or NAME=VALUE (e.g. sr=16000)`,
    );
  return [text.slice(0, eq), text.slice(eq + 1)];
}
