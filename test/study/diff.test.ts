import { describe, expect, it } from 'vitest';
import { formatDiff } from '../../src/report/diff-table.js';
import type { StoredStudy } from '../../src/store/types.js';
import { diffStudies } from '../../src/study/diff.js';
import { fakeStudy } from '../report/fixture.js';
import { twoTargetStudy } from '../report/study-fixtures.js';

/** Study B: the fixture again, with resnet18 fused crashed in round 1 (no samples stored). */
function crashedInB(): StoredStudy {
  const b = fakeStudy({ samplesPerRound: 40 });
  b.study = { ...b.study, id: '20250102-000000-bbbb' };
  const fused = b.variants.find((v) => v.model === 'resnet18' && v.label === 'fused')!;
  const failure = { kind: 'crash', reason: 'round 1: worker exited with signal SIGSEGV' };
  fused.status = 'failed';
  fused.failure = failure;
  b.measurements = b.measurements.filter((m) => m.variantId !== fused.id);
  return b;
}

describe('diff of two stored studies', () => {
  const a = fakeStudy({ samplesPerRound: 40 });

  it('a variant measured in A that failed in B fails the regression gate', () => {
    const diff = diffStudies(a, crashedInB(), { failOnRegressionPct: 5, resamples: 300 });
    expect(diff.regressions.map((r) => r.key)).toEqual(['resnet18|fused|cpu|t0|b1|single-stream']);
    const text = formatDiff(diff);
    expect(text).toMatch(/resnet18\|fused\|cpu\|t0\|b1\|single-stream .*failed in B +REGRESSION/);
    // squeezenet1_1 int8 failed in both: nothing measured to regress from.
    expect(text).toMatch(/squeezenet1_1\|int8\S* .*failed in A and B\s*$/m);
    expect(diff.rows.find((r) => r.key.startsWith('squeezenet1_1|int8'))!.regression).toBe(false);
  });

  it('without a threshold nothing is a regression, and the same study shows no change', () => {
    expect(diffStudies(a, crashedInB(), { resamples: 300 }).regressions).toEqual([]);
    const same = diffStudies(a, a, { failOnRegressionPct: 1, resamples: 300 });
    expect(same.regressions).toEqual([]);
    for (const r of same.rows.filter((x) => x.status === 'both')) expect(r.changePct).toBe(0);
  });
});

describe('diff of two studies over several targets', () => {
  it('matches each variant on its own target, and the gate names the target that regressed', () => {
    const a = twoTargetStudy(3);
    // B: the same study, with the Nano 20% slower and this machine unchanged.
    const b = twoTargetStudy(3.6);
    b.study = { ...b.study, id: '20250102-000000-bbbb' };
    const diff = diffStudies(a, b, { failOnRegressionPct: 5, resamples: 300 });
    const both = diff.rows.filter((r) => r.status === 'both');
    expect(both.length).toBe(16); // 8 measured variants on each of 2 targets
    for (const r of both) {
      if (r.key.endsWith('@local')) expect(r.changePct).toBe(0);
      else expect(r.key.endsWith('@nano') && r.changePct! > 15).toBe(true);
    }
    expect(diff.regressions.length).toBe(8);
    expect(diff.regressions.every((r) => r.key.endsWith('@nano'))).toBe(true);
    expect(formatDiff(diff)).toMatch(/resnet18\|fp32\|cpu\|t0\|b1\|single-stream@nano .*REGRESSION/);
  });
});
