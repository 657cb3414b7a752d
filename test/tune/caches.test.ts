/**
 * What a tune keeps on disk between its builds and checks: the calibration statistics (every
 * method's ranges from one collection) and the reference's recorded outputs. Both must give exactly
 * what computing afresh gives, and must not open the model again when they have the answer.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { synthesizeTensor } from '../../src/inputs/synthetic.js';
import type { HostTensor, TensorInfo } from '../../src/onnx/tensor.js';
import { ModelRunner } from '../../src/optimize/ort-session.js';
import { calibrateRanges } from '../../src/optimize/quantize/calibration.js';
import type { OpenedOutputs, OpenOutputs } from '../../src/study/variants.js';
import { openRecorded } from '../../src/tune/reference-outputs.js';
import { mulberry32 } from '../../src/util/prng.js';
import { sensitiveModel } from './models.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgebench-caches-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function samples(count: number, seed: number): Record<string, HostTensor>[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => ({ x: synthesizeTensor('float32', [1, 16], random) }));
}

const TENSORS = ['x', 'h1', 'r1', 's', 'h2'].map((name) => ({ name, dataType: 'float32' as const }));

describe('the calibration cache', () => {
  it('gives every method the ranges a fresh calibration gives, and opens the model once for all', async () => {
    const dir = await tempDir();
    const model = sensitiveModel();
    const set = samples(6, 4);
    const opens = vi.spyOn(ModelRunner, 'create');
    for (const method of ['minmax', 'percentile', 'entropy'] as const) {
      opens.mockClear();
      const fresh = await calibrateRanges(model, TENSORS, set, { method, percentile: 90 });
      expect(opens).toHaveBeenCalledTimes(1);
      opens.mockClear();
      const cached = await calibrateRanges(model, TENSORS, set, { method, percentile: 90, cacheDir: dir });
      // The first cached call collects all three methods; the later ones only read the file.
      expect(opens).toHaveBeenCalledTimes(method === 'minmax' ? 1 : 0);
      expect(cached).toEqual(fresh);
    }
    // The methods really differ here, so reading the wrong one would have shown above.
    const minmax = await calibrateRanges(model, TENSORS, set, { method: 'minmax', cacheDir: dir });
    const percentile = await calibrateRanges(model, TENSORS, set, {
      method: 'percentile',
      percentile: 90,
      cacheDir: dir,
    });
    expect(minmax).not.toEqual(percentile);
    opens.mockRestore();
  });

  it('collects only the tensors it lacks, and keys on the samples, the weights and the settings', async () => {
    const dir = await tempDir();
    const model = sensitiveModel();
    const set = samples(4, 9);
    await calibrateRanges(model, TENSORS.slice(0, 2), set, { method: 'minmax', cacheDir: dir });
    const opens = vi.spyOn(ModelRunner, 'create');
    const all = await calibrateRanges(model, TENSORS, set, { method: 'minmax', cacheDir: dir });
    expect(opens).toHaveBeenCalledTimes(1);
    expect(all).toEqual(await calibrateRanges(model, TENSORS, set, { method: 'minmax' }));
    opens.mockClear();

    // Other samples, other weights, another percentile: each its own entry, computed afresh.
    const other = samples(4, 10);
    expect(await calibrateRanges(model, TENSORS, other, { method: 'minmax', cacheDir: dir })).toEqual(
      await calibrateRanges(model, TENSORS, other, { method: 'minmax' }),
    );
    const reweighted = sensitiveModel();
    const w1 = reweighted.graph.initializers.get('w1')!;
    (w1.data as Float32Array)[0] += 1;
    expect(await calibrateRanges(reweighted, TENSORS, set, { method: 'minmax', cacheDir: dir })).toEqual(
      await calibrateRanges(reweighted, TENSORS, set, { method: 'minmax' }),
    );
    expect(
      await calibrateRanges(model, TENSORS, set, { method: 'percentile', percentile: 90, cacheDir: dir }),
    ).toEqual(await calibrateRanges(model, TENSORS, set, { method: 'percentile', percentile: 90 }));
    opens.mockRestore();
    expect((await readdir(dir)).filter((f) => f.startsWith('calibration-'))).toHaveLength(4);
  });
});

/** A side that answers with its input doubled, counting how often it is opened and run. */
function countingOpener(): { open: OpenOutputs; opens: number; runs: number } {
  const io: TensorInfo[] = [{ name: 'x', type: 'float32', shape: [1, 4] }];
  const out: TensorInfo[] = [
    { name: 'y', type: 'float32', shape: [1, 4] },
    { name: 'k', type: 'int64', shape: [1] },
  ];
  const counts = {
    opens: 0,
    runs: 0,
    open: async (): Promise<OpenedOutputs> => {
      counts.opens++;
      return {
        inputs: io,
        outputs: out,
        async run(feeds, names) {
          counts.runs++;
          const x = feeds.x.data as Float32Array;
          const all: Record<string, HostTensor> = {
            y: { type: 'float32', dims: [1, 4], data: x.map((v) => v * 2) },
            k: { type: 'int64', dims: [1], data: BigInt64Array.of(BigInt(Math.round(x[0] * 100))) },
          };
          return names ? Object.fromEntries(names.map((n) => [n, all[n]])) : all;
        },
        close: async () => {},
      };
    },
  };
  return counts;
}

describe('the reference’s recorded outputs', () => {
  it('reads back bit for bit what the reference answered, without opening it again', async () => {
    const dir = await tempDir();
    const model = path.join(dir, 'reference.onnx');
    await writeFile(model, 'a model');
    const side = { path: model, engine: { graphOptLevel: 'disabled' as const } };
    const counter = countingOpener();
    const feeds = {
      x: { type: 'float32' as const, dims: [1, 4], data: Float32Array.of(0.1, -2, 3.5, 1e-7) },
    };

    const first = await openRecorded(side, dir, counter.open);
    const answered = await first.run(feeds);
    await first.close();
    expect(counter.opens).toBe(1);

    const second = await openRecorded(side, dir, counter.open);
    expect(second.outputs.map((o) => o.name)).toEqual(['y', 'k']);
    const replayed = await second.run(feeds);
    expect(counter.opens).toBe(1);
    expect(counter.runs).toBe(1);
    expect(replayed).toEqual(answered);
    expect(replayed.k.data).toBeInstanceOf(BigInt64Array);
    // Only the outputs asked for, kept apart from the full answer.
    expect(Object.keys(await second.run(feeds, ['k']))).toEqual(['k']);
    expect(counter.runs).toBe(2);

    // Another input set opens the reference (once) and is recorded too.
    const other = { x: { ...feeds.x, data: Float32Array.of(1, 2, 3, 4) } };
    expect((await second.run(other)).y.data).toEqual(Float32Array.of(2, 4, 6, 8));
    await second.close();
    expect(counter.opens).toBe(2);

    // Another level of the same file is another reference.
    const third = await openRecorded({ ...side, engine: { graphOptLevel: 'all' } }, dir, counter.open);
    await third.run(feeds);
    expect(counter.opens).toBe(3);
    await third.close();
  });
});
