/**
 * One ONNX TensorProto file (.pb, as in onnx's test_data_set_N/input_M.pb) read into a host tensor.
 * Reads only the fields a tensor file uses; field numbers are onnx.proto's.
 */
import protobuf from 'protobufjs/minimal.js';
import type { HostTensor, TensorElementType } from '../engines/engine.js';
import { ELEMENT_BYTES, typedCopy, typedView } from '../util/typed-arrays.js';

const ONNX_TYPES: Record<number, TensorElementType> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

export function parseTensorProtoFile(bytes: Uint8Array): HostTensor {
  const reader = protobuf.Reader.create(bytes);
  const dims: number[] = [];
  let dataType = 0;
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const int32s: number[] = [];
  const int64s: bigint[] = [];
  const doubles: number[] = [];
  const readPackedOrOne = (wireType: number, readOne: () => void): void => {
    if (wireType === 2) {
      const end = reader.uint32() + reader.pos;
      while (reader.pos < end) readOne();
    } else readOne();
  };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    switch (field) {
      case 1:
        readPackedOrOne(wireType, () => dims.push(Number(reader.int64().toString())));
        break;
      case 2:
        dataType = reader.int32();
        break;
      case 4:
        readPackedOrOne(wireType, () => floats.push(reader.float()));
        break;
      case 5:
        readPackedOrOne(wireType, () => int32s.push(reader.int32()));
        break;
      case 7:
        readPackedOrOne(wireType, () => int64s.push(BigInt(reader.int64().toString())));
        break;
      case 9:
        raw = reader.bytes();
        break;
      case 10:
        readPackedOrOne(wireType, () => doubles.push(reader.double()));
        break;
      default:
        reader.skipType(wireType);
    }
  }
  const type = ONNX_TYPES[dataType];
  if (!type) throw new Error(`unsupported or missing data_type ${dataType}`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (raw) {
    if (raw.byteLength !== count * ELEMENT_BYTES[type])
      throw new Error(`raw_data holds ${raw.byteLength} bytes, shape needs ${count * ELEMENT_BYTES[type]}`);
    return { type, dims, data: typedCopy(type, raw) };
  }
  const data = typedView(type, new ArrayBuffer(count * ELEMENT_BYTES[type]));
  const source: ArrayLike<number | bigint> =
    type === 'float32'
      ? floats
      : type === 'float64'
        ? doubles
        : type === 'int64' || type === 'uint64'
          ? int64s
          : int32s;
  if (source.length !== count) throw new Error(`holds ${source.length} values, shape needs ${count}`);
  for (let i = 0; i < count; i++) (data as unknown as Array<number | bigint>)[i] = source[i];
  return { type, dims, data };
}
