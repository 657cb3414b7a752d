/**
 * A mutable in-memory graph IR for ONNX models: plain objects that recipes edit in place, with
 * typed tensors for initializers. Conversion from/to the protobuf form lives in `ir-proto.ts`,
 * file I/O in `model-io.ts`.
 */
import { type DataType, storageFor, storageLength, type TensorData } from './dtype.js';
import { bfloat16ToFloat32, float16ToFloat32 } from './float16.js';
import type {
  AttributeProto,
  FunctionProto,
  SparseTensorProto,
  StringStringEntryProto,
  TypeProto,
} from './proto.js';

/** One dimension: a size, a symbolic name (e.g. 'batch'), or null when unknown. */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  /** Undefined for values that are not tensors (sequences, maps) or whose type is unknown. */
  dataType?: DataType;
  /** Undefined when even the rank is unknown. */
  shape?: Dim[];
  docString?: string;
  /** The original type of a non-tensor value, kept so it round-trips. */
  nonTensorType?: TypeProto;
}

export interface Tensor {
  name: string;
  dataType: DataType;
  dims: number[];
  /** Elements in row-major order; see `TensorData` for how each type is stored. Empty for 'string'. */
  data: TensorData;
  /** UTF-8 bytes of each element of a 'string' tensor. */
  strings?: Uint8Array[];
  docString?: string;
}

export type Attribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'graph'; value: Graph }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: Tensor[] }
  | { type: 'graphs'; value: Graph[] }
  /** Inside functions: refers to an attribute of the calling node. */
  | { type: 'ref'; value: string; refType: number }
  /** Kinds the IR does not model (sparse tensors, type protos), carried through unchanged. */
  | { type: 'proto'; value: AttributeProto };

export interface Node {
  name: string;
  opType: string;
  /** '' is the default ONNX domain (ai.onnx). */
  domain: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, Attribute>;
  docString?: string;
}

export interface Graph {
  name: string;
  /** Kept in topological order by the builder and by `topologicalSort`. */
  nodes: Node[];
  /** Insertion-ordered; keys equal each tensor's name. */
  initializers: Map<string, Tensor>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** Types/shapes of intermediate values, when known. */
  valueInfo: ValueInfo[];
  docString?: string;
  /** Carried through unchanged. */
  sparseInitializers?: SparseTensorProto[];
  quantizationAnnotations?: { tensorName: string; parameters: Record<string, string> }[];
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface Model {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  /** metadata_props as a map (duplicate keys: last wins). */
  metadata: Record<string, string>;
  graph: Graph;
  /** Model-local functions, carried through as protobuf objects. */
  functions: FunctionProto[];
}

/** IR version 8 is what onnx 1.13+ writes for opset 17 (onnxruntime reads up to 10+). */
export const DEFAULT_IR_VERSION = 8;

// ---------------------------------------------------------------------------------------------
// Tensors

export function elementCount(dims: readonly number[]): number {
  let count = 1;
  for (const d of dims) count *= d;
  return count;
}

/** Creates a tensor, checking that `data` holds exactly the elements `dims` describe. */
export function createTensor(name: string, dataType: DataType, dims: number[], data: TensorData): Tensor {
  const expected = storageLength(dataType, elementCount(dims));
  if (data.length !== expected) {
    throw new RangeError(
      `tensor '${name}': dims [${dims.join(', ')}] need ${expected} ${dataType} values, got ${data.length}`,
    );
  }
  const Storage = storageFor(dataType);
  if (Storage && !(data instanceof Storage)) {
    throw new TypeError(`tensor '${name}': ${dataType} data must be a ${Storage.name}`);
  }
  return { name, dataType, dims: [...dims], data };
}

export function float32Tensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  return createTensor(name, 'float32', dims, Float32Array.from(values));
}

export function int64Tensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return createTensor(name, 'int64', dims, data);
}

