/**
 * Achieved compute rate of a run: the operations of one inference of the graph that ran (counted by
 * the model analysis for the run's input shapes and small input values) divided by the median
 * latency, and, where the CPU's peak can be estimated, the fraction of that peak (an estimate).
 *
 *   rate (G/s) = operations per inference / (median latency in s) / 1e9
 *
 * One inference processes the whole batch, so with batch N this equals operations per sample ×
 * samples per second at the median latency; the same formula serves `run`, every study row and
 * stored measurements. A model whose integer multiply-accumulates are most of its operations (an
 * int8 model) is reported in GOP/s against the int8 peak; others in GFLOP/s against the fp32 peak.
 */

import { ortShapeRunner } from '../engines/ort-shapes.js';
import type { CpuInfo } from '../host/host.js';
import { estimatePeak } from '../host/peak.js';
import { tensorNumbers } from '../inputs/input-values.js';
import { analyzeModel } from '../onnx/analysis.js';
import { loadModel } from '../onnx/model-io.js';
import { MAX_CONSTANT_ELEMENTS } from '../onnx/shape-rules.js';
import type { HostTensor } from '../onnx/tensor.js';
import { type ComputeCount, type RunCompute, ratePerSecond } from './compute-schema.js';

export type { ComputeCount, RunCompute } from './compute-schema.js';

/** Counts the operations of one inference of `modelPath` for these inputs (shapes, and small values). */
export async function countCompute(
  modelPath: string,
  shapes: Record<string, number[]>,
  tensors: Record<string, HostTensor>,
): Promise<ComputeCount> {
  const model = await loadModel(modelPath);
  const inputValues: Record<string, number[]> = {};
  for (const [name, tensor] of Object.entries(tensors))
    if (tensor.data.length <= MAX_CONSTANT_ELEMENTS) inputValues[name] = tensorNumbers(tensor);
  const analysis = await analyzeModel(model, { inputShapes: shapes, inputValues, runShapes: ortShapeRunner });
  return {
    flops: analysis.compute.flops,
    integerOps: analysis.compute.integerOps,
    unknownNodes: analysis.compute.unknownNodes,
    notes: analysis.compute.controlFlow.map((c) => `${c.opType} '${c.node}': counted ${c.counted}`),
  };
}

/** Whether integer work dominates: then the figure is GOP/s against the int8 peak. */
export function isIntegerWork(count: Pick<ComputeCount, 'flops' | 'integerOps'>): boolean {
  return count.integerOps > count.flops / 2;
}

/**
 * The rate at a median latency, and the fraction of the estimated peak. `cpu` is absent, or the EP
 * not the CPU, where a CPU peak says nothing about the run.
 */
export function computeRate(
  count: ComputeCount,
  medianMs: number,
  context: { cpu?: CpuInfo; executionProvider: string; threads: number },
): RunCompute {
  const integer = isIntegerWork(count);
  const gflopsPerSec = ratePerSecond(count.flops, medianMs);
  const peakResult =
    context.executionProvider !== 'cpu'
      ? {
          peak: null,
          reason: `the run used the ${context.executionProvider} execution provider; peaks are estimated for CPUs only`,
        }
      : context.cpu
        ? estimatePeak(context.cpu, { precision: integer ? 'int8' : 'fp32', threads: context.threads })
        : { peak: null, reason: 'the host description has no CPU' };
  return {
    ...count,
    unit: integer ? 'GOP/s' : 'GFLOP/s',
    gflopsPerSec,
    peak: peakResult.peak,
    ...(peakResult.peak === null ? { peakAbsentReason: peakResult.reason } : {}),
    fractionOfPeak:
      peakResult.peak && peakResult.peak.gflopsPerSec > 0
        ? gflopsPerSec / peakResult.peak.gflopsPerSec
        : null,
  };
}
