import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { medianCiRanks } from '../../src/core/stats.js';
import { resolveTorchModel, torchInputs } from '../../src/engines/torch/engine.js';
import {
  ProtocolReader,
  parseProtocolLine,
  TORCH_PROTOCOL_VERSION,
} from '../../src/engines/torch/protocol.js';
import { runnerScriptPath } from '../../src/engines/torch/python.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp.js';

const line = (value: object) => JSON.stringify(value);
const hello = line({ event: 'hello', protocol: TORCH_PROTOCOL_VERSION, python: '3.10.12', pid: 1 });
const ready = line({
  event: 'ready',
  coldStartMs: 812.5,
  importMs: 1500,
  device: 'cuda',
  deviceName: 'Orin',
  torch: '2.1.0',
  torchvision: '0.16.0',
  mode: 'eager',
  threads: 6,
  interopThreads: 6,
  inputs: [{ name: 'input', shape: [1, 3, 224, 224], dtype: 'float32' }],
  params: 11689512,
});
const done = (count: number) =>
  line({
    event: 'done',
    count,
    stopReason: 'min-reached',
    startEpochMs: 1000,
    endEpochMs: 4000,
    peakRssBytes: 1e9,
  });

describe('PyTorch runner protocol lines', () => {
  it('tells events, noise, unknown events and malformed events apart', () => {
    expect(parseProtocolLine(hello)).toMatchObject({ kind: 'event', event: { event: 'hello', protocol: 1 } });
    expect(parseProtocolLine('Downloading: "https://…"')).toEqual({
      kind: 'noise',
      line: 'Downloading: "https://…"',
    });
    expect(parseProtocolLine('{not json')).toMatchObject({ kind: 'noise' });
    expect(parseProtocolLine('{"no":"event"}')).toMatchObject({ kind: 'noise' });
    expect(parseProtocolLine(line({ event: 'telemetry', watts: 5 }))).toEqual({
      kind: 'unknown-event',
      name: 'telemetry',
    });
    const invalid = parseProtocolLine(line({ event: 'sample', ms: 'fast' }));
    expect(invalid).toMatchObject({ kind: 'invalid' });
    expect((invalid as { problem: string }).problem).toMatch(/^sample: ms/);
  });
});

describe('ProtocolReader', () => {
  it('folds a run into a report: batched and single samples, in order', () => {
    const seen: string[] = [];
    const reader = new ProtocolReader((e) => seen.push(e.event));
    for (const l of [
      hello,
      'a stray print',
      ready,
      line({ event: 'first', ms: 95.2 }),
      line({ event: 'warmup', count: 7, timeMs: 512 }),
      line({ event: 'samples', ms: [10.5, 10.25] }),
      line({ event: 'sample', ms: 10.75 }),
      line({ event: 'log', message: 'cudnn benchmark off' }),
      done(3),
    ])
      reader.feed(l);
    const result = reader.result();
    expect('report' in result).toBe(true);
    if (!('report' in result)) return;
    expect(Array.from(result.report.samplesMs)).toEqual([10.5, 10.25, 10.75]);
    expect(result.report.firstInferenceMs).toBe(95.2);
    expect(result.report.warmup).toEqual({ count: 7, timeMs: 512 });
    expect(result.report.ready.threads).toBe(6);
    expect(result.report.noise).toEqual(['a stray print']);
    expect(result.report.logs).toEqual(['cudnn benchmark off']);
    expect(seen).toEqual(['hello', 'ready', 'first', 'warmup', 'samples', 'sample', 'log', 'done']);
  });

  it('refuses incomplete or inconsistent runs, saying why', () => {
    const cases: Array<[string[], RegExp]> = [
      [[hello], /never reported 'ready'/],
      [
        [hello, ready, line({ event: 'samples', ms: [1, 2] })],
        /stopped after 2 samples without reporting 'done'/,
      ],
      [[hello, ready, line({ event: 'samples', ms: [1, 2] }), done(3)], /reported 3 samples but sent 2/],
      [[hello, line({ event: 'sample', ms: 1 }), ready, done(1)], /'sample' arrived before 'ready'/],
      [[line({ event: 'hello', protocol: 99, python: '3' }), ready, done(0)], /protocol 99/],
      [[hello, line({ event: 'ready', coldStartMs: 'soon' })], /protocol violation: ready: coldStartMs/],
      [
        [hello, line({ event: 'error', kind: 'unavailable', message: 'CUDA is not available' })],
        /CUDA is not available/,
      ],
    ];
    for (const [lines, problem] of cases) {
      const reader = new ProtocolReader();
      for (const l of lines) reader.feed(l);
      const result = reader.result();
      expect('problem' in result ? result.problem : 'no problem').toMatch(problem);
    }
  });

  it('keeps the runner error for the caller to classify', () => {
    const reader = new ProtocolReader();
    reader.feed(hello);
    reader.feed(line({ event: 'error', kind: 'user', message: "torchvision has no architecture named 'x'" }));
    expect(reader.error).toEqual({
      event: 'error',
      kind: 'user',
      message: "torchvision has no architecture named 'x'",
    });
  });
});

