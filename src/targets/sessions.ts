/**
 * Sessions on a target: an engine's runner started on the device the target names, through its
 * transport. Each is an ordinary out-of-process session (where: remote), so `measure()` drives it
 * exactly as it drives a runner in a child process here; only where the runner starts differs.
 *
 *   ort, ort/cpu|cuda|tensorrt → the device's own onnxruntime in Python (edgebench_ort.py),
 *                                or edgebench itself when the device runs it (`edgebench run`);
 *   torch, torch/cpu|cuda      → the PyTorch runner (edgebench_torch.py) with the device's torch;
 *   trtexec                    → the device's trtexec (JetPack's /usr/src/tensorrt/bin/trtexec).
 *
 * The model is copied into the device cache once per content; timing happens on the device.
 */
import type { OutOfProcessSession } from '../engines/engine.js';
import type { ExternalMeasurement, ExternalMeasureSettings } from '../engines/external.js';
import type { OrtEngineOptions } from '../engines/ort-options.js';
import { ORT_PYTHON_PROVIDERS, type OrtPythonProvider } from '../engines/ort-python/protocol.js';
import {
  type OrtPythonOptions,
  ortPythonMeasurement,
  ortRunnerConfig,
} from '../engines/ort-python/runner-io.js';
import { parseEngineName } from '../engines/registry.js';
import { resolveTorchModel, torchInputs } from '../engines/torch/engine.js';
import { DEFAULT_TORCH_OPTIONS, type TorchOptions, validateTorchOptions } from '../engines/torch/options.js';
import {
  runnerTimeoutMs,
  type TorchDevice,
  torchMeasurement,
  torchProgress,
  torchRunnerConfig,
} from '../engines/torch/runner-io.js';
import { TrtexecEngine } from '../engines/trtexec/engine.js';
import type { TrtexecOptions } from '../engines/trtexec/options.js';
import { EngineUnavailableError, UserError } from '../errors.js';
import type { HostInfo } from '../host/host.js';
import type { RunResult } from '../measure/result.js';
import { DeviceCache } from './cache.js';
import { openTarget } from './open.js';
import { type DeviceDescription, type DeviceEngineId, probeDevice } from './probe.js';
import { runPythonRunner } from './python-runner.js';
import { type DeviceScripts, installDeviceScripts } from './runners.js';
import { type TargetSpec, targetName } from './spec.js';
import { type DeviceTelemetryRecord, startDeviceTelemetry } from './telemetry.js';
import type { Transport } from './transport.js';
import { deviceTrtexecHost } from './trtexec-host.js';

/** A target, connected and probed: what sessions on it are opened with. One per run or study. */
export interface TargetConnection {
  spec: TargetSpec;
  transport: Transport;
  device: DeviceDescription;
  cache: DeviceCache;
  scripts: DeviceScripts;
  /** How results name the target: its saved name or its ssh:// address. */
  name: string;
}

/**
 * Test-only: a folder on the device the probe reads its files under instead of / (a fake Jetson's
 * /etc, /proc, /dev and /usr/src/tensorrt laid out by the end-to-end tests). Unset on real devices.
 */
const TEST_PROBE_ROOT_ENV = 'EDGEBENCH_TEST_PROBE_ROOT';

