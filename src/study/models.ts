/**
 * The study's one door to the model zoo: a model reference (zoo:NAME… or an ONNX file path) becomes
 * a file (zoo models are generated once and cached on disk by `src/zoo`).
 */
import { resolveModel } from '../zoo/resolve.js';

export interface ResolvedStudyModel {
  path: string;
  name: string;
}

export async function resolveStudyModel(ref: string, name: string): Promise<ResolvedStudyModel> {
  const resolved = await resolveModel(ref);
  return { path: resolved.path, name };
}
