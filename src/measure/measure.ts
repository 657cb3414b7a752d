/**
 * The one measurement entry point: `measure({ engine, model, … }) → RunResult`, for every engine and
 * wherever its session runs. `run`, study workers, the fleet agent and the library all come here.
 *
 *   1. the engine is looked up in the registry (`ort/webgpu` → engine `ort`, variant `webgpu`) and
 *      the model resolved for it (a `zoo:` spec is the generated ONNX file for ort and trtexec, the
 *      architecture's definition for torch);
 *   2. the session is opened, its cold start timed;
 *   3. an in-process session is timed here by the core loop (or a LoadGen scenario) on prepared
 *      inputs; an out-of-process session measures with its own runner and hands back every sample;
 *   4. telemetry is sampled beside either, and one result comes back in one schema.
 */
import { type LoopHooks, type RawMeasurement, timeLoop } from '../core/loop.js';
import { DEFAULT_STOP_RULES, type StopRules, validateStopRules } from '../core/settings.js';
import { deadlineMissFraction, summarize } from '../core/stats.js';
import type { InProcessSession, OutOfProcessSession } from '../engines/engine.js';
import type { ExternalMeasurement, ExternalPrecision } from '../engines/external.js';
import { describeOpsetUpgrade } from '../engines/ort-opset.js';
import type { OrtEngineOptions } from '../engines/ort-options.js';
import { type EngineContext, getEngine, parseEngineName } from '../engines/registry.js';
import type { TorchOptions } from '../engines/torch/options.js';
import { torchZooModel } from '../engines/torch/zoo-model.js';
import type { TrtexecOptions } from '../engines/trtexec/options.js';
import { messageOf, UserError } from '../errors.js';
import { describeHost, type HostInfo } from '../host/host.js';
import { type OutputExport, writeOutputs } from '../inputs/export-outputs.js';
import type { HostTensor } from '../onnx/tensor.js';
import {
  deviceGraphLevel,
  hostInfoOf,
  openOnTarget,
  startTargetTelemetry,
  type TargetConnection,
} from '../targets/sessions.js';
import {
  detectDrift,
  preRunChecks,
  startTelemetry,
  summarizeTelemetry,
  type TelemetryRecord,
  type TelemetrySummary,
} from '../telemetry/index.js';
import { guarded } from '../util/abort.js';
import { dropUndefined } from '../util/objects.js';
import { isZooSpec, resolveModel } from '../zoo/resolve.js';
import { type ComputeCount, computeRate, countCompute, type RunCompute } from './compute.js';
import { environmentFacts, type ModelFile, modelFacts, modelFile, openTimed, stamp } from './envelope.js';
import { batchOf, DEFAULT_SEED, inputSourceOf, prepareInputs } from './inputs.js';
import { readProfile } from './profile.js';
import { checkPrecision, checkTelemetry } from './request-checks.js';
import type { RunResult } from './result.js';
import { measureScenario, type ScenarioRequest } from './scenarios/index.js';

export { DEFAULT_SEED } from './inputs.js';

export interface TelemetryRunOptions {
  /** Sampling interval, ms (default 100). */
  intervalMs?: number;
  /** Grid carbon intensity for CO2e, g/kWh. */
  gridIntensityGPerKWh?: number;
  /** Without an energy sensor, estimate energy from TDP × CPU utilization (always labelled an estimate). */
  estimateEnergy?: boolean;
  tdpWatts?: number;
  /** Warn about a governor not at `performance`, a Jetson not at full power, busy processes (default true). */
  preRunChecks?: boolean;
}

