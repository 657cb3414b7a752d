/**
 * Built TensorRT engines, kept between runs. An engine is only valid for the model bytes, build flags,
 * TensorRT version and GPU it was built with, so all four go into its key. The folder is where trtexec
 * runs (this machine's cache, or the device cache on a board); its files are handled through the host.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { TrtexecFiles } from './host.js';

/** edgebench's cache root: $EDGEBENCH_CACHE_DIR, else $XDG_CACHE_HOME/edgebench, else ~/.cache/edgebench. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.EDGEBENCH_CACHE_DIR) return path.resolve(env.EDGEBENCH_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'edgebench');
  return path.join(os.homedir(), '.cache', 'edgebench');
}

export function trtCacheDir(override?: string, env: NodeJS.ProcessEnv = process.env): string {
  return override ? path.resolve(override) : path.join(cacheRoot(env), 'trt');
}

export interface EngineKeyParts {
  modelSha256: string;
  /** `x.y.z`, or `unknown:<sha256 of the trtexec binary>` when no version could be read. */
  tensorrt: string;
  /** The GPU(s) as the host reports them (engines are not portable across GPU models). */
  gpu: string;
  /** Build flags that change the engine, without any file path. */
  flags: readonly string[];
  /** sha256 of the INT8 calibration cache, when one is used. */
  calibrationSha256?: string;
}

export function engineCacheKey(parts: EngineKeyParts): string {
  const canonical = JSON.stringify({
    model: parts.modelSha256,
    tensorrt: parts.tensorrt,
    gpu: parts.gpu,
    flags: [...parts.flags],
    calibration: parts.calibrationSha256 ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 40);
}

/** The timing cache is per TensorRT version and GPU (it records tactic timings, not the model). */
export function timingCacheName(tensorrt: string, gpu: string): string {
  return `timing-${createHash('sha256').update(`${tensorrt}\n${gpu}`).digest('hex').slice(0, 16)}.cache`;
}

/** What is stored beside each engine file. */
export interface EngineCacheEntry {
  key: string;
  parts: EngineKeyParts;
  modelPath: string;
  builtAt: string;
  /** Wall time of the build process, ms. */
  buildWallMs: number;
  /** trtexec's own "Engine built in … sec", when printed. */
  engineBuildS?: number;
  device?: string;
  buildArgs: string[];
}

export interface CachedEngine {
  enginePath: string;
  metaPath: string;
  entry?: EngineCacheEntry;
}

export function cachePaths(
  files: Pick<TrtexecFiles, 'join'>,
  dir: string,
  key: string,
): { enginePath: string; metaPath: string } {
  return { enginePath: files.join(dir, `${key}.engine`), metaPath: files.join(dir, `${key}.json`) };
}

/** The cached engine for a key, or undefined when there is none (or only a partial one). */
export async function lookupEngine(
  files: TrtexecFiles,
  dir: string,
  key: string,
): Promise<CachedEngine | undefined> {
  const paths = cachePaths(files, dir, key);
  const size = await files.fileSize(paths.enginePath);
  if (!size) return undefined;
  let entry: EngineCacheEntry | undefined;
  try {
    const text = await files.readText(paths.metaPath);
    entry = text === undefined ? undefined : (JSON.parse(text) as EngineCacheEntry);
  } catch {
    entry = undefined;
  }
  return { ...paths, ...(entry ? { entry } : {}) };
}

export interface ReservedEngine {
  tempPath: string;
  enginePath: string;
  metaPath: string;
}

/** A temporary engine path in the cache folder: built there, then renamed into place. */
export async function reserveEngine(files: TrtexecFiles, dir: string, key: string): Promise<ReservedEngine> {
  await files.makeDir(dir);
  const paths = cachePaths(files, dir, key);
  return { ...paths, tempPath: `${paths.enginePath}.${files.uniqueSuffix()}.tmp` };
}

export async function commitEngine(
  files: TrtexecFiles,
  reserved: ReservedEngine,
  entry: EngineCacheEntry,
): Promise<void> {
  await files.rename(reserved.tempPath, reserved.enginePath);
  await files.writeText(reserved.metaPath, `${JSON.stringify(entry, null, 2)}\n`);
}

export async function discardEngine(files: TrtexecFiles, reserved: { tempPath: string }): Promise<void> {
  await files.remove(reserved.tempPath);
}
