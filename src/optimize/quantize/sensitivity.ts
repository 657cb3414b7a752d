/**
 * Sensitivity analysis for int8-static: which quantized ops cost the most output fidelity, so the
 * worst can stay float (mixed precision) until the output reaches a target SNR.
 *
 * One onnxruntime session on the float model, where every activation the plan quantizes is
 * replaced by Where(flag, DequantizeLinear(QuantizeLinear(x)), x) with its calibrated parameters and
 * a boolean graph input as flag. Turning on the flags of one op's activations (its inputs and
 * output) measures that op's quantization noise at the outputs; turning all on measures the whole
 * plan. Noise powers of independent sources add, so the ops are dropped, noisiest first, until the
 * sum of the rest fits the target.
 */

import { cloneGraph, createTensor, type Model, type Node, topologicalSort } from '../../onnx/ir.js';
import { modelToBytes } from '../../onnx/model-io.js';
import type { HostTensor } from '../../onnx/tensor.js';
import type { Sample } from '../calibration-data.js';
import { createNamer, isGraphOutput, makeNode, replaceUses } from '../graph-utils.js';
import { ModelRunner } from '../ort-session.js';
import type { QuantParams, QuantType } from './quant-math.js';

export interface SensitivityInput {
  /** The float model, before any rewrite (its value names are those of `tensors`). */
  model: Model;
  /** Quantized activations and their parameters. */
  params: Map<string, QuantParams>;
  activationType: QuantType;
  /** The units of decision, in graph order: op name → the activations quantizing it touches. */
  ops: Map<string, string[]>;
  samples: Sample[];
  /** Target SNR of every output, in dB. */
  minSnrDb: number;
  /**
   * Measure and rank every op even when the fully quantized model already meets the target (for a
   * caller that searches how many to keep in float against its own criterion).
   */
  rankAll?: boolean;
}

export interface SensitivityResult {
  /** SNR (dB) of the worst output with every op quantized. */
  allQuantizedSnrDb: number;
  /** Predicted SNR after leaving `keepFloat` in float. */
  predictedSnrDb: number;
  /** Op names to leave in float, noisiest first. */
  keepFloat: string[];
  /** SNR (dB) of the worst output with only this op quantized, for every op measured. */
  perOpSnrDb: Record<string, number>;
  /** Every op measured, noisiest first (`keepFloat` is its first entries); empty when none was. */
  ranking: string[];
  /** The same ops in graph (topological) order, from the inputs; empty when none was measured. */
  graphOrder: string[];
}

const FLAG_PREFIX = 'edgebench_fake_quant_';

