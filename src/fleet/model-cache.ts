/**
 * Models travel by content. The submitter keeps each model file in the store under its sha256; an
 * agent fetches the bytes, checks their hash, and keeps them in its own cache as `<sha256>.onnx`
 * (written to a temporary name, then renamed). A cached file is hashed again before each use, so a
 * corrupted or tampered cache is refetched, and the path is always built from a checked hex hash:
 * nothing from a job ever names a file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { StoredModel } from '../store/kysely-store.js';
import { sha256File } from '../util/hash.js';
import { SHA256_PATTERN } from './payload.js';

export function defaultCacheDir(): string {
  return path.join(os.homedir(), '.edgebench', 'fleet-cache');
}

export function sha256Bytes(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Thrown when the store's bytes do not hash to the name they were asked by. */
export class ModelHashMismatch extends Error {
  constructor(expected: string, actual: string) {
    super(
      `the model bytes in the store hash to ${actual}, not to the ${expected} the job names; refusing to use them`,
    );
    this.name = 'ModelHashMismatch';
  }
}

export interface ModelSource {
  getModel(sha256: string): Promise<StoredModel | null>;
}

/** The path of the verified model file named by `sha256` in `cacheDir`, fetched from `source` if needed. */
export async function ensureModel(source: ModelSource, sha256: string, cacheDir: string): Promise<string> {
  if (!SHA256_PATTERN.test(sha256)) throw new UserError(`'${sha256}' is not a sha256`);
  const file = path.join(cacheDir, `${sha256}.onnx`);
  const cached = await sha256File(file).catch(() => null);
  if (cached === sha256) return file;
  const model = await source.getModel(sha256);
  if (!model) throw new UserError(`the store holds no model with sha256 ${sha256}`);
  const actual = sha256Bytes(model.data);
  if (actual !== sha256) throw new ModelHashMismatch(sha256, actual);
  await mkdir(cacheDir, { recursive: true });
  const temp = path.join(cacheDir, `.${sha256}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, model.data);
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
  return file;
}
