/** .npy files edgebench cannot read say what to do about it. */
import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from '../../src/inputs/npy.js';

/** A float32 .npy with its dtype string replaced (same length, so the header stays valid). */
function withDescr(descr: string): Buffer {
  const bytes = Buffer.from(encodeNpy({ type: 'float32', dims: [2], data: new Float32Array(2) }));
  const at = bytes.indexOf("'<f4'");
  bytes.write(`'${descr}'`, at, 'latin1');
  return bytes;
}

describe('.npy dtypes edgebench does not read', () => {
  it('big-endian: names the type and how to save it little-endian', () => {
    expect(() => parseNpy(withDescr('>f4'))).toThrow(
      "big-endian float32 (dtype >f4) is not supported; save it little-endian, e.g. np.save(f, a.astype('<f4'))",
    );
  });
  it('other dtypes: lists the ones that work', () => {
    expect(() => parseNpy(withDescr('<c8'))).toThrow(
      /^unsupported dtype <c8; use one of float32, float16, float64, int8, uint8, .*bool \(little-endian\)$/,
    );
  });
  it('native byte order (=) still reads as little-endian', () => {
    expect(parseNpy(withDescr('=f4')).type).toBe('float32');
  });
});
