/**
 * Hand-built opset 1–6 graphs, upgraded in memory and run by onnxruntime, against results computed
 * here from the legacy operator definitions (legacy-reference.ts). onnxruntime has no kernels below
 * opset 7, so every graph here runs only because of the upgrade.
 */
import { describe, expect, it } from 'vitest';
import {
  attr,
  createTensor,
  float32Tensor,
  type Graph,
  type Model,
  type Node,
  opsetVersion,
} from '../../src/onnx/ir.js';
import { legacyOpsHandled, upgradeOpset } from '../../src/onnx/opset-upgrade/index.js';
import type { HostTensor } from '../../src/onnx/tensor.js';
import { emptyModel, node, randomFloats, runModel } from '../optimize/helpers.js';
import * as R from './legacy-reference.js';

interface Input {
  name: string;
  dims: number[];
  type?: 'float32' | 'int32' | 'bool';
  data?: ArrayLike<number>;
}

let seed = 1;
function floats(dims: number[], lo = -1, hi = 1): R.Ref {
  return R.ref(dims, randomFloats(R.size(dims), seed++, lo, hi));
}

function toHost(x: R.Ref, type: Input['type'] = 'float32'): HostTensor {
  const data =
    type === 'int32'
      ? Int32Array.from(x.data)
      : type === 'bool'
        ? Uint8Array.from(x.data)
        : Float32Array.from(x.data);
  return { type: type === 'int32' ? 'int32' : type === 'bool' ? 'bool' : 'float32', dims: x.dims, data };
}

/** A model at `opset` (IR 3, as exporters of the time wrote) with the given inputs, weights and nodes. */
function legacyModel(
  opset: number,
  inputs: Input[],
  nodes: Node[],
  outputs: string[],
  weights: Record<string, R.Ref> = {},
): Model {
  const m = emptyModel('legacy', opset);
  m.irVersion = 3;
  const g = m.graph;
  for (const i of inputs) g.inputs.push({ name: i.name, dataType: i.type ?? 'float32', shape: i.dims });
  for (const [name, w] of Object.entries(weights)) {
    g.initializers.set(name, float32Tensor(name, w.dims, w.data));
    g.inputs.push({ name, dataType: 'float32', shape: w.dims });
  }
  g.nodes.push(...nodes);
  for (const o of outputs) g.outputs.push({ name: o });
  return m;
}

/** Upgrades to `target` (asserting it worked) and runs the model once. */
async function runUpgraded(
  m: Model,
  feeds: Record<string, HostTensor>,
  target = 7,
): Promise<Record<string, HostTensor>> {
  const result = upgradeOpset(m, target);
  expect(result.reason).toBeUndefined();
  expect(result.upgraded).toBe(true);
  expect(opsetVersion(m)).toBe(target);
  return runModel(m, feeds, 'disabled');
}

const add = (x: number, y: number) => x + y;

