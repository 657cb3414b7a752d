/**
 * Built TensorRT engines, kept between runs. An engine is only valid for the model bytes, build flags,
 * TensorRT version and GPU it was built with, so all four go into its key.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

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

export function cachePaths(dir: string, key: string): { enginePath: string; metaPath: string } {
  return { enginePath: path.join(dir, `${key}.engine`), metaPath: path.join(dir, `${key}.json`) };
}

/** The cached engine for a key, or undefined when there is none (or only a partial one). */
export async function lookupEngine(dir: string, key: string): Promise<CachedEngine | undefined> {
  const paths = cachePaths(dir, key);
  try {
    const info = await stat(paths.enginePath);
    if (!info.isFile() || info.size === 0) return undefined;
  } catch {
    return undefined;
  }
  let entry: EngineCacheEntry | undefined;
  try {
    entry = JSON.parse(await readFile(paths.metaPath, 'utf8')) as EngineCacheEntry;
  } catch {
    entry = undefined;
  }
  return { ...paths, ...(entry ? { entry } : {}) };
}

/** A temporary engine path in the cache folder: built there, then renamed into place. */
export async function reserveEngine(
  dir: string,
  key: string,
): Promise<{ tempPath: string; enginePath: string; metaPath: string }> {
  await mkdir(dir, { recursive: true });
  const paths = cachePaths(dir, key);
  return { ...paths, tempPath: `${paths.enginePath}.${process.pid}.tmp` };
}

export async function commitEngine(
  reserved: { tempPath: string; enginePath: string; metaPath: string },
  entry: EngineCacheEntry,
): Promise<void> {
  await rename(reserved.tempPath, reserved.enginePath);
  await writeFile(reserved.metaPath, `${JSON.stringify(entry, null, 2)}\n`);
}

export async function discardEngine(reserved: { tempPath: string }): Promise<void> {
  await rm(reserved.tempPath, { force: true });
}
