import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classIndexOfFolder, labelFor, parseLabels, readLabelsFile } from '../../src/pipelines/labels.js';
import {
  argmax,
  isDistribution,
  outputRows,
  softmax,
  toProbabilities,
  topK,
} from '../../src/pipelines/postprocess.js';

describe('softmax and top-k', () => {
  it('softmax is stable and sums to 1', () => {
    const p = softmax([1000, 1001, 1002]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(p[2]).toBeGreaterThan(p[1]);
    expect(isDistribution(p)).toBe(true);
    expect(isDistribution([0.5, 0.7])).toBe(false);
  });
  it('auto applies softmax only to logits', () => {
    const probs = Float32Array.from([0.25, 0.75]);
    expect(toProbabilities(probs, 'auto')).toBe(probs);
    expect(toProbabilities(Float32Array.from([2, -1]), 'auto')[0]).toBeCloseTo(0.9526, 3);
    expect(toProbabilities(Float32Array.from([2, -1]), 'off')[0]).toBe(2);
  });
  it('top-k returns the best classes in order, ties by index', () => {
    expect(topK([0.1, 0.5, 0.2, 0.5, 0.05], 3)).toEqual([
      { index: 1, score: 0.5 },
      { index: 3, score: 0.5 },
      { index: 2, score: 0.2 },
    ]);
    expect(topK([1, 2], 5).map((c) => c.index)).toEqual([1, 0]);
    expect(argmax([3, 9, 9])).toBe(1);
  });
  it('splits outputs into rows and checks the batch', () => {
    const rows = outputRows(
      { type: 'float32', dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      2,
    );
    expect(Array.from(rows[1])).toEqual([4, 5, 6]);
    expect(() => outputRows({ type: 'float32', dims: [1, 3], data: new Float32Array(3) }, 2)).toThrow(
      /batch of 2/,
    );
  });
});

describe('labels', () => {
  it('reads lines, JSON arrays and JSON objects', () => {
    expect(parseLabels('tench\ngoldfish\n\n')).toEqual(['tench', 'goldfish']);
    expect(parseLabels('["0","180"]')).toEqual(['0', '180']);
    expect(parseLabels('{"0": ["n01440764", "tench"], "2": "shark"}')).toEqual(['tench', 'class 1', 'shark']);
    expect(() => parseLabels('{"a": 1}')).toThrow(/indices/);
    expect(labelFor(7, ['a'])).toBe('class 7');
  });
  it('reads a labels file and names a missing one', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'edgebench-labels-'));
    const file = path.join(dir, 'labels.txt');
    await writeFile(file, 'red\ngreen\nblue\n');
    expect(await readLabelsFile(file)).toEqual(['red', 'green', 'blue']);
    await expect(readLabelsFile(path.join(dir, 'nope.txt'))).rejects.toThrow(/no such file/);
  });
  it('maps class folders to indices: labels, numbers, then sorted order', () => {
    const folders = ['cat', 'dog'];
    expect(classIndexOfFolder('dog', ['dog', 'cat'], folders)).toEqual({ index: 0, by: 'labels' });
    expect(classIndexOfFolder('3', undefined, folders)).toEqual({ index: 3, by: 'number' });
    expect(classIndexOfFolder('dog', undefined, folders)).toEqual({ index: 1, by: 'folder-order' });
  });
});
