/**
 * One adapter per operator version boundary: `adapter(node, ctx)` turns a node valid just below
 * opset `ctx.step` into the same computation in the op's version at `ctx.step`. Each follows the
 * ONNX operator changelog (docs/Changelog.md of onnx/onnx) for the two versions it joins; where the
 * old version's meaning cannot be kept exactly, the adapter refuses and says why.
 */
import type { DataType } from '../dtype.js';
import {
  attr,
  attrFloat,
  attrFloats,
  attrInt,
  attrInts,
  attrString,
  type Node,
  tensorToNumbers,
} from '../ir.js';
import type { AdapterContext } from './context.js';

/** Rewrites `node` in place (returns nothing) or returns the nodes that replace it. */
export type Adapter = (node: Node, ctx: AdapterContext) => Node[] | undefined;

function drop(node: Node, ...names: string[]): void {
  for (const n of names) delete node.attributes[n];
}

function required(ctx: AdapterContext, value: number[] | undefined, what: string): number[] {
  if (!value) return ctx.refuse(`has no ${what}`);
  return value;
}

/** The element type of a float input, for constants that must match it. */
function floatTypeOf(ctx: AdapterContext, value: string, why: string): DataType {
  const type = ctx.dataType(value);
  if (type === 'float32' || type === 'float16' || type === 'float64') return type;
  return ctx.refuse(`${why}: the element type of '${value}' is ${type ?? 'unknown'}`);
}

// ---- opset 2 ---------------------------------------------------------------------------------

/** Pad-2 renamed `paddings` to `pads`; both list begins then ends ([x1_begin, x2_begin, …, x1_end, …]). */
export const padPaddingsToPads: Adapter = (node, ctx) => {
  const paddings = attrInts(node, 'paddings');
  if (!paddings && !attrInts(node, 'pads')) return ctx.refuse('has no paddings attribute');
  if (paddings) node.attributes.pads = attr.ints(paddings);
  drop(node, 'paddings');
  return undefined;
};

/**
 * Split-2 gave `axis` a default (0) and dropped the second input. Split-1 had no default axis, so
 * a Split-1 without one has no defined meaning; a split input must be a constant to become the attribute.
 */
export const splitToV2: Adapter = (node, ctx) => {
  if (attrInt(node, 'axis') === undefined) return ctx.refuse('has no axis, and Split-1 defines no default');
  if (node.inputs[1]) {
    const lengths = ctx.constant(node.inputs[1]);
    if (!lengths) return ctx.refuse('takes its split lengths from a computed tensor');
    if (node.attributes.split) return ctx.refuse('has split lengths both as an attribute and as an input');
    node.attributes.split = attr.ints(tensorToNumbers(lengths));
  }
  node.inputs = [node.inputs[0]];
  return undefined;
};

/** LpPool-2 and GlobalLpPool-2 take `p` as an integer (a float before); LpPool-2 requires kernel_shape. */
export const lpPoolToV2: Adapter = (node, ctx) => {
  const p = node.attributes.p;
  if (p?.type === 'float') {
    if (!Number.isInteger(p.value)) return ctx.refuse(`has p=${p.value}, and version 2 takes an integer p`);
    node.attributes.p = attr.int(p.value);
  }
  if (node.opType === 'LpPool' && !attrInts(node, 'kernel_shape')) return ctx.refuse('has no kernel_shape');
  return undefined;
};

// ---- opset 4 ---------------------------------------------------------------------------------

/** Concat-4 requires `axis`; Concat-1 defaulted it to 1. */
export const concatAxisRequired: Adapter = (node) => {
  if (attrInt(node, 'axis') === undefined) node.attributes.axis = attr.int(1);
  return undefined;
};

// ---- opset 5 ---------------------------------------------------------------------------------

/** Reshape-5 takes the target shape as an int64 input (an attribute before); same 0 and -1 rules. */
export const reshapeShapeToInput: Adapter = (node, ctx) => {
  if (node.inputs.length > 1 && node.inputs[1])
    return ctx.refuse('has a second input, which Reshape-1 does not take');
  const shape = required(ctx, attrInts(node, 'shape'), 'shape attribute');
  node.inputs = [node.inputs[0], ctx.int64s(`${node.outputs[0]}_shape`, shape)];
  drop(node, 'shape', 'consumed_inputs');
  return undefined;
};

