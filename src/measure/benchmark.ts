/**
 * One benchmark of one model on one engine: load (cold start), inputs, the timing loop, statistics.
 * This is the library's `benchmark()`; the CLI's `run` is a thin layer over it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HostTensor, LoadedModel } from '../engines/engine.js';
import { OrtEngine, onnxruntimeVersion } from '../engines/ort.js';
import { describeOpsetUpgrade } from '../engines/ort-opset.js';
import { DEFAULT_ORT_OPTIONS, type OrtEngineOptions } from '../engines/ort-options.js';
import { describeHost, type HostInfo } from '../env/host.js';
import { messageOf, UserError } from '../errors.js';
import {
  detectDrift,
  preRunChecks,
  startTelemetry,
  summarizeTelemetry,
  type TelemetryRecord,
  type TelemetrySampler,
  type TelemetrySummary,
} from '../telemetry/index.js';
import { guarded } from '../util/abort.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { type OutputExport, writeOutputs } from '../workloads/export-outputs.js';
import { readInputValue, valuesText } from '../workloads/input-values.js';
import { formatShape, type GivenShapes, resolveInputShapes } from '../workloads/shapes.js';
import { synthesizeInputs } from '../workloads/synthetic.js';
import { checkTensorMatches } from '../workloads/tensor-files.js';
import { type ComputeCount, computeRate, countCompute, type RunCompute } from './compute.js';
import { type LoopHooks, type RawMeasurement, timeLoop } from './loop.js';
import { readProfile } from './profile.js';
import { type RunResult, SCHEMA_VERSION } from './result.js';
import { measureScenario, type ScenarioRequest } from './scenarios/index.js';
import { DEFAULT_STOP_RULES, type StopRules, validateStopRules } from './settings.js';
import { deadlineMissFraction, summarize } from './stats.js';

export interface BenchmarkOptions {
  /** Path of an ONNX file. */
  modelPath: string;
  /** Display name (defaults to the file name). */
  modelName?: string;
  engine?: Partial<OrtEngineOptions>;
  batch?: number;
  shapes?: Record<string, number[]>;
  /** Input tensors from files, by input name; the rest are synthesized. */
  inputFiles?: Record<string, string>;
  seed?: number;
  stopRules?: Partial<StopRules>;
  deadlineMs?: number;
  /** A LoadGen scenario instead of the plain single-stream loop (absent: today's loop, unchanged). */
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
   * Aborting stops the measurement after the model run in hand (a run in progress cannot be cut
   * short) and rejects with the signal's reason; telemetry stops and the session is released.
   */
  signal?: AbortSignal;
  /**
   * The operations of one inference, for the compute rate: counted here after the measurement
   * (default), given when already counted for the same model and inputs (a study's later rounds),
   * or false to skip the figure.
   */
  compute?: ComputeCount | false;
}

export const DEFAULT_SEED = 42;

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

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface PreparedInputs {
  tensors: Record<string, HostTensor>;
  shapes: Record<string, number[]>;
  /** Inputs given by --input (a file or a value), by name. */
  given: string[];
  /** Values of the small inputs (scalars, literals) as text, e.g. { sr: '16000' }, for reports. */
  values: Record<string, string>;
}