export interface MeasureRequest {
  /** `ort` (default), `ort/webgpu`, `torch/cpu`, `torch/cuda`, `trtexec`, `null`. */
  engine?: string;
  /** An ONNX path or `zoo:` spec (ort, trtexec); for torch also an architecture name or TorchScript file. */
  model: string;
  /** Display name (default: the file's, or the architecture's). */
  modelName?: string;
  /** Engine options, by engine: only the measuring engine's are used. */
  ort?: Partial<OrtEngineOptions>;
  torch?: Partial<TorchOptions>;
  trtexec?: Partial<TrtexecOptions>;
  /** trtexec: fp32/fp16/int8/best; torch: fp32/fp16; ort: fp32 (its precision is the model file's). */
  precision?: ExternalPrecision;
  batch?: number;
  shapes?: Record<string, number[]>;
  /** Input tensors from files (.npy, .pb) or values, by input name; the rest are synthesized (in-process). */
  inputFiles?: Record<string, string>;
  seed?: number;
  /** Missing rules take DEFAULT_STOP_RULES; engines that cannot honour a rule say so in `warnings`. */
  stopRules?: Partial<StopRules>;
  deadlineMs?: number;
  /** A LoadGen scenario instead of the plain single-stream loop (in-process sessions). */
  scenario?: ScenarioRequest;
  /** Telemetry sampled beside the steady state (on by default); false turns it and the pre-run checks off. */
  telemetry?: TelemetryRunOptions | false;
  /** The flags as the user gave them, stored beside the effective settings. */
  requested?: Record<string, unknown>;
  hooks?: LoopHooks;
  /** Reuse a host description already taken (it costs a few ms and some child processes). */
  host?: HostInfo;
  /**
   * Write the outputs of one inference on the measured inputs here, after the measurement (outside
   * every timed region): a folder of NAME.npy files, or a JSON file when the path ends in .json.
   */
  exportOutputs?: string;
  /**
   * The operations of one inference, for the compute rate: counted after the measurement (default),
   * given when already counted for the same model and inputs (a study's later rounds), or false.
   */
  compute?: ComputeCount | false;
  /** Where engines look for their runtimes (environment, the user's Python). */
  context?: EngineContext;
  /**
   * Measure on this target (a board over SSH, connected once by the caller): the engine's runner
   * starts there, telemetry is sampled there, and the result describes that device.
   */
  target?: TargetConnection;
  /** Progress and the engine's own log lines (stderr material; never results). */
  onLog?(line: string): void;
  /**
   * Aborting stops the measurement after the run in hand (a run in progress cannot be cut short)
   * and rejects with the signal's reason; telemetry stops and the session is released.
   */
  signal?: AbortSignal;
}

/** A request as it crosses a process boundary (a worker job): no hooks, callbacks or signal. */
export type PortableMeasureRequest = Omit<MeasureRequest, 'hooks' | 'onLog' | 'signal' | 'target'>;

/**
 * A `zoo:NAME?classes=…&input=…` spec as each engine takes it: ort and trtexec get the generated ONNX
 * file (cached by the zoo); torch gets the architecture name, its class count and its input shape, so
 * both sides of a comparison run the same architecture with the same head and input.
 */
async function resolveModelFor(engine: string, request: MeasureRequest): Promise<MeasureRequest> {
  if (!isZooSpec(request.model)) return request;
  if (engine !== 'torch') {
    const resolved = await resolveModel(request.model);
    return { modelName: resolved.name, ...request, model: resolved.path };
  }
  const { name, numClasses, input } = torchZooModel(request.model, request.batch);
  return {
    modelName: name,
    ...request,
    model: name,
    shapes: request.shapes && Object.keys(request.shapes).length > 0 ? request.shapes : { input },
    torch: { numClasses, ...request.torch },
  };
}

function engineOptions(engine: string, request: MeasureRequest): Record<string, unknown> {
  if (engine === 'ort') return { ...request.ort };
  if (engine === 'torch') return { ...request.torch };
  if (engine === 'trtexec') return { ...request.trtexec };
  return {};
}

