/**
 * End to end: real worker processes measuring tiny generated models with very short stop rules.
 * Assertions are about what is stored and reported, never about how fast anything ran.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { renderStudyReport } from '../../src/report/study-report.js';
import { formatStudyDetails } from '../../src/report/study-table.js';
import { openStore, type StudyStore } from '../../src/store/index.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { runStudy, type StudyEvent } from '../../src/study/run.js';
import { parseSpec } from '../../src/study/spec.js';
import { removeTempDirs, tempDir, writeTinyModel } from './tiny-model.js';

afterAll(removeTempDirs);

const RULES = 'stopRules: { warmupTimeMs: 10, warmupCount: 2, minTimeMs: 50, minCount: 10, maxTimeMs: 2000 }';
/** Short rounds, no telemetry sampler (it costs start-up time in every worker). */
const FAST = `${RULES}\ntelemetry: false`;

const stores: StudyStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function setup(specText: (dir: string) => string) {
  const dir = tempDir('edgebench-study-');
  const store = await openStore(path.join(dir, 'store.db'));
  stores.push(store);
  const spec = parseSpec(specText(dir), 'test.yaml');
  return { dir, store, loaded: { spec, source: 'test.yaml', baseDir: dir } };
}

describe('runStudy', () => {
  it('measures baseline and optimized interleaved, stores every round, compares and checks fidelity', async () => {
    const { dir, store, loaded } = await setup((d) => {
      writeTinyModel('alpha', { width: 32, depth: 2, classes: 10 }, d);
      return `name: e2e\nmodels: [alpha.onnx]\noptimized:\n  - { name: all, recipes: [], graphOptLevel: all }\n  - { name: fused, recipes: [fuse] }\nrounds: 2\n${RULES}\ntelemetry: { intervalMs: 20, preRunChecks: false }\nfidelity: { count: 3 }\n`;
    });
    const events: StudyEvent[] = [];
    const outcome = await runStudy({ store, spec: loaded, onEvent: (e) => events.push(e) });
    expect(outcome.status).toBe('finished');
    const stored = outcome.stored;
    expect(stored.study.status).toBe('finished');
    expect(stored.variants).toHaveLength(3);
    expect(stored.variants.every((v) => v.status === 'ok')).toBe(true);
    expect(stored.measurements).toHaveLength(3 * 2);
    expect(stored.measurements.every((m) => m.status === 'ok' && m.samplesMs.length >= 10)).toBe(true);
    // Telemetry sampled beside each round is kept in its own column.
    expect(stored.measurements.every((m) => m.telemetry !== null && typeof m.telemetry === 'object')).toBe(
      true,
    );
    expect(stored.environment?.onnxruntime).toMatch(/^\d+\.\d+/);
    // Every round stores the operations of its graph; later rounds reuse the first round's count.
    for (const v of stored.variants) {
      const counts = stored.measurements
        .filter((m) => m.variantId === v.id)
        .map((m) => m.result?.compute?.flops);
      expect(counts[0]).toBeGreaterThan(0);
      expect(new Set(counts).size).toBe(1);
    }
    // The fused variant is a new file written by the optimizer into the work folder.
    const fused = stored.variants.find((v) => v.label === 'fused' && v.model === 'alpha')!;
    expect(fused.modelPath).toContain(path.join(dir, 'work', stored.study.id));
    expect(fused.modelSha256).toMatch(/^[0-9a-f]{64}$/);

    // Interleaved: within a model, rounds alternate variants (A B C, then B C A).
    const order = events
      .filter(
        (e): e is Extract<StudyEvent, { type: 'measurement-stored' }> => e.type === 'measurement-stored',
      )
      .filter((e) => e.variant.model === 'alpha')
      .map((e) => `${e.variant.label}${e.round}`);
    expect(order).toEqual(['baseline1', 'all1', 'fused1', 'all2', 'fused2', 'baseline2']);

    expect(stored.fidelity).toHaveLength(2);
    for (const f of stored.fidelity) {
      expect(f.error).toBeNull();
      expect(f.metrics!.cosine).toBeGreaterThan(0.9999);
      expect(f.metrics!.maxAbsErr).toBeLessThan(1e-3);
    }
    const sameFile = stored.fidelity.find(
      (f) => f.variantId === stored.variants.find((v) => v.label === 'all')!.id,
    );
    expect(sameFile?.source).toBe('study');
    expect(stored.fidelity.find((f) => f.variantId === fused.id)?.source).toBe('optimize.compareOutputs');

    const analysis = analyzeStudy(stored);
    expect(analysis.comparisons).toHaveLength(2);
    for (const c of analysis.comparisons) {
      expect(c.status).toBe('ok');
      const e = c.estimate!;
      expect(e.speedup).toBeCloseTo(c.baselineMedianMs! / c.optimizedMedianMs!, 9);
      expect(e.speedupCi[0]).toBeLessThanOrEqual(e.speedup);
      expect(e.speedupCi[1]).toBeGreaterThanOrEqual(e.speedup);
      expect(['faster', 'slower', 'no significant difference']).toContain(e.verdict);
    }
    expect(analysis.averages.map((a) => a.label).sort()).toEqual(['all', 'fused']);
    // Pooled samples = all rounds' samples.
    const alphaBase = analysis.variants.find((v) => v.variant.key.startsWith('alpha|baseline'))!;
    expect(alphaBase.rounds).toBe(2);
    expect(alphaBase.samplesMs.length).toBe(
      stored.measurements
        .filter((m) => m.variantId === alphaBase.variant.id)
        .reduce((n, m) => n + m.samplesMs.length, 0),
    );
  });

  it('records crashes, hangs, bad models and failed preparations as failed variants and goes on', async () => {
    const { store, loaded } = await setup((d) => {
      writeTinyModel('good', {}, d);
      writeTinyModel('crashy', {}, d);
      writeTinyModel('hangy', {}, d);
      writeFileSync(path.join(d, 'corrupt.onnx'), 'not a model at all');
      return `models: [good.onnx, crashy.onnx, hangy.onnx, corrupt.onnx]\noptimized:\n  - { name: opt, recipes: [ort-basic] }\nrounds: 2\ntimeoutMs: 5000\nfidelity: { enabled: false }\n${FAST}\n`;
    });
    const events: StudyEvent[] = [];
    const outcome = await runStudy({
      store,
      spec: loaded,
      onEvent: (e) => events.push(e),
      workerEnv: {
        EDGEBENCH_TEST_WORKER_FAULT: 'crash:benchmark crashy,hang:benchmark hangy,throw:prepareRecipeModel',
      },
    });
    expect(outcome.status).toBe('finished');
    // The progress counter: 8 variants × 2 rounds planned; failed rounds count as done and the rounds
    // failed variants do not take leave the total, so it runs 1…N without a gap and ends at N/N.
    expect(events.find((e) => e.type === 'study-started')).toMatchObject({ pendingMeasurements: 16 });
    const counted = events.flatMap((e) =>
      e.type === 'measurement-stored' || (e.type === 'variant-failed' && e.round !== null)
        ? [[e.index, e.total]]
        : [],
    );
    // good baseline: 2 rounds; crashy, hangy and corrupt baselines: round 1, failed.
    expect(counted.map(([i]) => i)).toEqual([1, 2, 3, 4, 5]);
    expect(counted.at(-1)).toEqual([5, 5]);
    const byKey = new Map(outcome.stored.variants.map((v) => [`${v.model}/${v.label}`, v]));
    expect(byKey.get('good/baseline')?.status).toBe('ok');
    expect(byKey.get('crashy/baseline')?.failure).toMatchObject({ kind: 'crash' });
    expect(byKey.get('crashy/baseline')?.failure?.reason).toMatch(
      /round 1: worker crashed \(signal SIGSEGV\)/,
    );
    expect(byKey.get('hangy/baseline')?.failure).toMatchObject({ kind: 'timeout' });
    expect(byKey.get('corrupt/baseline')?.failure).toMatchObject({ kind: 'error' });
    expect(byKey.get('corrupt/baseline')?.failure?.reason).toMatch(/not a valid ONNX model/);
    // Every optimized variant failed while its model was prepared.
    for (const name of ['good', 'crashy', 'hangy', 'corrupt'])
      expect(byKey.get(`${name}/opt`)?.failure).toMatchObject({ kind: 'prepare' });
    // A failed variant is not measured again in later rounds; the good one has all its rounds.
    const rounds = (key: string) =>
      outcome.stored.measurements.filter((m) => m.variantId === byKey.get(key)!.id).map((m) => m.status);
    expect(rounds('good/baseline')).toEqual(['ok', 'ok']);
    expect(rounds('crashy/baseline')).toEqual(['failed']);
    const analysis = analyzeStudy(outcome.stored);
    expect(analysis.comparisons.every((c) => c.status === 'failed' && c.reason)).toBe(true);
  });

  it('keeps the finished rounds of a variant killed from outside in a later round, marked incomplete', async () => {
    const { store, loaded } = await setup((d) => {
      writeTinyModel('k', {}, d);
      return `models: [k.onnx]\noptimized: [{ name: all, graphOptLevel: all }]\nrounds: 3\nfidelity: { enabled: false }\n${FAST}\n`;
    });
    const events: StudyEvent[] = [];
    const outcome = await runStudy({
      store,
      spec: loaded,
      onEvent: (e) => events.push(e),
      // Round 2 of every variant dies of a SIGKILL nobody in edgebench sent.
      workerEnv: { EDGEBENCH_TEST_WORKER_FAULT: 'sigkill:round 2' },
    });
    expect(outcome.status).toBe('finished');
    const { variants, measurements } = outcome.stored;
    for (const v of variants) {
      expect(v.status).toBe('ok');
      expect(v.failure?.kind).toMatch(/^(killed|oom)$/);
      expect(v.failure?.reason).toMatch(/^round 2: killed by SIGKILL /);
      expect(measurements.filter((m) => m.variantId === v.id).map((m) => [m.round, m.status])).toEqual([
        [1, 'ok'],
        [2, 'failed'],
      ]);
    }
    const failed = events.filter((e) => e.type === 'variant-failed');
    expect(failed).toHaveLength(2);
    for (const e of failed)
      expect(e).toMatchObject({ round: 2, incomplete: { rounds: 1, plannedRounds: 3 } });
    expect(failed.at(-1)).toMatchObject({ index: 4, total: 4 });

    const analysis = analyzeStudy(outcome.stored);
    for (const v of analysis.variants) {
      expect(v.failure).toBeNull();
      expect(v.incomplete).toMatchObject({ rounds: 1, plannedRounds: 3 });
      expect(v.rounds).toBe(1);
      expect(v.stats?.count).toBeGreaterThanOrEqual(10);
    }
    const [comparison] = analysis.comparisons;
    expect(comparison.status).toBe('ok');
    expect(comparison.estimate).not.toBeNull();
    expect(comparison.notes.join(' ')).toMatch(/all is incomplete: 1 of 3 rounds/);
    const table = formatStudyDetails(analysis);
    expect(table).toMatch(/incomplete: 1 of 3 rounds: k baseline, figures from the finished rounds; then /);
    expect(table).not.toMatch(/failed: k/);
    expect(await renderStudyReport(analysis, 'csv')).toMatch(/,incomplete,/);
  });

  it('stops on abort without storing the unfinished measurement, and resumes without re-measuring', async () => {
    const { store, loaded } = await setup((d) => {
      writeTinyModel('m1', {}, d);
      return `models: [m1.onnx]\noptimized: [{ name: fused, recipes: [fuse] }]\nrounds: 3\nfidelity: { enabled: false }\n${FAST}\n`;
    });
    const controller = new AbortController();
    let stored = 0;
    const first = await runStudy({
      store,
      spec: loaded,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'measurement-stored' && ++stored === 2) controller.abort();
      },
    });
    expect(first.status).toBe('interrupted');
    expect(first.stored.study.status).toBe('interrupted');
    expect(first.stored.measurements).toHaveLength(2);
    const keep = first.stored.measurements.map((m) => m.id);

    const events: StudyEvent[] = [];
    // The optimized model prepared before is reused as it is: preparing it again would fail here.
    const second = await runStudy({
      store,
      resume: true,
      onEvent: (e) => events.push(e),
      workerEnv: { EDGEBENCH_TEST_WORKER_FAULT: 'throw:prepareRecipeModel' },
    });
    expect(second.studyId).toBe(first.studyId);
    expect(second.status).toBe('finished');
    expect(events.find((e) => e.type === 'study-started')).toMatchObject({
      resumed: true,
      pendingMeasurements: 4,
    });
    expect(second.stored.measurements).toHaveLength(6);
    expect(second.stored.measurements.filter((m) => keep.includes(m.id))).toHaveLength(2);
    expect(second.stored.variants.every((v) => v.status === 'ok')).toBe(true);
    expect(second.stored.variants[1].modelSha256).toBe(first.stored.variants[1].modelSha256);

    // More rounds on resume extend the study.
    const third = await runStudy({ store, resume: first.studyId, rounds: 4 });
    expect(third.stored.measurements).toHaveLength(8);
    expect((third.stored.study.spec as { rounds: number }).rounds).toBe(4);
  });

  it('passes a LoadGen scenario through to the worker', async () => {
    const { store, loaded } = await setup((d) => {
      writeTinyModel('s', {}, d);
      return `models: [s.onnx]\noptimized: [{ name: all, graphOptLevel: all }]\nrounds: 1\nscenarios: [offline]\nscenarioSettings: { offline: { minDurationMs: 50, minSampleCount: 20, maxDurationMs: 3000 } }\nfidelity: { enabled: false }\n${FAST}\n`;
    });
    const { stored } = await runStudy({ store, spec: loaded });
    expect(stored.variants.map((v) => v.scenario)).toEqual(['offline', 'offline']);
    for (const m of stored.measurements) {
      expect(m.status).toBe('ok');
      expect(m.result?.scenario?.scenario).toBe('offline');
      expect(m.samplesMs.length).toBeGreaterThan(0);
    }
  });

  it('refuses an unknown model before creating a study', async () => {
    const { store, loaded } = await setup(() => 'models: [missing.onnx]\noptimized: [{ name: o }]\n');
    await expect(runStudy({ store, spec: loaded })).rejects.toThrow(/model file not found/);
    expect(await store.listStudies()).toEqual([]);
  });
});
