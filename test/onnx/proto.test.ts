import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { attr, createTensor, int64Tensor, type Model } from '../../src/onnx/ir.js';
import { modelToProto } from '../../src/onnx/ir-proto.js';
import { loadModel, modelFromBytes, modelToBytes, saveModel } from '../../src/onnx/model-io.js';
import { decodeModel, encodeModel, encodeModelChunks } from '../../src/onnx/proto.js';
import { tempDir } from '../helpers/temp.js';
import { model, node } from './helpers.js';

function smallModel(): Model {
  const b = new GraphBuilder({ name: 'small', seed: 3 });
  const x = b.input('x', ['batch', 3, 8, 8]);
  const y = b.relu(b.batchNorm(b.conv(x, { outChannels: 4, kernel: 3, padding: 1 }, 'conv'), {}, 'bn'));
  b.output(b.flatten(b.globalAvgPool(y)), 'y');
  const m = b.build();
  m.metadata = { source: 'test' };
  return m;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

describe('ONNX codec', () => {
  it('round-trips a model through bytes', () => {
    const original = smallModel();
    const decoded = modelFromBytes(modelToBytes(original));
    expect(decoded.opsetImports).toEqual([{ domain: '', version: 17 }]);
    expect(decoded.metadata).toEqual({ source: 'test' });
    expect(decoded.graph.inputs).toEqual(original.graph.inputs);
    expect(decoded.graph.outputs).toEqual(original.graph.outputs);
    expect(decoded.graph.nodes).toEqual(original.graph.nodes);
    expect([...decoded.graph.initializers.keys()]).toEqual([...original.graph.initializers.keys()]);
    for (const [name, tensor] of original.graph.initializers) {
      const back = decoded.graph.initializers.get(name)!;
      expect(back.dims).toEqual(tensor.dims);
      expect(back.dataType).toBe(tensor.dataType);
      expect(Array.from(back.data as Float32Array)).toEqual(Array.from(tensor.data as Float32Array));
    }
  });

  it('keeps attribute kinds, symbolic dims and INT64_MAX exactly', () => {
    const ends = createTensor('ends', 'int64', [1], new BigInt64Array([9223372036854775807n]));
    const m = model(
      [
        node('Slice', ['x', 'starts', 'ends'], ['s']),
        node('LeakyRelu', ['s'], ['y'], { alpha: attr.float(0.25) }),
        node('Concat', ['y', 'y'], ['z'], { axis: attr.int(-1) }),
        node('Squeeze', ['z'], ['w'], { note: attr.string('héllo'), big: attr.ints([2 ** 63]) }),
      ],
      [{ name: 'x', dataType: 'float32', shape: ['n', null, 4] }],
      [{ name: 'w', dataType: 'float32' }],
      [int64Tensor('starts', [1], [1]), ends],
    );
    const back = modelFromBytes(modelToBytes(m));
    expect(back.graph.inputs[0].shape).toEqual(['n', null, 4]);
    expect(back.graph.nodes[1].attributes.alpha).toEqual({ type: 'float', value: 0.25 });
    expect(back.graph.nodes[2].attributes.axis).toEqual({ type: 'int', value: -1 });
    expect(back.graph.nodes[3].attributes.note).toEqual({ type: 'string', value: 'héllo' });
    expect((back.graph.initializers.get('ends')!.data as BigInt64Array)[0]).toBe(9223372036854775807n);
    // The attribute decodes as 2^63 (a double) and must re-encode as INT64_MAX, not wrap to INT64_MIN.
    const again = decodeModel(encodeModel(modelToProto(back)));
    expect(again.graph!.node![3].attribute![1].ints![0]).toBeGreaterThan(0);
  });

  it('streams chunks that decode to the same model', () => {
    const b = new GraphBuilder({ name: 'big', seed: 1 });
    const x = b.input('x', [1, 64]);
    b.output(b.linear(x, { outFeatures: 512 }), 'y');
    const proto = modelToProto(b.build());
    const chunked = modelFromBytes(concat(encodeModelChunks(proto)));
    const whole = modelFromBytes(encodeModel(proto));
    expect(chunked.graph.nodes).toEqual(whole.graph.nodes);
    const w1 = chunked.graph.initializers.get('fc.weight')!.data as Float32Array;
    const w2 = whole.graph.initializers.get('fc.weight')!.data as Float32Array;
    expect(w1.length).toBe(512 * 64);
    expect(Array.from(w1)).toEqual(Array.from(w2));
  });

  it('saves and loads files, inline and with external data', async () => {
    const dir = await tempDir();
    const original = smallModel();
    for (const externalData of [false, true]) {
      const path = join(dir, `m-${externalData}.onnx`);
      await saveModel(original, path, { externalData });
      const back = await loadModel(path);
      expect(back.graph.nodes).toEqual(original.graph.nodes);
      const w = back.graph.initializers.get('conv.weight')!;
      expect(Array.from(w.data as Float32Array)).toEqual(
        Array.from(original.graph.initializers.get('conv.weight')!.data as Float32Array),
      );
    }
  });

  it('rejects truncated and corrupt files with a UserError naming the file', async () => {
    const bytes = modelToBytes(smallModel());
    for (const cut of [bytes.length - 1, Math.floor(bytes.length / 2), 40]) {
      expect(() => modelFromBytes(bytes.subarray(0, cut), 'cut.onnx')).toThrow(UserError);
      expect(() => modelFromBytes(bytes.subarray(0, cut), 'cut.onnx')).toThrow(
        /cut\.onnx is not a valid ONNX model/,
      );
    }
    const junk = new Uint8Array(256).map((_, i) => (i * 97 + 13) & 0xff);
    expect(() => modelFromBytes(junk, 'junk.onnx')).toThrow(/junk\.onnx is not a valid ONNX model/);
    expect(() => modelFromBytes(new TextEncoder().encode('hello, world'), 'text.onnx')).toThrow(UserError);
    const dir = await tempDir();
    await expect(loadModel(join(dir, 'missing.onnx'))).rejects.toThrow(/cannot read model/);
    expect((await readFile(join(dir, '..'), { encoding: null }).catch(() => 'dir')) !== undefined).toBe(true);
  });
});
