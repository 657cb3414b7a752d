/**
 * ONNX protobuf codec: bytes ⇄ plain objects shaped like onnx.proto messages (camelCase field names,
 * int64 as JS numbers, `bytes` fields as zero-copy views into the input buffer).
 *
 * Built on protobufjs reflection from the schema in `onnx-schema.ts`. Tensor payloads in `rawData`
 * are never copied element by element, so multi-hundred-megabyte models decode in well under a second.
 */
import protobuf from 'protobufjs';
import { UserError } from '../errors.js';
import { ONNX_PROTO_SCHEMA } from './onnx-schema.js';

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}

export interface TensorProto {
  dims?: number[];
  dataType?: number;
  segment?: { begin?: number; end?: number };
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: number[];
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData?: StringStringEntryProto[];
  /** 0 = DEFAULT (inline), 1 = EXTERNAL. */
  dataLocation?: number;
  doubleData?: number[];
  uint64Data?: number[];
  metadataProps?: StringStringEntryProto[];
}

export interface SparseTensorProto {
  values?: TensorProto;
  indices?: TensorProto;
  dims?: number[];
}

export interface TensorShapeDimensionProto {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

export interface TensorShapeProto {
  dim?: TensorShapeDimensionProto[];
}

export interface TypeProto {
  tensorType?: { elemType?: number; shape?: TensorShapeProto };
  sequenceType?: { elemType?: TypeProto };
  mapType?: { keyType?: number; valueType?: TypeProto };
  optionalType?: { elemType?: TypeProto };
  sparseTensorType?: { elemType?: number; shape?: TensorShapeProto };
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
  metadataProps?: StringStringEntryProto[];
}

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

export interface AttributeProto {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  sparseTensor?: SparseTensorProto;
  tp?: TypeProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  sparseTensors?: SparseTensorProto[];
  typeProtos?: TypeProto[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  docString?: string;
  metadataProps?: StringStringEntryProto[];
}

export interface TensorAnnotationProto {
  tensorName?: string;
  quantParameterTensorNames?: StringStringEntryProto[];
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: SparseTensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  quantizationAnnotation?: TensorAnnotationProto[];
  metadataProps?: StringStringEntryProto[];
}

export interface FunctionProto {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attributeProto?: AttributeProto[];
  node?: NodeProto[];
  docString?: string;
  opsetImport?: OperatorSetIdProto[];
  domain?: string;
  overload?: string;
  valueInfo?: ValueInfoProto[];
  metadataProps?: StringStringEntryProto[];
}

/**
 * A decoded model. Every repeated field of a decoded message is present (possibly empty); optional
 * scalars absent from the file are `undefined`.
 */
export interface ModelProto {
  irVersion?: number;
  opsetImport?: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntryProto[];
  functions?: FunctionProto[];
}

let schemaRoot: protobuf.Root | undefined;

/** A reflected message type, from the schema parsed once per process. */
function messageType(name: 'ModelProto' | 'GraphProto' | 'TensorProto'): protobuf.Type {
  schemaRoot ??= protobuf.parse(ONNX_PROTO_SCHEMA, { keepCase: false }).root;
  return schemaRoot.lookupType(`onnx.${name}`);
}

function modelProtoType(): protobuf.Type {
  return messageType('ModelProto');
}

const DECODE_OPTIONS: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  defaults: false,
  arrays: true,
};

/**
 * Decodes ONNX model bytes. `source` names the bytes in error messages (usually the file path).
 * Throws UserError when the bytes are not a protobuf ModelProto with a graph and an opset import.
 */
export function decodeModel(bytes: Uint8Array, source = 'input'): ModelProto {
  const type = modelProtoType();
  let model: ModelProto;
  try {
    const message = type.decode(bytes);
    model = type.toObject(message, DECODE_OPTIONS) as ModelProto;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`${source} is not a valid ONNX model: ${reason} (truncated or corrupt file?)`, {
      cause: error,
    });
  }
  if (!model.graph) {
    throw new UserError(
      `${source} is not a valid ONNX model: it has no graph (truncated or not an ONNX file?)`,
    );
  }
  if (!model.opsetImport || model.opsetImport.length === 0) {
    throw new UserError(`${source} is not a valid ONNX model: it declares no opset_import (truncated file?)`);
  }
  return model;
}

/** Decodes one serialized TensorProto (a `.pb` tensor file, as in onnx's test data). */
export function decodeTensorProto(bytes: Uint8Array, source = 'input'): TensorProto {
  const type = messageType('TensorProto');
  try {
    return type.toObject(type.decode(bytes), DECODE_OPTIONS) as TensorProto;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`${source} is not a valid TensorProto: ${reason}`, { cause: error });
  }
}

/** Encodes a model to protobuf bytes. Int64 values beyond ±2^63 are clamped (see `int64Field`). */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = modelProtoType();
  return type.encode(withExactInt64(model)).finish();
}

