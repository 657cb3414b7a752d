/**
 * Typed helpers that write opset-17 ONNX graphs the way a framework exports them un-optimized:
 * every BatchNormalization and activation is its own node. Shapes are tracked as nodes are added
 * (with the same rules as static inference), so layers know their input channels.
 *
 * Parameters get PyTorch-style names (`layer1.0.conv1.weight`) and seeded, deterministic values:
 * each tensor draws from its own random stream keyed by (seed, name).
 */
import type { DataType } from './dtype.js';
import {
  type Attribute,
  attr,
  createTensor,
  DEFAULT_IR_VERSION,
  type Dim,
  elementCount,
  type Graph,
  type Model,
  type Node,
  type Tensor,
} from './ir.js';
import { Rng } from './random.js';
import { factsOfTensor, inferNodeOutputs, type TensorFacts } from './shape-rules.js';
import { batchNormStatistics, biasUniform, kaimingUniform } from './weight-init.js';

export const BUILDER_OPSET = 17;

export interface GraphBuilderOptions {
  /** Graph name. */
  name: string;
  /** Seed of every random stream (default 0). */
  seed?: number;
  /**
   * 'random' (default) fills weights; 'none' allocates nothing and leaves each initializer's data
   * empty — enough to count parameters and FLOPs quickly, but such a model cannot be saved or run.
   */
  weights?: 'random' | 'none';
  producerName?: string;
  producerVersion?: string;
  docString?: string;
}

/** A per-axis value: one number for every spatial axis, or one number per axis. */
export type PerAxis = number | number[];

export interface ConvOptions {
  outChannels: number;
  kernel: PerAxis;
  stride?: PerAxis;
  /** Symmetric padding per axis, or explicit ONNX pads [begin…, end…] (length 2 × spatial axes). */
  padding?: PerAxis;
  dilation?: PerAxis;
  groups?: number;
  /** Default true, as in torch.nn.ConvNd. */
  bias?: boolean;
  /** Weight init gain (default √2, for a following ReLU). */
  gain?: number;
}

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  /** Scales γ (see weight-init.ts); < 1 for the last BN of a residual branch. */
  gammaScale?: number;
}

export interface PoolOptions {
  kernel: PerAxis;
  stride?: PerAxis;
  padding?: PerAxis;
  dilation?: PerAxis;
  ceilMode?: boolean;
  /** AveragePool only: count padded zeros in the divisor (torch's default is true). */
  countIncludePad?: boolean;
}

export interface LinearOptions {
  outFeatures: number;
  /** Default true, as in torch.nn.Linear. */
  bias?: boolean;
  gain?: number;
}

export class GraphBuilder {
  readonly graph: Graph;
  readonly seed: number;
  private readonly options: GraphBuilderOptions;
  private readonly facts = new Map<string, TensorFacts>();
  private readonly usedNames = new Set<string>();
  private readonly constantsByContent = new Map<string, string>();
  private readonly scopes: string[] = [];
  private readonly counters = new Map<string, number>();

  constructor(options: GraphBuilderOptions) {
    this.options = options;
    this.seed = options.seed ?? 0;
    this.graph = {
      name: options.name,
      nodes: [],
      initializers: new Map(),
      inputs: [],
      outputs: [],
      valueInfo: [],
    };
  }

  // -------------------------------------------------------------------------------------------
  // Graph plumbing

  /** Declares a graph input; returns its value name. */
  input(name: string, shape: Dim[], dataType: DataType = 'float32'): string {
    this.claim(name);
    this.graph.inputs.push({ name, dataType, shape: [...shape] });
    this.facts.set(name, { dataType, shape: [...shape] });
    return name;
  }

