/**
 * The image classification pipeline: files → decode and resize (sharp) → normalize into a batch →
 * inference → softmax and top-k → labels and accuracy, every stage timed per batch.
 * With `realtime`, images arrive as camera frames at a fixed rate instead (batch 1).
 */

import { performance } from 'node:perf_hooks';
import { UserError } from '../errors.js';
import type { HostTensor } from '../onnx/tensor.js';
import { dropUndefined } from '../util/objects.js';
import { type ClassScore, classifierHead } from './classifier.js';
import {
  DEFAULT_IMAGE_LIMITS,
  decodeImage,
  type ImageLimits,
  listImages,
  type ResizeKernel,
  readMediaFile,
} from './image.js';
import { classIndexOfFolder } from './labels.js';
import { type ImageInputSpec, imageInputSpec } from './model-input.js';
import { type PipelineOptions, type PipelineResultHead, withPipelineModel } from './pipeline-model.js';
import {
  DEFAULT_PREPROCESS,
  type PreprocessOptions,
  pictureElements,
  validatePreprocess,
  writeNormalized,
  writeRaw,
} from './preprocess.js';
import { type RealtimeResult, type RealtimeSettings, realtimeSettings, runRealtime } from './realtime.js';
import {
  describeSkipCounts,
  type InputCounts,
  inputCounts,
  isMediaSkip,
  type SkippedInput,
} from './skips.js';
import { type ModelTimes, StageRecorder, type StageSummary, summarizeStages } from './stages.js';

export { PIPELINE_SCHEMA_VERSION } from './pipeline-model.js';