export async function prepareInputs(
  loaded: LoadedModel,
  options: Pick<BenchmarkOptions, 'batch' | 'shapes' | 'inputFiles' | 'seed'>,
): Promise<PreparedInputs> {
  const known = new Set(loaded.inputs.map((i) => i.name));
  for (const name of [...Object.keys(options.shapes ?? {}), ...Object.keys(options.inputFiles ?? {})]) {
    if (!known.has(name))
      throw new UserError(`the model has no input named '${name}'; its inputs are: ${[...known].join(', ')}`);
  }
  const fromFiles: Record<string, HostTensor> = {};
  const given: GivenShapes = {};
  const values: Record<string, string> = {};
  for (const [name, file] of Object.entries(options.inputFiles ?? {})) {
    const info = loaded.inputs.find((i) => i.name === name)!;
    const { tensor, literal } = await readInputValue(info, file);
    const what = literal ? `--input ${name}=${file}` : `input file ${file}`;
    if (literal) values[name] = valuesText(tensor) ?? file;
    else checkTensorMatches(info, tensor, file);
    // A file fixes its own shape: a --shape or --batch that says otherwise would be silently ignored.
    const asked = options.shapes?.[name];
    if (asked && asked.join('x') !== tensor.dims.join('x'))
      throw new UserError(
        `--shape ${name}=${asked.join('x')} contradicts ${what} of shape ${formatShape(tensor.dims)}: drop the --shape (${literal ? "a value's" : "a file's"} shape is used as it is)`,
      );
    if (
      !literal &&
      options.batch !== undefined &&
      tensor.dims.length > 0 &&
      tensor.dims[0] !== options.batch &&
      !(typeof info.shape[0] === 'number' && info.shape[0] > 0)
    )
      throw new UserError(
        `--batch ${options.batch} contradicts input file ${file} of shape ${formatShape(tensor.dims)} (batch ${tensor.dims[0]}): drop --batch, or give a file with batch ${options.batch}`,
      );
    fromFiles[name] = tensor;
    given[name] = { dims: tensor.dims, source: what };
  }
  const shapes = resolveInputShapes(loaded.inputs, options, given);
  const toSynthesize = loaded.inputs.filter((i) => !fromFiles[i.name]);
  const synthesized = synthesizeInputs(toSynthesize, shapes, options.seed ?? DEFAULT_SEED);
  for (const [name, tensor] of Object.entries(synthesized))
    if (tensor.dims.length === 0) values[name] = valuesText(tensor) ?? '';
  return { tensors: { ...synthesized, ...fromFiles }, shapes, given: Object.keys(fromFiles), values };
}

