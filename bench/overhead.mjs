// Harness overhead: edgebench's timing loop vs a bare `session.run` loop, same model, same process.
// Prints per-iteration medians (µs) over interleaved rounds and their difference and ratio.
// Usage: npm run bench:overhead   (after npm run build)

import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { OrtEngine, ort } from '../dist/engines/ort.js';
import { reluProbeModel } from '../dist/engines/probe-model.js';
import { timeLoop } from '../dist/measure/loop.js';
import { medianSorted, sortedCopy } from '../dist/measure/stats.js';
import { resolveInputShape } from '../dist/workloads/shapes.js';
import { synthesizeInputs } from '../dist/workloads/synthetic.js';

const ROUNDS = 9;
const median = (values) => medianSorted(sortedCopy(values));

async function bareLoop(session, feeds, iterations) {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await session.run(feeds);
  return ((performance.now() - start) / iterations) * 1000;
}

async function harnessLoop(loaded, feeds, iterations) {
  const run = () => loaded.run(feeds);
  const start = performance.now();
  await timeLoop(run, {
    warmupTimeMs: 0,
    warmupCount: 0,
    minTimeMs: 0,
    minCount: iterations - 1,
    maxCount: iterations - 1,
    maxTimeMs: 0,
    relCi: 0,
  });
  return ((performance.now() - start) / iterations) * 1000;
}

async function nullLoop(iterations) {
  const run = async () => undefined;
  const raw = await timeLoop(run, {
    warmupTimeMs: 0,
    warmupCount: 0,
    minTimeMs: 0,
    minCount: iterations,
    maxCount: iterations,
    maxTimeMs: 0,
    relCi: 0,
  });
  return median(raw.samplesMs) * 1000;
}

async function compare(label, modelPath, iterations) {
  const engine = new OrtEngine();
  const loaded = await engine.load(modelPath, { intraOpThreads: 2, graphOptLevel: 'all' });
  const shapes = Object.fromEntries(loaded.inputs.map((i) => [i.name, resolveInputShape(i, {})]));
  const feeds = loaded.prepareFeeds(synthesizeInputs(loaded.inputs, shapes, 1));
  // The bare loop uses its own session with identical options, fed the same tensors.
  const { sessionOptions } = await import('../dist/engines/ort.js');
  const { DEFAULT_ORT_OPTIONS } = await import('../dist/engines/ort-options.js');
  const session = await ort().InferenceSession.create(
    modelPath,
    sessionOptions({ ...DEFAULT_ORT_OPTIONS, intraOpThreads: 2 }),
  );
  for (let i = 0; i < Math.min(iterations, 200); i++) await session.run(feeds);
  for (let i = 0; i < Math.min(iterations, 200); i++) await loaded.run(feeds);
  const bare = [];
  const ours = [];
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(await bareLoop(session, feeds, iterations));
    ours.push(await harnessLoop(loaded, feeds, iterations));
  }
  const b = median(bare);
  const o = median(ours);
  console.log(
    `${label.padEnd(28)} bare ${b.toFixed(2).padStart(9)} µs/iter   edgebench ${o.toFixed(2).padStart(9)} µs/iter   overhead ${(o - b).toFixed(2).padStart(6)} µs (${(((o - b) / b) * 100).toFixed(2)}%)   ratio ${(o / b).toFixed(4)}`,
  );
  await loaded.dispose();
  await session.release();
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'edgebench-overhead-'));
const tiny = path.join(dir, 'relu4.onnx');
await writeFile(tiny, reluProbeModel());
console.log(`harness overhead, ${ROUNDS} interleaved rounds, median of per-round means (CPU, 2 threads)`);
console.log(
  `null engine (loop + clock reads + await of a no-op): ${(await nullLoop(20000)).toFixed(2)} µs/iter (median sample)`,
);
await compare('tiny model (Relu, 4 floats)', tiny, 5000);
let larger;
try {
  const { resolveModel } = await import('../dist/zoo/resolve.js');
  larger = (await resolveModel('zoo:resnet18')).path;
} catch (error) {
  console.log(`larger model: zoo unavailable (${error.message}); build first`);
}
if (larger) await compare('zoo:resnet18 (1x3x224x224)', larger, 20);
console.log('targets: ≤ 2 µs per iteration on the tiny model, ≤ 1% on the larger one');
