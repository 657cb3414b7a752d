import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyTable } from '../../src/report/study-table.js';
import { epRows, failureLines } from '../../src/report/study-text.js';
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
