// Zoo export and inspect timings. Build first: npx tsc -p tsconfig.build.json
// Prints figures only; targets (export ≤ 3 s per model, inspect of a ≥ 500 MB model ≤ 10 s) are
// shown for reference and never fail the run.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '../dist/onnx/analysis.js';
import { loadModel, saveModel } from '../dist/onnx/model-io.js';
import { buildZooModel } from '../dist/zoo/build.js';
import { zooNames } from '../dist/zoo/registry.js';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = await mkdtemp(path.join(os.tmpdir(), 'edgebench-bench-zoo-'));
const seconds = (start) => ((performance.now() - start) / 1000).toFixed(2);
const mb = (bytes) => (bytes / 1e6).toFixed(1);

try {
  console.log(
    `zoo export (build + save), target ≤ 3 s each — ${os.cpus().length} CPUs, node ${process.version}`,
  );
  console.log('model                 build s  save s  total s     MB');
  for (const name of zooNames()) {
    const file = path.join(dir, `${name}.onnx`);
    const start = performance.now();
    const { model } = buildZooModel(name);
    const built = performance.now();
    await saveModel(model, file);
    const size = (await stat(file)).size;
    console.log(
      `${name.padEnd(20)}  ${((built - start) / 1000).toFixed(2).padStart(7)}  ${seconds(built).padStart(6)}  ${seconds(start).padStart(7)}  ${mb(size).padStart(6)}`,
    );
    if (name !== 'vgg16') await rm(file);
  }

  const big = path.join(dir, 'vgg16.onnx');
  const size = (await stat(big)).size;
  console.log(`\ninspect of vgg16 (${mb(size)} MB), target ≤ 10 s`);
  let start = performance.now();
  const model = await loadModel(big);
  const loaded = performance.now();
  const analysis = await analyzeModel(model);
  console.log(
    `library: load ${((loaded - start) / 1000).toFixed(2)} s + analyze ${seconds(loaded)} s (${analysis.parameters} parameters)`,
  );
  start = performance.now();
  const run = spawnSync(process.execPath, [cli, 'inspect', big, '--json'], { encoding: 'utf8' });
  console.log(`CLI: edgebench inspect --json ${seconds(start)} s wall (exit ${run.status})`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