export async function measure(request: MeasureRequest): Promise<RunResult> {
  request.signal?.throwIfAborted();
  const name = request.engine ?? 'ort';
  const { engine: engineId, variant } = parseEngineName(name);
  // On a target the device's engines are looked up there (targets/sessions.ts); here, in the
  // registry, before anything is generated for an engine name that does not exist.
  const { target } = request;
  const runsOn = target ? { target } : { engine: getEngine(engineId, request.context) };
  const precision = checkPrecision(request.precision ?? 'fp32');
  const stopRules = validateStopRules({ ...DEFAULT_STOP_RULES, ...request.stopRules });
  const telemetry = request.telemetry === false ? undefined : (request.telemetry ?? {});
  checkTelemetry(telemetry);
  const resolved = await resolveModelFor(engineId, request);
  if (runsOn.target)
    return measureOnTarget(runsOn.target, {
      request: resolved,
      given: request,
      stopRules,
      telemetry,
      precision,
    });
  const { engine } = runsOn;
  if (engineId === 'ort' && precision !== 'fp32')
    throw new UserError(
      `ort runs the model file as it is: precision '${precision}' comes from an optimized model (fp16/int8 recipes), not a flag`,
    );
  const [host, file, preRunWarnings] = await Promise.all([
    resolved.host ?? describeHost(),
    modelFile(resolved.model, resolved.modelName),
    telemetry && telemetry.preRunChecks !== false ? preRunChecks() : Promise.resolve([]),
  ]);
  if (engineId === 'ort' && !file) throw new UserError(`model file not found: ${resolved.model}`);
  const { session, coldStartMs } = await openTimed(
    engine,
    resolved.model,
    engineOptions(engineId, resolved),
    variant,
  );
  try {
    const context: MeasureContext = {
      request: resolved,
      given: request,
      stopRules,
      telemetry,
      host,
      file,
      precision,
    };
    const result =
      session.kind === 'in-process'
        ? await measureInProcess(session, coldStartMs, context)
        : await measureOutOfProcess(session, context);
    result.warnings.unshift(...preRunWarnings);
    return result;
  } finally {
    await session.dispose();
  }
}

/** The same measurement with the engine's runner on a target: an out-of-process session there. */
async function measureOnTarget(
  target: TargetConnection,
  checked: Pick<MeasureContext, 'request' | 'given' | 'stopRules' | 'telemetry' | 'precision'>,
): Promise<RunResult> {
  const resolved = checked.request;
  const { engine: engineId, variant } = parseEngineName(resolved.engine ?? 'ort');
  const file = await modelFile(resolved.model, resolved.modelName);
  if (engineId !== 'torch' && !file) throw new UserError(`model file not found: ${resolved.model}`);
  const ort = resolved.ort ?? {};
  const engine =
    engineId === 'ort' && !variant ? `ort/${ort.executionProvider ?? 'cpu'}` : (resolved.engine ?? 'ort');
  const session = await openOnTarget(target, engine, resolved.model, {
    ...(resolved.torch ? { torch: resolved.torch } : {}),
    ...(resolved.trtexec ? { trtexec: resolved.trtexec } : {}),
    ort: dropUndefined({
      threads: ort.intraOpThreads,
      interOpThreads: ort.interOpThreads,
      graphOptLevel: deviceGraphLevel(ort.graphOptLevel),
      providerOptions: ort.providerOptions,
    }),
  });
  try {
    const result = await measureOutOfProcess(session, {
      ...checked,
      host: hostInfoOf(target.device),
      file,
      target,
    });
    result.target = {
      name: target.name,
      address: target.transport.address,
      runner:
        result.external?.extras.runner === 'edgebench'
          ? `edgebench (${result.external.engine})`
          : (result.external?.engine ?? engine),
      level: target.device.level,
    };
    result.warnings.unshift(...target.device.warnings);
    return result;
  } finally {
    await session.dispose();
  }
}

/** onnxruntime's Python API has no 'layout' level (onnxruntime-node's name for all-but-layout passes). */
interface MeasureContext {
  /** The request with its model resolved for the engine. */
  request: MeasureRequest;
  /** The request as given (its model argument as the user wrote it). */
  given: MeasureRequest;
  stopRules: StopRules;
  telemetry: TelemetryRunOptions | undefined;
  host: HostInfo;
  file: ModelFile | undefined;
  precision: ExternalPrecision;
  /** Set when the session runs on a target: telemetry is sampled there. */
  target?: TargetConnection;
}

