/**
 * Reading and writing model files: bytes ⇄ IR, with ONNX external data (tensors kept in a side
 * file, as models over protobuf's 2 GiB limit must be) on both paths.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { readUserFile } from '../util/files.js';
import type { Model, Tensor } from './ir.js';
import { modelFromProto, modelToProto, tensorBytes } from './ir-proto.js';
import {
  decodeModel,
  encodeModel,
  encodeModelChunks,
  type StringStringEntryProto,
  type TensorProto,
} from './proto.js';
import { checkGraph } from './validate.js';

/** Parses model bytes into the IR. `source` names the model in errors; `baseDir` resolves external data. */
export function modelFromBytes(bytes: Uint8Array, source = 'input', baseDir?: string): Model {
  const proto = decodeModel(bytes, source);
  const reader = baseDir === undefined ? undefined : createExternalDataReader(baseDir, source);
  try {
    return modelFromProto(proto, { source, readExternalData: reader?.read });
  } finally {
    reader?.close();
  }
}

/** Serializes the IR to protobuf bytes, every tensor inline. */
export function modelToBytes(model: Model): Uint8Array {
  return encodeModel(modelToProto(model));
}

/** Reads and parses an ONNX file (external data is read from beside it). */
export async function loadModel(path: string): Promise<Model> {
  // Protobuf cannot exceed 2 GiB; bigger models keep their weights in external data.
  const bytes = await readUserFile(path, 2 * 1024 ** 3, 'model');
  const model = modelFromBytes(bytes, path, dirname(resolve(path)));
  checkGraph(model, path);
  return model;
}

export interface SaveModelOptions {
  /**
   * Store initializers in `<file>.data` beside the model. 'auto' (default) does so only when the
   * weights would push the protobuf past its 2 GiB limit.
   */
  externalData?: boolean | 'auto';
}

/** Protobuf messages cannot exceed 2 GiB; leave headroom for the graph itself. */
const INLINE_LIMIT_BYTES = 1.8 * 1024 ** 3;
/** Small tensors stay inline even in external mode, as onnx's own saver does. */
const EXTERNAL_MIN_BYTES = 1024;
const EXTERNAL_ALIGNMENT = 4096;

/** Writes the model to `path` (atomically: a temporary file renamed into place). */
export async function saveModel(model: Model, path: string, options: SaveModelOptions = {}): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  const weightBytes = [...model.graph.initializers.values()].reduce((sum, t) => sum + t.data.byteLength, 0);
  const external =
    options.externalData === true || (options.externalData !== false && weightBytes > INLINE_LIMIT_BYTES);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    if (external) {
      const dataName = `${basename(path)}.data`;
      await writeExternalData(model, join(dirname(path), dataName), dataName, temporary);
    } else {
      await writeChunks(temporary, encodeModelChunks(modelToProto(model)));
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes chunks in order with vectored writes (bounded batches: the OS caps iovec counts). */
async function writeChunks(path: string, chunks: Uint8Array[]): Promise<void> {
  const handle = await open(path, 'w');
  try {
    for (let i = 0; i < chunks.length; i += 256) {
      const batch = chunks.slice(i, i + 256);
      const { bytesWritten } = await handle.writev(batch);
      const expected = batch.reduce((sum, c) => sum + c.byteLength, 0);
      // writev may write partially; finish the batch chunk by chunk if so.
      if (bytesWritten !== expected) await writeRemainder(handle, batch, bytesWritten);
    }
  } finally {
    await handle.close();
  }
}

async function writeRemainder(handle: FileHandle, batch: Uint8Array[], written: number): Promise<void> {
  let skip = written;
  for (const chunk of batch) {
    if (skip >= chunk.byteLength) {
      skip -= chunk.byteLength;
      continue;
    }
    const rest = chunk.subarray(skip);
    skip = 0;
    let offset = 0;
    while (offset < rest.byteLength) offset += (await handle.write(rest, offset)).bytesWritten;
  }
}

async function writeExternalData(model: Model, dataPath: string, location: string, modelPath: string) {
  const placements = new Map<Tensor, StringStringEntryProto[]>();
  const handle = await open(`${dataPath}.${process.pid}.tmp`, 'w');
  try {
    let offset = 0;
    for (const tensor of model.graph.initializers.values()) {
      if (tensor.data.byteLength < EXTERNAL_MIN_BYTES) continue;
      offset = Math.ceil(offset / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
      const bytes = tensorBytes(tensor);
      await handle.write(bytes, 0, bytes.byteLength, offset);
      placements.set(tensor, [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.byteLength) },
      ]);
      offset += bytes.byteLength;
    }
  } finally {
    await handle.close();
  }
  await rename(`${dataPath}.${process.pid}.tmp`, dataPath);
  const proto = modelToProto(model, { externalize: (t) => placements.get(t) });
  await writeFile(modelPath, encodeModel(proto));
}

function createExternalDataReader(baseDir: string, source: string) {
  const handles = new Map<string, number>();
  const read = (tensor: TensorProto): Uint8Array => {
    const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entries.get('location');
    if (!location || isAbsolute(location) || location.split(/[\\/]/).includes('..')) {
      throw new UserError(
        `${source}: tensor '${tensor.name}' has an invalid external data location '${location}'`,
      );
    }
    const file = join(baseDir, location);
    let fd = handles.get(file);
    try {
      if (fd === undefined) {
        fd = openSync(file, 'r');
        handles.set(file, fd);
      }
      const offset = Number(entries.get('offset') ?? 0);
      const length = entries.has('length') ? Number(entries.get('length')) : statSync(file).size - offset;
      const bytes = Buffer.allocUnsafe(length);
      const got = readSync(fd, bytes, 0, length, offset);
      if (got !== length) throw new Error(`short read (${got} of ${length} bytes)`);
      return bytes;
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`${source}: cannot read external data of '${tensor.name}' from ${file}: ${error}`, {
        cause: error,
      });
    }
  };
  const close = () => {
    for (const fd of handles.values()) closeSync(fd);
  };
  return { read, close };
}
