import { describe, expect, it } from 'vitest';
import type { FidelityReport } from '../../src/optimize/fidelity.js';
import {
  budgetMetrics,
  budgetText,
  checkBudgetFits,
  defaultBudget,
  evaluateBudget,
  parseBudget,
  parseBudgetClause,
} from '../../src/tune/budget.js';

const classifier = [{ name: 'logits', type: 'float32', shape: ['batch', 10] }];
const detector = [{ name: 'map', type: 'float32', shape: [1, 1, 64, 64] }];

function report(
  outputs: Partial<FidelityReport['outputs'][number]>[],
  accuracy?: FidelityReport['accuracy'],
) {
  return {
    samples: 8,
    inputs: 'test',
    outputs: outputs.map((o, i) => ({
      name: `out${i}`,
      maxAbsError: 0.01,
      meanAbsError: 0.001,
      cosine: 0.9999,
      snrDb: 35,
      ...o,
    })),
    ...(accuracy ? { accuracy } : {}),
  } satisfies FidelityReport;
}

describe('budget clauses', () => {
  it('reads every metric with its unit', () => {
    expect(parseBudgetClause('top1>=99%')).toEqual({ metric: 'top1', op: '>=', value: 0.99 });
    expect(parseBudgetClause('top-5 >= 0.995')).toEqual({ metric: 'top5', op: '>=', value: 0.995 });
    expect(parseBudgetClause('snr>=30db')).toEqual({ metric: 'snr', op: '>=', value: 30 });
    expect(parseBudgetClause('SNR>=30dB')).toEqual({ metric: 'snr', op: '>=', value: 30 });
    expect(parseBudgetClause('cos>=0.999')).toEqual({ metric: 'cos', op: '>=', value: 0.999 });
    expect(parseBudgetClause('cosine>0.9')).toEqual({ metric: 'cos', op: '>', value: 0.9 });
    expect(parseBudgetClause('maxabs<=1e-2')).toEqual({ metric: 'maxabs', op: '<=', value: 0.01 });
    expect(parseBudgetClause('meanabs<2.5E-4')).toEqual({ metric: 'meanabs', op: '<', value: 2.5e-4 });
    expect(parseBudgetClause('accuracy-drop<=1pt')).toEqual({ metric: 'accuracy-drop', op: '<=', value: 1 });
    expect(parseBudgetClause('acc-drop<=0.5')).toEqual({ metric: 'accuracy-drop', op: '<=', value: 0.5 });
  });

  it('splits a list and writes it back as given', () => {
    const budget = parseBudget(['snr>=30db, top1>=99%', 'maxabs<=1e-2']);
    expect(budget.source).toBe('given');
    expect(budgetText(budget)).toBe('snr>=30db, top1>=99%, maxabs<=0.01');
  });

  it('refuses what it cannot read, with what to write instead', () => {
    expect(() => parseBudgetClause('snr 30')).toThrow(
      /cannot read the budget clause 'snr 30': write METRIC>=VALUE/,
    );
    expect(() => parseBudgetClause('psnr>=30db')).toThrow(
      /unknown budget metric 'psnr'.*use top1, top5, snr/,
    );
    expect(() => parseBudgetClause('snr<=30db')).toThrow(/snr is a floor .*write snr>=30db/);
    expect(() => parseBudgetClause('maxabs>=1e-2')).toThrow(/maxabs is a ceiling .*write maxabs<=1e-2/);
    expect(() => parseBudgetClause('top1>=99')).toThrow(/top1 takes a percentage \(99%\) or a fraction/);
    expect(() => parseBudgetClause('snr>=30%')).toThrow(/snr takes decibels/);
    expect(() => parseBudgetClause('cos>=2')).toThrow(/cosine between -1 and 1/);
    expect(() => parseBudgetClause('accuracy-drop<=1db')).toThrow(/percentage points/);
    expect(() => parseBudgetClause('snr=30')).toThrow(/a budget is a bound/);
    expect(() => parseBudget(' , ')).toThrow(/the budget is empty/);
    expect(() => parseBudget('snr>=20db,snr>=30db')).toThrow(/bounds snr twice/);
  });
});

