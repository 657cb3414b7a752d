/** Study rows carry the compute rate from the stored operations; older stores go without it. */
import { describe, expect, it } from 'vitest';
import { renderCsv } from '../../src/report/csv.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { formatStudyDetails, formatStudyTable } from '../../src/report/study-table.js';
import { analyzeStudy } from '../../src/study/compare.js';
import { fakeStudy } from './fixture.js';
import { withCompute } from './study-fixtures.js';

describe('compute rate in study reports', () => {
  it('is recomputed at the pooled median from the stored operations and peak', () => {
    const analysis = analyzeStudy(withCompute(fakeStudy({ samplesPerRound: 60 })));
    for (const v of analysis.variants) {
      if (!v.stats) {
        expect(v.compute).toBeNull();
        continue;
      }
      expect(v.compute?.gflopsPerSec).toBeCloseTo(1.8e9 / (v.stats.medianMs / 1000) / 1e9, 9);
      expect(v.compute?.fractionOfPeak).toBeCloseTo(v.compute!.gflopsPerSec / 400, 12);
    }
    const table = formatStudyTable(analysis);
    expect(table).toMatch(/optimized compute +optimized % of peak \(est\.\)/);
    expect(table).toMatch(/note: peak \(estimate\): 4 cores × 3\.13 GHz/);
    const resnetFused = analysis.variants.find(
      (v) => v.variant.model === 'resnet18' && v.variant.label === 'fused',
    )!;
    const cell = `${resnetFused.compute!.gflopsPerSec.toPrecision(3)} GFLOP/s`;
    expect(table).toContain(cell);
    expect(formatStudyDetails(analysis)).toMatch(/compute +% of peak \(est\.\)/);
    expect(renderMarkdown(analysis)).toContain('| optimized compute | optimized % of peak (est.) |');
    const csv = renderCsv(analysis).split('\r\n');
    const header = csv[0].split(',');
    const row = csv.find((line) => line.includes(',resnet18,fused,'))!.split(',');
    const col = (name: string) => row[header.indexOf(name)];
    expect(Number(col('compute_ops_per_inference'))).toBe(1.8e9);
    expect(col('compute_unit')).toBe('GFLOP/s');
    expect(Number(col('compute_rate'))).toBe(resnetFused.compute!.gflopsPerSec);
    expect(Number(col('peak_rate_estimated'))).toBe(400);
    expect(Number(col('fraction_of_peak_estimated'))).toBe(resnetFused.compute!.fractionOfPeak);
  });

  it('leaves the columns out for a store measured before the figure existed', () => {
    const analysis = analyzeStudy(fakeStudy({ samplesPerRound: 60 }));
    expect(analysis.variants.every((v) => v.compute === null)).toBe(true);
    expect(formatStudyTable(analysis)).not.toMatch(/compute|of peak/);
    expect(renderCsv(analysis).split('\r\n')[1]).toMatch(/,,,,,,,$/);
  });
});
