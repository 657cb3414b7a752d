/**
 * Where trtexec runs, as the engine sees it: this machine, or a board reached over a target's
 * transport (src/targets/trtexec-host.ts builds that one). Everything the engine does besides
 * parsing — running trtexec, reading what it wrote, keeping built engine plans — goes through this
 * seam, so locate → identify → build-or-reuse → run → parse is written once for both places.
 *
 * Paths handed to and returned by a host are paths where trtexec runs. Files that start on this
 * machine (the ONNX model, a calibration cache, input tensors) reach it through `stage`.
 */
import { mkdir, mkdtemp, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { detectGpus, detectJetson } from '../../host/host.js';
import { sha256File } from '../../util/hash.js';
import { type ProcessOutcome, runProcess } from '../subprocess.js';
import { trtCacheDir } from './cache.js';
import {
  findTrtexec,
  GPU_DEVICE_NODES,
  TRTEXEC_DEFAULT_LOCATIONS,
  type TrtexecLocation,
  visibleGpuNode,
} from './locate.js';

export interface HostRunOptions {
  /** Stop the program after this long; 0 or absent = no limit (the outcome says `timedOut`). */
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdoutLine?(line: string): void;
}

/** The file operations the engine cache needs (on this machine: node:fs; on a board: sh tools). */
export interface TrtexecFiles {
  /** The text of a file, or undefined when it cannot be read. */
  readText(file: string): Promise<string | undefined>;
  writeText(file: string, text: string): Promise<void>;
  /** A regular file's size in bytes, or undefined when there is no such file. */
  fileSize(file: string): Promise<number | undefined>;
  makeDir(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(file: string): Promise<void>;
  join(...parts: string[]): string;
  /** A number no other process building into the same folder uses now (for temporary names). */
  uniqueSuffix(): string;
}

export interface TrtexecHost extends TrtexecFiles {
  /** Where trtexec runs, for messages: `this machine`, `board (jetson@10.0.0.5:22)`. */
  readonly label: string;
  /** Where trtexec is: an explicit path if given, else wherever this host finds it; undefined when nowhere. */
  locate(explicit?: string): Promise<TrtexecLocation | undefined>;
  /** A program run there; a spawn failure comes back as `spawnError`, not thrown. */
  run(program: string, args: readonly string[], options?: HostRunOptions): Promise<ProcessOutcome>;
  /** The first NVIDIA GPU device node visible there, or undefined. */
  visibleGpu(): Promise<string | undefined>;
  /** The GPU(s) there, as the engine cache key names them (engines do not move between GPU models). */
  gpuName(): Promise<string>;
  /** Where built engines are kept there (`override` is a folder there). */
  engineCacheDir(override?: string): Promise<string>;
  /** A file of this machine where trtexec can read it, and its content hash (copied once per content). */
  stage(localFile: string): Promise<{ path: string; sha256: string }>;
  /**
   * A staged copy no longer needed (one run's input tensors): removed where staging copied it;
   * absent where staging copies nothing (this machine reads the file where it is).
   */
  unstage?(stagedPath: string): Promise<void>;
  sha256(file: string): Promise<string>;
  /** The file a path resolves to (symbolic links followed). */
  realPath(file: string): Promise<string>;
  /** A fresh, empty folder for one run's exports. */
  makeWorkDir(): Promise<string>;
  removeDir(dir: string): Promise<void>;
}

/** Where the local host looks for things; tests point these at temporary files. */
export interface LocalHostSettings {
  env?: NodeJS.ProcessEnv;
  defaultLocations?: readonly string[];
  gpuDeviceNodes?: readonly string[];
  /** Names the GPU for the engine cache key; by default nvidia-smi / sysfs / the Jetson model. */
  gpuName?: () => Promise<string>;
}

/** How the engine cache key names a machine's GPU(s): its NVIDIA GPUs, then the Jetson model. */
export function gpuNameOf(
  gpus: ReadonlyArray<{ vendor: string; name: string }>,
  jetsonModel?: string | null,
): string {
  const names = gpus.filter((g) => g.vendor === 'NVIDIA').map((g) => g.name);
  if (jetsonModel) names.push(jetsonModel);
  return names.join('; ') || 'unknown GPU';
}

async function defaultGpuName(): Promise<string> {
  const [gpus, jetson] = await Promise.all([detectGpus(), detectJetson()]);
  return gpuNameOf(gpus, jetson?.model);
}

/** This machine: trtexec as a child process, files through node:fs. */
export function localTrtexecHost(settings: LocalHostSettings = {}): TrtexecHost {
  const env = () => settings.env ?? process.env;
  let gpuName: Promise<string> | undefined;
  return {
    label: 'this machine',
    locate: (explicit) =>
      findTrtexec(explicit, env(), settings.defaultLocations ?? TRTEXEC_DEFAULT_LOCATIONS),
    run: (program, args, options = {}) =>
      runProcess(program, args, {
        env: env(),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onStdoutLine ? { onStdoutLine: options.onStdoutLine } : {}),
      }),
    visibleGpu: () => visibleGpuNode(settings.gpuDeviceNodes ?? GPU_DEVICE_NODES),
    gpuName: () => {
      gpuName ??= (settings.gpuName ?? defaultGpuName)();
      return gpuName;
    },
    engineCacheDir: async (override) => trtCacheDir(override, env()),
    stage: async (localFile) => {
      const info = await stat(localFile).catch(() => undefined);
      if (!info?.isFile()) throw new UserError(`${localFile}: no such file`);
      return { path: path.resolve(localFile), sha256: await sha256File(localFile) };
    },
    sha256: sha256File,
    realPath: (file) => realpath(file),
    makeWorkDir: () => mkdtemp(path.join(os.tmpdir(), 'edgebench-trtexec-')),
    removeDir: (dir) => rm(dir, { recursive: true, force: true }),
    readText: (file) => readFile(file, 'utf8').catch(() => undefined),
    writeText: (file, text) => writeFile(file, text),
    fileSize: (file) =>
      stat(file).then(
        (info) => (info.isFile() ? info.size : undefined),
        () => undefined,
      ),
    makeDir: async (dir) => {
      await mkdir(dir, { recursive: true });
    },
    rename: (from, to) => rename(from, to),
    remove: (file) => rm(file, { force: true }),
    join: (...parts) => path.join(...parts),
    uniqueSuffix: () => String(process.pid),
  };
}
