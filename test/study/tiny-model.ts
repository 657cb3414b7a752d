/**
 * Tiny ONNX models for study, store and report tests, encoded by hand (a few protobuf fields) so the
 * tests depend on nothing but onnxruntime: input `input` [batch, width] → (MatMul → Relu) × depth →
 * MatMul → `logits` [batch, classes]. Seeded weights; written into a temporary folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 127) {
    out.push((v & 127) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function key(field: number, wire: number): number[] {
  return varint(field * 8 + wire);
}

function bytesField(field: number, payload: Uint8Array | number[]): number[] {
  return [...key(field, 2), ...varint(payload.length), ...payload];
}

function stringField(field: number, text: string): number[] {
  return bytesField(field, [...Buffer.from(text, 'utf8')]);
}

function intField(field: number, value: number): number[] {
  return [...key(field, 0), ...varint(value)];
}

function valueInfo(name: string, dims: Array<number | string>): number[] {
  const dimsBytes = dims.flatMap((d) =>
    bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)),
  );
  const tensorType = [...intField(1, 1), ...bytesField(2, dimsBytes)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

function initializer(name: string, dims: number[], values: Float32Array): number[] {
  return [
    ...dims.flatMap((d) => intField(1, d)),
    ...intField(2, 1),
    ...stringField(8, name),
    ...bytesField(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
  ];
}

function node(op: string, inputs: string[], outputs: string[], name: string): number[] {
  return [
    ...inputs.flatMap((i) => stringField(1, i)),
    ...outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, name),
    ...stringField(4, op),
  ];
}

function weights(count: number, seed: number, scale: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

export interface TinyModelOptions {
  width?: number;
  depth?: number;
  classes?: number;
  seed?: number;
}

export function tinyModelBytes(options: TinyModelOptions = {}): Uint8Array {
  const width = options.width ?? 32;
  const depth = options.depth ?? 2;
  const classes = options.classes ?? 4;
  const seed = options.seed ?? 7;
  const nodes: number[][] = [];
  const inits: number[][] = [];
  let current = 'input';
  for (let i = 0; i < depth; i++) {
    inits.push(initializer(`w${i}`, [width, width], weights(width * width, seed + i, Math.sqrt(6 / width))));
    nodes.push(node('MatMul', [current, `w${i}`], [`mm${i}`], `matmul${i}`));
    nodes.push(node('Relu', [`mm${i}`], [`h${i}`], `relu${i}`));
    current = `h${i}`;
  }
  inits.push(
    initializer('head', [width, classes], weights(width * classes, seed + 99, Math.sqrt(3 / width))),
  );
  nodes.push(node('MatMul', [current, 'head'], ['logits'], 'head'));
  const graph = [
    ...nodes.flatMap((n) => bytesField(1, n)),
    ...stringField(2, 'tiny'),
    ...inits.flatMap((t) => bytesField(5, t)),
    ...bytesField(11, valueInfo('input', ['batch', width])),
    ...bytesField(12, valueInfo('logits', ['batch', classes])),
  ];
  const model = [
    ...intField(1, 8),
    ...stringField(2, 'edgebench-test'),
    ...bytesField(7, graph),
    ...bytesField(8, [...stringField(1, ''), ...intField(2, 17)]),
  ];
  return Uint8Array.from(model);
}

/** Writes a tiny model into `dir` (a fresh temporary folder by default); returns its path. */
export function writeTinyModel(name: string, options: TinyModelOptions = {}, dir?: string): string {
  const folder = dir ?? tempDir('edgebench-tiny-');
  const file = path.join(folder, `${name}.onnx`);
  writeFileSync(file, tinyModelBytes(options));
  return file;
}

const created: string[] = [];

/** A fresh temporary folder, removed by `removeTempDirs()` (call it in afterAll). */
export function tempDir(prefix = 'edgebench-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