export async function benchmark(options: BenchmarkOptions): Promise<RunResult> {
  const signal = options.signal;
  signal?.throwIfAborted();
  const stopRules = validateStopRules({ ...DEFAULT_STOP_RULES, ...options.stopRules });
  const engineOptions: OrtEngineOptions = { ...DEFAULT_ORT_OPTIONS, ...options.engine };
  const warnings: string[] = [];
  const modelStat = await stat(options.modelPath).catch(() => {
    throw new UserError(`model file not found: ${options.modelPath}`);
  });
  if (!modelStat.isFile()) throw new UserError(`model path is not a file: ${options.modelPath}`);
  let profileDir: string | undefined;
  if (engineOptions.profile) {
    profileDir = await mkdtemp(path.join(os.tmpdir(), 'edgebench-profile-'));
    engineOptions.profilePrefix = path.join(profileDir, 'ort-profile');
  }
  const telemetry = options.telemetry === false ? undefined : (options.telemetry ?? {});
  if (telemetry?.estimateEnergy && telemetry.tdpWatts === undefined) {
    throw new UserError("--estimate-energy needs the processor's TDP: add --tdp-watts W");
  }
  if (telemetry?.tdpWatts !== undefined && !(Number.isFinite(telemetry.tdpWatts) && telemetry.tdpWatts > 0)) {
    throw new UserError(
      `--tdp-watts must be a positive number of watts (the processor's TDP, e.g. 15), got ${telemetry.tdpWatts}`,
    );
  }
  const [host, sha256, preRunWarnings] = await Promise.all([
    options.host ?? describeHost(),
    sha256File(options.modelPath),
    telemetry && telemetry.preRunChecks !== false ? preRunChecks() : Promise.resolve([]),
  ]);
  warnings.push(...preRunWarnings);

  const engine = new OrtEngine();
  const loadStart = performance.now();
  const loaded = await engine.load(options.modelPath, engineOptions);
  // Cold start is onnxruntime's: the in-memory opset upgrade is reported apart (model.opsetUpgrade).
  const coldStartMs = performance.now() - loadStart - (loaded.opsetUpgrade?.durationMs ?? 0);
  if (loaded.opsetUpgrade) warnings.unshift(describeOpsetUpgrade(loaded.opsetUpgrade));
  try {
    signal?.throwIfAborted();
    const { tensors, shapes, given, values } = await prepareInputs(loaded, options);
    const feeds = loaded.prepareFeeds(tensors);
    const run = () => loaded.run(feeds);
    const sampler: TelemetrySampler | undefined = telemetry
      ? await startTelemetry({ intervalMs: telemetry.intervalMs })
      : undefined;
    let measured: Awaited<ReturnType<typeof measureScenario>> | undefined;
    let raw: RawMeasurement;
    let telemetryRecord: TelemetryRecord | undefined;
    try {
      measured = options.scenario
        ? await measureScenario(
            {
              run: guarded(run, signal),
              batch: batchOf(shapes, loaded.inputs[0]?.name),
              runnerForBatch: async (n) => guarded(await runnerForBatch(loaded, options, n), signal),
            },
            options.scenario,
            stopRules,
            options.hooks,
            signal,
          )
        : undefined;
      // The blocking call where the engine has one: nothing but the inference between the clock reads.
      const timed = loaded.runBlocking ? () => loaded.runBlocking!(feeds) : run;
      raw = measured ? measured.raw : await timeLoop(timed, stopRules, options.hooks, signal);
    } finally {
      telemetryRecord = await sampler?.stop();
    }
    let profile: RunResult['profile'];
    if (engineOptions.profile && profileDir) {
      loaded.endProfiling?.();
      const trace = (await readdir(profileDir)).find((f) => f.endsWith('.json'));
      if (trace) profile = await readProfile(path.join(profileDir, trace), 1 + raw.warmupCount);
      else warnings.push('onnxruntime wrote no profile trace');
    }
    let outputsExported: OutputExport | undefined;
    if (options.exportOutputs) {
      const results = await loaded.run(feeds);
      const outputs = Object.fromEntries(
        loaded.outputs.map((o) => [o.name, loaded.readOutput(results[o.name])] as const),
      );
      outputsExported = await writeOutputs(options.exportOutputs, outputs);
    }
    const batch = batchOf(shapes, loaded.inputs[0]?.name);
    const stats = summarize(raw.samplesMs, measured?.batchPerRun ?? batch);
    const telemetrySummary = telemetryRecord
      ? summarizeRunTelemetry(
          telemetryRecord,
          raw,
          stats.count * (measured?.batchPerRun ?? batch),
          telemetry ?? {},
        )
      : undefined;
    for (const w of telemetrySummary?.warnings ?? []) warnings.push(w.message);
    if (stats.cv > 0.1)
      warnings.push(
        `latency varies a lot (CV ${(stats.cv * 100).toFixed(1)}%): other load on this machine, or throttling`,
      );
    if (engineOptions.profile) warnings.push('profiling was on: the profiler adds overhead to every run');
    const samplesMs = Array.from(raw.samplesMs);
    // Taken before the model is parsed for counting, which would add its own memory.
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    // A scenario that batches differently ran other shapes than those counted: no figure then.
    const countedShapesRan = (measured?.batchPerRun ?? batch) === batch;
    const compute = await runCompute(
      countedShapesRan ? options : { ...options, compute: false },
      shapes,
      tensors,
      stats.medianMs,
      {
        cpu: host.cpu,
        executionProvider: engineOptions.executionProvider,
        threads: engineOptions.intraOpThreads,
      },
    ).catch((error: unknown) => {
      warnings.push(
        `the operations of the model could not be counted, so no compute rate: ${messageOf(error)}`,
      );
      return undefined;
    });
    return {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'edgebench', version: EDGEBENCH_VERSION },
      createdAt: new Date().toISOString(),
      model: {
        path: path.resolve(options.modelPath),
        name: options.modelName ?? path.basename(options.modelPath),
        sha256,
        sizeBytes: modelStat.size,
        inputs: loaded.inputs.map((i) => ({ name: i.name, type: String(i.type), shape: [...i.shape] })),
        outputs: loaded.outputs.map((o) => ({ name: o.name, type: String(o.type), shape: [...o.shape] })),
        ...(loaded.opsetUpgrade ? { opsetUpgrade: loaded.opsetUpgrade } : {}),
      },
      config: {
        requested: options.requested ?? {},
        effective: {
          engine: engine.name,
          executionProvider: engineOptions.executionProvider,
          intraOpThreads: engineOptions.intraOpThreads,
          interOpThreads: engineOptions.interOpThreads,
          graphOptLevel: engineOptions.graphOptLevel,
          executionMode: engineOptions.executionMode,
          providerOptions: engineOptions.providerOptions,
          batch,
          shapes,
          inputSource: inputSourceOf(loaded.inputs.length, given.length),
          ...(Object.keys(values).length > 0 ? { inputValues: values } : {}),
          seed: options.seed ?? DEFAULT_SEED,
          stopRules,
          deadlineMs: options.deadlineMs ?? null,
          profile: engineOptions.profile,
          opsetUpgrade: engineOptions.opsetUpgrade,
          timedCall: loaded.runBlocking && !measured ? 'blocking' : 'async',
        },
      },
      environment: {
        host: host as unknown as Record<string, unknown>,
        onnxruntime: onnxruntimeVersion(),
        edgebench: EDGEBENCH_VERSION,
      },
      coldStartMs,
      firstInferenceMs: raw.firstInferenceMs,
      warmup: { count: raw.warmupCount, timeMs: raw.warmupTimeMs },
      stopReason: raw.stopReason,
      stats,
      peakRssBytes,
      ...(compute ? { compute } : {}),
      ...(options.deadlineMs !== undefined
        ? {
            deadline: {
              deadlineMs: options.deadlineMs,
              misses: Math.round(
                deadlineMissFraction(raw.samplesMs, options.deadlineMs) * raw.samplesMs.length,
              ),
              missFraction: deadlineMissFraction(raw.samplesMs, options.deadlineMs),
            },
          }
        : {}),
      ...(profile ? { profile } : {}),
      ...(measured ? { scenario: measured.scenario } : {}),
      ...(telemetrySummary ? { telemetry: telemetrySummary } : {}),
      ...(outputsExported ? { outputsExported } : {}),
      window: { startEpochMs: raw.startEpochMs, endEpochMs: raw.endEpochMs },
      warnings,
      samplesMs,
    };
  } finally {
    await loaded.dispose();
  }
}

