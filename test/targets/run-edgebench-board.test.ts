/**
 * `run --target` on a board that runs edgebench itself (Node and the `edgebench` command on the
 * account's PATH, as on a JetPack 5/6 board): the model is copied there and the board's edgebench
 * measures it with its own onnxruntime; the result here names that runner.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

describe.skipIf(sshdSkipReason())('run on a board with edgebench (CLI, real sshd)', () => {
  let sshd: TestSshd;
  let dir = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    sshd = await startSshd({ withNode: true });
    dir = await tempDir('edgebench-node-board-');
    env = { EDGEBENCH_TARGETS: path.join(dir, 'targets.yaml') };
    const added = await runCli(
      ['target', 'add', 'orin', `ssh://${sshd.alias}`, '--ssh-config', sshd.sshConfig],
      {
        env,
      },
    );
    expect(added.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('measures an ONNX model with the board’s own edgebench', async () => {
    const model = path.join(dir, 'squeezenet.onnx');
    const exported = await runCli(
      ['zoo', 'export', 'squeezenet1_1', '-o', model, '--classes', '10', '--input', '1x3x64x64'],
      {
        env,
      },
    );
    expect(exported.code).toBe(0);
    const run = await runCli(
      [
        'run',
        model,
        '--target',
        'orin',
        '--min-count',
        '5',
        '--min-time',
        '0',
        '--warmup-time',
        '0',
        '--json',
        '-',
      ],
      { env, timeoutMs: 180_000 },
    );
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.target).toMatchObject({ name: 'orin', runner: 'edgebench (ort/cpu)', level: 'edgebench' });
    expect(result.samplesMs.length).toBeGreaterThanOrEqual(5);
    expect(result.model.outputs[0].shape).toEqual([1, 10]);
    expect(result.external.engineVersion).toMatch(/^onnxruntime \S+ \(edgebench \S+ on the device\)$/);
  }, 240_000);
});
