/**
 * Writing a model's outputs (`run --export-outputs`, like trtexec's --exportOutput): a folder of
 * NAME.npy files, or one JSON file when the path ends in .json. JSON keeps every value exact where
 * it can: int64/uint64 beyond ±(2^53 − 1) become decimal strings, non-finite floats the strings
 * "NaN", "Infinity", "-Infinity", bools true/false, float16 the numbers its bits stand for.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { numberFromFloat16Bits } from '../onnx/float16.js';
import type { HostTensor } from '../onnx/tensor.js';
import { encodeNpy } from './npy.js';

export type OutputExportFormat = 'npy' | 'json';

export interface OutputExport {
  path: string;
  format: OutputExportFormat;
  /** Output name → the file it went to (the JSON file itself for json). */
  files: Record<string, string>;
}

export function exportFormatOf(target: string): OutputExportFormat {
  return target.toLowerCase().endsWith('.json') ? 'json' : 'npy';
}

/** Checks before a run that the outputs can be written there, so no measurement is lost to a bad path. */
export async function checkExportTarget(target: string): Promise<void> {
  const info = await stat(target).catch(() => undefined);
  if (exportFormatOf(target) === 'json') {
    if (info?.isDirectory())
      throw new UserError(
        `--export-outputs ${target} is a folder: give a file ending in .json, or a folder path for .npy files`,
      );
  } else if (info && !info.isDirectory()) {
    throw new UserError(
      `--export-outputs ${target} is an existing file: give a folder (one NAME.npy per output) or a path ending in .json`,
    );
  }
  const parent = path.dirname(path.resolve(target));
  const parentInfo = await stat(parent).catch(() => undefined);
  if (!parentInfo?.isDirectory())
    throw new UserError(
      `--export-outputs ${target}: the folder ${parent} does not exist; create it or choose another path`,
    );
}

/** Output names as file names: path separators and other odd characters become '_'. */
function fileNames(names: string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const name of names) {
    const base = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'output';
    let file = `${base}.npy`;
    for (let i = 1; used.has(file.toLowerCase()); i++) file = `${base}_${i}.npy`;
    used.add(file.toLowerCase());
    out.set(name, file);
  }
  return out;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function jsonValues(tensor: HostTensor): (number | string | boolean)[] {
  const data = tensor.data as ArrayLike<number | bigint>;
  const values: (number | string | boolean)[] = [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (typeof v === 'bigint') values.push(v > SAFE || v < -SAFE ? v.toString() : Number(v));
    else if (tensor.type === 'bool') values.push(v !== 0);
    else {
      const n = tensor.type === 'float16' ? numberFromFloat16Bits(v) : v;
      values.push(Number.isFinite(n) ? n : Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity');
    }
  }
  return values;
}

export async function writeOutputs(
  target: string,
  outputs: Record<string, HostTensor>,
): Promise<OutputExport> {
  const format = exportFormatOf(target);
  if (format === 'json') {
    const body = {
      outputs: Object.entries(outputs).map(([name, t]) => ({
        name,
        type: t.type,
        dims: [...t.dims],
        data: jsonValues(t),
      })),
    };
    await writeFile(target, `${JSON.stringify(body)}\n`);
    return { path: target, format, files: Object.fromEntries(Object.keys(outputs).map((n) => [n, target])) };
  }
  await mkdir(target, { recursive: true });
  const names = fileNames(Object.keys(outputs));
  const files: Record<string, string> = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    const file = path.join(target, names.get(name)!);
    await writeFile(file, encodeNpy(tensor));
    files[name] = file;
  }
  return { path: target, format, files };
}
