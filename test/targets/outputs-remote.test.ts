/**
 * Outputs read on a board over real SSH (targetOutputs), for fidelity measured where the engine runs:
 * the onnxruntime runner's outputs mode against the stand-in onnxruntime (its outputs are its input
 * times the model's `scale`, so what comes back depends on what went in), the PyTorch runner's with
 * Debian's python3-torch for real, and trtexec on a board without it refused with its one line
 * (trtexec-fidelity-remote.test.ts reads trtexec's outputs on a board that has it).
 */
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fidelityRecord, measureFidelity, variantFidelity } from '../../src/study/variants.js';
import { addTarget } from '../../src/targets/config.js';
import { targetOutputs } from '../../src/targets/outputs.js';
import { connectTarget, type TargetConnection } from '../../src/targets/sessions.js';
import { writeFakeModel, writeFakeOnnxruntime } from '../helpers/fake-onnxruntime.js';
import { tempDir } from '../helpers/temp.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const PYTHON = '/usr/bin/python3';
const numpyThere = spawnSync(PYTHON, ['-c', 'import numpy']).status === 0;
const torchThere = spawnSync(PYTHON, ['-c', 'import torch, torchvision']).status === 0;
const skip = sshdSkipReason() ?? (numpyThere ? undefined : 'no numpy for /usr/bin/python3');

