import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { planStudy, roundOrder } from '../../src/study/plan.js';
import { PRESETS, presetSpec } from '../../src/study/presets.js';
import { loadSpec, parseSpec, STUDY_STOP_RULES } from '../../src/study/spec.js';
import { removeTempDirs, tempDir } from './tiny-model.js';

afterAll(removeTempDirs);

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

const VALID = `name: demo
models:
  - zoo:resnet18?classes=2
  - { ref: ./det.onnx, name: det, shapes: { images: [1, 3, 64, 64] } }
optimized:
  - { name: fused, recipes: [fuse, ort-all] }
threads: [1, 2]
`;

describe('study spec', () => {
  it('fills defaults', () => {
    const spec = parseSpec(VALID, 'demo.yaml');
    expect(spec.name).toBe('demo');
    expect(spec.baseline).toEqual({ name: 'baseline', recipes: [], graphOptLevel: 'disabled' });
    expect(spec.optimized[0]).toEqual({ name: 'fused', recipes: ['fuse', 'ort-all'], graphOptLevel: 'all' });
    expect(spec.eps).toEqual(['cpu']);
    expect(spec.batches).toEqual([1]);
    expect(spec.scenarios).toEqual(['single-stream']);
    expect(spec.rounds).toBe(3);
    expect(spec.bootstrap).toEqual({ resamples: 2000, seed: 1, confidence: 0.95 });
  });

  it('reads JSON too', () => {
    const spec = parseSpec(
      JSON.stringify({ models: ['a.onnx'], optimized: [{ name: 'all', graphOptLevel: 'all' }], rounds: 2 }),
      'x.json',
    );
    expect(spec.rounds).toBe(2);
  });

  it('names the field, line and column of each error', () => {
    const wrongType = errorOf(() => parseSpec(VALID.replace('threads: [1, 2]', 'rounds: two'), 'demo.yaml'));
    expect(wrongType.message).toContain('demo.yaml:7:9: rounds: must be a number');
    const badRecipe = errorOf(() => parseSpec(VALID.replace('ort-all', 'ort-everything'), 'demo.yaml'));
    expect(badRecipe.message).toMatch(
      /demo\.yaml:6:\d+: optimized\[0\]\.recipes\[1\]: a recipe must be one of .*int8-static; got 'ort-everything'/,
    );
    const unknown = errorOf(() => parseSpec(`${VALID}round: 3\n`, 'demo.yaml'));
    expect(unknown.message).toContain("demo.yaml:8:1: (top level): unknown field 'round'");
    const nested = errorOf(() => parseSpec(`${VALID}stopRules:\n  minTime: 5\n`, 'demo.yaml'));
    expect(nested.message).toContain("demo.yaml:9:3: stopRules: unknown field 'minTime'");
    // …and what is allowed there, so the typo can be fixed without reading the docs.
    expect(unknown.message).toMatch(
      /unknown field 'round'; allowed here: name, description, models, .*rounds/,
    );
    expect(nested.message).toMatch(/unknown field 'minTime'; allowed here: warmupTimeMs, .*minTimeMs/);
    const missing = errorOf(() => parseSpec('models: [a.onnx]\n', 'm.yaml'));
    expect(missing.message).toMatch(/m\.yaml:1:1: optimized: is required/);
    const level = errorOf(() =>
      parseSpec('models: [a.onnx]\noptimized:\n  - name: x\n    graphOptLevel: max\n', 'l.yaml'),
    );
    expect(level.message).toContain(
      "l.yaml:4:20: optimized[0].graphOptLevel: graphOptLevel must be one of disabled, basic, extended, layout, all; got 'max'",
    );
  });

  it('reports an unknown zoo model at its line', () => {
    const e = errorOf(() => parseSpec(VALID.replace('zoo:resnet18', 'zoo:resnet19'), 'demo.yaml'));
    expect(e.message).toContain("demo.yaml:3:5: models[0]: unknown zoo model 'resnet19'; available:");
    const option = errorOf(() => parseSpec(VALID.replace('classes=2', 'colors=2'), 'demo.yaml'));
    expect(option.message).toContain(
      "demo.yaml:3:5: models[0]: zoo:resnet18?colors=2: unknown option 'colors'",
    );
  });

  it('refuses batches that contradict a model’s shapes, naming the model and both values', () => {
    const given = errorOf(() => parseSpec(`${VALID}batches: [2]\n`, 'demo.yaml'));
    expect(given.message).toMatch(
      /^invalid study spec: demo\.yaml:4:\d+: models\[1\]\.shapes\.images: model 'det': shapes images=1x3x64x64 fixes batch 1 but batches \[2\] asks for batch 2: make them agree \(batches: \[1\], or a leading dimension of 2\)$/,
    );
    expect(given.message).not.toContain('\n');
    const byDefault = errorOf(() =>
      parseSpec(VALID.replace('[1, 3, 64, 64]', '[4, 3, 64, 64]'), 'demo.yaml'),
    );
    expect(byDefault.message).toContain(
      "model 'det': shapes images=4x3x64x64 fixes batch 4 but batches (the default) [1] asks for batch 1",
    );
    // Agreeing values are fine, and the shape is what runs.
    const agreed = parseSpec(VALID.replace('[1, 3, 64, 64]', '[4, 3, 64, 64]').concat('batches: [4]\n'));
    const det = planStudy(agreed, { baseDir: '/data' }).variants.filter((v) => v.model === 'det');
    expect(det.every((v) => v.batch === 4 && v.settings.shapes?.images[0] === 4)).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    const e = errorOf(() => parseSpec('models: [a.onnx\noptimized: []\n', 'bad.yaml'));
    expect(e.message).toMatch(/^cannot read the study spec: bad\.yaml:\d+:\d+: /);
  });

  it('loads files and says when one is missing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'study.yaml');
    writeFileSync(file, VALID);
    const loaded = await loadSpec(file);
    expect(loaded.baseDir).toBe(dir);
    await expect(loadSpec(path.join(dir, 'nope.yaml'))).rejects.toThrow(/study spec not found/);
  });

  it('refuses stop rules whose minimum lies above its cap, naming the field', () => {
    const base = 'models: [zoo:resnet18]\noptimized: [{ name: o, recipes: [fuse] }]\n';
    const warm = errorOf(() => parseSpec(`${base}stopRules: { warmupTimeMs: 20000 }\n`, 's.yaml'));
    expect(warm.message).toMatch(
      /^invalid study spec: s\.yaml:3:\d+: stopRules\.warmupTimeMs: warmupTimeMs 20000 is above maxTimeMs 10000 \(the default\)/,
    );
    const min = errorOf(() =>
      parseSpec(`${base}stopRules: { minTimeMs: 5000, maxTimeMs: 2000 }\n`, 's.yaml'),
    );
    expect(min.message).toMatch(
      /stopRules\.minTimeMs: minTimeMs 5000 is above maxTimeMs 2000: a round would stop/,
    );
    const count = errorOf(() => parseSpec(`${base}stopRules: { minCount: 50, maxCount: 10 }\n`, 's.yaml'));
    expect(count.message).toMatch(/stopRules\.minCount: minCount 50 is above maxCount 10/);
    // No cap (0) and agreeing values pass.
    expect(parseSpec(`${base}stopRules: { minTimeMs: 50000, maxTimeMs: 0 }\n`).stopRules.minTimeMs).toBe(
      50000,
    );
  });

  it('validates the presets', () => {
    for (const name of Object.keys(PRESETS)) expect(presetSpec(name).spec.models.length).toBeGreaterThan(0);
    const paper = presetSpec('paper').spec;
    expect(paper.models).toHaveLength(11);
    expect(paper.models.filter((m) => String(m).endsWith('classes=2'))).toHaveLength(8);
    expect(paper.models.filter((m) => String(m).endsWith('classes=4'))).toHaveLength(3);
    expect(paper.baseline.graphOptLevel).toBe('disabled');
    expect(() => presetSpec('slow')).toThrow(/unknown preset 'slow'; presets are paper, quick, gpu/);
  });
});

