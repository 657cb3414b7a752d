/** Fidelity when an output is all zeros: undefined figures are NaN, n/a in tables, null in JSON; never 0. */
import { describe, expect, it } from 'vitest';
import type { HostTensor } from '../../src/onnx/tensor.js';
import { OutputAccumulator, snrDb } from '../../src/optimize/fidelity.js';
import { formatFidelity, toJson } from '../../src/optimize/format.js';

const t = (...values: number[]): HostTensor => ({
  type: 'float32',
  dims: [1, values.length],
  data: Float32Array.from(values),
});

function report(acc: OutputAccumulator) {
  return { samples: 1, inputs: 'test samples', outputs: [acc.result()] };
}

describe('fidelity with all-zero outputs', () => {
  it('base all zeros, optimized not: cosine and SNR undefined (NaN), errors still exact', () => {
    const acc = new OutputAccumulator('y');
    acc.add(t(0, 0, 0), t(1e-38, 0, 0));
    const r = acc.result();
    expect(r.cosine).toBeNaN();
    expect(r.snrDb).toBeNaN();
    expect(r.maxAbsError).toBe(Math.fround(1e-38));
    const text = formatFidelity(report(acc));
    expect(text).toMatch(/y\s+1\.00e-38\s+\S+\s+n\/a\s+n\/a/);
    expect(text).not.toMatch(/0\.000000/);
    expect(text).toContain('n/a: undefined because an output is all zeros');
    const json = JSON.parse(toJson(report(acc)));
    expect(json.outputs[0].cosine).toBeNull();
    expect(json.outputs[0].snrDb).toBeNull();
  });

  it('optimized all zeros, base not: cosine undefined, SNR defined (0 dB: the error is the whole signal)', () => {
    const acc = new OutputAccumulator('y');
    acc.add(t(3, 4), t(0, 0));
    const r = acc.result();
    expect(r.cosine).toBeNaN();
    expect(r.snrDb).toBeCloseTo(0, 12);
    expect(formatFidelity(report(acc))).toMatch(/y\s+4\.0000\s+3\.5000\s+n\/a\s+0\.0\s/);
  });

  it('both all zeros: identical (cosine 1, SNR ∞)', () => {
    const acc = new OutputAccumulator('y');
    acc.add(t(0, 0), t(0, 0));
    expect(acc.result()).toMatchObject({ cosine: 1, snrDb: Infinity, maxAbsError: 0 });
    expect(formatFidelity(report(acc))).toMatch(/1\.000000\s+∞/);
    expect(formatFidelity(report(acc))).not.toContain('n/a');
  });

  it('the cosine mean skips samples where it is undefined', () => {
    const acc = new OutputAccumulator('y');
    acc.add(t(1, 0), t(1, 0)); // cosine 1
    acc.add(t(0, 0), t(0, 2)); // undefined: skipped
    acc.add(t(1, 0), t(0, 1)); // cosine 0 (orthogonal: a real, defined 0)
    const r = acc.result();
    expect(r.cosine).toBeCloseTo(0.5, 12);
    // Σ base² = 2, Σ err² = 0 + 4 + 2 = 6.
    expect(r.snrDb).toBeCloseTo(10 * Math.log10(2 / 6), 12);
  });

  it('NaN outputs: every figure NaN, printed NaN (not n/a)', () => {
    const acc = new OutputAccumulator('y');
    acc.add(t(1, 2), t(Number.NaN, 2));
    const r = acc.result();
    expect(r.cosine).toBeNaN();
    expect(r.snrDb).toBeNaN();
    expect(r.maxAbsError).toBeNaN();
    const text = formatFidelity(report(acc));
    expect(text).toMatch(/y\s+NaN\s+NaN\s+NaN\s+NaN/);
    expect(text).not.toContain('n/a');
  });

  it('snrDb: ∞ without noise, NaN (undefined) without signal, dB otherwise', () => {
    expect(snrDb(0, 0)).toBe(Infinity);
    expect(snrDb(5, 0)).toBe(Infinity);
    expect(snrDb(0, 1)).toBeNaN();
    expect(snrDb(100, 1)).toBeCloseTo(20, 12);
  });
});
