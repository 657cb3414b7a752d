/** Synthetic input tensors made from a model's input metadata: seeded, so a seed reproduces the inputs. */

import { UserError } from '../errors.js';
import { bytesPerElement } from '../onnx/dtype.js';
import { float16BitsFromNumber } from '../onnx/float16.js';
import { type HostTensor, isTensorElementType, type TensorInfo } from '../onnx/tensor.js';
import { checkedElementCount } from '../util/memory-limits.js';
import { mulberry32 } from '../util/prng.js';
import { numberStorage } from './storage.js';

/**
 * Values: floats uniform in [-1, 1) (the range of normalized images), integers in [0, 10) (small enough
 * to be valid indices for most embedding tables), booleans 0/1.
 */
export function synthesizeTensor(
  type: string,
  dims: readonly number[],
  random: () => number,
  label = 'a synthetic input',
): HostTensor {
  if (!isTensorElementType(type)) {
    throw new UserError(
      `cannot synthesize inputs of type ${type}; give the input as a file with --input NAME=FILE`,
    );
  }
  // Checked before allocating: a corrupt or absurd dimension is an error, not a RangeError or a swap storm.
  const length = checkedElementCount(label, dims, bytesPerElement(type));

  switch (type) {
    case 'float32':
    case 'float64': {
      const data = type === 'float32' ? new Float32Array(length) : new Float64Array(length);
      for (let i = 0; i < length; i++) data[i] = random() * 2 - 1;
      return { type, dims, data };
    }
    case 'float16': {
      const data = new Uint16Array(length);
      for (let i = 0; i < length; i++) data[i] = float16BitsFromNumber(random() * 2 - 1);
      return { type, dims, data };
    }
    case 'int64':
    case 'uint64': {
      const data = type === 'int64' ? new BigInt64Array(length) : new BigUint64Array(length);
      for (let i = 0; i < length; i++) data[i] = BigInt(Math.floor(random() * 10));
      return { type, dims, data };
    }
    case 'bool': {
      const data = new Uint8Array(length);
      for (let i = 0; i < length; i++) data[i] = random() < 0.5 ? 0 : 1;
      return { type, dims, data };
    }
    default: {
      const data = numberStorage(type, length);
      for (let i = 0; i < length; i++) data[i] = Math.floor(random() * 10);
      return { type, dims, data };
    }
  }
}

export function synthesizeInputs(
  inputs: readonly TensorInfo[],
  shapes: Record<string, number[]>,
  seed: number,
): Record<string, HostTensor> {
  const random = mulberry32(seed);
  const feeds: Record<string, HostTensor> = {};
  for (const info of inputs)
    feeds[info.name] = synthesizeTensor(String(info.type), shapes[info.name], random, `input '${info.name}'`);
  return feeds;
}