  /** Declares `value` a graph output, renamed to `name` if given (the producer's output is renamed). */
  output(value: string, name?: string): string {
    let outputName = value;
    if (name && name !== value) {
      const producer = this.graph.nodes.find((n) => n.outputs.includes(value));
      if (!producer) throw new Error(`output '${value}' is not produced by a node`);
      this.claim(name);
      producer.outputs = producer.outputs.map((o) => (o === value ? name : o));
      for (const node of this.graph.nodes) node.inputs = node.inputs.map((i) => (i === value ? name : i));
      this.facts.set(name, this.facts.get(value)!);
      outputName = name;
    }
    const facts = this.facts.get(outputName);
    this.graph.outputs.push({ name: outputName, dataType: facts?.dataType, shape: facts?.shape });
    return outputName;
  }

  shapeOf(value: string): Dim[] {
    const shape = this.facts.get(value)?.shape;
    if (!shape) throw new Error(`shape of '${value}' is unknown`);
    return shape;
  }

  /** The static shape of `value`; throws if a dimension is symbolic or unknown. */
  dimsOf(value: string): number[] {
    const shape = this.shapeOf(value);
    if (!shape.every((d): d is number => typeof d === 'number')) {
      throw new Error(`shape of '${value}' is not static: [${shape.join(', ')}]`);
    }
    return shape;
  }

  /** The channel dimension (axis 1), which must be static. */
  channelsOf(value: string): number {
    const channels = this.shapeOf(value)[1];
    if (typeof channels !== 'number') throw new Error(`channels of '${value}' are not static`);
    return channels;
  }

  /** The shape with a possibly symbolic batch: [batch, ...static dims]; throws if another dim is not static. */
  private staticTail(value: string): [Dim, ...number[]] {
    const [batch, ...rest] = this.shapeOf(value);
    if (!rest.every((d): d is number => typeof d === 'number')) {
      throw new Error(
        `shape of '${value}' is not static beyond the batch: [${this.shapeOf(value).join(', ')}]`,
      );
    }
    return [batch, ...rest];
  }

  dataTypeOf(value: string): DataType | undefined {
    return this.facts.get(value)?.dataType;
  }

  /** Runs `body` with `name` appended to the naming scope (`layer1` → `layer1.0` → …). */
  scope<T>(name: string | number, body: () => T): T {
    this.scopes.push(String(name));
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  /** `name` qualified by the current scope, as PyTorch names modules. */
  qualify(name: string): string {
    return [...this.scopes, name].filter(Boolean).join('.');
  }

  /**
   * Adds any node. `name` (scoped) names the node; outputs are `<node name>_output[_i]`.
   * Returns the output value names.
   */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, Attribute> = {},
    options: { name?: string; outputs?: number; domain?: string } = {},
  ): string[] {
    const name = this.uniqueNodeName(options.name ? this.qualify(options.name) : this.autoName(opType));
    const count = options.outputs ?? 1;
    const outputs = Array.from({ length: count }, (_, i) =>
      this.uniqueValueName(count === 1 ? `${name}_output` : `${name}_output_${i}`),
    );
    const node: Node = {
      name,
      opType,
      domain: options.domain ?? '',
      inputs: [...inputs],
      outputs,
      attributes,
    };
    this.graph.nodes.push(node);
    const inferred = inferNodeOutputs(
      node,
      inputs.map((i) => (i ? this.facts.get(i) : undefined)),
      { opset: BUILDER_OPSET },
    );
    for (const [i, out] of outputs.entries()) this.facts.set(out, inferred[i] ?? {});
    return outputs;
  }

