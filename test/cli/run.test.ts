import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/inputs/npy.js';
import { runResultSchema } from '../../src/measure/result.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { writeFixtureModels } from '../helpers/tiny-models.js';

// Short stop rules: these tests check behaviour and results, never timings.
const FAST = [
  '--warmup-time',
  '0',
  '--warmup-count',
  '2',
  '--min-time',
  '0',
  '--min-count',
  '25',
  '--threads',
  '1',
];

let dir: string;
let models: Awaited<ReturnType<typeof writeFixtureModels>>;

beforeAll(async () => {
  dir = await tempDir();
  models = await writeFixtureModels(dir);
});

describe('edgebench run', () => {
  it('measures a model and writes a result that matches the schema', async () => {
    const json = path.join(dir, 'result.json');
    const r = await runCli([
      'run',
      models.dynamic,
      '--batch',
      '3',
      '--deadline-ms',
      '1000',
      '--json',
      json,
      ...FAST,
    ]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/median ms \(95% CI\)/);
    expect(r.stdout).toMatch(/cold start/);
    const result = runResultSchema.parse(JSON.parse(await readFile(json, 'utf8')));
    expect(result.samplesMs).toHaveLength(25);
    expect(result.stats.count).toBe(25);
    expect(result.config.effective.batch).toBe(3);
    expect(result.config.effective.shapes).toEqual({ x: [3, 16] });
    expect(result.config.effective.stopRules.minCount).toBe(25);
    // onnxruntime-node 1.30 has the native binding edgebench drives synchronously inside the timed region.
    expect(result.config.effective.timedCall).toBe('blocking');
    expect(result.config.requested).toMatchObject({ batch: 3 });
    expect(result.stats.samplesPerSec).toBeCloseTo(result.stats.throughputPerSec * 3, 6);
    expect(result.stopReason).toBe('min-reached');
    expect(result.deadline).toEqual({ deadlineMs: 1000, misses: 0, missFraction: 0 });
    expect(result.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.coldStartMs).toBeGreaterThan(0);
    const sorted = [...result.samplesMs].sort((a, b) => a - b);
    expect(result.stats.minMs).toBe(sorted[0]);
    expect(result.stats.maxMs).toBe(sorted[24]);
  });

  it('prints JSON alone on stdout with --json -', async () => {
    const r = await runCli([
      'run',
      models.fixed,
      '--json',
      '-',
      ...FAST,
      '--max-count',
      '12',
      '--min-count',
      '12',
    ]);
    expect(r.code).toBe(0);
    const result = runResultSchema.parse(JSON.parse(r.stdout));
    expect(result.samplesMs).toHaveLength(12);
    expect(result.stopReason).toBe('max-count');
  });

  it('reads inputs from .npy files and reports the profile of the steady state only', async () => {
    const npy = path.join(dir, 'x.npy');
    await writeFile(npy, encodeNpy({ type: 'float32', dims: [2, 16], data: new Float32Array(32).fill(0.5) }));
    const r = await runCli([
      'run',
      models.dynamic,
      '--input',
      `x=${npy}`,
      '--profile',
      '--opt-level',
      'disabled',
      '--json',
      '-',
      ...FAST,
    ]);
    expect(r.code).toBe(0);
    const result = runResultSchema.parse(JSON.parse(r.stdout));
    expect(result.config.effective.inputSource).toBe('files');
    expect(result.config.effective.shapes.x).toEqual([2, 16]);
    expect(result.profile?.steadyStateRuns).toBe(25);
    expect(result.profile?.topOpTypes.map((o) => o.opType)).toEqual(
      expect.arrayContaining(['MatMul', 'Add', 'Relu']),
    );
    expect(result.profile?.topOpTypes.every((o) => o.calls === 25)).toBe(true);
    const totalShare = result.profile!.topOpTypes.reduce((s, o) => s + o.fraction, 0);
    expect(totalShare).toBeCloseTo(1, 6);
  });
});

describe('telemetry beside the run', () => {
  it('is sampled by default, with energy absent and the reason given where there is no sensor', async () => {
    const r = await runCli(['run', models.fixed, '--json', '-', ...FAST]);
    expect(r.code).toBe(0);
    const t = runResultSchema.parse(JSON.parse(r.stdout)).telemetry!;
    expect(t.sourcesUsed).toContain('proc');
    expect(t.sources.proc?.peakRssMb).toBeGreaterThan(0);
    if (t.energy === null) expect(t.energyAbsentReason).toMatch(/./);
    else expect(t.energy.estimated).toBe(false);
  });
  it('estimates energy only when asked, and labels it', async () => {
    const r = await runCli([
      'run',
      models.fixed,
      '--json',
      '-',
      '--estimate-energy',
      '--tdp-watts',
      '15',
      ...FAST,
    ]);
    expect(r.code).toBe(0);
    const energy = runResultSchema.parse(JSON.parse(r.stdout)).telemetry!.energy!;
    if (energy.method === 'estimate-tdp') {
      expect(energy.estimated).toBe(true);
      expect(energy.scope).toMatch(/ESTIMATE/);
    }
    const table = await runCli(['run', models.fixed, '--estimate-energy', '--tdp-watts', '15', ...FAST]);
    if (energy.method === 'estimate-tdp') expect(table.stdout).toMatch(/ESTIMATED energy/);
  });
  it('is off with --telemetry-interval 0, and --estimate-energy needs a TDP', async () => {
    const off = await runCli(['run', models.fixed, '--json', '-', '--telemetry-interval', '0', ...FAST]);
    expect(runResultSchema.parse(JSON.parse(off.stdout)).telemetry).toBeUndefined();
    const bad = await runCli(['run', models.fixed, '--estimate-energy', ...FAST]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--tdp-watts/);
  });
});

