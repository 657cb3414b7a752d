/**
 * One entry point for every engine: `measureWithEngine('torch/cuda', 'resnet18', settings)`,
 * `measureWithEngine('trtexec', 'resnet18.onnx', …)`, `measureWithEngine('ort/webgpu', 'resnet18.onnx', …)`.
 * In-process engines go through benchmark(); out-of-process ones through their ExternalMeasurer, and
 * both come back as an EngineRunResult with the same statistics.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describeHost, type HostInfo } from '../env/host.js';
import { UserError } from '../errors.js';
import { benchmark, DEFAULT_SEED, sha256File } from '../measure/benchmark.js';
import type { LoopHooks } from '../measure/loop.js';
import { SCHEMA_VERSION } from '../measure/result.js';
import { DEFAULT_STOP_RULES, type StopRules, validateStopRules } from '../measure/settings.js';
import { deadlineMissFraction } from '../measure/stats.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { resolveZooOptions } from '../zoo/options.js';
import { getArchitecture } from '../zoo/registry.js';
import { isZooSpec, parseZooSpec, resolveModel } from '../zoo/resolve.js';
import {
  type EngineRunResult,
  EXTERNAL_PRECISIONS,
  type ExternalMeasurement,
  type ExternalPrecision,
  isExternalMeasurer,
  summarizeExternal,
} from './external.js';
import { onnxruntimeVersion } from './ort.js';
import { isExecutionProvider, type OrtEngineOptions } from './ort-options.js';
import { getEngine } from './registry.js';
import type { TorchOptions } from './torch/options.js';
import type { TrtexecOptions } from './trtexec/options.js';

export interface MeasureWithEngineSettings {
  /** Missing rules take DEFAULT_STOP_RULES; engines that cannot honour a rule say so in `warnings`. */
  stopRules?: Partial<StopRules>;
  batch?: number;
  shapes?: Record<string, number[]>;
  /** trtexec: fp32/fp16/int8/best; torch: fp32/fp16; ort: fp32 only (its precision is the model file's). */
  precision?: ExternalPrecision;
  seed?: number;
  modelName?: string;
  deadlineMs?: number;
  /** The flags as the user gave them, stored beside the effective settings. */
  requested?: Record<string, unknown>;
  host?: HostInfo;
  ort?: Partial<OrtEngineOptions>;
  trtexec?: Partial<TrtexecOptions>;
  torch?: Partial<TorchOptions>;
  /** In-process (ort) loop hooks. */
  hooks?: LoopHooks;
  /** Progress lines from external engines (stderr material). */
  onLog?(line: string): void;
  signal?: AbortSignal;
}

/** `ort/webgpu` → { engine: 'ort', variant: 'webgpu' }; `trtexec` → { engine: 'trtexec' }. */
export function parseEngineName(name: string): { engine: string; variant?: string } {
  const [engine, variant, ...rest] = name.split('/');
  if (!engine || rest.length > 0)
    throw new UserError(`malformed engine name '${name}': expected ENGINE or ENGINE/VARIANT`);
  return variant ? { engine, variant } : { engine };
}

function checkPrecision(precision: string): ExternalPrecision {
  if (!(EXTERNAL_PRECISIONS as readonly string[]).includes(precision))
    throw new UserError(`precision must be one of ${EXTERNAL_PRECISIONS.join(', ')}, got '${precision}'`);
  return precision as ExternalPrecision;
}

/**
 * A `zoo:NAME?classes=…&input=…&preset=paper` spec as each engine takes it: ort and trtexec get the
 * generated ONNX file (cached by the zoo); torch gets the architecture name, its class count and its
 * input shape, so both sides of a comparison run the same architecture with the same head and input.
 */
