/**
 * What both pipelines do around the model: load it (cold start timed apart), warm it up on a neutral
 * input (first inference timed apart), and describe it and the machine for the result.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HostTensor, LoadedModel, OpsetUpgradeInfo } from '../engines/engine.js';
import { OrtEngine, onnxruntimeVersion } from '../engines/ort.js';
import { DEFAULT_ORT_OPTIONS, type OrtEngineOptions } from '../engines/ort-options.js';
import { describeHost, type HostInfo } from '../env/host.js';
import { UserError } from '../errors.js';
import { sha256File } from '../measure/benchmark.js';
import { EDGEBENCH_VERSION } from '../version.js';

export interface PipelineModel {
  loaded: LoadedModel;
  engineOptions: OrtEngineOptions;
  coldStartMs: number;
  info: PipelineModelInfo;
}

export interface PipelineModelInfo {
  path: string;
  name: string;
  sha256: string;
  sizeBytes: number;
  inputs: { name: string; type: string; shape: (number | string)[] }[];
  outputs: { name: string; type: string; shape: (number | string)[] }[];
  /** Present when the model was upgraded in memory before onnxruntime loaded it (not the file's bytes). */
  opsetUpgrade?: OpsetUpgradeInfo;
}

export interface PipelineEnvironment {
  host: Record<string, unknown>;
  onnxruntime: string;
  edgebench: string;
}

export async function openPipelineModel(
  modelPath: string,
  modelName: string | undefined,
  engine: Partial<OrtEngineOptions> | undefined,
): Promise<PipelineModel> {
  const st = await stat(modelPath).catch(() => undefined);
  if (!st) throw new UserError(`model file not found: ${modelPath}`);
  if (!st.isFile()) throw new UserError(`model path is not a file: ${modelPath}`);
  const engineOptions: OrtEngineOptions = { ...DEFAULT_ORT_OPTIONS, ...engine };
  const sha256 = await sha256File(modelPath);
  const t0 = performance.now();
  const loaded = await new OrtEngine().load(modelPath, engineOptions);
  // Cold start is onnxruntime's: the in-memory opset upgrade is reported apart (info.opsetUpgrade).
  const coldStartMs = performance.now() - t0 - (loaded.opsetUpgrade?.durationMs ?? 0);
  if (loaded.inputs.length !== 1) {
    await loaded.dispose();
    throw new UserError(
      `the pipelines feed models with exactly one input; ${path.basename(modelPath)} has ${loaded.inputs.length} (${loaded.inputs.map((i) => i.name).join(', ')})`,
    );
  }
  return {
    loaded,
    engineOptions,
    coldStartMs,
    info: {
      path: path.resolve(modelPath),
      name: modelName ?? path.basename(modelPath),
      sha256,
      sizeBytes: st.size,
      inputs: loaded.inputs.map((i) => ({ name: i.name, type: String(i.type), shape: [...i.shape] })),
      outputs: loaded.outputs.map((o) => ({ name: o.name, type: String(o.type), shape: [...o.shape] })),
      ...(loaded.opsetUpgrade ? { opsetUpgrade: loaded.opsetUpgrade } : {}),
    },
  };
}

/** Runs the model `1 + warmupRuns` times on `feed`; the first run is reported apart. */
export async function warmUp(
  loaded: LoadedModel,
  feed: Record<string, HostTensor>,
  warmupRuns: number,
): Promise<{ firstInferenceMs: number; warmupRuns: number; warmupMs: number }> {
  const feeds = loaded.prepareFeeds(feed);
  const t0 = performance.now();
  await loaded.run(feeds);
  const firstInferenceMs = performance.now() - t0;
  const t1 = performance.now();
  for (let i = 0; i < warmupRuns; i++) await loaded.run(feeds);
  return { firstInferenceMs, warmupRuns, warmupMs: performance.now() - t1 };
}

export async function pipelineEnvironment(host?: HostInfo): Promise<PipelineEnvironment> {
  return {
    host: (host ?? (await describeHost())) as unknown as Record<string, unknown>,
    onnxruntime: onnxruntimeVersion(),
    edgebench: EDGEBENCH_VERSION,
  };
}

export function engineSummary(options: OrtEngineOptions): Record<string, unknown> {
  return {
    engine: 'ort',
    executionProvider: options.executionProvider,
    intraOpThreads: options.intraOpThreads,
    interOpThreads: options.interOpThreads,
    graphOptLevel: options.graphOptLevel,
    executionMode: options.executionMode,
    providerOptions: options.providerOptions,
  };
}