/** Elements as JS numbers (int64 beyond 2^53 loses precision); float16/bfloat16 decoded. */
export function tensorToNumbers(tensor: Tensor): number[] {
  const { data, dataType } = tensor;
  if (dataType === 'float16') return Array.from(float16ToFloat32(data as Uint16Array));
  if (dataType === 'bfloat16') return Array.from(bfloat16ToFloat32(data as Uint16Array));
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return Array.from(data as ArrayLike<number>);
}

/** Floating-point elements widened to float32 (float64 is narrowed). */
export function tensorToFloat32(tensor: Tensor): Float32Array {
  switch (tensor.dataType) {
    case 'float32':
      return tensor.data as Float32Array;
    case 'float16':
      return float16ToFloat32(tensor.data as Uint16Array);
    case 'bfloat16':
      return bfloat16ToFloat32(tensor.data as Uint16Array);
    default:
      return Float32Array.from(tensorToNumbers(tensor));
  }
}

/** Bytes the tensor's elements occupy in raw_data form. */
export function tensorByteLength(tensor: Tensor): number {
  if (tensor.strings) return tensor.strings.reduce((sum, s) => sum + s.byteLength, 0);
  return tensor.data.byteLength;
}

// ---------------------------------------------------------------------------------------------
// Attributes

/** Attribute constructors. Floats are rounded to float32 here, as the protobuf stores them. */
export const attr = {
  int: (value: number): Attribute => ({ type: 'int', value }),
  float: (value: number): Attribute => ({ type: 'float', value: Math.fround(value) }),
  string: (value: string): Attribute => ({ type: 'string', value }),
  ints: (value: number[]): Attribute => ({ type: 'ints', value }),
  floats: (value: number[]): Attribute => ({ type: 'floats', value: value.map(Math.fround) }),
  strings: (value: string[]): Attribute => ({ type: 'strings', value }),
  tensor: (value: Tensor): Attribute => ({ type: 'tensor', value }),
  graph: (value: Graph): Attribute => ({ type: 'graph', value }),
};

export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  return attrOfType(node, name, 'int') ?? fallback;
}

export function attrFloat(node: Node, name: string, fallback: number): number;
export function attrFloat(node: Node, name: string): number | undefined;
export function attrFloat(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attributes[name];
  if (a?.type === 'float' || a?.type === 'int') return a.value;
  return fallback;
}

export function attrInts(node: Node, name: string): number[] | undefined {
  const a = node.attributes[name];
  if (a?.type === 'ints') return a.value;
  if (a?.type === 'int') return [a.value];
  return undefined;
}

export function attrFloats(node: Node, name: string): number[] | undefined {
  return attrOfType(node, name, 'floats');
}

export function attrString(node: Node, name: string, fallback: string): string;
export function attrString(node: Node, name: string): string | undefined;
export function attrString(node: Node, name: string, fallback?: string): string | undefined {
  return attrOfType(node, name, 'string') ?? fallback;
}

export function attrTensor(node: Node, name: string): Tensor | undefined {
  return attrOfType(node, name, 'tensor');
}

/** The value of attribute `name` if it has the given type; undefined when absent or of another type. */
function attrOfType<T extends Attribute['type']>(
  node: Node,
  name: string,
  type: T,
): AttributeValue[T] | undefined {
  const a = node.attributes[name];
  // The comparison narrows `a` at run time; TypeScript cannot narrow a union by a generic tag.
  return a?.type === type ? (a.value as AttributeValue[T]) : undefined;
}

/** Each attribute type's value type. */
type AttributeValue = { [A in Attribute as A['type']]: A['value'] };

// ---------------------------------------------------------------------------------------------
// Graph structure

/** Subgraphs held in a node's attributes (If/Loop/Scan bodies). */
export function subgraphsOf(node: Node): Graph[] {
  const graphs: Graph[] = [];
  for (const a of Object.values(node.attributes)) {
    if (a.type === 'graph') graphs.push(a.value);
    else if (a.type === 'graphs') graphs.push(...a.value);
  }
  return graphs;
}