// ---- opset 6 ---------------------------------------------------------------------------------

/** Version 6 of many ops only removed the legacy in-place hint `consumed_inputs`. */
export const dropConsumedInputs: Adapter = (node) => {
  drop(node, 'consumed_inputs');
  return undefined;
};

/** Selu-1's defaults (alpha 1.6732, gamma 1.0507) are not Selu-6's (1.67326…, 1.05070…): keep them explicit. */
export const seluToV6: Adapter = (node) => {
  drop(node, 'consumed_inputs');
  if (!node.attributes.alpha) node.attributes.alpha = attr.float(1.6732);
  if (!node.attributes.gamma) node.attributes.gamma = attr.float(1.0507);
  return undefined;
};

/** TensorProto.DataType codes by the names Cast-1 took as a string. */
const CAST_TYPE_CODES: Readonly<Record<string, number>> = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
};

/** Cast-6 takes `to` as a TensorProto.DataType code; Cast-1 took the type's name. */
export const castToV6: Adapter = (node, ctx) => {
  const to = node.attributes.to;
  if (to?.type === 'string') {
    const code = CAST_TYPE_CODES[to.value.toUpperCase()];
    if (code === undefined) return ctx.refuse(`casts to '${to.value}', which is not a TensorProto data type`);
    node.attributes.to = attr.int(code);
  } else if (to?.type !== 'int') return ctx.refuse('has no target type');
  return undefined;
};

/** Tile-1 repeated along one axis (`tiles`, `axis` inputs); Tile-6 takes one repeat count per axis. */
export const tileToV6: Adapter = (node, ctx) => {
  const [x, tilesName, axisName] = node.inputs;
  const tiles = tilesName ? ctx.constant(tilesName) : undefined;
  const axisTensor = axisName ? ctx.constant(axisName) : undefined;
  if (!tiles || !axisTensor) return ctx.refuse('takes tiles or axis from a computed tensor');
  const rank = ctx.rank(x);
  if (rank === undefined) return ctx.refuse(`needs the rank of '${x}', which is unknown`);
  const count = tensorToNumbers(tiles)[0];
  let axis = tensorToNumbers(axisTensor)[0];
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return ctx.refuse(`has axis ${axis} outside the input's rank ${rank}`);
  const repeats = Array.from({ length: rank }, (_, i) => (i === axis ? count : 1));
  node.inputs = [x, ctx.int64s(`${node.outputs[0]}_repeats`, repeats)];
  return undefined;
};

// ---- opset 7 ---------------------------------------------------------------------------------

/**
 * Before opset 7, binary ops broadcast only with `broadcast=1`, and then B aligns with A starting at
 * `axis` (suffix-aligned when `axis` is absent). From 7 on they broadcast like numpy, aligning the
 * trailing dimensions. Trailing-aligned B (and equal shapes, and 1-element B) mean the same in both;
 * otherwise B gets trailing 1-dimensions so that numpy aligns it at `axis`.
 */
export const legacyBroadcastToNumpy: Adapter = (node, ctx) => {
  const broadcast = attrInt(node, 'broadcast', 0);
  const axis = attrInt(node, 'axis');
  drop(node, 'broadcast', 'axis', 'consumed_inputs');
  if (!broadcast || axis === undefined) return undefined;
  const [a, b] = node.inputs;
  const rankA = ctx.rank(a);
  const rankB = ctx.rank(b);
  if (rankA === undefined || rankB === undefined)
    return ctx.refuse(`broadcasts B at axis ${axis}, which needs the ranks of A and B (unknown here)`);
  if (axis < 0)
    return ctx.refuse(`broadcasts at a negative axis (${axis}), which the legacy rule does not define`);
  if (axis + rankB > rankA)
    return ctx.refuse(`broadcasts a rank-${rankB} B at axis ${axis} of a rank-${rankA} A`);
  const trailing = rankA - axis - rankB;
  if (trailing === 0) return undefined;
  const aligned = unsqueezeTrailing(ctx, b, rankB, trailing, `${node.outputs[0]}_B`);
  node.inputs = [a, aligned.name, ...node.inputs.slice(2)];
  return [...aligned.nodes, node];
};

