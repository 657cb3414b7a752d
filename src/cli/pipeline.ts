/** `edgebench pipeline image|video`: real files through decode, preprocess, inference and postprocess, every stage timed. */
import type { Command } from 'commander';
import type { OrtEngineOptions } from '../engines/ort-options.js';
import { InterruptedError, isInterruptedError, UserError } from '../errors.js';
import { CLIP_LAYOUTS, type ClipLayout } from '../pipelines/model-input.js';
import { SOFTMAX_MODES, type SoftmaxMode } from '../pipelines/postprocess.js';
import {
  CHANNEL_ORDERS,
  type ChannelOrder,
  parseSize,
  parseTriple,
  RESIZE_MODES,
  type ResizeMode,
  TENSOR_LAYOUTS,
  type TensorLayout,
} from '../pipelines/preprocess.js';
import {
  checkRealtimeOnly,
  DROP_POLICIES,
  type DropPolicy,
  type RealtimeSettings,
} from '../pipelines/realtime.js';
import { SMOOTHING_METHODS, type SmoothingMethod } from '../pipelines/segments.js';
import { jsonDocument } from '../report/documents.js';
import type * as PipelineTables from '../report/pipeline-table.js';
import { dropUndefined } from '../util/objects.js';
import { choiceFlag, intFlag, numberFlag } from './flags.js';
import { type JsonFlag, jsonOption, jsonToStdout, printResult } from './json-output.js';
import { executionProviderOption, threadsOption } from './shared-options.js';
import { handleStopSignals } from './shutdown.js';
import { printableText, writeWarning } from './terminal.js';

interface CommonFlags {
  model: string;
  ep: OrtEngineOptions['executionProvider'];
  threads?: number;
  labels?: string;
  topK?: number;
  softmax?: SoftmaxMode;
  size?: string;
  resize?: ResizeMode;
  cropFraction?: number;
  mean?: string;
  std?: string;
  channelOrder?: ChannelOrder;
  warmup?: number;
  realtime?: boolean;
  fps?: number;
  queue?: number;
  dropPolicy?: DropPolicy;
  deadlineMs?: number;
  durationMs?: number;
  json?: JsonFlag;
  opsetUpgrade: boolean;
  target?: string;
}

interface ImageFlags extends CommonFlags {
  images: string[];
  layout?: TensorLayout;
  batch?: number;
  repeat?: number;
}

interface VideoFlags extends CommonFlags {
  video: string[];
  clip?: number;
  stride?: number;
  clipLayout?: ClipLayout;
  smoothing?: SmoothingMethod;
  smoothingWindow?: number;
  emaAlpha?: number;
  minScore?: number;
  minClips?: number;
  maxFrames?: number;
  decodeTimeoutMs?: number;
}

