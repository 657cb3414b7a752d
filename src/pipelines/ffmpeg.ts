/**
 * Video decoding through the ffmpeg binary that installs from npm (@ffmpeg-installer/ffmpeg): frames come
 * out of a pipe as raw RGB (rgb24) already scaled and cropped to the model's size. The binary is reached
 * only through this file.
 *
 * Never a hang: the probe has a time limit, and decoding stops (and the process is killed) when ffmpeg
 * sends nothing for `idleTimeoutMs` while the pipeline is waiting for a frame. Both take an AbortSignal:
 * aborting kills ffmpeg and rejects with the signal's reason. No ffmpeg outlives this process
 * (util/children.ts).
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { messageOf, UserError } from '../errors.js';
import { childCpuMs, reapedChildrenCpuMs } from '../telemetry/sources/children.js';
import { abortable, abortReason } from '../util/abort.js';
import { trackChild } from '../util/children.js';
import type { ResizeOptions } from './preprocess.js';
import { MediaSkip } from './skips.js';

const require = createRequire(import.meta.url);

let cachedPath: string | undefined;

/** The path of the bundled ffmpeg binary. */
export function ffmpegPath(): string {
  if (cachedPath) return cachedPath;
  try {
    cachedPath = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch (error) {
    throw new UserError(
      `the ffmpeg binary package (@ffmpeg-installer/ffmpeg) is missing or has no binary for ${process.platform}-${process.arch}: ${messageOf(error)}`,
    );
  }
  return cachedPath;
}

export interface VideoProbe {
  codec: string;
  width: number;
  height: number;
  /** Frames per second as the container declares it (fps, else tbr); null when absent. */
  fps: number | null;
  durationSec: number | null;
  /** durationSec × fps, when both are known. */
  estimatedFrames: number | null;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 20_000;

interface Completed {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  timedOut: boolean;
}

function runToCompletion(args: string[], timeoutMs: number, signal?: AbortSignal): Promise<Completed> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const child = trackChild(spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-16_384);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const onAbort = () => {
      child.kill('SIGKILL');
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(new UserError(`cannot start ffmpeg (${ffmpegPath()}): ${messageOf(error)}`));
    });
    child.on('close', (code, exitSignal) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal: exitSignal, stderr, timedOut });
    });
  });
}

/** Names why ffmpeg could not open a file, from what it printed. */
export function classifyFfmpegError(stderr: string): MediaSkip {
  const last = lastLines(stderr);
  if (/No such file or directory/i.test(stderr)) return new MediaSkip('unreadable', 'no such file');
  if (/Permission denied/i.test(stderr)) return new MediaSkip('unreadable', 'permission denied');
  if (/matches no streams|does not contain any stream|no video stream/i.test(stderr))
    return new MediaSkip('no-video-stream', 'the file has no video stream');
  return new MediaSkip('corrupt', last || 'ffmpeg could not read it');
}

function lastLines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\[[^\]]*\]\s*/, '').trim())
    .filter((l) => l !== '' && !/^At least one output file must be specified/.test(l))
    .slice(-2)
    .join(' / ')
    .slice(0, 300);
}

