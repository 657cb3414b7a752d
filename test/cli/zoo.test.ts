/** `edgebench zoo` and `edgebench inspect`, through the built CLI. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/onnx/model-io.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir();
  env = { EDGEBENCH_CACHE_DIR: join(dir, 'cache') };
});

describe('edgebench zoo', () => {
  it('lists every architecture as JSON', async () => {
    const { code, stdout } = await runCli(['zoo', 'list', '--json']);
    expect(code).toBe(0);
    const list = (
      JSON.parse(stdout) as { models: { name: string; task: string; parameters: number; macs: number }[] }
    ).models;
    const resnet18 = list.find((m) => m.name === 'resnet18')!;
    expect(resnet18).toMatchObject({ task: 'classification', parameters: 11689512 });
    expect(resnet18.macs).toBeCloseTo(1.814e9, -7);
    expect(list.map((m) => m.name)).toContain('densenet3d');
  });

  it('prints a table', async () => {
    const { code, stdout } = await runCli(['zoo', 'list']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^name\s+task\s+input\s+classes\s+params\s+GMACs/);
    expect(stdout).toMatch(/r3d_18\s+video\s+1x3x16x112x112\s+400\s+33,371,472\s+40\.697/);
  });

  it('exports a model with options', async () => {
    const file = join(dir, 'mnv2.onnx');
    const { code, stdout, stderr } = await runCli(
      [
        'zoo',
        'export',
        'mobilenet_v2',
        '--preset',
        'paper',
        '--input',
        '1x3x160x160',
        '--seed',
        '5',
        '-o',
        file,
      ],
      { env },
    );
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(file);
    expect(stderr).toMatch(/2 classes, input 1x3x160x160, seed 5/);
    const model = await loadModel(file);
    expect(model.graph.inputs[0].shape).toEqual([1, 3, 160, 160]);
    expect(model.graph.outputs[0].shape).toEqual([1, 2]);
  });

  it('refuses unknown names and bad flags with exit code 2 and one line', async () => {
    const unknown = await runCli(['zoo', 'export', 'resnet19', '-o', join(dir, 'x.onnx')], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^edgebench: unknown zoo model 'resnet19'; available: .*resnet18/);
    const badInput = await runCli(
      ['zoo', 'export', 'resnet18', '--input', '1x3x224', '-o', join(dir, 'x.onnx')],
      {
        env,
      },
    );
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toMatch(/invalid input shape 1x3x224 for resnet18/);
  });
});

describe('edgebench inspect', () => {
  it('describes a zoo model as JSON', async () => {
    const { code, stdout } = await runCli(['inspect', 'zoo:resnet18?classes=2', '--json'], { env });
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.parameters).toBe(11177538);
    expect(report.outputs[0].shape).toEqual([1, 2]);
    expect(report.opHistogram.BatchNormalization).toBe(20);
    expect(report.compute.byOpType.Conv.macs).toBe(1813561344);
    expect(report.shapeSource).toBe('static');
  });

  it('prints a text report for a file', async () => {
    const file = join(dir, 'mnv2.onnx');
    const { code, stdout } = await runCli(['inspect', file], { env });
    expect(code).toBe(0);
    expect(stdout).toMatch(/parameters\s+2,226,434/);
    expect(stdout).toMatch(/op type\s+count\s+GMACs\s+GFLOPs/);
  });

  it('rejects missing and corrupt files', async () => {
    const missing = await runCli(['inspect', join(dir, 'missing.onnx')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/model file not found/);
    const file = join(dir, 'corrupt.onnx');
    await writeFile(file, Buffer.from('this is not a protobuf model, just text'));
    const corrupt = await runCli(['inspect', file]);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/corrupt\.onnx is not a valid ONNX model/);
  });
});