/** `value` with `count` trailing 1-dimensions: a reshaped constant when it is one, else an Unsqueeze. */
function unsqueezeTrailing(
  ctx: AdapterContext,
  value: string,
  rank: number,
  count: number,
  base: string,
): { name: string; nodes: Node[] } {
  const constant = ctx.constant(value);
  if (constant && ctx.graph.initializers.get(value) === constant) {
    const name = ctx.addConstant(base, {
      dataType: constant.dataType,
      dims: [...constant.dims, ...Array(count).fill(1)],
      data: constant.data,
    });
    return { name, nodes: [] };
  }
  const name = ctx.name(base);
  const axes = Array.from({ length: count }, (_, i) => rank + i);
  return { name, nodes: [ctx.node('Unsqueeze', [value], [name], { axes: attr.ints(axes) })] };
}

/**
 * Gemm-7 broadcasts C like numpy (unidirectionally to (M, N)) and dropped `broadcast`. Every C the
 * legacy rule accepted (the shape of A·B, a suffix of it, or one element) broadcasts the same way.
 */
export const gemmToV7: Adapter = (node) => {
  drop(node, 'broadcast');
  return undefined;
};

/**
 * PRelu-1/6 (from Caffe2, whose wording the spec kept) applies a 1-D slope per channel (axis 1) or
 * shares a 1-element one; PRelu-7 broadcasts slope like numpy (trailing axes). A 1-D slope on an
 * input of rank > 2 gets trailing 1-dimensions so it stays on the channel axis.
 */
export const preluToV7: Adapter = (node, ctx) => {
  drop(node, 'consumed_inputs');
  const [x, slope] = node.inputs;
  const slopeShape = ctx.shape(slope);
  if (!slopeShape) return ctx.refuse(`needs the shape of slope '${slope}', which is unknown`);
  const elements = slopeShape.reduce<number | null>(
    (n, d) => (n !== null && typeof d === 'number' ? n * d : null),
    1,
  );
  if (elements === 1) return undefined;
  const rank = ctx.rank(x);
  if (rank === undefined) return ctx.refuse(`needs the rank of '${x}', which is unknown`);
  if (slopeShape.length === rank) return undefined;
  if (slopeShape.length !== 1 || rank < 2)
    return ctx.refuse(
      `has a rank-${slopeShape.length} slope on a rank-${rank} input, which the legacy rule does not define`,
    );
  if (rank === 2) return undefined;
  const aligned = unsqueezeTrailing(ctx, slope, 1, rank - 2, `${node.outputs[0]}_slope`);
  node.inputs = [x, aligned.name];
  return [...aligned.nodes, node];
};

/** Outputs beyond the first that something reads. */
function readExtraOutputs(node: Node, ctx: AdapterContext): string[] {
  return node.outputs.slice(1).filter((o) => o && ctx.isRead(o));
}

/**
 * BatchNormalization-7 dropped `is_test`: one output means inference. A legacy node in training
 * mode (is_test=0, the default) normalizes by batch statistics, which no inference graph reproduces.
 */
export const batchNormToV7: Adapter = (node, ctx) => {
  if (attrInt(node, 'is_test', 0) === 0)
    return ctx.refuse(
      'is in training mode (is_test=0): it normalizes by batch statistics, not the stored ones',
    );
  if (attrInt(node, 'spatial', 1) === 0) return ctx.refuse('has spatial=0');
  const extra = readExtraOutputs(node, ctx);
  if (extra.length > 0) return ctx.refuse(`has its training outputs read (${extra.join(', ')})`);
  node.outputs = [node.outputs[0]];
  drop(node, 'is_test', 'consumed_inputs');
  return undefined;
};

/** Dropout-7 dropped `is_test`: in inference it is the identity, as the legacy test mode was. */
export const dropoutToV7: Adapter = (node, ctx) => {
  if (attrInt(node, 'is_test', 0) === 0)
    return ctx.refuse('is in training mode (is_test=0): its output is random, not the identity');
  if (readExtraOutputs(node, ctx).length > 0)
    return ctx.refuse('has its mask read, which test mode does not fill');
  node.outputs = [node.outputs[0]];
  drop(node, 'is_test', 'consumed_inputs');
  return undefined;
};

