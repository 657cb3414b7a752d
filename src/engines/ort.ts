/**
 * The onnxruntime-node engine. The native binding is reached only through this file.
 */
import { createRequire } from 'node:module';
import type * as OrtTypes from 'onnxruntime-node';
import { EngineUnavailableError, messageOf, UserError } from '../errors.js';
import type {
  Engine,
  EngineProbe,
  HostTensor,
  LoadedModel,
  OpsetUpgradeInfo,
  TensorElementType,
  TensorInfo,
} from './engine.js';
import { createOrtSession } from './ort-opset.js';
import { DEFAULT_ORT_OPTIONS, type OrtEngineOptions, type OrtExecutionProvider } from './ort-options.js';
import { probeExecutionProviders } from './ort-probe.js';

// onnxruntime-node is CommonJS; loading it lazily keeps `edgebench --help` fast.
const require = createRequire(import.meta.url);
let ortModule: typeof OrtTypes | undefined;
export function ort(): typeof OrtTypes {
  if (!ortModule) {
    ortModule = require('onnxruntime-node') as typeof OrtTypes;
    // Native warnings (e.g. "some nodes were not assigned to the preferred EP") stay out of the terminal.
    ortModule.env.logLevel = 'error';
  }
  return ortModule;
}

export function onnxruntimeVersion(): string {
  const versions = ort().env.versions as Record<string, string>;
  return versions.node ?? versions.common ?? 'unknown';
}

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
    logSeverityLevel: options.verbose ? 1 : 3,
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

const TYPED_ARRAYS: Record<TensorElementType, new (length: number) => HostTensor['data']> = {
  float32: Float32Array,
  float16: Uint16Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

export function typedArrayFor(type: TensorElementType, length: number): HostTensor['data'] {
  const ctor = TYPED_ARRAYS[type];
  if (!ctor) throw new UserError(`tensor type ${type} is not supported`);
  return new ctor(length);
}

class OrtLoadedModel implements LoadedModel {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  constructor(
    private readonly session: OrtTypes.InferenceSession,
    private readonly options: OrtEngineOptions,
    readonly opsetUpgrade?: OpsetUpgradeInfo,
  ) {
    this.inputs = session.inputMetadata.map(toTensorInfo);
    this.outputs = session.outputMetadata.map(toTensorInfo);
  }

  run(feeds: Readonly<Record<string, unknown>>): Promise<Record<string, unknown>> {
    return this.session.run(feeds as OrtTypes.InferenceSession.FeedsType);
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

  startProfiling(): void {
    // onnxruntime-node profiles from session creation; steady-state filtering happens on the trace instead.
  }

  endProfiling(): string | undefined {
    if (!this.options.profile) return undefined;
    this.session.endProfiling();
    return undefined;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function toTensorInfo(meta: OrtTypes.InferenceSession.ValueMetadata): TensorInfo {
  if (!meta.isTensor) return { name: meta.name, type: 'non-tensor', shape: [] };
  return { name: meta.name, type: meta.type, shape: meta.shape };
}

/** Turns onnxruntime's multi-line load errors into one line the user can act on. */
export function describeLoadError(modelPath: string, error: unknown): string {
  const raw = messageOf(error).replace(/\s+/g, ' ').trim();
  if (/protobuf parsing failed|Failed to load model|INVALID_PROTOBUF/i.test(raw)) {
    return `${modelPath} is not a valid ONNX model (onnxruntime could not parse it): check that the file is complete and really ONNX`;
  }
  if (/No such file|does not exist|NO_SUCHFILE/i.test(raw)) return `model file not found: ${modelPath}`;
  if (/ModelProto does not have a graph/i.test(raw)) {
    return `${modelPath} is not a valid ONNX model (it has no graph: empty, truncated or not an ONNX file): check that the file is complete and really ONNX`;
  }
  // Drop onnxruntime's C++ source location and function signature: they say nothing to a user.
  const detail = raw
    .replace(/^.*?\] : \d+ : [A-Z_]+ : /, '')
    .replace(/\s*\/?onnxruntime_src\/\S+:\d+ (?:[\w:~<>]+\([^)]*\)\s*)?/g, ' ')
    .trim();
  return `onnxruntime could not load ${modelPath}: ${detail.slice(0, 400)}`;
}

export class OrtEngine implements Engine<Partial<OrtEngineOptions>> {
  readonly name = 'ort';

  async load(modelPath: string, partial: Partial<OrtEngineOptions>): Promise<LoadedModel> {
    const options: OrtEngineOptions = { ...DEFAULT_ORT_OPTIONS, ...partial };
    if (options.executionProvider !== 'cpu') await assertProviderWorks(options.executionProvider);
    const { session, opsetUpgrade } = await createOrtSession({
      source: modelPath,
      label: modelPath,
      options: sessionOptions(options),
      opsetUpgrade: options.opsetUpgrade,
    });
    return new OrtLoadedModel(session, options, opsetUpgrade);
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