function commonOptions(cmd: Command): Command {
  return jsonOption(cmd, 'the full result')
    .requiredOption('--model <model>', 'ONNX file path, or zoo:NAME[?classes=N&input=DIMS]')
    .addOption(executionProviderOption())
    .addOption(threadsOption())
    .option(
      '--no-opset-upgrade',
      'do not upgrade a model whose opset onnxruntime cannot run (below 7) in memory; fail instead',
    )
    .option('--labels <file>', 'class labels: one per line, or a JSON array/object')
    .option('--top-k <k>', 'classes reported per result (default 5)', intFlag('--top-k', 1))
    .option(
      '--softmax <mode>',
      `${SOFTMAX_MODES.join('|')} (auto: only when outputs are not probabilities)`,
      choiceFlag('--softmax', SOFTMAX_MODES),
    )
    .option('--size <HxW>', "picture size, where the model's is symbolic (e.g. 48x192)")
    .option(
      '--resize <mode>',
      `${RESIZE_MODES.join('|')} (default resize-crop)`,
      choiceFlag('--resize', RESIZE_MODES),
    )
    .option(
      '--crop-fraction <f>',
      'resize-crop: crop share of the resized picture, in (0, 1] (default 0.875 = 224/256)',
      cropFractionFlag,
    )
    .option('--mean <r,g,b>', 'per-channel mean on 0–1 pixels, RGB order')
    .option('--std <r,g,b>', 'per-channel standard deviation on 0–1 pixels, RGB order')
    .option(
      '--channel-order <order>',
      `${CHANNEL_ORDERS.join('|')} (default RGB)`,
      choiceFlag('--channel-order', CHANNEL_ORDERS),
    )
    .option('--warmup <n>', 'untimed model runs before timing (default 3)', intFlag('--warmup'))
    .option('--realtime', 'camera emulation: frames arrive at --fps into a bounded queue')
    .option(
      '--fps <n>',
      'real-time source rate (default: the video’s own; 30 for images)',
      numberFlag('--fps'),
    )
    .option('--queue <n>', 'real-time queue capacity in frames (default 4)', intFlag('--queue', 1))
    .option(
      '--drop-policy <policy>',
      `${DROP_POLICIES.join('|')} (default drop-oldest)`,
      choiceFlag('--drop-policy', DROP_POLICIES),
    )
    .option(
      '--deadline-ms <ms>',
      'real-time latency bound per result (default: one frame period; video: one stride)',
      numberFlag('--deadline-ms'),
    )
    .option(
      '--duration-ms <ms>',
      'real-time: stop after this long (default: when the source ends)',
      numberFlag('--duration-ms'),
    )
    .option(
      '--target <target>',
      'run the whole pipeline on this device (a saved target name or ssh://…): needs edgebench there (Node 20+); the model and media are copied to it',
    )
    .option('--debug', 'show stack traces for errors');
}

function preprocessFlags(flags: CommonFlags) {
  return {
    resize: flags.resize,
    cropFraction: flags.cropFraction,
    mean: flags.mean !== undefined ? parseTriple('--mean', flags.mean) : undefined,
    std: flags.std !== undefined ? parseStd(flags.std) : undefined,
    channelOrder: flags.channelOrder,
  };
}

function cropFractionFlag(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1))
    throw new UserError(`--crop-fraction must be a number in (0, 1], e.g. 0.875; got '${value}'`);
  return n;
}

/** A standard deviation divides each channel: zero or negative is refused here, naming the flag. */
function parseStd(text: string) {
  const std = parseTriple('--std', text);
  if (std.some((v) => !(v > 0)))
    throw new UserError(`--std values must be numbers > 0 (one per channel, R,G,B), got '${text}'`);
  return std;
}

function realtimeFlags(
  flags: CommonFlags,
  defaultFps: number | undefined,
): (Partial<RealtimeSettings> & { fps?: number }) | undefined {
  if (!flags.realtime) {
    checkRealtimeOnly({
      '--fps': flags.fps,
      '--queue': flags.queue,
      '--drop-policy': flags.dropPolicy,
      '--deadline-ms': flags.deadlineMs,
      '--duration-ms': flags.durationMs,
    });
    return undefined;
  }
  return dropUndefined({
    fps: flags.fps ?? defaultFps,
    queueCapacity: flags.queue,
    dropPolicy: flags.dropPolicy,
    deadlineMs: flags.deadlineMs,
    maxDurationMs: flags.durationMs,
  });
}

function engineFlags(flags: CommonFlags): Partial<OrtEngineOptions> {
  return dropUndefined({
    executionProvider: flags.ep,
    intraOpThreads: flags.threads,
    opsetUpgrade: flags.opsetUpgrade,
  });
}

