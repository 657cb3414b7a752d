/**
 * Per-operator shape and type rules for static shape inference, including propagation of small
 * constant integer values (Shape → Gather → Concat → Reshape chains that exporters emit).
 * Dimensions are numbers, symbolic names, or null when unknown.
 */
import { UserError } from '../errors.js';
import { type DataType, dataTypeFromCode } from './dtype.js';
import {
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  attrTensor,
  type Dim,
  elementCount,
  type Node,
  type Tensor,
  tensorToNumbers,
} from './ir.js';
import { UNARY_ELEMENTWISE_OPS } from './op-families.js';

export interface TensorFacts {
  dataType?: DataType;
  /** Undefined when the rank is unknown. */
  shape?: Dim[];
  /** The elements, when the value is a known constant of at most MAX_CONSTANT_ELEMENTS. */
  value?: number[];
}

export interface InferenceContext {
  /** The ai.onnx opset the model imports (rules differ where inputs replaced attributes). */
  opset: number;
}

/** Constants larger than this are not tracked by value (only shapes/indices need values). */
export const MAX_CONSTANT_ELEMENTS = 1024;

/**
 * Ranks above this are taken as unknown (numpy's own limit is 64 dimensions): a rank that large only
 * comes from a corrupt shape, and walking it would cost as much as its length.
 */
export const MAX_RANK = 64;

/**
 * A node whose attributes or inputs break its operator's definition (an axis outside the rank, a
 * Conv on a vector…): the model is invalid. inferShapes adds the model and node to the message.
 */
export class InvalidNodeError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidNodeError';
  }
}

type Inputs = (TensorFacts | undefined)[];
type Rule = (node: Node, inputs: Inputs, ctx: InferenceContext) => (TensorFacts | undefined)[];

/** Facts about an initializer or Constant tensor. */
export function factsOfTensor(tensor: Tensor): TensorFacts {
  const facts: TensorFacts = { dataType: tensor.dataType, shape: [...tensor.dims] };
  if (tensor.dataType !== 'string' && elementCount(tensor.dims) <= MAX_CONSTANT_ELEMENTS) {
    facts.value = tensorToNumbers(tensor);
  }
  return facts;
}

/**
 * Output facts of one node from its input facts. Ops without a rule yield an empty list, so the
 * caller knows to find their shapes another way (an onnxruntime run).
 */
export function inferNodeOutputs(
  node: Node,
  inputs: Inputs,
  ctx: InferenceContext,
): (TensorFacts | undefined)[] {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return [];
  const rule = RULES[node.opType];
  return rule ? rule(node, inputs, ctx) : [];
}

export function hasShapeRule(opType: string): boolean {
  return opType in RULES;
}

// ---------------------------------------------------------------------------------------------
// Dimension helpers

function isKnown(dims: Dim[] | undefined): dims is number[] {
  return dims?.every((d) => typeof d === 'number') ?? false;
}

function product(dims: Dim[]): Dim {
  let p = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return dims.length === 1 ? d : null;
    p *= d;
  }
  return p;
}

/**
 * `axis` as an index in [0, rank) — or [0, rank] where the operator allows the end (`endInclusive`,
 * e.g. Flatten) — after checking it against the operator's allowed range.
 */
function normalizeAxis(axis: number, rank: number, what = 'axis', endInclusive = false): number {
  const last = endInclusive ? rank : rank - 1;
  if (!Number.isInteger(axis) || axis < -rank || axis > last)
    throw new InvalidNodeError(
      `${what} ${axis} is out of range for ${rank === 0 ? 'a scalar' : `rank-${rank} input`} (allowed: ${-rank} to ${last})`,
    );
  return axis < 0 ? axis + rank : axis;
}

/** `rank` unknown dimensions, or an unknown rank when `rank` is not a plausible one. */
function unknownDims(rank: Dim | undefined): Dim[] | undefined {
  return typeof rank === 'number' && Number.isInteger(rank) && rank >= 0 && rank <= MAX_RANK
    ? new Array(rank).fill(null)
    : undefined;
}

/** Conv/pool inputs are [N, C, spatial…]: at least one spatial axis. */
function spatialAxes(node: Node, rank: number): number {
  if (rank < 3)
    throw new InvalidNodeError(
      `${node.opType} needs an input of rank 3 or more ([N, C, spatial…]), got rank ${rank}`,
    );
  return rank - 2;
}

