/** The compute rate: operations per inference over the median latency, and the fraction of the peak. */
import { describe, expect, it } from 'vitest';
import { CLOCK_SOURCES, type CpuInfo } from '../../src/host/host.js';
import { computeRate, countCompute } from '../../src/measure/compute.js';
import { rateAtMedian } from '../../src/measure/compute-schema.js';
import { saveModel } from '../../src/onnx/model-io.js';
import { tempDir } from '../helpers/temp.js';
import { voiceActivityModel } from '../helpers/tiny-models.js';

const avx2: CpuInfo = {
  model: 'test',
  logicalCores: 2,
  physicalCores: 2,
  architecture: 'x64',
  features: ['avx2', 'fma'],
  clock: { mhz: 2000, source: CLOCK_SOURCES.cpuinfo },
};

describe('compute rate', () => {
  it('divides the operations of one inference by the median latency', () => {
    const count = { flops: 4e9, integerOps: 0, unknownNodes: 0, notes: [] };
    const rate = computeRate(count, 20, { cpu: avx2, executionProvider: 'cpu', threads: 0 });
    // 4 GFLOP in 20 ms = 200 GFLOP/s; peak 2 × 2 GHz × 32 = 128 GFLOP/s… a test number, not a claim.
    expect(rate).toMatchObject({ unit: 'GFLOP/s', gflopsPerSec: 200, fractionOfPeak: 200 / 128 });
    expect(rate.peak?.formula).toMatch(
      /^2 cores × 2.00 GHz \(\/proc\/cpuinfo "cpu MHz", the clock when read\) × 32/,
    );
    expect(rateAtMedian(rate, 40)).toMatchObject({ gflopsPerSec: 100, fractionOfPeak: 100 / 128 });
  });
  it('reports integer-dominated work in GOP/s against the int8 peak', () => {
    const count = { flops: 1e9, integerOps: 9e8, unknownNodes: 0, notes: [] };
    const rate = computeRate(count, 10, { cpu: avx2, executionProvider: 'cpu', threads: 0 });
    expect(rate).toMatchObject({ unit: 'GOP/s', gflopsPerSec: 100 });
    expect(rate.peak).toMatchObject({ precision: 'int8', opsPerCycle: 64 });
  });
  it('has no peak for another execution provider', () => {
    const rate = computeRate({ flops: 1e9, integerOps: 0, unknownNodes: 0, notes: [] }, 1, {
      cpu: avx2,
      executionProvider: 'cuda',
      threads: 0,
    });
    expect(rate).toMatchObject({ peak: null, fractionOfPeak: null, gflopsPerSec: 1000 });
    expect(rate.peakAbsentReason).toMatch(/cuda execution provider; peaks are estimated for CPUs only/);
  });
  it('counts the graph that runs: the If branch the inputs select, at their shapes', async () => {
    const file = `${await tempDir()}/vad.onnx`;
    await saveModel(voiceActivityModel(), file);
    const shapes = { input: [1, 512], sr: [], h: [2, 1, 64], c: [2, 1, 64] };
    const sr = (rate: bigint) => ({ type: 'int64' as const, dims: [], data: BigInt64Array.of(rate) });
    const wide = await countCompute(file, shapes, { sr: sr(16000n) });
    // Two LSTM layers over 8 frames of 64: 2 × 8 × 4 × 64 × 128 MACs, + the 64-MAC head.
    expect(wide.flops).toBeGreaterThan(2 * (2 * 8 * 4 * 64 * 128 + 64));
    expect(wide.notes).toEqual(["If 'by_rate': counted then_branch (its condition is known: true)"]);
    const narrow = await countCompute(file, shapes, { sr: sr(8000n) });
    expect(narrow.flops).toBeLessThan(5000);
    expect(narrow.notes[0]).toMatch(/else_branch/);
  });
});
