/** Parameter counts and conv+matmul FLOPs against the PyTorch reference (no weights generated). */
import { describe, expect, it } from 'vitest';
import { analyzeModelStatic } from '../../src/onnx/analysis.js';
import { buildZooModel } from '../../src/zoo/build.js';
import { zooNames } from '../../src/zoo/registry.js';
import reference from '../../src/zoo/torchvision-reference.json' with { type: 'json' };

interface ReferenceEntry {
  input: number[];
  classes: number;
  params: number;
  params_2class: number;
  params_4class: number;
  flops_total: number;
}

const entries = Object.entries(reference).filter(([name]) => name !== 'versions') as [
  string,
  ReferenceEntry,
][];

function analyze(name: string, classes?: number) {
  return analyzeModelStatic(buildZooModel(name, { classes }, { weights: 'none' }).model);
}

describe('zoo against the PyTorch reference', () => {
  it('covers every architecture in the reference', () => {
    for (const [name] of entries) expect(zooNames()).toContain(name);
  });

  it.each(entries)('%s: parameter counts equal PyTorch for default, 2- and 4-class heads', (name, ref) => {
    expect(analyze(name).parameters).toBe(ref.params);
    expect(analyze(name, 2).parameters).toBe(ref.params_2class);
    expect(analyze(name, 4).parameters).toBe(ref.params_4class);
  });

  it.each(entries)('%s: conv+matmul FLOPs within 1%% of PyTorch on its reference input', (name, ref) => {
    const analysis = analyze(name);
    expect(analysis.inputs[0].shape).toEqual(ref.input);
    expect(analysis.outputs[0].shape).toEqual([1, ref.classes]);
    expect(Math.abs(analysis.compute.convMatmulFlops - ref.flops_total) / ref.flops_total).toBeLessThan(0.01);
  });
});