export async function analyzeSensitivity(input: SensitivityInput): Promise<SensitivityResult> {
  const { model, params, samples } = input;
  const tensors = [...params.keys()];
  const probe = fakeQuantModel(model, params, input.activationType);
  const runner = await ModelRunner.create(modelToBytes(probe.model), 'sensitivity probe', {
    graphOptLevel: 'basic',
  });
  try {
    const flagsFor = (on: Set<string>): Record<string, HostTensor> => {
      const feeds: Record<string, HostTensor> = {};
      for (const t of tensors)
        feeds[probe.flags.get(t)!] = { type: 'bool', dims: [], data: Uint8Array.of(on.has(t) ? 1 : 0) };
      return feeds;
    };
    const outputs = model.graph.outputs.map((o) => o.name);
    const references: Record<string, HostTensor>[] = [];
    for (const sample of samples)
      references.push(await runner.run({ ...sample, ...flagsFor(new Set()) }, outputs));
    // Per output: signal power, and the noise power of a configuration.
    const signal = new Map<string, number>(outputs.map((o) => [o, 0]));
    for (const ref of references) for (const o of outputs) signal.set(o, signal.get(o)! + power(ref[o]));
    const noiseOf = async (on: Set<string>): Promise<Map<string, number>> => {
      const noise = new Map<string, number>(outputs.map((o) => [o, 0]));
      for (const [i, sample] of samples.entries()) {
        const out = await runner.run({ ...sample, ...flagsFor(on) }, outputs);
        for (const o of outputs) noise.set(o, noise.get(o)! + errorPower(references[i][o], out[o]));
      }
      return noise;
    };
    const snr = (noise: Map<string, number>) =>
      Math.min(
        ...outputs.map((o) =>
          noise.get(o)! === 0 ? Infinity : 10 * Math.log10(signal.get(o)! / noise.get(o)!),
        ),
      );

    const allNoise = await noiseOf(new Set(tensors));
    const allQuantizedSnrDb = snr(allNoise);
    if (allQuantizedSnrDb >= input.minSnrDb && !input.rankAll)
      return {
        allQuantizedSnrDb,
        predictedSnrDb: allQuantizedSnrDb,
        keepFloat: [],
        perOpSnrDb: {},
        ranking: [],
        graphOrder: [],
      };

    const perOp = new Map<string, Map<string, number>>();
    const perOpSnrDb: Record<string, number> = {};
    for (const [op, opTensors] of input.ops) {
      const noise = await noiseOf(new Set(opTensors));
      perOp.set(op, noise);
      perOpSnrDb[op] = snr(noise);
    }
    // Noisiest first, judged by the output where the op hurts most relative to its signal.
    const weight = (noise: Map<string, number>) =>
      Math.max(...outputs.map((o) => noise.get(o)! / Math.max(signal.get(o)!, Number.MIN_VALUE)));
    const order = [...perOp.entries()].sort((a, b) => weight(b[1]) - weight(a[1]));
    const remaining = new Map<string, number>(outputs.map((o) => [o, 0]));
    for (const [, noise] of order)
      for (const o of outputs) remaining.set(o, remaining.get(o)! + noise.get(o)!);
    // Scale the additive estimate so that it matches the measured all-quantized noise.
    const scale = new Map(
      outputs.map((o) => [o, remaining.get(o)! > 0 ? allNoise.get(o)! / remaining.get(o)! : 1]),
    );
    const predicted = () => snr(new Map(outputs.map((o) => [o, remaining.get(o)! * scale.get(o)!])));
    const keepFloat: string[] = [];
    for (const [op, noise] of order) {
      if (predicted() >= input.minSnrDb) break;
      keepFloat.push(op);
      for (const o of outputs) remaining.set(o, Math.max(0, remaining.get(o)! - noise.get(o)!));
    }
    return {
      allQuantizedSnrDb,
      predictedSnrDb: predicted(),
      keepFloat,
      perOpSnrDb,
      ranking: order.map(([op]) => op),
      // `ops` follows the plan's roles, which follow the sorted graph.
      graphOrder: [...perOp.keys()],
    };
  } finally {
    await runner.release();
  }
}

/** The float model with a switchable fake quantization (Q→DQ) on each named activation. */
export function fakeQuantModel(
  model: Model,
  params: Map<string, QuantParams>,
  type: QuantType,
): { model: Model; flags: Map<string, string> } {
  const graph = cloneGraph(model.graph);
  const namer = createNamer(graph);
  const flags = new Map<string, string>();
  const added: Node[] = [];
  for (const [t, p] of params) {
    const flag = namer(`${FLAG_PREFIX}${flags.size}`);
    flags.set(t, flag);
    graph.inputs.push({ name: flag, dataType: 'bool', shape: [] });
    const scale = namer(`${t}_fq_scale`);
    const zero = namer(`${t}_fq_zero_point`);
    graph.initializers.set(scale, createTensor(scale, 'float32', [], Float32Array.of(p.scale)));
    graph.initializers.set(
      zero,
      type === 'uint8'
        ? createTensor(zero, 'uint8', [], Uint8Array.of(p.zeroPoint))
        : createTensor(zero, 'int8', [], Int8Array.of(p.zeroPoint)),
    );
    let source = t;
    let selected = namer(`${t}_fq_selected`);
    if (isGraphOutput(graph, t)) {
      // Keep the output's name on the selected value; the producer writes a renamed raw value.
      source = namer(`${t}_fq_raw`);
      // Readers keep reading `t`, now the selected value, as in the quantized model.
      for (const n of graph.nodes) n.outputs = n.outputs.map((o) => (o === t ? source : o));
      selected = t;
    } else {
      replaceUses(graph, t, selected);
    }
    const q = namer(`${t}_fq_q`);
    const dq = namer(`${t}_fq_dq`);
    added.push(
      makeNode(namer, 'QuantizeLinear', [source, scale, zero], [q]),
      makeNode(namer, 'DequantizeLinear', [q, scale, zero], [dq]),
      makeNode(namer, 'Where', [flag, dq, source], [selected]),
    );
  }
  graph.nodes.push(...added);
  topologicalSort(graph);
  return { model: { ...model, graph }, flags };
}

function power(t: HostTensor): number {
  const d = t.data as Float32Array;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  return s;
}

function errorPower(a: HostTensor, b: HostTensor): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const e = x[i] - y[i];
    s += e * e;
  }
  return s;
}
