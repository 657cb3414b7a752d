/**
 * `edgebench tune` end to end through the built CLI, on tiny generated models with very short stop
 * rules: real builds, real fidelity checks, real worker processes. Assertions are about what is
 * chosen, written, stored and said — never about how fast anything ran.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IR_VERSION, type Model } from '../../src/onnx/ir.js';
import { saveModel } from '../../src/onnx/model-io.js';
import { compareOutputs } from '../../src/optimize/fidelity.js';
import { ModelRunner } from '../../src/optimize/ort-session.js';
import type { TuneRecord } from '../../src/study/tune-record.js';
import { CLI, runCli } from '../helpers/cli.js';
import { smallConvNet } from '../optimize/helpers.js';
import { removeTempDirs, tempDir } from '../study/tiny-model.js';
import { sensitiveModel } from './models.js';

afterAll(removeTempDirs);

/** The shortest settings that still race: 2 rounds, ~50 ms per measurement, 4 fidelity samples. */
const FAST = [
  '--min-rounds',
  '2',
  '--max-rounds',
  '2',
  '--warmup-time',
  '10',
  '--min-time',
  '50',
  '--min-count',
  '10',
  '--count',
  '4',
  '--calib-count',
  '4',
  '--eps',
  'cpu',
  '--threads',
  '1',
  '--levels',
  'all',
  '--calib-methods',
  'minmax',
  '--activation-types',
  'uint8',
];

/** A model whose output is a feature map, not class scores: y = relu(x), [1, 4, 4, 4]. */
function featureMapModel(): Model {
  return {
    irVersion: DEFAULT_IR_VERSION,
    opsetImports: [{ domain: '', version: 17 }],
    producerName: 'edgebench-tests',
    producerVersion: '0',
    domain: '',
    modelVersion: 1,
    docString: '',
    metadata: {},
    functions: [],
    graph: {
      name: 'map',
      nodes: [{ name: 'relu', opType: 'Relu', domain: '', inputs: ['x'], outputs: ['y'], attributes: {} }],
      initializers: new Map(),
      inputs: [{ name: 'x', dataType: 'float32', shape: [1, 4, 4, 4] }],
      outputs: [{ name: 'y', dataType: 'float32', shape: [1, 4, 4, 4] }],
      valueInfo: [],
    },
  };
}

let dir: string;
let sensitive: string;
let conv: string;
let map: string;
beforeAll(async () => {
  dir = tempDir('edgebench-tune-cli-');
  sensitive = path.join(dir, 'sensitive.onnx');
  conv = path.join(dir, 'conv.onnx');
  map = path.join(dir, 'map.onnx');
  await saveModel(sensitiveModel(), sensitive);
  await saveModel(smallConvNet(1, 10, 16), conv);
  await saveModel(featureMapModel(), map);
});

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^edgebench: /);
  expect(lines[0]).toMatch(pattern);
}

