/**
 * Conversion between the protobuf objects of `proto.ts` and the graph IR of `ir.ts`.
 * Tensor payloads stay zero-copy where alignment allows: a raw_data slice whose offset is a
 * multiple of the element size becomes a typed-array view over the same bytes.
 */
import { UserError } from '../errors.js';
import {
  type DataType,
  dataTypeCode,
  dataTypeFromCode,
  storageFor,
  storageLength,
  type TensorData,
} from './dtype.js';
import {
  type Attribute,
  DEFAULT_IR_VERSION,
  type Dim,
  elementCount,
  type Graph,
  type Model,
  metadataRecord,
  type Node,
  type Tensor,
  type ValueInfo,
} from './ir.js';
import {
  type AttributeProto,
  AttributeType,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type StringStringEntryProto,
  type TensorProto,
  type TypeProto,
  type ValueInfoProto,
} from './proto.js';

export interface FromProtoOptions {
  /** Names the model in error messages (usually its path). */
  source?: string;
  /** Returns the bytes of a tensor stored outside the model file (data_location = EXTERNAL). */
  readExternalData?: (tensor: TensorProto) => Uint8Array;
}

export interface ToProtoOptions {
  /**
   * Called for each initializer; returning external_data entries stores that tensor outside the
   * protobuf (the caller has written its bytes). Returning undefined keeps it inline.
   */
  externalize?: (tensor: Tensor) => StringStringEntryProto[] | undefined;
}

/** raw_data is little-endian; typed-array views are only a faithful reading on little-endian hosts. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function assertLittleEndian(): void {
  if (!HOST_IS_LITTLE_ENDIAN)
    throw new UserError('edgebench reads and writes ONNX tensors on little-endian hosts only');
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// proto → IR

export function modelFromProto(proto: ModelProto, options: FromProtoOptions = {}): Model {
  return {
    irVersion: proto.irVersion ?? DEFAULT_IR_VERSION,
    opsetImports: (proto.opsetImport ?? []).map((o) => ({ domain: o.domain ?? '', version: o.version ?? 0 })),
    producerName: proto.producerName ?? '',
    producerVersion: proto.producerVersion ?? '',
    domain: proto.domain ?? '',
    modelVersion: proto.modelVersion ?? 0,
    docString: proto.docString ?? '',
    metadata: metadataRecord(proto.metadataProps),
    graph: graphFromProto(proto.graph ?? {}, options),
    functions: proto.functions ?? [],
  };
}

export function graphFromProto(proto: GraphProto, options: FromProtoOptions = {}): Graph {
  const initializers = new Map<string, Tensor>();
  for (const t of proto.initializer ?? []) {
    const tensor = tensorFromProto(t, options);
    initializers.set(tensor.name, tensor);
  }
  const graph: Graph = {
    name: proto.name ?? '',
    nodes: (proto.node ?? []).map((n) => nodeFromProto(n, options)),
    initializers,
    inputs: (proto.input ?? []).map(valueInfoFromProto),
    outputs: (proto.output ?? []).map(valueInfoFromProto),
    valueInfo: (proto.valueInfo ?? []).map(valueInfoFromProto),
  };
  if (proto.docString) graph.docString = proto.docString;
  if (proto.sparseInitializer?.length) graph.sparseInitializers = proto.sparseInitializer;
  if (proto.quantizationAnnotation?.length) {
    graph.quantizationAnnotations = proto.quantizationAnnotation.map((a) => ({
      tensorName: a.tensorName ?? '',
      parameters: metadataRecord(a.quantParameterTensorNames),
    }));
  }
  return graph;
}

function nodeFromProto(proto: NodeProto, options: FromProtoOptions): Node {
  const attributes: Record<string, Attribute> = {};
  for (const a of proto.attribute ?? []) attributes[a.name ?? ''] = attributeFromProto(a, options);
  const node: Node = {
    name: proto.name ?? '',
    opType: proto.opType ?? '',
    domain: proto.domain ?? '',
    inputs: proto.input ?? [],
    outputs: proto.output ?? [],
    attributes,
  };
  if (proto.docString) node.docString = proto.docString;
  return node;
}

/** IR version 1 files may omit the type discriminator; infer it from the field that is set. */
function attributeKind(a: AttributeProto): number {
  if (a.type) return a.type;
  if (a.f !== undefined) return AttributeType.FLOAT;
  if (a.i !== undefined) return AttributeType.INT;
  if (a.s !== undefined) return AttributeType.STRING;
  if (a.t) return AttributeType.TENSOR;
  if (a.g) return AttributeType.GRAPH;
  if (a.floats?.length) return AttributeType.FLOATS;
  if (a.ints?.length) return AttributeType.INTS;
  if (a.strings?.length) return AttributeType.STRINGS;
  if (a.tensors?.length) return AttributeType.TENSORS;
  if (a.graphs?.length) return AttributeType.GRAPHS;
  return AttributeType.UNDEFINED;
}

