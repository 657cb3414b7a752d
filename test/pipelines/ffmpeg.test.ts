import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  classifyFfmpegError,
  type DecodeStatus,
  decodeFrames,
  parseProbe,
  probeVideo,
  scaleFilter,
} from '../../src/pipelines/ffmpeg.js';
import { isMediaSkip } from '../../src/pipelines/skips.js';
import { ffmpeg, tempDir, writeColourVideo, writeTestVideo } from './media-fixtures.js';

const size = { width: 32, height: 24, resize: 'resize-crop' as const, cropFraction: 0.875 };

async function collect(file: string, options = {}, status?: DecodeStatus): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for await (const f of decodeFrames(file, { ...size, ...options }, status)) frames.push(f);
  return frames;
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isMediaSkip(error)) return error.reason;
    throw error;
  }
  return 'ok';
}

describe('probe parsing', () => {
  it('reads size, rate and duration from ffmpeg -i', () => {
    const text = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':
  Duration: 00:01:02.50, start: 0.000000, bitrate: 52 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 320x240 [SAR 1:1 DAR 4:3], 45 kb/s, 29.97 fps, 29.97 tbr, 15360 tbn, 60 tbc (default)`;
    expect(parseProbe(text)).toEqual({
      codec: 'h264',
      width: 320,
      height: 240,
      fps: 29.97,
      durationSec: 62.5,
      estimatedFrames: 1873,
    });
    expect(parseProbe('Stream #0:0: Video: mjpeg, yuvj420p(pc), 64x48, 25 tbr, 25 tbn')?.fps).toBe(25);
    expect(parseProbe('Stream #0:0: Audio: aac')).toBeNull();
    expect(classifyFfmpegError('x.mp4: No such file or directory').reason).toBe('unreadable');
    expect(
      classifyFfmpegError('moov atom not found\nx: Invalid data found when processing input').reason,
    ).toBe('corrupt');
  });
  it('builds scale filters for each resize mode', () => {
    expect(scaleFilter({ ...size, resize: 'stretch' })).toBe('scale=32:24:flags=bilinear');
    expect(scaleFilter(size)).toBe(
      'scale=37:28:force_original_aspect_ratio=increase:flags=bilinear,crop=32:24',
    );
    expect(scaleFilter({ ...size, resize: 'contain' })).toMatch(/decrease.*pad=32:24/);
  });
});

describe('decoding with ffmpeg', () => {
  let dir: string;
  let video: string;
  beforeAll(async () => {
    dir = await tempDir('ffmpeg');
    video = await writeTestVideo(path.join(dir, 'testsrc.mp4'), 1, 30);
  });

  it('probes and decodes every frame at the requested size', async () => {
    const probe = await probeVideo(video);
    expect(probe).toMatchObject({ width: 320, height: 240, fps: 30, codec: 'h264' });
    const status: DecodeStatus = { frames: 0, warnings: [] };
    const frames = await collect(video, {}, status);
    expect(frames.length).toBe(30);
    expect(status.frames).toBe(30);
    expect(frames[0].length).toBe(32 * 24 * 3);
    for (const mode of ['stretch', 'cover', 'contain'] as const)
      expect((await collect(video, { resize: mode, maxFrames: 2 })).length).toBe(2);
  });

  it('decodes colours faithfully (red stays red)', async () => {
    const red = await writeColourVideo(path.join(dir, 'red.mp4'), ['red'], 0.2);
    const [first] = await collect(red, { maxFrames: 1 });
    const mid = (12 * 32 + 16) * 3;
    expect(first[mid]).toBeGreaterThan(200);
    expect(first[mid + 1]).toBeLessThan(40);
    expect(first[mid + 2]).toBeLessThan(40);
  });

  it('stops ffmpeg when the consumer stops early', async () => {
    let n = 0;
    for await (const _ of decodeFrames(video, size)) if (++n === 3) break;
    expect(n).toBe(3);
  });

  it('names unreadable, corrupt, zero-frame and stream-less files', async () => {
    expect(await reasonOf(probeVideo(path.join(dir, 'missing.mp4')))).toBe('unreadable');
    const text = path.join(dir, 'text.mp4');
    await writeFile(text, 'not a video at all');
    expect(await reasonOf(probeVideo(text))).toBe('corrupt');
    expect(await reasonOf(collect(text))).toBe('corrupt');
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(video);
    const truncated = path.join(dir, 'truncated.mp4');
    await writeFile(truncated, bytes.subarray(0, 2000));
    expect(await reasonOf(probeVideo(truncated))).toBe('corrupt');
    const audio = path.join(dir, 'audio.m4a');
    await ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=8000', '-t', '0.5', audio]);
    expect(await reasonOf(probeVideo(audio))).toBe('no-video-stream');
    expect(await reasonOf(collect(audio))).toBe('no-video-stream');
    const empty = path.join(dir, 'zero.mkv');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', '0', empty]);
    expect(await reasonOf(collect(empty))).toMatch(/zero-frames|corrupt|no-video-stream/);
  });

  it('never hangs: a stalled decoder is cut off by the idle timeout', async () => {
    // A FIFO that nobody writes: ffmpeg blocks opening it and sends nothing.
    const { execFileSync } = await import('node:child_process');
    const fifo = path.join(dir, 'stalled.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await reasonOf(collect(fifo, { idleTimeoutMs: 300 }))).toBe('decode-timeout');
    expect(await reasonOf(probeVideo(fifo, 300))).toBe('decode-timeout');
  });
});