export function register(command: Command): void {
  const pipeline = command;

  commonOptions(
    pipeline
      .command('image')
      .description(
        'image classification: decode and resize (sharp), batch, infer, softmax and top-k, accuracy on DIR/<class>/',
      ),
  )
    .requiredOption(
      '--images <paths...>',
      'image files and/or folders (subfolders are classes, for accuracy)',
    )
    .option(
      '--layout <layout>',
      `${TENSOR_LAYOUTS.join('|')} (default: from the model's input)`,
      choiceFlag('--layout', TENSOR_LAYOUTS),
    )
    .option(
      '--batch <n>',
      'images per inference (default: the model’s fixed batch, else 1)',
      intFlag('--batch', 1),
    )
    .option('--repeat <n>', 'passes over the images (default 1)', intFlag('--repeat', 1))
    .action((flags: ImageFlags, cmd: Command) => {
      const progress = process.stderr.isTTY && !jsonToStdout(flags.json);
      return runPipeline(flags, {
        media: { kind: 'image', paths: flags.images, args: boardArgs(cmd) },
        load: () => import('../pipelines/image-pipeline.js'),
        run: ({ runImagePipeline }, common) =>
          runImagePipeline({
            ...common,
            inputs: flags.images,
            batch: flags.batch,
            preprocess: { ...common.preprocess, layout: flags.layout },
            repeat: flags.repeat,
            realtime: realtimeFlags(flags, 30) as (Partial<RealtimeSettings> & { fps: number }) | undefined,
            onProgress: progress
              ? (done, total) => process.stderr.write(`\r${done}/${total} images`)
              : undefined,
          }).finally(() => {
            if (progress) process.stderr.write('\r\x1b[K');
          }),
        format: (tables, result) => tables.formatImagePipelineResult(result),
      });
    });

  commonOptions(
    pipeline
      .command('video')
      .description(
        'video action recognition: ffmpeg decode, sliding-window clips, per-clip scores, smoothing, action segments',
      ),
  )
    .requiredOption('--video <files...>', 'video files')
    .option('--clip <frames>', 'frames per clip T (default: the model’s, else 16)', intFlag('--clip', 1))
    .option('--stride <frames>', 'frames between clip starts S (default T/2)', intFlag('--stride', 1))
    .option(
      '--clip-layout <layout>',
      `${CLIP_LAYOUTS.join('|')} (default: from the model's input)`,
      choiceFlag('--clip-layout', CLIP_LAYOUTS),
    )
    .option(
      '--smoothing <method>',
      `${SMOOTHING_METHODS.join('|')} (default moving-average)`,
      choiceFlag('--smoothing', SMOOTHING_METHODS),
    )
    .option(
      '--smoothing-window <clips>',
      'moving-average window in clips (default 3)',
      intFlag('--smoothing-window', 1),
    )
    .option('--ema-alpha <a>', 'ema: weight of the newest clip (default 0.5)', numberFlag('--ema-alpha'))
    .option(
      '--min-score <p>',
      'clips below this best score belong to no segment (default 0)',
      numberFlag('--min-score'),
    )
    .option(
      '--min-clips <n>',
      'drop segments shorter than this many clips (default 1)',
      intFlag('--min-clips', 1),
    )
    .option(
      '--max-frames <n>',
      'read at most this many frames per video (default all)',
      intFlag('--max-frames'),
    )
    .option(
      '--decode-timeout-ms <ms>',
      'give up on a video when ffmpeg sends nothing for this long (default 20000)',
      intFlag('--decode-timeout-ms', 1),
    )
    .action((flags: VideoFlags, cmd: Command) =>
      runPipeline(flags, {
        media: { kind: 'video', paths: flags.video, args: boardArgs(cmd) },
        load: () => import('../pipelines/video-pipeline.js'),
        run: ({ runVideoPipeline }, common) =>
          runVideoPipeline({
            ...common,
            videos: flags.video,
            clip: flags.clip,
            stride: flags.stride,
            clipLayout: flags.clipLayout,
            smoothing: { method: flags.smoothing, window: flags.smoothingWindow, alpha: flags.emaAlpha },
            segments: { minScore: flags.minScore, minClips: flags.minClips },
            maxFrames: flags.maxFrames,
            idleTimeoutMs: flags.decodeTimeoutMs,
            realtime: realtimeFlags(flags, undefined),
          }),
        format: (tables, result) => tables.formatVideoPipelineResult(result),
      }),
    );
}

/** What both pipelines take from the common flags, for the resolved model. */
function commonRequest(flags: CommonFlags, model: { path: string; name: string }, signal: AbortSignal) {
  return {
    modelPath: model.path,
    modelName: model.name,
    engine: engineFlags(flags),
    size: flags.size !== undefined ? parseSize('--size', flags.size) : undefined,
    preprocess: preprocessFlags(flags),
    labelsFile: flags.labels,
    topK: flags.topK,
    softmax: flags.softmax,
    warmupRuns: flags.warmup,
    requested: { ...flags },
    signal,
  };
}