/** Numpy-style broadcasting of any number of shapes. */
export function broadcastShapes(shapes: (Dim[] | undefined)[]): Dim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const known = shapes as Dim[][];
  const rank = Math.max(0, ...known.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of known) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim === 1) dim = d;
      else if (dim !== d) dim = typeof dim === 'number' && typeof d === 'number' ? Math.max(dim, d) : null;
    }
    out.push(dim);
  }
  return out;
}

/** Output length of a sliding window (conv/pool) along one axis. */
export function windowOutput(
  size: Dim,
  kernel: number,
  stride: number,
  dilation: number,
  padBegin: number,
  padEnd: number,
  autoPad: string,
  ceilMode = false,
): Dim {
  if (typeof size !== 'number') return null;
  const span = (kernel - 1) * dilation + 1;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / stride);
  if (autoPad === 'VALID') return Math.ceil((size - span + 1) / stride);
  const exact = (size + padBegin + padEnd - span) / stride + 1;
  if (!ceilMode) return Math.floor(exact);
  let out = Math.ceil(exact);
  // As in PyTorch (and onnxruntime): the last window must start inside the input or left padding.
  if ((out - 1) * stride >= size + padBegin) out--;
  return out;
}

/** Kernel, strides, dilations, pads and auto_pad of a conv/pool node with `spatial` axes. */
export function windowAttributes(node: Node, spatial: number, kernelFallback?: number[]) {
  const kernel = attrInts(node, 'kernel_shape') ?? kernelFallback ?? [];
  const strides = attrInts(node, 'strides') ?? new Array(spatial).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array(spatial).fill(1);
  const pads = attrInts(node, 'pads') ?? new Array(spatial * 2).fill(0);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const ceilMode = attrInt(node, 'ceil_mode', 0) === 1;
  return { kernel, strides, dilations, pads, autoPad, ceilMode };
}

// ---------------------------------------------------------------------------------------------
// Rule builders

const same: Rule = (_n, [x]) => [x ? { dataType: x.dataType, shape: x.shape } : undefined];

const sameKeepValue: Rule = (_n, [x]) => [x ? { ...x } : undefined];

function elementwise(resultType?: DataType, typeFromInput = 0): Rule {
  return (node, inputs) => {
    const present = inputs.filter((i): i is TensorFacts => i !== undefined);
    if (present.length !== inputs.length)
      return [{ dataType: resultType ?? inputs[typeFromInput]?.dataType }];
    const shape = broadcastShapes(present.map((i) => i.shape));
    const facts: TensorFacts = { dataType: resultType ?? present[typeFromInput]?.dataType, shape };
    const value = foldElementwise(node.opType, present);
    if (value) facts.value = value;
    return [facts];
  };
}

function foldElementwise(opType: string, inputs: TensorFacts[]): number[] | undefined {
  if (inputs.length !== 2 || !inputs[0].value || !inputs[1].value) return undefined;
  const [a, b] = [inputs[0].value, inputs[1].value];
  if (a.length !== b.length && a.length !== 1 && b.length !== 1) return undefined;
  const integer = inputs[0].dataType !== undefined && !inputs[0].dataType.startsWith('float');
  const n = Math.max(a.length, b.length);
  const at = (v: number[], i: number) => (v.length === 1 ? v[0] : v[i]);
  const op: Record<string, (x: number, y: number) => number> = {
    Add: (x, y) => x + y,
    Sub: (x, y) => x - y,
    Mul: (x, y) => x * y,
    Div: (x, y) => (integer ? Math.trunc(x / y) : x / y),
    Max: Math.max,
    Min: Math.min,
    Equal: (x, y) => (x === y ? 1 : 0),
    Greater: (x, y) => (x > y ? 1 : 0),
    Less: (x, y) => (x < y ? 1 : 0),
    GreaterOrEqual: (x, y) => (x >= y ? 1 : 0),
    LessOrEqual: (x, y) => (x <= y ? 1 : 0),
    And: (x, y) => (x && y ? 1 : 0),
    Or: (x, y) => (x || y ? 1 : 0),
    Xor: (x, y) => (x ? 1 : 0) ^ (y ? 1 : 0),
  };
  const f = op[opType];
  if (!f) return undefined;
  return Array.from({ length: n }, (_, i) => f(at(a, i), at(b, i)));
}

/** `lead` (batch, channels), then each spatial axis's output size under the window `a`. */
function slidingWindowDims(
  lead: Dim[],
  shape: readonly Dim[],
  spatial: number,
  a: ReturnType<typeof windowAttributes>,
  ceilMode: boolean,
): Dim[] {
  const dims = [...lead];
  for (let i = 0; i < spatial; i++)
    dims.push(
      windowOutput(
        shape[2 + i],
        a.kernel[i],
        a.strides[i],
        a.dilations[i],
        a.pads[i],
        a.pads[i + spatial],
        a.autoPad,
        ceilMode,
      ),
    );
  return dims;
}