  /** Adds a single-output node; returns its output. */
  op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, name?: string): string {
    return this.node(opType, inputs, attributes, { name })[0];
  }

  /** Adds an initializer under its own (unscoped) name; returns the name. */
  initializer(tensor: Tensor): string {
    this.claim(tensor.name);
    this.graph.initializers.set(tensor.name, tensor);
    this.facts.set(tensor.name, factsOfTensor(tensor));
    return tensor.name;
  }

  /** A float32 parameter named `<scope>.<name>`, filled by `fill` unless weights are 'none'. */
  parameter(name: string, dims: number[], fill: (rng: Rng, count: number) => Float32Array): string {
    const qualified = this.qualify(name);
    const count = elementCount(dims);
    const data =
      this.options.weights === 'none' ? new Float32Array(0) : fill(new Rng(this.seed, qualified), count);
    const tensor: Tensor =
      this.options.weights === 'none'
        ? { name: qualified, dataType: 'float32', dims, data }
        : createTensor(qualified, 'float32', dims, data);
    return this.initializer(tensor);
  }

  /** A shared int64 constant initializer (deduplicated by content). */
  int64Constant(values: number[], dims: number[] = [values.length]): string {
    return this.sharedConstant('int64', dims, values, () => BigInt64Array.from(values.map(BigInt)));
  }

  /** A shared float32 constant initializer (deduplicated by content). */
  float32Constant(values: number[], dims: number[] = [values.length]): string {
    return this.sharedConstant('float32', dims, values, () => Float32Array.from(values));
  }

  private sharedConstant(
    dataType: DataType,
    dims: number[],
    values: number[],
    makeData: () => Float32Array | BigInt64Array,
  ): string {
    const key = `${dataType}[${dims.join(',')}]:${values.join(',')}`;
    const existing = this.constantsByContent.get(key);
    if (existing) return existing;
    const name = this.freeName(`const_${dataType}_${values.slice(0, 6).join('_').replace(/[-.]/g, 'm')}`);
    this.initializer(createTensor(name, dataType, dims, makeData()));
    this.constantsByContent.set(key, name);
    return name;
  }

  /** The finished model (opset 17). The builder's graph is shared, not copied. */
  build(): Model {
    return {
      irVersion: DEFAULT_IR_VERSION,
      opsetImports: [{ domain: '', version: BUILDER_OPSET }],
      producerName: this.options.producerName ?? 'edgebench',
      producerVersion: this.options.producerVersion ?? '',
      domain: '',
      modelVersion: 0,
      docString: this.options.docString ?? '',
      metadata: {},
      graph: this.graph,
      functions: [],
    };
  }

  // -------------------------------------------------------------------------------------------
  // Layers

  /** ConvNd (rank from the input), weight [out, in/groups, ...kernel] and optional bias. */
  conv(x: string, o: ConvOptions, name = this.layerName('conv')): string {
    const inChannels = this.channelsOf(x);
    const spatial = this.shapeOf(x).length - 2;
    const groups = o.groups ?? 1;
    if (inChannels % groups !== 0 || o.outChannels % groups !== 0) {
      throw new Error(
        `conv ${this.qualify(name)}: channels ${inChannels}→${o.outChannels} not divisible by ${groups}`,
      );
    }
    const kernel = perAxis(o.kernel, spatial);
    const fanIn = (inChannels / groups) * elementCount(kernel);
    const weight = this.parameter(
      `${name}.weight`,
      [o.outChannels, inChannels / groups, ...kernel],
      (rng, n) => kaimingUniform(rng, n, fanIn, o.gain),
    );
    const inputs = [x, weight];
    if (o.bias ?? true)
      inputs.push(this.parameter(`${name}.bias`, [o.outChannels], (r, n) => biasUniform(r, n, fanIn)));
    return this.op(
      'Conv',
      inputs,
      {
        dilations: attr.ints(perAxis(o.dilation ?? 1, spatial)),
        group: attr.int(groups),
        kernel_shape: attr.ints(kernel),
        pads: attr.ints(onnxPads(o.padding ?? 0, spatial)),
        strides: attr.ints(perAxis(o.stride ?? 1, spatial)),
      },
      name,
    );
  }

  /** BatchNormalization (inference form) with scale, bias, running mean and variance. */
  batchNorm(x: string, o: BatchNormOptions = {}, name = this.layerName('bn')): string {
    const channels = this.channelsOf(x);
    const qualified = this.qualify(name);
    const stats =
      this.options.weights === 'none'
        ? undefined
        : batchNormStatistics(new Rng(this.seed, qualified), channels, o.gammaScale);
    const param = (suffix: string, values: Float32Array | undefined) =>
      this.parameter(`${name}.${suffix}`, [channels], () => values!);
    const inputs = [
      x,
      param('weight', stats?.scale),
      param('bias', stats?.bias),
      param('running_mean', stats?.mean),
      param('running_var', stats?.variance),
    ];
    return this.op(
      'BatchNormalization',
      inputs,
      { epsilon: attr.float(o.eps ?? 1e-5), momentum: attr.float(1 - (o.momentum ?? 0.1)) },
      name,
    );
  }

  relu(x: string, name?: string): string {
    return this.op('Relu', [x], {}, name);
  }

  clip(x: string, min: number, max: number, name?: string): string {
    return this.op('Clip', [x, this.float32Constant([min], []), this.float32Constant([max], [])], {}, name);
  }

  /** torch.nn.ReLU6, which exports as Clip(0, 6). */
  relu6(x: string, name?: string): string {
    return this.clip(x, 0, 6, name);
  }

  hardSwish(x: string, name?: string): string {
    return this.op('HardSwish', [x], {}, name);
  }

  /** Defaults are torch.nn.Hardsigmoid's: relu6(x + 3) / 6. */
  hardSigmoid(x: string, alpha = 1 / 6, beta = 0.5, name?: string): string {
    return this.op('HardSigmoid', [x], { alpha: attr.float(alpha), beta: attr.float(beta) }, name);
  }

  sigmoid(x: string, name?: string): string {
    return this.op('Sigmoid', [x], {}, name);
  }

  /** SiLU / swish as PyTorch exports it at opset 17: x * Sigmoid(x). */
  swish(x: string, name?: string): string {
    return this.mul(x, this.sigmoid(x, name && `${name}.sigmoid`), name);
  }

  maxPool(x: string, o: PoolOptions, name?: string): string {
    const spatial = this.shapeOf(x).length - 2;
    return this.op(
      'MaxPool',
      [x],
      { ...poolAttributes(o, spatial), dilations: attr.ints(perAxis(o.dilation ?? 1, spatial)) },
      name,
    );
  }

  avgPool(x: string, o: PoolOptions, name?: string): string {
    const spatial = this.shapeOf(x).length - 2;
    return this.op(
      'AveragePool',
      [x],
      { ...poolAttributes(o, spatial), count_include_pad: attr.int((o.countIncludePad ?? true) ? 1 : 0) },
      name,
    );
  }

  globalAvgPool(x: string, name?: string): string {
    return this.op('GlobalAveragePool', [x], {}, name);
  }

  /**
   * torch's AdaptiveAvgPoolNd. Exported as AveragePool when every input size is a multiple of the
   * output size (as torch.onnx does); otherwise as an exact linear map: Reshape → MatMul with a
   * constant pooling matrix (held in a Constant node, so it is not counted as a parameter) → Reshape.
   */
  adaptiveAvgPool(x: string, outSize: number[], name?: string): string {
    const [, channels, ...inSize] = this.staticTail(x);
    if (outSize.every((s) => s === 1)) return this.globalAvgPool(x, name);
    if (inSize.every((s, i) => s % outSize[i] === 0)) {
      const kernel = inSize.map((s, i) => s / outSize[i]);
      return this.avgPool(x, { kernel, stride: kernel }, name);
    }
    const matrix = adaptivePoolMatrix(inSize, outSize);
    const pooling = this.op(
      'Constant',
      [],
      {
        value: attr.tensor(
          createTensor(
            `${this.qualify(name ?? 'adaptive_pool')}.matrix`,
            'float32',
            [elementCount(inSize), elementCount(outSize)],
            matrix,
          ),
        ),
      },
      name && `${name}.matrix`,
    );
    const flat = this.reshape(x, [0, channels, elementCount(inSize)]);
    const pooled = this.op('MatMul', [flat, pooling], {}, name);
    return this.reshape(pooled, [0, channels, ...outSize]);
  }

  /** torch.nn.Linear on [N, in]: Gemm with weight [out, in] and transB=1. */
  linear(x: string, o: LinearOptions, name = this.layerName('fc')): string {
    const shape = this.shapeOf(x);
    const inFeatures = shape[shape.length - 1];
    if (typeof inFeatures !== 'number')
      throw new Error(`linear ${this.qualify(name)}: input features of '${x}' unknown`);
    const weight = this.parameter(`${name}.weight`, [o.outFeatures, inFeatures], (rng, n) =>
      kaimingUniform(rng, n, inFeatures, o.gain),
    );
    const bias =
      (o.bias ?? true)
        ? this.parameter(`${name}.bias`, [o.outFeatures], (r, n) => biasUniform(r, n, inFeatures))
        : '';
    if (shape.length === 2) {
      const inputs = bias ? [x, weight, bias] : [x, weight];
      return this.op(
        'Gemm',
        inputs,
        { alpha: attr.float(1), beta: attr.float(1), transB: attr.int(1) },
        name,
      );
    }
    const transposed = this.transpose(weight, [1, 0]);
    const product = this.op('MatMul', [x, transposed], {}, name);
    return bias ? this.add(product, bias) : product;
  }

  gemm(
    a: string,
    b: string,
    c?: string,
    o: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
    name?: string,
  ): string {
    return this.op(
      'Gemm',
      c ? [a, b, c] : [a, b],
      {
        alpha: attr.float(o.alpha ?? 1),
        beta: attr.float(o.beta ?? 1),
        transA: attr.int(o.transA ? 1 : 0),
        transB: attr.int(o.transB ? 1 : 0),
      },
      name,
    );
  }

  matMul(a: string, b: string, name?: string): string {
    return this.op('MatMul', [a, b], {}, name);
  }

  concat(values: string[], axis = 1, name?: string): string {
    return this.op('Concat', values, { axis: attr.int(axis) }, name);
  }

  add(a: string, b: string, name?: string): string {
    return this.op('Add', [a, b], {}, name);
  }

  mul(a: string, b: string, name?: string): string {
    return this.op('Mul', [a, b], {}, name);
  }

  /** Reshape to `shape` (0 copies the input dimension, -1 is inferred). */
  reshape(x: string, shape: number[], name?: string): string {
    return this.op('Reshape', [x, this.int64Constant(shape)], {}, name);
  }

  flatten(x: string, axis = 1, name?: string): string {
    return this.op('Flatten', [x], { axis: attr.int(axis) }, name);
  }

  transpose(x: string, perm: number[], name?: string): string {
    return this.op('Transpose', [x], { perm: attr.ints(perm) }, name);
  }

  /** Split along `axis` into pieces of the given sizes. */
  split(x: string, sizes: number[], axis = 1, name?: string): string[] {
    return this.node(
      'Split',
      [x, this.int64Constant(sizes)],
      { axis: attr.int(axis) },
      { name, outputs: sizes.length },
    );
  }

  reduceMean(x: string, axes: number[], keepDims = false, name?: string): string {
    return this.op('ReduceMean', [x], { axes: attr.ints(axes), keepdims: attr.int(keepDims ? 1 : 0) }, name);
  }

  /**
   * ShuffleNet's channel shuffle: [N, C, ...] → [N, g, C/g, ...] → swap axes 1 and 2 → [N, C, ...].
   */
  channelShuffle(x: string, groups: number, name?: string): string {
    const [, channels, ...spatial] = this.staticTail(x);
    const grouped = this.reshape(x, [0, groups, channels / groups, ...spatial]);
    const perm = [0, 2, 1, ...spatial.map((_, i) => i + 3)];
    const swapped = this.transpose(grouped, perm, name);
    return this.reshape(swapped, [0, channels, ...spatial]);
  }

  // -------------------------------------------------------------------------------------------
  // Naming

  private claim(name: string): void {
    if (this.usedNames.has(name))
      throw new Error(`name '${name}' is already used in graph '${this.graph.name}'`);
    this.usedNames.add(name);
  }

  /** `base`, or `base_1`, `base_2`, … — the first name not yet used (not claimed). */
  private freeName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    return name;
  }

  private uniqueValueName(base: string): string {
    const name = this.freeName(base);
    this.usedNames.add(name);
    return name;
  }

  private uniqueNodeName(base: string): string {
    return this.uniqueValueName(base);
  }

  /** A layer name not yet used in this scope: `base`, then `base_1`, `base_2`, … */
  private layerName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(this.qualify(name)); i++) name = `${base}_${i}`;
    return name;
  }

  private autoName(opType: string): string {
    const key = this.qualify(opType);
    const n = this.counters.get(key) ?? 0;
    this.counters.set(key, n + 1);
    return this.qualify(`${opType}_${n}`);
  }
}

