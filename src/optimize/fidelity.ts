/**
 * Fidelity: how far an optimized model's outputs moved from the base model's, on the same inputs.
 * Per output: max and mean absolute error, cosine similarity (mean over samples), signal-to-noise
 * ratio in dB (Σ base² / Σ (base − optimized)² over all samples; Infinity when identical), and for
 * classifier outputs ([N, classes]) top-1 agreement and top-5 agreement (the base top-1 class is
 * within the optimized top-5). With a labelled folder: accuracy of both models.
 *
 * Undefined figures are NaN (null in JSON, "n/a" in tables), never a made-up number: a sample's
 * cosine is undefined when exactly one of the two outputs is all zeros (both all zeros counts as 1,
 * identical), and the SNR is undefined when the base output is all zeros but the optimized one is
 * not (no signal to compare the error with). Read max/mean |err| then. NaN in the outputs makes
 * every figure NaN, max |err| included; that is how the two cases are told apart.
 */
import type { GraphOptLevel } from '../engines/ort-options.js';
import { UserError } from '../errors.js';
import { float16ToFloat32 } from '../onnx/float16.js';
import type { HostTensor, TensorInfo } from '../onnx/tensor.js';
import {
  DEFAULT_SAMPLE_COUNT,
  type ImagePreprocess,
  loadLabelledImages,
  loadSamples,
  type Sample,
} from './calibration-data.js';
import { ModelRunner } from './ort-session.js';

export interface CompareOptions {
  /** 'synthetic' (default), a folder of images or tensors, a video, or ready samples. */
  inputs?: string | Sample[];
  /** Samples to compare (default 16). */
  count?: number;
  /** A labelled folder (one subfolder of images per class): adds accuracy. */
  labels?: string;
  shapes?: Record<string, number[]>;
  preprocess?: ImagePreprocess;
  seed?: number;
  /** Intra-op threads for both sessions (0 = onnxruntime decides). */
  threads?: number;
  /**
   * onnxruntime graph optimization level of each session (default 'all' for both): e.g. the base as
   * written ('disabled') against the optimized model at the level it will be deployed with.
   */
  graphOptLevels?: { base?: GraphOptLevel; optimized?: GraphOptLevel };
}

export interface OutputFidelity {
  name: string;
  maxAbsError: number;
  meanAbsError: number;
  /**
   * Mean over samples of the cosine similarity of the flattened outputs, over the samples where it
   * is defined; NaN when it is defined on none (one side all zeros on every sample).
   */
  cosine: number;
  /** Infinity when the outputs are identical; NaN when the base output is all zeros and they differ. */
  snrDb: number;
  /** Classifier outputs only: share of samples whose top-1 class is the same. */
  top1Agreement?: number;
  /** Classifier outputs with ≥ 5 classes: share whose base top-1 class is in the optimized top-5. */
  top5Agreement?: number;
}

export interface AccuracyReport {
  samples: number;
  classes: number;
  base: number;
  optimized: number;
  /** optimized − base, in percentage points. */
  deltaPoints: number;
}

export interface FidelityReport {
  samples: number;
  inputs: string;
  /** What the optimized outputs were compared with, when it needs saying (e.g. "the float16 original"). */
  against?: string;
  outputs: OutputFidelity[];
  accuracy?: AccuracyReport;
}

/**
 * What a comparison needs of a model: its interface, and its outputs for given inputs. A ModelRunner
 * is one; an engine session (in this process or on another machine) can be another.
 */
export interface OutputRunner {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** The outputs for `feeds` (all of them, or those named), read back as host tensors. */
  run(feeds: Record<string, HostTensor>, outputNames?: string[]): Promise<Record<string, HostTensor>>;
}

/** Compares two models (paths or bytes) on the same inputs. */
export async function compareOutputs(
  base: string | Uint8Array,
  optimized: string | Uint8Array,
  options: CompareOptions = {},
): Promise<FidelityReport> {
  const baseRunner = await ModelRunner.create(base, typeof base === 'string' ? base : 'base model', {
    threads: options.threads,
    ...(options.graphOptLevels?.base ? { graphOptLevel: options.graphOptLevels.base } : {}),
  });
  let optRunner: ModelRunner | undefined;
  try {
    optRunner = await ModelRunner.create(
      optimized,
      typeof optimized === 'string' ? optimized : 'optimized model',
      {
        threads: options.threads,
        ...(options.graphOptLevels?.optimized ? { graphOptLevel: options.graphOptLevels.optimized } : {}),
      },
    );
    return await compareRunners(baseRunner, optRunner, options);
  } finally {
    await baseRunner.release();
    await optRunner?.release();
  }
}

