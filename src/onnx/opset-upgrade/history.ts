/**
 * The version history of every ai.onnx operator up to opset 13, with what each version boundary
 * needs. Audited op by op against the ONNX operator changelog: a boundary marked SAME is one where
 * every input the old version accepted gives the same result in the new one (new attributes whose
 * defaults keep the old behaviour, wider type lists, negative axes newly allowed, broadcasting that
 * only accepts more). Every other boundary has an adapter (adapters.ts), which refuses what it
 * cannot keep exact.
 */
import * as a from './adapters.js';

export const SAME = 'same' as const;
export type Step = typeof SAME | a.Adapter;

export interface OpHistory {
  /** The opsets at which a version of the op was introduced, ascending. */
  versions: number[];
  /** What each version after the first needs from a node of the previous version. */
  steps: Record<number, Step>;
  /** Experimental ops (no versioning; gone from the default domain at opset 10). */
  experimental?: boolean;
}

/** The highest opset this upgrader reaches. */
export const MAX_UPGRADE_OPSET = 13;

function op(versions: number[], adapters: Record<number, a.Adapter> = {}): OpHistory {
  const steps: Record<number, Step> = {};
  for (const v of versions.slice(1)) steps[v] = adapters[v] ?? SAME;
  for (const v of Object.keys(adapters)) {
    if (!versions.includes(Number(v))) throw new Error(`adapter at ${v} for an op without a version ${v}`);
  }
  return { versions, steps };
}

function experimental(steps: Record<number, a.Adapter>): OpHistory {
  return { versions: [1, ...Object.keys(steps).map(Number)], steps, experimental: true };
}

const c = a.dropConsumedInputs;
const bc = a.legacyBroadcastToNumpy;

/** Unary float ops whose version 6 removed consumed_inputs and version 13 added types. */
const unary6 = (): OpHistory => op([1, 6, 13], { 6: c });