async function resolveModelFor(
  engineName: string,
  model: string,
  settings: MeasureWithEngineSettings,
): Promise<{ model: string; settings: MeasureWithEngineSettings }> {
  if (!isZooSpec(model)) return { model, settings };
  if (engineName !== 'torch') {
    const resolved = await resolveModel(model);
    return { model: resolved.path, settings: { modelName: resolved.name, ...settings } };
  }
  const { name, options } = parseZooSpec(model);
  const zoo = resolveZooOptions(getArchitecture(name), options);
  const input = settings.batch !== undefined ? [settings.batch, ...zoo.input.slice(1)] : zoo.input;
  return {
    model: name,
    settings: {
      modelName: name,
      ...settings,
      shapes: settings.shapes ?? { input },
      torch: { numClasses: zoo.classes, ...settings.torch },
    },
  };
}

/**
 * Measures `model` with the named engine: an ONNX path or a `zoo:` spec for ort/trtexec; a `zoo:` spec,
 * a zoo architecture name or a TorchScript file for torch. Rejects with EngineUnavailableError when the
 * engine cannot run here (the caller records the variant as skipped, with the reason) and with
 * UserError for bad input.
 */
export async function measureWithEngine(
  name: string,
  modelSpec: string,
  requestedSettings: MeasureWithEngineSettings = {},
): Promise<EngineRunResult> {
  const { engine: engineName, variant } = parseEngineName(name);
  const precision = checkPrecision(requestedSettings.precision ?? 'fp32');
  const stopRules = validateStopRules({ ...DEFAULT_STOP_RULES, ...requestedSettings.stopRules });
  const { model, settings } = await resolveModelFor(engineName, modelSpec, requestedSettings);

  if (engineName === 'ort') {
    if (precision !== 'fp32')
      throw new UserError(
        `ort runs the model file as it is: precision '${precision}' comes from an optimized model (fp16/int8 recipes), not a flag`,
      );
    if (variant && !isExecutionProvider(variant))
      throw new UserError(`unknown onnxruntime execution provider '${variant}' in '${name}'`);
    return benchmark({
      modelPath: model,
      ...(settings.modelName ? { modelName: settings.modelName } : {}),
      engine: {
        ...settings.ort,
        ...(variant ? { executionProvider: variant as OrtEngineOptions['executionProvider'] } : {}),
      },
      ...(settings.batch !== undefined ? { batch: settings.batch } : {}),
      ...(settings.shapes ? { shapes: settings.shapes } : {}),
      ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
      stopRules,
      ...(settings.deadlineMs !== undefined ? { deadlineMs: settings.deadlineMs } : {}),
      ...(settings.requested ? { requested: settings.requested } : {}),
      ...(settings.hooks ? { hooks: settings.hooks } : {}),
      ...(settings.host ? { host: settings.host } : {}),
    });
  }

  const engine = getEngine(engineName);
  if (!isExternalMeasurer(engine))
    throw new UserError(`engine '${engineName}' runs in process; measure it with benchmark() instead`);
  let options: unknown;
  if (engineName === 'torch') {
    if (variant && variant !== 'cpu' && variant !== 'cuda')
      throw new UserError(`unknown torch device '${variant}' in '${name}': use torch/cpu or torch/cuda`);
    options = { ...settings.torch, ...(variant ? { device: variant } : {}) };
  } else if (engineName === 'trtexec') {
    if (variant) throw new UserError(`the trtexec engine has no variants ('${name}')`);
    options = settings.trtexec ?? {};
  }
  const [host, measurement] = await Promise.all([
    settings.host ?? describeHost(),
    engine.measure(
      model,
      {
        stopRules,
        ...(settings.batch !== undefined ? { batch: settings.batch } : {}),
        ...(settings.shapes ? { shapes: settings.shapes } : {}),
        precision,
        seed: settings.seed ?? DEFAULT_SEED,
        ...(settings.signal ? { signal: settings.signal } : {}),
        ...(settings.onLog ? { onLog: settings.onLog } : {}),
      },
      options,
    ),
  ]);
  return toEngineRunResult(measurement, {
    model: engineName === 'torch' ? modelSpec : model,
    host,
    ...(settings.modelName ? { modelName: settings.modelName } : {}),
    seed: settings.seed ?? DEFAULT_SEED,
    ...(settings.deadlineMs !== undefined ? { deadlineMs: settings.deadlineMs } : {}),
    requested: {
      ...settings.requested,
      ...(modelSpec !== model ? { model: modelSpec } : {}),
      ...(requestedSettings.stopRules ? { stopRules: requestedSettings.stopRules } : {}),
    },
    profile: engineName === 'trtexec' && settings.trtexec?.profile === true,
  });
}

