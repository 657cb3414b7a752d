// The long fuzz: many more seeded cases than `npm test` runs (test/fuzz/fuzz.test.ts), the same
// harness and checks. Prints a summary and every finding; exits 1 when any case broke the contract.
// Usage: npm run bench:fuzz [-- --cases 5000 --seed 7 --specs 200 --media 100]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { runFuzz } = await import('../test/fuzz/harness.ts');

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    specs: { type: 'string', default: '200' },
    media: { type: 'string', default: '100' },
    keep: { type: 'boolean', default: false },
  },
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'edgebench-fuzz-'));
const started = Date.now();
let done = 0;
const summary = await runFuzz({
  dir,
  seed: Number(values.seed),
  models: Number(values.cases),
  specs: Number(values.specs),
  media: Number(values.media),
  onCase: (c, _outcome, problems) => {
    done++;
    if (problems.length > 0)
      console.log(`FINDING ${c.name}\n  ${problems.join('\n  ')}\n  ${c.argv.join(' ')}`);
    if (done % 500 === 0) console.log(`${done} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  },
});
console.log(
  `fuzz: ${summary.cases} cases (seed ${values.seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(summary.byKind)}; outcomes ${JSON.stringify(summary.outcomes)}; ${summary.findings.length} findings`,
);
if (summary.findings.length > 0) {
  const report = path.join(dir, 'findings.json');
  writeFileSync(report, JSON.stringify(summary.findings, null, 1));
  console.log(`findings and the files that made them: ${report}`);
} else if (!values.keep) rmSync(dir, { recursive: true, force: true });
process.exitCode = summary.findings.length > 0 ? 1 : 0;
