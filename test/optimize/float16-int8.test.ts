/**
 * int8 from a model shipped in float16 (a segmentation U-Net with float16 weights and float16
 * inputs/outputs, generated): upcast, calibrate, quantize, and fidelity against the float16 original.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizeInputs } from '../../src/inputs/synthetic.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { float32ToFloat16 } from '../../src/onnx/float16.js';
import { createTensor, float32Tensor, type Model } from '../../src/onnx/ir.js';
import { loadModel, modelToBytes, saveModel } from '../../src/onnx/model-io.js';
import { optimize } from '../../src/optimize/optimize.js';
import { ModelRunner } from '../../src/optimize/ort-session.js';
import { hasFloat16Weights, upcastFloat16 } from '../../src/optimize/upcast.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from './helpers.js';

/** conv/relu, max-pool down twice, nearest Resize up twice with skip Concats, a sigmoid mask. */
function unetFloat32(size = 32): Model {
  const b = new GraphBuilder({ name: 'tiny_unet', seed: 3 });
  const block = (x: string, out: number, name: string) =>
    b.relu(b.conv(x, { outChannels: out, kernel: 3, padding: 1 }, name));
  const scales = b.initializer(float32Tensor('up_scales', [4], [1, 1, 2, 2]));
  const up = (x: string) => b.op('Resize', [x, '', scales], { mode: { type: 'string', value: 'nearest' } });
  const x = b.input('image', [1, 3, size, size]);
  const enc1 = block(x, 8, 'enc1');
  const enc2 = block(b.maxPool(enc1, { kernel: 2, stride: 2 }), 16, 'enc2');
  const mid = block(b.maxPool(enc2, { kernel: 2, stride: 2 }), 16, 'mid');
  const dec2 = block(b.concat([up(mid), enc2], 1), 8, 'dec2');
  const dec1 = block(b.concat([up(dec2), enc1], 1), 8, 'dec1');
  b.output(b.sigmoid(b.conv(dec1, { outChannels: 1, kernel: 1 }, 'head')), 'mask');
  return b.build();
}

/** As an app ships it: float16 weights and float16 inputs/outputs (Resize scales stay float32, as ONNX requires). */
function toFloat16Model(model: Model): Model {
  const scalesOfResize = new Set(
    model.graph.nodes.filter((n) => n.opType === 'Resize').flatMap((n) => n.inputs.slice(1)),
  );
  for (const [name, t] of model.graph.initializers)
    if (t.dataType === 'float32' && !scalesOfResize.has(name))
      model.graph.initializers.set(
        name,
        createTensor(name, 'float16', t.dims, float32ToFloat16(t.data as Float32Array)),
      );
  for (const v of [...model.graph.inputs, ...model.graph.outputs]) v.dataType = 'float16';
  model.graph.valueInfo = [];
  return model;
}

let dir: string;
let fp16Path: string;

beforeAll(async () => {
  dir = await tempDir();
  fp16Path = path.join(dir, 'unet.fp16.onnx');
  await saveModel(toFloat16Model(unetFloat32()), fp16Path);
});

const samples = (count: number, seed: number) =>
  Array.from({ length: count }, (_, k) =>
    synthesizeInputs(
      [{ name: 'image', type: 'float16', shape: [1, 3, 32, 32] }],
      { image: [1, 3, 32, 32] },
      seed + k,
    ),
  );

describe('float16 models', () => {
  it('upcast: float32 inside, the float16 interface kept, the same outputs', async () => {
    const model = await loadModel(fp16Path);
    expect(hasFloat16Weights(model)).toBe(true);
    const report = upcastFloat16(model);
    expect(report).toMatchObject({ boundaryCasts: 2 });
    expect(report.tensors).toBeGreaterThanOrEqual(12);
    expect(hasFloat16Weights(model)).toBe(false);
    expect(model.graph.inputs[0].dataType).toBe('float16');
    expect(model.graph.outputs[0].dataType).toBe('float16');
    const original = await ModelRunner.create(fp16Path, 'fp16');
    const upcast = await ModelRunner.create(modelToBytes(model), 'upcast');
    try {
      const [sample] = samples(1, 9);
      const a = (await original.run(sample)).mask;
      const b = (await upcast.run(sample)).mask;
      expect(b.type).toBe('float16');
      expect(b.dims).toEqual([1, 1, 32, 32]);
      // Both round to float16 at the end; float32 arithmetic inside moves a value by a few float16 ulps at most.
      const diff = Array.from(a.data as Uint16Array).filter(
        (bits, i) => Math.abs(bits - (b.data as Uint16Array)[i]) > 8,
      );
      expect(diff).toEqual([]);
    } finally {
      await original.release();
      await upcast.release();
    }
  });

  it('int8-static quantizes from float16 and measures fidelity against the float16 original', async () => {
    const out = path.join(dir, 'unet.int8.onnx');
    const report = await optimize({
      input: fp16Path,
      output: out,
      recipes: 'int8-static',
      calibration: { count: 4 },
      fidelity: { count: 3 },
    });
    expect(report.notes.join('\n')).toMatch(
      /float16 model: \d+ float16 weights and constants widened to float32 .*inputs\/outputs stay float16 .*fidelity is measured against the float16 original/,
    );
    expect(report.steps.at(-1)?.summary).toMatch(/quantized Conv×6/);
    expect(report.fidelity?.against).toBe('the float16 original');
    const mask = report.fidelity!.outputs[0];
    expect(mask.name).toBe('mask');
    expect(mask.cosine).toBeGreaterThan(0.99);
    const quantized = await loadModel(out);
    expect(quantized.graph.nodes.some((n) => n.opType === 'QuantizeLinear')).toBe(true);
    expect(quantized.graph.inputs[0].dataType).toBe('float16');
    const runner = await ModelRunner.create(out, 'int8');
    try {
      const result = (await runner.run(samples(1, 99)[0])).mask;
      expect(result.type).toBe('float16');
      expect(result.dims).toEqual([1, 1, 32, 32]);
    } finally {
      await runner.release();
    }
  });

  it('optimize on the command line says so in one line; fp16 on a float16 model is refused', async () => {
    const out = path.join(dir, 'unet.cli.int8.onnx');
    const r = await runCli([
      'optimize',
      fp16Path,
      '--recipe',
      'int8-static',
      '-o',
      out,
      '--calib-count',
      '2',
      '--fidelity-count',
      '2',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^fidelity over .*, against the float16 original:$/m);
    expect(r.stdout).toMatch(/note: float16 model: /);
    expect((await readFile(out)).length).toBeGreaterThan(0);
    const refused = await runCli(['optimize', fp16Path, '--recipe', 'fp16', '-o', path.join(dir, 'x.onnx')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already has float16 weights, so fp16 has nothing to convert/);
  });
});