const conv: Rule = (node, [x, w]) => {
  const dataType = x?.dataType;
  if (!x?.shape || !w?.shape) return [{ dataType }];
  const spatial = spatialAxes(node, x.shape.length);
  const a = windowAttributes(
    node,
    spatial,
    w.shape.slice(2).map((d) => (typeof d === 'number' ? d : 1)),
  );
  return [{ dataType, shape: slidingWindowDims([x.shape[0], w.shape[0]], x.shape, spatial, a, false) }];
};

const convTranspose: Rule = (node, [x, w]) => {
  const dataType = x?.dataType;
  if (!x?.shape || !w?.shape) return [{ dataType }];
  const spatial = x.shape.length - 2;
  const group = attrInt(node, 'group', 1);
  const outChannels = typeof w.shape[1] === 'number' ? w.shape[1] * group : null;
  const outputShape = attrInts(node, 'output_shape');
  const a = windowAttributes(
    node,
    spatial,
    w.shape.slice(2).map((d) => (typeof d === 'number' ? d : 1)),
  );
  const outputPadding = attrInts(node, 'output_padding') ?? new Array(spatial).fill(0);
  const dims: Dim[] = [x.shape[0], outChannels];
  for (let i = 0; i < spatial; i++) {
    const size = x.shape[2 + i];
    if (outputShape) dims.push(outputShape[outputShape.length - spatial + i]);
    else if (typeof size !== 'number') dims.push(null);
    else if (a.autoPad === 'SAME_UPPER' || a.autoPad === 'SAME_LOWER') dims.push(size * a.strides[i]);
    else {
      const span = (a.kernel[i] - 1) * a.dilations[i] + 1;
      dims.push(a.strides[i] * (size - 1) + outputPadding[i] + span - a.pads[i] - a.pads[i + spatial]);
    }
  }
  return [{ dataType, shape: dims }];
};

const pool: Rule = (node, [x]) => {
  const dataType = x?.dataType;
  if (!x?.shape) return [{ dataType }, { dataType: 'int64' }];
  const spatial = spatialAxes(node, x.shape.length);
  const a = windowAttributes(node, spatial);
  const dims = slidingWindowDims([x.shape[0], x.shape[1]], x.shape, spatial, a, a.ceilMode);
  return [
    { dataType, shape: dims },
    { dataType: 'int64', shape: dims },
  ];
};

const globalPool: Rule = (_n, [x]) => [
  {
    dataType: x?.dataType,
    shape: x?.shape ? [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)] : undefined,
  },
];

const gemm: Rule = (node, [a, b]) => {
  const dataType = a?.dataType;
  if (!a?.shape || !b?.shape) return [{ dataType }];
  const m = attrInt(node, 'transA', 0) ? a.shape[1] : a.shape[0];
  const n = attrInt(node, 'transB', 0) ? b.shape[0] : b.shape[1];
  return [{ dataType, shape: [m, n] }];
};

/** numpy.matmul output shape (rank-1 operands are promoted, then their extra axis dropped). */
export function matMulShape(a: Dim[], b: Dim[]): Dim[] | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  const left = a.length === 1 ? [1, a[0]] : a;
  const right = b.length === 1 ? [b[0], 1] : b;
  const batch = broadcastShapes([left.slice(0, -2), right.slice(0, -2)]) ?? [];
  const out = [...batch];
  if (a.length > 1) out.push(left[left.length - 2]);
  if (b.length > 1) out.push(right[right.length - 1]);
  return out;
}

function matMul(resultType?: DataType, aIndex = 0, bIndex = 1, typeIndex = 0): Rule {
  return (_n, inputs) => {
    const [a, b] = [inputs[aIndex], inputs[bIndex]];
    const dataType = resultType ?? inputs[typeIndex]?.dataType ?? (typeIndex !== 0 ? 'uint8' : undefined);
    if (!a?.shape || !b?.shape) return [{ dataType }];
    return [{ dataType, shape: matMulShape(a.shape, b.shape) }];
  };
}

const flatten: Rule = (node, [x]) => {
  if (!x?.shape) return [{ dataType: x?.dataType }];
  const axis = normalizeAxis(attrInt(node, 'axis', 1), x.shape.length, 'axis', true);
  return [{ dataType: x.dataType, shape: [product(x.shape.slice(0, axis)), product(x.shape.slice(axis))] }];
};

