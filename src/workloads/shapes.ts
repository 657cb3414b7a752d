/** Resolving a model's declared input shapes (with symbolic dimensions) into concrete ones. */
import type { TensorInfo } from '../engines/engine.js';
import { UserError } from '../errors.js';

export interface ShapeRequest {
  /** Sets the leading dimension of every input whose leading dimension is symbolic (or equals it). */
  batch?: number;
  /** Full shapes per input name, e.g. { input: [1, 3, 224, 224] }. */
  shapes?: Record<string, number[]>;
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

export function resolveInputShape(info: TensorInfo, request: ShapeRequest): number[] {
  const explicit = request.shapes?.[info.name];
  const declared = info.shape;
  if (explicit) {
    if (declared.length > 0 && explicit.length !== declared.length) {
      throw new UserError(
        `--shape ${info.name}=${explicit.join('x')} has ${explicit.length} dimensions but the model declares ${declared.length} (${formatShape(declared)})`,
      );
    }
    declared.forEach((dim, i) => {
      if (typeof dim === 'number' && dim > 0 && explicit[i] !== dim) {
        throw new UserError(
          `--shape ${info.name}: dimension ${i} is fixed at ${dim} in the model, got ${explicit[i]}`,
        );
      }
    });
    return explicit;
  }
  const unresolved: string[] = [];
  const dims = declared.map((dim, i) => {
    if (typeof dim === 'number' && dim > 0) {
      if (i === 0 && request.batch !== undefined && request.batch !== dim) {
        throw new UserError(
          `--batch ${request.batch}: input '${info.name}' has a fixed batch dimension of ${dim}; export the model with a dynamic batch, or use --batch ${dim}`,
        );
      }
      return dim;
    }
    if (i === 0 && request.batch !== undefined) return request.batch;
    unresolved.push(`${typeof dim === 'string' && dim !== '' ? `'${dim}'` : '(unnamed)'} at position ${i}`);
    return -1;
  });
  if (unresolved.length > 0) {
    const template = dims.map((d) => (d > 0 ? String(d) : 'N')).join('x');
    throw new UserError(
      `input '${info.name}' has symbolic dimension${unresolved.length > 1 ? 's' : ''} ${unresolved.join(', ')} that nothing resolves; set ${unresolved.length > 1 ? 'them' : 'it'} with --shape ${info.name}=${template}${request.batch === undefined && !(typeof declared[0] === 'number' && declared[0] > 0) ? ' (or the batch with --batch N)' : ''}`,
    );
  }
  return dims;
}

export function formatShape(shape: ReadonlyArray<number | string>): string {
  return shape.length === 0
    ? 'scalar'
    : shape.map((d) => (typeof d === 'number' && d >= 0 ? String(d) : String(d || '?'))).join('x');
}