/** Connects to a target (one multiplexed SSH connection), probes it and puts the runners there. */
export async function connectTarget(
  target: string,
  options: { targetsFile?: string; signal?: AbortSignal } = {},
): Promise<TargetConnection> {
  const { spec, transport } = await openTarget(target, ...(options.targetsFile ? [options.targetsFile] : []));
  if (spec.kind === 'local')
    throw new UserError(`'local' is this machine: measure without --target (or with --target local)`);
  const name = targetName(spec);
  try {
    const root = process.env[TEST_PROBE_ROOT_ENV];
    const device = await probeDevice(transport, {
      target: name,
      ...(root ? { root } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const cache = new DeviceCache(transport);
    const scripts = await installDeviceScripts(cache);
    return { spec, transport, device, cache, scripts, name };
  } catch (error) {
    await transport.close();
    throw error;
  }
}

/** What a target is and what can measure there (`env --target`, `target check`); the connection is closed after. */
export async function describeTarget(target: string, targetsFile?: string): Promise<DeviceDescription> {
  const { spec, transport } = await openTarget(target, ...(targetsFile ? [targetsFile] : []));
  try {
    return await probeDevice(transport, { target: targetName(spec) });
  } finally {
    await transport.close();
  }
}

/** The device engine a requested engine name runs as there, best first; undefined when none can. */
export function deviceEngineFor(device: DeviceDescription, requested: string): DeviceEngineId[] {
  const { engine, variant } = parseEngineName(requested);
  if (engine === 'torch') {
    if (variant && variant !== 'cpu' && variant !== 'cuda')
      throw new UserError(`unknown torch device '${variant}': use torch/cpu or torch/cuda`);
    return variant === 'cuda'
      ? ['torch/cuda']
      : variant === 'cpu'
        ? ['torch/cpu']
        : ['torch/cuda', 'torch/cpu'];
  }
  if (engine === 'trtexec') return ['trtexec'];
  if (engine === 'ort' || engine === 'ort-python') {
    const provider = variant ?? 'cpu';
    if (!(ORT_PYTHON_PROVIDERS as readonly string[]).includes(provider))
      throw new UserError(
        `on a device onnxruntime runs with ${ORT_PYTHON_PROVIDERS.join(', ')}, not '${provider}' (${device.target})`,
      );
    return [`ort-python/${provider as OrtPythonProvider}`];
  }
  throw new UserError(`the ${engine} engine does not run on a target; use ort, torch or trtexec`);
}

/** The device's Python that imports `module` (the probe asked each one). */
export function pythonWith(device: DeviceDescription, module: 'torch' | 'onnxruntime'): string | undefined {
  return device.pythons.find((p) => {
    const found = p[module];
    return found?.version && !found.error;
  })?.path;
}

export function unavailableOn(
  device: DeviceDescription,
  ids: readonly DeviceEngineId[],
  requested: string,
): never {
  const reasons = ids.map((id) => {
    const entry = device.engines.find((e) => e.id === id);
    return `${id}: ${entry?.reason ?? 'not found'}`;
  });
  const usable = device.engines.filter((e) => e.available).map((e) => e.id);
  throw new EngineUnavailableError(
    `${requested} cannot run on ${device.target} (${reasons.join('; ')})${usable.length > 0 ? `; what runs there: ${usable.join(', ')}` : '; nothing edgebench can drive runs there (edgebench target check says why)'}`,
  );
}

/**
 * What runs `engine` on the device: the board's own edgebench for onnxruntime where it runs there,
 * else the first of the device engines that can (deviceEngineFor); one line when none can.
 */
export function deviceRunnerFor(device: DeviceDescription, engine: string): DeviceEngineId {
  const wanted = deviceEngineFor(device, engine);
  const runs = (candidate: DeviceEngineId) => device.engines.some((e) => e.id === candidate && e.available);
  if (parseEngineName(engine).engine === 'ort' && runs('edgebench')) return 'edgebench';
  const id = wanted.find(runs);
  if (!id) unavailableOn(device, wanted, engine);
  return id;
}

/** An onnxruntime graph level as the device runners take it (`layout` is onnxruntime-node's own). */
export function deviceGraphLevel(level: OrtEngineOptions['graphOptLevel'] | undefined) {
  if (level === 'layout')
    throw new UserError(
      "--opt-level layout is onnxruntime-node's own level; on a device use disabled, basic, extended or all",
    );
  return level;
}

export interface TargetEngineOptions {
  torch?: Partial<TorchOptions>;
  ort?: Partial<OrtPythonOptions>;
  trtexec?: Partial<TrtexecOptions>;
}

/** Opens `model` with `engine` on the target; rejects with one line when it cannot run there. */
export async function openOnTarget(
  connection: TargetConnection,
  engine: string,
  model: string,
  options: TargetEngineOptions = {},
): Promise<OutOfProcessSession> {
  const id = deviceRunnerFor(connection.device, engine);
  // A board that runs edgebench itself measures onnxruntime with it (in its process, as here).
  if (id === 'edgebench') {
    return {
      kind: 'out-of-process',
      where: {
        kind: 'remote',
        label: `${connection.name} (${connection.transport.address}, edgebench there)`,
      },
      measure: await edgebenchOnTarget(connection, engine, model, options.ort ?? {}),
      dispose: async () => {},
    };
  }
  const where = {
    kind: 'remote' as const,
    label: `${connection.name} (${connection.transport.address}, ssh)`,
  };
  const measure =
    id === 'torch/cpu' || id === 'torch/cuda'
      ? await torchOnTarget(connection, model, id === 'torch/cuda' ? 'cuda' : 'cpu', options.torch ?? {})
      : id.startsWith('ort-python/')
        ? await ortOnTarget(
            connection,
            model,
            id.slice('ort-python/'.length) as OrtPythonProvider,
            options.ort ?? {},
          )
        : trtexecOnTarget(connection, model, options.trtexec ?? {});
  return { kind: 'out-of-process', where, measure, dispose: async () => {} };
}

type Measure = (settings: ExternalMeasureSettings) => Promise<ExternalMeasurement>;

async function torchOnTarget(
  connection: TargetConnection,
  model: string,
  device: TorchDevice,
  partial: Partial<TorchOptions>,
): Promise<Measure> {
  const options = validateTorchOptions({ ...DEFAULT_TORCH_OPTIONS, ...partial, device });
  const python = pythonWith(connection.device, 'torch');
  if (!python) unavailableOn(connection.device, [`torch/${device}`], `torch/${device}`);
  let spec = await resolveTorchModel(model, options.numClasses);
  if (spec.kind === 'torchscript') {
    const copied = await connection.cache.upload(spec.path);
    spec = { kind: 'torchscript', path: copied.remotePath };
  }
  const cores = connection.device.cpu.physicalCores ?? connection.device.cpu.logicalCores ?? 1;
  return async (settings) => {
    if (settings.precision !== 'fp32' && settings.precision !== 'fp16')
      throw new UserError(`the torch engine runs fp32 or fp16 eager models, not '${settings.precision}'`);
    const inputs = torchInputs(spec, settings);
    const warnings: string[] = [];
    const report = await runPythonRunner(connection.transport, {
      python,
      script: connection.scripts.path('torch'),
      config: torchRunnerConfig(spec, inputs, device, options, settings, cores),
      timeoutMs: runnerTimeoutMs(settings, options.timeoutSlackMs),
      ...(settings.signal ? { signal: settings.signal } : {}),
      onEvent: torchProgress(spec, settings.onLog ?? (() => {})),
    });
    return torchMeasurement(report, { device, python, spec, settings, options, warnings });
  };
}

/**
 * The trtexec engine's own measure with its host on the device: the model (and a calibration cache)
 * copied there once per content, the plan built there into the device cache and reused while its key
 * holds, trtexec's log and --exportTimes file read back over the connection.
 */
function trtexecOnTarget(
  connection: TargetConnection,
  model: string,
  options: Partial<TrtexecOptions>,
): Measure {
  const engine = trtexecEngineOn(connection);
  return (settings) => engine.measure(model, settings, options);
}

/** The trtexec engine with its host on the device: what measures there and gives outputs there. */
export function trtexecEngineOn(connection: TargetConnection): TrtexecEngine {
  return new TrtexecEngine({
    host: deviceTrtexecHost({
      transport: connection.transport,
      cache: connection.cache,
      device: connection.device,
      label: `${connection.name} (${connection.transport.address})`,
    }),
  });
}

async function ortOnTarget(
  connection: TargetConnection,
  model: string,
  provider: OrtPythonProvider,
  partial: Partial<OrtPythonOptions>,
): Promise<Measure> {
  const python = pythonWith(connection.device, 'onnxruntime');
  if (!python) unavailableOn(connection.device, [`ort-python/${provider}`], `ort/${provider}`);
  if (!model.toLowerCase().endsWith('.onnx'))
    throw new UserError(`onnxruntime on a device runs ONNX files; ${model} is not one`);
  const copied = await connection.cache.upload(model);
  const options: OrtPythonOptions = { ...partial, provider };
  return async (settings) => {
    const report = await runPythonRunner(connection.transport, {
      python,
      script: connection.scripts.path('ort'),
      config: ortRunnerConfig(copied.remotePath, options, settings),
      // The TensorRT provider builds its engine on the first run: minutes on a Nano.
      timeoutMs: runnerTimeoutMs(settings, provider === 'tensorrt' ? 1_800_000 : 300_000),
      ...(settings.signal ? { signal: settings.signal } : {}),
    });
    return ortPythonMeasurement(report, options, settings, python);
  };
}

/**
 * onnxruntime measured by the board's own edgebench (`edgebench run … --json -` there): every
 * engine option it has, its own timing loop; the result comes back as one JSON document.
 */
async function edgebenchOnTarget(
  connection: TargetConnection,
  engine: string,
  model: string,
  options: Partial<OrtPythonOptions>,
): Promise<Measure> {
  const copied = await connection.cache.upload(model);
  return async (settings) => {
    const rules = settings.stopRules;
    const args = [
      'run',
      copied.remotePath,
      '--engine',
      engine,
      '--json',
      '-',
      '--telemetry-interval',
      '0',
      '--seed',
      String(settings.seed),
      '--warmup-time',
      String(rules.warmupTimeMs),
      '--warmup-count',
      String(rules.warmupCount),
      '--min-time',
      String(rules.minTimeMs),
      '--min-count',
      String(rules.minCount),
      '--max-count',
      String(rules.maxCount),
      '--max-time',
      String(rules.maxTimeMs),
      '--rel-ci',
      String(rules.relCi),
      ...(settings.batch !== undefined ? ['--batch', String(settings.batch)] : []),
      ...Object.entries(settings.shapes ?? {}).flatMap(([name, dims]) => [
        '--shape',
        `${name}=${dims.join('x')}`,
      ]),
      ...(options.threads !== undefined ? ['--threads', String(options.threads)] : []),
      ...(options.interOpThreads !== undefined ? ['--inter-op-threads', String(options.interOpThreads)] : []),
      ...(options.graphOptLevel !== undefined ? ['--opt-level', options.graphOptLevel] : []),
    ];
    const stdout = await edgebenchThere(connection, args, {
      doing: 'running edgebench on the device',
      failed: `edgebench on ${connection.name} could not measure ${model}`,
      ...(settings.signal ? { signal: settings.signal } : {}),
    });
    return measurementOfRemoteRun(JSON.parse(stdout) as RunResult);
  };
}

/**
 * The board's own edgebench run with `args` (a command that prints its result on stdout); its
 * stdout, or a UserError saying `failed` and the last line edgebench said there.
 */
export async function edgebenchThere(
  connection: TargetConnection,
  args: readonly string[],
  options: { doing: string; failed: string; signal?: AbortSignal },
): Promise<string> {
  const command = connection.device.edgebench?.path ?? 'edgebench';
  const ran = await connection.transport.exec([command, ...args], {
    doing: options.doing,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (ran.code !== 0) throw new UserError(`${options.failed}: ${refusalLine(ran)}`);
  return ran.stdout;
}

/** The last thing the board's edgebench said on stderr, without its own prefix. */
function refusalLine(ran: { code: number; stderr: string }): string {
  const line = ran.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${ran.code}`;
  return line.replace(/^edgebench: /, '');
}

/** A result edgebench measured on the board, as the measurement it is here (it is re-derived the same way). */
function measurementOfRemoteRun(result: RunResult): ExternalMeasurement {
  const e = result.config.effective;
  return {
    engine: e.engine.includes('/') ? e.engine : `${e.engine}/${e.executionProvider}`,
    engineVersion: `onnxruntime ${result.environment.onnxruntime} (edgebench ${result.environment.edgebench} on the device)`,
    sampleMetric: 'wall time of one onnxruntime session run, timed by edgebench on the device',
    samplesMs: Float64Array.from(result.samplesMs),
    coldStartMs: result.coldStartMs,
    firstInferenceMs: result.firstInferenceMs,
    warmup: result.warmup,
    stopReason: result.stopReason,
    window: result.window,
    inputs: result.model.inputs.map((t) => ({ name: t.name, type: t.type, shape: t.shape })),
    outputs: result.model.outputs.map((t) => ({ name: t.name, type: t.type, shape: t.shape })),
    shapes: e.shapes,
    batch: e.batch,
    effectiveStopRules: e.stopRules,
    device: String((result.environment.host as { cpu?: { model?: unknown } }).cpu?.model ?? 'cpu'),
    provider: e.executionProvider,
    graphOptimization: e.graphOptLevel,
    precision: 'fp32',
    options: e.providerOptions,
    intraOpThreads: e.intraOpThreads,
    interOpThreads: e.interOpThreads,
    peakRssBytes: result.peakRssBytes,
    extras: { runner: 'edgebench', deviceHost: result.environment.host, timedCall: e.timedCall ?? null },
    warnings: result.warnings,
  };
}

/** Telemetry sampled on the device while a session measures there (its clock, its sensors). */
export async function startTargetTelemetry(
  connection: TargetConnection,
  intervalMs: number,
  signal?: AbortSignal,
): Promise<{ stop(): Promise<DeviceTelemetryRecord> } | undefined> {
  const python = connection.device.pythons.find((p) => !p.problem)?.path;
  if (!python) return undefined;
  return startDeviceTelemetry(connection.transport, {
    python,
    scripts: connection.scripts,
    intervalMs,
    ...(signal ? { signal } : {}),
  });
}

/** The device as results describe the machine a measurement ran on. */
export function hostInfoOf(device: DeviceDescription): HostInfo {
  const jetson = device.jetson;
  return {
    os: {
      platform: 'linux',
      release: device.os.kernel,
      ...(device.os.distro ? { distro: device.os.distro } : {}),
    },
    hostname: device.hostname ?? device.address,
    cpu: {
      model: device.cpu.model ?? device.cpu.architecture,
      logicalCores: device.cpu.logicalCores ?? 0,
      ...(device.cpu.physicalCores ? { physicalCores: device.cpu.physicalCores } : {}),
      architecture: device.cpu.architecture,
      features: device.cpu.features,
      ...(device.cpu.governors.length > 0 ? { governor: device.cpu.governors.join(', ') } : {}),
    },
    memoryBytes: device.memoryBytes ?? 0,
    gpus: device.gpus.map((g) => ({
      vendor: g.vendor,
      name: g.name,
      ...(g.memoryBytes !== null ? { memoryBytes: g.memoryBytes } : {}),
      source: g.source,
    })),
    ...(jetson
      ? {
          jetson: {
            release: jetson.l4t ?? 'unknown',
            ...(jetson.model ? { model: jetson.model } : {}),
            ...(jetson.powerMode?.name ? { powerMode: jetson.powerMode.name } : {}),
          },
        }
      : {}),
    node: device.node?.version ?? 'none (agentless)',
  };
}
