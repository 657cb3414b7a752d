/**
 * A small study measured on a board over SSH (CLI, real sshd, a board without Node and without
 * onnxruntime): the PyTorch baseline runs there with Debian's python3-torch; the onnxruntime variants
 * are skipped with the board's reason, and the study still finishes, every result naming the target.
 * Fidelity is measured there too: two torch variants' outputs, by the board's own torch.
 */
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const torchOnBoard = spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision']).status === 0;
const skip = sshdSkipReason() ?? (torchOnBoard ? undefined : "Debian's python3-torch is not installed");

describe.skipIf(skip)('study on a board over SSH (CLI, real sshd)', () => {
  let sshd: TestSshd;
  let dir = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('edgebench-study-remote-');
    env = { EDGEBENCH_TARGETS: path.join(dir, 'targets.yaml') };
    const added = await runCli(
      ['target', 'add', 'board', `ssh://${sshd.alias}`, '--ssh-config', sshd.sshConfig],
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

  it('measures the torch baseline there, skips what the board lacks, and records the target', async () => {
    const spec = path.join(dir, 'study.yaml');
    await writeFile(
      spec,
      `name: on-board
models: ['zoo:squeezenet1_1?classes=2&input=1x3x64x64']
optimized: [{ name: all, recipes: [], graphOptLevel: all }]
engines: [torch, ort]
rounds: 2
stopRules: { warmupTimeMs: 0, warmupCount: 1, minTimeMs: 0, minCount: 5, maxTimeMs: 5000 }
telemetry: false
fidelity: { enabled: false }
`,
    );
    const store = path.join(dir, 'store.db');
    const run = await runCli(
      ['study', spec, '--target', 'board', '--store', store, '--out', path.join(dir, 'report'), '--json'],
      { env, timeoutMs: 240_000 },
    );
    expect(run.stderr).toMatch(/ort\/cpu cannot run on board/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.study.spec.targets).toEqual(['board']);
    const opened = await openStore(store);
    const stored = await opened.loadStudy(report.study.id);
    await opened.close();
    const measured = stored.measurements.filter((m) => m.status === 'ok');
    expect(measured).toHaveLength(2); // the torch baseline, two rounds
    for (const m of measured) {
      expect(m.result?.target).toMatchObject({ name: 'board', runner: 'torch/cpu' });
      expect(m.result?.environment.host.node).toBe('none (agentless)');
    }
  }, 300_000);

  it('measures fidelity on the board: both sides by its torch, the record naming the target', async () => {
    const spec = path.join(dir, 'fidelity.yaml');
    await writeFile(
      spec,
      `name: fidelity-on-board
models: ['zoo:squeezenet1_1?classes=2&input=1x3x32x32']
optimized: [{ name: all, recipes: [], graphOptLevel: all }]
engines: [torch/cpu, torch]
rounds: 1
stopRules: { warmupTimeMs: 0, warmupCount: 1, minTimeMs: 0, minCount: 3, maxTimeMs: 5000 }
telemetry: false
fidelity: { enabled: true, count: 2 }
`,
    );
    const store = path.join(dir, 'fidelity.db');
    const run = await runCli(
      ['study', spec, '--target', 'board', '--store', store, '--out', path.join(dir, 'fidelity'), '--json'],
      { env, timeoutMs: 240_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    const opened = await openStore(store);
    const stored = await opened.loadStudy(report.study.id);
    await opened.close();
    expect(stored.fidelity).toHaveLength(1);
    const [record] = stored.fidelity;
    expect(record.error).toBeNull();
    expect(record.source).toBe('board: study');
    // The same definition, the same seed, the same device: the same outputs.
    expect(record.metrics).toMatchObject({ count: 2, identical: true, maxAbsErr: 0 });
  }, 300_000);
});