function attributeFromProto(a: AttributeProto, options: FromProtoOptions): Attribute {
  const kind = attributeKind(a);
  if (a.refAttrName) return { type: 'ref', value: a.refAttrName, refType: kind };
  switch (kind) {
    case AttributeType.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case AttributeType.INT:
      return { type: 'int', value: a.i ?? 0 };
    case AttributeType.STRING:
      return { type: 'string', value: a.s ? utf8.decode(a.s) : '' };
    case AttributeType.TENSOR:
      return { type: 'tensor', value: tensorFromProto(a.t ?? {}, options) };
    case AttributeType.GRAPH:
      return { type: 'graph', value: graphFromProto(a.g ?? {}, options) };
    case AttributeType.FLOATS:
      return { type: 'floats', value: a.floats ?? [] };
    case AttributeType.INTS:
      return { type: 'ints', value: a.ints ?? [] };
    case AttributeType.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case AttributeType.TENSORS:
      return { type: 'tensors', value: (a.tensors ?? []).map((t) => tensorFromProto(t, options)) };
    case AttributeType.GRAPHS:
      return { type: 'graphs', value: (a.graphs ?? []).map((g) => graphFromProto(g, options)) };
    default:
      return { type: 'proto', value: a };
  }
}

export function valueInfoFromProto(proto: ValueInfoProto): ValueInfo {
  const info: ValueInfo = { name: proto.name ?? '' };
  const tensorType = proto.type?.tensorType;
  if (tensorType) {
    info.dataType = dataTypeFromCode(tensorType.elemType);
    if (tensorType.shape) {
      info.shape = (tensorType.shape.dim ?? []).map(
        (d): Dim => d.dimValue ?? (d.dimParam !== undefined && d.dimParam !== '' ? d.dimParam : null),
      );
    }
  } else if (proto.type) {
    info.nonTensorType = proto.type;
  }
  if (proto.docString) info.docString = proto.docString;
  return info;
}

export function tensorFromProto(proto: TensorProto, options: FromProtoOptions = {}): Tensor {
  const name = proto.name ?? '';
  const where = `${options.source ?? 'model'}: tensor '${name}'`;
  const dataType = dataTypeFromCode(proto.dataType);
  if (!dataType) {
    throw new UserError(`${where} has unknown data type ${proto.dataType}; edgebench cannot read this model`);
  }
  const dims = proto.dims ?? [];
  const count = elementCount(dims);
  const tensor: Tensor = { name, dataType, dims, data: new Uint8Array(0) };
  if (proto.docString) tensor.docString = proto.docString;
  if (dataType === 'string') {
    tensor.strings = proto.stringData ?? [];
    return tensor;
  }
  if (proto.dataLocation === 1) {
    if (!options.readExternalData) throw new UserError(`${where} keeps its data in an external file`);
    tensor.data = dataFromBytes(dataType, count, options.readExternalData(proto), where);
  } else if (proto.rawData !== undefined && (proto.rawData.byteLength > 0 || count === 0)) {
    tensor.data = dataFromBytes(dataType, count, proto.rawData, where);
  } else {
    tensor.data = dataFromTypedFields(dataType, count, proto, where);
  }
  return tensor;
}

function dataFromBytes(type: DataType, count: number, bytes: Uint8Array, where: string): TensorData {
  assertLittleEndian();
  const Storage = storageFor(type)!;
  const length = storageLength(type, count);
  const needed = length * Storage.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== needed) {
    throw new UserError(`${where} has ${bytes.byteLength} bytes of data but its dims need ${needed}`);
  }
  // Typed arrays need aligned offsets; an unaligned slice costs one memcpy.
  if (bytes.byteOffset % Storage.BYTES_PER_ELEMENT === 0)
    return new Storage(bytes.buffer, bytes.byteOffset, length);
  const copy = new Storage(length);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

function dataFromTypedFields(type: DataType, count: number, proto: TensorProto, where: string): TensorData {
  const Storage = storageFor(type)!;
  const length = storageLength(type, count);
  const source = typedFieldFor(type, proto);
  if (source.length !== length) {
    throw new UserError(`${where} holds ${source.length} values but its dims need ${length}`);
  }
  const data = new Storage(length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < length; i++) data[i] = BigInt(source[i]);
  } else {
    (data as Exclude<TensorData, BigInt64Array | BigUint64Array>).set(source);
  }
  return data;
}

/** The typed repeated field onnx.proto assigns to each element type. */
function typedFieldFor(type: DataType, proto: TensorProto): number[] {
  switch (type) {
    case 'float32':
    case 'complex64':
      return proto.floatData ?? [];
    case 'float64':
    case 'complex128':
      return proto.doubleData ?? [];
    case 'int64':
      return proto.int64Data ?? [];
    case 'uint32':
    case 'uint64':
      return proto.uint64Data ?? [];
    default:
      // int32, int16, int8, uint16, uint8, bool, float16/bfloat16 bits, float8 bits.
      return proto.int32Data ?? [];
  }
}

