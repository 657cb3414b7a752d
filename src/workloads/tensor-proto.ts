/** One ONNX TensorProto file (.pb, as in onnx's test_data_set_N/input_M.pb) read into a host tensor. */
import type { HostTensor, TensorElementType } from '../engines/engine.js';
import { tensorFromProto } from '../onnx/ir-proto.js';
import { decodeTensorProto } from '../onnx/proto.js';

const HOST_TYPES: readonly string[] = [
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
];

/** Throws with a message that says what is wrong with the tensor; callers add the path. */
export function parseTensorProtoFile(bytes: Uint8Array): HostTensor {
  const tensor = tensorFromProto(decodeTensorProto(bytes, 'tensor file'), { source: 'tensor file' });
  if (!HOST_TYPES.includes(tensor.dataType))
    throw new Error(`element type ${tensor.dataType} is not supported as an input`);
  return { type: tensor.dataType as TensorElementType, dims: tensor.dims, data: tensor.data };
}