/** Tensors at least this large are passed through as their own chunk instead of being copied. */
const CHUNK_THRESHOLD_BYTES = 64 * 1024;

/**
 * Encodes a model as a list of byte chunks whose concatenation equals `encodeModel(model)` up to
 * field order: large raw_data payloads are returned as-is (no copy), so a writer can stream a
 * multi-hundred-megabyte model to disk without building it in memory twice.
 */
export function encodeModelChunks(model: ModelProto): Uint8Array[] {
  const { graph, ...rest } = withExactInt64(model);
  const chunks: Uint8Array[] = [modelProtoType().encode(rest).finish()];
  if (graph) {
    const graphChunks = encodeGraphChunks(graph);
    chunks.push(lengthDelimitedHeader(7, totalLength(graphChunks)), ...graphChunks);
  }
  return chunks;
}

function encodeGraphChunks(graph: GraphProto): Uint8Array[] {
  const { initializer, ...rest } = graph;
  const graphType = messageType('GraphProto');
  const chunks: Uint8Array[] = [graphType.encode(rest).finish()];
  for (const tensor of initializer ?? []) {
    const raw = tensor.rawData;
    if (!raw || raw.byteLength < CHUNK_THRESHOLD_BYTES) {
      chunks.push(graphType.encode({ initializer: [tensor] }).finish());
      continue;
    }
    const head = messageType('TensorProto')
      .encode({ ...tensor, rawData: undefined })
      .finish();
    const rawHeader = lengthDelimitedHeader(9, raw.byteLength);
    chunks.push(
      lengthDelimitedHeader(5, head.byteLength + rawHeader.byteLength + raw.byteLength),
      head,
      rawHeader,
      raw,
    );
  }
  return chunks;
}

/** Tag (wire type 2) and length prefix of a length-delimited field. */
function lengthDelimitedHeader(field: number, length: number): Uint8Array {
  return protobuf.Writer.create()
    .uint32((field << 3) | 2)
    .uint32(length)
    .finish();
}

function totalLength(chunks: Uint8Array[]): number {
  return chunks.reduce((sum, c) => sum + c.byteLength, 0);
}

/**
 * JS numbers lose precision above 2^53, so INT64_MAX (Slice's "to the end") decodes as 2^63, which
 * protobufjs would wrap to INT64_MIN on encode. Attribute ints and int64 tensor data are the only
 * places such sentinels live; they are re-encoded as exact 64-bit patterns here.
 */
const TWO_POW_63 = 2 ** 63;
const INT64_MAX_BITS = { low: 0xffffffff, high: 0x7fffffff, unsigned: false };
const INT64_MIN_BITS = { low: 0, high: 0x80000000 | 0, unsigned: false };

type Int64Field = number | typeof INT64_MAX_BITS;

function int64Field(value: number): Int64Field {
  if (value >= TWO_POW_63) return INT64_MAX_BITS;
  if (value <= -TWO_POW_63) return INT64_MIN_BITS;
  return value;
}

function needsInt64Fix(values: readonly number[] | undefined): boolean {
  if (!values) return false;
  for (const v of values) if (v >= TWO_POW_63 || v <= -TWO_POW_63) return true;
  return false;
}

function fixTensor(tensor: TensorProto): TensorProto {
  if (!needsInt64Fix(tensor.int64Data)) return tensor;
  return { ...tensor, int64Data: tensor.int64Data!.map(int64Field) as unknown as number[] };
}

function fixAttribute(attribute: AttributeProto): AttributeProto {
  let fixed = attribute;
  if (attribute.i !== undefined && needsInt64Fix([attribute.i])) {
    fixed = { ...fixed, i: int64Field(attribute.i) as unknown as number };
  }
  if (needsInt64Fix(attribute.ints)) {
    fixed = { ...fixed, ints: attribute.ints!.map(int64Field) as unknown as number[] };
  }
  if (attribute.t) fixed = { ...fixed, t: fixTensor(attribute.t) };
  if (attribute.g) fixed = { ...fixed, g: fixGraph(attribute.g) };
  if (attribute.tensors?.length) fixed = { ...fixed, tensors: attribute.tensors.map(fixTensor) };
  if (attribute.graphs?.length) fixed = { ...fixed, graphs: attribute.graphs.map(fixGraph) };
  return fixed;
}

function fixNodes(nodes: NodeProto[] | undefined): NodeProto[] | undefined {
  return nodes?.map((node) =>
    node.attribute?.length ? { ...node, attribute: node.attribute.map(fixAttribute) } : node,
  );
}

function fixGraph(graph: GraphProto): GraphProto {
  return { ...graph, node: fixNodes(graph.node), initializer: graph.initializer?.map(fixTensor) };
}

function withExactInt64(model: ModelProto): ModelProto {
  return {
    ...model,
    graph: model.graph ? fixGraph(model.graph) : undefined,
    functions: model.functions?.map((fn) => ({ ...fn, node: fixNodes(fn.node) })),
  };
}
