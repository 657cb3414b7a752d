/** Resolves a MODEL argument: an ONNX file path, or zoo:NAME[?classes=N&input=…] (generated and cached). */
import { type ResolvedModel, resolveModel } from '../zoo/resolve.js';

export function resolveModelArg(spec: string): Promise<ResolvedModel> {
  return resolveModel(spec);
}
