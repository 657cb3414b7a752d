/**
 * `edgebench run` refuses contradictory or useless flags before measuring (one line, exit 2),
 * and records only the flags the user gave as `config.requested`.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/inputs/npy.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { writeFixtureModels } from '../helpers/tiny-models.js';

// Short stop rules: these tests check behaviour and results, never timings.
const FAST = ['--warmup-time', '0', '--warmup-count', '1', '--min-time', '0', '--min-count', '5'];
const NO_TELEMETRY = ['--telemetry-interval', '0', '--threads', '1'];

let dir: string;
let models: Awaited<ReturnType<typeof writeFixtureModels>>;
let x3: string;

beforeAll(async () => {
  dir = await tempDir();
  models = await writeFixtureModels(dir);
  x3 = path.join(dir, 'x3.npy');
  await writeFile(x3, encodeNpy({ type: 'float32', dims: [3, 16], data: new Float32Array(48) }));
});

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |internal error/);
  return lines[0];
}

describe('edgebench run: contradictions are refused, not silently resolved', () => {
  const cases: [string, string[], RegExp][] = [
    [
      '--batch against --shape',
      ['--batch', '8', '--shape', 'x=4x16'],
      /^edgebench: --batch 8 contradicts --shape x=4x16 \(leading dimension 4\)/,
    ],
    [
      '--shape against an input file',
      ['--input', 'x=X3', '--shape', 'x=4x16'],
      /^edgebench: --shape x=4x16 contradicts input file \S+x3\.npy of shape 3x16: drop the --shape/,
    ],
    [
      '--batch against an input file',
      ['--input', 'x=X3', '--batch', '2'],
      /^edgebench: --batch 2 contradicts input file \S+x3\.npy of shape 3x16 \(batch 3\)/,
    ],
    [
      '--min-count above --max-count',
      ['--batch', '1', '--min-count', '100', '--max-count', '10'],
      /^edgebench: --min-count 100 is above --max-count 10: .*raise --max-count \(0 = unbounded\)/,
    ],
    [
      '--min-time above the default --max-time',
      ['--batch', '1', '--min-time', '120000'],
      /^edgebench: --min-time 120000 is above --max-time 60000 \(the default cap\)/,
    ],
    [
      '--warmup-time above --max-time (warm-up is capped by it too)',
      ['--batch', '1', '--warmup-time', '5000', '--max-time', '1000'],
      /^edgebench: --warmup-time 5000 is above --max-time 1000, which caps warm-up too: warm-up would stop at 1000 ms; raise --max-time \(0 = unbounded\) or lower --warmup-time$/,
    ],
    [
      '--warmup-time above the default --max-time',
      ['--batch', '1', '--warmup-time', '90000'],
      /^edgebench: --warmup-time 90000 is above --max-time 60000 \(the default cap\), which caps warm-up too/,
    ],
    [
      '--tdp-watts without --estimate-energy',
      ['--batch', '1', '--tdp-watts', '15'],
      /^edgebench: --tdp-watts is used only to estimate energy: add --estimate-energy/,
    ],
    [
      '--qps below zero states the real rule',
      ['--batch', '1', '--scenario', 'server', '--latency-bound-ms', '5', '--qps', '-5'],
      /^edgebench: --qps must be a number > 0, got '-5'$/,
    ],
    [
      '--qps 0 is refused by the same rule',
      ['--batch', '1', '--scenario', 'server', '--latency-bound-ms', '5', '--qps', '0'],
      /^edgebench: --qps must be a number > 0, got '0'$/,
    ],
    [
      '--deadline-ms 0',
      ['--batch', '1', '--deadline-ms', '0'],
      /^edgebench: --deadline-ms must be a number > 0, got '0'$/,
    ],
    [
      '--json into a missing folder (checked before measuring)',
      ['--batch', '1', '--json', '/nonexistent-edgebench-dir/r.json'],
      /^edgebench: --json \/nonexistent-edgebench-dir\/r\.json: cannot write in \/nonexistent-edgebench-dir \(missing or not writable\)/,
    ],
  ];
  for (const [name, flags, expected] of cases) {
    it(name, async () => {
      const args = flags.map((f) => f.replace('X3', x3));
      const r = await runCli(['run', models.dynamic, ...FAST, ...NO_TELEMETRY, ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(oneLine(r.stderr)).toMatch(expected);
    });
  }

  it('--json naming a folder', async () => {
    const r = await runCli(['run', models.dynamic, '--batch', '1', ...FAST, ...NO_TELEMETRY, '--json', dir]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/--json \S+ is a directory: give a file path/);
  });

  it('a warm-up within --max-time, and --tdp-watts with --estimate-energy, are accepted', async () => {
    const r = await runCli([
      'run',
      models.dynamic,
      '--batch',
      '1',
      ...FAST,
      '--threads',
      '1',
      '--warmup-time',
      '1000',
      '--max-time',
      '1000',
      '--estimate-energy',
      '--tdp-watts',
      '15',
      '--json',
      '-',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).config.effective.stopRules).toMatchObject({
      warmupTimeMs: 1000,
      maxTimeMs: 1000,
    });
  });

  it('an input file for every input: the table shows no seed (it played no part)', async () => {
    const r = await runCli(['run', models.dynamic, '--input', `x=${x3}`, ...FAST, ...NO_TELEMETRY]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^inputs x=3x16 {2}\[files\]$/m);
    expect(r.stdout).not.toMatch(/seed/);
  });

  it('an input file alone, or with an agreeing --shape/--batch, still runs', async () => {
    const r = await runCli([
      'run',
      models.dynamic,
      '--input',
      `x=${x3}`,
      '--shape',
      'x=3x16',
      '--batch',
      '3',
      ...FAST,
      ...NO_TELEMETRY,
      '--json',
      '-',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).config.effective.shapes).toEqual({ x: [3, 16] });
  });
});

describe('edgebench run: config.requested holds the flags as given', () => {
  it('leaves commander defaults out (they are in config.effective)', async () => {
    const json = path.join(dir, 'requested.json');
    const r = await runCli([
      'run',
      models.dynamic,
      '--batch',
      '2',
      ...FAST,
      '--threads',
      '1',
      '--json',
      json,
    ]);
    expect(r.code).toBe(0);
    expect(existsSync(json)).toBe(true);
    const result = JSON.parse(await readFile(json, 'utf8'));
    expect(result.config.requested).toEqual({
      model: models.dynamic,
      batch: 2,
      threads: 1,
      warmupTime: 0,
      warmupCount: 1,
      minTime: 0,
      minCount: 5,
      json,
    });
    expect(result.config.effective).toMatchObject({ executionProvider: 'cpu', graphOptLevel: 'all' });
  });
});