describe('legacy broadcasting (opset < 7) becomes numpy broadcasting exactly', () => {
  const A = [2, 3, 4, 5];
  const cases: Array<{
    op: string;
    opset: number;
    b: number[];
    axis?: number;
    f: (x: number, y: number) => number;
  }> = [
    { op: 'Add', opset: 6, b: [3], axis: 1, f: add },
    { op: 'Add', opset: 1, b: [3, 4], axis: 1, f: add },
    { op: 'Sub', opset: 6, b: [2], axis: 0, f: (x, y) => x - y },
    { op: 'Mul', opset: 6, b: [4], axis: 2, f: (x, y) => x * y },
    { op: 'Mul', opset: 1, b: [4, 5], f: (x, y) => x * y },
    { op: 'Div', opset: 6, b: [3, 4, 5], axis: 1, f: (x, y) => x / y },
    { op: 'Div', opset: 6, b: [1], axis: 0, f: (x, y) => x / y },
    { op: 'Pow', opset: 1, b: [3], axis: 1, f: (x, y) => x ** y },
  ];
  for (const c of cases) {
    for (const bSource of ['weight', 'input'] as const) {
      it(`${c.op}-${c.opset} with B ${c.b.join('x')} at axis ${c.axis ?? 'suffix'} (B a ${bSource})`, async () => {
        const a = c.op === 'Pow' ? floats(A, 0.5, 2) : floats(A);
        const b = c.op === 'Div' ? floats(c.b, 0.5, 2) : floats(c.b);
        const attrs: Node['attributes'] = { broadcast: attr.int(1) };
        if (c.axis !== undefined) attrs.axis = attr.int(c.axis);
        if (c.opset === 1 && c.op !== 'Pow') attrs.consumed_inputs = attr.ints([0]);
        const inputs: Input[] = [{ name: 'a', dims: A }];
        if (bSource === 'input') inputs.push({ name: 'b', dims: c.b });
        const m = legacyModel(
          c.opset,
          inputs,
          [node(c.op, ['a', 'b'], ['y'], attrs)],
          ['y'],
          bSource === 'weight' ? { b } : {},
        );
        const feeds: Record<string, HostTensor> = { a: toHost(a) };
        if (bSource === 'input') feeds.b = toHost(b);
        const out = await runUpgraded(m, feeds);
        R.expectClose(out.y, R.legacyBinary(a, b, c.axis, c.f));
        if (bSource === 'input' && c.axis !== undefined && c.axis + c.b.length < A.length)
          expect(m.graph.nodes.map((n) => n.opType)).toContain('Unsqueeze');
      });
    }
  }

  it('logical and comparison ops of opset 1 (And, Or, Xor on bool; Equal on int32; Greater, Less)', async () => {
    const dims = [2, 3, 4];
    const bits = (d: number[]) =>
      R.ref(
        d,
        Array.from({ length: R.size(d) }, (_, i) => ((i * 7 + seed++) % 3 === 0 ? 1 : 0)),
      );
    const ints = (d: number[]) =>
      R.ref(
        d,
        Array.from({ length: R.size(d) }, (_, i) => (i * 5 + seed++) % 4),
      );
    const pa = bits(dims);
    const pb = bits([3]);
    const ia = ints(dims);
    const ib = ints([3]);
    const fa = floats(dims);
    const fb = floats([3]);
    const bc = { broadcast: attr.int(1), axis: attr.int(1) };
    const m = legacyModel(
      1,
      [
        { name: 'pa', dims, type: 'bool' },
        { name: 'pb', dims: [3], type: 'bool' },
        { name: 'ia', dims, type: 'int32' },
        { name: 'ib', dims: [3], type: 'int32' },
        { name: 'fa', dims },
        { name: 'fb', dims: [3] },
      ],
      [
        node('And', ['pa', 'pb'], ['and'], bc),
        node('Or', ['pa', 'pb'], ['or'], bc),
        node('Xor', ['pa', 'pb'], ['xor'], bc),
        node('Equal', ['ia', 'ib'], ['eq'], bc),
        node('Greater', ['fa', 'fb'], ['gt'], bc),
        node('Less', ['fa', 'fb'], ['lt'], bc),
      ],
      ['and', 'or', 'xor', 'eq', 'gt', 'lt'],
    );
    const out = await runUpgraded(m, {
      pa: toHost(pa, 'bool'),
      pb: toHost(pb, 'bool'),
      ia: toHost(ia, 'int32'),
      ib: toHost(ib, 'int32'),
      fa: toHost(fa),
      fb: toHost(fb),
    });
    const b = (v: boolean) => (v ? 1 : 0);
    R.expectClose(
      out.and,
      R.legacyBinary(pa, pb, 1, (x, y) => b(!!x && !!y)),
    );
    R.expectClose(
      out.or,
      R.legacyBinary(pa, pb, 1, (x, y) => b(!!x || !!y)),
    );
    R.expectClose(
      out.xor,
      R.legacyBinary(pa, pb, 1, (x, y) => b(!!x !== !!y)),
    );
    R.expectClose(
      out.eq,
      R.legacyBinary(ia, ib, 1, (x, y) => b(x === y)),
    );
    R.expectClose(
      out.gt,
      R.legacyBinary(fa, fb, 1, (x, y) => b(x > y)),
    );
    R.expectClose(
      out.lt,
      R.legacyBinary(fa, fb, 1, (x, y) => b(x < y)),
    );
  });

  it('PRelu-6 keeps a 1-D slope on the channel axis, and a 1-element slope shared', async () => {
    const x = floats([2, 3, 4, 4]);
    const slope = floats([3], 0.1, 0.5);
    const shared = floats([1], 0.1, 0.5);
    const m = legacyModel(
      6,
      [{ name: 'x', dims: x.dims }],
      [node('PRelu', ['x', 'slope'], ['y']), node('PRelu', ['x', 'shared'], ['z'])],
      ['y', 'z'],
      { slope, shared },
    );
    const out = await runUpgraded(m, { x: toHost(x) });
    R.expectClose(
      out.y,
      R.perChannel(x, (v, c) => (v < 0 ? slope.data[c] * v : v)),
    );
    R.expectClose(
      out.z,
      R.map(x, (v) => (v < 0 ? shared.data[0] * v : v)),
    );
  });

  it('Gemm-6 with broadcast=1 (C of shape N), transB, alpha and beta', async () => {
    const a = floats([3, 5]);
    const b = floats([4, 5]);
    const c = floats([4]);
    const attrs = {
      broadcast: attr.int(1),
      transB: attr.int(1),
      alpha: attr.float(0.5),
      beta: attr.float(2),
    };
    const m = legacyModel(
      6,
      [{ name: 'a', dims: a.dims }],
      [node('Gemm', ['a', 'b', 'c'], ['y'], attrs)],
      ['y'],
      { b, c },
    );
    const out = await runUpgraded(m, { a: toHost(a) });
    R.expectClose(out.y, R.gemm(a, b, c, true, 0.5, 2));
  });
});

