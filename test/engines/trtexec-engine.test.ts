/**
 * The trtexec engine end to end, against a fake trtexec (a shell script that prints a recorded
 * output and writes the recorded --exportTimes file), and against the real one where there is one.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STOP_RULES } from '../../src/core/settings.js';
import type { ExternalMeasureSettings } from '../../src/engines/external.js';
import { reluProbeModel } from '../../src/engines/probe-model.js';
import { engineNames, getEngine, registerEngine } from '../../src/engines/registry.js';
import { TrtexecEngine } from '../../src/engines/trtexec/engine.js';
import { parseTrtexecLog } from '../../src/engines/trtexec/parse-log.js';
import { EngineUnavailableError, UserError } from '../../src/errors.js';
import { describeHost } from '../../src/host/host.js';
import { measureWithEngine, toEngineRunResult } from '../../src/measure/measure-with-engine.js';
import { runResultSchema as engineRunResultSchema } from '../../src/measure/result.js';
import { type FakeTrtexec, fakeTrtexec, TRTEXEC_FIXTURES, trtexecArgLines } from '../helpers/fake-trtexec.js';
import { tempDir } from '../helpers/temp.js';

const FIXTURES = TRTEXEC_FIXTURES;
const unix = process.platform !== 'win32';

/** Same bytes as reluProbeModel, but with a symbolic leading dimension: x[batch, 4] → Relu → y. */
function dynamicReluModel(): Uint8Array {
  const varint = (value: number) => {
    const bytes: number[] = [];
    let v = value;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
    return bytes;
  };
  const field = (n: number, payload: number[] | string) => {
    const body = typeof payload === 'string' ? [...Buffer.from(payload)] : payload;
    return [...varint((n << 3) | 2), ...varint(body.length), ...body];
  };
  const intField = (n: number, value: number) => [...varint(n << 3), ...varint(value)];
  const valueInfo = (name: string) => {
    const shape = field(2, [...field(1, field(2, 'batch')), ...field(1, intField(1, 4))]);
    return [...field(1, name), ...field(2, field(1, [...intField(1, 1), ...shape]))];
  };
  const node = [...field(1, 'x'), ...field(2, 'y'), ...field(4, 'Relu')];
  const graph = [
    ...field(1, node),
    ...field(2, 'dyn'),
    ...field(11, valueInfo('x')),
    ...field(12, valueInfo('y')),
  ];
  return Uint8Array.from([
    ...intField(1, 8),
    ...field(7, graph),
    ...field(8, [...field(1, ''), ...intField(2, 17)]),
  ]);
}

function settings(overrides: Partial<ExternalMeasureSettings> = {}): ExternalMeasureSettings {
  return {
    stopRules: {
      warmupTimeMs: 200,
      warmupCount: 0,
      minTimeMs: 0,
      minCount: 60,
      maxCount: 0,
      maxTimeMs: 0,
      relCi: 0,
    },
    precision: 'int8',
    seed: 42,
    ...overrides,
  };
}

const argLines = trtexecArgLines;