async function measureInProcess(
  session: InProcessSession,
  coldStartMs: number,
  { request, stopRules, telemetry, host, file }: MeasureContext,
): Promise<RunResult> {
  const signal = request.signal;
  const warnings: string[] = [];
  if (session.opsetUpgrade) warnings.push(describeOpsetUpgrade(session.opsetUpgrade));
  signal?.throwIfAborted();
  const { tensors, shapes, given, values } = await prepareInputs(session, request);
  const feeds = session.prepareFeeds(tensors);
  const run = () => session.run(feeds);
  const batch = batchOf(shapes, session.inputs[0]?.name);
  const sampler = telemetry ? await startTelemetry({ intervalMs: telemetry.intervalMs }) : undefined;
  let measured: Awaited<ReturnType<typeof measureScenario>> | undefined;
  let raw: RawMeasurement;
  let record: TelemetryRecord | undefined;
  try {
    measured = request.scenario
      ? await measureScenario(
          {
            run: guarded(run, signal),
            batch,
            runnerForBatch: async (n) => guarded(await runnerForBatch(session, request, n), signal),
          },
          request.scenario,
          stopRules,
          request.hooks,
          signal,
        )
      : undefined;
    // The blocking call where the engine has one: nothing but the inference between the clock reads.
    const timed = session.runBlocking ? () => session.runBlocking!(feeds) : run;
    raw = measured ? measured.raw : await timeLoop(timed, stopRules, request.hooks, signal);
  } finally {
    record = await sampler?.stop();
  }
  const settings = session.settings;
  let profile: RunResult['profile'];
  if (settings.profile) {
    const trace = await session.endProfiling?.();
    if (trace) profile = await readProfile(trace, 1 + raw.warmupCount);
    else warnings.push(`${settings.engine} wrote no profile trace`);
  }
  let outputsExported: OutputExport | undefined;
  if (request.exportOutputs) {
    const results = await session.run(feeds);
    const outputs = Object.fromEntries(
      session.outputs.map((o) => [o.name, session.readOutput(results[o.name])] as const),
    );
    outputsExported = await writeOutputs(request.exportOutputs, outputs);
  }
  const samplesPerRun = measured?.batchPerRun ?? batch;
  const stats = summarize(raw.samplesMs, samplesPerRun);
  const telemetrySummary = record
    ? runTelemetry(record, raw.samplesMs, raw, stats.count * samplesPerRun, telemetry ?? {})
    : undefined;
  warnings.push(...latencyWarnings(stats.cv, telemetrySummary));
  if (settings.profile) warnings.push('profiling was on: the profiler adds overhead to every run');
  // Taken before the model is parsed for counting, which would add its own memory.
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  // A scenario that batches differently ran other shapes than those counted: no figure then.
  const compute =
    file && samplesPerRun === batch && request.compute !== false && settings.engine !== 'null'
      ? await runCompute(file.path, request.compute, shapes, tensors, stats.medianMs, {
          cpu: host.cpu,
          executionProvider: settings.executionProvider,
          threads: settings.intraOpThreads,
        }).catch((error: unknown) => {
          warnings.push(
            `the operations of the model could not be counted, so no compute rate: ${messageOf(error)}`,
          );
          return undefined;
        })
      : undefined;
  const notReported = file ? [] : ['model.sha256', 'model.sizeBytes'];
  return {
    ...(await resultHead({
      model: modelFacts(request.model, request.modelName, file, session),
      requested: request.requested ?? {},
      effective: {
        engine: settings.engine,
        executionProvider: settings.executionProvider,
        intraOpThreads: settings.intraOpThreads,
        interOpThreads: settings.interOpThreads,
        graphOptLevel: settings.graphOptLevel,
        executionMode: settings.executionMode,
        providerOptions: settings.providerOptions,
        batch,
        shapes,
        inputSource: inputSourceOf(session.inputs.length, given.length),
        ...(Object.keys(values).length > 0 ? { inputValues: values } : {}),
        seed: request.seed ?? DEFAULT_SEED,
        stopRules,
        deadlineMs: request.deadlineMs ?? null,
        profile: settings.profile,
        opsetUpgrade: settings.opsetUpgrade,
        timedCall: session.runBlocking && !measured ? 'blocking' : 'async',
      },
      host,
      engine:
        settings.engine === 'ort' ? undefined : { name: settings.engine, version: settings.engineVersion },
      coldStartMs,
      firstInferenceMs: raw.firstInferenceMs,
      warmup: { count: raw.warmupCount, timeMs: raw.warmupTimeMs },
      stopReason: raw.stopReason,
      stats,
      peakRssBytes,
    })),
    ...(compute ? { compute } : {}),
    ...deadlineOf(request.deadlineMs, raw.samplesMs),
    ...(profile ? { profile } : {}),
    ...(measured ? { scenario: measured.scenario } : {}),
    ...(telemetrySummary ? { telemetry: telemetrySummary } : {}),
    ...(outputsExported ? { outputsExported } : {}),
    ...resultTail(
      { startEpochMs: raw.startEpochMs, endEpochMs: raw.endEpochMs },
      warnings,
      raw.samplesMs,
      notReported,
    ),
  };
}