describe('legacy normalization, dropout and attribute-to-input changes', () => {
  it('BatchNormalization-1 and -6 in test mode (consumed_inputs, is_test, epsilon)', async () => {
    const x = floats([2, 3, 4, 4]);
    const [scale, bias, mean] = [floats([3], 0.5, 1.5), floats([3]), floats([3])];
    const variance = floats([3], 0.5, 2);
    const weights = { scale, bias, mean, variance };
    for (const opset of [1, 6]) {
      const attrs: Node['attributes'] = {
        is_test: attr.int(1),
        epsilon: attr.float(1e-3),
        momentum: attr.float(0.9),
      };
      if (opset === 1) attrs.consumed_inputs = attr.ints([0, 0, 0, 1, 1]);
      const bn = node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'variance'], ['y'], attrs);
      const m = legacyModel(opset, [{ name: 'x', dims: x.dims }], [bn], ['y'], weights);
      const out = await runUpgraded(m, { x: toHost(x) });
      const eps = Math.fround(1e-3);
      R.expectClose(
        out.y,
        R.perChannel(
          x,
          (v, c) => (scale.data[c] * (v - mean.data[c])) / Math.sqrt(variance.data[c] + eps) + bias.data[c],
        ),
      );
    }
  });

  it('Dropout-6 in test mode is the identity; its unread mask is dropped', async () => {
    const x = floats([2, 5]);
    const m = legacyModel(
      6,
      [{ name: 'x', dims: x.dims }],
      [
        node('Dropout', ['x'], ['d', 'mask'], { is_test: attr.int(1), ratio: attr.float(0.3) }),
        node('Relu', ['d'], ['y']),
      ],
      ['y'],
    );
    const out = await runUpgraded(m, { x: toHost(x) });
    R.expectClose(
      out.y,
      R.map(x, (v) => Math.max(0, v)),
    );
    expect(m.graph.nodes.find((n) => n.opType === 'Dropout')?.outputs).toEqual(['d']);
  });

  it('InstanceNormalization-1, Elu/LeakyRelu/HardSigmoid/Selu-1 with their legacy defaults', async () => {
    const x = floats([1, 2, 3, 3]);
    const scale = floats([2], 0.5, 1.5);
    const bias = floats([2]);
    const ci = { consumed_inputs: attr.ints([0]) };
    const m = legacyModel(
      1,
      [{ name: 'x', dims: x.dims }],
      [
        node('InstanceNormalization', ['x', 'scale', 'bias'], ['in'], ci),
        node('Elu', ['x'], ['elu'], ci),
        node('LeakyRelu', ['x'], ['leaky'], ci),
        node('HardSigmoid', ['x'], ['hs'], ci),
        node('Selu', ['x'], ['selu'], ci),
      ],
      ['in', 'elu', 'leaky', 'hs', 'selu'],
      { scale, bias },
    );
    const out = await runUpgraded(m, { x: toHost(x) });
    const hw = 9;
    const inRef = R.perChannel(x, (v, c) => {
      const vals = x.data.slice(c * hw, (c + 1) * hw);
      const mu = vals.reduce((p, q) => p + q, 0) / hw;
      const va = vals.reduce((p, q) => p + (q - mu) ** 2, 0) / hw;
      return (scale.data[c] * (v - mu)) / Math.sqrt(va + 1e-5) + bias.data[c];
    });
    R.expectClose(out.in, inRef);
    R.expectClose(
      out.elu,
      R.map(x, (v) => (v < 0 ? Math.exp(v) - 1 : v)),
    );
    R.expectClose(
      out.leaky,
      R.map(x, (v) => (v < 0 ? 0.01 * v : v)),
    );
    R.expectClose(
      out.hs,
      R.map(x, (v) => Math.max(0, Math.min(1, 0.2 * v + 0.5))),
    );
    // Selu-1's own defaults, not Selu-6's.
    R.expectClose(
      out.selu,
      R.map(x, (v) => (v > 0 ? 1.0507 * v : 1.0507 * (1.6732 * Math.exp(v) - 1.6732))),
    );
    const selu = m.graph.nodes.find((n) => n.opType === 'Selu')!;
    expect(selu.attributes.alpha).toEqual(attr.float(1.6732));
  });

  it('unary ops and Sum/Max/Min/Mean/Clip of opset 1 with consumed_inputs', async () => {
    const x = floats([2, 3], 0.2, 2);
    const z = floats([2, 3]);
    const ci = { consumed_inputs: attr.ints([0]) };
    const unary: Array<[string, (v: number) => number]> = [
      ['Abs', Math.abs],
      ['Neg', (v) => -v],
      ['Exp', Math.exp],
      ['Log', Math.log],
      ['Sqrt', Math.sqrt],
      ['Reciprocal', (v) => 1 / v],
      ['Floor', Math.floor],
      ['Ceil', Math.ceil],
      ['Relu', (v) => Math.max(0, v)],
      ['Sigmoid', (v) => 1 / (1 + Math.exp(-v))],
      ['Tanh', Math.tanh],
    ];
    const m = legacyModel(
      1,
      [
        { name: 'x', dims: x.dims },
        { name: 'z', dims: z.dims },
      ],
      [
        ...unary.map(([op]) => node(op, ['x'], [op.toLowerCase()], ci)),
        node('Sum', ['x', 'z'], ['sum'], ci),
        node('Max', ['x', 'z'], ['max'], ci),
        node('Min', ['x', 'z'], ['min'], ci),
        node('Mean', ['x', 'z'], ['mean'], ci),
        node('Clip', ['z'], ['clip'], { ...ci, min: attr.float(-0.25), max: attr.float(0.5) }),
      ],
      [...unary.map(([op]) => op.toLowerCase()), 'sum', 'max', 'min', 'mean', 'clip'],
    );
    const out = await runUpgraded(m, { x: toHost(x), z: toHost(z) });
    for (const [op, f] of unary) R.expectClose(out[op.toLowerCase()], R.map(x, f));
    R.expectClose(
      out.sum,
      R.map(x, (v, i) => v + z.data[i]),
    );
    R.expectClose(
      out.max,
      R.map(x, (v, i) => Math.max(v, z.data[i])),
    );
    R.expectClose(
      out.min,
      R.map(x, (v, i) => Math.min(v, z.data[i])),
    );
    R.expectClose(
      out.mean,
      R.map(x, (v, i) => (v + z.data[i]) / 2),
    );
    R.expectClose(
      out.clip,
      R.map(z, (v) => Math.min(0.5, Math.max(-0.25, v))),
    );
  });

  it('Reshape-1 (shape attribute, 0 and -1), Concat-1 (default axis 1), Cast-1 (type by name)', async () => {
    const x = floats([2, 3, 4]);
    const w = floats([2, 5]);
    const m = legacyModel(
      4 - 1,
      [{ name: 'x', dims: x.dims }],
      [
        node('Reshape', ['x'], ['r'], { shape: attr.ints([0, -1]), consumed_inputs: attr.ints([0]) }),
        node('Concat', ['r', 'w'], ['cat']),
        node('Cast', ['cat'], ['y'], { to: attr.string('INT32') }),
      ],
      ['r', 'cat', 'y'],
      { w },
    );
    const out = await runUpgraded(m, { x: toHost(x) });
    R.expectClose(out.r, R.ref([2, 12], x.data));
    const cat = R.ref(
      [2, 17],
      [...x.data.slice(0, 12), ...w.data.slice(0, 5), ...x.data.slice(12), ...w.data.slice(5)],
    );
    R.expectClose(out.cat, cat);
    expect(out.y.type).toBe('int32');
    R.expectClose(out.y, R.map(cat, Math.trunc));
  });

  it('Pad-1 (paddings, constant and reflect) and Pad-2', async () => {
    const x = floats([2, 3, 4]);
    const paddings = [0, 1, 2, 1, 0, 1];
    const m = legacyModel(
      1,
      [{ name: 'x', dims: x.dims }],
      [
        node('Pad', ['x'], ['c'], { paddings: attr.ints(paddings), value: attr.float(1.5) }),
        node('Pad', ['x'], ['r'], { paddings: attr.ints(paddings), mode: attr.string('reflect') }),
      ],
      ['c', 'r'],
    );
    const out = await runUpgraded(m, { x: toHost(x) });
    R.expectClose(out.c, R.pad(x, paddings, 'constant', 1.5));
    R.expectClose(out.r, R.pad(x, paddings, 'reflect'));

    const m2 = legacyModel(
      2,
      [{ name: 'x', dims: x.dims }],
      [node('Pad', ['x'], ['e'], { pads: attr.ints(paddings), mode: attr.string('edge') })],
      ['e'],
    );
    R.expectClose((await runUpgraded(m2, { x: toHost(x) }, 13)).e, R.pad(x, paddings, 'edge'));
  });

  it('Slice-1 without axes, Split-1 (lengths from a constant input), Split-2 (default axis 0)', async () => {
    const x = floats([4, 6]);
    const m = legacyModel(
      1,
      [{ name: 'x', dims: x.dims }],
      [
        node('Slice', ['x'], ['s'], { starts: attr.ints([1, -4]), ends: attr.ints([1000, -1]) }),
        node('Split', ['x', 'lengths'], ['p', 'q'], { axis: attr.int(1) }),
      ],
      ['s', 'p', 'q'],
    );
    m.graph.initializers.set('lengths', createTensor('lengths', 'int64', [2], BigInt64Array.of(2n, 4n)));
    const out = await runUpgraded(m, { x: toHost(x) }, 13);
    R.expectClose(out.s, R.slice(x, [1, -4], [1000, -1], [0, 1]));
    R.expectClose(out.p, R.slice(x, [0], [2], [1]));
    R.expectClose(out.q, R.slice(x, [2], [6], [1]));

    const m2 = legacyModel(2, [{ name: 'x', dims: x.dims }], [node('Split', ['x'], ['u', 'v'])], ['u', 'v']);
    const out2 = await runUpgraded(m2, { x: toHost(x) });
    R.expectClose(out2.u, R.slice(x, [0], [2], [0]));
    R.expectClose(out2.v, R.slice(x, [2], [4], [0]));
  });

  it('Tile-1 (tiles and axis inputs) and Unsqueeze/Squeeze-1 (axes attributes)', async () => {
    const x = floats([2, 3]);
    const m = legacyModel(
      1,
      [{ name: 'x', dims: x.dims }],
      [
        node('Tile', ['x', 'tiles', 'axis'], ['t']),
        node('Unsqueeze', ['t'], ['u'], { axes: attr.ints([0, 3]) }),
        node('Squeeze', ['u'], ['y'], { axes: attr.ints([3]) }),
      ],
      ['y'],
    );
    m.graph.initializers.set('tiles', createTensor('tiles', 'int64', [], BigInt64Array.of(3n)));
    m.graph.initializers.set('axis', createTensor('axis', 'int64', [], BigInt64Array.of(1n)));
    for (const target of [7, 13]) {
      const copy = structuredClone(m);
      const out = await runUpgraded(copy, { x: toHost(x) }, target);
      const tiled: number[] = [];
      for (let r = 0; r < 2; r++) for (let k = 0; k < 3; k++) tiled.push(...x.data.slice(r * 3, r * 3 + 3));
      R.expectClose(out.y, R.ref([1, 2, 9], tiled));
    }
  });

  it('AveragePool-1 excludes padding from the average; MaxPool-1; GlobalLpPool-1 and LpPool-1 with a float p', async () => {
    const x = floats([1, 2, 5, 5]);
    const pads = [1, 1, 1, 1];
    const m = legacyModel(
      1,
      [{ name: 'x', dims: x.dims }],
      [
        node('AveragePool', ['x'], ['avg'], {
          kernel_shape: attr.ints([3, 3]),
          strides: attr.ints([2, 2]),
          pads: attr.ints(pads),
        }),
        node('MaxPool', ['x'], ['max'], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([1, 1]) }),
        node('GlobalLpPool', ['x'], ['glp'], { p: attr.float(2) }),
        node('LpPool', ['x'], ['lp'], { p: attr.float(1), kernel_shape: attr.ints([5, 5]) }),
      ],
      ['avg', 'max', 'glp', 'lp'],
    );
    const out = await runUpgraded(m, { x: toHost(x) });
    R.expectClose(out.avg, R.pool2d(x, 'avg', 3, 2, pads));
    R.expectClose(out.max, R.pool2d(x, 'max', 2, 1));
    const norms = (p: number) =>
      [0, 1].map(
        (c) => x.data.slice(c * 25, (c + 1) * 25).reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p),
      );
    R.expectClose(out.glp, R.ref([1, 2, 1, 1], norms(2)));
    R.expectClose(out.lp, R.ref([1, 2, 1, 1], norms(1)));
  });

  it('the experimental Upsample (height_scale, width_scale) and Upsample-7, nearest', async () => {
    const x = floats([1, 2, 2, 3]);
    const m = legacyModel(
      1,
      [{ name: 'x', dims: x.dims }],
      [node('Upsample', ['x'], ['y'], { height_scale: attr.float(2), width_scale: attr.float(3) })],
      ['y'],
    );
    for (const target of [7, 13]) {
      const out = await runUpgraded(structuredClone(m), { x: toHost(x) }, target);
      R.expectClose(out.y, R.upsampleNearest(x, [1, 1, 2, 3]));
    }
  });

  it('Softmax-1 on a 4-D input keeps its 2-D coercion at axis 1 (to 7 unchanged, to 13 written out)', async () => {
    const x = floats([2, 3, 2, 2], -2, 2);
    const m = legacyModel(6, [{ name: 'x', dims: x.dims }], [node('Softmax', ['x'], ['y'])], ['y']);
    for (const target of [7, 13]) {
      const out = await runUpgraded(structuredClone(m), { x: toHost(x) }, target);
      R.expectClose(out.y, R.softmax2d(x, 1));
    }
  });

  it('TopK-1 (k attribute) upgraded to 13', async () => {
    const x = R.ref([2, 5], [3, 1, 4, 1.5, 5, 9, 2, 6, 5.5, 3.5]);
    const m = legacyModel(
      1,
      [{ name: 'x', dims: x.dims }],
      [node('TopK', ['x'], ['v', 'i'], { k: attr.int(2) })],
      ['v', 'i'],
    );
    const out = await runUpgraded(m, { x: toHost(x) }, 13);
    R.expectClose(out.v, R.ref([2, 2], [5, 4, 9, 6]));
    R.expectClose(out.i, R.ref([2, 2], [4, 2, 0, 2]));
  });
});

