/**
 * The onnxruntime side of the opset upgrade: the cheap opset read, and the retry after onnxruntime
 * refuses a model for a missing old kernel (Clip-11's only kernel is float32; Clip-12 adds double).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrtEngine } from '../../src/engines/ort.js';
import { describeOpsetUpgrade, readBytesOpset, readFileOpset } from '../../src/engines/ort-opset.js';
import { UserError } from '../../src/errors.js';
import { createTensor, float32Tensor } from '../../src/onnx/ir.js';
import { modelToBytes, saveModel } from '../../src/onnx/model-io.js';
import { emptyModel, node, tempDir } from '../optimize/helpers.js';

let dir: string;
let clipModel: string;

beforeAll(async () => {
  dir = await tempDir();
  const m = emptyModel('double_clip', 11);
  m.graph.inputs.push({ name: 'x', dataType: 'float64', shape: [5] });
  m.graph.initializers.set('lo', createTensor('lo', 'float64', [], Float64Array.of(-2)));
  m.graph.initializers.set('hi', createTensor('hi', 'float64', [], Float64Array.of(3)));
  m.graph.nodes.push(node('Clip', ['x', 'lo', 'hi'], ['y']));
  m.graph.outputs.push({ name: 'y', dataType: 'float64' });
  clipModel = path.join(dir, 'clip11.onnx');
  await saveModel(m, clipModel);
});

describe('reading the opset import', () => {
  it('finds it after a large graph field without parsing it', async () => {
    const m = emptyModel('big', 5);
    m.graph.initializers.set('w', float32Tensor('w', [256, 1024], new Float32Array(256 * 1024)));
    m.opsetImports.push({ domain: 'com.microsoft', version: 1 });
    const file = path.join(dir, 'big.onnx');
    await saveModel(m, file);
    expect(await readFileOpset(file)).toBe(5);
    expect(await readBytesOpset(await readFile(file))).toBe(5);
    expect(await readBytesOpset(modelToBytes(emptyModel('x', 13)))).toBe(13);
    expect(await readFileOpset(path.join(dir, 'missing.onnx'))).toBeUndefined();
  });
});

describe('a missing old kernel at opset ≥ 7', () => {
  it("upgrades to that op's next version and loads; the file is unchanged", async () => {
    const before = await readFile(clipModel);
    const loaded = await new OrtEngine().open(clipModel, {});
    try {
      expect(loaded.opsetUpgrade).toMatchObject({ from: 11, to: 12 });
      expect(describeOpsetUpgrade(loaded.opsetUpgrade!)).toMatch(
        /^upgraded ai\.onnx opset 11 → 12 in memory: onnxruntime \d+\.\d+ has no kernel for Clip\(11\)/,
      );
      const feeds = loaded.prepareFeeds({
        x: { type: 'float64', dims: [5], data: Float64Array.of(-5, -1, 0, 2.5, 9) },
      });
      const out = loaded.readOutput((await loaded.run(feeds)).y);
      expect(Array.from(out.data as Float64Array)).toEqual([-2, -1, 0, 2.5, 3]);
    } finally {
      await loaded.dispose();
    }
    expect((await readFile(clipModel)).equals(before)).toBe(true);
  });

  it('with the upgrade off, shows onnxruntime’s error and the hint', async () => {
    const error = await new OrtEngine().open(clipModel, { opsetUpgrade: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /Could not find an implementation for Clip\(11\).*--no-opset-upgrade/,
    );
  });
});
