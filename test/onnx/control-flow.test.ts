/** Costs and shapes through If, Loop, Scan and the recurrent ops, checked by hand. */
import { describe, expect, it } from 'vitest';
import { analyzeModelStatic } from '../../src/onnx/analysis.js';
import {
  attr,
  createTensor,
  float32Tensor,
  type Graph,
  int64Tensor,
  type ValueInfo,
} from '../../src/onnx/ir.js';
import { inferShapes } from '../../src/onnx/shape-inference.js';
import { model, node } from './helpers.js';

const zeros = (name: string, dims: number[]) =>
  float32Tensor(name, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0));

function graph(
  name: string,
  nodes: Graph['nodes'],
  inputs: ValueInfo[],
  outputs: ValueInfo[],
  initializers = [] as ReturnType<typeof zeros>[],
): Graph {
  return {
    name,
    nodes,
    inputs,
    outputs,
    initializers: new Map(initializers.map((t) => [t.name, t])),
    valueInfo: [],
  };
}

describe('recurrent ops', () => {
  it('LSTM: gate products plus 9 pointwise FLOPs per hidden unit and step', () => {
    const m = model(
      [node('LSTM', ['x', 'W', 'R'], ['y', 'yh', 'yc'], { hidden_size: attr.int(4) })],
      [{ name: 'x', dataType: 'float32', shape: [5, 2, 8] }],
      [{ name: 'y', dataType: 'float32' }],
      [zeros('W', [1, 16, 8]), zeros('R', [1, 16, 4])],
    );
    const a = analyzeModelStatic(m);
    // 5 steps × 2 batch × 4 gates × 4 hidden × (8 + 4) = 1920 MACs; 2 × 1920 + 5 × 2 × 4 × 9 FLOPs.
    expect(a.compute.byOpType.LSTM).toEqual({ count: 1, macs: 1920, flops: 4200 });
    expect(a.compute.convMatmulFlops).toBe(3840);
    const facts = inferShapes(m).facts;
    expect(facts.get('y')?.shape).toEqual([5, 1, 2, 4]);
    expect(facts.get('yc')?.shape).toEqual([1, 2, 4]);
  });

  it('bidirectional GRU, hidden size read from W, batch-first layout', () => {
    const m = model(
      [
        node('GRU', ['x', 'W', 'R'], ['y', 'yh'], {
          direction: attr.string('bidirectional'),
          layout: attr.int(1),
        }),
      ],
      [{ name: 'x', dataType: 'float32', shape: [1, 3, 6] }],
      [{ name: 'y', dataType: 'float32' }],
      [zeros('W', [2, 15, 6]), zeros('R', [2, 15, 5])],
    );
    const a = analyzeModelStatic(m);
    // 3 steps × 1 × 2 directions × 3 gates × 5 × (6 + 5) = 990 MACs; + 3 × 2 × 5 × 8 pointwise.
    expect(a.compute.byOpType.GRU).toEqual({ count: 1, macs: 990, flops: 2220 });
    const facts = inferShapes(m).facts;
    expect(facts.get('y')?.shape).toEqual([1, 3, 2, 5]);
    expect(facts.get('yh')?.shape).toEqual([1, 2, 5]);
  });
});

describe('If', () => {
  // then: [1,4] · [4,3] = 12 MACs; else: a Relu (4 FLOPs).
  const ifModel = () =>
    model(
      [
        node('Equal', ['sr', 'sr16k'], ['wide']),
        node('If', ['wide'], ['out'], {
          then_branch: attr.graph(
            graph(
              'then',
              [node('MatMul', ['x', 'W'], ['t'])],
              [],
              [{ name: 't', dataType: 'float32' }],
              [zeros('W', [4, 3])],
            ),
          ),
          else_branch: attr.graph(
            graph('else', [node('Relu', ['x'], ['e'])], [], [{ name: 'e', dataType: 'float32' }]),
          ),
        }),
      ],
      [
        { name: 'x', dataType: 'float32', shape: [1, 4] },
        { name: 'sr', dataType: 'int64', shape: [] },
      ],
      [{ name: 'out', dataType: 'float32' }],
      [int64Tensor('sr16k', [], [16000])],
    );

  it('counts the costlier branch when the condition is decided at run time, and says so', () => {
    const a = analyzeModelStatic(ifModel());
    expect(a.compute.macs).toBe(12);
    expect(a.subgraphNodeCount).toBe(2);
    expect(a.parameters).toBe(12);
    expect(a.compute.controlFlow).toEqual([
      expect.objectContaining({
        opType: 'If',
        subgraphs: [
          { attribute: 'then_branch', macs: 12, flops: 24 },
          { attribute: 'else_branch', macs: 0, flops: 4 },
        ],
        exact: false,
        counted: expect.stringMatching(/costlier branch, then_branch .*upper bound/),
      }),
    ]);
    // The branches disagree on the output's shape: only the rank they share survives.
    expect(inferShapes(ifModel()).facts.get('out')?.shape).toEqual([1, null]);
  });

  it('counts the branch a known input value selects', () => {
    const wide = analyzeModelStatic(ifModel(), { inputValues: { sr: [16000] } });
    expect(wide.compute.macs).toBe(12);
    expect(wide.compute.controlFlow[0]).toMatchObject({
      exact: true,
      counted: expect.stringMatching(/^then_branch/),
    });
    const narrow = analyzeModelStatic(ifModel(), { inputValues: { sr: [8000] } });
    expect(narrow.compute).toMatchObject({ macs: 0, flops: 5 });
    expect(narrow.compute.controlFlow[0].counted).toMatch(/^else_branch \(its condition is known: false\)/);
    expect(inferShapes(ifModel(), { inputValues: { sr: [8000] } }).facts.get('out')?.shape).toEqual([1, 4]);
  });
});