const reshape: Rule = (node, [x, shapeInput], ctx) => {
  const dataType = x?.dataType;
  const target = ctx.opset >= 5 ? shapeInput?.value : attrInts(node, 'shape');
  if (!target) {
    const rank = shapeInput?.shape?.[0];
    return [{ dataType, shape: unknownDims(rank) }];
  }
  const allowZero = attrInt(node, 'allowzero', 0) === 1;
  const inShape = x?.shape;
  const out: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? (inShape?.[i] ?? null) : d));
  const inferred = out.indexOf(-1);
  if (inferred >= 0) {
    out[inferred] = null;
    if (inShape) {
      // Dims copied by 0 cancel out, which keeps symbolic batch sizes inferable.
      const copied = new Set(target.map((d, i) => (d === 0 && !allowZero ? i : -1)).filter((i) => i >= 0));
      const rest = inShape.filter((_, i) => !copied.has(i));
      const known = out.filter((_, i) => i !== inferred && !copied.has(i));
      const total = product(rest);
      const part = product(known);
      if (typeof total === 'number' && typeof part === 'number' && part !== 0 && total % part === 0)
        out[inferred] = total / part;
    }
  }
  const facts: TensorFacts = { dataType, shape: out };
  if (x?.value) facts.value = x.value;
  return [facts];
};

const transpose: Rule = (node, [x]) => {
  if (!x?.shape) return [{ dataType: x?.dataType }];
  const shape = x.shape;
  const perm = attrInts(node, 'perm') ?? shape.map((_, i) => shape.length - 1 - i);
  if (
    perm.length !== shape.length ||
    new Set(perm.map((p) => normalizeAxis(p, shape.length, 'perm entry'))).size !== perm.length
  )
    throw new InvalidNodeError(
      `perm [${perm.join(', ')}] is not a permutation of the ${shape.length} axes of its input`,
    );
  return [{ dataType: x.dataType, shape: perm.map((p) => shape[p]) }];
};

const concat: Rule = (node, inputs) => {
  const present = inputs.filter((i): i is TensorFacts => i !== undefined);
  const dataType = present[0]?.dataType;
  const first = present.find((i) => i.shape)?.shape;
  if (!first || present.some((i) => !i.shape)) return [{ dataType, shape: first?.map(() => null) }];
  const axis = normalizeAxis(attrInt(node, 'axis', 0), first.length);
  const shape = [...first];
  let total: Dim = 0;
  for (const i of present) {
    const d = i.shape![axis];
    total = typeof total === 'number' && typeof d === 'number' ? total + d : null;
  }
  shape[axis] = total;
  const facts: TensorFacts = { dataType, shape };
  if (present.every((i) => i.value)) facts.value = present.flatMap((i) => i.value!);
  return [facts];
};

const split: Rule = (node, [x, splitInput], ctx) => {
  const count = node.outputs.length;
  if (!x?.shape) return new Array(count).fill({ dataType: x?.dataType });
  const axis = normalizeAxis(attrInt(node, 'axis', 0), x.shape.length);
  const size = x.shape[axis];
  let sizes: (number | null)[] | undefined = ctx.opset >= 13 ? splitInput?.value : attrInts(node, 'split');
  if (!sizes) {
    if (typeof size === 'number') {
      const chunk = Math.ceil(size / count);
      sizes = Array.from({ length: count }, (_, i) => Math.max(0, Math.min(chunk, size - chunk * i)));
    } else sizes = new Array(count).fill(null);
  }
  const shape = x.shape;
  return sizes.map((s) => ({ dataType: x.dataType, shape: shape.map((d, i) => (i === axis ? s : d)) }));
};

function axesOf(node: Node, axesInput: TensorFacts | undefined, ctx: InferenceContext, sinceOpset: number) {
  return ctx.opset >= sinceOpset ? axesInput?.value : attrInts(node, 'axes');
}

const squeeze: Rule = (node, [x, axesInput], ctx) => {
  if (!x?.shape) return [{ dataType: x?.dataType }];
  const shape = x.shape;
  const axes = axesOf(node, axesInput, ctx, 13)?.map((a) => normalizeAxis(a, shape.length, 'axes entry'));
  if (!axes && axesInput && ctx.opset >= 13) return [{ dataType: x.dataType }];
  const out = shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  return [{ dataType: x.dataType, shape: out, value: x.value }];
};