describe('torch model arguments', () => {
  it('builds zoo inputs from the architecture, with the batch in front', async () => {
    const spec = await resolveTorchModel('r3d_18', 4);
    expect(spec).toEqual({ kind: 'zoo', name: 'r3d_18', numClasses: 4 });
    expect(torchInputs(spec, { batch: 2 })).toEqual([{ name: 'input', shape: [2, 3, 16, 112, 112] }]);
    expect(torchInputs(await resolveTorchModel('resnet18'), {})).toEqual([
      { name: 'input', shape: [1, 3, 224, 224] },
    ]);
    expect(torchInputs(spec, { shapes: { clip: [1, 3, 8, 112, 112] } })).toEqual([
      { name: 'clip', shape: [1, 3, 8, 112, 112] },
    ]);
    expect(() => torchInputs(spec, { shapes: { clip: [1, 3, 112, 112] } })).toThrow(/5-dimensional/);
  });

  it("knows the study's custom video models, with their clip input", async () => {
    for (const name of ['c3d_small', 'conv3d_autoencoder', 'densenet3d']) {
      const spec = await resolveTorchModel(name, 4);
      expect(spec).toEqual({ kind: 'zoo', name, numClasses: 4 });
      expect(torchInputs(spec, {})).toEqual([{ name: 'input', shape: [1, 3, 16, 112, 112] }]);
    }
  });

  it('takes TorchScript files with shapes, and sends ONNX files elsewhere', async () => {
    const dir = await tempDir();
    const scripted = path.join(dir, 'model.pt');
    const onnx = path.join(dir, 'model.onnx');
    await writeFile(scripted, 'not really torchscript');
    await writeFile(onnx, 'not really onnx');
    const spec = await resolveTorchModel(scripted);
    expect(spec).toEqual({ kind: 'torchscript', path: scripted });
    expect(() => torchInputs(spec, {})).toThrow(/declares no input shapes/);
    expect(torchInputs(spec, { shapes: { a: [1, 3], b: [1, 5] } })).toEqual([
      { name: 'a', shape: [1, 3] },
      { name: 'b', shape: [1, 5] },
    ]);
    await expect(resolveTorchModel(onnx)).rejects.toThrow(/not ONNX/);
    await expect(resolveTorchModel('resnet9000')).rejects.toThrow(UserError);
    expect(await resolveTorchModel('null')).toEqual({ kind: 'null' });
  });
});

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const python = hasPython();

describe.skipIf(!python)(`the runner's stop rules${python ? '' : ' (skipped: no python3 on PATH)'}`, () => {
  it("computes the median's CI ranks exactly as the TypeScript statistics do", () => {
    const ns = [1, 2, 5, 6, 7, 10, 16, 50, 99, 100, 101, 257, 999, 1000, 1001, 4096];
    const code = `import json, sys; sys.path.insert(0, ${JSON.stringify(path.dirname(runnerScriptPath()))}); import edgebench_torch as e; print(json.dumps([e.median_ci_ranks(n) for n in ${JSON.stringify(ns)}]))`;
    const fromPython = JSON.parse(execFileSync('python3', ['-B', '-c', code], { encoding: 'utf8' })) as Array<
      [number, number] | null
    >;
    expect(fromPython).toEqual(ns.map((n) => medianCiRanks(n)));
  });
});
