/**
 * A host tensor as a JSON-safe record: its elements' raw bytes (little-endian, as typed arrays hold
 * them here) in base64. What the Python runners' outputs mode exchanges (targets/outputs.ts) and
 * what tune's recorded reference outputs are stored as (tune/reference-outputs.ts).
 */
import type { Hash } from 'node:crypto';
import { storageFor } from './dtype.js';
import { checkLittleEndian, type HostTensor, isTensorElementType } from './tensor.js';

export interface TensorRecord {
  name: string;
  dtype: string;
  shape: number[];
  data: string;
}

function bytesOf(tensor: HostTensor): Uint8Array {
  const { buffer, byteOffset, byteLength } = tensor.data;
  return new Uint8Array(buffer, byteOffset, byteLength);
}

export function tensorRecord(name: string, tensor: HostTensor): TensorRecord {
  checkLittleEndian();
  return {
    name,
    dtype: tensor.type,
    shape: [...tensor.dims],
    data: Buffer.from(bytesOf(tensor)).toString('base64'),
  };
}

/**
 * A record read back, checked: a known type and as many bytes as its shape needs. `sender` names
 * where it came from in the message when it is not (e.g. 'the device').
 */
export function hostTensorOf(record: TensorRecord, sender: string): HostTensor {
  checkLittleEndian();
  if (!isTensorElementType(record.dtype))
    throw new Error(
      `${sender} sent output '${record.name}' of type ${record.dtype}, which edgebench cannot compare`,
    );
  const Storage = storageFor(record.dtype)!;
  const count = record.shape.reduce((n, d) => n * d, 1);
  const bytes = Buffer.from(record.data, 'base64');
  if (bytes.byteLength !== count * Storage.BYTES_PER_ELEMENT)
    throw new Error(
      `${sender} sent ${bytes.byteLength} bytes for output '${record.name}' of shape ${record.shape.join('x')} (${record.dtype}): ${count * Storage.BYTES_PER_ELEMENT} expected`,
    );
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  return { type: record.dtype, dims: record.shape, data: new Storage(aligned.buffer, 0, count) };
}

/** Adds named tensors to a hash (names sorted; each with its type, shape and bytes): equal sets hash equal. */
export function hashTensors(hash: Hash, tensors: Readonly<Record<string, HostTensor>>): void {
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name];
    hash.update(`\0${name}\0${t.type}\0${t.dims.join('x')}\0`);
    hash.update(bytesOf(t));
  }
}