describe.skipIf(skip)('outputs on a board over SSH (targetOutputs)', () => {
  let sshd: TestSshd;
  let dir = '';
  let board: TargetConnection;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('edgebench-outputs-remote-');
    const site = spawnSync(PYTHON, ['-c', 'import site; print(site.getusersitepackages())'], {
      env: { ...process.env, HOME: sshd.home },
      encoding: 'utf8',
    }).stdout.trim();
    await writeFakeOnnxruntime(site);
    const targets = path.join(dir, 'targets.yaml');
    await addTarget('board', `ssh://${sshd.alias}`, { sshConfig: sshd.sshConfig, file: targets });
    board = await connectTarget('board', { targetsFile: targets });
  }, 60_000);
  afterAll(async () => {
    await board?.transport.close();
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads onnxruntime outputs back bit for bit, on inputs sent from here', async () => {
    const model = await writeFakeModel(path.join(dir, 'half.onnx'), {
      inputs: [{ name: 'x', shape: ['N', 6], type: 'tensor(float)' }],
      outputs: [{ name: 'y', shape: ['N', 6], type: 'tensor(float)' }],
      scale: 0.5,
    });
    const side = await targetOutputs(board)({ path: model, engine: { executionProvider: 'cpu' } });
    try {
      expect(side.inputs).toEqual([{ name: 'x', type: 'float32', shape: ['N', 6] }]);
      expect(side.outputs).toEqual([{ name: 'y', type: 'float32', shape: ['N', 6] }]);
      // Values a text round trip would lose: a third, a subnormal, the largest float32, -0.
      const x = Float32Array.from([
        1 / 3,
        1.4e-45,
        3.4028234663852886e38,
        -0,
        -2.5,
        1e-7,
        7,
        8,
        9,
        10,
        11,
        12,
      ]);
      const out = await side.run({ x: { type: 'float32', dims: [2, 6], data: x } });
      expect(out.y.dims).toEqual([2, 6]);
      expect(out.y.type).toBe('float32');
      expect(Array.from(out.y.data as Float32Array)).toEqual(Array.from(x, (v) => Math.fround(v * 0.5)));
      // The same process answers the next request.
      const again = await side.run({ x: { type: 'float32', dims: [1, 6], data: x.slice(0, 6) } });
      expect(again.y.dims).toEqual([1, 6]);
    } finally {
      await side.close();
    }
  });

  it('a wrong feed is the runner’s one-line error, not a hang', async () => {
    const model = await writeFakeModel(path.join(dir, 'ints.onnx'), {
      inputs: [{ name: 'ids', shape: [1, 3], type: 'tensor(int64)' }],
      outputs: [{ name: 'y', shape: [1, 3], type: 'tensor(float)' }],
      scale: 1,
    });
    const side = await targetOutputs(board)({ path: model, engine: {} });
    try {
      await expect(
        side.run({ ids: { type: 'float32', dims: [1, 3], data: new Float32Array(3) } }),
      ).rejects.toThrow(/input ids: expected int64, got float32/);
    } finally {
      await side.close();
    }
  });

  it('measures fidelity of two files there, each with its own settings', async () => {
    const base = await writeFakeModel(path.join(dir, 'base.onnx'), {
      inputs: [{ name: 'x', shape: ['N', 16], type: 'tensor(float)' }],
      outputs: [{ name: 'y', shape: ['N', 16], type: 'tensor(float)' }],
      scale: 1,
    });
    const scaled = await writeFakeModel(path.join(dir, 'scaled.onnx'), {
      inputs: [{ name: 'x', shape: ['N', 16], type: 'tensor(float)' }],
      outputs: [{ name: 'y', shape: ['N', 16], type: 'tensor(float)' }],
      scale: 1.5,
    });
    const open = targetOutputs(board);
    const same = await measureFidelity(
      {
        base: { path: base, engine: { executionProvider: 'cpu', graphOptLevel: 'disabled' } },
        optimized: { path: base, engine: { executionProvider: 'cpu', graphOptLevel: 'all' } },
        batch: 2,
        count: 3,
        seed: 4,
        asMeasured: true,
      },
      open,
    );
    expect(same.metrics).toMatchObject({ count: 3, identical: true, maxAbsErr: 0 });
    const differs = await measureFidelity(
      {
        base: { path: base, engine: { executionProvider: 'cpu' } },
        optimized: { path: scaled, engine: { executionProvider: 'cpu' } },
        batch: 1,
        count: 2,
        seed: 4,
        asMeasured: true,
      },
      open,
    );
    expect(differs.source).toBe('optimize.compareOutputs');
    expect(differs.metrics.identical).toBe(false);
    expect(differs.metrics.maxAbsErr).toBeGreaterThan(0);
    expect(differs.metrics.cosine).toBeCloseTo(1, 6); // the same direction, half as long again
  });

  it.skipIf(!torchThere)(
    'runs a torch definition there: the same seed, the same weights',
    async () => {
      const open = targetOutputs(board);
      const side = {
        path: 'zoo:squeezenet1_1?classes=3&input=1x3x32x32',
        engine: {},
        runner: { engine: 'torch/cpu', precision: 'fp32' as const, batch: 1, seed: 9 },
      };
      const outcome = await measureFidelity(
        {
          base: side,
          optimized: { ...side, runner: { ...side.runner, engine: 'torch' } },
          batch: 1,
          count: 2,
          seed: 3,
        },
        open,
      );
      expect(outcome.source).toBe('study');
      expect(outcome.metrics).toMatchObject({ count: 2, identical: true });
      const runner = await open(side);
      try {
        expect(runner.inputs).toEqual([{ name: 'input', type: 'float32', shape: [1, 3, 32, 32] }]);
        expect(runner.outputs).toEqual([{ name: 'output0', type: 'float32', shape: [1, 3] }]);
      } finally {
        await runner.close();
      }
    },
    120_000,
  );

  it('trtexec on a board without it is one line saying so; the study stores that as the record’s error', async () => {
    const model = path.join(dir, 'base.onnx');
    await expect(
      targetOutputs(board)({ path: model, engine: {}, runner: { engine: 'trtexec' } }),
    ).rejects.toThrow(/^trtexec not found: install TensorRT/);
    const outcome = await variantFidelity(
      {
        base: { path: model, engine: { executionProvider: 'cpu' } },
        optimized: { path: model, engine: {}, runner: { engine: 'trtexec', precision: 'fp16' } },
        batch: 1,
        count: 1,
        asMeasured: true,
      },
      { limits: { timeoutMs: 60_000 }, open: targetOutputs(board) },
    );
    const record = fidelityRecord(outcome, { variantId: 2, baselineVariantId: 1 }, board.name);
    expect(record).toMatchObject({ source: 'board', metrics: null });
    expect(record.error).toMatch(/^error: trtexec not found: install TensorRT/);
  });
});
