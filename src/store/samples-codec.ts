/** Samples as a compact BLOB: little-endian float64, whatever the platform's byte order. */

export const SAMPLES_ENCODING = 'f64le';

export function encodeSamples(samples: ArrayLike<number>): Buffer {
  const buffer = Buffer.allocUnsafe(samples.length * 8);
  for (let i = 0; i < samples.length; i++) buffer.writeDoubleLE(samples[i], i * 8);
  return buffer;
}

export function decodeSamples(data: Uint8Array, encoding = SAMPLES_ENCODING): Float64Array {
  if (encoding !== SAMPLES_ENCODING) throw new Error(`unknown samples encoding '${encoding}'`);
  if (data.byteLength % 8 !== 0) throw new Error(`samples BLOB of ${data.byteLength} bytes is not float64`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float64Array(data.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
