import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyTable } from '../../src/report/study-table.js';
import { epRows, failureLines, frameworkAverageLines, frameworkRows } from '../../src/report/study-text.js';
import type { MeasurementRecord, StoredStudy, VariantRecord } from '../../src/store/types.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { fakeStudy } from './fixture.js';

/**
 * The fixture study measured on a second EP too: every variant on 'webgpu' runs 3× faster than on
 * the CPU, except squeezenet1_1, whose webgpu variants were skipped (the EP cannot run there).
 */
function twoEpStudy(): StoredStudy {
  const cpu = fakeStudy({ samplesPerRound: 60 });
  const variants: VariantRecord[] = [...cpu.variants];
  const measurements: MeasurementRecord[] = [...cpu.measurements];
  let nextId = Math.max(...cpu.variants.map((v) => v.id));
  for (const v of cpu.variants) {
    const skipped = v.model === 'squeezenet1_1';
    const gpu: VariantRecord = {
      ...v,
      id: ++nextId,
      key: v.key.replace('|cpu|', '|webgpu|'),
      groupKey: v.groupKey.replace('|cpu|', '|webgpu|'),
      baselineKey: v.baselineKey?.replace('|cpu|', '|webgpu|') ?? null,
      ep: 'webgpu',
      status: skipped ? 'failed' : v.status,
      failure: skipped
        ? {
            kind: 'unavailable',
            reason: "round 1: execution provider 'webgpu' cannot initialize here (no Vulkan)",
          }
        : v.failure,
    };
    variants.push(gpu);
    for (const m of cpu.measurements.filter((x) => x.variantId === v.id)) {
      if (skipped) continue;
      measurements.push({
        ...m,
        id: measurements.length + 1,
        variantId: gpu.id,
        samplesMs: m.samplesMs.map((x) => x / 3),
      });
    }
  }
  return { ...cpu, variants, measurements, fidelity: [] };
}

