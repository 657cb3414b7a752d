/**
 * On-disk cache of generated zoo models, keyed by a hash of their definition (architecture,
 * resolved options, generator version): a second use of the same definition costs a stat().
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '../onnx/model-io.js';
import { buildZooModel, ZOO_GENERATOR_VERSION } from './build.js';
import { formatShape, type ResolvedZooOptions, resolveZooOptions, type ZooOptions } from './options.js';
import { getArchitecture } from './registry.js';

/** `$EDGEBENCH_CACHE_DIR/models`, else `$XDG_CACHE_HOME/edgebench/models`, else `~/.cache/edgebench/models`. */
export function zooCacheDir(): string {
  const root =
    process.env.EDGEBENCH_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgebench');
  return join(root, 'models');
}

/** Hex digest identifying a generated model; changes whenever its bytes could change. */
export function zooModelKey(name: string, options: ResolvedZooOptions): string {
  const definition = JSON.stringify({
    generator: ZOO_GENERATOR_VERSION,
    name,
    classes: options.classes,
    input: options.input,
    seed: options.seed,
  });
  return createHash('sha256').update(definition).digest('hex');
}

/** The file name a cached model gets: readable prefix, hash suffix. */
export function zooModelFileName(name: string, options: ResolvedZooOptions): string {
  const key = zooModelKey(name, options).slice(0, 16);
  return `${name}-c${options.classes}-${formatShape(options.input)}-s${options.seed}-${key}.onnx`;
}

export interface CachedZooModel {
  path: string;
  options: ResolvedZooOptions;
  /** True when the file already existed (nothing was generated). */
  cached: boolean;
}

/** Returns the cached file for this definition, generating and saving it first if needed. */
export async function ensureZooModel(
  name: string,
  options: ZooOptions = {},
  cacheDir: string = zooCacheDir(),
): Promise<CachedZooModel> {
  const resolved = resolveZooOptions(getArchitecture(name), options);
  const path = join(cacheDir, zooModelFileName(name, resolved));
  if (await isFile(path)) return { path, options: resolved, cached: true };
  const { model } = buildZooModel(name, resolved);
  await saveModel(model, path);
  return { path, options: resolved, cached: false };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