/**
 * Compares two opened models on the same inputs (`options` as for compareOutputs; its threads and
 * graph levels are the opener's business). The caller releases both.
 */
export async function compareRunners(
  baseRunner: OutputRunner,
  optRunner: OutputRunner,
  options: CompareOptions = {},
): Promise<FidelityReport> {
  checkSameInterface(baseRunner, optRunner);
  const { samples, description } = Array.isArray(options.inputs)
    ? { samples: options.inputs, description: `${options.inputs.length} given samples` }
    : await loadSamples(options.inputs ?? 'synthetic', baseRunner.inputs, {
        count: options.count ?? DEFAULT_SAMPLE_COUNT,
        shapes: options.shapes,
        preprocess: options.preprocess,
        seed: options.seed,
      });
  if (samples.length === 0) throw new UserError('no input samples to compare the models on');
  const accumulators = new Map<string, OutputAccumulator>();
  for (const sample of samples) {
    const [a, b] = [await baseRunner.run(sample), await optRunner.run(sample)];
    for (const info of baseRunner.outputs) {
      let acc = accumulators.get(info.name);
      if (!acc) {
        acc = new OutputAccumulator(info.name);
        accumulators.set(info.name, acc);
      }
      acc.add(a[info.name], b[info.name]);
    }
  }
  const report: FidelityReport = {
    samples: samples.length,
    inputs: description,
    outputs: [...accumulators.values()].map((a) => a.result()),
  };
  if (options.labels) {
    report.accuracy = await labelledAccuracy(baseRunner, optRunner, options.labels, options);
  }
  return report;
}

function checkSameInterface(a: OutputRunner, b: OutputRunner): void {
  const describe = (infos: readonly TensorInfo[]) => infos.map((i) => `${i.name}:${i.type}`).join(', ');
  if (describe(a.inputs) !== describe(b.inputs) || describe(a.outputs) !== describe(b.outputs)) {
    throw new UserError(
      `the two models have different inputs/outputs (base: ${describe(a.inputs)} → ${describe(a.outputs)}; optimized: ${describe(b.inputs)} → ${describe(b.outputs)}): compare a model with its own optimized version`,
    );
  }
}

async function labelledAccuracy(
  base: OutputRunner,
  opt: OutputRunner,
  dir: string,
  options: CompareOptions,
): Promise<AccuracyReport> {
  const set = await loadLabelledImages(dir, base.inputs, {
    shapes: options.shapes,
    preprocess: options.preprocess,
  });
  const output = base.outputs.find((o) => o.type === 'float32' && classCountOf(o.shape) !== undefined);
  if (!output)
    throw new UserError('accuracy needs a classifier output ([N, classes] float32); this model has none');
  const classes = classCountOf(output.shape)!;
  const highest = Math.max(...set.labels);
  if (highest >= classes)
    throw new UserError(
      `${dir}: class index ${highest} (folder '${set.classNames.find((n) => n === String(highest)) ?? set.classNames[highest]}') is beyond the model's ${classes} classes, so accuracy would be meaningless: label folders must be the model's class indices (0…${classes - 1})`,
    );
  let baseCorrect = 0;
  let optCorrect = 0;
  for (const [i, sample] of set.samples.entries()) {
    const a = (await base.run(sample, [output.name]))[output.name];
    const b = (await opt.run(sample, [output.name]))[output.name];
    if (argmax(a.data as Float32Array, 0, a.data.length) === set.labels[i]) baseCorrect++;
    if (argmax(b.data as Float32Array, 0, b.data.length) === set.labels[i]) optCorrect++;
  }
  const n = set.samples.length;
  const baseAcc = baseCorrect / n;
  const optAcc = optCorrect / n;
  return {
    samples: n,
    classes: set.classNames.length,
    base: baseAcc,
    optimized: optAcc,
    deltaPoints: (optAcc - baseAcc) * 100,
  };
}

