/**
 * `edgebench run --target` and `env --target` end to end: the built CLI, a real sshd, a board without
 * Node. The PyTorch runner runs with Debian's python3-torch on the board; onnxruntime is the stand-in
 * package (test/helpers/fake-onnxruntime.ts) in the board account's user site-packages, as
 * `pip install --user` would put a Jetson wheel. Timing happens there; the result names the target.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeFakeModel, writeFakeOnnxruntime } from '../helpers/fake-onnxruntime.js';
import { tempDir } from '../helpers/temp.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const PYTHON = '/usr/bin/python3';
const torchOnBoard = spawnSync(PYTHON, ['-c', 'import torch, torchvision']).status === 0;
const skip =
  sshdSkipReason() ?? (spawnSync(PYTHON, ['-c', 'import numpy']).status === 0 ? undefined : 'no numpy');

describe.skipIf(skip)('run and env on a board over SSH (CLI, real sshd)', () => {
  let sshd: TestSshd;
  let dir = '';
  let env: Record<string, string> = {};
  const cli = (...args: string[]) => runCli(args, { env, timeoutMs: 180_000 });
  const quick = [
    '--warmup-count',
    '1',
    '--warmup-time',
    '0',
    '--min-time',
    '0',
    '--telemetry-interval',
    '50',
  ];

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('edgebench-run-remote-');
    env = { EDGEBENCH_TARGETS: path.join(dir, 'targets.yaml') };
    const site = spawnSync(PYTHON, ['-c', 'import site; print(site.getusersitepackages())'], {
      env: { ...process.env, HOME: sshd.home },
      encoding: 'utf8',
    }).stdout.trim();
    await writeFakeOnnxruntime(site);
    const added = await cli('target', 'add', 'board', `ssh://${sshd.alias}`, '--ssh-config', sshd.sshConfig);
    expect(added.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('measures an ONNX file with the board’s onnxruntime: copied once, timed there, the target recorded', async () => {
    const model = await writeFakeModel(path.join(dir, 'tiny.onnx'), {
      inputs: [{ name: 'x', shape: ['N', 4], type: 'tensor(float)' }],
      outputs: [{ name: 'y', shape: ['N', 2], type: 'tensor(float)' }],
    });
    const first = await cli('run', model, '--target', 'board', '--min-count', '30', ...quick, '--json', '-');
    expect(first.stderr).toMatch(/connecting to board/);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.target).toEqual({
      name: 'board',
      address: expect.stringMatching(/board/),
      runner: 'ort-python/cpu',
      level: 'python-onnxruntime',
    });
    expect(result.external).toMatchObject({
      engine: 'ort-python/cpu',
      engineVersion: 'onnxruntime 1.11.0+fake (Python)',
    });
    expect(result.samplesMs.length).toBeGreaterThanOrEqual(30);
    expect(result.model.outputs).toEqual([{ name: 'y', type: 'float32', shape: [1, 2] }]);
    // The device's machine, not this one: the board account runs no Node.
    expect(result.environment.host.node).toBe('none (agentless)');
    // Telemetry was sampled on the device, on its clock.
    expect(result.telemetry).toBeDefined();
    // The model sits in the device cache once, by content.
    const blobsDir = path.join(sshd.home, '.cache', 'edgebench', 'blobs');
    const blobs = readdirSync(blobsDir);
    expect(blobs.filter((b) => readdirSync(path.join(blobsDir, b)).includes('tiny.onnx'))).toHaveLength(1);
  }, 120_000);

  it.skipIf(!torchOnBoard)(
    'measures the PyTorch baseline with the board’s torch and prints the table',
    async () => {
      const run = await cli(
        'run',
        'squeezenet1_1',
        '--engine',
        'torch',
        '--target',
        'board',
        '--max-count',
        '3',
        ...quick,
      );
      expect(run.stderr).not.toMatch(/^edgebench:/m);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/torch\/cpu/);
      expect(run.stdout).toMatch(/^runs\s+3$/m);
      expect(run.stdout).toMatch(/^target board \(.*\): timed there by torch\/cpu$/m);
    },
    180_000,
  );

  it('refuses with one line what the board cannot run, and a flag a target cannot honour', async () => {
    const trt = await cli('run', path.join(dir, 'tiny.onnx'), '--engine', 'ort/cuda', '--target', 'board');
    expect(trt.code).toBe(2);
    expect(trt.stderr).toMatch(
      /^edgebench: ort\/cuda cannot run on board \(ort-python\/cuda: .*CUDAExecutionProvider.*\); what runs there: .*ort-python\/cpu/m,
    );
    const python = await cli('run', 'resnet18', '--engine', 'torch', '--python', '/x', '--target', 'board');
    expect(python.code).toBe(2);
    expect(python.stderr).toMatch(/^edgebench: --python: on a device .*: drop one of them\n$/);
    const unknown = await cli('run', 'resnet18', '--engine', 'torch', '--target', 'xavier');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no target named 'xavier'/);
  }, 120_000);

  it('env --target describes the board as env describes this machine', async () => {
    const described = await cli('env', '--target', 'board', '--json');
    expect(described.code).toBe(0);
    const device = JSON.parse(described.stdout);
    expect(device).toMatchObject({ target: 'board', node: null, level: 'python-onnxruntime' });
    expect(device.engines.find((e: { id: string }) => e.id === 'ort-python/cpu')).toMatchObject({
      available: true,
    });
  }, 120_000);
});