describe('planning', () => {
  it('builds models × variants × axes, grouped for comparison', () => {
    const spec = parseSpec(VALID, 'demo.yaml');
    const plan = planStudy(spec, { baseDir: '/data' });
    expect(plan.models.map((m) => m.name)).toEqual(['resnet18', 'det']);
    expect(plan.models[1].ref).toBe('/data/det.onnx');
    expect(plan.variants).toHaveLength(2 * 2 * 2);
    expect(plan.groups).toHaveLength(2 * 2);
    const first = plan.variants[0];
    expect(first.key).toBe('resnet18|baseline|cpu|t1|b1|single-stream');
    expect(first.role).toBe('baseline');
    expect(first.settings.stopRules).toEqual(STUDY_STOP_RULES);
    const fused = plan.variants[1];
    expect(fused.baselineKey).toBe(first.key);
    expect(fused.groupKey).toBe(first.groupKey);
    expect(plan.variants.find((v) => v.model === 'det')?.settings.shapes).toEqual({ images: [1, 3, 64, 64] });
    expect(new Set(plan.variants.map((v) => v.key)).size).toBe(plan.variants.length);
  });

  it('refuses duplicate names and scenarios this build cannot run', () => {
    expect(() => planStudy(parseSpec('models: [a/m.onnx, b/m.onnx]\noptimized: [{ name: o }]\n'))).toThrow(
      /two models are both named 'm'/,
    );
    expect(() => planStudy(parseSpec('models: [m.onnx]\noptimized: [{ name: baseline }]\n'))).toThrow(
      /two variants are both named 'baseline'/,
    );
    expect(() =>
      planStudy(parseSpec('models: [m.onnx]\noptimized: [{ name: o }]\nscenarios: [server]\n')),
    ).toThrow(/scenarioSettings\.server: scenario server needs targetQps N/);
  });

  it('passes scenarios and their LoadGen settings through to the worker', () => {
    const plan = planStudy(
      parseSpec(
        'models: [m.onnx]\noptimized: [{ name: o }]\nscenarios: [single-stream, server]\nscenarioSettings: { server: { targetQps: 20, latencyBoundMs: 50 } }\n',
      ),
    );
    expect(plan.groups.map((g) => g.key)).toEqual(['m|cpu|t0|b1|single-stream', 'm|cpu|t0|b1|server']);
    expect(plan.variants[0].settings.scenario).toBeUndefined();
    expect(plan.variants[2].settings.scenario).toEqual({
      scenario: 'server',
      targetQps: 20,
      latencyBoundMs: 50,
    });
  });

  it('rotates the order each round', () => {
    expect(roundOrder(['A', 'B'], 1)).toEqual(['A', 'B']);
    expect(roundOrder(['A', 'B'], 2)).toEqual(['B', 'A']);
    expect(roundOrder(['A', 'B', 'C'], 3)).toEqual(['C', 'A', 'B']);
    expect(roundOrder([], 2)).toEqual([]);
  });
});