/** Flags that stay here: the files are copied to the board and passed by their paths there; output is this side's. */
const LOCAL_ONLY = new Set(['model', 'images', 'video', 'labels', 'target', 'json', 'debug']);

/**
 * The pipeline's own flags as a command line again (`topK` → `--top-k 3`), for the board's edgebench:
 * every option the command declares, so a new flag reaches the board without a second list.
 */
function boardArgs(cmd: Command): string[] {
  const args: string[] = [];
  for (const option of cmd.options) {
    const name = option.attributeName();
    const value: unknown = cmd.getOptionValue(name);
    if (LOCAL_ONLY.has(name) || value === undefined || !option.long) continue;
    // A negated flag (--no-opset-upgrade) is given when its value is false; others when true or valued.
    if (option.negate ? value === false : value === true) args.push(option.long);
    else if (!option.negate && value !== false) args.push(option.long, String(value));
  }
  return args;
}

/** One pipeline as its command runs it: its module (loaded when it runs), the call, the text of its result. */
interface PipelineCommand<M, R> {
  /** Its media and flags, for a run on a target. */
  media: { kind: 'image' | 'video'; paths: string[]; args: string[] };
  load(): Promise<M>;
  run(pipeline: M, common: ReturnType<typeof commonRequest>): Promise<R>;
  format(tables: typeof PipelineTables, result: R): string;
}

/**
 * A pipeline's action: the model resolved and the pipeline run under the shared stop handling,
 * then its warnings and its result printed.
 */
async function runPipeline<
  M,
  R extends { kind: 'image-pipeline' | 'video-pipeline'; warnings: readonly string[] },
>(flags: CommonFlags, command: PipelineCommand<M, R>): Promise<void> {
  const [{ resolveModel }, pipeline, tables] = await Promise.all([
    import('../zoo/resolve.js'),
    command.load(),
    import('../report/pipeline-table.js'),
  ]);
  const result = await untilStopped(async (signal) => {
    const model = await resolveModel(flags.model);
    signal.throwIfAborted();
    if (flags.target !== undefined && flags.target !== 'local')
      return (await onTarget(flags.target, model.path, flags.labels, command.media, signal)) as unknown as R;
    return command.run(pipeline, commonRequest(flags, model, signal));
  });
  for (const w of result.warnings) writeWarning(w);
  const where = (result as { target?: { name: string; address: string; runner: string } }).target;
  await printResult(flags.json, jsonDocument(result.kind, result), () =>
    printableText(
      `${where ? `target ${where.name} (${where.address}): run there by ${where.runner}\n` : ''}${command.format(tables, result)}`,
    ),
  );
}

/** The pipeline run by the board's edgebench; refused in one line where the board has none. */
async function onTarget(
  target: string,
  modelPath: string,
  labelsFile: string | undefined,
  media: PipelineCommand<unknown, unknown>['media'],
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const [{ connectTarget }, { runPipelineOnTarget }] = await Promise.all([
    import('../targets/sessions.js'),
    import('../pipelines/on-target.js'),
  ]);
  const connection = await connectTarget(target, { signal });
  try {
    return await runPipelineOnTarget(connection, {
      kind: media.kind,
      modelPath,
      media: media.paths,
      ...(labelsFile !== undefined ? { labelsFile } : {}),
      args: media.args,
      signal,
    });
  } finally {
    await connection.transport.close();
  }
}

/**
 * Runs a pipeline under the shared stop handling: Ctrl-C or SIGTERM stops it after the item in hand,
 * kills ffmpeg, and prints and writes nothing (a partial run is not a result).
 */
async function untilStopped<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const shutdown = handleStopSignals({ stopping: 'the run is abandoned, nothing is written' });
  try {
    return await work(shutdown.signal);
  } catch (error) {
    if (isInterruptedError(error))
      throw new InterruptedError(error.signal, `interrupted by ${error.signal}: no result written`);
    throw error;
  } finally {
    shutdown.dispose();
  }
}
