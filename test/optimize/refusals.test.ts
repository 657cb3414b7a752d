/** optimize() refuses inputs it cannot improve, with one UserError that says what to do. */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { saveModel } from '../../src/onnx/model-io.js';
import { compareOutputs } from '../../src/optimize/fidelity.js';
import { optimize } from '../../src/optimize/optimize.js';
import { smallConvNet, tempDir } from './helpers.js';

let dir: string;
let int8: string;
beforeAll(async () => {
  dir = await tempDir();
  const model = path.join(dir, 'net.onnx');
  await saveModel(smallConvNet(), model);
  int8 = path.join(dir, 'net.int8.onnx');
  await optimize({
    input: model,
    output: int8,
    recipes: 'int8-static',
    fidelity: false,
    calibration: { count: 2 },
  });
});

describe('optimize on an already-quantized model', () => {
  for (const recipe of ['int8-static', 'int8-dynamic', 'fp16']) {
    it(`${recipe}: refused, nothing written`, async () => {
      const out = path.join(dir, `again.${recipe}.onnx`);
      const warnings: string[] = [];
      const attempt = optimize({
        input: int8,
        output: out,
        recipes: recipe,
        fidelity: false,
        calibration: { count: 2 },
        onWarning: (w) => warnings.push(w),
      });
      await expect(attempt).rejects.toThrow(UserError);
      await expect(attempt).rejects.toThrow(
        new RegExp(
          `is already quantized \\((?=.*QuantizeLinear×\\d+)(?=.*DequantizeLinear×\\d+)[^)]*\\), so ${recipe} .*optimize the float32 model instead`,
        ),
      );
      expect(warnings).toEqual([]);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('recipes that only restructure the graph still run on it', async () => {
    const out = path.join(dir, 'again.fuse.onnx');
    const report = await optimize({ input: int8, output: out, recipes: 'fuse', fidelity: false });
    expect(report.recipes).toEqual(['fuse']);
    expect(existsSync(out)).toBe(true);
  });
});

describe('compare-outputs accuracy with labels the model cannot output', () => {
  it('a class folder beyond the model classes is refused, not scored as 0%', async () => {
    const twoClass = path.join(dir, 'two.onnx');
    await saveModel(smallConvNet(3, 2), twoClass);
    const labelled = path.join(dir, 'labels3');
    for (const cls of ['a', 'b', 'c']) {
      await mkdir(path.join(labelled, cls), { recursive: true });
      await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90, g: 20, b: 200 } } })
        .png()
        .toFile(path.join(labelled, cls, '0.png'));
    }
    const attempt = compareOutputs(twoClass, twoClass, { count: 1, labels: labelled });
    await expect(attempt).rejects.toThrow(UserError);
    await expect(attempt).rejects.toThrow(/class index 2 \(folder 'c'\) is beyond the model's 2 classes/);
  });
});
