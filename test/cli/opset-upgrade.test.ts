/**
 * `edgebench run/optimize` on an opset-6 graph (the form old Caffe2/PyTorch converters wrote):
 * onnxruntime has no kernels for it, edgebench upgrades it in memory, says so on one line, and the
 * exported outputs equal the legacy definition's numbers. The user's file stays byte-identical.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from '../../src/inputs/npy.js';
import { runResultSchema } from '../../src/measure/result.js';
import { attr, createTensor, float32Tensor, type Model, type Node } from '../../src/onnx/ir.js';
import { loadModel, saveModel } from '../../src/onnx/model-io.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import * as R from '../onnx/legacy-reference.js';
import { randomFloats } from '../optimize/helpers.js';

const FAST = [
  '--warmup-time',
  '0',
  '--warmup-count',
  '2',
  '--min-time',
  '0',
  '--min-count',
  '10',
  '--threads',
  '1',
];
const QUIET = ['--telemetry-interval', '0'];

let dir: string;
let oldModel: string;
let trainingBn: string;
let input: string;
let expected: R.Ref;

function n(opType: string, inputs: string[], outputs: string[], attributes: Node['attributes'] = {}): Node {
  return { name: outputs[0], opType, domain: '', inputs, outputs, attributes };
}

function model(nodes: Node[], weights: Record<string, R.Ref>, output: string): Model {
  const initializers = new Map(
    Object.entries(weights).map(([k, w]) => [k, float32Tensor(k, w.dims, w.data)]),
  );
  initializers.set('shape', createTensor('shape', 'int64', [2], BigInt64Array.of(1n, -1n)));
  return {
    irVersion: 3,
    opsetImports: [{ domain: '', version: 6 }],
    producerName: 'legacy-exporter',
    producerVersion: '0',
    domain: '',
    modelVersion: 1,
    docString: '',
    metadata: {},
    functions: [],
    graph: {
      name: 'caffe2_style',
      nodes,
      initializers,
      inputs: [
        { name: 'x', dataType: 'float32', shape: [1, 2, 5, 5] },
        ...[...initializers.values()].map((t) => ({
          name: t.name,
          dataType: t.dataType,
          shape: [...t.dims],
        })),
      ],
      outputs: [{ name: output, dataType: 'float32' }],
      valueInfo: [],
    },
  };
}

beforeAll(async () => {
  dir = await tempDir();
  const r = (dims: number[], seed: number, lo = -1, hi = 1) =>
    R.ref(dims, randomFloats(R.size(dims), seed, lo, hi));
  const x = r([1, 2, 5, 5], 1);
  const w = r([3, 2, 3, 3], 2, -0.5, 0.5);
  const bias = r([3], 3);
  const [scale, shift, mean, variance] = [r([3], 4, 0.5, 1.5), r([3], 5), r([3], 6), r([3], 7, 0.5, 2)];
  const fcW = r([4, 27], 8, -0.3, 0.3);
  const fcB = r([4], 9);
  const weights = { w, bias, scale, shift, mean, variance, fc_w: fcW, fc_b: fcB };
  const nodes = (isTest: number) => [
    n('Conv', ['x', 'w'], ['conv'], {
      kernel_shape: attr.ints([3, 3]),
      pads: attr.ints([1, 1, 1, 1]),
      strides: attr.ints([2, 2]),
    }),
    n('Add', ['conv', 'bias'], ['biased'], { broadcast: attr.int(1), axis: attr.int(1) }),
    n('BatchNormalization', ['biased', 'scale', 'shift', 'mean', 'variance'], ['bn'], {
      is_test: attr.int(isTest),
    }),
    n('Relu', ['bn'], ['relu']),
    n('Reshape', ['relu', 'shape'], ['flat']),
    n('Gemm', ['flat', 'fc_w', 'fc_b'], ['fc'], { broadcast: attr.int(1), transB: attr.int(1) }),
    n('Softmax', ['fc'], ['prob']),
  ];
  oldModel = path.join(dir, 'old.onnx');
  await saveModel(model(nodes(1), weights, 'prob'), oldModel);
  trainingBn = path.join(dir, 'training-bn.onnx');
  await saveModel(model(nodes(0), weights, 'prob'), trainingBn);
  input = path.join(dir, 'x.npy');
  await writeFile(input, encodeNpy({ type: 'float32', dims: x.dims, data: Float32Array.from(x.data) }));

  let y = R.conv2d(x, w, 2, [1, 1, 1, 1]);
  y = R.legacyBinary(y, bias, 1, (a, b) => a + b);
  y = R.perChannel(
    y,
    (v, c) => (scale.data[c] * (v - mean.data[c])) / Math.sqrt(variance.data[c] + 1e-5) + shift.data[c],
  );
  y = R.map(y, (v) => Math.max(0, v));
  expected = R.softmax2d(R.gemm(R.ref([1, 27], y.data), fcW, fcB, true), 1);
});

describe('an opset-6 model', () => {
  it('runs upgraded in memory, says so on one line, and exports outputs equal to the legacy reference', async () => {
    const before = await readFile(oldModel);
    const out = path.join(dir, 'outputs');
    const json = path.join(dir, 'result.json');
    const r = await runCli([
      'run',
      oldModel,
      ...FAST,
      ...QUIET,
      '--input',
      `x=${input}`,
      '--export-outputs',
      out,
      '--json',
      json,
    ]);
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.includes('upgraded ai.onnx opset'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warning: upgraded ai\.onnx opset 6 → 7 in memory: onnxruntime \d+\.\d+ has no kernels for opset < 7 \(the file is unchanged\)$/,
    );
    expect(r.stdout).toContain('upgraded in memory, ai.onnx opset 6 → 7');
    const exported = parseNpy(await readFile(path.join(out, 'prob.npy')));
    R.expectClose(exported, expected);
    const result = runResultSchema.parse(JSON.parse(await readFile(json, 'utf8')));
    expect(result.model.opsetUpgrade).toMatchObject({ domain: 'ai.onnx', from: 6, to: 7 });
    expect(result.config.effective.opsetUpgrade).toBe(true);
    expect(result.outputsExported?.files.prob).toBe(path.join(out, 'prob.npy'));
    expect((await readFile(oldModel)).equals(before)).toBe(true);
  });

  it('exports the outputs as JSON when the path ends in .json', async () => {
    const out = path.join(dir, 'outputs.json');
    const r = await runCli([
      'run',
      oldModel,
      ...FAST,
      ...QUIET,
      '--input',
      `x=${input}`,
      '--export-outputs',
      out,
    ]);
    expect(r.code).toBe(0);
    const body = JSON.parse(await readFile(out, 'utf8')) as {
      outputs: { name: string; type: string; dims: number[]; data: number[] }[];
    };
    expect(body.outputs.map((o) => o.name)).toEqual(['prob']);
    const [prob] = body.outputs;
    expect(prob.type).toBe('float32');
    R.expectClose({ type: 'float32', dims: prob.dims, data: Float32Array.from(prob.data) }, expected);
  });

  it('--no-opset-upgrade fails with one line (exit 2) that says the upgrade exists', async () => {
    const r = await runCli(['run', oldModel, ...FAST, ...QUIET, '--no-opset-upgrade']);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/opset 6 .*no kernels for opset < 7.*--no-opset-upgrade/);
  });

  it('a node that cannot be upgraded exactly is refused with its op and version (exit 2)', async () => {
    const before = await readFile(trainingBn);
    const r = await runCli(['run', trainingBn, ...FAST, ...QUIET]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/BatchNormalization-6 \(node 'bn'\) is in training mode/);
    expect((await readFile(trainingBn)).equals(before)).toBe(true);
  });

  it('optimize upgrades before its recipes, says so, and writes an opset-7 model with the same outputs', async () => {
    const before = await readFile(oldModel);
    const output = path.join(dir, 'fused.onnx');
    const r = await runCli(['optimize', oldModel, '--recipe', 'fuse', '-o', output]);
    expect(r.code).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain('upgraded ai.onnx opset 6 → 7');
    expect((await loadModel(output)).opsetImports.find((o) => o.domain === '')?.version).toBe(7);
    expect((await readFile(oldModel)).equals(before)).toBe(true);
    const out = path.join(dir, 'fused-out.json');
    const run = await runCli([
      'run',
      output,
      ...FAST,
      ...QUIET,
      '--input',
      `x=${input}`,
      '--export-outputs',
      out,
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('upgraded ai.onnx');
    const [prob] = (
      JSON.parse(await readFile(out, 'utf8')) as { outputs: { dims: number[]; data: number[] }[] }
    ).outputs;
    R.expectClose({ type: 'float32', dims: prob.dims, data: Float32Array.from(prob.data) }, expected);
  });
});