/** What a result opens with, whichever path measured it, in the result's key order. */
interface ResultHead
  extends Pick<
    RunResult,
    'model' | 'coldStartMs' | 'firstInferenceMs' | 'warmup' | 'stopReason' | 'stats' | 'peakRssBytes'
  > {
  requested: Record<string, unknown>;
  effective: RunResult['config']['effective'];
  host: HostInfo;
  /** The engine the environment names beside onnxruntime (none where onnxruntime itself ran here). */
  engine: { name: string; version: string } | undefined;
}

async function resultHead(head: ResultHead) {
  return {
    ...stamp(),
    model: head.model,
    config: { requested: head.requested, effective: head.effective },
    environment: await environmentFacts(head.host, head.engine),
    coldStartMs: head.coldStartMs,
    firstInferenceMs: head.firstInferenceMs,
    warmup: head.warmup,
    stopReason: head.stopReason,
    stats: head.stats,
    peakRssBytes: head.peakRssBytes,
  };
}

/** What a result closes with: when it ran, its warnings, every sample, and what it could not report. */
function resultTail(
  window: RunResult['window'],
  warnings: string[],
  samplesMs: Float64Array,
  notReported: string[],
): Pick<RunResult, 'window' | 'warnings' | 'samplesMs' | 'notReported'> {
  return {
    window,
    warnings,
    samplesMs: Array.from(samplesMs),
    ...(notReported.length > 0 ? { notReported } : {}),
  };
}

async function measureOutOfProcess(
  session: OutOfProcessSession,
  { request, given, stopRules, telemetry, host, file, precision, target }: MeasureContext,
): Promise<RunResult> {
  if (request.scenario)
    throw new UserError(
      `LoadGen scenarios drive inferences one by one in this process; the session runs in ${session.where.label}: drop --scenario, or measure with onnxruntime (ort)`,
    );
  if (request.exportOutputs)
    throw new UserError(
      `--export-outputs reads outputs in this process; the session runs in ${session.where.label}: export them with onnxruntime (ort)`,
    );
  if (Object.keys(request.inputFiles ?? {}).length > 0)
    throw new UserError(
      `inputs from files are fed in this process; the session runs in ${session.where.label} on synthetic inputs: drop --input, or measure with onnxruntime (ort)`,
    );
  const sampler = !telemetry
    ? undefined
    : target
      ? await startTargetTelemetry(target, telemetry.intervalMs ?? 100, request.signal)
      : await startTelemetry({ intervalMs: telemetry.intervalMs });
  let m: ExternalMeasurement;
  let record: TelemetryRecord | undefined;
  try {
    m = await session.measure({
      stopRules,
      ...dropUndefined({
        batch: request.batch,
        shapes: request.shapes,
        signal: request.signal,
        onLog: request.onLog,
      }),
      precision,
      seed: request.seed ?? DEFAULT_SEED,
    });
  } finally {
    record = await sampler?.stop();
  }
  // A definition run by its framework (torch) keeps the spec it was given as its path.
  const model = file ? request.model : given.model;
  const result = await externalResult(m, {
    model,
    file,
    host,
    ...dropUndefined({ modelName: request.modelName, deadlineMs: request.deadlineMs }),
    seed: request.seed ?? DEFAULT_SEED,
    requested: {
      ...request.requested,
      ...(given.model !== request.model ? { model: given.model } : {}),
      ...(given.stopRules ? { stopRules: given.stopRules } : {}),
    },
    profile: m.engine === 'trtexec' && request.trtexec?.profile === true,
  });
  if (record) {
    const stats = result.stats;
    const summary = runTelemetry(record, m.samplesMs, m.window, stats.count * m.batch, telemetry ?? {});
    result.telemetry = summary;
    result.warnings.push(...summary.warnings.map((w) => w.message));
  }
  return result;
}

export interface ExternalResultContext {
  /** The model argument as given: a file path, or a definition name (zoo architecture, `null`). */
  model: string;
  /** The file's facts, when the model is a file (default: read from `model`). */
  file?: ModelFile;
  modelName?: string;
  host: HostInfo;
  seed: number;
  deadlineMs?: number;
  requested?: Record<string, unknown>;
  profile?: boolean;
}

