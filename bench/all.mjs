// Runs every benchmark in turn (each prints its own figures; none passes or fails on a timing).
// Usage: npm run bench   (after npm run build)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BENCHES = [
  'startup.mjs',
  'overhead.mjs',
  'zoo.mjs',
  'telemetry.mjs',
  'optimize.mjs',
  'pipeline.mjs',
  'fuzz.mjs',
  'tune.mjs',
];

let failed = 0;
for (const file of BENCHES) {
  const script = fileURLToPath(new URL(`./${file}`, import.meta.url));
  if (!existsSync(script)) continue;
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`${file} exited with ${result.status ?? result.signal}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
