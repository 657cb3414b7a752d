/**
 * A model with the traits of the voice-activity detectors apps ship (an LSTM inside an If on the
 * sample rate, a scalar input, state inputs sharing the batch name), through the real CLI.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrtEngine } from '../../src/engines/ort.js';
import { runResultSchema } from '../../src/measure/result.js';
import { saveModel } from '../../src/onnx/model-io.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { voiceActivityModel } from '../helpers/tiny-models.js';

const FAST = [
  '--warmup-time',
  '0',
  '--warmup-count',
  '2',
  '--min-time',
  '0',
  '--min-count',
  '20',
  '--max-count',
  '20',
];
const QUIET = ['--threads', '1', '--telemetry-interval', '0'];

let dir: string;
let model: string;

beforeAll(async () => {
  dir = await tempDir();
  model = path.join(dir, 'vad.onnx');
  await saveModel(voiceActivityModel(), model);
});

describe('a voice-activity model', () => {
  it('runs with --shape input=1x512 --input sr=16000: the batch name binds h and c, sr prints as a scalar', async () => {
    const json = path.join(dir, 'wide.json');
    const r = await runCli([
      'run',
      model,
      '--shape',
      'input=1x512',
      '--input',
      'sr=16000',
      ...FAST,
      ...QUIET,
      '--json',
      json,
    ]);
    expect(r.stderr).not.toMatch(/edgebench:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /inputs input=1x512 sr=16000 \(scalar\) h=2x1x64 c=2x1x64 {2}\[files \+ synthetic, seed 42\]/,
    );
    // The GFLOP/s row, and how the figure was obtained.
    expect(r.stdout).toMatch(/^GFLOP\/s +\d+(\.\d+)?( \(\d+\.\d% of peak, est\.\))?$/m);
    expect(r.stdout).toMatch(/^compute: 1\.\d\dM FLOPs per inference \/ median latency$/m);
    expect(r.stdout).toMatch(/If 'by_rate': counted then_branch \(its condition is known: true\)/);
    expect(r.stdout).toMatch(
      /^peak (\(estimate\): \d+ cores × [\d.]+ GHz \(.+\) × \d+ FLOP\/cycle|: not estimated)/m,
    );
    const result = runResultSchema.parse(JSON.parse(await readFile(json, 'utf8')));
    expect(result.config.effective.shapes).toEqual({ input: [1, 512], sr: [], h: [2, 1, 64], c: [2, 1, 64] });
    expect(result.config.effective.inputValues).toEqual({ sr: '16000' });
    const c = result.compute!;
    expect(c.unit).toBe('GFLOP/s');
    // Two LSTM layers over 8 frames of 64 samples: 2 × 8 × 4 × 64 × (64 + 64) MACs at least.
    expect(c.flops).toBeGreaterThan(2 * 2 * 8 * 4 * 64 * 128);
    expect(c.gflopsPerSec).toBeCloseTo(c.flops / (result.stats.medianMs / 1000) / 1e9, 6);
    if (c.peak) {
      expect(c.peak.estimated).toBe(true);
      expect(c.fractionOfPeak).toBeCloseTo(c.gflopsPerSec / c.peak.gflopsPerSec, 9);
      expect(c.peak.formula).toContain(c.peak.clockSource);
    } else expect(c.peakAbsentReason).toBeTruthy();

    const narrowJson = path.join(dir, 'narrow.json');
    const n = await runCli([
      'run',
      model,
      '--shape',
      'input=1x512',
      '--input',
      'sr=8000',
      ...FAST,
      ...QUIET,
      '--json',
      narrowJson,
    ]);
    expect(n.code).toBe(0);
    expect(n.stdout).toMatch(/sr=8000 \(scalar\)/);
    const narrow = runResultSchema.parse(JSON.parse(await readFile(narrowJson, 'utf8')));
    expect(narrow.compute?.notes).toEqual([
      "If 'by_rate': counted else_branch (its condition is known: false)",
    ]);
    expect(narrow.compute!.flops).toBeLessThan(c.flops / 100);
  });

  it('takes the other branch for another sample rate: the outputs differ', async () => {
    const loaded = await new OrtEngine().open(model, { intraOpThreads: 1 });
    try {
      const audio = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i / 7));
      const feeds = (rate: bigint) =>
        loaded.prepareFeeds({
          input: { type: 'float32', dims: [1, 512], data: audio },
          sr: { type: 'int64', dims: [], data: BigInt64Array.of(rate) },
          h: { type: 'float32', dims: [2, 1, 64], data: new Float32Array(128) },
          c: { type: 'float32', dims: [2, 1, 64], data: new Float32Array(128) },
        });
      const wide = await loaded.run(feeds(16000n));
      const narrow = await loaded.run(feeds(8000n));
      const read = (r: Record<string, unknown>, name: string) =>
        Array.from(loaded.readOutput(r[name]).data as Float32Array);
      expect(read(wide, 'output')).not.toEqual(read(narrow, 'output'));
      // The 8 kHz path passes the state through; the LSTM path changes it.
      expect(read(narrow, 'hn').every((v) => v === 0)).toBe(true);
      expect(read(wide, 'hn').some((v) => v !== 0)).toBe(true);
    } finally {
      await loaded.dispose();
    }
  });

  it('refuses conflicting sizes for one name, and values the type cannot hold, in one line', async () => {
    const conflict = await runCli([
      'run',
      model,
      '--shape',
      'input=1x512',
      '--shape',
      'h=2x3x64',
      '--input',
      'sr=16000',
      ...FAST,
      ...QUIET,
    ]);
    expect(conflict.code).toBe(2);
    expect(conflict.stderr).toMatch(
      /^edgebench: dimension 'batch' is 1 in --shape input=1x512 but 3 in --shape h=2x3x64: a dimension name is one size across all inputs/,
    );
    const fraction = await runCli([
      'run',
      model,
      '--shape',
      'input=1x512',
      '--input',
      'sr=16000.5',
      ...FAST,
      ...QUIET,
    ]);
    expect(fraction.code).toBe(2);
    expect(fraction.stderr).toMatch(
      /^edgebench: --input sr=16000.5: '16000.5' is not an integer for input 'sr' \(int64\)\n$/,
    );
  });

  it('inspect counts the LSTMs inside the If and says how', async () => {
    const plain = await runCli(['inspect', model, '--shape', 'input=1x512']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(
      /subgraphs +If 'by_rate': then_branch 524k MACs \(1\.\d+M FLOPs\), else_branch 0 MACs \(1\.\d+k FLOPs\); counted: the costlier branch, then_branch \(the condition is decided at run time; an upper bound\)/,
    );
    const json = await runCli(['inspect', model, '--shape', 'input=1x512', '--input', 'sr=8000', '--json']);
    const report = JSON.parse(json.stdout);
    expect(report.compute.controlFlow[0].counted).toMatch(/^else_branch/);
    const wide = JSON.parse(
      (await runCli(['inspect', model, '--shape', 'input=1x512', '--input', 'sr=16000', '--json'])).stdout,
    );
    expect(wide.compute.macs).toBe(2 * 8 * 4 * 64 * 128 + 64);
    expect(wide.compute.byOpType.LSTM).toMatchObject({ count: 2, macs: 2 * 8 * 4 * 64 * 128 });
    expect(wide.parameters).toBeGreaterThan(60_000);
  });
});