/** Expands a per-axis option to `spatial` values. */
export function perAxis(value: PerAxis, spatial: number): number[] {
  if (typeof value === 'number') return new Array(spatial).fill(value);
  if (value.length !== spatial)
    throw new RangeError(`expected ${spatial} values per axis, got [${value.join(', ')}]`);
  return [...value];
}

/** ONNX pads [begin…, end…] from symmetric per-axis padding or explicit pads. */
export function onnxPads(padding: PerAxis, spatial: number): number[] {
  if (Array.isArray(padding) && padding.length === 2 * spatial) return [...padding];
  const symmetric = perAxis(padding, spatial);
  return [...symmetric, ...symmetric];
}

function poolAttributes(o: PoolOptions, spatial: number): Record<string, Attribute> {
  const kernel = perAxis(o.kernel, spatial);
  return {
    ceil_mode: attr.int(o.ceilMode ? 1 : 0),
    kernel_shape: attr.ints(kernel),
    pads: attr.ints(onnxPads(o.padding ?? 0, spatial)),
    // torch's default stride is the kernel size.
    strides: attr.ints(perAxis(o.stride ?? kernel, spatial)),
  };
}

/**
 * The [prod(in), prod(out)] matrix of adaptive average pooling: output bin i along an axis of size
 * n → m averages input [floor(i·n/m), ceil((i+1)·n/m)), exactly as PyTorch computes it.
 */
