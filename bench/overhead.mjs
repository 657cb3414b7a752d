// Harness overhead and how the session is driven, same models, same process, interleaved rounds:
//   bare public   `await session.run(feeds)` on onnxruntime-node's public API (a setImmediate per call)
//   bare native   the native binding's synchronous run, as Python's `session.run` drives onnxruntime
//   edgebench     edgebench's timing loop over its engine (the native call where it can)
//   benchmark()   the whole `edgebench run` path: load, inputs, telemetry sampler, statistics
// Session options as a Python user would set them: 2 intra-op threads, level all, sequential.
// Prints per-iteration medians (µs) over the rounds and each path's ratio to the bare native loop.
// Usage: npm run bench:overhead   (after npm run build)

import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { timeLoop } from '../dist/core/loop.js';
import { medianSorted, sortedCopy } from '../dist/core/stats.js';
import { OrtEngine, ort, sessionOptions } from '../dist/engines/ort.js';
import { NativeSession } from '../dist/engines/ort-native.js';
import { DEFAULT_ORT_OPTIONS } from '../dist/engines/ort-options.js';
import { reluProbeModel } from '../dist/engines/probe-model.js';
import { synthesizeInputs } from '../dist/inputs/synthetic.js';
import { benchmark } from '../dist/measure/benchmark.js';
import { resolveInputShape } from '../dist/onnx/shapes.js';

const ROUNDS = 9;
const THREADS = 2;
const median = (values) => medianSorted(sortedCopy(values));
const fixedCount = (n) => ({
  warmupTimeMs: 0,
  warmupCount: 0,
  minTimeMs: 0,
  minCount: n,
  maxCount: n,
  maxTimeMs: 0,
  relCi: 0,
});

async function perIteration(iterations, step) {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await step();
  return ((performance.now() - start) / iterations) * 1000;
}

async function nullLoop(iterations) {
  const raw = await timeLoop(() => undefined, fixedCount(iterations));
  return median(raw.samplesMs) * 1000;
}

async function compare(label, modelPath, iterations, withBenchmark) {
  const options = sessionOptions({ ...DEFAULT_ORT_OPTIONS, intraOpThreads: THREADS, graphOptLevel: 'all' });
  const loaded = await new OrtEngine().open(modelPath, { intraOpThreads: THREADS, graphOptLevel: 'all' });
  const shapes = Object.fromEntries(loaded.inputs.map((i) => [i.name, resolveInputShape(i, {})]));
  const tensors = synthesizeInputs(loaded.inputs, shapes, 1);
  const feeds = loaded.prepareFeeds(tensors);
  const session = await ort().InferenceSession.create(modelPath, options);
  const native = NativeSession.create(modelPath, options);
  const paths = {
    'bare public': () => perIteration(iterations, () => session.run(feeds)),
    'bare native': () => perIteration(iterations, () => native.runSync(feeds)),
    edgebench: async () => {
      const run = loaded.runBlocking ? () => loaded.runBlocking(feeds) : () => loaded.run(feeds);
      const start = performance.now();
      await timeLoop(run, fixedCount(iterations - 1));
      return ((performance.now() - start) / iterations) * 1000;
    },
  };
  if (withBenchmark)
    paths['benchmark()'] = async () => {
      const result = await benchmark({
        modelPath,
        engine: { intraOpThreads: THREADS, graphOptLevel: 'all' },
        stopRules: fixedCount(iterations),
      });
      return result.stats.meanMs * 1000;
    };
  for (const step of Object.values(paths)) await step();
  const rounds = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++)
    for (const [k, step] of Object.entries(paths)) rounds[k].push(await step());
  const base = median(rounds['bare native']);
  console.log(label);
  for (const [k, values] of Object.entries(rounds)) {
    const m = median(values);
    console.log(
      `  ${k.padEnd(12)} ${m.toFixed(2).padStart(10)} µs/iter   ${(m - base).toFixed(2).padStart(8)} µs   ratio to bare native ${(m / base).toFixed(4)}`,
    );
  }
  await loaded.dispose();
  await session.release();
  await native.release();
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const isa = await import('node:fs/promises')
  .then((fs) => fs.readFile('/proc/cpuinfo', 'utf8'))
  .then((t) => [...new Set(t.match(/avx512_vnni|avx_vnni|amx_int8/g) ?? [])].join(' ') || 'no VNNI/AMX')
  .catch(() => 'ISA unknown');
console.log(
  `harness overhead, ${ROUNDS} interleaved rounds, median of per-round means (CPU, ${THREADS} threads)`,
);
console.log(`cpu: ${cpu} (${isa})`);
console.log(
  `null engine (loop + clock reads of a no-op call): ${(await nullLoop(20000)).toFixed(2)} µs/iter (median sample)`,
);
const dir = await mkdtemp(path.join(os.tmpdir(), 'edgebench-overhead-'));
const tiny = path.join(dir, 'relu4.onnx');
await writeFile(tiny, reluProbeModel());
await compare('tiny model (Relu, 4 floats)', tiny, 5000, false);
try {
  const { resolveModel } = await import('../dist/zoo/resolve.js');
  await compare('zoo:mobilenet_v2 (1x3x224x224)', (await resolveModel('zoo:mobilenet_v2')).path, 100, true);
  await compare('zoo:resnet18 (1x3x224x224)', (await resolveModel('zoo:resnet18')).path, 40, true);
} catch (error) {
  console.log(`larger models: zoo unavailable (${error.message}); build first`);
}
console.log(
  'targets: edgebench ≤ 2 µs per iteration over bare native on the tiny model, ≤ 1% on the larger ones',
);