describe('experimental ops of opset 1', () => {
  it('ImageScaler, Affine, Scale, ScaledTanh, ParametricSoftplus, ThresholdedRelu: kept at 7, standard ops at 13', async () => {
    const x = floats([1, 3, 2, 2]);
    const m = legacyModel(
      1,
      [{ name: 'x', dims: x.dims }],
      [
        node('ImageScaler', ['x'], ['img'], { scale: attr.float(2), bias: attr.floats([1, -1, 0.5]) }),
        node('Affine', ['x'], ['aff'], { alpha: attr.float(3), beta: attr.float(-1) }),
        node('Scale', ['x'], ['sc'], { scale: attr.float(-2) }),
        node('ScaledTanh', ['x'], ['st'], { alpha: attr.float(2), beta: attr.float(0.5) }),
        node('ParametricSoftplus', ['x'], ['ps'], { alpha: attr.float(1.5), beta: attr.float(2) }),
        node('ThresholdedRelu', ['x'], ['tr'], { alpha: attr.float(0.2) }),
      ],
      ['img', 'aff', 'sc', 'st', 'ps', 'tr'],
    );
    const f = (v: number) => Math.fround(v);
    for (const target of [7, 13]) {
      const copy = structuredClone(m);
      const out = await runUpgraded(copy, { x: toHost(x) }, target);
      const bias = [1, -1, 0.5];
      R.expectClose(
        out.img,
        R.perChannel(x, (v, c) => 2 * v + bias[c]),
      );
      R.expectClose(
        out.aff,
        R.map(x, (v) => 3 * v - 1),
      );
      R.expectClose(
        out.sc,
        R.map(x, (v) => -2 * v),
      );
      R.expectClose(
        out.st,
        R.map(x, (v) => 2 * Math.tanh(0.5 * v)),
      );
      R.expectClose(
        out.ps,
        R.map(x, (v) => 1.5 * Math.log(Math.exp(2 * v) + 1)),
      );
      R.expectClose(
        out.tr,
        R.map(x, (v) => (v > f(0.2) ? v : 0)),
      );
      const ops = copy.graph.nodes.map((n) => n.opType);
      if (target === 13) expect(ops).not.toContain('ImageScaler');
      else expect(ops).toContain('ImageScaler');
    }
  });
});

