/** Resolves a MODEL argument: an ONNX file path (zoo:NAME is added by the zoo). */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

export interface ResolvedModelArg {
  path: string;
  name: string;
}

export async function resolveModelArg(spec: string): Promise<ResolvedModelArg> {
  const info = await stat(spec).catch(() => undefined);
  if (!info) throw new UserError(`model file not found: ${spec} (give an ONNX file path, or zoo:NAME)`);
  if (!info.isFile()) throw new UserError(`model path is not a file: ${spec}`);
  return { path: spec, name: path.basename(spec) };
}
