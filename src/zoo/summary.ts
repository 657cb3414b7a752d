/** One-line facts about a zoo model (for `zoo list`), computed without generating weights. */
import { analyzeModelStatic } from '../onnx/analysis.js';
import { buildZooModel } from './build.js';
import type { ZooOptions } from './options.js';
import { getArchitecture } from './registry.js';
import type { ZooTask } from './types.js';

export interface ZooModelSummary {
  name: string;
  task: ZooTask;
  description: string;
  input: number[];
  classes: number;
  parameters: number;
  /** Multiply-accumulates of Conv/Gemm/MatMul for one forward pass of `input`. */
  macs: number;
  /** All FLOPs (2 per MAC plus elementwise, pooling, normalization; see compute-cost.ts). */
  flops: number;
}

export function summarizeZooModel(name: string, options: ZooOptions = {}): ZooModelSummary {
  const architecture = getArchitecture(name);
  const { model, options: resolved } = buildZooModel(name, options, { weights: 'none' });
  const analysis = analyzeModelStatic(model);
  return {
    name,
    task: architecture.task,
    description: architecture.description,
    input: resolved.input,
    classes: resolved.classes,
    parameters: analysis.parameters,
    macs: analysis.compute.convMatmulFlops / 2,
    flops: analysis.compute.flops,
  };
}
