import { describe, expect, it } from 'vitest';
import { explainProbeFailure } from '../../src/engines/ort-probe.js';
import { summarizeProfile } from '../../src/measure/profile.js';

describe('execution provider failures', () => {
  it('explain a missing Vulkan loader and missing CUDA libraries', () => {
    expect(
      explainProbeFailure(
        'webgpu',
        'Failed to get a WebGPU adapter',
        "Couldn't load Vulkan: libvulkan.so.1: cannot open",
        true,
      ),
    ).toMatch(/libvulkan1/);
    expect(
      explainProbeFailure('webgpu', 'Failed to get a WebGPU adapter: No supported adapter', '', true),
    ).toMatch(/no WebGPU adapter/);
    expect(
      explainProbeFailure(
        'cuda',
        'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
        '',
        false,
      ),
    ).toMatch(/not installed .*README/);
    expect(explainProbeFailure('tensorrt', 'Failed to load shared library', '', true)).toMatch(
      /TensorRT\) could not be loaded/,
    );
  });
});

describe('profile traces', () => {
  it('keep only node events inside steady-state runs', () => {
    const run = (ts: number) => ({ cat: 'Session', name: 'model_run', ts, dur: 10 });
    const node = (ts: number, name: string, op: string, dur: number) => ({
      cat: 'Node',
      name: `${name}_kernel_time`,
      ts,
      dur,
      args: { op_name: op },
    });
    const events = [
      { cat: 'Session', name: 'session_initialization', ts: 0, dur: 5 },
      run(100),
      node(101, 'conv', 'Conv', 100), // first inference: skipped
      run(200),
      node(201, 'conv', 'Conv', 100), // warm-up: skipped
      run(300),
      node(301, 'conv', 'Conv', 6),
      node(305, 'relu', 'Relu', 2),
      run(400),
      node(401, 'conv', 'Conv', 6),
      node(405, 'relu', 'Relu', 2),
      node(500, 'conv', 'Conv', 50), // outside any run
    ];
    const summary = summarizeProfile(events, 2, 'trace.json');
    expect(summary.steadyStateRuns).toBe(2);
    expect(summary.topOpTypes).toEqual([
      { name: 'Conv', opType: 'Conv', totalMs: 0.012, calls: 2, fraction: 0.75 },
      { name: 'Relu', opType: 'Relu', totalMs: 0.004, calls: 2, fraction: 0.25 },
    ]);
    expect(summary.topOps[0]).toMatchObject({ name: 'conv', opType: 'Conv', calls: 2 });
  });
});
