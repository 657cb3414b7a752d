/**
 * `edgebench run --engine`: every engine the contract knows is measured through the same entry point
 * and comes back in the same result schema — onnxruntime in this process, PyTorch in a Python
 * subprocess (Debian's python3-torch where it is installed), the null engine (the harness itself).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src/measure/result.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { TORCH_PYTHON } from '../helpers/torch-python.js';

const SHORT = [
  '--warmup-count',
  '1',
  '--warmup-time',
  '0',
  '--min-count',
  '3',
  '--min-time',
  '0',
  '--max-time',
  '20000',
];

describe('run --engine', () => {
  it('measures the null engine: the harness alone, in the run schema, with what it cannot report named', async () => {
    const dir = await tempDir();
    const json = path.join(dir, 'null.json');
    const r = await runCli([
      'run',
      'null',
      '--engine',
      'null',
      ...SHORT,
      '--telemetry-interval',
      '0',
      '--json',
      json,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/null\/none/);
    const result = runResultSchema.parse(JSON.parse(await readFile(json, 'utf8')));
    expect(result.config.effective.engine).toBe('null');
    expect(result.model.sha256).toBeNull();
    expect(result.notReported).toEqual(['model.sha256', 'model.sizeBytes']);
    expect(result.samplesMs.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses onnxruntime-only flags with another engine, and contradictions, in one line each', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        ['run', 'resnet18', '--engine', 'torch', '--ep', 'webgpu'],
        /--ep is for onnxruntime \(--engine ort\), not torch/,
      ],
      [
        ['run', 'm.onnx', '--engine', 'ort/webgpu', '--ep', 'cuda'],
        /--engine ort\/webgpu contradicts --ep cuda/,
      ],
      [['run', 'm.onnx', '--precision', 'fp16'], /--precision is for torch and trtexec/],
      [['run', 'm.onnx', '--engine', 'trtexec', '--threads', '2'], /--threads is not a trtexec setting/],
      [['run', 'm.onnx', '--engine', 'tflite'], /--engine/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });

  it('names what is missing when trtexec cannot run here', async () => {
    const dir = await tempDir();
    const r = await runCli([
      'run',
      'zoo:squeezenet1_1',
      '--engine',
      'trtexec',
      '--trtexec',
      path.join(dir, 'none'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^edgebench: .*trtexec/);
  });

  it.skipIf(!TORCH_PYTHON)(
    'measures PyTorch eager on the CPU through the same path (real torch)',
    async () => {
      const dir = await tempDir();
      const json = path.join(dir, 'torch.json');
      const r = await runCli([
        'run',
        'zoo:squeezenet1_1?classes=2&input=1x3x64x64',
        '--engine',
        'torch/cpu',
        '--python',
        TORCH_PYTHON!,
        ...SHORT,
        '--json',
        json,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/squeezenet1_1 {2}\(torch\/cpu,/);
      const result = runResultSchema.parse(JSON.parse(await readFile(json, 'utf8')));
      expect(result.config.effective.engine).toBe('torch/cpu');
      expect(result.config.effective.shapes).toEqual({ input: [1, 3, 64, 64] });
      expect(result.environment.engine?.version).toMatch(/^torch /);
      expect(result.external?.sampleMetric).toMatch(/eager forward/);
      expect(result.model.path).toBe('zoo:squeezenet1_1?classes=2&input=1x3x64x64');
      expect(result.stats.count).toBeGreaterThanOrEqual(3);
    },
  );
});