describe.skipIf(!unix)('trtexec engine with a fake trtexec (TensorRT 8.5 output)', () => {
  let fake: FakeTrtexec;
  let model: string;
  let engine: TrtexecEngine;
  let cacheDir: string;

  beforeAll(async () => {
    fake = await fakeTrtexec({
      helpBanner: '[TensorRT v8502] ',
      runLog: path.join(FIXTURES, 'trt-8.5.2-orin-resnet50-int8.log'),
      times: path.join(FIXTURES, 'trt-8.5.2-orin-resnet50-int8.times.json'),
      profile: path.join(FIXTURES, 'trt-8.5.2-orin-resnet50-int8.profile.json'),
    });
    model = path.join(fake.dir, 'relu.onnx');
    await writeFile(model, reluProbeModel());
    cacheDir = path.join(fake.dir, 'cache');
    engine = new TrtexecEngine({
      env: { ...process.env, PATH: `${fake.dir}${path.delimiter}${process.env.PATH}`, EDGEBENCH_TRTEXEC: '' },
      defaultLocations: [],
      gpuDeviceNodes: [fake.gpuNode],
      gpuName: async () => 'Test GPU',
    });
  });

  it('probes as available, naming the TensorRT version', async () => {
    const [probe] = await engine.probe();
    expect(probe).toMatchObject({ id: 'trtexec', available: true, bundled: false });
    expect((probe as { detail?: string }).detail).toMatch(/TensorRT 8\.5\.2/);
  });

  it('builds the engine once, runs it, and reads the run into a measurement', async () => {
    const m = await engine.measure(model, settings(), { cacheDir, workspaceMiB: 1024, profile: true });
    const [build, run] = await argLines(fake);
    expect(build).toMatch(
      /--onnx=.*relu\.onnx --saveEngine=.*\.engine\.\d+\.tmp --skipInference --int8 --memPoolSize=workspace:1024 --timingCacheFile=/,
    );
    expect(build).not.toMatch(/Shapes/); // static model: no shape profile
    expect(run).toMatch(
      /--loadEngine=.*\.engine --warmUp=200 --duration=0 --iterations=60 --exportTimes=.* --exportProfile=.* --separateProfileRun$/,
    );
    expect(m.engine).toBe('trtexec');
    expect(m.engineVersion).toBe('8.5.2');
    expect(m.device).toBe('Orin');
    expect(m.samplesMs).toHaveLength(60);
    expect(m.coldStartMs).toBeCloseTo((0.0156204 + 0.942517) * 1000, 6);
    expect(m.firstInferenceMs).toBeNull(); // 8.5 exports no warm-up queries
    expect(m.warmup).toEqual({ count: 106, timeMs: 200 });
    expect(m.inputs).toEqual([{ name: 'x', type: 'float32', shape: [4] }]);
    expect(m.shapes).toEqual({ x: [4] });
    expect(m.extras.engineCache).toMatchObject({ hit: false, engineBuildS: 51.8347 });
    expect((m.extras.layerProfile as { layers: Array<{ name: string }> }).layers[0].name).toBe(
      'conv1 + relu',
    );
    expect(m.warnings.join('\n')).toMatch(/INT8 without a calibration cache/);
    expect(m.warnings.join('\n')).toMatch(/GPU compute time is unstable/);
    expect(m.warnings.join('\n')).not.toMatch(/not applied/);
  });

  it('reuses the cached engine on the next run', async () => {
    const before = (await argLines(fake)).length;
    const m = await engine.measure(model, settings(), { cacheDir, workspaceMiB: 1024 });
    const lines = await argLines(fake);
    expect(lines.length).toBe(before + 1);
    expect(lines.at(-1)).toMatch(/^--loadEngine=/);
    expect(m.extras.engineCache).toMatchObject({ hit: true, engineBuildS: 51.8347 });
  });

  it('rebuilds when a build flag changes', async () => {
    const before = (await argLines(fake)).length;
    const m = await engine.measure(model, settings({ precision: 'fp16' }), { cacheDir, workspaceMiB: 1024 });
    const lines = await argLines(fake);
    expect(lines.length).toBe(before + 2);
    expect(lines.at(-2)).toMatch(/--fp16/);
    expect(m.extras.engineCache).toMatchObject({ hit: false });
  });

  it('becomes a result with the same statistics as an in-process run', async () => {
    const m = await engine.measure(model, settings(), { cacheDir, workspaceMiB: 1024 });
    const result = await toEngineRunResult(m, { model, host: await describeHost(), seed: 42 });
    const parsed = engineRunResultSchema.parse(result);
    expect(parsed.stats.count).toBe(60);
    // trtexec's own median of the same run (it prints 6 significant digits)
    const own = parseTrtexecLog(
      await readFile(path.join(FIXTURES, 'trt-8.5.2-orin-resnet50-int8.log'), 'utf8'),
    );
    expect(parsed.stats.medianMs).toBeCloseTo(own.latency!.medianMs!, 4);
    expect(parsed.config.effective).toMatchObject({
      engine: 'trtexec',
      executionProvider: 'tensorrt',
      batch: 4,
    });
    expect(parsed.environment.engine).toEqual({ name: 'trtexec', version: '8.5.2' });
    expect(parsed.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.samplesMs).toHaveLength(60);
  });

  it('is reachable through the registry and measureWithEngine', async () => {
    registerEngine(
      'trtexec',
      () =>
        new TrtexecEngine({
          env: {
            ...process.env,
            PATH: `${fake.dir}${path.delimiter}${process.env.PATH}`,
            EDGEBENCH_TRTEXEC: '',
            EDGEBENCH_CACHE_DIR: path.join(fake.dir, 'root'),
          },
          defaultLocations: [],
          gpuDeviceNodes: [fake.gpuNode],
          gpuName: async () => 'Test GPU',
        }),
    );
    const result = await measureWithEngine('trtexec', model, {
      precision: 'fp16',
      stopRules: { warmupTimeMs: 200, warmupCount: 5, minTimeMs: 0, minCount: 60 },
      deadlineMs: 2,
    });
    expect(engineRunResultSchema.safeParse(result).success).toBe(true);
    expect(result.external?.engine).toBe('trtexec');
    expect(result.deadline?.deadlineMs).toBe(2);
    expect(result.warnings.join('\n')).toMatch(
      /not applied: warm-up count 5, max time 60000 ms, precision target 1\.00%/,
    );
    expect(result.config.requested).toMatchObject({ stopRules: { warmupCount: 5 } });

    // A zoo spec becomes the zoo's generated ONNX file (cached under EDGEBENCH_CACHE_DIR).
    const previous = process.env.EDGEBENCH_CACHE_DIR;
    process.env.EDGEBENCH_CACHE_DIR = path.join(fake.dir, 'zoo-cache');
    try {
      const zoo = await measureWithEngine('trtexec', 'zoo:squeezenet1_1?preset=paper', {
        stopRules: { warmupTimeMs: 200, warmupCount: 0, minTimeMs: 0, minCount: 60, maxTimeMs: 0, relCi: 0 },
      });
      expect(zoo.model.name).toBe('squeezenet1_1');
      expect(zoo.model.path.startsWith(path.join(fake.dir, 'zoo-cache'))).toBe(true);
      expect(zoo.model.outputs).toEqual([{ name: 'logits', type: 'float32', shape: [1, 2] }]);
      expect(zoo.config.requested).toMatchObject({ model: 'zoo:squeezenet1_1?preset=paper' });
    } finally {
      if (previous === undefined) delete process.env.EDGEBENCH_CACHE_DIR;
      else process.env.EDGEBENCH_CACHE_DIR = previous;
    }
  });
});