/** Parses `ffmpeg -i FILE` output (pure). Returns null when there is no video stream. */
export function parseProbe(stderr: string): VideoProbe | null {
  const stream = stderr.split(/\r?\n/).find((l) => /Stream #\d+:\d+.*: Video: /.test(l));
  if (!stream) return null;
  const codec = /Video: ([^\s,(]+)/.exec(stream)?.[1] ?? 'unknown';
  const size = /, (\d{1,5})x(\d{1,5})[\s,]/.exec(`${stream} `);
  const rate = (unit: string) => {
    const m = new RegExp(`([\\d.]+)(k?) ${unit}\\b`).exec(stream);
    return m ? Number(m[1]) * (m[2] === 'k' ? 1000 : 1) : null;
  };
  const fps = rate('fps') ?? rate('tbr');
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  const durationSec = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : null;
  return {
    codec,
    width: size ? Number(size[1]) : 0,
    height: size ? Number(size[2]) : 0,
    fps: fps && fps > 0 && Number.isFinite(fps) ? fps : null,
    durationSec,
    estimatedFrames: durationSec !== null && fps ? Math.round(durationSec * fps) : null,
  };
}

/** Reads a video's stream description; raises a MediaSkip for files ffmpeg cannot use. */
export async function probeVideo(
  file: string,
  timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
  signal?: AbortSignal,
): Promise<VideoProbe> {
  // ffmpeg calls an empty file "invalid data"; the skip reasons name it apart, as for images.
  const size = await stat(file).then(
    (st) => (st.isFile() ? st.size : undefined),
    () => undefined,
  );
  if (size === 0) throw new MediaSkip('empty-file', 'the file is empty');
  const r = await runToCompletion(['-nostdin', '-hide_banner', '-i', file], timeoutMs, signal);
  if (r.timedOut)
    throw new MediaSkip('decode-timeout', `ffmpeg took over ${timeoutMs} ms to read the header`);
  const probe = parseProbe(r.stderr);
  if (probe) return probe;
  if (/Input #0/.test(r.stderr)) throw new MediaSkip('no-video-stream', 'the file has no video stream');
  throw classifyFfmpegError(r.stderr);
}

/** The ffmpeg filter chain that scales and crops (or pads) frames to the model's size. */
export function scaleFilter(resize: ResizeOptions): string {
  const { width: w, height: h } = resize;
  switch (resize.resize) {
    case 'stretch':
      return `scale=${w}:${h}:flags=bilinear`;
    case 'contain':
      return `scale=${w}:${h}:force_original_aspect_ratio=decrease:flags=bilinear,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:black`;
    case 'cover':
    case 'resize-crop': {
      const f = resize.resize === 'cover' ? 1 : resize.cropFraction;
      const rw = Math.ceil(w / f);
      const rh = Math.ceil(h / f);
      return `scale=${rw}:${rh}:force_original_aspect_ratio=increase:flags=bilinear,crop=${w}:${h}`;
    }
  }
}

export interface DecodeOptions extends ResizeOptions {
  /** Give up when ffmpeg sends nothing for this long while a frame is awaited. */
  idleTimeoutMs?: number;
  /** Stop after this many frames (0 = all). */
  maxFrames?: number;
  /** ffmpeg decoder threads (0 = ffmpeg decides). */
  threads?: number;
  /** Aborting kills ffmpeg; the generator then throws the signal's reason. */
  signal?: AbortSignal;
}

export interface DecodeStatus {
  frames: number;
  /** Problems ffmpeg reported that did not stop it (concealed corruption, early end). */
  warnings: string[];
  /** The decoding ffmpeg process. */
  pid?: number;
  /** ffmpeg's CPU time so far, ms, at the last reading (the last one when its output ended). */
  decoderCpuMs?: number | null;
  /**
   * ffmpeg's whole CPU time, ms, once it has exited: what this process's reaped-children CPU grew by
   * over its life (clock ticks; other children ending meanwhile would be counted too).
   */
  decoderTotalCpuMs?: number;
}

/**
 * ffmpeg's CPU time so far (all its threads), ms: read afresh while the process lives, else the
 * reading taken when its output ended. Null where /proc cannot tell (not Linux).
 */
export function readDecoderCpuMs(status: DecodeStatus): number | null {
  const now = childCpuMs(status.pid);
  if (now !== null) status.decoderCpuMs = now;
  return status.decoderCpuMs ?? null;
}

export function decodeArgs(file: string, options: DecodeOptions): string[] {
  return [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    ...(options.threads ? ['-threads', String(options.threads)] : []),
    '-i',
    file,
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    scaleFilter(options),
    '-vsync',
    '0',
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
}

/**
 * Decoded frames (height × width × 3 bytes, RGB) in order. Ends the ffmpeg process when the consumer
 * stops early. Raises a MediaSkip when no frame could be decoded; `status` collects the rest.
 */
export async function* decodeFrames(
  file: string,
  options: DecodeOptions,
  status: DecodeStatus = { frames: 0, warnings: [] },
): AsyncGenerator<Uint8Array, void, undefined> {
  const frameBytes = options.width * options.height * 3;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  options.signal?.throwIfAborted();
  const child = trackChild(
    spawn(ffmpegPath(), decodeArgs(file, options), { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  status.pid = child.pid;
  const childrenCpuAtStart = reapedChildrenCpuMs();
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-16_384);
  });
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, idleTimeoutMs);
  };
  const stdout = child.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  try {
    for (;;) {
      arm();
      let r: IteratorResult<Buffer>;
      try {
        r = await abortable(stdout.next(), options.signal);
      } finally {
        clearTimeout(timer);
      }
      if (r.done) {
        // The process still exists while its output closes: its CPU time can be read one last time.
        readDecoderCpuMs(status);
        break;
      }
      const chunk = r.value;
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          status.frames++;
          yield frame;
          if (options.maxFrames && status.frames >= options.maxFrames) return;
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    const code = await closed;
    const childrenCpuNow = reapedChildrenCpuMs();
    if (childrenCpuAtStart !== null && childrenCpuNow !== null)
      status.decoderTotalCpuMs = childrenCpuNow - childrenCpuAtStart;
    if (spawnError) throw new UserError(`cannot start ffmpeg (${ffmpegPath()}): ${messageOf(spawnError)}`);
    if (timedOut)
      throw new MediaSkip(
        'decode-timeout',
        `ffmpeg sent nothing for ${idleTimeoutMs} ms after ${status.frames} frames`,
      );
    if (code !== 0) {
      if (status.frames === 0) throw classifyFfmpegError(stderr);
      status.warnings.push(
        `ffmpeg stopped with an error after ${status.frames} frames: ${lastLines(stderr)}`,
      );
    } else if (stderr.trim() !== '') {
      status.warnings.push(`ffmpeg reported: ${lastLines(stderr)}`);
    }
    if (filled > 0) status.warnings.push(`ignored a partial last frame (${filled} of ${frameBytes} bytes)`);
    if (status.frames === 0) throw new MediaSkip('zero-frames', 'ffmpeg decoded no frame');
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Frames left unread would keep the pipe open, and 'close' from coming, for ever.
    child.stdout.destroy();
    // A process that failed to start may never emit 'close'; do not wait on it for long.
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }
}
