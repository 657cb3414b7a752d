/** One ONNX TensorProto file (.pb, as in onnx's test_data_set_N/input_M.pb) read into a host tensor. */

import { tensorFromProto } from '../onnx/ir-proto.js';
import { decodeTensorProto } from '../onnx/proto.js';
import { type HostTensor, isTensorElementType } from '../onnx/tensor.js';

/** Throws with a message that says what is wrong with the tensor; callers add the path. */
export function parseTensorProtoFile(bytes: Uint8Array): HostTensor {
  const tensor = tensorFromProto(decodeTensorProto(bytes, 'tensor file'), { source: 'tensor file' });
  if (!isTensorElementType(tensor.dataType))
    throw new Error(`element type ${tensor.dataType} is not supported as an input`);
  return { type: tensor.dataType, dims: tensor.dims, data: tensor.data };
}