describe('Loop and Scan', () => {
  const body = graph(
    'body',
    [
      node('Identity', ['cond_in'], ['cond_out']),
      node('MatMul', ['v_in', 'W'], ['v_out']),
      node('Relu', ['v_out'], ['scan']),
    ],
    [
      { name: 'iter', dataType: 'int64', shape: [] },
      { name: 'cond_in', dataType: 'bool', shape: [] },
      { name: 'v_in', dataType: 'float32' },
    ],
    [
      { name: 'cond_out', dataType: 'bool' },
      { name: 'v_out', dataType: 'float32' },
      { name: 'scan', dataType: 'float32' },
    ],
    [zeros('W', [4, 4])],
  );
  const loopModel = (trips: 'constant' | 'input') =>
    model(
      [
        node('Loop', [trips === 'constant' ? 'M' : 'm', '', 'v0'], ['v_final', 'stacked'], {
          body: attr.graph(body),
        }),
      ],
      [
        { name: 'v0', dataType: 'float32', shape: [1, 4] },
        { name: 'm', dataType: 'int64', shape: [] },
      ],
      [{ name: 'v_final', dataType: 'float32' }],
      [int64Tensor('M', [], [5])],
    );

  it('Loop: body × the trip count when it is a constant', () => {
    const a = analyzeModelStatic(loopModel('constant'));
    expect(a.compute.macs).toBe(80);
    expect(a.compute.byOpType.MatMul).toEqual({ count: 1, macs: 80, flops: 160 });
    expect(a.compute.controlFlow[0]).toMatchObject({
      multiplier: 5,
      exact: true,
      counted: 'body × 5 iterations',
    });
    const facts = inferShapes(loopModel('constant')).facts;
    expect(facts.get('v_final')?.shape).toEqual([1, 4]);
    expect(facts.get('stacked')?.shape).toEqual([5, 1, 4]);
  });

  it('Loop: one iteration, labelled, when the trip count is not known', () => {
    const a = analyzeModelStatic(loopModel('input'));
    expect(a.compute.macs).toBe(16);
    expect(a.compute.controlFlow[0]).toMatchObject({ multiplier: 1, exact: false });
    expect(a.compute.controlFlow[0].counted).toMatch(
      /one iteration \(the trip count is not known statically\)/,
    );
    expect(analyzeModelStatic(loopModel('input'), { inputValues: { m: [3] } }).compute.macs).toBe(48);
  });

  it('Scan: body × the scan length, outputs stacked on the scan axis', () => {
    const scanBody = graph(
      'step',
      [
        node('Unsqueeze', ['x_t', 'axes'], ['x_row']),
        node('Add', ['s_in', 'x_row'], ['s_out']),
        node('MatMul', ['s_out', 'W'], ['y_t']),
      ],
      [
        { name: 's_in', dataType: 'float32' },
        { name: 'x_t', dataType: 'float32' },
      ],
      [
        { name: 's_out', dataType: 'float32' },
        { name: 'y_t', dataType: 'float32' },
      ],
      [zeros('W', [4, 2])],
    );
    scanBody.initializers.set('axes', int64Tensor('axes', [1], [0]));
    const m = model(
      [
        node('Scan', ['s0', 'xs'], ['s_final', 'ys'], {
          body: attr.graph(scanBody),
          num_scan_inputs: attr.int(1),
        }),
      ],
      [
        { name: 's0', dataType: 'float32', shape: [1, 4] },
        { name: 'xs', dataType: 'float32', shape: [7, 4] },
      ],
      [{ name: 'ys', dataType: 'float32' }],
    );
    const a = analyzeModelStatic(m);
    // Per step: MatMul [1,4]·[4,2] = 8 MACs, Add 4 FLOPs; 7 steps.
    expect(a.compute).toMatchObject({ macs: 56, flops: 7 * (16 + 4) });
    expect(a.compute.controlFlow[0]).toMatchObject({
      multiplier: 7,
      exact: true,
      counted: 'body × 7 (the scan length)',
    });
    const facts = inferShapes(m).facts;
    expect(facts.get('ys')?.shape).toEqual([7, 1, 2]);
    expect(facts.get('s_final')?.shape).toEqual([1, 4]);
  });
});

describe('integer operations', () => {
  it('counts QDQ MatMul and QLinearMatMul as integer ops', () => {
    const q = (name: string, dims: number[]) =>
      createTensor(name, 'int8', dims, new Int8Array(dims.reduce((a, b) => a * b, 1)));
    const scale = float32Tensor('s', [], [0.1]);
    const zp = createTensor('zp', 'int8', [], new Int8Array(1));
    const m = model(
      [
        node('DequantizeLinear', ['xq', 's', 'zp'], ['x']),
        node('DequantizeLinear', ['wq', 's', 'zp'], ['w']),
        node('MatMul', ['x', 'w'], ['y']),
        node('MatMul', ['y', 'f'], ['z']),
      ],
      [{ name: 'xq', dataType: 'int8', shape: [2, 8] }],
      [{ name: 'z', dataType: 'float32' }],
      [q('wq', [8, 4]), scale, zp, zeros('f', [4, 3])],
    );
    const a = analyzeModelStatic(m);
    // The QDQ MatMul (64 MACs) is integer work; the float MatMul (24 MACs) is not.
    expect(a.compute.integerOps).toBe(128);
    expect(a.compute.macs).toBe(88);
  });
});
