/**
 * The video action-recognition pipeline: ffmpeg decodes and scales frames → each frame is normalized once
 * → sliding-window clips of T frames every S frames → inference → per-clip scores → temporal smoothing →
 * action segments. Stages are timed per clip. With `realtime`, decoded frames arrive at the source rate.
 */

import { performance } from 'node:perf_hooks';
import { UserError } from '../errors.js';
import { dropUndefined } from '../util/objects.js';
import { type ClassScore, classifierHead } from './classifier.js';
import { ClipAssembler, type ClipWindow, validateClip } from './clips.js';
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_PROBE_TIMEOUT_MS,
  type DecodeStatus,
  decodeFrames,
  probeVideo,
  readDecoderCpuMs,
  type VideoProbe,
} from './ffmpeg.js';
import { type ClipInputSpec, type ClipLayout, clipInputSpec } from './model-input.js';
import { type PipelineOptions, type PipelineResultHead, withPipelineModel } from './pipeline-model.js';
import {
  DEFAULT_PREPROCESS,
  KINETICS_MEAN,
  KINETICS_STD,
  type PreprocessOptions,
  type Triple,
  validatePreprocess,
  writeNormalized,
} from './preprocess.js';
import { type RealtimeResult, type RealtimeSettings, realtimeSettings, runRealtime } from './realtime.js';
import {
  type ActionSegment,
  actionSegments,
  DEFAULT_SEGMENT_OPTIONS,
  DEFAULT_SMOOTHING,
  type SegmentOptions,
  type SmoothingOptions,
  smoothScores,
} from './segments.js';
import {
  describeSkipCounts,
  type InputCounts,
  inputCounts,
  isMediaSkip,
  MediaSkip,
  type SkippedInput,
} from './skips.js';
import { overlappedWork, StageRecorder, type StageSummary, summarizeStages } from './stages.js';

/** Used when the container does not declare a frame rate. */
export const FALLBACK_FPS = 30;

export interface VideoPipelineOptions extends PipelineOptions {
  videos: string[];
  /** Frames per clip (T); must match the model where it is fixed; default 16. */
  clip?: number;
  /** Frames between clip starts (S); default T / 2. */
  stride?: number;
  size?: { width: number; height: number };
  clipLayout?: ClipLayout;
  /** Defaults: resize-crop 0.875 (128→112), Kinetics-400 mean/std (torchvision's video models). */
  preprocess?: Partial<Omit<PreprocessOptions, 'width' | 'height' | 'layout'>>;
  smoothing?: Partial<SmoothingOptions>;
  segments?: Partial<SegmentOptions>;
  /** Stop reading a video after this many frames (0 = all). */
  maxFrames?: number;
  idleTimeoutMs?: number;
  probeTimeoutMs?: number;
  /** ffmpeg decoder threads (0 = ffmpeg decides). */
  decoderThreads?: number;
  /** Camera emulation: decoded frames arrive at `fps` (default: the video's own rate). */
  realtime?: Partial<RealtimeSettings>;
  onProgress?(file: string, clips: number): void;
  /** Aborting kills ffmpeg and stops after the clip in hand: the run rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ClipResult extends ClipWindow {
  startSec: number;
  endSec: number;
  top: ClassScore[];
}

export interface VideoResult {
  file: string;
  probe: VideoProbe;
  /**
   * The container's frame rate, used for every time in seconds (clips, segments); in real-time mode the
   * pacing rate is `realtime.settings.fps`, which may differ (`--fps`).
   */
  fps: number;
  frames: number;
  clips: ClipResult[];
  segments: ActionSegment[];
  /** Time spent smoothing scores and building segments, once per video. */
  segmentationMs: number;
  realtime: RealtimeResult | null;
  warnings: string[];
}

/** The video pipeline's own effective settings, beside the engine's and those every pipeline has. */
export interface VideoPipelineSettings {
  input: ClipInputSpec;
  clip: number;
  stride: number;
  preprocess: PreprocessOptions;
  smoothing: SmoothingOptions;
  segments: SegmentOptions;
  maxFrames: number;
  idleTimeoutMs: number;
  realtime: Partial<RealtimeSettings> | null;
}

export interface VideoPipelineResult extends PipelineResultHead<'video-pipeline', VideoPipelineSettings> {
  videos: InputCounts;
  skipped: SkippedInput[];
  stages: StageSummary;
  results: VideoResult[];
  warnings: string[];
}

