/**
 * A study over several engines (`engines: [torch, trtexec, ort]`) on a host without torch and without
 * an NVIDIA GPU: the torch and trtexec variants are skipped with the engine's reason, the ort ones are
 * measured, and the study finishes. trtexec is a fake executable (found, but it cannot run: no GPU).
 */
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, type StudyStore } from '../../src/store/index.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { planStudy, studyEngines } from '../../src/study/plan.js';
import { runStudy } from '../../src/study/run.js';
import { parseSpec } from '../../src/study/spec.js';
import { TORCH_PYTHON } from '../helpers/torch-python.js';
import { removeTempDirs, tempDir } from './tiny-model.js';

afterAll(removeTempDirs);

const stores: StudyStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const MODEL = 'zoo:squeezenet1_1?classes=2&input=1x3x64x64';
const SPEC = `name: engines
models: ['${MODEL}']
optimized: [{ name: all, recipes: [], graphOptLevel: all }]
rounds: 2
stopRules: { warmupTimeMs: 10, warmupCount: 2, minTimeMs: 30, minCount: 5, maxTimeMs: 2000 }
telemetry: false
fidelity: { enabled: false }
`;

describe('study engines: planning', () => {
  it('leaves the plan as it was when engines is absent or [ort]', () => {
    const without = planStudy(parseSpec(SPEC));
    const ortOnly = planStudy(parseSpec(`${SPEC}engines: [ort]\n`));
    expect(ortOnly.variants).toEqual(without.variants);
    expect(ortOnly.groups).toEqual(without.groups);
    expect(parseSpec(SPEC).engines).toBeUndefined();
  });

  it('makes torch the baseline and trtexec fp16 the optimized variant of the engine group', () => {
    const spec = parseSpec(`${SPEC}engines: [torch, trtexec, ort]\n`);
    expect(studyEngines(spec).external.map((e) => [e.engine, e.role, e.precision])).toEqual([
      ['torch', 'baseline', 'fp32'],
      ['trtexec', 'optimized', 'fp16'],
    ]);
    const plan = planStudy(spec);
    expect(plan.groups).toHaveLength(2);
    expect(plan.variants.map((v) => `${v.label}:${v.role}:${v.ep}`)).toEqual([
      'baseline:baseline:cpu',
      'all:optimized:cpu',
      'torch-fp32:baseline:torch',
      'trtexec-fp16:optimized:trtexec',
    ]);
    expect(plan.variants[3].baselineKey).toBe(plan.variants[2].key);
  });

  it('rejects unknown and repeated engines, naming the field', () => {
    expect(() => parseSpec(`${SPEC}engines: [tensorflow]\n`)).toThrow(
      /engines\[0\]: an engine must be one of/,
    );
    expect(() => parseSpec(`${SPEC}engines: [ort, ort]\n`)).toThrow(/must not repeat/);
  });
});

const gpuVisible = existsSync('/dev/nvidia0') || existsSync('/dev/nvhost-ctrl');
describe.skipIf(process.platform === 'win32' || gpuVisible)('study engines: torch and trtexec absent', () => {
  it('skips the torch and trtexec variants with their reasons and measures the ort ones', async () => {
    const dir = tempDir('edgebench-study-engines-');
    const store = await openStore(path.join(dir, 'store.db'));
    stores.push(store);
    // A trtexec that answers --help like TensorRT 8.5 (it never gets to build: no GPU here).
    const trtexec = path.join(dir, 'trtexec');
    await writeFile(
      trtexec,
      "#!/bin/sh\necho '&&&& RUNNING TensorRT.trtexec [TensorRT v8502] # trtexec --help'\necho '&&&& PASSED TensorRT.trtexec [TensorRT v8502] # trtexec --help'\n",
    );
    await chmod(trtexec, 0o755);
    const spec = parseSpec(`${SPEC}engines: [torch, trtexec, ort]\n`, 'test.yaml');
    const outcome = await runStudy({
      store,
      spec: { spec, source: 'test.yaml', baseDir: dir },
      workerEnv: { EDGEBENCH_PYTHON: path.join(dir, 'no-python3'), EDGEBENCH_TRTEXEC: trtexec },
    });
    expect(outcome.status).toBe('finished');
    const byLabel = new Map(outcome.stored.variants.map((v) => [v.label, v]));
    for (const label of ['baseline', 'all']) {
      expect(byLabel.get(label)?.status).toBe('ok');
      const v = byLabel.get(label)!;
      const ok = outcome.stored.measurements.filter((m) => m.variantId === v.id && m.status === 'ok');
      expect(ok).toHaveLength(2);
    }
    const torch = byLabel.get('torch-fp32')!;
    expect(torch.status).toBe('failed');
    expect(torch.failure?.kind).toBe('unavailable');
    expect(torch.failure?.reason).toMatch(/^skipped: torch cannot run here: .*no-python3/);
    const trt = byLabel.get('trtexec-fp16')!;
    expect(trt.status).toBe('failed');
    expect(trt.failure?.kind).toBe('unavailable');
    expect(trt.failure?.reason).toMatch(/^skipped: trtexec cannot run here: .*GPU/);
    // Reports say 'skipped' once: the comparison's reason is the engine's, without the prefix.
    const comparison = analyzeStudy(outcome.stored).comparisons.find((c) => c.label === 'trtexec-fp16')!;
    expect(comparison.status).toBe('skipped');
    expect(comparison.reason).toMatch(/^torch cannot run here: /);
  }, 120_000);
});

describe.skipIf(!TORCH_PYTHON)(
  `study engines: real PyTorch beside onnxruntime${TORCH_PYTHON ? '' : ' (skipped: no python3 here imports torch)'}`,
  () => {
    it('measures torch eager as the baseline and compares every onnxruntime variant with it', async () => {
      const dir = tempDir('edgebench-study-torch-');
      const store = await openStore(path.join(dir, 'store.db'));
      stores.push(store);
      const spec = parseSpec(`${SPEC}engines: [torch/cpu, ort]\n`, 'test.yaml');
      const outcome = await runStudy({
        store,
        spec: { spec, source: 'test.yaml', baseDir: dir },
        workerEnv: { EDGEBENCH_PYTHON: TORCH_PYTHON! },
      });
      expect(outcome.status).toBe('finished');
      const torch = outcome.stored.variants.find((v) => v.label === 'torch-cpu-fp32')!;
      expect(torch.status).toBe('ok');
      const analysis = analyzeStudy(outcome.stored);
      expect(analysis.frameworkComparisons.map((c) => [c.label, c.referenceLabel, c.status])).toEqual([
        ['baseline', 'torch-cpu-fp32', 'ok'],
        ['all', 'torch-cpu-fp32', 'ok'],
      ]);
      for (const c of analysis.frameworkComparisons) {
        expect(c.estimate!.speedup).toBeGreaterThan(0);
        expect(c.estimate!.speedupCi[0]).toBeLessThanOrEqual(c.estimate!.speedup);
      }
      // The same input shape on both engines.
      const torchRun = outcome.stored.measurements.find(
        (m) => m.variantId === torch.id && m.status === 'ok',
      )!;
      expect(torchRun.result?.config.effective.shapes).toEqual({ input: [1, 3, 64, 64] });
    }, 180_000);
  },
);
