/** Typed-array storage for host tensors, from the one table the ONNX IR uses (onnx/dtype.ts). */
import { storageFor, type TensorData } from '../onnx/dtype.js';
import type { TensorElementType } from '../onnx/tensor.js';

/** Storage whose elements are JS numbers: every element type but the 64-bit integers. */
export type NumberStorage = Exclude<TensorData, BigInt64Array | BigUint64Array>;

/** Zeroed storage for `length` elements of `type` (float16 as Uint16 bits, bool as bytes). */
export function numberStorage(
  type: Exclude<TensorElementType, 'int64' | 'uint64'>,
  length: number,
): NumberStorage {
  return new (storageFor(type) as new (length: number) => NumberStorage)(length);
}
