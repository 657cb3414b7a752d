/**
 * What an adapter may ask while it rewrites one node: facts about values (rank, shape, type,
 * constant value), whether an output is read, fresh names, and new constants. An adapter that
 * cannot keep the node's meaning exactly calls `refuse` with the reason.
 */
import type { DataType } from '../dtype.js';
import { float16BitsFromNumber } from '../float16.js';
import { attrTensor, createTensor, type Dim, type Graph, type Model, type Node, type Tensor } from '../ir.js';
import type { TensorFacts } from '../shape-rules.js';

/** Thrown by an adapter that cannot rewrite a node exactly; the upgrade then leaves the model alone. */
export class UpgradeRefusal extends Error {}

export interface AdapterContext {
  /** The graph the node lives in (the main graph or a subgraph). */
  readonly graph: Graph;
  /** The opset being entered: the node leaves this step in its opset-`step` form. */
  readonly step: number;
  rank(value: string): number | undefined;
  shape(value: string): Dim[] | undefined;
  dataType(value: string): DataType | undefined;
  /** The tensor a value always holds (a constant initializer or a Constant node's output). */
  constant(value: string): Tensor | undefined;
  /** True when a node (here or in a subgraph) or a graph output reads the value. */
  isRead(value: string): boolean;
  /** A name unique in the whole model. */
  name(base: string): string;
  /** Adds a constant and returns its name (an initializer in the main graph, else a Constant node). */
  addConstant(base: string, tensor: Omit<Tensor, 'name'>): string;
  int64s(base: string, values: readonly number[]): string;
  /** A 0-d tensor of `dataType` (float types only) holding `value`. */
  scalar(base: string, dataType: DataType, value: number): string;
  /** A node with a fresh name. */
  node(opType: string, inputs: string[], outputs: string[], attributes?: Node['attributes']): Node;
  /** Stops the upgrade of this node: `why` says what keeps it from being exact. */
  refuse(why: string): never;
}

export interface ContextOptions {
  model: Model;
  graph: Graph;
  isMain: boolean;
  step: number;
  facts: () => Map<string, TensorFacts>;
  readers: () => Set<string>;
  name: (base: string) => string;
  /** Nodes to insert before the node being adapted (Constant nodes in subgraphs). */
  pending: Node[];
}

const FLOAT_STORAGE: Partial<Record<DataType, (v: number) => Tensor['data']>> = {
  float32: (v) => Float32Array.of(v),
  float64: (v) => Float64Array.of(v),
  float16: (v) => Uint16Array.of(float16BitsFromNumber(v)),
};

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Attribute ints arrive as JS numbers: 2^63 − 1 (the "to the end" of Slice) reads as 2^63, clamp it back. */
function int64Of(value: number): bigint {
  const v = BigInt(Math.trunc(value));
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

export function createContext(options: ContextOptions): AdapterContext {
  const { model, graph } = options;
  const producers = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) producers.set(o, n);
  const facts = (value: string): TensorFacts | undefined => {
    const init = graph.initializers.get(value);
    if (init) return { dataType: init.dataType, shape: [...init.dims] };
    return options.facts().get(value);
  };
  const ctx: AdapterContext = {
    graph,
    step: options.step,
    rank: (value) => facts(value)?.shape?.length,
    shape: (value) => facts(value)?.shape,
    dataType: (value) => facts(value)?.dataType,
    constant(value) {
      const init = graph.initializers.get(value);
      // From IR 4 on, an initializer that is also a graph input is only a default the caller may override.
      if (init) return model.irVersion >= 4 && graph.inputs.some((v) => v.name === value) ? undefined : init;
      const producer = producers.get(value);
      if (producer?.opType === 'Constant' && (producer.domain === '' || producer.domain === 'ai.onnx'))
        return attrTensor(producer, 'value');
      return undefined;
    },
    isRead: (value) => options.readers().has(value),
    name: options.name,
    addConstant(base, tensor) {
      const name = options.name(base);
      const full = createTensor(name, tensor.dataType, tensor.dims, tensor.data);
      if (options.isMain) {
        graph.initializers.set(name, full);
        // IR < 4 lists every initializer among the graph inputs.
        if (model.irVersion < 4) graph.inputs.push({ name, dataType: full.dataType, shape: [...full.dims] });
      } else {
        // A subgraph's inputs are positional (Loop/Scan bodies): a Constant node keeps them as they are.
        options.pending.push({
          name: options.name(`${name}_Constant`),
          opType: 'Constant',
          domain: '',
          inputs: [],
          outputs: [name],
          attributes: { value: { type: 'tensor', value: full } },
        });
      }
      return name;
    },
    int64s(base, values) {
      return ctx.addConstant(base, {
        dataType: 'int64',
        dims: [values.length],
        data: BigInt64Array.from(values.map(int64Of)),
      });
    },
    scalar(base, dataType, value) {
      const make = FLOAT_STORAGE[dataType];
      if (!make) ctx.refuse(`needs a ${dataType} constant, which this upgrader does not write`);
      return ctx.addConstant(base, { dataType, dims: [], data: make(value) });
    },
    node(opType, inputs, outputs, attributes = {}) {
      return {
        name: options.name(`${outputs[0]}_${opType}`),
        opType,
        domain: '',
        inputs,
        outputs,
        attributes,
      };
    },
    refuse(why) {
      throw new UpgradeRefusal(why);
    },
  };
  return ctx;
}
