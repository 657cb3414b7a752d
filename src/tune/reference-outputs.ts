/**
 * The reference's outputs, recorded on disk the first time each input set is run and read back
 * after: every fidelity check of a tune compares a candidate with the same reference (the input
 * model as written) on the same seeded inputs, so the reference is opened and run once per tune,
 * not once per check (a 500 MB float model takes ~10 s to open on 2 cores, and a tune checks a
 * dozen builds). Outputs come back bit for bit; an input set not seen before opens the reference.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HostTensor, TensorInfo } from '../onnx/tensor.js';
import { hashTensors, hostTensorOf, type TensorRecord, tensorRecord } from '../onnx/tensor-record.js';
import type { FidelitySide, OpenedOutputs, OpenOutputs } from '../study/variants.js';
import { writeFileAtomic } from '../util/write-file.js';

interface Interface {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
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
  hashTensors(hash, feeds);
  return hash.digest('hex').slice(0, 32);
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Recorded outputs, or null when absent or unreadable (then the reference runs again). */
async function readRecorded(file: string): Promise<Record<string, HostTensor> | null> {
  const records = await readJson<TensorRecord[]>(file);
  if (!records) return null;
  try {
    return Object.fromEntries(records.map((r) => [r.name, hostTensorOf(r, file)]));
  } catch {
    return null;
  }
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
  let io = await readJson<Interface>(interfaceFile);
  if (!io) {
    const l = await opened();
    io = { inputs: l.inputs, outputs: l.outputs };
    await writeFileAtomic(interfaceFile, JSON.stringify(io));
  }
  return {
    inputs: io.inputs,
    outputs: io.outputs,
    async run(feeds, outputNames) {
      const file = path.join(home, `${feedsKey(feeds, outputNames)}.json`);
      const recorded = await readRecorded(file);
      if (recorded) return recorded;
      const values = await (await opened()).run(feeds, outputNames);
      const records = Object.entries(values).map(([name, tensor]) => tensorRecord(name, tensor));
      await writeFileAtomic(file, JSON.stringify(records));
      return values;
    },
    async close() {
      if (live) await (await live).close();
    },
  };
}