export function adaptivePoolMatrix(inSize: number[], outSize: number[]): Float32Array {
  const axisWeights = inSize.map((n, axis) => {
    const m = outSize[axis];
    const w = new Float32Array(n * m);
    for (let i = 0; i < m; i++) {
      const start = Math.floor((i * n) / m);
      const end = Math.ceil(((i + 1) * n) / m);
      for (let j = start; j < end; j++) w[j * m + i] = 1 / (end - start);
    }
    return w;
  });
  const inCount = elementCount(inSize);
  const outCount = elementCount(outSize);
  const matrix = new Float32Array(inCount * outCount);
  const inIndex = new Array(inSize.length).fill(0);
  for (let flatIn = 0; flatIn < inCount; flatIn++) {
    unravel(flatIn, inSize, inIndex);
    const outIndex = new Array(outSize.length).fill(0);
    for (let flatOut = 0; flatOut < outCount; flatOut++) {
      unravel(flatOut, outSize, outIndex);
      let weight = 1;
      for (let a = 0; a < inSize.length && weight !== 0; a++)
        weight *= axisWeights[a][inIndex[a] * outSize[a] + outIndex[a]];
      matrix[flatIn * outCount + flatOut] = weight;
    }
  }
  return matrix;
}

function unravel(flat: number, sizes: number[], out: number[]): void {
  for (let a = sizes.length - 1; a >= 0; a--) {
    out[a] = flat % sizes[a];
    flat = Math.floor(flat / sizes[a]);
  }
}