const unsqueeze: Rule = (node, [x, axesInput], ctx) => {
  const axes = axesOf(node, axesInput, ctx, 13);
  if (!x?.shape || !axes) return [{ dataType: x?.dataType }];
  const rank = x.shape.length + axes.length;
  const normalized = axes.map((a) => normalizeAxis(a, rank, 'axes entry'));
  const out: Dim[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(normalized.includes(i) ? 1 : x.shape[next++]);
  return [{ dataType: x.dataType, shape: out, value: x.value }];
};

const slice: Rule = (node, inputs, ctx) => {
  const x = inputs[0];
  if (!x?.shape) return [{ dataType: x?.dataType }];
  const shape = x.shape;
  const fromInputs = ctx.opset >= 10;
  const starts = fromInputs ? inputs[1]?.value : attrInts(node, 'starts');
  const ends = fromInputs ? inputs[2]?.value : attrInts(node, 'ends');
  const axes = (fromInputs ? inputs[3]?.value : attrInts(node, 'axes')) ?? starts?.map((_, i) => i);
  const steps = (fromInputs ? inputs[4]?.value : undefined) ?? starts?.map(() => 1);
  if (!starts || !ends || !axes || !steps) return [{ dataType: x.dataType, shape: shape.map(() => null) }];
  const out = [...shape];
  const ranges: [number, number, number][] = [];
  axes.forEach((rawAxis, i) => {
    const axis = normalizeAxis(rawAxis, shape.length, 'axes entry');
    if (steps[i] === 0) throw new InvalidNodeError('a Slice step of 0 never advances');
    const size = shape[axis];
    if (typeof size !== 'number') {
      out[axis] = null;
      return;
    }
    const range = sliceRange(size, starts[i], ends[i], steps[i]);
    out[axis] = range.count;
    if (axis === 0) ranges.push([range.start, range.count, steps[i]]);
  });
  const facts: TensorFacts = { dataType: x.dataType, shape: out };
  if (x.value && shape.length === 1 && ranges.length === 1) {
    const [start, count, step] = ranges[0];
    facts.value = Array.from({ length: count }, (_, i) => x.value![start + i * step]);
  }
  return [facts];
};

function sliceRange(size: number, start: number, end: number, step: number) {
  const clampIndex = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + size : v, lo), hi);
  if (step > 0) {
    const s = clampIndex(start, 0, size);
    const e = clampIndex(end, 0, size);
    return { start: s, count: Math.max(0, Math.ceil((e - s) / step)) };
  }
  const s = clampIndex(start, -1, size - 1);
  const e = clampIndex(end, -1, size - 1);
  return { start: s, count: Math.max(0, Math.ceil((e - s) / step)) };
}

const gather: Rule = (node, [data, indices]) => {
  if (!data?.shape || !indices?.shape) return [{ dataType: data?.dataType }];
  const axis = normalizeAxis(attrInt(node, 'axis', 0), data.shape.length);
  const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  const facts: TensorFacts = { dataType: data.dataType, shape };
  if (data.value && indices.value && data.shape.length === 1) {
    const n = data.value.length;
    facts.value = indices.value.map((i) => data.value![i < 0 ? i + n : i]);
  }
  return [facts];
};

const shapeOp: Rule = (node, [x]) => {
  if (!x?.shape) return [{ dataType: 'int64', shape: [null] }];
  const rank = x.shape.length;
  // start and end are clamped to the rank (as the operator defines), so never out of range.
  const start = normalizeAxis(
    Math.max(-rank, Math.min(attrInt(node, 'start', 0), rank)),
    rank,
    'start',
    true,
  );
  const end = normalizeAxis(Math.max(-rank, Math.min(attrInt(node, 'end', rank), rank)), rank, 'end', true);
  const dims = x.shape.slice(start, Math.max(start, end));
  const facts: TensorFacts = { dataType: 'int64', shape: [dims.length] };
  if (isKnown(dims)) facts.value = dims;
  return [facts];
};

const expand: Rule = (_n, [x, shapeInput]) => {
  if (!shapeInput?.value) return [{ dataType: x?.dataType }];
  return [{ dataType: x?.dataType, shape: broadcastShapes([x?.shape, shapeInput.value]) }];
};

const tile: Rule = (_n, [x, repeats]) => {
  if (!x?.shape || !repeats?.value) return [{ dataType: x?.dataType, shape: x?.shape?.map(() => null) }];
  const r = repeats.value;
  return [{ dataType: x.dataType, shape: x.shape.map((d, i) => (typeof d === 'number' ? d * r[i] : null)) }];
};

const pad: Rule = (node, [x, padsInput], ctx) => {
  if (!x?.shape) return [{ dataType: x?.dataType }];
  const rank = x.shape.length;
  const pads = ctx.opset >= 11 ? padsInput?.value : (attrInts(node, 'pads') ?? attrInts(node, 'paddings'));
  if (!pads) return [{ dataType: x.dataType, shape: x.shape.map(() => null) }];
  return [
    {
      dataType: x.dataType,
      shape: x.shape.map((d, i) => (typeof d === 'number' ? d + pads[i] + pads[i + rank] : null)),
    },
  ];
};

