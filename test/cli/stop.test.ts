/**
 * `run` and `pipeline` stop when asked: the built CLI, a real signal mid-run, and the checks a user
 * relies on — gone within 5 s of the first signal with the shell's exit code (130 SIGINT, 143
 * SIGTERM), one line saying so, nothing printed or written as if it were a result, and no helper
 * process (ffmpeg) left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/onnx/model-io.js';
import { CLI } from '../helpers/cli.js';
import { commandLine, cpuTimeMs, descendants, waitGone } from '../helpers/procs.js';
import { denseReluModel } from '../helpers/tiny-models.js';
import {
  tempDir,
  writeColourClipModel,
  writeColourImageModel,
  writeColourVideo,
  writeLabelledFolder,
} from '../pipelines/media-fixtures.js';

const STOP_BOUND_MS = 5000;

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const started: Running[] = [];

/** The built CLI in its own process group (so that whatever it leaves can be found and reaped). */
function start(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const running = { child, stdout: () => out, stderr: () => err, exited };
  started.push(running);
  return running;
}

/** Waits until `check` holds (polling), at most `timeoutMs`. */
async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopWith(p: Running, sig: NodeJS.Signals) {
  const sentAt = Date.now();
  p.child.kill(sig);
  const code = await p.exited;
  return { code, tookMs: Date.now() - sentAt };
}

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir('stop-cli');
  env = { EDGEBENCH_CACHE_DIR: path.join(dir, 'cache') };
});

afterAll(() => {
  for (const p of started) {
    try {
      if (p.child.pid) process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
});

describe('a stop signal mid-run', () => {
  it('run: SIGTERM in the steady state exits 143 at once, writes no result', async () => {
    const model = path.join(dir, 'dense.onnx');
    await saveModel(denseReluModel(), model);
    const json = path.join(dir, 'run.json');
    const run = start(
      [
        'run',
        model,
        '--batch',
        '1',
        '--warmup-time',
        '10',
        '--warmup-count',
        '1',
        '--min-time',
        '60000',
        '--max-time',
        '120000',
        '--rel-ci',
        '0',
        '--telemetry-interval',
        '50',
        '--json',
        json,
      ],
      env,
    );
    // Start-up and loading a tiny model take well under a second of CPU; the timing loop then burns
    // CPU without pause: 2 s of it used means the 60 s steady state is under way, however busy the machine.
    await until(() => cpuTimeMs(run.child.pid!) >= 2000 || run.child.exitCode !== null, 60_000);
    expect(run.child.exitCode, run.stderr()).toBeNull();
    const stopped = await stopWith(run, 'SIGTERM');
    expect(stopped.code, run.stderr()).toBe(143);
    expect(stopped.tookMs).toBeLessThan(STOP_BOUND_MS);
    expect(run.stderr()).toMatch(
      /edgebench: interrupted by SIGTERM during the steady state: no result written/,
    );
    expect(run.stdout()).toBe('');
    expect(existsSync(json)).toBe(false);
  });

  it('pipeline video: SIGINT mid-run exits 130 at once and leaves no ffmpeg behind', async () => {
    const model = await writeColourClipModel(path.join(dir, 'clip.onnx'), { frames: 8 });
    const video = await writeColourVideo(path.join(dir, 'long.mp4'), ['red', 'green', 'blue'], 4, 10);
    // Paced at 2 frames a second the run would take a minute; ffmpeg waits on the full pipe meanwhile.
    const run = start(
      ['pipeline', 'video', '--model', model, '--video', video, '--realtime', '--fps', '2', '--json', '-'],
      env,
    );
    let ffmpeg: number[] = [];
    await until(() => {
      ffmpeg = descendants(run.child.pid!).filter((pid) => /ffmpeg/.test(commandLine(pid)));
      return ffmpeg.length > 0 && run.child.exitCode === null;
    }, 20_000);
    const stopped = await stopWith(run, 'SIGINT');
    expect(stopped.code, run.stderr()).toBe(130);
    expect(stopped.tookMs).toBeLessThan(STOP_BOUND_MS);
    expect(run.stderr()).toMatch(/edgebench: interrupted by SIGINT: no result written/);
    expect(run.stdout()).toBe('');
    expect(await waitGone(ffmpeg)).toEqual([]);
  });

  it('pipeline image: SIGTERM during a paced run exits 143 at once', async () => {
    const model = await writeColourImageModel(path.join(dir, 'colour.onnx'));
    const images = await writeLabelledFolder(path.join(dir, 'images'), 1);
    const run = start(
      [
        'pipeline',
        'image',
        '--model',
        model,
        '--images',
        images,
        '--realtime',
        '--fps',
        '1',
        '--repeat',
        '60',
      ],
      env,
    );
    // The first frames arrive at 0 s and 1 s: once they are served the run sleeps between frames.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(run.child.exitCode).toBeNull();
    const stopped = await stopWith(run, 'SIGTERM');
    expect(stopped.code, run.stderr()).toBe(143);
    expect(stopped.tookMs).toBeLessThan(STOP_BOUND_MS);
    expect(run.stderr()).toMatch(/edgebench: interrupted by SIGTERM: no result written/);
    expect(run.stdout()).toBe('');
  });
});
