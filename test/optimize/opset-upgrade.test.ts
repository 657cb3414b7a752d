import { describe, expect, it } from 'vitest';
import { attr, float32Tensor, int64Tensor } from '../../src/onnx/ir.js';
import { upgradeOpset } from '../../src/optimize/opset-upgrade.js';
import { emptyModel, floatInput, maxAbsDiff, node, runModel } from './helpers.js';

describe('opset upgrade to 13', () => {
  it('rewrites attributes that became inputs and keeps the outputs identical', async () => {
    const m = emptyModel('old', 9);
    const g = m.graph;
    g.inputs.push({ name: 'x', dataType: 'float32', shape: [1, 2, 4, 6] });
    g.initializers.set('scales', float32Tensor('scales', [4], [1, 1, 2, 2]));
    g.nodes.push(
      node('Clip', ['x'], ['c'], { min: attr.float(-0.5), max: attr.float(0.5) }),
      node('Slice', ['c'], ['s'], { starts: attr.ints([1]), ends: attr.ints([5]), axes: attr.ints([3]) }),
      node('Pad', ['s'], ['p'], { pads: attr.ints([0, 0, 1, 0, 0, 0, 0, 1]), value: attr.float(0.25) }),
      node('Upsample', ['p', 'scales'], ['u'], { mode: attr.string('nearest') }),
      node('Softmax', ['u'], ['sm'], { axis: attr.int(1) }),
      node('Unsqueeze', ['sm'], ['un'], { axes: attr.ints([0]) }),
      node('Squeeze', ['un'], ['y'], { axes: attr.ints([0]) }),
    );
    g.outputs.push({ name: 'y', dataType: 'float32' });
    const feeds = { x: floatInput([1, 2, 4, 6], 4, -1, 1) };
    const before = (await runModel(m, feeds, 'disabled')).y;
    const result = upgradeOpset(m);
    expect(result).toMatchObject({ upgraded: true, from: 9 });
    expect(m.opsetImports[0].version).toBe(13);
    expect(g.nodes.some((n) => n.opType === 'Upsample')).toBe(false);
    const after = (await runModel(m, feeds, 'disabled')).y;
    expect(after.dims).toEqual(before.dims);
    expect(maxAbsDiff(before, after)).toBeLessThan(1e-6);
  });

  it('leaves a model with ops it does not know alone', () => {
    const m = emptyModel('unknown', 9);
    m.graph.nodes.push(node('ATen', ['a', 'b', 'c'], ['y']));
    const result = upgradeOpset(m);
    expect(result.upgraded).toBe(false);
    expect(result.reason).toContain('ATen');
    expect(m.opsetImports[0].version).toBe(9);
  });

  it('renames the deprecated Scatter to ScatterElements, the same operator at 11', async () => {
    const m = emptyModel('scatter', 9);
    const g = m.graph;
    g.inputs.push({ name: 'data', dataType: 'float32', shape: [2, 3] });
    g.initializers.set('idx', int64Tensor('idx', [1, 2], [2, 0]));
    g.initializers.set('upd', float32Tensor('upd', [1, 2], [7, 8]));
    g.nodes.push(node('Scatter', ['data', 'idx', 'upd'], ['y'], { axis: attr.int(1) }));
    g.outputs.push({ name: 'y', dataType: 'float32' });
    const feeds = { data: floatInput([2, 3], 3) };
    const before = (await runModel(m, feeds, 'disabled')).y;
    expect(upgradeOpset(m).upgraded).toBe(true);
    expect(g.nodes[0].opType).toBe('ScatterElements');
    expect(maxAbsDiff(before, (await runModel(m, feeds, 'disabled')).y)).toBe(0);
  });
});