describe('a spec over several targets', () => {
  const SPEC = `models: ['zoo:squeezenet1_1?classes=2']
optimized: [{ name: fused, recipes: [fuse] }]
`;

  it('plans every variant on each target, each group compared within its target', () => {
    const plan = planStudy(parseSpec(`${SPEC}targets: [local, nano]\n`));
    expect(plan.variants.map((v) => v.key)).toEqual([
      'squeezenet1_1|baseline|cpu|t0|b1|single-stream@local',
      'squeezenet1_1|fused|cpu|t0|b1|single-stream@local',
      'squeezenet1_1|baseline|cpu|t0|b1|single-stream@nano',
      'squeezenet1_1|fused|cpu|t0|b1|single-stream@nano',
    ]);
    expect(plan.variants.map((v) => v.device)).toEqual(['local', 'local', 'nano', 'nano']);
    expect(plan.variants.map((v) => v.position)).toEqual([0, 1, 2, 3]);
    const fusedOnNano = plan.variants[3];
    expect(fusedOnNano.baselineKey).toBe('squeezenet1_1|baseline|cpu|t0|b1|single-stream@nano');
    // A group and its copy on the other target sit side by side (their rounds interleave).
    expect(plan.groups.map((g) => [g.key, g.target])).toEqual([
      ['squeezenet1_1|cpu|t0|b1|single-stream@local', 'local'],
      ['squeezenet1_1|cpu|t0|b1|single-stream@nano', 'nano'],
    ]);
  });

  it('keeps a one-target plan as it was (keys without a target)', () => {
    for (const targets of ['', 'targets: [nano]\n']) {
      const plan = planStudy(parseSpec(`${SPEC}${targets}`));
      expect(plan.variants.map((v) => v.key)).toEqual([
        'squeezenet1_1|baseline|cpu|t0|b1|single-stream',
        'squeezenet1_1|fused|cpu|t0|b1|single-stream',
      ]);
      expect(plan.variants.every((v) => v.device === undefined)).toBe(true);
    }
  });

  it('refuses a target named twice, or an empty list', () => {
    expect(errorOf(() => parseSpec(`${SPEC}targets: [nano, local, nano]\n`, 's.yaml')).message).toMatch(
      /s\.yaml:3:\d+: targets: targets must not repeat a target/,
    );
    expect(errorOf(() => parseSpec(`${SPEC}targets: []\n`)).message).toMatch(/list at least one target/);
  });
});
