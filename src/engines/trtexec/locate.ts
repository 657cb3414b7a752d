/**
 * Finding trtexec and telling which TensorRT it belongs to. Order: an explicit path (the CLI's
 * `--trtexec PATH`), $EDGEBENCH_TRTEXEC, PATH, then where TensorRT and JetPack install it.
 */
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineUnavailableError } from '../../errors.js';
import { runProcess } from '../subprocess.js';
import type { TrtexecHost } from './host.js';
import { decodeBannerVersion } from './parse-log.js';

export const TRTEXEC_DEFAULT_LOCATIONS: readonly string[] = ['/usr/src/tensorrt/bin/trtexec'];

/** Device nodes that mean an NVIDIA GPU is visible: desktop/server driver, Jetson (nvgpu), WSL2. */
export const GPU_DEVICE_NODES: readonly string[] = [
  '/dev/nvidia0',
  '/dev/nvhost-ctrl-gpu',
  '/dev/nvgpu/igpu0/ctrl',
  '/dev/dxg',
];

export interface TrtexecLocation {
  path: string;
  /** `device probe`: on a board, where its probe found it (PATH, else JetPack's place). */
  source: 'option' | 'EDGEBENCH_TRTEXEC' | 'PATH' | 'default location' | 'device probe';
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function searchPath(name: string, envPath: string | undefined): Promise<string | undefined> {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Where trtexec is. An explicit path that is not an executable file is an error (the user named it);
 * otherwise undefined when it is nowhere to be found.
 */
export async function findTrtexec(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  defaults: readonly string[] = TRTEXEC_DEFAULT_LOCATIONS,
): Promise<TrtexecLocation | undefined> {
  if (explicit) {
    if (!(await isExecutableFile(explicit)))
      throw new EngineUnavailableError(
        `trtexec not found at ${explicit} (or not executable); check the --trtexec path`,
      );
    return { path: path.resolve(explicit), source: 'option' };
  }
  const fromEnv = env.EDGEBENCH_TRTEXEC;
  if (fromEnv) {
    if (!(await isExecutableFile(fromEnv)))
      throw new EngineUnavailableError(
        `EDGEBENCH_TRTEXEC points at ${fromEnv}, which is not an executable file`,
      );
    return { path: path.resolve(fromEnv), source: 'EDGEBENCH_TRTEXEC' };
  }
  const onPath = await searchPath(process.platform === 'win32' ? 'trtexec.exe' : 'trtexec', env.PATH);
  if (onPath) return { path: onPath, source: 'PATH' };
  for (const candidate of defaults)
    if (await isExecutableFile(candidate)) return { path: candidate, source: 'default location' };
  return undefined;
}

/** The version in a library file name: `/usr/lib/aarch64-linux-gnu/libnvinfer.so.7.1.3` → `7.1.3`. */
export function nvinferVersionFromPath(file: string): string | undefined {
  const match = /libnvinfer\.so\.(\d+(?:\.\d+){0,3})$/.exec(path.basename(file));
  return match?.[1];
}

/** The libnvinfer a binary links against, from `ldd` output. */
export function nvinferPathFromLdd(lddOutput: string): string | undefined {
  const match = /^\s*libnvinfer\.so[.\d]*\s+=>\s+(\S+)/m.exec(lddOutput);
  return match && match[1] !== 'not' ? match[1] : undefined;
}

export interface TrtexecIdentity {
  /** `x.y.z`, or undefined when neither the banner nor the library says. */
  version?: string;
  versionSource: 'banner' | 'library' | 'unknown';
  /** Whether `trtexec --help` ran at all; false with `error` when its libraries are missing, say. */
  runs: boolean;
  error?: string;
  /** Flags the help text mentions, to choose between old and new spellings. */
  helpMentions: { memPoolSize: boolean; skipInference: boolean; buildOnly: boolean; workspace: boolean };
}

const HELP_TIMEOUT_MS = 30_000;

/** How identification runs its two commands: here by default, or through a host (a board). */
export type IdentifyVia = Pick<TrtexecHost, 'run' | 'realPath'>;

const LOCAL: IdentifyVia = {
  run: (program, args, options = {}) =>
    runProcess(program, args, options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  realPath: (file) => realpath(file),
};
const identityCache = new WeakMap<IdentifyVia, Map<string, Promise<TrtexecIdentity>>>();

/**
 * Runs `trtexec --help` (no GPU needed) where trtexec is and, if the banner carries no version, asks
 * ldd for libnvinfer's. Asked once per binary and host.
 */
export function identifyTrtexec(trtexecPath: string, via: IdentifyVia = LOCAL): Promise<TrtexecIdentity> {
  let known = identityCache.get(via);
  if (!known) {
    known = new Map();
    identityCache.set(via, known);
  }
  let pending = known.get(trtexecPath);
  if (!pending) {
    pending = identify(trtexecPath, via);
    known.set(trtexecPath, pending);
  }
  return pending;
}

/** Reads a `trtexec --help` transcript. Pure; exported for tests. */
export function readHelpText(text: string): Pick<TrtexecIdentity, 'version' | 'helpMentions'> {
  const banner = /\[TensorRT v(\d+)\]/.exec(text);
  return {
    version: banner ? decodeBannerVersion(banner[1]) : undefined,
    helpMentions: {
      memPoolSize: text.includes('--memPoolSize'),
      skipInference: text.includes('--skipInference'),
      buildOnly: text.includes('--buildOnly'),
      workspace: /--workspace=/.test(text),
    },
  };
}

async function identify(trtexecPath: string, via: IdentifyVia): Promise<TrtexecIdentity> {
  const help = await via.run(trtexecPath, ['--help'], { timeoutMs: HELP_TIMEOUT_MS });
  const text = `${help.stdout}\n${help.stderr}`;
  const read = readHelpText(text);
  const missingLibrary = /error while loading shared libraries: (\S+)/.exec(text);
  const runs = !help.spawnError && !missingLibrary && (help.code === 0 || /TensorRT\.trtexec/.test(text));
  let error: string | undefined;
  if (help.spawnError) error = `cannot run it (${help.spawnError.code ?? help.spawnError.message})`;
  else if (missingLibrary)
    error = `its library ${missingLibrary[1].replace(/:$/, '')} cannot be loaded (is TensorRT installed and on LD_LIBRARY_PATH?)`;
  else if (!runs) error = `'trtexec --help' failed (exit code ${help.code})`;
  if (read.version)
    return {
      version: read.version,
      versionSource: 'banner',
      runs,
      ...(error ? { error } : {}),
      helpMentions: read.helpMentions,
    };
  const libraryVersion = await libraryVersionOf(trtexecPath, via);
  return {
    ...(libraryVersion ? { version: libraryVersion } : {}),
    versionSource: libraryVersion ? 'library' : 'unknown',
    runs,
    ...(error ? { error } : {}),
    helpMentions: read.helpMentions,
  };
}

async function libraryVersionOf(trtexecPath: string, via: IdentifyVia): Promise<string | undefined> {
  if (via === LOCAL && process.platform !== 'linux') return undefined;
  const ldd = await via.run('ldd', [trtexecPath], { timeoutMs: HELP_TIMEOUT_MS });
  const lib = nvinferPathFromLdd(ldd.stdout);
  if (!lib) return undefined;
  try {
    return nvinferVersionFromPath(await via.realPath(lib)) ?? nvinferVersionFromPath(lib);
  } catch {
    return nvinferVersionFromPath(lib);
  }
}

/** The first GPU device node present, or undefined when no NVIDIA GPU is visible. */
export async function visibleGpuNode(
  nodes: readonly string[] = GPU_DEVICE_NODES,
): Promise<string | undefined> {
  for (const node of nodes) {
    try {
      await access(node, constants.F_OK);
      return node;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Compares dotted versions: negative when a < b. Missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