describe('edgebench run zoo:NAME', () => {
  it('generates the model once, caches it, and measures it', async () => {
    const cache = path.join(dir, 'zoo-cache');
    const spec = 'zoo:squeezenet1_1?classes=10&input=1x3x64x64';
    const first = await runCli(['run', spec, '--json', '-', ...FAST], {
      env: { EDGEBENCH_CACHE_DIR: cache },
    });
    expect(first.stderr).not.toMatch(/edgebench:/);
    expect(first.code).toBe(0);
    const result = runResultSchema.parse(JSON.parse(first.stdout));
    expect(result.model.name).toBe('squeezenet1_1');
    expect(result.model.outputs[0].shape).toEqual([1, 10]);
    expect(result.config.effective.shapes).toEqual({ [result.model.inputs[0].name]: [1, 3, 64, 64] });
    const second = await runCli(['run', spec, '--json', '-', ...FAST], {
      env: { EDGEBENCH_CACHE_DIR: cache },
    });
    expect(second.code).toBe(0);
    expect(runResultSchema.parse(JSON.parse(second.stdout)).model.sha256).toBe(result.model.sha256);
  });
  it('names the zoo models when the name is unknown', async () => {
    const r = await runCli(['run', 'zoo:resnet19']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/resnet18/);
  });
});

describe('bad input: one line on stderr, exit 2', () => {
  const oneLine = (stderr: string) => {
    const lines = stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
    return lines[0];
  };

  it('missing file', async () => {
    const r = await runCli(['run', path.join(dir, 'nope.onnx')]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/model file not found/);
  });
  it('not ONNX', async () => {
    const r = await runCli(['run', models.notOnnx, ...FAST]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/not a valid ONNX model/);
  });
  it('truncated protobuf', async () => {
    const r = await runCli(['run', models.truncated, ...FAST]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/not a valid ONNX model|could not load/);
  });
  it('unknown flag', async () => {
    const r = await runCli(['run', models.dynamic, '--warp-speed']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/unknown option '--warp-speed'/);
  });
  it('malformed shape', async () => {
    const r = await runCli(['run', models.dynamic, '--shape', 'x=2xbanana']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/malformed shape '2xbanana'/);
  });
  it('unresolved symbolic dimension names it', async () => {
    const r = await runCli(['run', models.dynamic, ...FAST]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/symbolic dimension 'batch' at position 0.*--batch N/);
  });
  it('input file of the wrong dtype', async () => {
    const npy = path.join(dir, 'ints.npy');
    await writeFile(npy, encodeNpy({ type: 'int32', dims: [1, 16], data: new Int32Array(16) }));
    const r = await runCli(['run', models.dynamic, '--input', `x=${npy}`, ...FAST]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/holds int32 but input 'x' expects float32/);
  });
  it('input file of the wrong shape', async () => {
    const npy = path.join(dir, 'wide.npy');
    await writeFile(npy, encodeNpy({ type: 'float32', dims: [1, 17], data: new Float32Array(17) }));
    const r = await runCli(['run', models.dynamic, '--input', `x=${npy}`, ...FAST]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/has shape 1x17 but input 'x' expects batchx16/);
  });
  it('unknown execution provider value', async () => {
    const r = await runCli(['run', models.dynamic, '--ep', 'tpu']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/--ep must be one of cpu, webgpu, cuda, tensorrt/);
  });
  it('an execution provider that cannot start names the ones that work', async () => {
    const r = await runCli(['run', models.fixed, '--ep', 'tensorrt', ...FAST]);
    // On a machine where TensorRT works this would measure; CI has no GPU.
    if (r.code === 0) return;
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(
      /execution provider 'tensorrt' cannot initialize here .*working providers: cpu/,
    );
  });
});

describe('edgebench env', () => {
  it('reports host, runtimes and every execution provider', async () => {
    const r = await runCli(['env', '--json']);
    expect(r.code).toBe(0);
    const env = JSON.parse(r.stdout);
    expect(env.host.cpu.logicalCores).toBeGreaterThan(0);
    expect(env.onnxruntime).toMatch(/^\d+\.\d+/);
    const ids = env.executionProviders.map((p: { id: string }) => p.id);
    expect(ids.slice(0, 4)).toEqual(['ort/cpu', 'ort/webgpu', 'ort/cuda', 'ort/tensorrt']);
    const cpu = env.executionProviders[0];
    expect(cpu).toMatchObject({ bundled: true, available: true });
    for (const p of env.executionProviders) if (!p.available) expect(p.reason).toBeTruthy();
  });
});