/** The experimental Upsample (height_scale, width_scale on NCHW) as Upsample-7 (one scale per axis). */
export const upsampleExperimentalToV7: Adapter = (node, ctx) => {
  if (node.attributes.scales) return undefined;
  const h = attrFloat(node, 'height_scale');
  const w = attrFloat(node, 'width_scale');
  if (h === undefined || w === undefined) return ctx.refuse('has no height_scale/width_scale');
  const mode = attrString(node, 'mode', 'nearest');
  if (mode !== 'nearest')
    return ctx.refuse(
      `uses '${mode}' interpolation, whose coordinate convention the experimental op leaves undefined`,
    );
  node.attributes = { mode: attr.string('nearest'), scales: attr.floats([1, 1, h, w]) };
  return undefined;
};

/** RNN-1/GRU-1/GRU-3/LSTM-1 wrote the recurrence as H·R, version 7 as H·Rᵀ: not the same weights. */
export const recurrentToV7: Adapter = (_node, ctx) =>
  ctx.refuse(
    'writes its recurrence as H·R where version 7 writes H·Rᵀ; the weights would have to be guessed',
  );

// ---- opset 9 ---------------------------------------------------------------------------------

/** BatchNormalization-9 dropped `spatial` (always per channel). */
export const batchNormToV9: Adapter = (node, ctx) => {
  if (attrInt(node, 'spatial', 1) === 0) return ctx.refuse('has spatial=0, which version 9 cannot express');
  drop(node, 'spatial');
  return undefined;
};

/** Upsample-9 takes `scales` as an input (an attribute before). */
export const upsampleScalesToInput: Adapter = (node, ctx) => {
  const scales = attrFloats(node, 'scales');
  if (!scales) return node.inputs[1] ? undefined : ctx.refuse('has no scales');
  const name = ctx.addConstant(`${node.outputs[0]}_scales`, {
    dataType: 'float32',
    dims: [scales.length],
    data: Float32Array.from(scales),
  });
  node.inputs = [node.inputs[0], name];
  drop(node, 'scales');
  return undefined;
};

// ---- opset 10 --------------------------------------------------------------------------------

/** Resize nodes that came from Upsample: Upsample's scales are ≥ 1, so nearest rounds down. */
const fromUpsample = new WeakSet<Node>();

/** Upsample is deprecated at 10 (onnxruntime refuses it); Resize-10 is defined as the same computation. */
export const upsampleToResize: Adapter = (node, ctx) => {
  if (!node.inputs[1]) return ctx.refuse('has no scales input');
  const mode = attrString(node, 'mode', 'nearest');
  node.opType = 'Resize';
  node.attributes = { mode: attr.string(mode === 'bilinear' ? 'linear' : mode) };
  fromUpsample.add(node);
  return undefined;
};

/** Slice-10 takes starts, ends and axes as inputs; the axes are written out (default 0, 1, …). */
export const sliceAttributesToInputs: Adapter = (node, ctx) => {
  const starts = required(ctx, attrInts(node, 'starts'), 'starts');
  const ends = required(ctx, attrInts(node, 'ends'), 'ends');
  const axes = attrInts(node, 'axes') ?? starts.map((_, i) => i);
  const out = node.outputs[0];
  node.inputs = [
    node.inputs[0],
    ctx.int64s(`${out}_starts`, starts),
    ctx.int64s(`${out}_ends`, ends),
    ctx.int64s(`${out}_axes`, axes),
  ];
  drop(node, 'starts', 'ends', 'axes');
  return undefined;
};

/** TopK-10 takes k as a 1-element int64 input. */
export const topKToInput: Adapter = (node, ctx) => {
  const k = attrInt(node, 'k');
  if (k === undefined) return ctx.refuse('has no k');
  node.inputs = [node.inputs[0], ctx.int64s(`${node.outputs[0]}_k`, [k])];
  drop(node, 'k');
  return undefined;
};

/** Dropout-10's mask is bool (it was the data type before): a mask that something reads would change type. */
export const dropoutToV10: Adapter = (node, ctx) => {
  if (readExtraOutputs(node, ctx).length > 0)
    return ctx.refuse('has its mask read, whose type changes to bool');
  node.outputs = [node.outputs[0]];
  return undefined;
};