describe.skipIf(!unix)('trtexec engine with a fake TensorRT 7 trtexec', () => {
  it('uses the old flags, counts warm-up out of the export, and reports the first inference', async () => {
    const fake = await fakeTrtexec({
      helpBanner: '',
      runLog: path.join(FIXTURES, 'trt-7.1.3-nano-resnet18-fp16.log'),
      times: path.join(FIXTURES, 'trt-7.1.3-nano-resnet18-fp16.times.json'),
    });
    // Version 7's help text: --buildOnly and --workspace, no banner version.
    await writeFile(
      path.join(fake.dir, 'help.txt'),
      await readFile(path.join(FIXTURES, 'help-7.1.3.txt'), 'utf8'),
    );
    const model = path.join(fake.dir, 'dyn.onnx');
    await writeFile(model, dynamicReluModel());
    const engine = new TrtexecEngine({
      env: { ...process.env, EDGEBENCH_TRTEXEC: fake.bin },
      gpuDeviceNodes: [fake.gpuNode],
      gpuName: async () => 'NVIDIA Tegra X1 (test)',
    });
    const m = await engine.measure(
      model,
      settings({
        precision: 'fp16',
        batch: 2,
        stopRules: { ...DEFAULT_STOP_RULES, minTimeMs: 1000, warmupTimeMs: 200 },
      }),
      { cacheDir: path.join(fake.dir, 'cache'), workspaceMiB: 256, sampleMetric: 'endToEnd' },
    );
    const [build, run] = await argLines(fake);
    expect(build).toMatch(
      /--buildOnly --explicitBatch --fp16 --workspace=256 --minShapes=x:2x4 --optShapes=x:2x4 --maxShapes=x:2x4$/,
    );
    expect(run).toMatch(/--duration=1 --iterations=10 --exportTimes=\S+ --shapes=x:2x4$/);
    expect(m.engineVersion).toBe('unknown');
    expect(m.device).toBe('NVIDIA Tegra X1 (test)');
    expect(m.samplesMs).toHaveLength(88);
    expect(m.batch).toBe(2);
    expect(m.shapes).toEqual({ x: [2, 4] });
    expect(m.extras.warmupSplit).toBe('count-from-log');
    expect(m.firstInferenceMs).toBeGreaterThan(25); // the first warm-up query, slow as first queries are
    expect(m.coldStartMs).toBeNull(); // TensorRT 7 does not print load times
    expect(m.sampleMetric).toMatch(/end-to-end/);
    expect(m.warnings.join('\n')).toMatch(/TensorRT version could not be read/);
  });

  it('falls back to latency when end-to-end times are not exported', async () => {
    const fake = await fakeTrtexec({
      helpBanner: '[TensorRT v100300] ',
      runLog: path.join(FIXTURES, 'trt-10.3.0-orin-nano-r3d_18-fp16.log'),
      times: path.join(FIXTURES, 'trt-10.3.0-orin-nano-r3d_18-fp16.times.json'),
    });
    const model = path.join(fake.dir, 'relu.onnx');
    await writeFile(model, reluProbeModel());
    const engine = new TrtexecEngine({
      env: { ...process.env, EDGEBENCH_TRTEXEC: fake.bin },
      gpuDeviceNodes: [fake.gpuNode],
      gpuName: async () => 'Orin (test)',
    });
    const m = await engine.measure(model, settings({ precision: 'fp16' }), {
      cacheDir: path.join(fake.dir, 'cache'),
      sampleMetric: 'endToEnd',
      useSpinWait: true,
    });
    expect(m.samplesMs).toHaveLength(39);
    expect(m.options.sampleMetric).toBe('latency');
    expect(m.warnings.join('\n')).toMatch(/exports no end-to-end times/);
    expect((await argLines(fake)).at(-1)).toMatch(/--useSpinWait/);
  });
});

