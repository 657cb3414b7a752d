/**
 * Mixed precision by count: the search alone, then on a small generated graph with one deliberately
 * sensitive layer — real quantization, real onnxruntime, in this process (no workers).
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/onnx/model-io.js';
import { compareOutputs, int8SensitivityRanking, optimize } from '../../src/optimize/index.js';
import { budgetMetrics, evaluateBudget, parseBudget } from '../../src/tune/budget.js';
import { searchKeepCount } from '../../src/tune/mixed.js';
import { removeTempDirs, tempDir } from '../study/tiny-model.js';
import { sensitiveModel } from './models.js';

afterAll(removeTempDirs);

describe('searching the count of ops kept in float', () => {
  it('finds the smallest count that holds, galloping up from 1, in about 2·log2(k) probes', async () => {
    for (const [ranked, threshold] of [
      [1, 1],
      [2, 2],
      [9, 4],
      [100, 37],
      [250, 3],
      [250, 250],
    ]) {
      const { kept, probes } = await searchKeepCount(ranked, async (k) => k >= threshold);
      expect(kept).toBe(threshold);
      expect(probes.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(threshold)) + 1);
      expect(probes.find((p) => p.kept === threshold)?.holds).toBe(true);
      // Never a count far above the answer: a few ops in float are found without building many.
      expect(Math.max(...probes.map((p) => p.kept))).toBeLessThan(2 * threshold);
    }
  });

  it('finds a small count that holds even where fidelity is not monotone in the count', async () => {
    // Holds at 4 to 6 and from 200 on; worse between (a float op reading a re-quantized neighbour).
    const holds = async (k: number) => (k >= 4 && k <= 6) || k >= 200;
    const { kept, probes } = await searchKeepCount(248, holds);
    expect(kept).toBe(4);
    expect(probes.map((p) => p.kept)).toEqual([1, 2, 4, 3]);
  });

  it('says so when no count up to the cap holds', async () => {
    const { kept, probes } = await searchKeepCount(6, async () => false);
    expect(kept).toBeNull();
    expect(probes.map((p) => p.kept)).toEqual([1, 2, 4, 6]);
    expect((await searchKeepCount(0, async () => true)).kept).toBeNull();
    const capped = await searchKeepCount(100, async (k) => k >= 40, 16);
    expect(capped.kept).toBeNull();
    expect(Math.max(...capped.probes.map((p) => p.kept))).toBe(16);
  });
});

describe('mixed precision on a graph with one sensitive layer', () => {
  it('ranks the sensitive op first, and keeping just it in float meets a budget full int8 misses', async () => {
    const dir = tempDir('edgebench-mixed-');
    const model = path.join(dir, 'sensitive.onnx');
    await saveModel(sensitiveModel(), model);
    const { ranking, allQuantizedSnrDb } = await int8SensitivityRanking({ input: model });
    expect(ranking[0]).toBe('sensitive');
    expect([...ranking].sort()).toEqual(['m1', 'm3', 'sensitive']);
    expect(allQuantizedSnrDb).toBeLessThan(10);

    const budget = parseBudget('snr>=30db');
    const ordered = ranking;
    const builds: number[] = [];
    const holds = async (kept: number) => {
      builds.push(kept);
      const output = path.join(dir, `kept${kept}.onnx`);
      await optimize({
        input: model,
        output,
        recipes: 'fuse,int8-static',
        excludeNodes: ordered.slice(0, kept),
        fidelity: false,
      });
      const report = await compareOutputs(model, output, { count: 8 });
      return evaluateBudget(budget, budgetMetrics(report)).holds;
    };
    expect(await holds(0)).toBe(false);
    const search = await searchKeepCount(ordered.length, holds);
    expect(search.kept).toBe(1);
    expect(builds).not.toContain(3);
  });
});
