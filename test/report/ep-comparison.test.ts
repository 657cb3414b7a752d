import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, renderCsv } from '../../src/report/csv.js';
import { renderJson } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyTable } from '../../src/report/study-table.js';
import {
  epRows,
  failureLines,
  frameworkAverageLines,
  frameworkNoteLines,
  frameworkRows,
} from '../../src/report/study-text.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { fakeStudy } from './fixture.js';
import { GENERIC_BLAS, twoEpStudy, withTorchStudy } from './study-fixtures.js';

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
    // The framework's own warnings qualify the whole table: said once, with the models they concern.
    expect(frameworkNoteLines(analysis)).toEqual([
      `torch-cpu-fp32 (resnet18, mobilenet_v2, squeezenet1_1): ${GENERIC_BLAS}`,
    ]);
    expect(formatStudyTable(analysis)).toContain(
      `note: torch-cpu-fp32 (resnet18, mobilenet_v2, squeezenet1_1): ${GENERIC_BLAS}`,
    );
    expect(renderMarkdown(analysis)).toContain(`- Note — torch-cpu-fp32 (resnet18`);
    expect(formatStudyTable(analysis)).toContain('against the framework baseline');
    expect(renderMarkdown(analysis)).toContain('## Against the framework baseline');
    expect(JSON.parse(renderJson(analysis)).frameworkComparisons).toHaveLength(9);
  });
});

/** The CSV's cells by column name, one record per variant row. */
function csvRows(csv: string): Array<Record<string, string>> {
  const [header, ...rows] = csv.trim().split('\r\n');
  const columns = header.split(',');
  // No cell of these fixtures is quoted (no comma, quote or line break in them): split on commas.
  expect(csv).not.toContain('"');
  return rows.map((r) => {
    const cells = r.split(',');
    return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
  });
}

const CROSS_COLUMNS = [
  'reference_ep',
  'reference_ep_speedup',
  'reference_ep_speedup_ci_low',
  'reference_ep_speedup_ci_high',
  'reference_ep_verdict',
  'framework',
  'framework_speedup',
  'framework_speedup_ci_low',
  'framework_speedup_ci_high',
  'framework_verdict',
];

describe('CSV: the comparisons across groups', () => {
  it('appends the reference-EP and framework columns after the existing ones (the compute columns after them)', () => {
    const start = CSV_COLUMNS.indexOf('reference_ep');
    expect(CSV_COLUMNS.slice(start, start + CROSS_COLUMNS.length)).toEqual(CROSS_COLUMNS);
    expect(CSV_COLUMNS.indexOf('telemetry_warnings')).toBe(start - 1);
    expect(CSV_COLUMNS.indexOf('compute_ops_per_inference')).toBe(start + CROSS_COLUMNS.length);
    expect(CSV_COLUMNS.slice(0, 4)).toEqual(['study_id', 'model', 'variant', 'role']);
  });

  it('fills the reference-EP columns for variants on another EP, empty on the reference EP', () => {
    const analysis = analyzeStudy(twoEpStudy());
    const rows = csvRows(renderCsv(analysis));
    const row = (model: string, label: string, ep: string) =>
      rows.find((r) => r.model === model && r.variant === label && r.ep === ep)!;
    for (const label of ['fp32', 'fused', 'int8']) {
      const gpu = row('resnet18', label, 'webgpu');
      const c = analysis.epComparisons.find((x) => x.variantKey.startsWith(`resnet18|${label}|webgpu|`))!;
      expect(gpu.reference_ep).toBe('cpu');
      expect(Number(gpu.reference_ep_speedup)).toBe(c.estimate!.speedup);
      expect(Number(gpu.reference_ep_speedup)).toBeCloseTo(3, 1);
      expect(Number(gpu.reference_ep_speedup_ci_low)).toBe(c.estimate!.speedupCi[0]);
      expect(Number(gpu.reference_ep_speedup_ci_high)).toBe(c.estimate!.speedupCi[1]);
      expect(gpu.reference_ep_verdict).toBe('faster');
      // On the reference EP itself there is nothing to compare with.
      const cpu = row('resnet18', label, 'cpu');
      for (const col of CROSS_COLUMNS) expect(cpu[col]).toBe('');
    }
    // Skipped on the other EP: the reference is named, the figures are empty, the verdict says why.
    const skipped = row('squeezenet1_1', 'fp32', 'webgpu');
    expect(skipped.reference_ep).toBe('cpu');
    expect(skipped.reference_ep_speedup).toBe('');
    expect(skipped.reference_ep_verdict).toBe('skipped');
    // No framework in this study.
    expect(rows.every((r) => r.framework === '' && r.framework_speedup === '')).toBe(true);
  });

  it('fills the framework columns for every onnxruntime variant, empty for the framework itself', () => {
    const analysis = analyzeStudy(withTorchStudy());
    const rows = csvRows(renderCsv(analysis));
    const fp32 = rows.find((r) => r.model === 'resnet18' && r.variant === 'fp32')!;
    const c = analysis.frameworkComparisons.find((x) => x.model === 'resnet18' && x.label === 'fp32')!;
    expect(fp32.framework).toBe('torch-cpu-fp32');
    expect(Number(fp32.framework_speedup)).toBe(c.estimate!.speedup);
    expect(Number(fp32.framework_speedup)).toBeCloseTo(2, 1);
    expect(Number(fp32.framework_speedup_ci_low)).toBe(c.estimate!.speedupCi[0]);
    expect(Number(fp32.framework_speedup_ci_high)).toBe(c.estimate!.speedupCi[1]);
    expect(fp32.framework_verdict).toBe('faster');
    const failed = rows.find((r) => r.model === 'squeezenet1_1' && r.variant === 'int8')!;
    expect(failed.framework).toBe('torch-cpu-fp32');
    expect(failed.framework_speedup).toBe('');
    expect(failed.framework_verdict).toBe('failed');
    const torch = rows.filter((r) => r.variant === 'torch-cpu-fp32');
    expect(torch).toHaveLength(3);
    for (const r of torch) for (const col of CROSS_COLUMNS) expect(r[col]).toBe('');
    // A single-EP study: no reference-EP figures anywhere.
    expect(rows.every((r) => r.reference_ep === '')).toBe(true);
  });
});
