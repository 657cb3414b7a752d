/**
 * The onnxruntime-node engine. The native binding is reached only through this file.
 */
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as OrtTypes from 'onnxruntime-node';
import { EngineUnavailableError, UserError } from '../errors.js';
import type { HostTensor, TensorElementType, TensorInfo } from '../onnx/tensor.js';
import type {
  Engine,
  EngineProbe,
  InProcessSession,
  OpsetUpgradeInfo,
  RunnerLocation,
  SessionSettings,
} from './engine.js';
import {
  assertHasOutputs,
  describeRunError,
  onnxruntimeLogSeverity,
  onnxruntimeVerbose,
  onnxruntimeVersion,
  ort,
} from './ort-binding.js';
import { NativeSession } from './ort-native.js';
import { createOrtSession, type SessionFactory } from './ort-opset.js';
import {
  DEFAULT_ORT_OPTIONS,
  isExecutionProvider,
  ORT_EXECUTION_PROVIDERS,
  type OrtEngineOptions,
  type OrtExecutionProvider,
  threadCountProblem,
} from './ort-options.js';
import { probeExecutionProviders } from './ort-probe.js';

// The binding's helpers (load and run errors, log level, version) are part of this engine's module.
export * from './ort-binding.js';

function executionProviderConfig(
  options: OrtEngineOptions,
): OrtTypes.InferenceSession.ExecutionProviderConfig[] {
  const ep = options.executionProvider;
  if (ep === 'cpu')
    return [{ name: 'cpu', ...options.providerOptions } as OrtTypes.InferenceSession.ExecutionProviderConfig];
  const config = {
    name: ep,
    ...options.providerOptions,
  } as OrtTypes.InferenceSession.ExecutionProviderConfig;
  // CPU stays registered after the accelerator so that nodes it cannot run still run (as onnxruntime does by default).
  return [config, 'cpu'];
}

export function sessionOptions(options: OrtEngineOptions): OrtTypes.InferenceSession.SessionOptions {
  const sessionOpts: OrtTypes.InferenceSession.SessionOptions = {
    executionProviders: executionProviderConfig(options),
    graphOptimizationLevel: options.graphOptLevel,
    executionMode: options.executionMode,
    logSeverityLevel: onnxruntimeLogSeverity(options.verbose || onnxruntimeVerbose()),
    enableProfiling: options.profile,
  };
  if (options.intraOpThreads > 0) sessionOpts.intraOpNumThreads = options.intraOpThreads;
  if (options.interOpThreads > 0) sessionOpts.interOpNumThreads = options.interOpThreads;
  if (options.profile && options.profilePrefix) sessionOpts.profileFilePrefix = options.profilePrefix;
  if (options.optimizedModelPath) sessionOpts.optimizedModelFilePath = options.optimizedModelPath;
  if (options.graphCapture) sessionOpts.enableGraphCapture = true;
  if (options.outputsOnDevice && options.executionProvider !== 'cpu') {
    sessionOpts.preferredOutputLocation = options.executionProvider === 'webgpu' ? 'gpu-buffer' : 'cpu';
  }
  return sessionOpts;
}

/** The options that decide how onnxruntime runs a model, as results report them. */
export function ortSettingsOf(options: OrtEngineOptions) {
  return {
    executionProvider: options.executionProvider,
    intraOpThreads: options.intraOpThreads,
    interOpThreads: options.interOpThreads,
    graphOptLevel: options.graphOptLevel,
    executionMode: options.executionMode,
    providerOptions: options.providerOptions,
  };
}

/** The engine's sessions: on the native binding where it is the expected one, else the public API. */
type EngineSession = NativeSession | OrtTypes.InferenceSession;

const engineSession: SessionFactory<EngineSession> = async (source, options) => {
  // The public module first: it sets the log level the native side starts with.
  const api = ort();
  return (
    NativeSession.create(source, options) ??
    (typeof source === 'string'
      ? api.InferenceSession.create(source, options)
      : api.InferenceSession.create(source, options))
  );
};

const THIS_PROCESS: RunnerLocation = Object.freeze({ kind: 'this-process', label: 'this process' });