export interface ExternalResultContext {
  /** The model argument as given: a file path, or a definition name (zoo architecture, `null`). */
  model: string;
  modelName?: string;
  host: HostInfo;
  seed: number;
  deadlineMs?: number;
  requested?: Record<string, unknown>;
  profile?: boolean;
}

/** An external engine's measurement as a result: statistics from summarize(), settings, context. */
export async function toEngineRunResult(
  m: ExternalMeasurement,
  context: ExternalResultContext,
): Promise<EngineRunResult> {
  const file = await stat(context.model).catch(() => undefined);
  const isFile = file?.isFile() === true;
  const stats = summarizeExternal(m);
  const warnings = [...m.warnings];
  if (stats.cv > 0.1)
    warnings.push(
      `latency varies a lot (CV ${(stats.cv * 100).toFixed(1)}%): other load on this machine, or throttling`,
    );
  const misses = context.deadlineMs !== undefined ? deadlineMissFraction(m.samplesMs, context.deadlineMs) : 0;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'edgebench', version: EDGEBENCH_VERSION },
    createdAt: new Date().toISOString(),
    model: {
      path: isFile ? path.resolve(context.model) : context.model,
      name: context.modelName ?? (isFile ? path.basename(context.model) : context.model),
      sha256: isFile ? await sha256File(context.model) : null,
      sizeBytes: isFile ? file!.size : null,
      inputs: m.inputs.map((i) => ({ name: i.name, type: String(i.type), shape: [...i.shape] })),
      outputs: m.outputs.map((o) => ({ name: o.name, type: String(o.type), shape: [...o.shape] })),
    },
    config: {
      requested: context.requested ?? {},
      effective: {
        engine: m.engine,
        executionProvider: m.provider,
        intraOpThreads: m.intraOpThreads,
        interOpThreads: m.interOpThreads,
        graphOptLevel: m.graphOptimization,
        executionMode: 'sequential',
        providerOptions: m.options,
        batch: m.batch,
        shapes: m.shapes,
        inputSource: 'synthetic',
        seed: context.seed,
        stopRules: m.effectiveStopRules,
        deadlineMs: context.deadlineMs ?? null,
        profile: context.profile ?? false,
      },
    },
    environment: {
      host: context.host as unknown as Record<string, unknown>,
      onnxruntime: onnxruntimeVersion(),
      edgebench: EDGEBENCH_VERSION,
      engine: { name: m.engine, version: m.engineVersion },
    },
    coldStartMs: m.coldStartMs,
    firstInferenceMs: m.firstInferenceMs,
    warmup: { count: m.warmup.count, timeMs: m.warmup.timeMs },
    stopReason: m.stopReason,
    stats,
    peakRssBytes: m.peakRssBytes,
    ...(context.deadlineMs !== undefined
      ? {
          deadline: {
            deadlineMs: context.deadlineMs,
            misses: Math.round(misses * m.samplesMs.length),
            missFraction: misses,
          },
        }
      : {}),
    window: m.window,
    warnings,
    samplesMs: Array.from(m.samplesMs),
    external: {
      engine: m.engine,
      engineVersion: m.engineVersion,
      sampleMetric: m.sampleMetric,
      device: m.device,
      precision: m.precision,
      extras: m.extras,
    },
  };
}