// ---------------------------------------------------------------------------------------------
// IR → proto

export function modelToProto(model: Model, options: ToProtoOptions = {}): ModelProto {
  const proto: ModelProto = {
    irVersion: model.irVersion,
    opsetImport: model.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    graph: graphToProto(model.graph, options),
  };
  if (model.domain) proto.domain = model.domain;
  if (model.modelVersion) proto.modelVersion = model.modelVersion;
  if (model.docString) proto.docString = model.docString;
  const metadata = Object.entries(model.metadata);
  if (metadata.length > 0) proto.metadataProps = metadata.map(([key, value]) => ({ key, value }));
  if (model.functions.length > 0) proto.functions = model.functions;
  return proto;
}

export function graphToProto(graph: Graph, options: ToProtoOptions = {}): GraphProto {
  const proto: GraphProto = {
    name: graph.name,
    node: graph.nodes.map((n) => nodeToProto(n, options)),
    initializer: [...graph.initializers.values()].map((t) => {
      const external = options.externalize?.(t);
      return external ? externalTensorProto(t, external) : tensorToProto(t);
    }),
    input: graph.inputs.map(valueInfoToProto),
    output: graph.outputs.map(valueInfoToProto),
    valueInfo: graph.valueInfo.map(valueInfoToProto),
  };
  if (graph.docString) proto.docString = graph.docString;
  if (graph.sparseInitializers?.length) proto.sparseInitializer = graph.sparseInitializers;
  if (graph.quantizationAnnotations?.length) {
    proto.quantizationAnnotation = graph.quantizationAnnotations.map((a) => ({
      tensorName: a.tensorName,
      quantParameterTensorNames: Object.entries(a.parameters).map(([key, value]) => ({ key, value })),
    }));
  }
  return proto;
}

function nodeToProto(node: Node, options: ToProtoOptions): NodeProto {
  const proto: NodeProto = {
    input: node.inputs,
    output: node.outputs,
    opType: node.opType,
    attribute: Object.entries(node.attributes).map(([name, a]) => attributeToProto(name, a, options)),
  };
  if (node.name) proto.name = node.name;
  if (node.domain) proto.domain = node.domain;
  if (node.docString) proto.docString = node.docString;
  return proto;
}

function attributeToProto(name: string, a: Attribute, options: ToProtoOptions): AttributeProto {
  switch (a.type) {
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.value };
    case 'int':
      return { name, type: AttributeType.INT, i: a.value };
    case 'string':
      return { name, type: AttributeType.STRING, s: utf8Encoder.encode(a.value) };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: tensorToProto(a.value) };
    case 'graph':
      return { name, type: AttributeType.GRAPH, g: graphToProto(a.value, options) };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: a.value };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: a.value };
    case 'strings':
      return { name, type: AttributeType.STRINGS, strings: a.value.map((s) => utf8Encoder.encode(s)) };
    case 'tensors':
      return { name, type: AttributeType.TENSORS, tensors: a.value.map(tensorToProto) };
    case 'graphs':
      return { name, type: AttributeType.GRAPHS, graphs: a.value.map((g) => graphToProto(g, options)) };
    case 'ref':
      return { name, type: a.refType, refAttrName: a.value };
    case 'proto':
      return { ...a.value, name };
  }
}

export function valueInfoToProto(info: ValueInfo): ValueInfoProto {
  const proto: ValueInfoProto = { name: info.name };
  if (info.dataType !== undefined) {
    const tensorType: NonNullable<TypeProto['tensorType']> = { elemType: dataTypeCode(info.dataType) };
    if (info.shape) {
      tensorType.shape = {
        dim: info.shape.map((d) =>
          typeof d === 'number' ? { dimValue: d } : d === null ? {} : { dimParam: d },
        ),
      };
    }
    proto.type = { tensorType };
  } else if (info.nonTensorType) {
    proto.type = info.nonTensorType;
  }
  if (info.docString) proto.docString = info.docString;
  return proto;
}

/** The tensor's elements as little-endian raw bytes, without copying. */
export function tensorBytes(tensor: Tensor): Uint8Array {
  assertLittleEndian();
  const { data } = tensor;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function tensorToProto(tensor: Tensor): TensorProto {
  const proto: TensorProto = {
    name: tensor.name,
    dims: tensor.dims,
    dataType: dataTypeCode(tensor.dataType),
  };
  if (tensor.dataType === 'string') proto.stringData = tensor.strings ?? [];
  else proto.rawData = tensorBytes(tensor);
  if (tensor.docString) proto.docString = tensor.docString;
  return proto;
}

function externalTensorProto(tensor: Tensor, externalData: StringStringEntryProto[]): TensorProto {
  return {
    name: tensor.name,
    dims: tensor.dims,
    dataType: dataTypeCode(tensor.dataType),
    dataLocation: 1,
    externalData,
  };
}
