/**
 * ONNX element types by name (onnxruntime's tensor type names) and their TensorProto.DataType codes,
 * byte sizes and typed-array storage.
 */

export type DataType =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'uint4'
  | 'int4';

/** TensorProto.DataType codes, indexed by name. */
export const ONNX_DATA_TYPE_CODES: Readonly<Record<DataType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  complex64: 14,
  complex128: 15,
  bfloat16: 16,
  float8e4m3fn: 17,
  float8e4m3fnuz: 18,
  float8e5m2: 19,
  float8e5m2fnuz: 20,
  uint4: 21,
  int4: 22,
};

const NAMES_BY_CODE = new Map<number, DataType>(
  Object.entries(ONNX_DATA_TYPE_CODES).map(([name, code]) => [code, name as DataType]),
);

export function dataTypeCode(type: DataType): number {
  return ONNX_DATA_TYPE_CODES[type];
}

/** The name for a TensorProto.DataType code, or `undefined` for codes edgebench does not know. */
export function dataTypeFromCode(code: number | undefined): DataType | undefined {
  return code === undefined ? undefined : NAMES_BY_CODE.get(code);
}

/**
 * Storage for tensor elements. float16 and bfloat16 are kept as raw bit patterns in Uint16Array;
 * bool, the float8 types, packed int4/uint4 and complex types as raw bytes in Uint8Array
 * (complex64/128 use Float32Array/Float64Array with interleaved real/imaginary parts).
 */
export type TensorData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

type TypedArrayConstructor = {
  new (length: number): TensorData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TensorData;
  readonly BYTES_PER_ELEMENT: number;
};

const STORAGE: Partial<Record<DataType, TypedArrayConstructor>> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
  complex64: Float32Array,
  complex128: Float64Array,
  float8e4m3fn: Uint8Array,
  float8e4m3fnuz: Uint8Array,
  float8e5m2: Uint8Array,
  float8e5m2fnuz: Uint8Array,
  // 4-bit types are stored packed, two elements per byte.
  uint4: Uint8Array,
  int4: Uint8Array,
};

/** The typed-array class holding elements of `type`; undefined for 'string'. */
export function storageFor(type: DataType): TypedArrayConstructor | undefined {
  return STORAGE[type];
}

/** Bytes one element occupies (4-bit types report 0.5; strings 0 since their size varies). */
export function bytesPerElement(type: DataType): number {
  switch (type) {
    case 'uint4':
    case 'int4':
      return 0.5;
    case 'complex64':
      return 8;
    case 'complex128':
      return 16;
    case 'string':
      return 0;
    default:
      return STORAGE[type]!.BYTES_PER_ELEMENT;
  }
}

/** Typed-array length needed for `count` elements (complex types hold two numbers, int4 half a byte). */
export function storageLength(type: DataType, count: number): number {
  if (type === 'complex64' || type === 'complex128') return count * 2;
  if (type === 'uint4' || type === 'int4') return Math.ceil(count / 2);
  return count;
}

export function isFloatType(type: DataType): boolean {
  return type === 'float32' || type === 'float16' || type === 'bfloat16' || type === 'float64';
}

export function isIntegerType(type: DataType): boolean {
  return (
    type === 'uint8' ||
    type === 'int8' ||
    type === 'uint16' ||
    type === 'int16' ||
    type === 'int32' ||
    type === 'int64' ||
    type === 'uint32' ||
    type === 'uint64' ||
    type === 'uint4' ||
    type === 'int4'
  );
}
