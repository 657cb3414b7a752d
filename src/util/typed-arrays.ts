/** Element sizes and typed-array views for the tensor element types edgebench handles. */
import type { HostTensor, TensorElementType } from '../engines/engine.js';

export const ELEMENT_BYTES: Readonly<Record<TensorElementType, number>> = {
  float32: 4,
  float16: 2,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
};

/** A typed array of the element type over `buffer` (float16 as raw Uint16 bits, bool as Uint8). */
export function typedView(type: TensorElementType, buffer: ArrayBuffer): HostTensor['data'] {
  switch (type) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'float16':
    case 'uint16':
      return new Uint16Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint32':
      return new Uint32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'uint64':
      return new BigUint64Array(buffer);
  }
}

/** Copies bytes into a fresh, aligned buffer and views it as the element type. */
export function typedCopy(type: TensorElementType, bytes: Uint8Array): HostTensor['data'] {
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return typedView(type, buffer);
}
