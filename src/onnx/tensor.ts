/**
 * The tensor vocabulary every layer shares: element types, host tensors (what goes into and comes
 * out of an engine) and the inputs and outputs a model declares.
 */
import os from 'node:os';
import { UserError } from '../errors.js';
import { storageFor, type TensorData } from './dtype.js';
import { float16BitsFromNumber } from './float16.js';

/** Element types edgebench can synthesize and read; names follow onnxruntime's tensor types. */
export const TENSOR_ELEMENT_TYPES = [
  'float32',
  'float16',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
] as const;
export type TensorElementType = (typeof TENSOR_ELEMENT_TYPES)[number];

export function isTensorElementType(type: string): type is TensorElementType {
  return (TENSOR_ELEMENT_TYPES as readonly string[]).includes(type);
}

/** The same typed-array storage the ONNX IR uses (float16 as raw Uint16 bits, bool as Uint8). */
export type { TensorData } from '../onnx/dtype.js';

/** A host tensor: what goes into and comes out of an engine. */
export interface HostTensor {
  type: TensorElementType;
  dims: readonly number[];
  data: TensorData;
}

/** One model input or output as the runtime declares it; symbolic dimensions stay strings. */
export interface TensorInfo {
  name: string;
  type: TensorElementType | string;
  shape: ReadonlyArray<number | string>;
}

/**
 * A tensor of `type` from its values as numbers (a runtime's text export: JSON, trtexec's
 * --exportOutput): 64-bit integers may come as decimal strings, non-finite floats as "NaN",
 * "Infinity", "-Infinity"; float16 becomes its bit patterns. The count must match the dims.
 */
export function hostTensorFromValues(
  type: TensorElementType,
  dims: readonly number[],
  values: ArrayLike<number | string | boolean>,
): HostTensor {
  const count = dims.reduce((n, d) => n * d, 1);
  if (values.length !== count)
    throw new Error(`${values.length} values for a tensor of shape [${dims.join(', ')}]: ${count} expected`);
  const all = Array.from(values);
  if (type === 'int64') return { type, dims, data: BigInt64Array.from(all, (v) => BigInt(v)) };
  if (type === 'uint64') return { type, dims, data: BigUint64Array.from(all, (v) => BigInt(v)) };
  if (type === 'float16')
    return { type, dims, data: Uint16Array.from(all, (v) => float16BitsFromNumber(Number(v))) };
  // Every other storage holds plain numbers: written through one view of it.
  const data = new (storageFor(type)!)(count) as Float64Array;
  for (let i = 0; i < count; i++) data[i] = Number(all[i]);
  return { type, dims, data };
}

/** Raw tensor bytes go to and come from other programs little-endian, as typed arrays hold them here. */
export function checkLittleEndian(): void {
  if (os.endianness() !== 'LE')
    throw new UserError(
      'exchanging raw tensor bytes with another program needs a little-endian machine here',
    );
}