function floatAttr(node: Node, ctx: AdapterContext, name: string, fallback?: number): number {
  const value = attrFloat(node, name) ?? fallback;
  if (value === undefined) return ctx.refuse(`has no ${name}`);
  return value;
}

/** Experimental ops left the default domain at opset 10: each is written with standard ops. */
function elementwiseChain(
  node: Node,
  ctx: AdapterContext,
  steps: Array<{ op: string; operand?: number | string }>,
): Node[] {
  const type = floatTypeOf(ctx, node.inputs[0], 'needs constants of its input type');
  let current = node.inputs[0];
  const nodes: Node[] = [];
  steps.forEach((s, i) => {
    const out =
      i === steps.length - 1 ? node.outputs[0] : ctx.name(`${node.outputs[0]}_${s.op.toLowerCase()}`);
    const operand =
      typeof s.operand === 'number'
        ? ctx.scalar(`${node.outputs[0]}_${s.op.toLowerCase()}_k`, type, s.operand)
        : s.operand;
    nodes.push(ctx.node(s.op, operand === undefined ? [current] : [current, operand], [out]));
    current = out;
  });
  return nodes;
}

export const affineToStandard: Adapter = (node, ctx) =>
  elementwiseChain(node, ctx, [
    { op: 'Mul', operand: floatAttr(node, ctx, 'alpha', 1) },
    { op: 'Add', operand: floatAttr(node, ctx, 'beta', 0) },
  ]);

export const scaleToStandard: Adapter = (node, ctx) =>
  elementwiseChain(node, ctx, [{ op: 'Mul', operand: floatAttr(node, ctx, 'scale', 1) }]);

export const scaledTanhToStandard: Adapter = (node, ctx) =>
  elementwiseChain(node, ctx, [
    { op: 'Mul', operand: floatAttr(node, ctx, 'beta') },
    { op: 'Tanh' },
    { op: 'Mul', operand: floatAttr(node, ctx, 'alpha') },
  ]);

export const parametricSoftplusToStandard: Adapter = (node, ctx) =>
  elementwiseChain(node, ctx, [
    { op: 'Mul', operand: floatAttr(node, ctx, 'beta') },
    { op: 'Softplus' },
    { op: 'Mul', operand: floatAttr(node, ctx, 'alpha') },
  ]);

/** ImageScaler: scale · x + bias[c] on NCHW. */
export const imageScalerToStandard: Adapter = (node, ctx) => {
  const scale = floatAttr(node, ctx, 'scale', 1);
  const bias = attrFloats(node, 'bias');
  if (!bias) return elementwiseChain(node, ctx, [{ op: 'Mul', operand: scale }]);
  const type = floatTypeOf(ctx, node.inputs[0], 'needs a bias of its input type');
  if (type !== 'float32') return ctx.refuse(`has a ${type} input; only float32 bias is written`);
  const biasName = ctx.addConstant(`${node.outputs[0]}_bias`, {
    dataType: 'float32',
    dims: [1, bias.length, 1, 1],
    data: Float32Array.from(bias),
  });
  return elementwiseChain(node, ctx, [
    { op: 'Mul', operand: scale },
    { op: 'Add', operand: biasName },
  ]);
};

// ---- opset 11 --------------------------------------------------------------------------------

/** Clip-11 takes min and max as optional scalar inputs of the input's type. */
export const clipAttributesToInputs: Adapter = (node, ctx) => {
  const min = attrFloat(node, 'min');
  const max = attrFloat(node, 'max');
  drop(node, 'min', 'max');
  if (min === undefined && max === undefined) return undefined;
  const type = floatTypeOf(ctx, node.inputs[0], 'needs min/max of its input type');
  const out = node.outputs[0];
  node.inputs = [
    node.inputs[0],
    min === undefined ? '' : ctx.scalar(`${out}_min`, type, min),
    max === undefined ? '' : ctx.scalar(`${out}_max`, type, max),
  ];
  while (node.inputs[node.inputs.length - 1] === '') node.inputs.pop();
  return undefined;
};

/** Pad-11 takes pads (int64) and the constant value (the input's type) as inputs. */
export const padAttributesToInputs: Adapter = (node, ctx) => {
  const pads = required(ctx, attrInts(node, 'pads'), 'pads');
  const value = attrFloat(node, 'value', 0);
  const out = node.outputs[0];
  node.inputs = [node.inputs[0], ctx.int64s(`${out}_pads`, pads)];
  if (value !== 0)
    node.inputs.push(
      ctx.scalar(`${out}_value`, floatTypeOf(ctx, node.inputs[0], 'pads with a value'), value),
    );
  drop(node, 'pads', 'value');
  return undefined;
};

