/**
 * Reports of studies whose variants differ by more than the recipe (threads here): every sentence,
 * chart series and failure line must tell the variants apart. Also the CI header at the study's own
 * confidence, fidelity that is identical vs undefined, and rounds that disagree with the CI.
 */
import { describe, expect, it } from 'vitest';
import { studyCharts } from '../../src/report/charts.js';
import { renderCsv } from '../../src/report/csv.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyTable } from '../../src/report/study-table.js';
import {
  comparisonRows,
  failureLines,
  fidelityText,
  roundCautionLines,
} from '../../src/report/study-text.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { fakeStudy } from './fixture.js';
import { twoThreadStudy } from './study-fixtures.js';

describe('studies over several threads (or batches, scenarios)', () => {
  const analysis = analyzeStudy(twoThreadStudy());

  it('failure lines name the threads, so two failed variants do not read as one line twice', () => {
    expect(failureLines(analysis)).toEqual([
      'failed: squeezenet1_1 int8 (threads 1) (oom): round 1: ran out of JavaScript heap',
      'failed: squeezenet1_1 int8 (threads 2) (oom): round 1: ran out of JavaScript heap',
    ]);
  });

  it('charts draw one series per variant and threads, models in the tables’ order', () => {
    const charts = studyCharts(analysis);
    const speedup = charts.speedup as { data: { values: Array<{ model: string; variant: string }> } };
    const resnet = speedup.data.values.filter((v) => v.model === 'resnet18').map((v) => v.variant);
    expect(resnet).toEqual([
      'fused (threads 1)',
      'int8 (threads 1)',
      'fused (threads 2)',
      'int8 (threads 2)',
    ]);
    const distribution = charts.distribution as {
      data: { values: Array<{ variant: string }> };
      facet: { row: { sort: unknown } };
    };
    const series = new Set(distribution.data.values.map((v) => v.variant));
    expect(series.has('fp32 (threads 1)') && series.has('fp32 (threads 2)')).toBe(true);
    expect(distribution.facet.row.sort).toEqual(['resnet18', 'mobilenet_v2', 'squeezenet1_1']);
    const timeline = charts.timeline as { data: { values: Array<{ variant: string }> } };
    expect(new Set(timeline.data.values.map((v) => v.variant)).size).toBe(6);
    const fidelity = charts.fidelity as { data: { values: Array<{ variant: string }> } };
    expect(new Set(fidelity.data.values.map((v) => v.variant)).size).toBe(4);
  });
});

describe('figures and words of a study report', () => {
  it('the CI column is headed with the confidence the study used', () => {
    const stored = fakeStudy({ samplesPerRound: 40 });
    stored.study.spec = { rounds: 2, bootstrap: { resamples: 300, seed: 3, confidence: 0.9 } };
    const analysis = analyzeStudy(stored);
    expect(comparisonRows(analysis)[0]).toContain('90% CI');
    expect(comparisonRows(analysis)[0]).not.toContain('95% CI');
    expect(renderMarkdown(analysis)).toContain('| 90% CI |');
  });

  it('bit-identical outputs read as identical; an undefined SNR never does', () => {
    const stored = fakeStudy({ samplesPerRound: 40 });
    const undefinedSnr = stored.fidelity.find((f) => f.metrics?.snrDb === 27.5)!;
    undefinedSnr.metrics = {
      count: 8,
      maxAbsErr: 0.7,
      meanAbsErr: 0.2,
      cosine: null,
      snrDb: null,
      identical: false,
      top1Agreement: 0,
      top5Agreement: null,
    };
    const analysis = analyzeStudy(stored);
    const bad = analysis.comparisons.find((c) => c.fidelity === undefinedSnr)!;
    expect(fidelityText(bad)).toBe('cos —, max |Δ| 0.70, top-1 0%');
    // Records stored before `identical` existed: a null SNR meant identical outputs.
    const old = analysis.comparisons.find((c) => c.model === 'resnet18' && c.label === 'fused')!;
    expect(fidelityText(old)).toBe('identical outputs, top-1 100%');

    const csv = renderCsv(analysis).trim().split('\r\n');
    const header = csv[0].split(',');
    const snr = header.indexOf('fidelity_snr_db');
    const rowOf = (model: string, label: string) =>
      csv.find((l) => l.split(',')[1] === model && l.split(',')[2] === label)!.split(',');
    expect(rowOf(bad.model, bad.label)[snr]).toBe('');
    expect(rowOf('resnet18', 'fused')[snr]).toBe('inf');

    const fidelityChart = studyCharts(analysis).fidelity as {
      data: { values: Array<{ model: string; variant: string; label: string }> };
    };
    const labels = fidelityChart.data.values.map((v) => `${v.model} ${v.variant}: ${v.label}`);
    expect(labels).toContain(`${bad.model} ${bad.label}: SNR undefined`);
    expect(labels).toContain('resnet18 fused: identical');
  });

  it('a round that disagrees widens the CI; too few rounds get a caution line', () => {
    const stored = fakeStudy({ samplesPerRound: 80 });
    // resnet18 fused: round 2 of the optimized variant 1.5× slower than round 1.
    const fused = stored.variants.find((v) => v.model === 'resnet18' && v.label === 'fused')!;
    const round2 = stored.measurements.find((m) => m.variantId === fused.id && m.round === 2)!;
    round2.samplesMs = round2.samplesMs.map((x) => x * 1.5);
    const analysis = analyzeStudy(stored);
    const c = analysis.comparisons.find((x) => x.variantKey === fused.key)!;
    expect(c.roundSpeedups.map((r) => r.round)).toEqual([1, 2]);
    expect(c.roundSpeedups[0].speedup / c.roundSpeedups[1].speedup).toBeCloseTo(1.5, 1);
    // The bootstrap redraws rounds (paired), so its interval reaches both rounds' speedups.
    const [low, high] = c.estimate!.speedupCi;
    expect(low).toBeLessThanOrEqual(Math.min(...c.roundSpeedups.map((r) => r.speedup)) * 1.02);
    expect(high).toBeGreaterThanOrEqual(Math.max(...c.roundSpeedups.map((r) => r.speedup)) * 0.98);
    // Two rounds are too few for that interval to be quoted: every comparison gets a caution line.
    const lines = roundCautionLines(analysis);
    expect(lines).toHaveLength(analysis.comparisons.filter((x) => x.estimate).length);
    const line = lines.find((l) => l.startsWith('resnet18 fused'))!;
    expect(line).toMatch(
      /^resnet18 fused: measured in 2 rounds \(speedup per round: \d\.\d\d, \d\.\d\d\); its 95% CI cannot show how much separate runs differ: measure 3 or more rounds/,
    );
    expect(formatStudyTable(analysis)).toContain('caution: resnet18 fused');
    expect(renderMarkdown(analysis)).toContain('> Caution — resnet18 fused');
  });
});