describe('multi-op legacy graphs', () => {
  it('a Caffe2-style convnet at opset 6: Conv, Add(axis=1) bias, BatchNorm, Relu, MaxPool, Reshape, Gemm, Softmax', async () => {
    const x = floats([1, 2, 6, 6]);
    const w = floats([4, 2, 3, 3], -0.5, 0.5);
    const convBias = floats([4]);
    const [scale, bnBias, mean] = [floats([4], 0.5, 1.5), floats([4]), floats([4])];
    const variance = floats([4], 0.5, 2);
    const fcW = floats([3, 16], -0.5, 0.5);
    const fcB = floats([3]);
    const m = legacyModel(
      6,
      [{ name: 'x', dims: x.dims }],
      [
        node('Conv', ['x', 'w'], ['conv'], {
          kernel_shape: attr.ints([3, 3]),
          pads: attr.ints([1, 1, 1, 1]),
        }),
        node('Add', ['conv', 'conv_bias'], ['biased'], { broadcast: attr.int(1), axis: attr.int(1) }),
        node('BatchNormalization', ['biased', 'scale', 'bn_bias', 'mean', 'variance'], ['bn'], {
          is_test: attr.int(1),
        }),
        node('Relu', ['bn'], ['relu']),
        node('MaxPool', ['relu'], ['pool'], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([3, 3]) }),
        node('Reshape', ['pool', 'shape'], ['flat']),
        node('Gemm', ['flat', 'fc_w', 'fc_b'], ['fc'], { broadcast: attr.int(1), transB: attr.int(1) }),
        node('Softmax', ['fc'], ['prob']),
      ],
      ['prob'],
      { w, conv_bias: convBias, scale, bn_bias: bnBias, mean, variance, fc_w: fcW, fc_b: fcB },
    );
    m.graph.initializers.set('shape', createTensor('shape', 'int64', [2], BigInt64Array.of(1n, -1n)));
    let y = R.conv2d(x, w, 1, [1, 1, 1, 1]);
    y = R.legacyBinary(y, convBias, 1, add);
    y = R.perChannel(
      y,
      (v, c) => (scale.data[c] * (v - mean.data[c])) / Math.sqrt(variance.data[c] + 1e-5) + bnBias.data[c],
    );
    y = R.map(y, (v) => Math.max(0, v));
    y = R.pool2d(y, 'max', 3, 3);
    y = R.ref([1, 16], y.data);
    y = R.softmax2d(R.gemm(y, fcW, fcB, true), 1);
    for (const target of [7, 13]) {
      const out = await runUpgraded(structuredClone(m), { x: toHost(x) }, target);
      R.expectClose(out.prob, y);
    }
  });

  it('legacy ops inside an If body (opset 6) are upgraded with the graph', async () => {
    const x = floats([2, 3]);
    const body = (op: string): Graph => ({
      name: `${op}_branch`,
      nodes: [node(op, ['x'], [`${op}_out`], { consumed_inputs: attr.ints([0]) })],
      initializers: new Map(),
      inputs: [],
      outputs: [{ name: `${op}_out`, dataType: 'float32', shape: [2, 3] }],
      valueInfo: [],
    });
    const m = legacyModel(
      6 - 5,
      [
        { name: 'x', dims: x.dims },
        { name: 'cond', dims: [], type: 'bool' },
      ],
      [
        node('If', ['cond'], ['y'], {
          then_branch: attr.graph(body('Relu')),
          else_branch: attr.graph(body('Neg')),
        }),
      ],
      ['y'],
    );
    const out = await runUpgraded(structuredClone(m), { x: toHost(x), cond: toHost(R.ref([], [1]), 'bool') });
    R.expectClose(
      out.y,
      R.map(x, (v) => Math.max(0, v)),
    );
    const out2 = await runUpgraded(m, { x: toHost(x), cond: toHost(R.ref([], [0]), 'bool') });
    R.expectClose(
      out2.y,
      R.map(x, (v) => -v),
    );
  });
});

