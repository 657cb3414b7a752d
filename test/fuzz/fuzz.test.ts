/**
 * A seeded fuzz of everything a user hands edgebench: mutated models through `inspect` and `run`,
 * mutated and hostile study specs, corrupt and odd media, and the holes an earlier fuzz found. Every
 * case must keep the error contract (harness.ts: exit 0 or 2, one `edgebench:` line on failure, no
 * internal error, no onnxruntime log line, no raw control character, no hang). Bounded to about a
 * minute here; `npm run bench:fuzz -- --cases 5000` runs a longer one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCases, checkOutcome, type Finding, runBuiltCli, runFuzz } from './harness.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'edgebench-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fixed: the same cases on every run and machine. */
const SEED = 20_261_206;
const MODELS = 1000;

function readable(findings: Finding[]): string[] {
  return findings.map(
    (f) =>
      `${f.case.name}: ${f.problems.join('; ')}\n  argv: ${f.case.argv.join(' ')}\n  stderr: ${f.stderr}`,
  );
}

describe('fuzz: bad input ends in one clean line, never an internal error or a hang', () => {
  it(`keeps the error contract over ${MODELS} mutated models, the hostile specs and corrupt media (in process)`, async () => {
    const summary = await runFuzz({
      dir: path.join(dir, 'in-process'),
      seed: SEED,
      models: MODELS,
      specs: 30,
      media: 20,
    });
    expect(readable(summary.findings)).toEqual([]);
    expect(summary.byKind.inspect + summary.byKind.run).toBeGreaterThanOrEqual(MODELS);
    expect(summary.byKind.study).toBeGreaterThanOrEqual(60);
    expect(summary.byKind['pipeline image']).toBeGreaterThanOrEqual(25);
    // Both outcomes occur: some mutations leave a usable model, most make it invalid.
    expect(summary.outcomes['exit 0']).toBeGreaterThan(20);
    expect(summary.outcomes['exit 2']).toBeGreaterThan(summary.cases / 2);
  }, 600_000);

  it('keeps it through the built CLI, where onnxruntime writes to the real stderr', async () => {
    const cases = (
      await buildCases({ dir: path.join(dir, 'built'), seed: SEED, models: 0, specs: 0, media: 0 })
    ).filter(
      (c) =>
        /kernel fails|Concat axis|binary bytes in names|no type|\/dev\/zero/.test(c.name) &&
        c.argv[0] !== 'study',
    );
    expect(cases.length).toBeGreaterThanOrEqual(5);
    const outcomes = await Promise.all(cases.map((c) => runBuiltCli(c)));
    const findings = cases.flatMap((c, i) => {
      const problems = checkOutcome(c, outcomes[i]);
      return problems.length > 0 ? [{ case: c, problems, stderr: outcomes[i].stderr }] : [];
    });
    expect(readable(findings)).toEqual([]);
  }, 300_000);
});