const resize: Rule = (node, inputs, ctx) => {
  const x = inputs[0];
  if (!x?.shape) return [{ dataType: x?.dataType }];
  const shape = x.shape;
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (node.opType === 'Upsample') scales = ctx.opset >= 9 ? inputs[1]?.value : attrFloats(node);
  else if (ctx.opset < 11) scales = inputs[1]?.value;
  else {
    scales = inputs[2]?.value?.length ? inputs[2].value : undefined;
    sizes = inputs[3]?.value;
  }
  if (sizes) return [{ dataType: x.dataType, shape: sizes }];
  if (!scales) return [{ dataType: x.dataType, shape: shape.map(() => null) }];
  return [
    {
      dataType: x.dataType,
      shape: shape.map((d, i) => (typeof d === 'number' ? Math.floor(d * scales[i]) : null)),
    },
  ];
};

function attrFloats(node: Node): number[] | undefined {
  const a = node.attributes.scales;
  return a?.type === 'floats' ? a.value : undefined;
}

/** ReduceX: axes became an input at opset 18 (ReduceSum at 13). */
function reduce(axesInputSince: number): Rule {
  return (node, [x, axesInput], ctx) => {
    if (!x?.shape) return [{ dataType: x?.dataType }];
    const shape = x.shape;
    const keepDims = attrInt(node, 'keepdims', 1) === 1;
    const axes = axesOf(node, axesInput, ctx, axesInputSince);
    if (!axes && axesInput && ctx.opset >= axesInputSince) return [{ dataType: x.dataType }];
    const noopWhenEmpty = attrInt(node, 'noop_with_empty_axes', 0) === 1;
    if (!axes?.length && noopWhenEmpty) return [{ dataType: x.dataType, shape }];
    const reduced = new Set(
      (axes?.length ? axes : shape.map((_, i) => i)).map((a) => normalizeAxis(a, shape.length, 'axes entry')),
    );
    const out = keepDims
      ? shape.map((d, i) => (reduced.has(i) ? 1 : d))
      : shape.filter((_, i) => !reduced.has(i));
    return [{ dataType: x.dataType, shape: out }];
  };
}

const argReduce: Rule = (node, [x]) => {
  if (!x?.shape) return [{ dataType: 'int64' }];
  const axis = normalizeAxis(attrInt(node, 'axis', 0), x.shape.length);
  const keepDims = attrInt(node, 'keepdims', 1) === 1;
  const shape = keepDims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
  return [{ dataType: 'int64', shape }];
};

const constant: Rule = (node) => {
  const tensor = attrTensor(node, 'value');
  if (tensor) return [factsOfTensor(tensor)];
  const f = attrFloat(node, 'value_float');
  if (node.attributes.value_float && f !== undefined) return [{ dataType: 'float32', shape: [], value: [f] }];
  const i = attrInt(node, 'value_int');
  if (i !== undefined) return [{ dataType: 'int64', shape: [], value: [i] }];
  const ints = attrInts(node, 'value_ints');
  if (ints) return [{ dataType: 'int64', shape: [ints.length], value: ints }];
  const floats = node.attributes.value_floats;
  if (floats?.type === 'floats')
    return [{ dataType: 'float32', shape: [floats.value.length], value: floats.value }];
  return [{}];
};

const constantOfShape: Rule = (node, [shapeInput]) => {
  const fill = attrTensor(node, 'value');
  const dataType = fill?.dataType ?? 'float32';
  const shape = shapeInput?.value;
  if (!shape)
    return [
      {
        dataType,
        shape: unknownDims(shapeInput?.shape?.[0]),
      },
    ];
  const facts: TensorFacts = { dataType, shape };
  const count = elementCount(shape);
  if (Number.isSafeInteger(count) && count >= 0 && count <= MAX_CONSTANT_ELEMENTS)
    facts.value = new Array(count).fill(fill ? tensorToNumbers(fill)[0] : 0);
  return [facts];
};

const range: Rule = (_n, [start, limit, delta]) => {
  const dataType = start?.dataType;
  if (!start?.value || !limit?.value || !delta?.value) return [{ dataType, shape: [null] }];
  const [s, l, d] = [start.value[0], limit.value[0], delta.value[0]];
  const count = Math.max(Math.ceil((l - s) / d), 0);
  const facts: TensorFacts = { dataType, shape: [count] };
  if (Number.isSafeInteger(count) && count <= MAX_CONSTANT_ELEMENTS)
    facts.value = Array.from({ length: count }, (_, i) => s + i * d);
  return [facts];
};