class OrtSession implements InProcessSession {
  readonly kind = 'in-process';
  readonly where = THIS_PROCESS;
  readonly settings: SessionSettings;
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  readonly runBlocking?: (feeds: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  private readonly onRunError: (error: unknown) => never;
  constructor(
    private readonly session: EngineSession,
    private readonly options: OrtEngineOptions,
    modelPath: string,
    readonly opsetUpgrade?: OpsetUpgradeInfo,
  ) {
    this.inputs = session.inputMetadata.map(toTensorInfo);
    this.outputs = session.outputMetadata.map(toTensorInfo);
    this.settings = {
      engine: 'ort',
      engineVersion: `onnxruntime ${onnxruntimeVersion()}`,
      ...ortSettingsOf(options),
      profile: options.profile,
      opsetUpgrade: options.opsetUpgrade,
    };
    this.onRunError = (error) => {
      throw new UserError(describeRunError(modelPath, error), { cause: error });
    };
    if (session instanceof NativeSession) {
      const onRunError = this.onRunError;
      this.runBlocking = (feeds) => {
        try {
          return session.runSync(feeds);
        } catch (error) {
          return onRunError(error);
        }
      };
    }
  }

  run(feeds: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
    // A rejection handler only: the timed call stays one native call and one promise.
    return this.session.run(feeds as OrtTypes.InferenceSession.FeedsType).catch(this.onRunError);
  }

  prepareFeeds(feeds: Readonly<Record<string, HostTensor>>): Record<string, unknown> {
    const Tensor = ort().Tensor;
    const prepared: Record<string, unknown> = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      // float16 travels as raw Uint16 bits, which is what onnxruntime expects.
      prepared[name] = new Tensor(
        tensor.type as OrtTypes.Tensor.Type,
        tensor.data as OrtTypes.Tensor.DataType,
        [...tensor.dims],
      );
    }
    return prepared;
  }

  readOutput(value: unknown): HostTensor {
    const tensor = value as OrtTypes.Tensor;
    if (tensor.location !== 'cpu') {
      throw new UserError('this output stays on the device; read it back with outputsOnDevice turned off');
    }
    return {
      type: tensor.type as TensorElementType,
      dims: [...tensor.dims],
      data: tensor.data as HostTensor['data'],
    };
  }

  /** onnxruntime-node profiles from session creation; steady-state filtering happens on the trace. */
  async endProfiling(): Promise<string | undefined> {
    if (!this.options.profile || !this.options.profilePrefix) return undefined;
    this.session.endProfiling();
    const dir = path.dirname(this.options.profilePrefix);
    const trace = (await readdir(dir)).find((f) => f.endsWith('.json'));
    return trace ? path.join(dir, trace) : undefined;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function toTensorInfo(meta: OrtTypes.InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, type: 'non-tensor', shape: [] };
  return { name: meta.name, type: meta.type, shape: meta.shape };
}

export class OrtEngine implements Engine<OrtEngineOptions> {
  readonly id = 'ort';

  /** `variant` is the execution provider (`ort/webgpu`); it wins over `options.executionProvider`. */
  async open(
    modelPath: string,
    partial: Partial<OrtEngineOptions> = {},
    variant?: string,
  ): Promise<InProcessSession> {
    if (variant !== undefined && !isExecutionProvider(variant))
      throw new UserError(
        `unknown onnxruntime execution provider '${variant}' in 'ort/${variant}': use one of ${ORT_EXECUTION_PROVIDERS.join(', ')}`,
      );
    const options: OrtEngineOptions = {
      ...DEFAULT_ORT_OPTIONS,
      ...partial,
      ...(variant ? { executionProvider: variant } : {}),
    };
    // The profiler writes its trace beside this prefix, in a folder of its own.
    if (options.profile && !options.profilePrefix)
      options.profilePrefix = path.join(
        await mkdtemp(path.join(os.tmpdir(), 'edgebench-profile-')),
        'ort-profile',
      );
    // onnxruntime creates every thread it is asked for: bound them before it tries.
    const threads =
      threadCountProblem('intra-op threads', options.intraOpThreads) ??
      threadCountProblem('inter-op threads', options.interOpThreads);
    if (threads) throw new UserError(threads);
    if (options.executionProvider !== 'cpu') await assertProviderWorks(options.executionProvider);
    const { session, opsetUpgrade } = await createOrtSession(
      {
        source: modelPath,
        label: modelPath,
        options: sessionOptions(options),
        opsetUpgrade: options.opsetUpgrade,
      },
      engineSession,
    );
    try {
      assertHasOutputs(modelPath, session.outputMetadata);
    } catch (error) {
      await session.release();
      throw error;
    }
    return new OrtSession(session, options, modelPath, opsetUpgrade);
  }

  probe(): Promise<EngineProbe[]> {
    return probeExecutionProviders();
  }
}

/** Fails with one line naming the providers that do work here, before onnxruntime prints its own errors. */
export async function assertProviderWorks(ep: OrtExecutionProvider): Promise<void> {
  const probes = await probeExecutionProviders([ep, 'cpu']);
  const wanted = probes.find((p) => p.id === `ort/${ep}`);
  if (wanted?.available) return;
  const all = await probeExecutionProviders();
  const working = all.filter((p) => p.available).map((p) => p.id.replace('ort/', ''));
  throw new EngineUnavailableError(
    `execution provider '${ep}' cannot initialize here (${wanted?.reason ?? 'unknown reason'}); working providers: ${working.join(', ') || 'none'}`,
  );
}