describe.skipIf(!unix)('trtexec engine failures', () => {
  it('reports a failed build in one line, with the cause', async () => {
    const fake = await fakeTrtexec({
      helpBanner: '[TensorRT v8601] ',
      runLog: path.join(FIXTURES, 'trt-8.5.2-orin-resnet50-int8.log'),
      times: path.join(FIXTURES, 'trt-8.5.2-orin-resnet50-int8.times.json'),
      buildLog: path.join(FIXTURES, 'trt-8.6.1-build-failure.log'),
      buildFails: true,
    });
    const model = path.join(fake.dir, 'relu.onnx');
    await writeFile(model, reluProbeModel());
    const engine = new TrtexecEngine({
      env: { ...process.env, EDGEBENCH_TRTEXEC: fake.bin },
      gpuDeviceNodes: [fake.gpuNode],
      gpuName: async () => 'A100 (test)',
    });
    const failure = engine.measure(model, settings({ precision: 'fp16' }), {
      cacheDir: path.join(fake.dir, 'cache'),
    });
    await expect(failure).rejects.toThrow(UserError);
    await expect(failure).rejects.toThrow(
      /could not build a TensorRT engine .*exited with code 1: .*Plugin not found/,
    );
  });

  it('says why it is unavailable: no trtexec, a bad explicit path, no GPU', async () => {
    const dir = await tempDir();
    const none = new TrtexecEngine({ env: { PATH: dir }, defaultLocations: [path.join(dir, 'nope')] });
    const [probe] = await none.probe();
    expect(probe.available).toBe(false);
    expect(probe.reason).toMatch(/trtexec not found on PATH .*--trtexec PATH/);
    const model = path.join(dir, 'relu.onnx');
    await writeFile(model, reluProbeModel());
    await expect(none.measure(model, settings())).rejects.toThrow(EngineUnavailableError);
    await expect(none.measure(model, settings(), { trtexecPath: path.join(dir, 'missing') })).rejects.toThrow(
      /trtexec not found at .*missing/,
    );
    if (unix) {
      const fake = await fakeTrtexec({
        helpBanner: '[TensorRT v8502] ',
        runLog: '/dev/null',
        times: '/dev/null',
      });
      const noGpu = new TrtexecEngine({
        env: { EDGEBENCH_TRTEXEC: fake.bin },
        gpuDeviceNodes: [path.join(dir, 'no-such-device')],
      });
      const [gpuProbe] = await noGpu.probe();
      expect(gpuProbe.available).toBe(false);
      expect(gpuProbe.reason).toMatch(/TensorRT 8\.5\.2\) found, but no NVIDIA GPU is visible/);
      await expect(noGpu.measure(model, settings())).rejects.toThrow(/needs an NVIDIA GPU/);
    }
  });

  it('opens a session that measures out of process, and has no variants', async () => {
    const engine = new TrtexecEngine();
    const session = await engine.open('model.onnx');
    expect(session.kind).toBe('out-of-process');
    expect(session.where).toEqual({ kind: 'child-process', label: 'trtexec (child process)' });
    await expect(engine.open('model.onnx', {}, 'gpu')).rejects.toThrow(/no variants/);
  });
});

describe('registry', () => {
  it('registers trtexec and torch beside ort, each with probes', async () => {
    expect(engineNames()).toEqual(expect.arrayContaining(['ort', 'trtexec', 'torch']));
    const trt = await getEngine('trtexec').probe();
    expect(trt.map((p) => p.id)).toEqual(['trtexec']);
    for (const p of trt) if (!p.available) expect(p.reason).toBeTruthy();
  });
});

// The real thing, where this machine has it.
const realProbe = (await new TrtexecEngine().probe())[0];
describe.skipIf(!realProbe.available)(
  `real trtexec${realProbe.available ? '' : ` (skipped: ${realProbe.reason})`}`,
  () => {
    it('builds and measures a tiny model', async () => {
      const dir = await tempDir();
      const model = path.join(dir, 'relu.onnx');
      await writeFile(model, reluProbeModel());
      const m = await new TrtexecEngine().measure(model, settings({ precision: 'fp32' }), {
        cacheDir: path.join(dir, 'cache'),
      });
      expect(m.samplesMs.length).toBeGreaterThanOrEqual(60);
      expect(m.engineVersion).toMatch(/^\d+\.\d+/);
    });
  },
);
