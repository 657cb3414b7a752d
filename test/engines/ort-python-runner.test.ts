/**
 * python/edgebench_ort.py, onnxruntime's Python runner, on this machine. onnxruntime for Python cannot
 * be installed here (no PyPI), so what runs for real is everything but onnxruntime itself: the stop
 * rules and the JSON-lines protocol (its `null` model), and the runner's use of the onnxruntime API
 * against a stand-in package (test/helpers/fake-onnxruntime.ts) that checks every feed.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_RUNNER_PROTOCOL_VERSION } from '../../src/engines/ort-python/protocol.js';
import { EngineUnavailableError, UserError } from '../../src/errors.js';
import { runPythonRunner } from '../../src/targets/python-runner.js';
import { deviceScriptPath } from '../../src/targets/runners.js';
import { LocalTransport } from '../../src/targets/transport.js';
import { writeFakeModel, writeFakeOnnxruntime } from '../helpers/fake-onnxruntime.js';
import { tempDir } from '../helpers/temp.js';

const PYTHON = '/usr/bin/python3';
const hasNumpy =
  existsSync(PYTHON) &&
  (await import('node:child_process')).spawnSync(PYTHON, ['-c', 'import numpy']).status === 0;

const rules = (over: Partial<Record<string, number>> = {}) => ({
  warmupTimeMs: 0,
  warmupCount: 2,
  minTimeMs: 0,
  minCount: 25,
  maxCount: 0,
  maxTimeMs: 10_000,
  relCi: 0,
  ...over,
});
const precisionRule = { minSamples: 100, minTimeMs: 1000, checkEvery: 16 };

let dir = '';
let fakePath = '';
const local = new LocalTransport();

beforeAll(async () => {
  dir = await tempDir('edgebench-ort-runner-');
  fakePath = await writeFakeOnnxruntime(path.join(dir, 'site'));
});
afterAll(async () => {
  const { rm } = await import('node:fs/promises');
  await rm(dir, { recursive: true, force: true });
});

function run(config: object, env: Record<string, string> = {}) {
  return runPythonRunner(local, {
    python: PYTHON,
    script: deviceScriptPath('ort'),
    config: { protocol: PYTHON_RUNNER_PROTOCOL_VERSION, stopRules: rules(), precisionRule, ...config },
    env: { PYTHONPATH: fakePath, ...env },
    timeoutMs: 60_000,
  });
}

describe.skipIf(!existsSync(PYTHON))('the onnxruntime runner, null model (no onnxruntime needed)', () => {
  it('follows the stop rules and sends every sample as protocol lines', async () => {
    const events: string[] = [];
    const report = await runPythonRunner(local, {
      python: PYTHON,
      script: deviceScriptPath('ort'),
      config: {
        protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
        model: { kind: 'null' },
        stopRules: rules({ minCount: 100000, maxCount: 150, minTimeMs: 60_000 }),
        precisionRule,
      },
      onEvent: (event) => events.push(event.event),
    });
    expect(report.done.count).toBe(150);
    expect(report.done.stopReason).toBe('max-count');
    expect(report.samplesMs.length).toBe(150);
    expect(report.warmup?.count).toBeGreaterThanOrEqual(2);
    expect(report.done.startMonotonicMs).toBeLessThan(report.done.endMonotonicMs!);
    expect(events.slice(0, 3)).toEqual(['hello', 'ready', 'first']);
    expect(events.at(-1)).toBe('done');
  });

  it('refuses a protocol it does not speak', async () => {
    await expect(
      runPythonRunner(local, {
        python: PYTHON,
        script: deviceScriptPath('ort'),
        config: { protocol: 99, model: { kind: 'null' }, stopRules: rules(), precisionRule },
      }),
    ).rejects.toThrow(/protocol 99 requested, this runner speaks 1/);
  });
});

describe.skipIf(!hasNumpy)('the onnxruntime runner against a stand-in onnxruntime', () => {
  it('resolves the symbolic batch, synthesizes each input in its type, and times session.run', async () => {
    const model = await writeFakeModel(path.join(dir, 'two-inputs.onnx'), {
      inputs: [
        { name: 'image', shape: ['batch', 3, 8, 8], type: 'tensor(float)' },
        { name: 'ids', shape: ['batch', 4], type: 'tensor(int64)' },
      ],
      outputs: [{ name: 'logits', shape: ['batch', 10], type: 'tensor(float)' }],
    });
    const log = path.join(dir, 'session.json');
    const report = await run(
      {
        model: { kind: 'onnx', path: model },
        provider: 'cpu',
        batch: 3,
        threads: 2,
        graphOptimizationLevel: 'basic',
      },
      { FAKE_ORT_LOG: log },
    );
    expect(report.done.count).toBe(25);
    expect(report.done.stopReason).toBe('min-reached');
    expect(report.ready.inputs).toEqual([
      { name: 'image', shape: [3, 3, 8, 8], dtype: 'float32' },
      { name: 'ids', shape: [3, 4], dtype: 'int64' },
    ]);
    expect(report.ready).toMatchObject({
      mode: 'onnxruntime',
      onnxruntime: '1.11.0+fake',
      providers: ['CPUExecutionProvider'],
    });
    expect(report.done.outputs).toEqual([{ name: 'logits', shape: [3, 10] }]);
    const session = JSON.parse(await readFile(log, 'utf8'));
    expect(session).toEqual({ providers: ['CPUExecutionProvider'], intra: 2, inter: 0, level: 1 });
  });

  it('asks TensorRT for fp16 with CUDA and the CPU behind it, in that order', async () => {
    const model = await writeFakeModel(path.join(dir, 'fixed.onnx'), {
      inputs: [{ name: 'x', shape: [1, 16], type: 'tensor(float)' }],
      outputs: [{ name: 'y', shape: [1, 8], type: 'tensor(float)' }],
    });
    const log = path.join(dir, 'trt-session.json');
    const report = await run(
      {
        model: { kind: 'onnx', path: model },
        provider: 'tensorrt',
        precision: 'fp16',
        providerOptions: { trt_engine_cache_enable: true, trt_engine_cache_path: '/cache/trt' },
      },
      {
        FAKE_ORT_LOG: log,
        FAKE_ORT_PROVIDERS: 'TensorrtExecutionProvider,CUDAExecutionProvider,CPUExecutionProvider',
      },
    );
    expect(report.ready.device).toBe('cuda');
    const session = JSON.parse(await readFile(log, 'utf8'));
    expect(session.providers).toEqual([
      [
        'TensorrtExecutionProvider',
        {
          device_id: 0,
          trt_fp16_enable: true,
          trt_engine_cache_enable: true,
          trt_engine_cache_path: '/cache/trt',
        },
      ],
      ['CUDAExecutionProvider', { device_id: 0 }],
      'CPUExecutionProvider',
    ]);
  });

  it('says a provider is missing, and refuses to time a silent fallback under its name', async () => {
    const model = await writeFakeModel(path.join(dir, 'small.onnx'), {
      inputs: [{ name: 'x', shape: [1, 4], type: 'tensor(float)' }],
      outputs: [{ name: 'y', shape: [1, 4], type: 'tensor(float)' }],
    });
    const missing = run({ model: { kind: 'onnx', path: model }, provider: 'cuda' });
    await expect(missing).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(missing).rejects.toThrow(/has no CUDAExecutionProvider \(it has CPUExecutionProvider\)/);
    const fallback = run(
      { model: { kind: 'onnx', path: model }, provider: 'cuda' },
      {
        FAKE_ORT_PROVIDERS: 'CUDAExecutionProvider,CPUExecutionProvider',
        FAKE_ORT_FAIL: 'CUDAExecutionProvider',
      },
    );
    await expect(fallback).rejects.toThrow(
      /CUDAExecutionProvider did not initialise \(onnxruntime fell back to CPUExecutionProvider\)/,
    );
  });

  it('reports what the user must fix: a missing file, a symbolic axis it cannot guess', async () => {
    await expect(
      run({ model: { kind: 'onnx', path: path.join(dir, 'nope.onnx') }, provider: 'cpu' }),
    ).rejects.toThrow(UserError);
    const model = await writeFakeModel(path.join(dir, 'seq.onnx'), {
      inputs: [{ name: 'tokens', shape: ['batch', 'sequence'], type: 'tensor(int64)' }],
      outputs: [{ name: 'y', shape: ['batch', 2], type: 'tensor(float)' }],
    });
    await expect(run({ model: { kind: 'onnx', path: model }, provider: 'cpu' })).rejects.toThrow(
      /input 'tokens' has a symbolic dimension 'sequence' at axis 1; give its full shape/,
    );
    const shaped = await run({
      model: { kind: 'onnx', path: model },
      provider: 'cpu',
      shapes: { tokens: [2, 7] },
    });
    expect(shaped.ready.inputs).toEqual([{ name: 'tokens', shape: [2, 7], dtype: 'int64' }]);
  });

  it('probes: version, numpy, providers', async () => {
    const result = await local.exec([PYTHON, deviceScriptPath('ort'), 'probe'], {
      env: {
        PYTHONPATH: fakePath,
        PYTHONDONTWRITEBYTECODE: '1',
        FAKE_ORT_PROVIDERS: 'CUDAExecutionProvider,CPUExecutionProvider',
      },
    });
    const probe = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(probe).toMatchObject({
      event: 'probe',
      protocol: 1,
      onnxruntime: '1.11.0+fake',
      providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'],
      device: 'GPU',
    });
    const without = await local.exec([PYTHON, deviceScriptPath('ort'), 'probe'], {
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(JSON.parse(without.stdout.trim())).toMatchObject({
      onnxruntime: null,
      onnxruntimeError: expect.stringMatching(/No module named 'onnxruntime'/),
    });
  });
});
