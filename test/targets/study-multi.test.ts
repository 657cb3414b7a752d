/**
 * A study over two targets, this machine and a board that runs edgebench (real sshd): every variant
 * is measured on each, rounds interleaved across them, speedups computed within each target, and the
 * report has a table per target. A target that cannot be reached stops the study before anything is
 * measured; a target lost mid-study stops only its own variants, and resuming measures what is left.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { TARGET_LOST } from '../../src/store/types.js';
import { runStudy, type StudyEvent } from '../../src/study/run.js';
import { parseSpec } from '../../src/study/spec.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { sshdSkipReason, startSshd, type TestSshd } from './sshd.js';

const SPEC = `name: two-targets
models: ['zoo:squeezenet1_1?classes=2&input=1x3x32x32']
optimized: [{ name: all, recipes: [], graphOptLevel: all }]
rounds: 2
stopRules: { warmupTimeMs: 0, warmupCount: 1, minTimeMs: 0, minCount: 5, maxTimeMs: 5000 }
telemetry: false
fidelity: { enabled: true, count: 1 }
`;

describe.skipIf(sshdSkipReason())('a study over two targets (real sshd, a board with edgebench)', () => {
  let sshd: TestSshd;
  let dir = '';
  let env: Record<string, string> = {};
  const previousTargets = process.env.EDGEBENCH_TARGETS;

  beforeAll(async () => {
    sshd = await startSshd({ withNode: true });
    dir = await tempDir('edgebench-study-multi-');
    env = { EDGEBENCH_TARGETS: path.join(dir, 'targets.yaml') };
    process.env.EDGEBENCH_TARGETS = env.EDGEBENCH_TARGETS;
    const added = await runCli(
      ['target', 'add', 'orin', `ssh://${sshd.alias}`, '--ssh-config', sshd.sshConfig],
      {
        env,
      },
    );
    expect(added.code).toBe(0);
    await writeFile(path.join(dir, 'study.yaml'), SPEC);
  }, 60_000);
  afterAll(async () => {
    if (previousTargets === undefined) delete process.env.EDGEBENCH_TARGETS;
    else process.env.EDGEBENCH_TARGETS = previousTargets;
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('measures every variant on each target, compared within it, a report table per target', async () => {
    const store = path.join(dir, 'both.db');
    const out = path.join(dir, 'report');
    const run = await runCli(
      [
        'study',
        path.join(dir, 'study.yaml'),
        '--target',
        'local',
        '--target',
        'orin',
        '--store',
        store,
        '--out',
        out,
        '--json',
      ],
      { env, timeoutMs: 300_000 },
    );
    expect(run.stderr).not.toMatch(/FAILED/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.study.spec.targets).toEqual(['local', 'orin']);

    const opened = await openStore(store);
    const stored = await opened.loadStudy(report.study.id);
    await opened.close();
    expect(stored.variants.map((v) => [v.label, v.device])).toEqual([
      ['baseline', 'local'],
      ['all', 'local'],
      ['baseline', 'orin'],
      ['all', 'orin'],
    ]);
    expect(stored.measurements.filter((m) => m.status === 'ok')).toHaveLength(8);
    const device = new Map(stored.variants.map((v) => [v.id, v.device]));
    for (const m of stored.measurements) {
      const where = device.get(m.variantId);
      expect(m.result?.config.requested.target).toBe(where);
      if (where === 'orin')
        expect(m.result?.target).toMatchObject({ name: 'orin', runner: 'edgebench (ort/cpu)' });
      else expect(m.result?.target).toBeUndefined();
    }
    // Interleaved: every variant's round 1 (on both targets) before any round 2.
    const order = [...stored.measurements].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    expect(order.map((m) => m.round)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    // Each target is a device of the study; fidelity is stored per target.
    expect(stored.devices?.map((d) => [d.device, d.agent])).toEqual([
      ['local', 'local'],
      ['orin', sshd.alias],
    ]);
    expect(stored.fidelity).toHaveLength(2);

    // Each comparison is within its target.
    const comparisons = report.comparisons as Array<{
      variantKey: string;
      baselineKey: string;
      device: string;
    }>;
    expect(comparisons.map((c) => [c.device, c.baselineKey.endsWith(`@${c.device}`)])).toEqual([
      ['local', true],
      ['orin', true],
    ]);
    const md = await readFile(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/^## Results on local \(/m);
    expect(md).toMatch(/^## Results on orin \(.*host /m);
  }, 360_000);

  it('stops before measuring anything when a target cannot be reached', async () => {
    const store = path.join(dir, 'unreachable.db');
    const run = await runCli(
      ['study', path.join(dir, 'study.yaml'), '--target', 'local,ssh://127.0.0.1:1', '--store', store],
      { env, timeoutMs: 60_000 },
    );
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/the study cannot start \(nothing was measured\): .*127\.0\.0\.1/);
    const opened = await openStore(store);
    expect(await opened.listStudies()).toEqual([]);
    await opened.close();
  }, 90_000);

  it('a target lost mid-study stops only its variants; resuming measures what is left there', async () => {
    const opened = await openStore(path.join(dir, 'lost.db'));
    let cutting: NodeJS.Timeout | undefined;
    const events: StudyEvent[] = [];
    try {
      const first = await runStudy({
        store: opened,
        spec: { spec: parseSpec(`${SPEC}targets: [local, orin]\n`), source: 'study.yaml', baseDir: dir },
        onEvent: (event) => {
          events.push(event);
          // The board drops off the network when its first round starts, and stays off (every
          // connection to it is cut) until its variants have stopped.
          if (event.type === 'measurement-started' && event.variant.device === 'orin' && !cutting)
            cutting = setInterval(() => {
              for (const pid of sshd.connectionPids()) process.kill(pid, 'SIGKILL');
            }, 50);
          if (event.type === 'variant-failed' && event.failure.kind === TARGET_LOST && cutting)
            clearInterval(cutting);
        },
      });
      clearInterval(cutting);
      expect(first.status).toBe('finished');
      const lost = first.stored.variants.filter((v) => v.failure?.kind === TARGET_LOST);
      expect(lost.map((v) => v.device)).toEqual(['orin', 'orin']);
      expect(lost[0].failure?.reason).toMatch(/^round 1: orin: .*--resume/);
      // This machine went on: both its variants, both rounds.
      const local = new Set(first.stored.variants.filter((v) => v.device === 'local').map((v) => v.id));
      const okHere = first.stored.measurements.filter((m) => local.has(m.variantId) && m.status === 'ok');
      expect(okHere).toHaveLength(4);
      // Nothing half-measured was stored for the board.
      expect(first.stored.measurements.filter((m) => !local.has(m.variantId))).toHaveLength(0);

      const resumed = await runStudy({ store: opened, resume: first.studyId });
      expect(resumed.stored.variants.every((v) => v.status === 'ok' && v.failure === null)).toBe(true);
      expect(resumed.stored.measurements.filter((m) => m.status === 'ok')).toHaveLength(8);
    } finally {
      clearInterval(cutting);
      await opened.close();
    }
  }, 420_000);
});
