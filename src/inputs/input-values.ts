/**
 * Input values written on the command line (`--input sr=16000`, `--input ids=1,2,3`): a number fills a
 * scalar input, a comma list a 1-D one, built in the element type the model declares for that input.
 * Anything larger belongs in a .npy or .pb file.
 */
import { stat } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { float16BitsFromNumber, numberFromFloat16Bits } from '../onnx/float16.js';
import { formatShape } from '../onnx/shapes.js';
import { type HostTensor, isTensorElementType, type TensorInfo } from '../onnx/tensor.js';
import { numberStorage } from './storage.js';
import { readTensorFile } from './tensor-files.js';

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const INTEGER = /^[-+]?\d+$/;

/** Whether `text` reads as a literal value (numbers, optionally comma-separated, or true/false). */
export function looksLikeLiteral(text: string): boolean {
  const parts = text.split(',').map((p) => p.trim());
  return parts.length > 0 && parts.every((p) => NUMBER.test(p) || p === 'true' || p === 'false');
}

const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  uint32: [0n, 4294967295n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

const FLOAT_MAX: Record<string, number> = {
  float16: 65504,
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
};

/**
 * Builds the tensor for `--input NAME=TEXT` where TEXT is a literal: rank-0 inputs take one value
 * (dims []), rank-1 inputs a comma list (dims [n]). Values must fit the declared element type.
 */
export function literalTensor(info: TensorInfo, text: string): HostTensor {
  const flag = `--input ${info.name}=${text}`;
  const type = String(info.type);
  if (!isTensorElementType(type))
    throw new UserError(
      `${flag}: input '${info.name}' is ${type}; a value can fill numeric or bool inputs only`,
    );
  const parts = text.split(',').map((p) => p.trim());
  const rank = info.shape.length;
  if (rank > 1)
    throw new UserError(
      `${flag}: a value fills a scalar or 1-D input, and '${info.name}' is ${formatShape(info.shape)}: give a .npy or .pb file`,
    );
  if (rank === 0 && parts.length !== 1)
    throw new UserError(`${flag}: input '${info.name}' is a scalar; give one value, not ${parts.length}`);
  const declaredLength = info.shape[0];
  if (
    rank === 1 &&
    typeof declaredLength === 'number' &&
    declaredLength > 0 &&
    declaredLength !== parts.length
  )
    throw new UserError(`${flag}: input '${info.name}' holds ${declaredLength} values, got ${parts.length}`);
  const dims = rank === 0 ? [] : [parts.length];
  const fail = (part: string, why: string): never => {
    throw new UserError(`${flag}: '${part}' ${why} for input '${info.name}' (${type})`);
  };
  if (type === 'bool') {
    const data = Uint8Array.from(parts, (p) =>
      p === 'true' || p === '1' ? 1 : p === 'false' || p === '0' ? 0 : fail(p, 'is not true/false/1/0'),
    );
    return { type, dims, data };
  }
  const range = INTEGER_RANGES[type];
  if (range) {
    const values = parts.map((p) => {
      if (!INTEGER.test(p)) return fail(p, NUMBER.test(p) ? 'is not an integer' : 'is not a number');
      const v = BigInt(p);
      if (v < range[0] || v > range[1]) return fail(p, `is out of range [${range[0]}, ${range[1]}]`);
      return v;
    });
    if (type === 'int64') return { type, dims, data: BigInt64Array.from(values) };
    if (type === 'uint64') return { type, dims, data: BigUint64Array.from(values) };
    const data = numberStorage(type, values.length);
    for (let i = 0; i < values.length; i++) data[i] = Number(values[i]);
    return { type, dims, data };
  }
  const max = FLOAT_MAX[type];
  const values = parts.map((p) => {
    if (!NUMBER.test(p)) return fail(p, 'is not a number');
    const v = Number(p);
    if (!(Math.abs(v) <= max)) return fail(p, `is out of range (±${max})`);
    return v;
  });
  if (type === 'float16') return { type, dims, data: Uint16Array.from(values, float16BitsFromNumber) };
  if (type === 'float64') return { type, dims, data: Float64Array.from(values) };
  return { type: 'float32', dims, data: Float32Array.from(values) };
}

/**
 * The tensor for `--input NAME=VALUE`: an existing file is read (.npy, .pb); otherwise a literal
 * builds it; anything else is a missing file.
 */
export async function readInputValue(
  info: TensorInfo,
  value: string,
): Promise<{ tensor: HostTensor; literal: boolean }> {
  const exists = await stat(value).then(
    () => true,
    () => false,
  );
  if (!exists && looksLikeLiteral(value)) return { tensor: literalTensor(info, value), literal: true };
  return { tensor: await readTensorFile(value), literal: false };
}

/** The elements of a tensor as numbers (float16 decoded; int64 beyond 2^53 loses precision). */
export function tensorNumbers(tensor: HostTensor): number[] {
  const { data, type } = tensor;
  if (type === 'float16') return Array.from(data as Uint16Array, numberFromFloat16Bits);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return Array.from(data as ArrayLike<number>);
}

/** The elements of a small tensor as text (`16000`, `1,2,3`), for reports; undefined beyond `limit` elements. */
export function valuesText(tensor: HostTensor, limit = 8): string | undefined {
  const { data, type } = tensor;
  if (data.length > limit) return undefined;
  const items: string[] = [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === 'bigint') items.push(v.toString());
    else if (type === 'float16')
      items.push(String(Number(numberFromFloat16Bits(v as number).toPrecision(5))));
    else if (type === 'bool') items.push(v ? 'true' : 'false');
    else if (type === 'float32') items.push(String(Number((v as number).toPrecision(7))));
    else items.push(String(v));
  }
  return items.join(',');
}