describe('the default budget and whether a budget fits the model', () => {
  it('bounds the SNR, and top-1 agreement for a classifier checked on real data', () => {
    expect(budgetText(defaultBudget(classifier, { realData: true }))).toBe('snr>=20db, top1>=99%');
    expect(budgetText(defaultBudget(classifier))).toBe('snr>=20db');
    expect(budgetText(defaultBudget(detector, { realData: true }))).toBe('snr>=20db');
    expect(defaultBudget(detector).source).toBe('default');
  });

  it('refuses top-1 on a detector and accuracy without labels', () => {
    expect(() => checkBudgetFits(parseBudget('top1>=99%'), detector, { model: 'det.onnx' })).toThrow(
      /top1>=99% needs a classifier output \(\[N, classes\]\) and det.onnx has none \(map \[1, 1, 64, 64\]\)/,
    );
    expect(() => checkBudgetFits(parseBudget('accuracy-drop<=1pt'), classifier, { model: 'm' })).toThrow(
      /needs a labelled folder: give --labels DIR/,
    );
    const fourClasses = [{ name: 'p', type: 'float32', shape: [1, 4] }];
    expect(() => checkBudgetFits(parseBudget('top5>=99%'), fourClasses, { model: 'm' })).toThrow(
      /at least 5 classes/,
    );
    expect(() =>
      checkBudgetFits(parseBudget('accuracy-drop<=1pt,top1>=99%'), classifier, { model: 'm', labels: '/x' }),
    ).not.toThrow();
  });
});

describe('evaluating a candidate', () => {
  it('takes the worst output of a multi-output model', () => {
    const m = budgetMetrics(
      report([
        { snrDb: 40, cosine: 0.99999, maxAbsError: 0.001, top1Agreement: 1 },
        { snrDb: 22, cosine: 0.999, maxAbsError: 0.2 },
      ]),
    );
    expect(m.snrDb).toBe(22);
    expect(m.cosine).toBe(0.999);
    expect(m.maxAbsErr).toBe(0.2);
    expect(m.top1Agreement).toBe(1);
    const verdict = evaluateBudget(parseBudget('snr>=30db,maxabs<=0.1,top1>=99%'), m);
    expect(verdict.holds).toBe(false);
    expect(verdict.failures).toEqual(['snr 22.0 dB < 30.0 dB', 'maxabs 2.00e-1 > 1.00e-1']);
    expect(verdict.shortfall).toBeGreaterThan(0);
    expect(evaluateBudget(parseBudget('snr>=20db'), m)).toEqual({ holds: true, failures: [], shortfall: 0 });
  });

  it('counts identical outputs as an infinite SNR and an undefined one as a miss', () => {
    const identical = budgetMetrics(
      report([{ snrDb: Infinity, maxAbsError: 0, meanAbsError: 0, cosine: 1 }]),
    );
    expect(identical.identical).toBe(true);
    expect(evaluateBudget(parseBudget('snr>=200db,maxabs<=0'), identical).holds).toBe(true);
    const undefinedSnr = budgetMetrics(report([{ snrDb: Number.NaN, cosine: Number.NaN }]));
    const verdict = evaluateBudget(parseBudget('snr>=20db,cos>=0.9'), undefinedSnr);
    expect(verdict.holds).toBe(false);
    expect(verdict.failures[0]).toMatch(/^snr undefined \(a base output is all zeros/);
    expect(verdict.failures[1]).toMatch(/^cos undefined/);
  });

  it('reads the accuracy drop in points from a labelled report', () => {
    const m = budgetMetrics(
      report([{ top1Agreement: 0.97 }], {
        samples: 40,
        classes: 2,
        base: 0.95,
        optimized: 0.925,
        deltaPoints: -2.5,
      }),
    );
    expect(m.accuracy?.dropPoints).toBeCloseTo(2.5);
    expect(evaluateBudget(parseBudget('accuracy-drop<=1pt'), m).failures).toEqual([
      'accuracy-drop 2.50 pt > 1.00 pt',
    ]);
    expect(evaluateBudget(parseBudget('accuracy-drop<=3pt'), m).holds).toBe(true);
  });

  it('ranks the closer of two failures lower', () => {
    const budget = parseBudget('snr>=30db');
    const near = evaluateBudget(budget, budgetMetrics(report([{ snrDb: 28 }])));
    const far = evaluateBudget(budget, budgetMetrics(report([{ snrDb: 12 }])));
    expect(near.shortfall).toBeLessThan(far.shortfall);
  });
});
