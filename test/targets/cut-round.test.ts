/**
 * A round on a board whose connection is cut mid-measurement (the server-side session killed): the
 * round is tried once more over a new connection and succeeds; cut again every time, it fails with
 * the connection's reason, and nothing half-measured comes back.
 */
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureOnTarget } from '../../src/measure/on-target.js';
import { addTarget } from '../../src/targets/config.js';
import { connectTarget, type TargetConnection } from '../../src/targets/sessions.js';
import { tempDir } from '../helpers/temp.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const skip =
  sshdSkipReason() ??
  (spawnSync('/usr/bin/python3', ['-c', 'import numpy']).status === 0 ? undefined : 'no numpy');

describe.skipIf(skip)('a round whose connection is cut (real sshd)', () => {
  let sshd: TestSshd;
  let dir = '';
  let target: TargetConnection;
  const request = {
    engine: 'torch/cpu',
    model: 'null',
    stopRules: { warmupTimeMs: 0, warmupCount: 1, minTimeMs: 1500, minCount: 10, maxTimeMs: 1500, relCi: 0 },
    telemetry: false as const,
  };

  beforeAll(async () => {
    sshd = await startSshd();
    dir = await tempDir('edgebench-cut-round-');
    const file = path.join(dir, 'targets.yaml');
    await addTarget('board', `ssh://${sshd.alias}`, { sshConfig: sshd.sshConfig, file });
    target = await connectTarget('board', { targetsFile: file });
  }, 60_000);
  afterAll(async () => {
    await target?.transport.close();
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cutWhenReady = (times: number) => {
    let cuts = 0;
    const lines: string[] = [];
    return {
      lines,
      onLog: (line: string) => {
        lines.push(line);
        if (/ready on/.test(line) && cuts < times) {
          cuts++;
          for (const pid of sshd.connectionPids()) process.kill(pid, 'SIGKILL');
        }
      },
    };
  };

  it('tries the round once more after a cut, over a new connection', async () => {
    const watch = cutWhenReady(1);
    const outcome = await measureOnTarget(target, request, undefined, watch.onLog);
    expect(watch.lines.some((l) => /trying the round once more/.test(l))).toBe(true);
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.value.target?.name).toBe('board');
  }, 90_000);

  it('fails the round with the reason when the connection is cut again', async () => {
    const outcome = await measureOnTarget(target, request, undefined, cutWhenReady(2).onLog);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.kind).toBe('error');
      expect(outcome.reason).toMatch(/^board: .*the connection was cut/);
    }
  }, 90_000);
});