async function runCompute(
  options: BenchmarkOptions,
  shapes: Record<string, number[]>,
  tensors: Record<string, HostTensor>,
  medianMs: number,
  context: Parameters<typeof computeRate>[2],
): Promise<RunCompute | undefined> {
  if (options.compute === false) return undefined;
  const count = options.compute ?? (await countCompute(options.modelPath, shapes, tensors));
  return computeRate(count, medianMs, context);
}

/** A runner whose inputs have leading dimension `n` (scenarios that batch differently); throws if impossible. */
async function runnerForBatch(
  loaded: LoadedModel,
  options: BenchmarkOptions,
  n: number,
): Promise<() => Promise<unknown>> {
  if (Object.keys(options.inputFiles ?? {}).length > 0)
    throw new UserError('inputs from files keep their own batch');
  const shapes = Object.fromEntries(
    Object.entries(options.shapes ?? {}).map(([name, dims]) => [name, [n, ...dims.slice(1)]]),
  );
  const prepared = await prepareInputs(loaded, { ...options, batch: n, shapes });
  if (batchOf(prepared.shapes, loaded.inputs[0]?.name) !== n) throw new UserError(`the batch stays fixed`);
  const feeds = loaded.prepareFeeds(prepared.tensors);
  return () => loaded.run(feeds);
}

/**
 * Telemetry over the steady-state window; energy is per sample (one input of the batch), and latency
 * drift within the run joins the throttling warnings.
 */
function summarizeRunTelemetry(
  record: TelemetryRecord,
  raw: RawMeasurement,
  samples: number,
  options: TelemetryRunOptions,
): TelemetrySummary {
  const summary = summarizeTelemetry(
    record,
    { startMs: raw.startEpochMs, endMs: raw.endEpochMs },
    {
      inferences: samples,
      gridIntensityGPerKWh: options.gridIntensityGPerKWh,
      estimateEnergy: options.estimateEnergy,
      tdpWatts: options.tdpWatts,
    },
  );
  summary.warnings.push(...detectDrift(Array.from(raw.samplesMs)).warnings);
  return summary;
}

/** `files` only when every input came from --input (a file or a value): then the seed played no part. */
function inputSourceOf(inputs: number, fromFiles: number): RunResult['config']['effective']['inputSource'] {
  if (fromFiles === 0) return 'synthetic';
  return fromFiles >= inputs ? 'files' : 'mixed';
}

/** The batch size: the leading dimension of the first input (1 for scalars). */
function batchOf(shapes: Record<string, number[]>, firstInput: string | undefined): number {
  const dims = firstInput ? shapes[firstInput] : undefined;
  return dims && dims.length > 0 ? dims[0] : 1;
}
