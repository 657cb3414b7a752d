/**
 * Seeded mutations of ONNX models: structured ones on the IR (attributes out of range, dimensions
 * huge or negative, missing types, cycles, no outputs, binary names, wrong types and opsets…) and
 * byte-level ones on the encoded protobuf (bit flips, overwritten varints, truncation, splices). The
 * same seed always gives the same files, so a finding is reproduced by its case number.
 */
import type { DataType } from '../../src/onnx/dtype.js';
import { type Attribute, cloneModel, type Model, type Node, type Tensor } from '../../src/onnx/ir.js';
import { modelToBytes } from '../../src/onnx/model-io.js';

export type Random = () => number;

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function int(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** Integers that break ranges: 32-bit edges, huge, negative, zero. */
const HOSTILE_INTS = [
  2147483648,
  -2147483649,
  2147483647,
  2 ** 40,
  -(2 ** 40),
  2 ** 53,
  -1,
  -7,
  0,
  1,
  99,
  -99,
  1e9,
];
/** Names that must never reach a terminal raw: ESC sequences, BEL, NUL, C1 CSI, a bidi override. */
const HOSTILE_NAMES = [
  'x\u001b[31mred\u001b[0m',
  'bell\u0007\u0000nul',
  'csi\u009b2J',
  'rtl\u202eexe.onnx',
  'cr\rline\nbreak',
  '\u0001\u0002\u0003\u007f',
  '',
];
const DATA_TYPES: DataType[] = ['int32', 'int64', 'bool', 'string', 'float16', 'uint8', 'float64'];
const OP_TYPES = ['Conv', 'Concat', 'Reshape', 'Gather', 'Frobnicate', 'MaxPool', 'Split', 'Transpose'];

function nodesWith(model: Model, has: (n: Node) => boolean): Node[] {
  return model.graph.nodes.filter(has);
}

function renameValue(model: Model, from: string, to: string): void {
  const g = model.graph;
  for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo]) if (v.name === from) v.name = to;
  for (const n of g.nodes) {
    n.inputs = n.inputs.map((i) => (i === from ? to : i));
    n.outputs = n.outputs.map((o) => (o === from ? to : o));
  }
}

function hostileInts(random: Random): number[] {
  const length = pick(random, [0, 1, 2, 3, 4, 9, 20]);
  return Array.from({ length }, () => pick(random, HOSTILE_INTS));
}

/** A structured mutation: changes the model in place; returns what it did (for the case's name). */
type Mutation = (model: Model, random: Random) => string | undefined;