describe('refusals name the op and its version, and leave the model untouched', () => {
  function refused(m: Model, target = 7): string {
    const before = JSON.stringify(m, (_k, v) =>
      typeof v === 'bigint' ? String(v) : v instanceof Map ? [...v] : v,
    );
    const result = upgradeOpset(m, target);
    expect(result.upgraded).toBe(false);
    expect(opsetVersion(m)).toBeLessThan(target);
    expect(
      JSON.stringify(m, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Map ? [...v] : v)),
    ).toBe(before);
    return result.reason ?? '';
  }

  it('BatchNormalization in training mode, Dropout in training mode', () => {
    const bn = legacyModel(
      6,
      [{ name: 'x', dims: [1, 2, 2, 2] }],
      [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'])],
      ['y'],
    );
    expect(refused(bn)).toMatch(/BatchNormalization-6 .*training mode/);
    const dropout = legacyModel(6, [{ name: 'x', dims: [2] }], [node('Dropout', ['x'], ['y'])], ['y']);
    expect(refused(dropout)).toMatch(/Dropout-6 .*training mode/);
  });

  it('recurrent ops below 7, a Split-1 without axis, an unknown op, a broadcast whose ranks are unknown', () => {
    const lstm = legacyModel(
      6,
      [{ name: 'x', dims: [1, 1, 2] }],
      [node('LSTM', ['x', 'w', 'r'], ['y'])],
      ['y'],
    );
    expect(refused(lstm)).toContain('LSTM-1');
    const split = legacyModel(1, [{ name: 'x', dims: [4] }], [node('Split', ['x'], ['a', 'b'])], ['a', 'b']);
    expect(refused(split)).toMatch(/Split-1 .*no axis/);
    const unknown = legacyModel(6, [{ name: 'x', dims: [4] }], [node('ATen', ['x'], ['y'])], ['y']);
    expect(refused(unknown)).toContain('ATen');
    const ranks = legacyModel(
      6,
      [{ name: 'x', dims: [2, 3] }],
      [node('Add', ['x', 'b'], ['y'], { broadcast: attr.int(1), axis: attr.int(0) })],
      ['y'],
    );
    ranks.graph.inputs = [
      { name: 'x', dataType: 'float32' },
      { name: 'b', dataType: 'float32' },
    ];
    expect(refused(ranks)).toMatch(/Add-6 .*ranks/);
  });

  it('refuses a Scan-8 on the way to 13', () => {
    const scan = legacyModel(
      8,
      [{ name: 'x', dims: [1, 2, 2] }],
      [node('Scan', ['', 'x'], ['y'], { num_scan_inputs: attr.int(1) })],
      ['y'],
    );
    expect(refused(scan, 13)).toContain('Scan-8');
  });
});

it('counts the legacy ops it carries to opset 7', () => {
  const handled = legacyOpsHandled();
  expect(handled).toContain('BatchNormalization');
  expect(handled).not.toContain('LSTM');
  expect(handled.length).toBeGreaterThan(60);
});
