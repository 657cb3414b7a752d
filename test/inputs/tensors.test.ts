import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { literalTensor, looksLikeLiteral, valuesText } from '../../src/inputs/input-values.js';
import { encodeNpy, parseNpy } from '../../src/inputs/npy.js';
import { synthesizeInputs } from '../../src/inputs/synthetic.js';
import { parseTensorProtoFile } from '../../src/inputs/tensor-proto.js';
import {
  bindDimensionNames,
  parseDims,
  parseShapeFlag,
  resolveInputShape,
  resolveInputShapes,
} from '../../src/onnx/shapes.js';

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

describe('dimension names bind across inputs', () => {
  const vad = [
    { name: 'input', type: 'float32', shape: ['batch', 'sequence'] },
    { name: 'sr', type: 'int64', shape: [] },
    { name: 'h', type: 'float32', shape: [2, 'batch', 64] },
    { name: 'c', type: 'float32', shape: [2, 'batch', 64] },
  ];
  it('a --shape of one input sets the name everywhere', () => {
    expect(resolveInputShapes(vad, { shapes: { input: [1, 512] } })).toEqual({
      input: [1, 512],
      sr: [],
      h: [2, 1, 64],
      c: [2, 1, 64],
    });
    expect(resolveInputShapes(vad, { shapes: { h: [2, 3, 64], input: [3, 160] } }).c).toEqual([2, 3, 64]);
  });
  it("--batch binds the leading dimension's name, past inputs whose lead is fixed", () => {
    const shapes = resolveInputShapes(vad, { batch: 4, shapes: { input: [4, 512] } });
    expect(shapes.h).toEqual([2, 4, 64]);
    expect(bindDimensionNames(vad, { batch: 4 }).get('batch')).toEqual({
      size: 4,
      source: '--batch 4',
      batch: true,
    });
  });
  it('refuses one name given two sizes, naming both inputs', () => {
    expect(() => resolveInputShapes(vad, { shapes: { input: [1, 512], h: [2, 3, 64] } })).toThrow(
      /dimension 'batch' is 1 in --shape input=1x512 but 3 in --shape h=2x3x64/,
    );
    expect(() => resolveInputShapes(vad, { batch: 2, shapes: { h: [2, 3, 64] } })).toThrow(
      /dimension 'batch' is 3 in --shape h=2x3x64 but 2 in --batch 2/,
    );
    expect(() =>
      resolveInputShapes(
        vad,
        { shapes: { input: [1, 512] } },
        { h: { dims: [2, 5, 64], source: 'input file h.npy' } },
      ),
    ).toThrow(/'batch' is 1 in --shape input=1x512 but 5 in input file h.npy/);
  });
  it('says which name is missing, and a default batch fills a lead only', () => {
    expect(() => resolveInputShapes(vad, { batch: 1 })).toThrow(
      /input 'input' has symbolic dimension 'sequence' at position 1 that nothing resolves; set it with --shape input=1xN.*giving it on any input sets it here/,
    );
    expect(resolveInputShapes(vad, { defaultBatch: 1, shapes: { input: [2, 64] } }).h).toEqual([2, 2, 64]);
  });
});

describe('input values on the command line', () => {
  const scalar = (type: string) => ({ name: 'sr', type, shape: [] });
  it('tell literals from file names', () => {
    expect(looksLikeLiteral('16000')).toBe(true);
    expect(looksLikeLiteral('-1.5e3,2,true')).toBe(true);
    expect(looksLikeLiteral('x.npy')).toBe(false);
    expect(looksLikeLiteral('16000.npy')).toBe(false);
  });
  it('build the declared type: int64 scalars, float16, bool, 1-D lists', () => {
    const sr = literalTensor(scalar('int64'), '16000');
    expect(sr.dims).toEqual([]);
    expect(Array.from(sr.data as BigInt64Array)).toEqual([16000n]);
    expect(valuesText(sr)).toBe('16000');
    const big = literalTensor(scalar('int64'), '9223372036854775807');
    expect((big.data as BigInt64Array)[0]).toBe(9223372036854775807n);
    expect(valuesText(literalTensor(scalar('float16'), '0.1'))).toBe('0.099976');
    expect(Array.from(literalTensor(scalar('bool'), 'true').data as Uint8Array)).toEqual([1]);
    const list = literalTensor({ name: 'ids', type: 'int32', shape: ['n'] }, '1,2,3');
    expect(list.dims).toEqual([3]);
    expect(list.data).toBeInstanceOf(Int32Array);
    expect(valuesText(literalTensor(scalar('float32'), '0.1'))).toBe('0.1');
  });
  it('refuse what the type cannot hold, in one line', () => {
    expect(() => literalTensor(scalar('int64'), '16000.5')).toThrow(
      /--input sr=16000.5: '16000.5' is not an integer for input 'sr' \(int64\)/,
    );
    expect(() => literalTensor(scalar('uint8'), '256')).toThrow(/out of range \[0, 255\]/);
    expect(() => literalTensor(scalar('int64'), '9223372036854775808')).toThrow(/out of range/);
    expect(() => literalTensor(scalar('float16'), '70000')).toThrow(/out of range \(±65504\)/);
    expect(() => literalTensor(scalar('bool'), '2')).toThrow(/not true\/false\/1\/0/);
    expect(() => literalTensor(scalar('int64'), '1,2')).toThrow(/is a scalar; give one value, not 2/);
    expect(() => literalTensor({ name: 'k', type: 'int64', shape: [2] }, '1,2,3')).toThrow(
      /holds 2 values, got 3/,
    );
    expect(() => literalTensor({ name: 'x', type: 'float32', shape: [1, 3, 8, 8] }, '1')).toThrow(
      /a value fills a scalar or 1-D input, and 'x' is 1x3x8x8: give a .npy or .pb file/,
    );
    expect(() => literalTensor({ name: 's', type: 'string', shape: [] }, '1')).toThrow(/numeric or bool/);
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