/** Classes of a [N, C] output (C ≥ 2); undefined for anything else. */
function classCountOf(shape: ReadonlyArray<number | string>): number | undefined {
  if (shape.length !== 2) return undefined;
  const c = shape[1];
  return typeof c === 'number' && c >= 2 ? c : undefined;
}

export function argmax(data: ArrayLike<number>, start: number, end: number): number {
  let best = start;
  for (let i = start + 1; i < end; i++) if (data[i] > data[best]) best = i;
  return best - start;
}

/** Indices of the k largest values in data[start, end). */
export function topK(data: ArrayLike<number>, start: number, end: number, k: number): number[] {
  const idx = Array.from({ length: end - start }, (_, i) => i);
  idx.sort((x, y) => data[start + y] - data[start + x]);
  return idx.slice(0, k);
}

/** Running sums for one output over many samples. */
export class OutputAccumulator {
  private maxAbs = 0;
  private sumAbs = 0;
  private count = 0;
  private signal = 0;
  private noise = 0;
  private cosineSum = 0;
  private cosineCount = 0;
  private samples = 0;
  private rows = 0;
  private top1 = 0;
  private top5 = 0;
  private classes: number | undefined;

  constructor(readonly name: string) {}

  add(base: HostTensor, opt: HostTensor): void {
    if (base.data.length !== opt.data.length)
      throw new UserError(
        `output '${this.name}' has ${base.data.length} values in the base model but ${opt.data.length} in the optimized one`,
      );
    const a = toNumbers(base);
    const b = toNumbers(opt);
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      if (d > this.maxAbs || Number.isNaN(d)) this.maxAbs = Number.isNaN(d) ? Number.NaN : d;
      this.sumAbs += d;
      this.signal += a[i] * a[i];
      this.noise += d * d;
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    this.count += a.length;
    // Exactly one all-zero side: the angle is undefined, so the sample adds nothing to the mean.
    if (na === 0 && nb === 0) {
      this.cosineSum += 1;
      this.cosineCount++;
    } else if (na !== 0 && nb !== 0) {
      this.cosineSum += dot / Math.sqrt(na * nb);
      this.cosineCount++;
    } else if (Number.isNaN(dot)) {
      this.cosineSum += Number.NaN;
      this.cosineCount++;
    }
    this.samples++;
    const classes = base.dims.length === 2 && base.dims[1] >= 2 ? base.dims[1] : undefined;
    if (classes !== undefined) {
      this.classes = classes;
      for (let r = 0; r < base.dims[0]; r++) {
        const start = r * classes;
        const ta = argmax(a, start, start + classes);
        const tb = argmax(b, start, start + classes);
        if (ta === tb) this.top1++;
        if (classes >= 5 && topK(b, start, start + classes, 5).includes(ta)) this.top5++;
        this.rows++;
      }
    }
  }

  result(): OutputFidelity {
    const out: OutputFidelity = {
      name: this.name,
      maxAbsError: this.maxAbs,
      meanAbsError: this.count > 0 ? this.sumAbs / this.count : 0,
      cosine: this.cosineCount > 0 ? this.cosineSum / this.cosineCount : this.samples > 0 ? Number.NaN : 1,
      snrDb: snrDb(this.signal, this.noise),
    };
    if (this.classes !== undefined && this.rows > 0) {
      out.top1Agreement = this.top1 / this.rows;
      if (this.classes >= 5) out.top5Agreement = this.top5 / this.rows;
    }
    return out;
  }
}

/** 10·log10(signal / noise): Infinity without noise; NaN (undefined) with noise but no signal. */
export function snrDb(signal: number, noise: number): number {
  if (noise === 0) return Infinity;
  if (signal === 0 || Number.isNaN(signal) || Number.isNaN(noise)) return Number.NaN;
  return 10 * Math.log10(signal / noise);
}

function toNumbers(t: HostTensor): ArrayLike<number> {
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) return Array.from(t.data, Number);
  // Outputs are float32 in practice (recipes keep IO types); decode float16 just in case.
  if (t.type === 'float16') return float16ToFloat32(t.data as Uint16Array);
  return t.data as ArrayLike<number>;
}
