/**
 * Model specs as users write them: a path to an .onnx file, or `zoo:NAME` with optional query
 * options (`zoo:resnet18?classes=2&input=1x3x160x160&seed=1&preset=paper`).
 */
import { stat } from 'node:fs/promises';
import { basename, extname, resolve as resolvePath } from 'node:path';
import { UserError } from '../errors.js';
import { ensureZooModel } from './cache.js';
import { parseInputShape, type ResolvedZooOptions, type ZooOptions } from './options.js';
import { getArchitecture } from './registry.js';

export const ZOO_PREFIX = 'zoo:';

export interface ResolvedModel {
  /** Absolute path of an ONNX file. */
  path: string;
  /** A short display name (zoo name, or the file name without extension). */
  name: string;
  zoo?: {
    architecture: string;
    options: ResolvedZooOptions;
    /** True when the model came from the cache without being generated. */
    cached: boolean;
  };
}

export interface ResolveModelOptions {
  /** Overrides the zoo cache directory (default: see zooCacheDir). */
  cacheDir?: string;
}

export function isZooSpec(spec: string): boolean {
  return spec.startsWith(ZOO_PREFIX);
}

/** Splits `zoo:NAME?key=value&…` into a name and zoo options; unknown keys are a UserError. */
export function parseZooSpec(spec: string): { name: string; options: ZooOptions } {
  const body = spec.slice(ZOO_PREFIX.length);
  const [name, query = ''] = body.split('?', 2);
  const options: ZooOptions = {};
  for (const [key, value] of new URLSearchParams(query)) {
    switch (key) {
      case 'classes':
        options.classes = parseInteger(spec, key, value);
        break;
      case 'seed':
        options.seed = parseInteger(spec, key, value);
        break;
      case 'input':
        options.input = parseInputShape(value);
        break;
      case 'preset':
        if (value !== 'paper') throw new UserError(`${spec}: unknown preset '${value}'; available: paper`);
        options.preset = value;
        break;
      default:
        throw new UserError(`${spec}: unknown option '${key}'; use classes, input, seed or preset`);
    }
  }
  return { name, options };
}

function parseInteger(spec: string, key: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n))
    throw new UserError(`${spec}: ${key} must be an integer, got '${value}'`);
  return n;
}

/** Resolves a model spec to a file on disk, generating zoo models (cached) as needed. */
export async function resolveModel(spec: string, options: ResolveModelOptions = {}): Promise<ResolvedModel> {
  if (isZooSpec(spec)) {
    const { name, options: zooOptions } = parseZooSpec(spec);
    getArchitecture(name);
    const cached = await ensureZooModel(name, zooOptions, options.cacheDir);
    return {
      path: cached.path,
      name,
      zoo: { architecture: name, options: cached.options, cached: cached.cached },
    };
  }
  const path = resolvePath(spec);
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    throw new UserError(`model file not found: ${spec} (give a path to an .onnx file or zoo:NAME)`);
  }
  if (!isFile) throw new UserError(`${spec} is not a file (give a path to an .onnx file or zoo:NAME)`);
  return { path, name: basename(path, extname(path)) };
}