export async function runVideoPipeline(options: VideoPipelineOptions): Promise<VideoPipelineResult> {
  if (options.videos.length === 0)
    throw new UserError('no video given: pass one or more files with --video FILE');
  const warnings: string[] = [];
  const head = await classifierHead(options, warnings);
  const { k, labels } = head;
  const smoothing: SmoothingOptions = { ...DEFAULT_SMOOTHING, ...dropUndefined(options.smoothing ?? {}) };
  const segmentOptions: SegmentOptions = {
    ...DEFAULT_SEGMENT_OPTIONS,
    ...dropUndefined(options.segments ?? {}),
  };
  const warmupRuns = options.warmupRuns ?? 3;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxFrames = options.maxFrames ?? 0;

  return withPipelineModel(options, warnings, async (run) => {
    const { loaded } = run;
    const spec = clipInputSpec(loaded.inputs[0], {
      size: options.size,
      frames: options.clip,
      layout: options.clipLayout,
    });
    const T = spec.frames;
    const S = options.stride ?? Math.max(1, Math.floor(T / 2));
    try {
      validateClip(T, S);
    } catch (error) {
      throw new UserError(`--clip/--stride: ${(error as Error).message}`);
    }
    const preprocess = validatePreprocess({
      ...DEFAULT_PREPROCESS,
      mean: [...KINETICS_MEAN] as Triple,
      std: [...KINETICS_STD] as Triple,
      ...dropUndefined(options.preprocess ?? {}),
      width: spec.width,
      height: spec.height,
      // Frames are normalized into channel planes; the clip layout is applied when clips are assembled.
      layout: 'NCHW',
    });
    const n = spec.fixedBatch ?? 1;
    const clipElements = 3 * T * spec.width * spec.height;
    const clipData = new Float32Array(n * clipElements);
    const clipDims =
      spec.layout === 'NCTHW' ? [n, 3, T, spec.height, spec.width] : [n, T, 3, spec.height, spec.width];
    const clipTensor = { type: 'float32' as const, dims: clipDims, data: clipData };
    const warm = await run.warmUp({ [spec.name]: clipTensor }, warmupRuns);

    const recorder = new StageRecorder();
    // ffmpeg decodes in its own process, ahead of and beside the pipeline: its CPU time per clip is
    // measured apart (overlapped), and the decode stage holds only the wait for frames.
    const decoderCpu = { samplesMs: [] as number[], totalMs: 0, frames: 0, budgetMs: 0, measurable: true };
    const skipped: SkippedInput[] = [];
    const results: VideoResult[] = [];

    /** Inference and post-processing of the clip the assembler holds. */
    const inferClip = async (assembler: ClipAssembler) => {
      options.signal?.throwIfAborted();
      const p0 = performance.now();
      assembler.writeClip(clipData, 0);
      const { rows, preparedAt: t1, ranAt: t2 } = await run.inferRows({ [spec.name]: clipTensor }, n);
      const classified = head.classify(rows[0]);
      // A copy: the scores may be the output's own buffer, and every clip's row is kept for smoothing.
      const probs = Float32Array.from(classified.probs);
      const top = classified.top;
      const t3 = performance.now();
      return { probs, top, preprocessMs: t1 - p0, inferenceMs: t2 - t1, postprocessMs: t3 - t2 };
    };

    for (const file of options.videos) {
      const videoWarnings: string[] = [];
      let probe: VideoProbe;
      try {
        probe = await probeVideo(file, options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, options.signal);
      } catch (error) {
        if (!isMediaSkip(error)) throw error;
        skipped.push({ file, reason: error.reason, detail: error.detail });
        continue;
      }
      const fps = probe.fps ?? FALLBACK_FPS;
      if (probe.fps === null)
        videoWarnings.push(`${file}: no frame rate in the container; assumed ${FALLBACK_FPS} fps`);
      const assembler = new ClipAssembler(T, S, spec.width, spec.height, spec.layout);
      const status: DecodeStatus = { frames: 0, warnings: [] };
      const frames = decodeFrames(
        file,
        { ...preprocess, idleTimeoutMs, maxFrames, threads: options.decoderThreads, signal: options.signal },
        status,
      );
      const windows: ClipWindow[] = [];
      const probRows: Float32Array[] = [];
      const clips: ClipResult[] = [];
      let decoderCpuAtLastClip = 0;
      /** ffmpeg's CPU time since the previous clip, outside every timed stage (while ffmpeg runs). */
      const takeDecoderCpu = () => {
        const now = readDecoderCpuMs(status);
        if (now === null) return;
        decoderCpu.samplesMs.push(Math.max(0, now - decoderCpuAtLastClip));
        decoderCpuAtLastClip = now;
      };
      const onClip = (window: ClipWindow, probs: Float32Array, top: ClassScore[]) => {
        windows.push(window);
        probRows.push(probs);
        clips.push({ ...window, startSec: window.startFrame / fps, endSec: window.endFrame / fps, top });
      };
      let realtime: RealtimeResult | null = null;
      try {
        if (!options.realtime) {
          let unitStart = performance.now();
          let decodeMs = 0;
          let preprocessMs = 0;
          for (;;) {
            const d0 = performance.now();
            const r = await frames.next();
            const d1 = performance.now();
            decodeMs += d1 - d0;
            if (r.done) break;
            writeNormalized(r.value, preprocess, assembler.nextSlot(), 0);
            const window = assembler.commit();
            preprocessMs += performance.now() - d1;
            if (!window) continue;
            const c = await inferClip(assembler);
            onClip(window, c.probs, c.top);
            const end = performance.now();
            takeDecoderCpu();
            recorder.recordUnit(c, { decodeMs, preprocessMs }, end - unitStart, 1);
            options.onProgress?.(file, clips.length);
            unitStart = performance.now();
            decodeMs = 0;
            preprocessMs = 0;
          }
        } else {
          // Pacing may differ from the container's rate (--fps); times in seconds keep the container's.
          const paceFps = options.realtime.fps ?? fps;
          const settings = realtimeSettings({
            deadlineMs: (S * 1000) / paceFps,
            ...options.realtime,
            fps: paceFps,
          });
          let preprocessMs = 0;
          realtime = await runRealtime({
            source: frames,
            settings,
            signal: options.signal,
            serve: async (frame, index) => {
              const p0 = performance.now();
              writeNormalized(frame, preprocess, assembler.nextSlot(), 0);
              const window = assembler.commit(index);
              const p1 = performance.now();
              preprocessMs += p1 - p0;
              if (!window) return false;
              const c = await inferClip(assembler);
              onClip(window, c.probs, c.top);
              const end = performance.now();
              takeDecoderCpu();
              // The emulated camera delivers decoded frames: decoding is the source's work here.
              recorder.recordUnit(c, { decodeMs: 0, preprocessMs }, preprocessMs + (end - p1), 1);
              preprocessMs = 0;
              return true;
            },
          });
        }
      } catch (error) {
        if (!isMediaSkip(error)) throw error;
        // The header named a video stream, yet not one frame came out of it.
        const reason = error.reason === 'corrupt' && status.frames === 0 ? 'zero-frames' : error.reason;
        skipped.push({ file, reason, detail: error.detail });
        continue;
      } finally {
        // However the loop ended (an error, an abort), ffmpeg goes: the generator's cleanup kills it.
        await frames.return(undefined);
      }
      if (clips.length === 0) {
        const skip = new MediaSkip(
          'shorter-than-clip',
          `${status.frames} frames, fewer than one clip of ${T}`,
        );
        skipped.push({ file, reason: skip.reason, detail: skip.detail });
        continue;
      }
      videoWarnings.push(...status.warnings.map((w) => `${file}: ${w}`));
      // ffmpeg's whole CPU time (all frames, to its exit) against the frames' time at the source rate.
      const decoderTotal = status.decoderTotalCpuMs ?? readDecoderCpuMs(status);
      if (decoderTotal === null) decoderCpu.measurable = false;
      else {
        decoderCpu.totalMs += decoderTotal;
        decoderCpu.frames += status.frames;
        decoderCpu.budgetMs += (status.frames * 1000) / fps;
      }
      const s0 = performance.now();
      const smoothed = smoothScores(probRows, smoothing);
      const segments = actionSegments(windows, smoothed, fps, labels, segmentOptions);
      const segmentationMs = performance.now() - s0;
      warnings.push(...videoWarnings);
      results.push({
        file,
        probe,
        fps,
        frames: status.frames,
        clips,
        segments,
        segmentationMs,
        realtime,
        warnings: videoWarnings,
      });
    }
    if (results.length === 0) {
      const shown = skipped.slice(0, 5).map((s) => `${s.file} (${s.reason}: ${s.detail})`);
      throw new UserError(`no usable video: all ${skipped.length} skipped — ${shown.join('; ')}`);
    }
    const counts = inputCounts(options.videos.length, results.length, skipped);
    if (skipped.length > 0)
      warnings.unshift(`skipped ${skipped.length} video(s): ${describeSkipCounts(counts.skipCounts)}`);
    return {
      ...(await run.resultHead('video-pipeline', warm, {
        input: spec,
        clip: T,
        stride: S,
        preprocess,
        topK: k,
        softmax: head.softmax,
        smoothing,
        segments: segmentOptions,
        warmupRuns,
        maxFrames,
        idleTimeoutMs,
        labels: labels?.length ?? null,
        realtime: options.realtime ?? null,
      })),
      videos: counts,
      skipped,
      stages: summarizeStages(
        recorder,
        'clip',
        'wait',
        decoderCpu.measurable && decoderCpu.frames > 0
          ? [
              overlappedWork(
                'decode',
                "ffmpeg's own process, from /proc: its whole CPU time per frame, and per clip while it ran",
                decoderCpu.samplesMs,
                decoderCpu.totalMs,
                decoderCpu.frames,
                decoderCpu.budgetMs,
              ),
            ]
          : [],
      ),
      results,
      warnings,
    };
  });
}
