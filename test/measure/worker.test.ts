/** Worker processes: every way a child can end becomes an outcome with a kind and a reason. */
import { afterAll, describe, expect, it } from 'vitest';
import {
  classifyOutsideKill,
  measureInWorker,
  readOomKillCounters,
  runInWorker,
  siblingModuleUrl,
} from '../../src/measure/worker.js';
import { removeTempDirs, writeTinyModel } from '../study/tiny-model.js';

afterAll(removeTempDirs);

const RULES = { warmupTimeMs: 5, warmupCount: 2, minTimeMs: 30, minCount: 10, maxTimeMs: 2000 };
const fault = (spec: string) => ({ env: { EDGEBENCH_TEST_WORKER_FAULT: spec } });

describe('worker processes', () => {
  it('runs benchmark() in a child and returns its full result', async () => {
    const model = writeTinyModel('ok');
    const outcome = await measureInWorker({ modelPath: model, modelName: 'ok', batch: 1, stopRules: RULES });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.value.samplesMs.length).toBeGreaterThanOrEqual(10);
    expect(outcome.value.stats.count).toBe(outcome.value.samplesMs.length);
    expect(outcome.value.model.name).toBe('ok');
  });

  it('classifies crash, exit, heap exhaustion, hang and thrown errors', async () => {
    const model = writeTinyModel('bad');
    const job = { modelPath: model, modelName: 'bad', batch: 1, stopRules: RULES };
    const [crash, exit, oom, hang, thrown] = await Promise.all([
      measureInWorker(job, fault('crash')),
      measureInWorker(job, fault('exit')),
      measureInWorker(job, { maxOldSpaceMb: 32, ...fault('oom') }),
      measureInWorker(job, { timeoutMs: 3000, ...fault('hang') }),
      measureInWorker(job, fault('throw')),
    ]);
    expect(crash).toMatchObject({ ok: false, kind: 'crash', reason: 'worker crashed (signal SIGSEGV)' });
    expect(exit).toMatchObject({ ok: false, kind: 'crash' });
    expect(!exit.ok && exit.reason).toMatch(/exited with code 3 without a result/);
    expect(oom).toMatchObject({
      ok: false,
      kind: 'oom',
      reason: 'ran out of JavaScript heap (--max-old-space-size=32)',
    });
    expect(hang).toMatchObject({ ok: false, kind: 'timeout' });
    expect(!hang.ok && hang.reason).toMatch(/no result after 3\.0 s/);
    expect(thrown).toMatchObject({ ok: false, kind: 'error', reason: 'injected failure (test)' });
  });

  it('reports a model the runtime cannot load as an error with its message', async () => {
    const outcome = await measureInWorker({ modelPath: new URL(import.meta.url).pathname, batch: 1 });
    expect(outcome).toMatchObject({ ok: false, kind: 'error' });
    expect(!outcome.ok && outcome.reason).toMatch(/not a valid ONNX model/);
  });

  it('stops the worker when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = measureInWorker(
      { modelPath: writeTinyModel('slow'), batch: 1 },
      { signal: controller.signal, ...fault('hang') },
    );
    setTimeout(() => controller.abort(), 300);
    expect(await pending).toMatchObject({ ok: false, kind: 'aborted' });
  });

  it('calls a function of another module in a child', async () => {
    const module = siblingModuleUrl(
      new URL('../../src/study/fidelity.ts', import.meta.url).href,
      './fidelity.js',
    );
    const outcome = await runInWorker<{ cosine: number }>({
      kind: 'call',
      module,
      export: 'outputFidelity',
      args: [[{ base: [1, 2], optimized: [1, 2], dims: [2] }]],
    });
    expect(outcome).toMatchObject({ ok: true, value: { cosine: 1, maxAbsErr: 0, snrDb: null } });
  });

  it('calls a SIGKILL it did not send "killed from outside", and out of memory only on evidence', async () => {
    const before = readOomKillCounters();
    const outcome = await measureInWorker(
      { modelPath: writeTinyModel('killed'), batch: 1, stopRules: RULES },
      fault('sigkill'),
    );
    const after = readOomKillCounters();
    const oomCounted =
      (after.cgroup?.count ?? 0) > (before.cgroup?.count ?? 0) ||
      (after.system?.count ?? 0) > (before.system?.count ?? 0);
    // On a machine whose kernel killed something for memory meanwhile, the evidence says oom.
    expect(outcome).toMatchObject({ ok: false, kind: oomCounted ? 'oom' : 'killed' });
    if (!oomCounted) {
      expect(!outcome.ok && outcome.reason).toMatch(/^killed by SIGKILL from outside \(not by edgebench; /);
      expect(!outcome.ok && outcome.reason).not.toMatch(/most likely|ran out of memory/);
    }
  });

  it('classifies an outside kill by the kernel counters it can read', () => {
    const counters = (cgroup?: number, system?: number) => ({
      ...(cgroup !== undefined ? { cgroup: { file: '/sys/fs/cgroup/x/memory.events', count: cgroup } } : {}),
      ...(system !== undefined ? { system: { file: '/proc/vmstat', count: system } } : {}),
    });
    expect(classifyOutsideKill(counters(2, 7), counters(3, 8))).toEqual({
      kind: 'oom',
      reason:
        "killed by SIGKILL from the kernel's out-of-memory killer (oom_kill in /sys/fs/cgroup/x/memory.events rose by 1 during the job)",
    });
    expect(classifyOutsideKill(counters(undefined, 7), counters(undefined, 9))).toMatchObject({
      kind: 'oom',
      reason: expect.stringContaining('oom_kill in /proc/vmstat rose by 2'),
    });
    expect(classifyOutsideKill(counters(2, 7), counters(2, 7))).toEqual({
      kind: 'killed',
      reason:
        'killed by SIGKILL from outside (not by edgebench; no out-of-memory kill was counted in /sys/fs/cgroup/x/memory.events or /proc/vmstat)',
    });
    expect(classifyOutsideKill({}, {})).toMatchObject({
      kind: 'killed',
      reason: expect.stringContaining('whether memory ran out is unknown'),
    });
  });
});
