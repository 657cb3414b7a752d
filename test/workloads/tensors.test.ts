import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { encodeNpy, parseNpy } from '../../src/workloads/npy.js';
import { parseDims, parseShapeFlag, resolveInputShape } from '../../src/workloads/shapes.js';
import { synthesizeInputs } from '../../src/workloads/synthetic.js';
import { parseTensorProtoFile } from '../../src/workloads/tensor-proto.js';

describe('.npy', () => {
  it('round-trips float32 and int64', () => {
    const f = { type: 'float32' as const, dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const back = parseNpy(encodeNpy(f));
    expect(back.type).toBe('float32');
    expect(back.dims).toEqual([2, 3]);
    expect(Array.from(back.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    const i = { type: 'int64' as const, dims: [2], data: BigInt64Array.from([7n, -1n]) };
    expect(Array.from(parseNpy(encodeNpy(i)).data as BigInt64Array)).toEqual([7n, -1n]);
  });
  it('rejects truncated and foreign files', () => {
    const bytes = encodeNpy({ type: 'float32', dims: [4], data: new Float32Array(4) });
    expect(() => parseNpy(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    expect(() => parseNpy(Buffer.from('hello world, not numpy'))).toThrow(/magic/);
  });
});

describe('.pb TensorProto', () => {
  it('reads raw_data tensors', () => {
    // dims [2] (field 1, varint), data_type 1 (field 2), raw_data 8 bytes (field 9)
    const raw = Buffer.from(Float32Array.from([1.5, -2]).buffer);
    const bytes = Buffer.from([0x08, 0x02, 0x10, 0x01, 0x4a, 0x08, ...raw]);
    const t = parseTensorProtoFile(bytes);
    expect(t.type).toBe('float32');
    expect(t.dims).toEqual([2]);
    expect(Array.from(t.data as Float32Array)).toEqual([1.5, -2]);
  });
  it('reads packed float_data tensors and checks the count', () => {
    const floats = Buffer.from(Float32Array.from([3, 4, 5]).buffer);
    const ok = Buffer.from([0x08, 0x03, 0x10, 0x01, 0x22, 0x0c, ...floats]);
    expect(Array.from(parseTensorProtoFile(ok).data as Float32Array)).toEqual([3, 4, 5]);
    const wrong = Buffer.from([0x08, 0x04, 0x10, 0x01, 0x22, 0x0c, ...floats]);
    expect(() => parseTensorProtoFile(wrong)).toThrow(/holds 3 values but its dims need 4/);
  });
});

describe('shapes', () => {
  it('parses dims and shape flags', () => {
    expect(parseDims('1x3x224x224')).toEqual([1, 3, 224, 224]);
    expect(parseShapeFlag('input=1x3x8x8')).toEqual(['input', [1, 3, 8, 8]]);
    expect(() => parseDims('1x3xax2')).toThrow(UserError);
    expect(() => parseShapeFlag('1x3')).toThrow(/NAME=DIMS/);
  });
  it('resolves the batch and names unresolved symbolic dimensions', () => {
    const info = { name: 'x', type: 'float32', shape: ['batch', 3, 'h', 'w'] };
    expect(() => resolveInputShape(info, { batch: 2 })).toThrow(/'h' at position 2, 'w' at position 3/);
    expect(resolveInputShape(info, { shapes: { x: [1, 3, 32, 32] } })).toEqual([1, 3, 32, 32]);
    expect(() => resolveInputShape(info, { shapes: { x: [1, 4, 32, 32] } })).toThrow(/fixed at 3/);
    const fixed = { name: 'y', type: 'float32', shape: [1, 3] };
    expect(() => resolveInputShape(fixed, { batch: 4 })).toThrow(/fixed batch dimension of 1/);
    expect(resolveInputShape({ name: 'z', type: 'float32', shape: ['N', 5] }, { batch: 4 })).toEqual([4, 5]);
  });
});

describe('synthetic inputs', () => {
  it('are seeded, in range and typed', () => {
    const inputs = [
      { name: 'a', type: 'float32', shape: [2, 3] },
      { name: 'b', type: 'int64', shape: [4] },
    ];
    const shapes = { a: [2, 3], b: [4] };
    const one = synthesizeInputs(inputs, shapes, 7);
    const two = synthesizeInputs(inputs, shapes, 7);
    const other = synthesizeInputs(inputs, shapes, 8);
    expect(Array.from(one.a.data as Float32Array)).toEqual(Array.from(two.a.data as Float32Array));
    expect(Array.from(one.a.data as Float32Array)).not.toEqual(Array.from(other.a.data as Float32Array));
    for (const v of one.a.data as Float32Array) expect(v >= -1 && v < 1).toBe(true);
    expect(one.b.data).toBeInstanceOf(BigInt64Array);
    expect(() => synthesizeInputs([{ name: 's', type: 'string', shape: [1] }], { s: [1] }, 1)).toThrow(
      /--input/,
    );
  });
});
