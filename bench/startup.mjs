// CLI start-up: wall time of `edgebench --version`, `--help`, `run --help` and `env` against a bare
// `node -e 0`, median of interleaved runs. Usage: npm run bench:startup   (after npm run build)
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const RUNS = Number(process.argv[2] ?? 10);
const commands = {
  'node -e 0': ['-e', '0'],
  '--version': [CLI, '--version'],
  '--help': [CLI, '--help'],
  'run --help': [CLI, 'run', '--help'],
  'run --bogus (usage error)': [CLI, 'run', 'm.onnx', '--bogus'],
  env: [CLI, 'env'],
};
const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of Object.entries(commands)) {
    const t0 = performance.now();
    spawnSync(process.execPath, args, { stdio: 'ignore' });
    times[name].push(performance.now() - t0);
  }
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const base = median(times['node -e 0']);
console.log(
  `CLI start-up, median of ${RUNS} interleaved runs (${os.cpus()[0]?.model ?? 'CPU'}, ${os.cpus().length} CPUs)`,
);
for (const [name, v] of Object.entries(times)) {
  const m = median(v);
  console.log(`  ${name.padEnd(26)} ${(m / 1000).toFixed(3)} s   ${(m / base).toFixed(2)}× node -e 0`);
}
console.log('target: --version, --help and a usage error well under 0.3 s');
