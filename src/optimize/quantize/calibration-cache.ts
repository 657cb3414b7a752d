/**
 * Calibration statistics kept on disk, for whoever quantizes one model many times (tune builds
 * int8-static with three methods × two activation types, then mixed-precision probes): the ranges
 * depend only on the float graph, the samples and the histogram settings, not on the method asked
 * for or the activation type, so one collection (a min/max pass and a histogram pass) yields all
 * three methods' ranges, and every later build reads them instead of opening the model again (on a
 * 500 MB float model, ~10 s for the session and as much for the passes, per build, on 2 cores).
 *
 * Keyed by a digest of the graph (nodes, initializer bytes, opsets), of the samples' bytes and of
 * the settings that change a range; a tensor not yet in the file is collected and added.
 */
import { createHash, type Hash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Graph, Model } from '../../onnx/ir.js';
import type { HostTensor } from '../../onnx/tensor.js';
import { hashTensors } from '../../onnx/tensor-record.js';
import { writeFileAtomic } from '../../util/write-file.js';
import type { CalibrationMethod } from '../settings.js';
import type { Range } from './quant-math.js';

/** Every method's range of one tensor. */
export type MethodRanges = Record<CalibrationMethod, Range>;

interface CacheFile {
  version: 1;
  tensors: Record<string, MethodRanges>;
}

function updateBytes(hash: Hash, view: ArrayBufferView): void {
  hash.update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}

/** JSON of graph structure with typed arrays and maps written so that equal graphs hash equal. */
function structureJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Map) return [...v.keys()];
    if (ArrayBuffer.isView(v)) {
      const h = createHash('sha256');
      updateBytes(h, v);
      return `bytes:${h.digest('hex')}`;
    }
    if (typeof v === 'bigint') return `${v}n`;
    return v;
  });
}

function updateGraph(hash: Hash, graph: Graph): void {
  hash.update(structureJson({ nodes: graph.nodes, inputs: graph.inputs }));
  for (const [name, t] of graph.initializers) {
    hash.update(`\0${name}\0${t.dataType}\0${t.dims.join('x')}\0`);
    updateBytes(hash, t.data);
    for (const s of t.strings ?? []) updateBytes(hash, s);
  }
}

/** What a range depends on: the graph computing the tensors, the samples, the histogram settings. */
export function calibrationKey(
  model: Model,
  samples: readonly Record<string, HostTensor>[],
  settings: { bins: number; percentile: number },
): string {
  const hash = createHash('sha256');
  hash.update(structureJson({ opsets: model.opsetImports, functions: model.functions.length, settings }));
  updateGraph(hash, model.graph);
  for (const sample of samples) hashTensors(hash, sample);
  return hash.digest('hex').slice(0, 32);
}

/** The cached ranges of one (graph, samples, settings), read from and written to `dir`. */
export class CalibrationCache {
  private constructor(
    private readonly file: string,
    private readonly tensors: Map<string, MethodRanges>,
  ) {}

  static async open(dir: string, key: string): Promise<CalibrationCache> {
    const file = path.join(dir, `calibration-${key}.json`);
    const tensors = new Map<string, MethodRanges>();
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
      if (parsed.version === 1) for (const [name, r] of Object.entries(parsed.tensors)) tensors.set(name, r);
    } catch {
      // Absent or unreadable: collected afresh and written again.
    }
    return new CalibrationCache(file, tensors);
  }

  missing(names: readonly string[]): string[] {
    return names.filter((n) => !this.tensors.has(n));
  }

  ranges(names: readonly string[], method: CalibrationMethod): Map<string, Range> {
    return new Map(names.map((n) => [n, { ...this.tensors.get(n)![method] }]));
  }

  /** Adds what was collected and writes the file whole (a reader never sees half of it). */
  async add(collected: ReadonlyMap<string, MethodRanges>): Promise<void> {
    for (const [name, r] of collected) this.tensors.set(name, r);
    const body: CacheFile = { version: 1, tensors: Object.fromEntries(this.tensors) };
    await writeFileAtomic(this.file, JSON.stringify(body));
  }
}
