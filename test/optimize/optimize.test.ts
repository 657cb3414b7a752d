import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { createTensor } from '../../src/onnx/ir.js';
import { loadModel, saveModel } from '../../src/onnx/model-io.js';
import { optimize, parseRecipes, RECIPES } from '../../src/optimize/index.js';
import { emptyModel, node, smallConvNet, tempDir } from './helpers.js';

let dir: string;
let base: string;
beforeAll(async () => {
  dir = await tempDir();
  base = path.join(dir, 'convnet.onnx');
  await saveModel(smallConvNet(), base);
});

/** A .npy file holding float32 zeros of the given shape. */
async function writeNpy(file: string, shape: number[]): Promise<void> {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const padded = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ');
  const head = Buffer.alloc(10);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]).copy(head);
  head.writeUInt16LE(padded.length + 1, 8);
  const count = shape.reduce((a, b) => a * b, 1);
  await writeFile(file, Buffer.concat([head, Buffer.from(`${padded}\n`), Buffer.alloc(count * 4)]));
}

describe('optimize()', () => {
  it('lists every recipe with a description', () => {
    expect(RECIPES.map((r) => r.name)).toEqual([
      'ort-basic',
      'ort-extended',
      'ort-all',
      'fuse',
      'fp16',
      'int8-dynamic',
      'int8-static',
    ]);
    expect(parseRecipes('fuse, int8-static')).toEqual(['fuse', 'int8-static']);
  });

  it('composes fuse,int8-static, writes a loadable model and reports fidelity', async () => {
    const output = path.join(dir, 'convnet.int8.onnx');
    const logs: string[] = [];
    const report = await optimize({
      input: base,
      output,
      recipes: 'fuse,int8-static',
      calibration: { count: 4 },
      fidelity: { count: 4 },
      onLog: (m) => logs.push(m),
    });
    expect(report.steps.map((s) => s.recipe)).toEqual(['fuse', 'int8-static']);
    expect(report.steps[0].summary).toContain('3 BatchNorm folded');
    expect(report.after.ops.QuantizeLinear).toBeGreaterThan(0);
    const logits = report.fidelity!.outputs[0];
    expect(logits.name).toBe('logits');
    expect(logits.cosine).toBeGreaterThan(0.99);
    expect(logits.top1Agreement).toBeGreaterThanOrEqual(0.75);
    expect(logs.some((l) => l.includes('wrote'))).toBe(true);
    expect((await loadModel(output)).metadata['edgebench.recipes']).toBe('fuse,int8-static');
  });

  it('ort-basic and ort-extended save what onnxruntime optimized; ort-all leaves layout to load time', async () => {
    const basic = await optimize({
      input: base,
      output: path.join(dir, 'b.onnx'),
      recipes: ['ort-basic'],
      fidelity: { count: 2 },
    });
    expect(basic.fidelity!.outputs[0].maxAbsError).toBeLessThan(1e-4);
    const extended = await optimize({
      input: base,
      output: path.join(dir, 'e.onnx'),
      recipes: ['ort-extended'],
      fidelity: false,
    });
    expect(Object.keys(extended.after.ops).some((op) => op.startsWith('com.microsoft.'))).toBe(true);
    const all = await optimize({
      input: base,
      output: path.join(dir, 'a.onnx'),
      recipes: ['ort-all'],
      fidelity: false,
    });
    expect(all.loadTimeGraphOptLevel).toBe('all');
    expect(all.notes.join(' ')).toMatch(/load/);
    expect(Object.keys(all.after.ops).some((op) => op.includes('nchwc'))).toBe(false);
  });

  it('fp16 and int8-dynamic run end to end', async () => {
    const fp16 = await optimize({
      input: base,
      output: path.join(dir, 'h.onnx'),
      recipes: 'fp16',
      fidelity: { count: 2 },
    });
    expect(fp16.fidelity!.outputs[0].cosine).toBeGreaterThan(0.999);
    const dyn = await optimize({
      input: base,
      output: path.join(dir, 'd.onnx'),
      recipes: 'int8-dynamic',
      dynamicConv: true,
      fidelity: { count: 2 },
    });
    expect(dyn.steps[0].summary).toContain('Conv×6');
  });

  it('calibrates on a folder of .npy tensors', async () => {
    const calib = path.join(dir, 'npy');
    await mkdir(calib, { recursive: true });
    for (const i of [0, 1]) await writeNpy(path.join(calib, `s${i}.npy`), [1, 3, 16, 16]);
    const report = await optimize({
      input: base,
      output: path.join(dir, 'npy.onnx'),
      recipes: 'int8-static',
      calibration: { source: calib },
      fidelity: false,
    });
    expect(report.steps[0].summary).toContain('2 tensor files');
  });
});

describe('optimize(): bad input is one clear UserError, and nothing is written', () => {
  const expectUserError = async (promise: Promise<unknown>, pattern: RegExp) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain('\n');
  };

  it('unknown recipe', async () => {
    await expectUserError(
      optimize({ input: base, output: path.join(dir, 'x.onnx'), recipes: 'fuse,int4' }),
      /unknown recipe 'int4'.*int8-static/,
    );
  });

  it('output equal to the input', async () => {
    await expectUserError(optimize({ input: base, output: base, recipes: 'fuse' }), /is the input model/);
    await expectUserError(
      optimize({ input: base, output: path.join(dir, '.', 'convnet.onnx'), recipes: 'fuse' }),
      /is the input model/,
    );
  });

  it('a model with no float weights', async () => {
    const m = emptyModel('ints');
    m.graph.inputs.push({ name: 'a', dataType: 'int64', shape: [2] });
    m.graph.initializers.set('b', createTensor('b', 'int64', [2], BigInt64Array.of(1n, 2n)));
    m.graph.nodes.push(node('Add', ['a', 'b'], ['y']));
    m.graph.outputs.push({ name: 'y', dataType: 'int64' });
    const file = path.join(dir, 'ints.onnx');
    await saveModel(m, file);
    const output = path.join(dir, 'ints.int8.onnx');
    await expectUserError(optimize({ input: file, output, recipes: 'int8-static' }), /no float32 weights/);
    expect(existsSync(output)).toBe(false);
  });

  it('an empty calibration folder, and a wrong-sized calibration tensor', async () => {
    const empty = path.join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    const output = path.join(dir, 'never.onnx');
    await expectUserError(
      optimize({ input: base, output, recipes: 'int8-static', calibration: { source: empty } }),
      /holds no images/,
    );
    const wrong = path.join(dir, 'wrong');
    await mkdir(wrong, { recursive: true });
    await writeNpy(path.join(wrong, 'a.npy'), [1, 3, 8, 8]);
    await expectUserError(
      optimize({ input: base, output, recipes: 'int8-static', calibration: { source: wrong } }),
      /shape 1x3x8x8 but input 'input' expects 1x3x16x16/,
    );
    await expectUserError(
      optimize({ input: base, output, recipes: 'int8-static', calibration: { source: [] } }),
      /calibration set is empty/,
    );
    expect(existsSync(output)).toBe(false);
  });

  it('a missing model', async () => {
    await expectUserError(
      optimize({ input: path.join(dir, 'nope.onnx'), output: path.join(dir, 'o.onnx'), recipes: 'fuse' }),
      /not found/,
    );
  });
});