describe('edgebench tune', () => {
  it('races within the budget, mixes precision where full int8 misses it, writes a winner that meets it', async () => {
    const store = path.join(dir, 'e2e.db');
    const best = path.join(dir, 'best.onnx');
    const tune = await runCli(
      [
        'tune',
        sensitive,
        '-o',
        best,
        '--store',
        store,
        '--budget',
        'snr>=30db',
        '--space',
        'fp32,int8-static,mixed',
        ...FAST,
        '--json',
      ],
      { timeoutMs: 240_000 },
    );
    expect(tune.code, tune.stderr).toBe(0);
    const record = JSON.parse(tune.stdout) as TuneRecord & { studyId: string };
    expect(record.outcome).toBe('winner');
    expect(record.budget.text).toBe('snr>=30db');
    // Progress said what happened, on stderr.
    expect(tune.stderr).toMatch(/rejected: snr .* < 30\.0 dB/);
    expect(tune.stderr).toMatch(/mixed precision: 3 ops ranked/);
    expect(tune.stderr).toMatch(/round 2 .*leader/);

    // Full int8 misses the budget; keeping the one sensitive op in float meets it.
    const board = new Map(record.leaderboard.map((e) => [e.build, e]));
    const full = board.get('fuse,int8-static(minmax,uint8)')!;
    expect(full.status).toBe('rejected-by-budget');
    expect(full.rounds).toBe(0);
    expect(full.reason).toMatch(/fails the budget: snr/);
    expect(record.mixed).toMatchObject({ from: 'fuse,int8-static(minmax,uint8)', ranked: 3, kept: 1 });
    expect(record.mixed!.ranking[0]).toBe('sensitive');
    // A float region at the input (m1) leaves the sensitive op's input quantized: it misses, and
    // the search stops at the cap, a quarter of the ops.
    expect(record.mixed!.fromInput).toMatchObject({ kept: null, probes: [{ kept: 1, holds: false }] });
    expect(record.mixed!.cap).toBe(1);
    const mixed = board.get('fuse,int8-static(minmax,uint8)+mixed(1/3)')!;
    expect(mixed.budget?.holds).toBe(true);
    expect(mixed.rounds).toBeGreaterThan(0);

    // The winner: one of the two racers, faster or tied, written to BEST.onnx, meeting the budget.
    const winner = record.leaderboard.find((e) => e.status === 'winner')!;
    expect(record.winner!.id).toBe(winner.id);
    expect(['fp32', mixed.build]).toContain(winner.build);
    expect(winner.rank).toBe(1);
    expect(record.winner!.output).toBe(best);
    // Two race rounds; a tie left after them is played off in up to the default 5 more.
    expect(record.rounds.filter((r) => !r.playoff)).toHaveLength(2);
    expect(record.rounds.length).toBeLessThanOrEqual(2 + 5);
    expect(record.playoff?.rounds ?? 0).toBe(record.rounds.length - 2);
    expect(record.racing.candidateRounds).toBeLessThanOrEqual(record.racing.everyCandidateEveryRound);
    expect(record.host.isa).toMatch(/^CPU ISA for INT8: /);
    const runner = await ModelRunner.create(best, 'best');
    await runner.release();
    const fidelity = await compareOutputs(sensitive, best, { count: 8 });
    expect(fidelity.outputs[0].snrDb).toBeGreaterThanOrEqual(30);
    expect(record.winner!.commands.at(-1)).toMatch(
      /^edgebench run .* --ep cpu --threads 1 --opt-level all --batch 1$/,
    );
    if (winner.build !== 'fp32') {
      // The printed optimize command rebuilds exactly the winner.
      const again = path.join(dir, 'again.onnx');
      const args = record
        .winner!.commands[0].split(' ')
        .slice(1)
        .map((a) => (a === best ? again : a));
      expect((await runCli(args)).code).toBe(0);
      expect(sha256(again)).toBe(sha256(best));
    }

    // Stored like a study: history, show and the HTML report (Pareto chart, racing timeline) read it.
    const history = await runCli(['history', '--store', store]);
    expect(history.stdout).toContain(record.studyId);
    expect(history.stdout).toMatch(/tune-sensitive .* tune/);
    const show = await runCli(['show', record.studyId, '--store', store]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^tune /);
    expect(show.stdout).toContain('leaderboard:');
    expect(show.stdout).toContain('rejected by budget');
    const html = await runCli(['report', record.studyId, '--store', store, '--format', 'html']);
    expect(html.stdout).toContain('id="chart-pareto"');
    expect(html.stdout).toContain('id="chart-racing"');
    expect(html.stdout).toContain('Leaderboard');
  }, 300_000);

  it('a budget no candidate meets: one line naming the closest, exit 2, and what was measured stays stored', async () => {
    const store = path.join(dir, 'none.db');
    const result = await runCli(
      [
        'tune',
        conv,
        '-o',
        path.join(dir, 'none.onnx'),
        '--store',
        store,
        '--budget',
        'maxabs<=1e-12',
        '--space',
        'fp32,int8-static',
        ...FAST,
      ],
      { timeoutMs: 180_000 },
    );
    expect(result.code).toBe(2);
    const last = result.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(
      /^edgebench: no candidate meets the budget maxabs<=1e-12: the closest is fp32@all \(snr [\d.]+ dB, maxabs .*\); loosen the budget or widen the search space \(stored as \S+: edgebench show \S+\)$/,
    );
    expect(existsSync(path.join(dir, 'none.onnx'))).toBe(false);
    const id = /stored as (\S+):/.exec(last)![1];
    const show = await runCli(['show', id, '--store', store]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('no candidate meets the budget; the closest is fp32');
    expect(show.stdout).toContain('rejected by budget');
  }, 200_000);

  it('a time budget that runs out after the baseline: exit 2, with what the space needs', async () => {
    const store = path.join(dir, 'short.db');
    const fast = FAST.filter((_, i, all) => all[i - 1] !== '--min-rounds' && all[i] !== '--min-rounds');
    const result = await runCli(
      [
        'tune',
        sensitive,
        '-o',
        path.join(dir, 'short.onnx'),
        '--store',
        store,
        '--space',
        'fp32,fuse',
        '--time-budget',
        '0.2',
        ...fast,
      ],
      { timeoutMs: 120_000 },
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(
      /^edgebench: the time budget of 0\.2 s is too small to measure even the baseline and one candidate \(one measurement took [\d.]+ s\); this space needs about \d+ s for 3 rounds: raise --time-budget or narrow the search space \(stored as \S+/,
    );
  }, 120_000);

  it('Ctrl-C stops the race, keeps what was measured, and exits 130', async () => {
    const store = path.join(dir, 'stop.db');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'tune',
        sensitive,
        '-o',
        path.join(dir, 'stop.onnx'),
        '--store',
        store,
        '--space',
        'fp32,fuse',
        ...FAST,
        '--max-rounds',
        '50',
        '--min-rounds',
        '50',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/round 1 \(/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('close', resolve);
    });
    expect(code).toBe(130);
    expect(stderr).toContain('SIGINT: stopping: what was measured is stored');
    const history = await runCli(['history', '--store', store]);
    expect(history.stdout).toMatch(/tune-sensitive +interrupted/);
    const show = await runCli(['show', 'latest', '--store', store]);
    expect(show.stdout).toContain('interrupted before a winner was chosen');
  }, 120_000);

  it('refuses a metric that does not fit the model: top-1 on a feature map', async () => {
    const result = await runCli([
      'tune',
      map,
      '-o',
      path.join(dir, 'x.onnx'),
      '--store',
      path.join(dir, 'x.db'),
      '--budget',
      'top1>=99%',
    ]);
    expect(result.code).toBe(2);
    expectOneLine(
      result.stderr,
      /top1>=99% needs a classifier output \(\[N, classes\]\) and .*map\.onnx has none \(y \[1, 4, 4, 4\]\)/,
    );
  });

  it('refuses bad input before measuring anything, in one line with exit 2', async () => {
    const store = path.join(dir, 'bad.db');
    const out = path.join(dir, 'bad.onnx');
    const cases: Array<[string[], RegExp]> = [
      [['-o', out, '--budget', 'snr~30'], /cannot read the budget clause 'snr~30': write METRIC>=VALUE/],
      [
        ['-o', out, '--time-budget', '0.5'],
        /time budget of 0\.5 s is too small to measure even the baseline once/,
      ],
      [
        ['-o', out, '--min-count', '50', '--max-count', '20'],
        /^edgebench: --min-count 50 is above --max-count 20: a measurement would stop at 20 runs; raise --max-count \(0 = no cap\) or lower --min-count/,
      ],
      [
        ['-o', out, '--min-time', '8000'],
        /^edgebench: --min-time 8000 is above --max-time 5000 \(the tune default\): a measurement would stop at 5000 ms/,
      ],
      [
        ['-o', out, '--warmup-time', '3000', '--max-time', '1000'],
        /^edgebench: --warmup-time 3000 is above --max-time 1000, which caps warm-up too/,
      ],
      [
        ['-o', out, '--min-time', '4000', '--time-budget', '3'],
        /time budget of 3\.0 s is too small to measure even the baseline once \(a measurement takes at least 4\.2 s/,
      ],
      [['-o', out, '--space', 'fp32,int4'], /--space: 'int4' is not one of fp32, fuse, fp16/],
      [['-o', out, '--calib', path.join(dir, 'missing')], /--calib .*missing: not found/],
      [['-o', sensitive], /-o .*sensitive\.onnx is the input model: write the tuned model to another file/],
      [
        ['-o', '/proc/edgebench/best.onnx'],
        /cannot write the tuned model to \/proc\/edgebench\/best\.onnx: /,
      ],
    ];
    const results = await Promise.all(
      cases.map(([flags]) => runCli(['tune', sensitive, '--store', store, ...flags])),
    );
    for (const [i, [flags, pattern]] of cases.entries()) {
      expect(results[i].code, flags.join(' ')).toBe(2);
      expectOneLine(results[i].stderr, pattern);
    }
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
