/**
 * A study over an opset-6 model: each round runs it upgraded in memory, the variant records it,
 * the optimizer upgrades before its recipes, and the report says what was measured. With
 * `opsetUpgrade: false` its variants fail with onnxruntime's reason and the hint.
 */
import path from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { attr, float32Tensor, type Model } from '../../src/onnx/ir.js';
import { saveModel } from '../../src/onnx/model-io.js';
import { recipeNotes } from '../../src/report/study-text.js';
import { openStore, type StudyStore } from '../../src/store/index.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { runStudy } from '../../src/study/run.js';
import { parseSpec } from '../../src/study/spec.js';
import { randomFloats } from '../optimize/helpers.js';
import { removeTempDirs, tempDir } from './tiny-model.js';

afterAll(removeTempDirs);
const stores: StudyStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const FAST =
  'stopRules: { warmupTimeMs: 10, warmupCount: 2, minTimeMs: 50, minCount: 10, maxTimeMs: 2000 }\ntelemetry: false';

async function writeOldModel(file: string): Promise<void> {
  const w = float32Tensor('w', [4, 3, 3, 3], randomFloats(108, 1, -0.5, 0.5));
  const b = float32Tensor('b', [4], randomFloats(4, 2));
  const model: Model = {
    irVersion: 3,
    opsetImports: [{ domain: '', version: 6 }],
    producerName: 'legacy',
    producerVersion: '0',
    domain: '',
    modelVersion: 1,
    docString: '',
    metadata: {},
    functions: [],
    graph: {
      name: 'old',
      nodes: [
        {
          name: 'conv',
          opType: 'Conv',
          domain: '',
          inputs: ['x', 'w'],
          outputs: ['c'],
          attributes: { kernel_shape: attr.ints([3, 3]) },
        },
        {
          name: 'add',
          opType: 'Add',
          domain: '',
          inputs: ['c', 'b'],
          outputs: ['s'],
          attributes: { broadcast: attr.int(1), axis: attr.int(1) },
        },
        { name: 'relu', opType: 'Relu', domain: '', inputs: ['s'], outputs: ['y'], attributes: {} },
      ],
      initializers: new Map([
        ['w', w],
        ['b', b],
      ]),
      inputs: [
        { name: 'x', dataType: 'float32', shape: [1, 3, 8, 8] },
        { name: 'w', dataType: 'float32', shape: [4, 3, 3, 3] },
        { name: 'b', dataType: 'float32', shape: [4] },
      ],
      outputs: [{ name: 'y', dataType: 'float32' }],
      valueInfo: [],
    },
  };
  await saveModel(model, file);
}

async function study(extra: string) {
  const dir = tempDir('edgebench-study-opset-');
  await writeOldModel(path.join(dir, 'old.onnx'));
  const store = await openStore(path.join(dir, 'store.db'));
  stores.push(store);
  const text = `name: old\nmodels: [old.onnx]\noptimized: [{ name: fused, recipes: [fuse] }]\nrounds: 1\n${FAST}\nfidelity: { count: 2 }\n${extra}`;
  const spec = parseSpec(text, 'test.yaml');
  return runStudy({ store, spec: { spec, source: 'test.yaml', baseDir: dir } });
}

it('runs an opset-6 model upgraded in memory, records it per variant and says so in the report', async () => {
  const { stored, status } = await study('');
  expect(status).toBe('finished');
  expect(stored.variants.every((v) => v.status === 'ok')).toBe(true);
  const baseline = stored.variants.find((v) => v.role === 'baseline')!;
  expect(baseline.settings.opsetUpgrade).toMatchObject({ from: 6, to: 7 });
  const fused = stored.variants.find((v) => v.label === 'fused')!;
  // The optimizer wrote an opset-7 file: that variant runs it as it is, and its notes say why.
  expect(fused.settings.opsetUpgrade).toBeUndefined();
  expect(String(fused.settings.notes)).toContain('upgraded ai.onnx opset 6 → 7');
  const measured = stored.measurements.find((m) => m.variantId === baseline.id)!;
  expect(measured.status).toBe('ok');
  expect(stored.fidelity.every((f) => f.error === null && f.metrics !== null)).toBe(true);
  const notes = recipeNotes(analyzeStudy(stored));
  expect(notes.some((n) => /old: upgraded in memory from ai\.onnx opset 6 to 7/.test(n))).toBe(true);
});

it('with opsetUpgrade: false, the variants fail with the reason and the hint', async () => {
  const { stored } = await study('opsetUpgrade: false\n');
  expect(stored.variants.every((v) => v.status === 'failed')).toBe(true);
  const reasons = stored.variants.map((v) => v.failure?.reason ?? '');
  expect(reasons.every((r) => /opset 6 .*no kernels for opset < 7/.test(r))).toBe(true);
  expect(reasons.every((r) => r.includes('opsetUpgrade: false'))).toBe(true);
});