export interface ImagePipelineOptions extends PipelineOptions {
  /** Image files and/or folders (a folder's subfolders are classes, for accuracy). */
  inputs: string[];
  /** Images per inference (default: the model's fixed batch, else 1). */
  batch?: number;
  /** Picture size where the model's is symbolic. */
  size?: { width: number; height: number };
  preprocess?: Partial<Omit<PreprocessOptions, 'width' | 'height'>>;
  kernel?: ResizeKernel;
  limits?: Partial<ImageLimits>;
  /**
   * Passes over the images (default 1). Predictions and accuracy count each image once, from the first
   * time it is processed (in real time, a later pass when its earlier frames were dropped).
   */
  repeat?: number;
  /** Camera emulation: images arrive as frames at `fps`. */
  realtime?: Partial<RealtimeSettings> & { fps: number };
  onProgress?(done: number, total: number): void;
  /** Aborting stops the run after the image (or batch) in hand: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

export type { ClassScore } from './classifier.js';

export interface ImagePrediction {
  file: string;
  truth: string | null;
  truthIndex: number | null;
  top: ClassScore[];
}

/** The image pipeline's own effective settings, beside the engine's and those every pipeline has. */
export interface ImagePipelineSettings {
  input: ImageInputSpec;
  batch: number;
  preprocess: PreprocessOptions;
  kernel: ResizeKernel;
  limits: ImageLimits;
  repeat: number;
  realtime: RealtimeSettings | null;
}

export interface ImagePipelineResult extends PipelineResultHead<'image-pipeline', ImagePipelineSettings> {
  images: InputCounts;
  skipped: SkippedInput[];
  stages: StageSummary;
  predictions: ImagePrediction[];
  /**
   * Over the labelled images processed, each counted once (the model gives the same answer for the same
   * picture, so repeats would only weight images by how often the drop policy let them through).
   */
  accuracy: {
    /** Labelled images processed at least once: the denominator. */
    labelled: number;
    /** Labelled images among the inputs (in real time, those never processed had all their frames dropped). */
    labelledInputs: number;
    /** Processed frames (batch items, passes) of labelled images, repeats included. */
    labelledFrames: number;
    k: number;
    correctTop1: number;
    top1: number;
    correctTopK: number;
    topK: number;
    classIndexBy: string[];
  } | null;
  realtime: RealtimeResult | null;
  warnings: string[];
}

interface Batch {
  data: Float32Array | Uint8Array;
  tensor: HostTensor;
}

export async function runImagePipeline(options: ImagePipelineOptions): Promise<ImagePipelineResult> {
  const warnings: string[] = [];
  const limits: ImageLimits = { ...DEFAULT_IMAGE_LIMITS, ...options.limits };
  const kernel = options.kernel ?? 'linear';
  const head = await classifierHead(options, warnings);
  const { k, labels } = head;
  const repeat = options.repeat ?? 1;
  if (!(Number.isInteger(repeat) && repeat >= 1))
    throw new UserError(`--repeat must be an integer ≥ 1, got ${repeat}`);
  const warmupRuns = options.warmupRuns ?? 3;

  const listing = await listImages(options.inputs);
  const skipped: SkippedInput[] = [...listing.skipped];
  if (listing.items.length === 0) {
    throw new UserError(
      skipped.length > 0
        ? `no usable images: ${skipped.map((s) => `${s.file} (${s.reason}: ${s.detail})`).join('; ')}`
        : `no images found in ${options.inputs.join(', ')}: give image files, or folders of ${'.jpg/.png/.webp/…'} files`,
    );
  }

  return withPipelineModel(options, warnings, async (run) => {
    const { loaded } = run;
    const spec = imageInputSpec(loaded.inputs[0], { size: options.size, layout: options.preprocess?.layout });
    const preprocess = validatePreprocess({
      ...DEFAULT_PREPROCESS,
      ...dropUndefined(options.preprocess ?? {}),
      width: spec.width,
      height: spec.height,
      layout: spec.layout,
    });
    let batch = options.batch ?? spec.fixedBatch ?? 1;
    if (options.realtime) batch = spec.fixedBatch ?? 1;
    if (!(Number.isInteger(batch) && batch >= 1))
      throw new UserError(`--batch must be an integer ≥ 1, got ${batch}`);
    if (spec.fixedBatch !== null && batch !== spec.fixedBatch)
      throw new UserError(`--batch ${batch}: input '${spec.name}' has a fixed batch of ${spec.fixedBatch}`);
    if (options.realtime && options.batch !== undefined && options.batch !== batch)
      warnings.push(`real-time mode processes frames one at a time; --batch ${options.batch} ignored`);

    const perPicture = pictureElements(preprocess);
    const dims = (n: number) =>
      spec.layout === 'NCHW' ? [n, 3, spec.height, spec.width] : [n, spec.height, spec.width, 3];
    const batches = new Map<number, Batch>();
    const batchFor = (n: number): Batch => {
      let b = batches.get(n);
      if (!b) {
        const data =
          spec.type === 'float32' ? new Float32Array(n * perPicture) : new Uint8Array(n * perPicture);
        b = { data, tensor: { type: spec.type, dims: dims(n), data } };
        batches.set(n, b);
      }
      return b;
    };
    const write = (pixels: Uint8Array, b: Batch, slot: number) => {
      if (b.data instanceof Float32Array) writeNormalized(pixels, preprocess, b.data, slot * perPicture);
      else writeRaw(pixels, preprocess, b.data, slot * perPicture);
    };

    const warm = await run.warmUp({ [spec.name]: batchFor(batch).tensor }, warmupRuns);
    const recorder = new StageRecorder();
    const predictions: ImagePrediction[] = [];
    const badFiles = new Set<string>();
    const skip = (file: string, error: unknown) => {
      if (!isMediaSkip(error)) throw error;
      if (badFiles.has(file)) return;
      badFiles.add(file);
      skipped.push({ file, reason: error.reason, detail: error.detail });
    };
    const truthIndex = (truth: string | undefined) =>
      truth === undefined ? undefined : classIndexOfFolder(truth, labels, listing.classFolders);
    const classIndexBy = new Set<string>();
    let correctTop1 = 0;
    let correctTopK = 0;
    let labelled = 0;
    let labelledFrames = 0;
    /** Images with a prediction: each counts once, from the first time it is processed. */
    const predicted = new Set<{ file: string }>();

    /** Runs one batch of decoded pictures through preprocess → inference → postprocess. */
    const infer = async (
      pictures: { item: { file: string; truth?: string }; pixels: Uint8Array }[],
    ): Promise<ModelTimes> => {
      options.signal?.throwIfAborted();
      const t0 = performance.now();
      const n = spec.fixedBatch ?? pictures.length;
      const b = batchFor(n);
      for (let i = 0; i < pictures.length; i++) write(pictures[i].pixels, b, i);
      if (pictures.length < n) b.data.fill(0, pictures.length * perPicture);
      const { rows, preparedAt: t1, ranAt: t2 } = await run.inferRows({ [spec.name]: b.tensor }, n);
      for (let i = 0; i < pictures.length; i++) {
        const { top } = head.classify(rows[i]);
        const { item } = pictures[i];
        const truth = truthIndex(item.truth);
        if (truth) labelledFrames++;
        if (predicted.has(item)) continue;
        predicted.add(item);
        if (truth) {
          labelled++;
          classIndexBy.add(truth.by);
          if (top[0]?.index === truth.index) correctTop1++;
          if (top.some((c) => c.index === truth.index)) correctTopK++;
        }
        predictions.push({
          file: item.file,
          truth: item.truth ?? null,
          truthIndex: truth?.index ?? null,
          top,
        });
      }
      const t3 = performance.now();
      return { preprocessMs: t1 - t0, inferenceMs: t2 - t1, postprocessMs: t3 - t2 };
    };

    let realtime: RealtimeResult | null = null;
    let rtSettings: RealtimeSettings | null = null;
    const items = listing.items;
    if (!options.realtime) {
      const total = items.length * repeat;
      let done = 0;
      for (let pass = 0; pass < repeat; pass++) {
        let next = 0;
        while (next < items.length) {
          const startMs = performance.now();
          let decodeMs = 0;
          const pictures: { item: (typeof items)[number]; pixels: Uint8Array }[] = [];
          while (pictures.length < batch && next < items.length) {
            options.signal?.throwIfAborted();
            const item = items[next++];
            done++;
            if (badFiles.has(item.file)) continue;
            const d0 = performance.now();
            try {
              const bytes = await readMediaFile(item.file);
              const { pixels } = await decodeImage(bytes, preprocess, limits, kernel);
              decodeMs += performance.now() - d0;
              pictures.push({ item, pixels });
            } catch (error) {
              skip(item.file, error);
            }
          }
          if (pictures.length === 0) continue;
          const t = await infer(pictures);
          const endToEnd = performance.now() - startMs;
          recorder.recordUnit(t, { decodeMs, preprocessMs: 0 }, endToEnd, pictures.length);
          options.onProgress?.(done, total);
        }
      }
    } else {
      // The camera delivers compressed frames: files are read once, up front, and cycled `repeat` times.
      const frames: { item: (typeof items)[number]; bytes: Buffer }[] = [];
      for (const item of items) {
        try {
          frames.push({ item, bytes: await readMediaFile(item.file) });
        } catch (error) {
          skip(item.file, error);
        }
      }
      if (frames.length === 0) throwNothingUsable(skipped);
      rtSettings = realtimeSettings(options.realtime);
      const source = function* () {
        for (let pass = 0; pass < repeat; pass++) yield* frames;
      };
      realtime = await runRealtime({
        source: source(),
        settings: rtSettings,
        signal: options.signal,
        serve: async (frame) => {
          if (badFiles.has(frame.item.file)) return false;
          const startMs = performance.now();
          let pixels: Uint8Array;
          try {
            pixels = (await decodeImage(frame.bytes, preprocess, limits, kernel)).pixels;
          } catch (error) {
            skip(frame.item.file, error);
            return false;
          }
          const decodeMs = performance.now() - startMs;
          const t = await infer([{ item: frame.item, pixels }]);
          recorder.recordUnit(t, { decodeMs, preprocessMs: 0 }, performance.now() - startMs, 1);
          return true;
        },
      });
    }
    if (recorder.count === 0) throwNothingUsable(skipped);
    const uniqueProcessed = new Set(predictions.map((p) => p.file)).size;
    const counts = inputCounts(listing.items.length + listing.skipped.length, uniqueProcessed, skipped);
    if (skipped.length > 0)
      warnings.push(`skipped ${skipped.length} input(s): ${describeSkipCounts(counts.skipCounts)}`);
    if (classIndexBy.has('folder-order'))
      warnings.push(
        'ground truth taken from the sorted class-folder order (torchvision ImageFolder); give --labels so folder names map to the model’s classes',
      );
    const labelledInputs = items.filter(
      (item) => !badFiles.has(item.file) && truthIndex(item.truth) !== undefined,
    ).length;
    return {
      ...(await run.resultHead('image-pipeline', warm, {
        input: spec,
        batch,
        preprocess,
        kernel,
        topK: k,
        softmax: head.softmax,
        limits,
        warmupRuns,
        repeat,
        labels: labels?.length ?? null,
        realtime: rtSettings,
      })),
      images: counts,
      skipped,
      stages: summarizeStages(recorder, batch === 1 ? 'image' : 'batch'),
      predictions,
      accuracy:
        labelled > 0
          ? {
              labelled,
              labelledInputs,
              labelledFrames,
              k,
              correctTop1,
              top1: correctTop1 / labelled,
              correctTopK,
              topK: correctTopK / labelled,
              classIndexBy: [...classIndexBy],
            }
          : null,
      realtime,
      warnings,
    };
  });
}

function throwNothingUsable(skipped: readonly SkippedInput[]): never {
  const shown = skipped.slice(0, 5).map((s) => `${s.file} (${s.reason}: ${s.detail})`);
  const more = skipped.length > 5 ? `; and ${skipped.length - 5} more` : '';
  throw new UserError(`no usable images: all ${skipped.length} skipped — ${shown.join('; ')}${more}`);
}
