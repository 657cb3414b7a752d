/**
 * The tensor vocabulary every layer shares: element types, host tensors (what goes into and comes
 * out of an engine) and the inputs and outputs a model declares.
 */
import type { TensorData } from './dtype.js';

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