/** Values a subgraph reads from enclosing scopes (used but neither produced nor declared inside). */
export function outerScopeInputs(graph: Graph): Set<string> {
  const local = new Set<string>([...graph.initializers.keys(), ...graph.inputs.map((v) => v.name)]);
  for (const node of graph.nodes) for (const out of node.outputs) local.add(out);
  const outer = new Set<string>();
  for (const node of graph.nodes) {
    for (const name of nodeReads(node)) if (name && !local.has(name)) outer.add(name);
  }
  for (const out of graph.outputs) if (!local.has(out.name)) outer.add(out.name);
  return outer;
}

/** Every value a node reads: its inputs plus what its subgraphs take from the enclosing graph. */
export function nodeReads(node: Node): string[] {
  const subgraphs = subgraphsOf(node);
  if (subgraphs.length === 0) return node.inputs;
  const reads = new Set(node.inputs);
  for (const g of subgraphs) for (const name of outerScopeInputs(g)) reads.add(name);
  return [...reads];
}

/** Value name → the node that produces it. */
export function producersOf(graph: Graph): Map<string, Node> {
  const producers = new Map<string, Node>();
  for (const node of graph.nodes) for (const out of node.outputs) if (out) producers.set(out, node);
  return producers;
}

/** Value name → the nodes that read it (each node once, in graph order; subgraph reads included). */
export function consumersOf(graph: Graph): Map<string, Node[]> {
  const consumers = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    for (const name of new Set(nodeReads(node))) {
      if (!name) continue;
      const list = consumers.get(name);
      if (list) list.push(node);
      else consumers.set(name, [node]);
    }
  }
  return consumers;
}

/**
 * Reorders `graph.nodes` so every node comes after the producers of its inputs, keeping the
 * existing order where it is already valid. Throws on a cycle.
 */
export function topologicalSort(graph: Graph): void {
  const producers = producersOf(graph);
  const pending = new Map<Node, number>();
  const dependents = new Map<Node, Node[]>();
  for (const node of graph.nodes) {
    const deps = new Set<Node>();
    for (const name of nodeReads(node)) {
      const producer = producers.get(name);
      if (producer && producer !== node) deps.add(producer);
    }
    pending.set(node, deps.size);
    for (const dep of deps) {
      const list = dependents.get(dep);
      if (list) list.push(node);
      else dependents.set(dep, [node]);
    }
  }
  const order = new Map<Node, number>(graph.nodes.map((n, i) => [n, i]));
  // A min-heap on original position keeps the result stable; a sorted array is enough at graph sizes.
  const ready = graph.nodes.filter((n) => pending.get(n) === 0);
  const sorted: Node[] = [];
  while (ready.length > 0) {
    const node = ready.shift()!;
    sorted.push(node);
    for (const dependent of dependents.get(node) ?? []) {
      const left = pending.get(dependent)! - 1;
      pending.set(dependent, left);
      if (left === 0) insertByOrder(ready, dependent, order);
    }
  }
  if (sorted.length !== graph.nodes.length) {
    const stuck = graph.nodes.find((n) => pending.get(n)! > 0)!;
    throw new Error(`graph '${graph.name}' has a cycle through node '${stuck.name || stuck.opType}'`);
  }
  graph.nodes = sorted;
}

function insertByOrder(queue: Node[], node: Node, order: Map<Node, number>): void {
  const position = order.get(node)!;
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order.get(queue[mid])! < position) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, node);
}

/** Removes nodes none of whose outputs reach a graph output. Returns how many were removed. */
export function removeDeadNodes(graph: Graph): number {
  const producers = producersOf(graph);
  const live = new Set<Node>();
  const stack = graph.outputs.map((o) => o.name);
  const seen = new Set<string>();
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const producer = producers.get(name);
    if (!producer || live.has(producer)) continue;
    live.add(producer);
    for (const input of nodeReads(producer)) if (input) stack.push(input);
  }
  const before = graph.nodes.length;
  graph.nodes = graph.nodes.filter((n) => live.has(n));
  return before - graph.nodes.length;
}

