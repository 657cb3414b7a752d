/**
 * The reference's outputs, recorded on disk the first time each input set is run and read back
 * after: every fidelity check of a tune compares a candidate with the same reference (the input
 * model as written) on the same seeded inputs, so the reference is opened and run once per tune,
 * not once per check (a 500 MB float model takes ~10 s to open on 2 cores, and a tune checks a
 * dozen builds). Outputs come back bit for bit; an input set not seen before opens the reference.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { storageFor } from '../onnx/dtype.js';
import type { HostTensor, TensorInfo } from '../onnx/tensor.js';
import type { FidelitySide, OpenedOutputs, OpenOutputs } from '../study/variants.js';

interface Interface {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

interface StoredTensor {
  name: string;
  type: HostTensor['type'];
  dims: number[];
  bytes: number;
}

/** One side's folder: its file (path, size, time) and the settings it runs with. */
async function sideKey(side: FidelitySide): Promise<string> {
  const info = await stat(side.path);
  return createHash('sha256')
    .update(
      JSON.stringify([path.resolve(side.path), info.size, info.mtimeMs, side.engine, side.runner ?? null]),
    )
    .digest('hex')
    .slice(0, 24);
}

function feedsKey(feeds: Record<string, HostTensor>, outputNames: string[] | undefined): string {
  const hash = createHash('sha256').update(JSON.stringify(outputNames ?? null));
  for (const name of Object.keys(feeds).sort()) {
    const t = feeds[name];
    hash.update(`\0${name}\0${t.type}\0${t.dims.join('x')}\0`);
    if (ArrayBuffer.isView(t.data))
      hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    else hash.update(JSON.stringify(t.data));
  }
  return hash.digest('hex').slice(0, 32);
}

/** Written whole or not at all (a rename), so a reader never sees half a file. */
async function writeWhole(file: string, body: Uint8Array | string): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, body);
  await rename(partial, file);
}

/** A JSON header line, then each tensor's bytes; null when a tensor has no fixed-size storage. */
function encode(values: Record<string, HostTensor>): Uint8Array | null {
  const header: StoredTensor[] = [];
  const parts: Uint8Array[] = [];
  for (const [name, t] of Object.entries(values)) {
    if (!ArrayBuffer.isView(t.data) || !storageFor(t.type)) return null;
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header.push({ name, type: t.type, dims: [...t.dims], bytes: bytes.byteLength });
    parts.push(bytes);
  }
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), ...parts]);
}

function decode(file: Buffer): Record<string, HostTensor> | null {
  const newline = file.indexOf(10);
  if (newline < 0) return null;
  const header = JSON.parse(file.subarray(0, newline).toString('utf8')) as StoredTensor[];
  const out: Record<string, HostTensor> = {};
  let offset = newline + 1;
  for (const t of header) {
    const Storage = storageFor(t.type);
    if (!Storage || offset + t.bytes > file.length) return null;
    // A copy: the typed array needs its own aligned buffer.
    const bytes = new Uint8Array(file.subarray(offset, offset + t.bytes));
    out[t.name] = {
      type: t.type,
      dims: t.dims,
      data: new Storage(bytes.buffer, 0, t.bytes / Storage.BYTES_PER_ELEMENT) as HostTensor['data'],
    };
    offset += t.bytes;
  }
  return out;
}

async function readOrNull(file: string): Promise<Buffer | null> {
  return readFile(file).catch(() => null);
}

/**
 * Opens `side` through its recordings in `dir`: its interface and the outputs of every input set
 * recorded before are read from there; anything else opens the side with `open` (once) and is
 * recorded for the next check.
 */
export async function openRecorded(
  side: FidelitySide,
  dir: string,
  open: OpenOutputs,
): Promise<OpenedOutputs> {
  const home = path.join(dir, `reference-${await sideKey(side)}`);
  await mkdir(home, { recursive: true });
  let live: Promise<OpenedOutputs> | undefined;
  const opened = () => {
    live ??= open(side);
    return live;
  };
  const interfaceFile = path.join(home, 'interface.json');
  let io = await readOrNull(interfaceFile).then((b) =>
    b ? (JSON.parse(b.toString('utf8')) as Interface) : null,
  );
  if (!io) {
    const l = await opened();
    io = { inputs: l.inputs, outputs: l.outputs };
    await writeWhole(interfaceFile, JSON.stringify(io));
  }
  return {
    inputs: io.inputs,
    outputs: io.outputs,
    async run(feeds, outputNames) {
      const file = path.join(home, `${feedsKey(feeds, outputNames)}.outputs`);
      const stored = await readOrNull(file);
      const recorded = stored ? decode(stored) : null;
      if (recorded) return recorded;
      const values = await (await opened()).run(feeds, outputNames);
      const body = encode(values);
      if (body) await writeWhole(file, body);
      return values;
    },
    async close() {
      if (live) await (await live).close();
    },
  };
}