/**
 * Resize-10 maps output to input coordinates as out / scale and, for nearest, rounds down when
 * upsampling and up when downsampling (onnxruntime's reference behaviour). Resize-11 says so with
 * coordinate_transformation_mode=asymmetric and one nearest_mode for all axes, and takes an roi input.
 */
export const resizeToV11: Adapter = (node, ctx) => {
  const mode = attrString(node, 'mode', 'nearest');
  const [x, scales] = node.inputs;
  const attributes: Node['attributes'] = {
    mode: attr.string(mode),
    coordinate_transformation_mode: attr.string('asymmetric'),
  };
  if (mode === 'nearest') {
    let rounding: 'floor' | 'ceil' = 'floor';
    if (!fromUpsample.has(node)) {
      const values = scales ? ctx.constant(scales) : undefined;
      if (!values)
        return ctx.refuse('takes its scales from a computed tensor, so its rounding cannot be told');
      const s = tensorToNumbers(values);
      if (s.every((v) => v <= 1) && s.some((v) => v < 1)) rounding = 'ceil';
      else if (!s.every((v) => v >= 1))
        return ctx.refuse('up- and downsamples at once, which one nearest_mode cannot express');
    }
    attributes.nearest_mode = attr.string(rounding);
  }
  const roi = ctx.addConstant(`${node.outputs[0]}_roi`, {
    dataType: 'float32',
    dims: [0],
    data: new Float32Array(0),
  });
  node.inputs = [x, roi, scales];
  node.attributes = attributes;
  return undefined;
};

/** Scatter is deprecated at 11; ScatterElements-11 is the same operator under a new name. */
export const scatterToScatterElements: Adapter = (node) => {
  node.opType = 'ScatterElements';
  return undefined;
};

// ---- opset 12 --------------------------------------------------------------------------------

/** Dropout-12 takes the ratio as an input (it matters in training mode only). */
export const dropoutRatioToInput: Adapter = (node, ctx) => {
  const ratio = attrFloat(node, 'ratio');
  drop(node, 'ratio');
  if (ratio === undefined) return undefined;
  node.inputs = [node.inputs[0], ctx.scalar(`${node.outputs[0]}_ratio`, 'float32', ratio)];
  return undefined;
};

// ---- opset 13 --------------------------------------------------------------------------------

/** Squeeze/Unsqueeze/ReduceSum-13 take axes as an int64 input (Split-13 likewise its split lengths). */
export function listAttributeToInput(attribute: string): Adapter {
  return (node, ctx) => {
    const values = attrInts(node, attribute);
    if (!values) return undefined;
    node.inputs = [node.inputs[0], ctx.int64s(`${node.outputs[0]}_${attribute}`, values)];
    drop(node, attribute);
    return undefined;
  };
}

/**
 * Before 13, Softmax/LogSoftmax/Hardmax flatten the input to 2-D at `axis` (default 1) and work on
 * the second dimension; from 13 they work along one axis (default -1). The same when `axis` is the
 * last one; otherwise the 2-D form is written out (Flatten, the op on axis 1, Reshape back).
 */
export const softmaxToV13: Adapter = (node, ctx) => {
  const axis = attrInt(node, 'axis', 1);
  const x = node.inputs[0];
  const rank = ctx.rank(x);
  if (rank !== undefined && (axis === rank - 1 || axis === -1)) {
    node.attributes = { axis: attr.int(-1) };
    return undefined;
  }
  const out = node.outputs[0];
  const shape = ctx.name(`${out}_shape`);
  const flat = ctx.name(`${out}_flat`);
  const flatOut = ctx.name(`${out}_2d`);
  return [
    ctx.node('Shape', [x], [shape]),
    ctx.node('Flatten', [x], [flat], { axis: attr.int(axis) }),
    { ...node, inputs: [flat], outputs: [flatOut], attributes: { axis: attr.int(1) } },
    ctx.node('Reshape', [flatOut, shape], [out]),
  ];
};