/** An out-of-process measurement as a result: statistics from summarize(), settings, context. */
export async function externalResult(
  m: ExternalMeasurement,
  context: ExternalResultContext,
): Promise<RunResult> {
  const file = context.file ?? (await modelFile(context.model, context.modelName));
  const stats = summarize(m.samplesMs, m.batch);
  const warnings = [...m.warnings, ...latencyWarnings(stats.cv, undefined)];
  const notReported = [
    ...(file ? [] : ['model.sha256', 'model.sizeBytes']),
    ...(m.coldStartMs === null ? ['coldStartMs'] : []),
    ...(m.firstInferenceMs === null ? ['firstInferenceMs'] : []),
    ...(m.warmup.count === null ? ['warmup.count'] : []),
    ...(m.warmup.timeMs === null ? ['warmup.timeMs'] : []),
    ...(m.peakRssBytes === null ? ['peakRssBytes'] : []),
  ];
  return {
    ...(await resultHead({
      model: modelFacts(context.model, context.modelName, file, m),
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
      host: context.host,
      engine: { name: m.engine, version: m.engineVersion },
      coldStartMs: m.coldStartMs,
      firstInferenceMs: m.firstInferenceMs,
      warmup: { count: m.warmup.count, timeMs: m.warmup.timeMs },
      stopReason: m.stopReason,
      stats,
      peakRssBytes: m.peakRssBytes,
    })),
    ...deadlineOf(context.deadlineMs, m.samplesMs),
    ...resultTail(m.window, warnings, m.samplesMs, notReported),
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

function deadlineOf(deadlineMs: number | undefined, samplesMs: Float64Array): Pick<RunResult, 'deadline'> {
  if (deadlineMs === undefined) return {};
  const missFraction = deadlineMissFraction(samplesMs, deadlineMs);
  return { deadline: { deadlineMs, misses: Math.round(missFraction * samplesMs.length), missFraction } };
}

function latencyWarnings(cv: number, telemetry: TelemetrySummary | undefined): string[] {
  const warnings = (telemetry?.warnings ?? []).map((w) => w.message);
  if (cv > 0.1)
    warnings.push(
      `latency varies a lot (CV ${(cv * 100).toFixed(1)}%): other load on this machine, or throttling`,
    );
  return warnings;
}

async function runCompute(
  modelPath: string,
  given: ComputeCount | undefined,
  shapes: Record<string, number[]>,
  tensors: Record<string, HostTensor>,
  medianMs: number,
  context: Parameters<typeof computeRate>[2],
): Promise<RunCompute | undefined> {
  const count = given ?? (await countCompute(modelPath, shapes, tensors));
  return computeRate(count, medianMs, context);
}

/** A runner whose inputs have leading dimension `n` (scenarios that batch differently); throws if impossible. */
async function runnerForBatch(
  session: InProcessSession,
  request: MeasureRequest,
  n: number,
): Promise<() => Promise<unknown>> {
  if (Object.keys(request.inputFiles ?? {}).length > 0)
    throw new UserError('inputs from files keep their own batch');
  const shapes = Object.fromEntries(
    Object.entries(request.shapes ?? {}).map(([name, dims]) => [name, [n, ...dims.slice(1)]]),
  );
  const prepared = await prepareInputs(session, { ...request, batch: n, shapes });
  if (batchOf(prepared.shapes, session.inputs[0]?.name) !== n) throw new UserError(`the batch stays fixed`);
  const feeds = session.prepareFeeds(prepared.tensors);
  return () => session.run(feeds);
}

/**
 * Telemetry over the steady-state window; energy is per sample (one input of the batch), and latency
 * drift within the run joins the throttling warnings.
 */
function runTelemetry(
  record: TelemetryRecord,
  samplesMs: Float64Array,
  window: { startEpochMs: number; endEpochMs: number },
  samples: number,
  options: TelemetryRunOptions,
): TelemetrySummary {
  const summary = summarizeTelemetry(
    record,
    { startMs: window.startEpochMs, endMs: window.endEpochMs },
    {
      inferences: samples,
      gridIntensityGPerKWh: options.gridIntensityGPerKWh,
      estimateEnergy: options.estimateEnergy,
      tdpWatts: options.tdpWatts,
    },
  );
  summary.warnings.push(...detectDrift(Array.from(samplesMs)).warnings);
  return summary;
}