export const OP_HISTORY: Readonly<Record<string, OpHistory>> = {
  Abs: unary6(),
  Acos: op([7]),
  Acosh: op([9]),
  Add: op([1, 6, 7, 13], { 6: c, 7: bc }),
  And: op([1, 7], { 7: bc }),
  ArgMax: op([1, 11, 12, 13]),
  ArgMin: op([1, 11, 12, 13]),
  Asin: op([7]),
  Asinh: op([9]),
  Atan: op([7]),
  Atanh: op([9]),
  // AveragePool-1 already excluded padding from the average: count_include_pad=0 (7's default).
  AveragePool: op([1, 7, 10, 11]),
  BatchNormalization: op([1, 6, 7, 9], { 6: c, 7: a.batchNormToV7, 9: a.batchNormToV9 }),
  BitShift: op([11]),
  Cast: op([1, 6, 9, 13], { 6: a.castToV6 }),
  Ceil: unary6(),
  Celu: op([12]),
  Clip: op([1, 6, 11, 12, 13], { 6: c, 11: a.clipAttributesToInputs }),
  Compress: op([9, 11]),
  Concat: op([1, 4, 11, 13], { 4: a.concatAxisRequired }),
  ConcatFromSequence: op([11]),
  Constant: op([1, 9, 11, 12, 13]),
  ConstantOfShape: op([9]),
  Conv: op([1, 11]),
  ConvInteger: op([10]),
  ConvTranspose: op([1, 11]),
  Cos: op([7]),
  Cosh: op([9]),
  CumSum: op([11]),
  // DepthToSpace-11's mode defaults to DCR, the order version 1 used.
  DepthToSpace: op([1, 11, 13]),
  DequantizeLinear: op([10, 13]),
  Det: op([11]),
  Div: op([1, 6, 7, 13], { 6: c, 7: bc }),
  Dropout: op([1, 6, 7, 10, 12, 13], {
    6: c,
    7: a.dropoutToV7,
    10: a.dropoutToV10,
    12: a.dropoutRatioToInput,
  }),
  DynamicQuantizeLinear: op([11]),
  Einsum: op([12]),
  Elu: op([1, 6], { 6: c }),
  Equal: op([1, 7, 11, 13], { 7: bc }),
  Erf: op([9, 13]),
  Exp: unary6(),
  Expand: op([8, 13]),
  EyeLike: op([9]),
  Flatten: op([1, 9, 11, 13]),
  Floor: unary6(),
  GRU: op([1, 3, 7], { 7: a.recurrentToV7 }),
  Gather: op([1, 11, 13]),
  GatherElements: op([11, 13]),
  GatherND: op([11, 12, 13]),
  Gemm: op([1, 6, 7, 9, 11, 13], { 7: a.gemmToV7 }),
  GlobalAveragePool: op([1]),
  GlobalLpPool: op([1, 2], { 2: a.lpPoolToV2 }),
  GlobalMaxPool: op([1]),
  Greater: op([1, 7, 9, 13], { 7: bc }),
  GreaterOrEqual: op([12]),
  HardSigmoid: op([1, 6], { 6: c }),
  Hardmax: op([1, 11, 13], { 13: a.softmaxToV13 }),
  Identity: op([1, 13]),
  If: op([1, 11, 13]),
  InstanceNormalization: op([1, 6], { 6: c }),
  IsInf: op([10]),
  IsNaN: op([9, 13]),
  LRN: op([1, 13]),
  LSTM: op([1, 7], { 7: a.recurrentToV7 }),
  LeakyRelu: op([1, 6], { 6: c }),
  Less: op([1, 7, 9, 13], { 7: bc }),
  LessOrEqual: op([12]),
  Log: unary6(),
  LogSoftmax: op([1, 11, 13], { 13: a.softmaxToV13 }),
  Loop: op([1, 11, 13]),
  LpNormalization: op([1]),
  LpPool: op([1, 2, 11], { 2: a.lpPoolToV2 }),
  MatMul: op([1, 9, 13]),
  MatMulInteger: op([10]),
  Max: op([1, 6, 8, 12, 13], { 6: c }),
  // MaxPool-8 added the optional Indices output and storage_order; 10 ceil_mode and dilations.
  MaxPool: op([1, 8, 10, 11, 12]),
  MaxRoiPool: op([1]),
  MaxUnpool: op([9, 11]),
  Mean: op([1, 6, 8, 13], { 6: c }),
  Min: op([1, 6, 8, 12, 13], { 6: c }),
  Mod: op([10, 13]),
  Mul: op([1, 6, 7, 13], { 6: c, 7: bc }),
  Multinomial: op([7]),
  Neg: unary6(),
  NegativeLogLikelihoodLoss: op([12, 13]),
  NonMaxSuppression: op([10, 11]),
  NonZero: op([9, 13]),
  Not: op([1]),
  OneHot: op([9, 11]),
  Or: op([1, 7], { 7: bc }),
  PRelu: op([1, 6, 7, 9], { 6: c, 7: a.preluToV7 }),
  Pad: op([1, 2, 11, 13], { 2: a.padPaddingsToPads, 11: a.padAttributesToInputs }),
  Pow: op([1, 7, 12, 13], { 7: bc }),
  QLinearConv: op([10]),
  QLinearMatMul: op([10]),
  QuantizeLinear: op([10, 13]),
  RNN: op([1, 7], { 7: a.recurrentToV7 }),
  RandomNormal: op([1]),
  RandomNormalLike: op([1]),
  RandomUniform: op([1]),
  RandomUniformLike: op([1]),
  Range: op([11]),
  Reciprocal: unary6(),
  ReduceL1: op([1, 11, 13]),
  ReduceL2: op([1, 11, 13]),
  ReduceLogSum: op([1, 11, 13]),
  ReduceLogSumExp: op([1, 11, 13]),
  ReduceMax: op([1, 11, 12, 13]),
  ReduceMean: op([1, 11, 13]),
  ReduceMin: op([1, 11, 12, 13]),
  ReduceProd: op([1, 11, 13]),
  ReduceSum: op([1, 11, 13], { 13: a.listAttributeToInput('axes') }),
  ReduceSumSquare: op([1, 11, 13]),
  Relu: unary6(),
  Reshape: op([1, 5, 13], { 5: a.reshapeShapeToInput }),
  Resize: op([10, 11, 13], { 11: a.resizeToV11 }),
  ReverseSequence: op([10]),
  RoiAlign: op([10]),
  Round: op([11]),
  Scan: op([8, 9, 11], {
    9: (_n, ctx) => ctx.refuse('is Scan-8, whose batch axis and sequence_lens input Scan-9 dropped'),
  }),
  Scatter: op([9, 11], { 11: a.scatterToScatterElements }),
  ScatterElements: op([11, 13]),
  ScatterND: op([11, 13]),
  Selu: op([1, 6], { 6: a.seluToV6 }),
  SequenceAt: op([11]),
  SequenceConstruct: op([11]),
  SequenceEmpty: op([11]),
  SequenceErase: op([11]),
  SequenceInsert: op([11]),
  SequenceLength: op([11]),
  Shape: op([1, 13]),
  Shrink: op([9]),
  Sigmoid: unary6(),
  Sign: op([9, 13]),
  Sin: op([7]),
  Sinh: op([9]),
  Size: op([1, 13]),
  Slice: op([1, 10, 11, 13], { 10: a.sliceAttributesToInputs }),
  Softmax: op([1, 11, 13], { 13: a.softmaxToV13 }),
  SoftmaxCrossEntropyLoss: op([12, 13]),
  Softplus: op([1]),
  Softsign: op([1]),
  SpaceToDepth: op([1, 13]),
  Split: op([1, 2, 11, 13], { 2: a.splitToV2, 13: a.listAttributeToInput('split') }),
  SplitToSequence: op([11]),
  Sqrt: unary6(),
  Squeeze: op([1, 11, 13], { 13: a.listAttributeToInput('axes') }),
  StringNormalizer: op([10]),
  Sub: op([1, 6, 7, 13], { 6: c, 7: bc }),
  Sum: op([1, 6, 8, 13], { 6: c }),
  Tan: op([7]),
  Tanh: unary6(),
  TfIdfVectorizer: op([9]),
  // The experimental ThresholdedRelu-1 and the standard ThresholdedRelu-10 are the same function.
  ThresholdedRelu: { ...op([1, 10]), experimental: true },
  Tile: op([1, 6, 13], { 6: a.tileToV6 }),
  TopK: op([1, 10, 11], { 10: a.topKToInput }),
  Transpose: op([1, 13]),
  Unique: op([11]),
  Unsqueeze: op([1, 11, 13], { 13: a.listAttributeToInput('axes') }),
  Upsample: {
    versions: [1, 7, 9, 10],
    steps: { 7: a.upsampleExperimentalToV7, 9: a.upsampleScalesToInput, 10: a.upsampleToResize },
    experimental: true,
  },
  Where: op([9]),
  Xor: op([1, 7], { 7: bc }),
  // Experimental ops of opset 1: kept while they exist (up to 9), then written with standard ops.
  Affine: experimental({ 10: a.affineToStandard }),
  ImageScaler: experimental({ 10: a.imageScalerToStandard }),
  ParametricSoftplus: experimental({ 10: a.parametricSoftplusToStandard }),
  Scale: experimental({ 10: a.scaleToStandard }),
  ScaledTanh: experimental({ 10: a.scaledTanhToStandard }),
  Crop: experimental({
    10: (_n, ctx) => ctx.refuse('is experimental and has no standard form written here'),
  }),
  MeanVarianceNormalization: {
    versions: [1, 9, 13],
    steps: {
      9: (_n, ctx) =>
        ctx.refuse('is the experimental MeanVarianceNormalization-1, whose attributes version 9 replaced'),
      13: SAME,
    },
    experimental: true,
  },
};

/** The version of `opType` a model at `opset` uses, or undefined when the op does not exist there. */
export function versionAt(history: OpHistory, opset: number): number | undefined {
  let found: number | undefined;
  for (const v of history.versions) if (v <= opset) found = v;
  return found;
}

/** ai.onnx ops whose opset < 7 versions the upgrader carries to opset 7 (some refuse particular nodes). */
export function legacyOpsHandled(): string[] {
  return Object.entries(OP_HISTORY)
    .filter(([, h]) => h.versions[0] < 7)
    .filter(([, h]) => {
      for (const [v, step] of Object.entries(h.steps))
        if (Number(v) <= 7 && step === a.recurrentToV7) return false;
      return true;
    })
    .map(([name]) => name)
    .sort();
}