const topK: Rule = (node, [x, k], ctx) => {
  const kValue = ctx.opset >= 10 ? k?.value?.[0] : attrInt(node, 'k');
  if (!x?.shape) return [{ dataType: x?.dataType }, { dataType: 'int64' }];
  const axis = normalizeAxis(attrInt(node, 'axis', -1), x.shape.length);
  const shape = x.shape.map((d, i) => (i === axis ? (kValue ?? null) : d));
  return [
    { dataType: x.dataType, shape },
    { dataType: 'int64', shape },
  ];
};

const cast: Rule = (node, [x]) => {
  const to = dataTypeFromCode(attrInt(node, 'to'));
  const facts: TensorFacts = { dataType: to, shape: x?.shape };
  if (x?.value)
    facts.value =
      to === 'bool'
        ? x.value.map((v) => (v ? 1 : 0))
        : to && !to.startsWith('float')
          ? x.value.map(Math.trunc)
          : x.value;
  return [facts];
};

const quantize: Rule = (_n, [x, , zeroPoint]) => [
  { dataType: zeroPoint?.dataType ?? 'uint8', shape: x?.shape },
];

const dequantize: Rule = (_n, [x, scale]) => [{ dataType: scale?.dataType ?? 'float32', shape: x?.shape }];

const dynamicQuantize: Rule = (_n, [x]) => [
  { dataType: 'uint8', shape: x?.shape },
  { dataType: 'float32', shape: [] },
  { dataType: 'uint8', shape: [] },
];

const qLinearConv: Rule = (node, inputs, ctx) => {
  const [out] = conv(node, [inputs[0], inputs[3]], ctx);
  return [{ ...out, dataType: inputs[7]?.dataType ?? 'uint8' }];
};

const convInteger: Rule = (node, inputs, ctx) => {
  const [out] = conv(node, inputs, ctx);
  return [{ ...out, dataType: 'int32' }];
};

const dropout: Rule = (_n, [x]) => [
  { dataType: x?.dataType, shape: x?.shape },
  { dataType: 'bool', shape: x?.shape },
];

const layerNorm: Rule = (node, [x]) => {
  if (!x?.shape) return [{ dataType: x?.dataType }];
  const axis = normalizeAxis(attrInt(node, 'axis', -1), x.shape.length);
  const stats = x.shape.map((d, i) => (i < axis ? d : 1));
  return [
    { dataType: x.dataType, shape: x.shape },
    { dataType: 'float32', shape: stats },
    { dataType: 'float32', shape: stats },
  ];
};

const depthToSpace: Rule = (node, [x]) => {
  const b = attrInt(node, 'blocksize', 1);
  const s = x?.shape;
  if (!x || s?.length !== 4) return [{ dataType: x?.dataType }];
  const scale = (d: Dim, f: number) => (typeof d === 'number' ? d * f : null);
  if (node.opType === 'DepthToSpace') {
    return [
      { dataType: x.dataType, shape: [s[0], scale(s[1], 1 / (b * b)), scale(s[2], b), scale(s[3], b)] },
    ];
  }
  return [
    { dataType: x.dataType, shape: [s[0], scale(s[1], b * b), scale(s[2], 1 / b), scale(s[3], 1 / b)] },
  ];
};

const size: Rule = (_n, [x]) => {
  const facts: TensorFacts = { dataType: 'int64', shape: [] };
  if (isKnown(x?.shape)) facts.value = [elementCount(x.shape)];
  return [facts];
};

/** Gate blocks per recurrent op: LSTM i, o, f, c; GRU z, r, h; RNN one. */
export const RECURRENT_GATES: Readonly<Record<string, number>> = { LSTM: 4, GRU: 3, RNN: 1 };

/** Sizes of a recurrent op (LSTM/GRU/RNN) from X [seq, batch, input] (layout 1: [batch, seq, input]) and W. */
export function recurrentSizes(
  node: Node,
  x: TensorFacts | undefined,
  w: TensorFacts | undefined,
): { seq: Dim; batch: Dim; input: Dim; hidden: Dim; directions: number } | undefined {
  const shape = x?.shape;
  if (shape?.length !== 3) return undefined;
  const layout = attrInt(node, 'layout', 0);
  const [seq, batch] = layout === 1 ? [shape[1], shape[0]] : [shape[0], shape[1]];
  const direction = attrString(node, 'direction', 'forward');
  const directions = direction === 'bidirectional' ? 2 : 1;
  const gates = RECURRENT_GATES[node.opType] ?? 1;
  const fromW = w?.shape?.[1];
  const hidden: Dim = attrInt(node, 'hidden_size') ?? (typeof fromW === 'number' ? fromW / gates : null);
  return { seq, batch, input: shape[2], hidden, directions };
}