const MUTATIONS: Record<string, Mutation> = {
  'attribute out of range': (m, r) => {
    const nodes = nodesWith(m, (n) => Object.values(n.attributes).some((a) => a.type === 'int'));
    if (nodes.length === 0) return undefined;
    const node = pick(r, nodes);
    const key = pick(
      r,
      Object.keys(node.attributes).filter((k) => node.attributes[k].type === 'int'),
    );
    const value = pick(r, HOSTILE_INTS);
    node.attributes[key] = { type: 'int', value };
    return `${node.opType}.${key}=${value}`;
  },
  'attribute list out of range': (m, r) => {
    const nodes = nodesWith(m, (n) => Object.values(n.attributes).some((a) => a.type === 'ints'));
    if (nodes.length === 0) return undefined;
    const node = pick(r, nodes);
    const key = pick(
      r,
      Object.keys(node.attributes).filter((k) => node.attributes[k].type === 'ints'),
    );
    const value = hostileInts(r);
    node.attributes[key] = { type: 'ints', value };
    return `${node.opType}.${key}=[${value}]`;
  },
  'attribute of another type': (m, r) => {
    const nodes = nodesWith(m, (n) => Object.keys(n.attributes).length > 0);
    if (nodes.length === 0) return undefined;
    const node = pick(r, nodes);
    const key = pick(r, Object.keys(node.attributes));
    const replacements: Attribute[] = [
      { type: 'float', value: 2.5 },
      { type: 'string', value: 'NOTSET\u001b' },
      { type: 'ints', value: [1, 2, 3] },
      { type: 'int', value: 3 },
    ];
    node.attributes[key] = pick(r, replacements);
    return `${node.opType}.${key} retyped`;
  },
  'attribute added': (m, r) => {
    const node = pick(r, m.graph.nodes);
    const key = pick(r, ['axis', 'axes', 'perm', 'strides', 'pads', 'group', 'kernel_shape', 'keepdims']);
    node.attributes[key] =
      r() < 0.5 ? { type: 'int', value: pick(r, HOSTILE_INTS) } : { type: 'ints', value: hostileInts(r) };
    return `${node.opType}.${key} added`;
  },
  'dimension hostile': (m, r) => {
    const values = [...m.graph.inputs, ...m.graph.outputs, ...m.graph.valueInfo].filter(
      (v) => v.shape?.length,
    );
    if (values.length === 0) return undefined;
    const v = pick(r, values);
    const shape = [...v.shape!];
    const i = int(r, 0, shape.length - 1);
    shape[i] = pick(r, [2 ** 40, 2 ** 31, 2 ** 53, -1, -7, 0, 99999999, 'sym', null]);
    v.shape = shape;
    return `${v.name} dim ${i}=${shape[i]}`;
  },
  'rank hostile': (m, r) => {
    const v = pick(r, m.graph.inputs);
    v.shape = pick(r, [[], [1], Array.from({ length: 70 }, () => 1), [1, 1, 1, 1, 1, 1, 1, 1, 1]]);
    return `${v.name} rank ${v.shape.length}`;
  },
  'input without type': (m, r) => {
    const v = pick(r, m.graph.inputs);
    delete v.dataType;
    if (r() < 0.5) delete v.shape;
    return `${v.name} untyped`;
  },
  'input without shape': (m, r) => {
    const v = pick(r, m.graph.inputs);
    delete v.shape;
    return `${v.name} unshaped`;
  },
  'input of another type': (m, r) => {
    const v = pick(r, m.graph.inputs);
    v.dataType = pick(r, DATA_TYPES);
    return `${v.name} ${v.dataType}`;
  },
  cycle: (m, r) => {
    const nodes = m.graph.nodes;
    if (nodes.length < 2) return undefined;
    const early = int(r, 0, nodes.length - 2);
    const late = int(r, early + 1, nodes.length - 1);
    const reader = nodes[early];
    if (reader.inputs.length === 0) return undefined;
    reader.inputs[int(r, 0, reader.inputs.length - 1)] = nodes[late].outputs[0];
    return `${reader.name} reads ${nodes[late].name}`;
  },
  'no outputs': (m) => {
    m.graph.outputs = [];
    return 'outputs removed';
  },
  'binary input name': (m, r) => {
    const v = pick(r, m.graph.inputs);
    const name = pick(r, HOSTILE_NAMES);
    renameValue(m, v.name, name);
    return `input renamed ${JSON.stringify(name)}`;
  },
  'binary node and value names': (m, r) => {
    const node = pick(r, m.graph.nodes);
    node.name = pick(r, HOSTILE_NAMES);
    if (node.outputs[0] && r() < 0.5)
      renameValue(m, node.outputs[0], `${node.outputs[0]}${pick(r, HOSTILE_NAMES)}`);
    return `node renamed ${JSON.stringify(node.name)}`;
  },
  'binary model strings': (m, r) => {
    m.producerName = pick(r, HOSTILE_NAMES);
    m.graph.name = pick(r, HOSTILE_NAMES);
    return 'producer and graph renamed';
  },
  'initializer removed': (m, r) => {
    const names = [...m.graph.initializers.keys()];
    if (names.length === 0) return undefined;
    const name = pick(r, names);
    m.graph.initializers.delete(name);
    return `${name} removed`;
  },
  'initializer values hostile': (m, r) => {
    const ints = [...m.graph.initializers.values()].filter((t) => t.dataType === 'int64');
    if (ints.length === 0) return undefined;
    const t = pick(r, ints);
    const data = t.data as BigInt64Array;
    data[int(r, 0, data.length - 1)] = BigInt(pick(r, HOSTILE_INTS));
    return `${t.name} values`;
  },
  'initializer dims mismatched': (m, r) => {
    const tensors = [...m.graph.initializers.values()];
    if (tensors.length === 0) return undefined;
    const t: Tensor = pick(r, tensors);
    t.dims = t.dims.length > 0 ? t.dims.map((d, i) => (i === 0 ? pick(r, [0, d + 1, -1, 2 ** 31]) : d)) : [2];
    return `${t.name} dims [${t.dims}]`;
  },
  'op type changed': (m, r) => {
    const node = pick(r, m.graph.nodes);
    const before = node.opType;
    node.opType = pick(r, OP_TYPES);
    return `${before}→${node.opType}`;
  },
  'node removed': (m, r) => {
    const i = int(r, 0, m.graph.nodes.length - 1);
    const [node] = m.graph.nodes.splice(i, 1);
    return `${node.opType} removed`;
  },
  'node inputs dropped or added': (m, r) => {
    const node = pick(r, m.graph.nodes);
    if (r() < 0.5 && node.inputs.length > 0)
      node.inputs = node.inputs.slice(0, int(r, 0, node.inputs.length - 1));
    else node.inputs = [...node.inputs, pick(r, ['', 'nowhere', node.inputs[0] ?? ''])];
    return `${node.opType} inputs ${node.inputs.length}`;
  },
  'duplicate output': (m, r) => {
    const nodes = m.graph.nodes;
    if (nodes.length < 2) return undefined;
    const [a, b] = [pick(r, nodes), pick(r, nodes)];
    if (a === b) return undefined;
    b.outputs = [a.outputs[0], ...b.outputs.slice(1)];
    return `${b.name} also writes ${a.outputs[0]}`;
  },
  'opset hostile': (m, r) => {
    m.opsetImports = [{ domain: '', version: pick(r, [0, 1, 6, 9, 12, 99, 2 ** 31]) }];
    return `opset ${m.opsetImports[0].version}`;
  },
  'ir version hostile': (m, r) => {
    m.irVersion = pick(r, [0, 1, 3, 99, 2 ** 31]);
    return `ir ${m.irVersion}`;
  },
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** A byte-level mutation of protobuf bytes. */
function mutateBytes(
  bytes: Uint8Array,
  random: Random,
  donor: Uint8Array,
): { bytes: Uint8Array; what: string } {
  let out: Uint8Array = Uint8Array.from(bytes);
  const steps = int(random, 1, 6);
  const what: string[] = [];
  for (let s = 0; s < steps && out.length > 0; s++) {
    const at = int(random, 0, out.length - 1);
    switch (pick(random, ['flip', 'byte', 'varint', 'truncate', 'insert', 'delete', 'duplicate', 'splice'])) {
      case 'flip':
        out[at] ^= 1 << int(random, 0, 7);
        what.push('flip');
        break;
      case 'byte':
        out[at] = pick(random, [0x00, 0xff, 0x7f, 0x80, int(random, 0, 255)]);
        what.push('byte');
        break;
      case 'varint': {
        // A run of continuation bytes turns the next length or integer into a huge one.
        const run = int(random, 1, 9);
        for (let i = 0; i < run && at + i < out.length; i++) out[at + i] = i === run - 1 ? 0x01 : 0xff;
        what.push('varint');
        break;
      }
      case 'truncate':
        out = out.subarray(0, at);
        what.push('truncate');
        break;
      case 'insert': {
        const extra = Uint8Array.from({ length: int(random, 1, 16) }, () => int(random, 0, 255));
        out = concat(out.subarray(0, at), extra, out.subarray(at));
        what.push('insert');
        break;
      }
      case 'delete':
        out = concat(out.subarray(0, at), out.subarray(Math.min(out.length, at + int(random, 1, 64))));
        what.push('delete');
        break;
      case 'duplicate': {
        const end = Math.min(out.length, at + int(random, 1, 256));
        out = concat(out.subarray(0, end), out.subarray(at, end), out.subarray(end));
        what.push('duplicate');
        break;
      }
      case 'splice': {
        const from = int(random, 0, Math.max(0, donor.length - 1));
        const piece = donor.subarray(from, from + int(random, 1, 128));
        out = concat(out.subarray(0, at), piece, out.subarray(at + piece.length));
        what.push('splice');
        break;
      }
    }
  }
  return { bytes: out, what: `bytes: ${what.join('+')}` };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export interface MutatedModel {
  bytes: Uint8Array;
  /** What was done, in words (seed, mutations). */
  description: string;
}

/**
 * One mutated model from `seeds` (IR factories): one to three structured mutations, then — for
 * about half the cases, and for every case with `bytesOnly` — byte-level damage to the encoding.
 */
export function mutateModel(
  seeds: ReadonlyArray<{ name: string; model: () => Model }>,
  random: Random,
): MutatedModel {
  const seed = pick(random, seeds);
  const model = cloneModel(seed.model());
  const done: string[] = [];
  const structured = random() < 0.75;
  if (structured) {
    const count = int(random, 1, 3);
    for (let i = 0; i < count; i++) {
      const name = pick(random, MUTATION_NAMES);
      const what = MUTATIONS[name](model, random);
      if (what) done.push(what);
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = modelToBytes(model);
  } catch {
    // The IR refused to encode what the mutation made (e.g. impossible tensor dims): damage the seed's bytes instead.
    bytes = modelToBytes(seed.model());
    done.push('(unencodable, seed used)');
  }
  if (!structured || random() < 0.4) {
    const donor = modelToBytes(pick(random, seeds).model());
    const damaged = mutateBytes(bytes, random, donor);
    bytes = damaged.bytes;
    done.push(damaged.what);
  }
  return { bytes, description: `${seed.name}: ${done.join('; ') || 'unchanged'}` };
}
