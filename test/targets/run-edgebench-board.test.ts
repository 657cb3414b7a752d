/**
 * `run --target` on a board that runs edgebench itself (Node and the `edgebench` command on the
 * account's PATH, as on a JetPack 5/6 board): the model is copied there and the board's edgebench
 * measures it with its own onnxruntime; the result here names that runner. A study's fidelity is
 * measured there the same way: each side's outputs by the board's edgebench, on inputs sent from here.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
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

  it('measures a study’s fidelity with the board’s edgebench, the record naming the target', async () => {
    const spec = path.join(dir, 'study.yaml');
    await writeFile(
      spec,
      `name: fidelity-on-orin
models: ['zoo:squeezenet1_1?classes=4&input=1x3x32x32']
optimized: [{ name: fused, recipes: [fuse] }]
rounds: 1
stopRules: { warmupTimeMs: 0, warmupCount: 1, minTimeMs: 0, minCount: 3, maxTimeMs: 5000 }
telemetry: false
fidelity: { enabled: true, count: 2 }
`,
    );
    const store = path.join(dir, 'study.db');
    const run = await runCli(
      ['study', spec, '--target', 'orin', '--store', store, '--out', path.join(dir, 'report'), '--json'],
      { env, timeoutMs: 300_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    const opened = await openStore(store);
    const stored = await opened.loadStudy(report.study.id);
    await opened.close();
    expect(stored.fidelity).toHaveLength(1);
    const [record] = stored.fidelity;
    expect(record.error).toBeNull();
    expect(record.source).toBe('orin: optimize.compareOutputs');
    expect(record.metrics?.count).toBe(2);
    // Fusion reorders float arithmetic: the outputs agree closely, whether or not bit for bit.
    expect(record.metrics?.cosine).toBeGreaterThan(0.9999);
  }, 360_000);
});