/** LSTM/GRU/RNN outputs: Y [seq, dirs, batch, hidden] and Y_h (and LSTM's Y_c) [dirs, batch, hidden]; layout 1 puts batch first. */
const recurrent: Rule = (node, [x, w]) => {
  const sizes = recurrentSizes(node, x, w);
  const dataType = x?.dataType;
  if (!sizes) return node.outputs.map(() => ({ dataType }));
  const { seq, batch, hidden, directions } = sizes;
  const layout = attrInt(node, 'layout', 0);
  const y: Dim[] = layout === 1 ? [batch, seq, directions, hidden] : [seq, directions, batch, hidden];
  const state: Dim[] = layout === 1 ? [batch, directions, hidden] : [directions, batch, hidden];
  return node.outputs.map((_, i) => ({ dataType, shape: i === 0 ? y : state }));
};

const identity: Rule = sameKeepValue;

const SAME_SHAPE_OPS = [
  ...UNARY_ELEMENTWISE_OPS,
  'Sin',
  'Cos',
  'Tan',
  'Shrink',
  'BatchNormalization',
  'InstanceNormalization',
  'LpNormalization',
  'LRN',
  'MeanVarianceNormalization',
  'Softmax',
  'LogSoftmax',
  'Hardmax',
  'Trilu',
  'CumSum',
  'ReverseSequence',
];

const RULES: Record<string, Rule> = {
  Identity: identity,
  Dropout: dropout,
  Cast: cast,
  CastLike: (_n, [x, like]) => [{ dataType: like?.dataType, shape: x?.shape, value: x?.value }],
  Not: (_n, [x]) => [
    { dataType: 'bool', shape: x?.shape, ...(x?.value ? { value: x.value.map((v) => (v ? 0 : 1)) } : {}) },
  ],
  IsNaN: (_n, [x]) => [{ dataType: 'bool', shape: x?.shape }],
  IsInf: (_n, [x]) => [{ dataType: 'bool', shape: x?.shape }],
  Add: elementwise(),
  Sub: elementwise(),
  Mul: elementwise(),
  Div: elementwise(),
  Pow: elementwise(),
  Mod: elementwise(),
  Max: elementwise(),
  Min: elementwise(),
  Mean: elementwise(),
  Sum: elementwise(),
  PRelu: elementwise(),
  BitShift: elementwise(),
  Equal: elementwise('bool'),
  Greater: elementwise('bool'),
  Less: elementwise('bool'),
  GreaterOrEqual: elementwise('bool'),
  LessOrEqual: elementwise('bool'),
  And: elementwise('bool'),
  Or: elementwise('bool'),
  Xor: elementwise('bool'),
  Where: elementwise(undefined, 1),
  Conv: conv,
  ConvTranspose: convTranspose,
  ConvInteger: convInteger,
  QLinearConv: qLinearConv,
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  Gemm: gemm,
  MatMul: matMul(),
  MatMulInteger: matMul('int32'),
  QLinearMatMul: matMul(undefined, 0, 3, 7),
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Concat: concat,
  Split: split,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Slice: slice,
  Gather: gather,
  Shape: shapeOp,
  Size: size,
  Expand: expand,
  Tile: tile,
  Pad: pad,
  Resize: resize,
  Upsample: resize,
  ReduceMean: reduce(18),
  ReduceMax: reduce(18),
  ReduceMin: reduce(18),
  ReduceProd: reduce(18),
  ReduceL1: reduce(18),
  ReduceL2: reduce(18),
  ReduceLogSum: reduce(18),
  ReduceLogSumExp: reduce(18),
  ReduceSumSquare: reduce(18),
  ReduceSum: reduce(13),
  ArgMax: argReduce,
  ArgMin: argReduce,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  TopK: topK,
  QuantizeLinear: quantize,
  DequantizeLinear: dequantize,
  DynamicQuantizeLinear: dynamicQuantize,
  LayerNormalization: layerNorm,
  DepthToSpace: depthToSpace,
  SpaceToDepth: depthToSpace,
  LSTM: recurrent,
  GRU: recurrent,
  RNN: recurrent,
};
for (const op of SAME_SHAPE_OPS) RULES[op] = same;
