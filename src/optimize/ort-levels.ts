/**
 * The `ort-*` recipes: onnxruntime optimizes the graph and writes it back (optimizedModelFilePath).
 * Levels basic and extended give graphs any onnxruntime CPU build can load. Level `all` adds
 * layout transformations (NCHWc blocking) tuned to this CPU's vector width, so its result is not
 * saved: `ort-all` saves the extended graph and leaves the rest to load time, where onnxruntime
 * applies it by default.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Model } from '../onnx/ir.js';
import { loadModel, modelToBytes } from '../onnx/model-io.js';
import { ModelRunner } from './ort-session.js';

export type OrtRecipeLevel = 'basic' | 'extended' | 'all';

/** Returns the model onnxruntime optimized at `level` (extended for 'all'). */
export async function ortOptimize(model: Model, level: OrtRecipeLevel): Promise<Model> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgebench-ort-'));
  try {
    const out = path.join(dir, 'optimized.onnx');
    const runner = await ModelRunner.create(modelToBytes(model), 'model', {
      graphOptLevel: level === 'all' ? 'extended' : level,
      optimizedModelPath: out,
      threads: 1,
    });
    await runner.release();
    const optimized = await loadModel(out);
    optimized.metadata = { ...model.metadata, ...optimized.metadata };
    return optimized;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
