/** Input tensors from files: NumPy .npy, or an ONNX TensorProto (.pb) as onnx's test data uses. */
import path from 'node:path';
import { messageOf, UserError } from '../errors.js';
import { formatShape } from '../onnx/shapes.js';
import type { HostTensor, TensorInfo } from '../onnx/tensor.js';
import { readUserFile } from '../util/files.js';
import { maxTensorBytes } from '../util/memory-limits.js';
import { parseNpy } from './npy.js';
import { parseTensorProtoFile } from './tensor-proto.js';

export async function readTensorFile(file: string): Promise<HostTensor> {
  // A header and the data: never more than one tensor may take (see maxTensorBytes).
  const bytes = await readUserFile(file, maxTensorBytes() + 64 * 1024, 'input file');
  const ext = path.extname(file).toLowerCase();
  try {
    if (ext === '.npy') return parseNpy(bytes);
    if (ext === '.pb') return parseTensorProtoFile(bytes);
  } catch (error) {
    throw new UserError(`input file ${file} is not a valid ${ext} tensor: ${messageOf(error)}`);
  }
  throw new UserError(
    `input file ${file}: unsupported extension '${ext}'; use .npy or .pb (ONNX TensorProto)`,
  );
}

/** Checks a file tensor against the model's input; the resolved shape wins where the model's is symbolic. */
export function checkTensorMatches(info: TensorInfo, tensor: HostTensor, file: string): void {
  if (tensor.type !== info.type) {
    throw new UserError(
      `input file ${file} holds ${tensor.type} but input '${info.name}' expects ${info.type}`,
    );
  }
  const declared = info.shape;
  const mismatch =
    (declared.length > 0 && declared.length !== tensor.dims.length) ||
    declared.some((dim, i) => typeof dim === 'number' && dim > 0 && tensor.dims[i] !== dim);
  if (mismatch) {
    throw new UserError(
      `input file ${file} has shape ${formatShape(tensor.dims)} but input '${info.name}' expects ${formatShape(declared)}`,
    );
  }
}