describe('studies over several execution providers', () => {
  const analysis = analyzeStudy(twoEpStudy());

  it('compare every variant on the other EP with the same variant on the CPU', () => {
    const ok = analysis.epComparisons.filter((c) => c.status === 'ok');
    // resnet18 and mobilenet_v2 × fp32, fused, int8 on webgpu, against their cpu twins.
    expect(ok.map((c) => `${c.model} ${c.label}`).sort()).toEqual(
      [
        'mobilenet_v2 fp32',
        'mobilenet_v2 fused',
        'mobilenet_v2 int8',
        'resnet18 fp32',
        'resnet18 fused',
        'resnet18 int8',
      ].sort(),
    );
    for (const c of ok) {
      expect(c.referenceEp).toBe('cpu');
      expect(c.ep).toBe('webgpu');
      expect(c.estimate!.speedup).toBeCloseTo(3, 1);
      expect(c.estimate!.speedupCi[0]).toBeLessThanOrEqual(c.estimate!.speedup);
      expect(c.estimate!.speedupCi[1]).toBeGreaterThanOrEqual(c.estimate!.speedup);
      expect(c.estimate!.verdict).toBe('faster');
    }
    const squeeze = analysis.epComparisons.filter((c) => c.model === 'squeezenet1_1');
    expect(squeeze.map((c) => c.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(squeeze[0].reason).toBe("execution provider 'webgpu' cannot initialize here (no Vulkan)");
  });

  it('the recipe comparisons of a skipped EP say skipped, not failed', () => {
    const skipped = analysis.comparisons.filter((c) => c.model === 'squeezenet1_1' && c.ep === 'webgpu');
    expect(skipped.map((c) => c.status)).toEqual(['skipped', 'skipped']);
    const cpuInt8 = analysis.comparisons.find(
      (c) => c.model === 'squeezenet1_1' && c.ep === 'cpu' && c.label === 'int8',
    );
    expect(cpuInt8?.status).toBe('failed');
  });

  it('reports show a by-EP table and one line for the variants skipped for the same reason', () => {
    const rows = epRows(analysis);
    expect(rows[0]).toEqual(['model', 'variant', 'cpu ms', 'webgpu ms', 'webgpu vs cpu', '95% CI']);
    const resnetFp32 = rows.find((r) => r[0] === 'resnet18' && r[1] === 'fp32')!;
    expect(resnetFp32[4]).toMatch(/^(2\.9\d|3\.0\d)×$/);
    const squeeze = rows.find((r) => r[0] === 'squeezenet1_1' && r[1] === 'fp32')!;
    expect(squeeze.slice(3)).toEqual(['skipped', '—', '—']);

    const lines = failureLines(analysis);
    expect(lines).toContain(
      "skipped 3 variants (squeezenet1_1 fp32 (webgpu), squeezenet1_1 fused (webgpu), squeezenet1_1 int8 (webgpu)): execution provider 'webgpu' cannot initialize here (no Vulkan)",
    );
    expect(lines.filter((l) => l.startsWith('failed: '))).toEqual([
      'failed: squeezenet1_1 int8 (oom): round 1: ran out of JavaScript heap',
    ]);

    expect(formatStudyTable(analysis)).toContain('by execution provider');
    expect(renderMarkdown(analysis)).toContain('## By execution provider');
    const json = JSON.parse(renderJson(analysis));
    expect(json.epComparisons).toHaveLength(9);
    expect(json.variants[0]).toHaveProperty('energy', null);
  });

  it('a single-EP study has no EP comparisons and no by-EP table', () => {
    const single = analyzeStudy(fakeStudy({ samplesPerRound: 40 }));
    expect(single.epComparisons).toEqual([]);
    expect(epRows(single)).toEqual([]);
    expect(formatStudyTable(single)).not.toContain('by execution provider');
  });
});

/**
 * The fixture study with PyTorch beside it: an engine group per model whose baseline, torch-cpu-fp32,
 * runs 2× slower than onnxruntime's fp32 variant.
 */
function withTorchStudy(): StoredStudy {
  const ort = fakeStudy({ samplesPerRound: 60 });
  const variants: VariantRecord[] = [...ort.variants];
  const measurements: MeasurementRecord[] = [...ort.measurements];
  let nextId = Math.max(...ort.variants.map((v) => v.id));
  for (const fp32 of ort.variants.filter((v) => v.label === 'fp32')) {
    const torch: VariantRecord = {
      ...fp32,
      id: ++nextId,
      key: `${fp32.model}|torch-cpu-fp32|torch/cpu|t0|b1|single-stream`,
      groupKey: `${fp32.model}|engines|t0|b1|single-stream`,
      label: 'torch-cpu-fp32',
      role: 'baseline',
      baselineKey: null,
      recipes: [],
      graphOptLevel: 'n/a',
      ep: 'torch/cpu',
    };
    variants.push(torch);
    for (const m of ort.measurements.filter((x) => x.variantId === fp32.id))
      measurements.push({
        ...m,
        id: measurements.length + 1,
        variantId: torch.id,
        samplesMs: m.samplesMs.map((x) => x * 2),
      });
  }
  return { ...ort, variants, measurements };
}

describe('studies with a PyTorch baseline beside onnxruntime', () => {
  const analysis = analyzeStudy(withTorchStudy());

  it('compare every onnxruntime variant with the torch baseline of its model', () => {
    const c = analysis.frameworkComparisons;
    expect(c).toHaveLength(9);
    const fp32 = c.find((x) => x.model === 'resnet18' && x.label === 'fp32')!;
    expect(fp32).toMatchObject({ referenceLabel: 'torch-cpu-fp32', referenceEp: 'torch/cpu', status: 'ok' });
    expect(fp32.estimate!.speedup).toBeCloseTo(2, 1);
    // fused is ~1.6× faster than fp32, so ~3.2× faster than torch.
    const fused = c.find((x) => x.model === 'mobilenet_v2' && x.label === 'fused')!;
    expect(fused.estimate!.speedup).toBeGreaterThan(2.9);
    expect(fused.estimate!.speedup).toBeLessThan(3.5);
    const failed = c.find((x) => x.model === 'squeezenet1_1' && x.label === 'int8')!;
    expect(failed.status).toBe('failed');
    // The torch variants are not EPs of the study.
    expect(analysis.epComparisons).toEqual([]);
  });

  it('reports show the framework table with averages per onnxruntime variant', () => {
    const rows = frameworkRows(analysis);
    expect(rows[0]).toEqual([
      'model',
      'framework',
      'framework ms',
      'variant',
      'variant ms',
      'speedup',
      'CI',
      '% speed improvement',
      'verdict',
    ]);
    expect(rows).toHaveLength(10);
    const lines = frameworkAverageLines(analysis);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^fp32 \(cpu, threads auto, batch 1\) vs torch-cpu-fp32: average over 3 models: \+\d+\.\d\d% speed improvement/,
    );
    expect(lines[2]).toMatch(/int8 .* average over 2 models: .*; 1 failed, skipped or missing left out$/);
    expect(formatStudyTable(analysis)).toContain('against the framework baseline');
    expect(renderMarkdown(analysis)).toContain('## Against the framework baseline');
    expect(JSON.parse(renderJson(analysis)).frameworkComparisons).toHaveLength(9);
  });
});
