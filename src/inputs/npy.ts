/** NumPy .npy reader and writer (format versions 1–3, little-endian, C order). */

import { bytesPerElement, storageFor } from '../onnx/dtype.js';
import type { HostTensor, TensorElementType } from '../onnx/tensor.js';

const MAGIC = '\x93NUMPY';

const DESCR_TO_TYPE: Record<string, TensorElementType> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '<f8': 'float64',
  '|i1': 'int8',
  '|u1': 'uint8',
  '<i2': 'int16',
  '<u2': 'uint16',
  '<i4': 'int32',
  '<u4': 'uint32',
  '<i8': 'int64',
  '<u8': 'uint64',
  '|b1': 'bool',
};

const TYPE_TO_DESCR = Object.fromEntries(Object.entries(DESCR_TO_TYPE).map(([d, t]) => [t, d])) as Record<
  TensorElementType,
  string
>;

/** Throws Error with a message that says what is wrong with the file; callers add the path. */
export function parseNpy(bytes: Uint8Array): HostTensor {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (text.length < 10 || text.toString('latin1', 0, 6) !== MAGIC)
    throw new Error('not a .npy file (bad magic)');
  const major = text[6];
  const headerLength = major === 1 ? text.readUInt16LE(8) : text.readUInt32LE(8);
  const headerStart = major === 1 ? 10 : 12;
  const header = text.toString('latin1', headerStart, headerStart + headerLength);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error('malformed .npy header');
  if (fortran === 'True')
    throw new Error('Fortran-order arrays are not supported; save with np.ascontiguousarray');
  const type = DESCR_TO_TYPE[descr.replace('=', '<')];
  if (!type) {
    const littleEndian = `<${descr.slice(1)}`;
    if (descr.startsWith('>') && DESCR_TO_TYPE[littleEndian])
      throw new Error(
        `big-endian ${DESCR_TO_TYPE[littleEndian]} (dtype ${descr}) is not supported; save it little-endian, e.g. np.save(f, a.astype('${littleEndian}'))`,
      );
    throw new Error(
      `unsupported dtype ${descr}; use one of ${Object.values(DESCR_TO_TYPE).join(', ')} (little-endian)`,
    );
  }
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  const byteLength = count * bytesPerElement(type);
  if (text.length - dataStart < byteLength)
    throw new Error(`truncated: expected ${byteLength} data bytes, found ${text.length - dataStart}`);
  // Copied into an aligned buffer: typed arrays need their element alignment.
  const aligned = new Uint8Array(byteLength);
  aligned.set(text.subarray(dataStart, dataStart + byteLength));
  const Storage = storageFor(type)!;
  return { type, dims, data: new Storage(aligned.buffer, 0, byteLength / Storage.BYTES_PER_ELEMENT) };
}

export function encodeNpy(tensor: HostTensor): Uint8Array {
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${TYPE_TO_DESCR[tensor.type]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64);
  header += '\n';
  const prefix = Buffer.alloc(10);
  prefix.write(MAGIC, 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}