/** Removes initializers no node reads (and their graph-input entries, which IR < 4 requires). */
export function removeUnusedInitializers(graph: Graph): number {
  const used = new Set<string>(graph.outputs.map((o) => o.name));
  for (const node of graph.nodes) for (const name of nodeReads(node)) used.add(name);
  const removed = new Set<string>();
  for (const name of graph.initializers.keys()) if (!used.has(name)) removed.add(name);
  for (const name of removed) graph.initializers.delete(name);
  if (removed.size > 0) graph.inputs = graph.inputs.filter((v) => !removed.has(v.name));
  return removed.size;
}

/** Graph inputs that are real model inputs (not initializers listed as inputs, as IR < 4 requires). */
export function modelInputs(graph: Graph): ValueInfo[] {
  return graph.inputs.filter((v) => !graph.initializers.has(v.name));
}

/** Returns a function that makes names unique within the graph (values and nodes alike). */
export function createNamer(graph: Graph): (base: string) => string {
  const taken = new Set<string>();
  const visit = (g: Graph): void => {
    for (const name of g.initializers.keys()) taken.add(name);
    for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo]) taken.add(v.name);
    for (const node of g.nodes) {
      if (node.name) taken.add(node.name);
      for (const name of [...node.inputs, ...node.outputs]) if (name) taken.add(name);
      for (const sub of subgraphsOf(node)) visit(sub);
    }
  };
  visit(graph);
  return (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
}

/** The opset version the model imports for `domain` ('' = ai.onnx), or undefined. */
export function opsetVersion(model: Model, domain = ''): number | undefined {
  const wanted = domain === 'ai.onnx' ? '' : domain;
  return model.opsetImports.find((o) => (o.domain === 'ai.onnx' ? '' : o.domain) === wanted)?.version;
}

/**
 * A structural deep copy. Tensor data is shared, not copied: a recipe that rewrites weights must
 * assign a new typed array rather than write into the old one.
 */
export function cloneModel(model: Model): Model {
  return {
    ...model,
    opsetImports: model.opsetImports.map((o) => ({ ...o })),
    graph: cloneGraph(model.graph),
  };
}

export function cloneGraph(graph: Graph): Graph {
  const cloneValue = (v: ValueInfo): ValueInfo => ({ ...v, shape: v.shape ? [...v.shape] : undefined });
  return {
    ...graph,
    nodes: graph.nodes.map(cloneNode),
    initializers: new Map([...graph.initializers].map(([k, t]) => [k, { ...t, dims: [...t.dims] }])),
    inputs: graph.inputs.map(cloneValue),
    outputs: graph.outputs.map(cloneValue),
    valueInfo: graph.valueInfo.map(cloneValue),
  };
}

function cloneNode(node: Node): Node {
  const attributes: Record<string, Attribute> = {};
  for (const [key, a] of Object.entries(node.attributes)) {
    if (a.type === 'graph') attributes[key] = { type: 'graph', value: cloneGraph(a.value) };
    else if (a.type === 'graphs') attributes[key] = { type: 'graphs', value: a.value.map(cloneGraph) };
    else if (a.type === 'ints' || a.type === 'floats' || a.type === 'strings') {
      attributes[key] = { ...a, value: [...a.value] } as Attribute;
    } else attributes[key] = { ...a };
  }
  return { ...node, inputs: [...node.inputs], outputs: [...node.outputs], attributes };
}

/** Entries of metadata_props as a record. */
export function metadataRecord(entries: StringStringEntryProto[] | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const e of entries ?? []) record[e.key ?? ''] = e.value ?? '';
  return record;
}
