/**
 * What both pipelines do around the model: load it (cold start timed apart), warm it up on a neutral
 * input (first inference timed apart), and describe it and the machine for the result.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InProcessSession, OpsetUpgradeInfo } from '../engines/engine.js';
import { ortSettingsOf } from '../engines/ort.js';
import { describeOpsetUpgrade } from '../engines/ort-opset.js';
import { DEFAULT_ORT_OPTIONS, type OrtEngineOptions } from '../engines/ort-options.js';
import { getEngine } from '../engines/registry.js';
import { UserError } from '../errors.js';
import type { HostInfo } from '../host/host.js';
import {
  authorship,
  type EnvironmentFacts,
  environmentFacts,
  openTimed,
  requireModelFile,
  tensorList,
} from '../measure/envelope.js';
import type { HostTensor } from '../onnx/tensor.js';
import type { ClassifierOptions } from './classifier.js';
import { outputRows, type SoftmaxMode } from './postprocess.js';

export const PIPELINE_SCHEMA_VERSION = 1;

/** What both pipelines take beside their inputs: the model, its engine and head, the run's context. */
export interface PipelineOptions extends ClassifierOptions {
  modelPath: string;
  modelName?: string;
  engine?: Partial<OrtEngineOptions>;
  /** Untimed runs after the first inference (default 3). */
  warmupRuns?: number;
  /** The flags as the user gave them, stored beside the effective settings. */
  requested?: Record<string, unknown>;
  host?: HostInfo;
}

export interface PipelineModel {
  loaded: InProcessSession;
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

export type PipelineEnvironment = EnvironmentFacts;

export async function openPipelineModel(
  modelPath: string,
  modelName: string | undefined,
  engine: Partial<OrtEngineOptions> | undefined,
): Promise<PipelineModel> {
  const file = await requireModelFile(modelPath, modelName);
  const engineOptions: OrtEngineOptions = { ...DEFAULT_ORT_OPTIONS, ...engine };
  const { session, coldStartMs } = await openTimed(getEngine('ort'), modelPath, { ...engineOptions });
  if (session.kind !== 'in-process') throw new UserError('the pipelines run onnxruntime in this process');
  const loaded = session;
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
      ...file,
      inputs: tensorList(loaded.inputs),
      outputs: tensorList(loaded.outputs),
      ...(loaded.opsetUpgrade ? { opsetUpgrade: loaded.opsetUpgrade } : {}),
    },
  };
}

/** Runs the model `1 + warmupRuns` times on `feed`; the first run is reported apart. */
export async function warmUp(
  loaded: InProcessSession,
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

export function pipelineEnvironment(host?: HostInfo): Promise<PipelineEnvironment> {
  return environmentFacts(host);
}

/** How the run started, for both results: the machine, the load and first inference, the warm-up. */
export interface PipelineStart {
  environment: PipelineEnvironment;
  coldStartMs: number;
  firstInferenceMs: number;
  warmup: { runs: number; timeMs: number };
}

export async function pipelineStart(
  model: PipelineModel,
  warm: Awaited<ReturnType<typeof warmUp>>,
  host?: HostInfo,
): Promise<PipelineStart> {
  return {
    environment: await pipelineEnvironment(host),
    coldStartMs: model.coldStartMs,
    firstInferenceMs: warm.firstInferenceMs,
    warmup: { runs: warm.warmupRuns, timeMs: warm.warmupMs },
  };
}

export function engineSummary(options: OrtEngineOptions): Record<string, unknown> {
  return { engine: 'ort', ...ortSettingsOf(options) };
}

/** The effective settings every pipeline reports, beside its own. */
export interface PipelineSettings {
  topK: number;
  softmax: SoftmaxMode;
  labels: number | null;
  warmupRuns: number;
}

/** The part both results open with: what ran, on which model, with which settings, and how it started. */
export interface PipelineResultHead<Kind extends string, Own> extends PipelineStart {
  kind: Kind;
  schemaVersion: number;
  tool: { name: 'edgebench'; version: string };
  createdAt: string;
  model: PipelineModelInfo;
  config: {
    requested: Record<string, unknown>;
    effective: { engine: Record<string, unknown> } & PipelineSettings & Own;
  };
}

/** A pipeline run's hold on its model: warm-up, inference, and the head of the result. */
export class PipelineRun {
  readonly loaded: InProcessSession;

  constructor(
    private readonly model: PipelineModel,
    private readonly options: PipelineOptions,
  ) {
    this.loaded = model.loaded;
  }

  warmUp(feed: Record<string, HostTensor>, warmupRuns: number): ReturnType<typeof warmUp> {
    return warmUp(this.loaded, feed, warmupRuns);
  }

  /** Runs the model on `feed` and reads its first output as `n` rows; the times bracket the run alone. */
  async inferRows(
    feed: Record<string, HostTensor>,
    n: number,
  ): Promise<{ rows: Float32Array[]; preparedAt: number; ranAt: number }> {
    const { loaded } = this;
    const feeds = loaded.prepareFeeds(feed);
    const preparedAt = performance.now();
    const out = await loaded.run(feeds);
    const ranAt = performance.now();
    return { rows: outputRows(loaded.readOutput(out[loaded.outputs[0].name]), n), preparedAt, ranAt };
  }

  async resultHead<Kind extends string, Own>(
    kind: Kind,
    warm: Awaited<ReturnType<typeof warmUp>>,
    effective: PipelineSettings & Own,
  ): Promise<PipelineResultHead<Kind, Own>> {
    const { model, options } = this;
    return {
      kind,
      schemaVersion: PIPELINE_SCHEMA_VERSION,
      ...authorship(),
      model: model.info,
      config: {
        requested: options.requested ?? {},
        effective: { engine: engineSummary(model.engineOptions), ...effective },
      },
      ...(await pipelineStart(model, warm, options.host)),
    };
  }
}

/**
 * Opens the model, runs `use` with it and disposes of it however `use` ends. A model upgraded in memory
 * before loading leads the run's warnings.
 */
export async function withPipelineModel<T>(
  options: PipelineOptions,
  warnings: string[],
  use: (run: PipelineRun) => Promise<T>,
): Promise<T> {
  const model = await openPipelineModel(options.modelPath, options.modelName, options.engine);
  if (model.loaded.opsetUpgrade) warnings.unshift(describeOpsetUpgrade(model.loaded.opsetUpgrade));
  try {
    return await use(new PipelineRun(model, options));
  } finally {
    await model.loaded.dispose();
  }
}
