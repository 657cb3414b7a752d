/**
 * `tune --target` on a board that runs edgebench itself (CLI, real sshd, the loopback "board" whose
 * account has Node and the `edgebench` command): builds and fidelity checks run here, every round
 * of every candidate is measured there by the board's edgebench, the leaderboard records the
 * target, and the winner is written here. The board has no trtexec, so no trtexec candidate.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/onnx/model-io.js';
import { compareOutputs } from '../../src/optimize/fidelity.js';
import { openStore } from '../../src/store/index.js';
import type { TuneRecord } from '../../src/study/tune-record.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { smallConvNet } from '../optimize/helpers.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

describe.skipIf(sshdSkipReason())('tune on a board with edgebench (CLI, real sshd)', () => {
  let sshd: TestSshd;
  let dir = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    sshd = await startSshd({ withNode: true });
    dir = await tempDir('edgebench-tune-board-');
    env = { EDGEBENCH_TARGETS: path.join(dir, 'targets.yaml') };
    const added = await runCli(
      ['target', 'add', 'orin', `ssh://${sshd.alias}`, '--ssh-config', sshd.sshConfig],
      { env },
    );
    expect(added.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('races the candidates on the board, records the target, and writes the winner here', async () => {
    const model = path.join(dir, 'conv.onnx');
    await saveModel(smallConvNet(1, 10, 16), model);
    const best = path.join(dir, 'best.onnx');
    const store = path.join(dir, 'store.db');
    const tune = await runCli(
      [
        'tune',
        model,
        '--target',
        'orin',
        '-o',
        best,
        '--store',
        store,
        '--space',
        'fp32,fuse',
        '--levels',
        'all',
        '--threads',
        '1',
        '--eps',
        'cpu',
        '--max-rounds',
        '2',
        '--min-rounds',
        '2',
        '--warmup-time',
        '0',
        '--min-time',
        '30',
        '--min-count',
        '5',
        '--count',
        '4',
        '--json',
      ],
      { env, timeoutMs: 240_000 },
    );
    expect(tune.code, tune.stderr).toBe(0);
    const record = JSON.parse(tune.stdout) as TuneRecord & { studyId: string };
    expect(record.outcome).toBe('winner');
    expect(record.leaderboard.map((e) => e.build).sort()).toEqual(['fp32', 'fuse']);
    // Both raced both rounds; a tie between the two is played off, both in every playoff round.
    for (const entry of record.leaderboard) {
      expect(entry).toMatchObject({ engine: 'ort', target: 'orin' });
      expect(entry.rounds).toBe(2 + (record.playoff?.rounds ?? 0));
    }
    expect(record.leaderboard.some((e) => e.engine === 'trtexec')).toBe(false);
    expect(record.notes.join('\n')).toMatch(/measured on orin .*; fidelity measured on this machine/);
    expect(record.winner!.commands.at(-1)).toMatch(/^edgebench run .* --target orin --ep cpu --threads 1 /);

    // Every round was measured on the board, by the board's edgebench.
    const opened = await openStore(store);
    try {
      const stored = await opened.loadStudy(record.studyId);
      expect(stored.measurements).toHaveLength(2 * (2 + (record.playoff?.rounds ?? 0)));
      for (const m of stored.measurements)
        expect(m.result?.target).toMatchObject({ name: 'orin', runner: 'edgebench (ort/cpu)' });
    } finally {
      await opened.close();
    }

    // The winner is written here, and is the model (or its fused copy): identical outputs.
    expect(record.winner!.output).toBe(best);
    expect(existsSync(best)).toBe(true);
    const fidelity = await compareOutputs(model, best, { count: 4 });
    expect(fidelity.outputs[0].snrDb === null || fidelity.outputs[0].snrDb > 60).toBe(true);
  }, 300_000);
});
