import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineUnavailableError, UserError } from '../../errors.js';
import { resolveInputShapes } from '../../onnx/shapes.js';
import type { TensorInfo } from '../../onnx/tensor.js';
import type { Engine, EngineProbe, OutOfProcessSession } from '../engine.js';
import type { ExternalMeasurement, ExternalMeasureSettings } from '../external.js';
import { describeFailure } from '../subprocess.js';
import { buildArgs, flavorOf, precisionFlags, runArgs, shapesSpec, trtexecTiming } from './args.js';
import {
  type CachedEngine,
  commitEngine,
  discardEngine,
  type EngineCacheEntry,
  engineCacheKey,
  lookupEngine,
  reserveEngine,
  timingCacheName,
} from './cache.js';
import { type LocalHostSettings, localTrtexecHost, type TrtexecHost } from './host.js';
import {
  GPU_DEVICE_NODES,
  identifyTrtexec,
  TRTEXEC_DEFAULT_LOCATIONS,
  type TrtexecIdentity,
  type TrtexecLocation,
} from './locate.js';
import { readOnnxIo } from './model-io.js';
import { DEFAULT_TRTEXEC_OPTIONS, type TrtexecOptions, validateTrtexecOptions } from './options.js';
import { type PlanOutputs, planOutputs } from './outputs.js';
import { parseTrtexecLog, type TrtexecLog, trtexecFailureReason } from './parse-log.js';
import {
  type LayerProfile,
  parseExportProfile,
  parseExportTimes,
  type QueryTime,
  splitWarmup,
} from './parse-times.js';

/**
 * Where the engine runs trtexec: this machine (the settings say where it looks; tests point them at
 * temporary files), or `host`, another place such as a board behind a target.
 */
export interface TrtexecEnvironment extends LocalHostSettings {
  host?: TrtexecHost;
}

/** What decides the plan a run gets: the batch and shapes it is built for, and its precision. */
export type TrtexecPlanSettings = Pick<ExternalMeasureSettings, 'batch' | 'shapes' | 'precision' | 'signal'>;

/** A plan ready to run, and what it was made from (preparePlan). */
interface PreparedPlan {
  location: TrtexecLocation;
  identity: TrtexecIdentity;
  /** The TensorRT version as the cache key names it. */
  tensorrt: string;
  prebuilt: boolean;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Every input's shape, and those of the dynamic inputs (the plan's one optimization profile). */
  shapes: Record<string, number[]>;
  dynamicShapes: Record<string, number[]>;
  batch: number;
  /** The plan where trtexec runs, and the cache's record of it. */
  engine: { path: string; cache: Record<string, unknown> };
}

const ENGINE_SUFFIXES = ['.engine', '.plan', '.trt'];
const TOP_LAYERS = 25;
const GPU_TROUBLE =
  /no CUDA-capable device|CUDA driver version is insufficient|cudaErrorNoDevice|CUDA initialization failure/i;

function sampleOf(query: QueryTime, metric: TrtexecOptions['sampleMetric']): number {
  if (metric === 'gpuCompute') return query.computeMs;
  if (metric === 'endToEnd') return query.endToEndMs ?? query.latencyMs;
  return query.latencyMs;
}

const METRIC_WORDS: Record<TrtexecOptions['sampleMetric'], string> = {
  latency: 'trtexec latency per query: H2D copy + GPU compute + D2H copy (CUDA events)',
  gpuCompute: 'trtexec GPU compute time per query (CUDA events, kernels only)',
  endToEnd: 'trtexec end-to-end host latency per query (includes waiting behind the previous query)',
};

function topLayers(profile: LayerProfile) {
  return {
    runs: profile.runs,
    layers: [...profile.layers].sort((a, b) => b.totalMs - a.totalMs).slice(0, TOP_LAYERS),
  };
}

export class TrtexecEngine implements Engine<TrtexecOptions> {
  readonly id = 'trtexec';
  /** Where trtexec runs and its files are. */
  readonly host: TrtexecHost;

  constructor(private readonly where: TrtexecEnvironment = {}) {
    this.host = where.host ?? localTrtexecHost(where);
  }

  /** trtexec runs its own timing loop in another process: the session measures there. No variants. */
  async open(
    model: string,
    partial: Partial<TrtexecOptions> = {},
    variant?: string,
  ): Promise<OutOfProcessSession> {
    if (variant !== undefined)
      throw new UserError(`the trtexec engine has no variants ('trtexec/${variant}')`);
    validateTrtexecOptions({ ...DEFAULT_TRTEXEC_OPTIONS, ...partial });
    return {
      kind: 'out-of-process',
      where: { kind: 'child-process', label: 'trtexec (child process)' },
      measure: (settings) => this.measure(model, settings, partial),
      dispose: async () => {},
    };
  }

  async probe(): Promise<EngineProbe[]> {
    const id = 'trtexec';
    let location: Awaited<ReturnType<TrtexecHost['locate']>>;
    try {
      location = await this.host.locate();
    } catch (error) {
      return [{ id, bundled: false, available: false, reason: (error as Error).message }];
    }
    if (!location) {
      return [
        {
          id,
          bundled: false,
          available: false,
          reason: `trtexec not found on PATH or in ${(this.where.defaultLocations ?? TRTEXEC_DEFAULT_LOCATIONS).join(', ')} (it ships with TensorRT and JetPack; or pass --trtexec PATH / set EDGEBENCH_TRTEXEC)`,
        },
      ];
    }
    const identity = await identifyTrtexec(location.path, this.host);
    const what = `trtexec at ${location.path}${identity.version ? ` (TensorRT ${identity.version})` : ''}`;
    if (!identity.runs)
      return [{ id, bundled: false, available: false, reason: `${what}: ${identity.error}` }];
    const gpu = await this.host.visibleGpu();
    if (!gpu) {
      return [
        {
          id,
          bundled: false,
          available: false,
          reason: `${what} found, but no NVIDIA GPU is visible (no ${(this.where.gpuDeviceNodes ?? GPU_DEVICE_NODES).join(', ')})`,
        },
      ];
    }
    const found: EngineProbe = { id, bundled: false, available: true, detail: what };
    return [found];
  }

  /** One measurement of `model` by trtexec (what an opened session's `measure` runs). */
  async measure(
    model: string,
    settings: ExternalMeasureSettings,
    partial: Partial<TrtexecOptions> = {},
  ): Promise<ExternalMeasurement> {
    const options = validateTrtexecOptions({ ...DEFAULT_TRTEXEC_OPTIONS, ...partial });
    const log = settings.onLog ?? (() => {});
    const warnings: string[] = [];
    const plan = await this.preparePlan(model, settings, options, log, warnings);
    const { location, identity, tensorrt, prebuilt, shapes, dynamicShapes, batch } = plan;
    const engineInfo = plan.engine;
    let { inputs, outputs } = plan;
    const host = this.host;

    // Run.
    const timing = trtexecTiming(settings.stopRules);
    if (timing.unsupported) warnings.push(timing.unsupported);
    const work = await host.makeWorkDir();
    try {
      const exportTimesPath = host.join(work, 'times.json');
      const exportProfilePath = options.profile ? host.join(work, 'profile.json') : undefined;
      const args = runArgs({
        enginePath: engineInfo.path,
        timing,
        exportTimesPath,
        ...(exportProfilePath ? { exportProfilePath } : {}),
        dynamicShapes,
        useSpinWait: options.useSpinWait,
        noDataTransfers: options.noDataTransfers,
        useCudaGraph: options.useCudaGraph,
        deviceIndex: options.deviceIndex,
        extra: options.extraRunArgs,
      });
      const plannedMs = timing.warmUpMs + timing.durationS * 1000;
      const timeoutMs = options.runTimeoutSlackMs > 0 ? plannedMs * 3 + options.runTimeoutSlackMs : 0;
      log(
        `trtexec: running ${path.basename(engineInfo.path)} (warm-up ${timing.warmUpMs} ms, ≥ ${timing.durationS} s, ≥ ${timing.iterations} queries)`,
      );
      const outcome = await host.run(location.path, args, {
        timeoutMs,
        ...(settings.signal ? { signal: settings.signal } : {}),
      });
      const output = `${outcome.stdout}\n${outcome.stderr}`;
      const parsed = parseTrtexecLog(output);
      if (outcome.code !== 0 || parsed.passed === false) {
        const why = `${describeFailure('trtexec', outcome, timeoutMs)}: ${trtexecFailureReason(parsed, output)}`;
        if (GPU_TROUBLE.test(output))
          throw new EngineUnavailableError(`trtexec cannot use the GPU on ${host.label} — ${why}`);
        throw new UserError(`trtexec could not run the engine for ${model} — ${why}`);
      }
      const timesText = await host.readText(exportTimesPath);
      if (timesText === undefined)
        throw new UserError(
          `trtexec finished but wrote no --exportTimes file (${exportTimesPath}); is this trtexec older than TensorRT 7?`,
        );
      const times = parseExportTimes(timesText);
      const split = splitWarmup(times, parsed, timing.warmUpMs);
      if (split.steady.length === 0)
        throw new UserError('trtexec reported no timed queries; raise --min-time or --min-count');
      let metric = options.sampleMetric;
      if (metric === 'endToEnd' && !times.hasEndToEnd) {
        warnings.push(
          `this trtexec (TensorRT ${parsed.tensorrtVersion ?? tensorrt}) exports no end-to-end times; samples are latency instead`,
        );
        metric = 'latency';
      }
      if (parsed.timing && parsed.timing.queries !== split.steady.length)
        warnings.push(
          `trtexec's log counts ${parsed.timing.queries} timed queries, its export ${split.steady.length}; the export was used`,
        );
      for (const w of parsed.warnings
        .filter((w) => /unstable|may be bound|under-utilized/i.test(w))
        .slice(0, 4)) {
        if (!w.startsWith('  ')) warnings.push(`trtexec: ${w.replace(/^\* /, '')}`);
      }
      const samplesMs = Float64Array.from(split.steady, (q) => sampleOf(q, metric));
      let profile: LayerProfile | undefined;
      if (exportProfilePath) {
        const text = await host.readText(exportProfilePath);
        if (text) profile = parseExportProfile(text);
        else warnings.push('trtexec wrote no layer profile');
      }
      const coldParts = [parsed.engineLoadS, parsed.engineDeserializeS].filter(
        (v): v is number => v !== undefined,
      );
      const firstWarmup = split.warmup[0];
      if (outputs.length === 0 && parsed.outputs.length > 0)
        outputs = parsed.outputs.map((b) => ({ name: b.name, type: 'unknown', shape: b.dims }));
      if (inputs.length === 0 && parsed.inputs.length > 0)
        inputs = parsed.inputs.map((b) => ({ name: b.name, type: 'unknown', shape: b.dims }));
      return {
        engine: 'trtexec',
        engineVersion: parsed.tensorrtVersion ?? identity.version ?? 'unknown',
        sampleMetric: METRIC_WORDS[metric],
        samplesMs,
        coldStartMs: coldParts.length > 0 ? coldParts.reduce((a, b) => a + b, 0) * 1000 : null,
        firstInferenceMs: firstWarmup ? sampleOf(firstWarmup, metric) : null,
        warmup: { count: parsed.warmup?.queries ?? null, timeMs: parsed.warmup?.ms ?? null },
        stopReason: 'min-reached',
        window: { startEpochMs: outcome.startEpochMs, endEpochMs: outcome.endEpochMs },
        inputs,
        outputs,
        shapes,
        batch,
        effectiveStopRules: timing.effective,
        device: parsed.device ?? (await host.gpuName()),
        provider: 'tensorrt',
        graphOptimization: prebuilt ? 'tensorrt-builder (prebuilt engine)' : 'tensorrt-builder',
        precision: prebuilt ? 'as built' : settings.precision,
        options: {
          precision: settings.precision,
          workspaceMiB: options.workspaceMiB,
          timingCache: options.timingCache,
          useSpinWait: options.useSpinWait,
          noDataTransfers: options.noDataTransfers,
          useCudaGraph: options.useCudaGraph,
          sampleMetric: metric,
          deviceIndex: options.deviceIndex,
          ...(options.calibrationCachePath ? { calibrationCache: options.calibrationCachePath } : {}),
        },
        intraOpThreads: 0,
        interOpThreads: 0,
        peakRssBytes: null,
        extras: {
          trtexec: { path: location.path, foundVia: location.source, versionFrom: identity.versionSource },
          runArgs: args,
          engineCache: engineInfo.cache,
          warmupSplit: split.method,
          summary: {
            throughputQps: parsed.throughputQps,
            latency: parsed.latency,
            endToEnd: parsed.endToEnd,
            enqueue: parsed.enqueue,
            h2d: parsed.h2d,
            gpuCompute: parsed.gpuCompute,
            d2h: parsed.d2h,
            totalHostWalltimeS: parsed.totalHostWalltimeS,
            totalGpuComputeS: parsed.totalGpuComputeS,
            computeCapability: parsed.computeCapability,
          },
          coldStart: {
            engineLoadS: parsed.engineLoadS ?? null,
            engineDeserializeS: parsed.engineDeserializeS ?? null,
          },
          perQueryMeansMs: meansOf(split.steady),
          ...(profile ? { layerProfile: topLayers(profile) } : {}),
        },
        warnings,
      };
    } finally {
      await host.removeDir(work);
    }
  }

  /**
   * `model`'s outputs on given inputs from the plan a measurement with the same settings and options
   * runs (the cached one when there is one: built once, whichever asks first), so TensorRT's fidelity
   * at a precision is that engine's own. Needs the ONNX file: its declared inputs and outputs say
   * what each tensor is.
   */
  async openOutputs(
    model: string,
    settings: TrtexecPlanSettings & { onLog?(line: string): void },
    partial: Partial<TrtexecOptions> = {},
  ): Promise<PlanOutputs & { warnings: string[] }> {
    const options = validateTrtexecOptions({ ...DEFAULT_TRTEXEC_OPTIONS, ...partial });
    const warnings: string[] = [];
    const plan = await this.preparePlan(model, settings, options, settings.onLog ?? (() => {}), warnings);
    if (plan.prebuilt)
      throw new UserError(
        `outputs of a prebuilt engine (${path.basename(model)}) need the model's declared inputs and outputs: give its ONNX file`,
      );
    if (plan.inputs.length === 0)
      throw new UserError(`cannot run ${model} on given inputs: ${warnings[0] ?? 'its inputs are unknown'}`);
    const opened = await planOutputs(
      this.host,
      {
        enginePath: plan.engine.path,
        inputs: plan.inputs,
        outputs: plan.outputs,
        shapes: plan.shapes,
        dynamicShapes: plan.dynamicShapes,
        ...(plan.identity.version ? { tensorrtVersion: plan.identity.version } : {}),
      },
      {
        ...(options.trtexecPath ? { trtexecPath: options.trtexecPath } : {}),
        deviceIndex: options.deviceIndex,
        ...(settings.signal ? { signal: settings.signal } : {}),
      },
    );
    return { ...opened, warnings };
  }

  /**
   * The engine plan a measurement of `model` with these settings runs, and what it was made from:
   * trtexec located, identified and checked against the GPU, the model's inputs resolved to shapes,
   * the plan built or found in the engine cache (keyed by model, TensorRT version, GPU and build
   * flags). A measurement and an outputs run with the same settings get the same plan.
   */
  private async preparePlan(
    model: string,
    settings: TrtexecPlanSettings,
    options: TrtexecOptions,
    log: (line: string) => void,
    warnings: string[],
  ): Promise<PreparedPlan> {
    const modelInfo = await stat(model).catch(() => undefined);
    if (!modelInfo?.isFile()) throw new UserError(`model file not found: ${model}`);
    const host = this.host;
    const location = await host.locate(options.trtexecPath);
    if (!location) {
      throw new EngineUnavailableError(
        'trtexec not found: install TensorRT (JetPack ships it in /usr/src/tensorrt/bin), put it on PATH, or pass --trtexec PATH',
      );
    }
    const identity = await identifyTrtexec(location.path, host);
    if (!identity.runs)
      throw new EngineUnavailableError(`trtexec at ${location.path} cannot run: ${identity.error}`);
    if (!(await host.visibleGpu()))
      throw new EngineUnavailableError(`trtexec needs an NVIDIA GPU, and none is visible on ${host.label}`);
    const flavor = flavorOf(identity);
    const tensorrt = identity.version ?? `unknown:${(await host.sha256(location.path)).slice(0, 16)}`;
    if (!identity.version)
      warnings.push(
        'the TensorRT version could not be read from trtexec; engine cache entries are keyed by the trtexec binary instead',
      );

    // Inputs: names, declared shapes, and which need --shapes.
    const prebuilt = ENGINE_SUFFIXES.includes(path.extname(model).toLowerCase());
    let inputs: TensorInfo[] = [];
    let outputs: TensorInfo[] = [];
    if (!prebuilt) {
      const io = await readOnnxIo(model);
      if ('error' in io) {
        warnings.push(
          `could not read the model's inputs with onnxruntime (${io.error}); only explicit shapes are passed to trtexec`,
        );
      } else {
        inputs = io.inputs;
        outputs = io.outputs;
      }
    }
    const shapes: Record<string, number[]> = {};
    const dynamicShapes: Record<string, number[]> = {};
    if (inputs.length > 0) {
      const resolved = resolveInputShapes(inputs, { batch: settings.batch, shapes: settings.shapes });
      for (const info of inputs) {
        const dims = resolved[info.name];
        shapes[info.name] = dims;
        if (info.shape.some((d) => typeof d !== 'number' || d <= 0)) dynamicShapes[info.name] = dims;
      }
    } else {
      Object.assign(shapes, settings.shapes ?? {});
      Object.assign(dynamicShapes, settings.shapes ?? {});
      if (settings.batch !== undefined && !settings.shapes)
        warnings.push('batch was not applied: the model inputs are unknown, give full shapes instead');
    }
    const firstShape = shapes[inputs[0]?.name ?? Object.keys(shapes)[0] ?? ''];
    const batch = firstShape && firstShape.length > 0 ? firstShape[0] : (settings.batch ?? 1);

    if ((settings.precision === 'int8' || settings.precision === 'best') && !options.calibrationCachePath)
      warnings.push(
        'INT8 without a calibration cache: unless the model carries Q/DQ scales, TensorRT uses placeholder ranges — speed is representative, outputs are not',
      );

    // Build (or find) the engine.
    const cacheDir = await host.engineCacheDir(options.cacheDir);
    let engine: PreparedPlan['engine'];
    if (prebuilt) {
      engine = { path: (await host.stage(model)).path, cache: { prebuilt: true } };
      if (settings.precision !== 'fp32')
        warnings.push(
          `precision '${settings.precision}' ignored: a prebuilt engine runs in the precision it was built with`,
        );
    } else {
      engine = await this.buildOrReuse({
        model,
        settings,
        options,
        flavor,
        tensorrt,
        dynamicShapes,
        cacheDir,
        trtexecPath: location.path,
        log,
      });
    }
    return { location, identity, tensorrt, prebuilt, inputs, outputs, shapes, dynamicShapes, batch, engine };
  }

  private async buildOrReuse(job: {
    model: string;
    settings: TrtexecPlanSettings;
    options: TrtexecOptions;
    flavor: ReturnType<typeof flavorOf>;
    tensorrt: string;
    dynamicShapes: Record<string, number[]>;
    cacheDir: string;
    trtexecPath: string;
    log: (line: string) => void;
  }): Promise<{ path: string; cache: Record<string, unknown> }> {
    const { model, settings, options, flavor, tensorrt, dynamicShapes, cacheDir } = job;
    const host = this.host;
    const calibrationPath = options.calibrationCachePath;
    const [onnx, gpu, calibration] = await Promise.all([
      host.stage(model),
      host.gpuName(),
      calibrationPath ? stageCalibration(host, calibrationPath) : Promise.resolve(undefined),
    ]);
    const modelSha256 = onnx.sha256;
    const calibrationSha256 = calibration?.sha256;
    const flags = [
      ...precisionFlags(settings.precision),
      ...(options.workspaceMiB > 0 ? [`workspace=${options.workspaceMiB}MiB`] : []),
      ...(shapesSpec(dynamicShapes) ? [`shapes=${shapesSpec(dynamicShapes)}`] : []),
      ...(options.deviceIndex > 0 ? [`device=${options.deviceIndex}`] : []),
      ...options.extraBuildArgs,
    ];
    const parts = { modelSha256, tensorrt, gpu, flags, ...(calibrationSha256 ? { calibrationSha256 } : {}) };
    const key = engineCacheKey(parts);
    const cached: CachedEngine | undefined = options.rebuild
      ? undefined
      : await lookupEngine(host, cacheDir, key);
    if (cached) {
      job.log(`trtexec: using cached engine ${cached.enginePath}`);
      return {
        path: cached.enginePath,
        cache: {
          hit: true,
          key,
          path: cached.enginePath,
          builtAt: cached.entry?.builtAt,
          buildWallMs: cached.entry?.buildWallMs,
          engineBuildS: cached.entry?.engineBuildS,
        },
      };
    }
    const reserved = await reserveEngine(host, cacheDir, key);
    const timingCachePath =
      options.timingCache && flavor.timingCache
        ? host.join(cacheDir, timingCacheName(tensorrt, gpu))
        : undefined;
    const args = buildArgs(
      {
        onnxPath: onnx.path,
        enginePath: reserved.tempPath,
        precision: settings.precision,
        workspaceMiB: options.workspaceMiB,
        ...(calibration ? { calibrationCachePath: calibration.path } : {}),
        ...(timingCachePath ? { timingCachePath } : {}),
        dynamicShapes,
        deviceIndex: options.deviceIndex,
        extra: options.extraBuildArgs,
      },
      flavor,
    );
    job.log(
      `trtexec: building a TensorRT engine (${settings.precision}) from ${path.basename(model)}; this can take minutes`,
    );
    const started = Date.now();
    const outcome = await host.run(job.trtexecPath, args, {
      timeoutMs: options.buildTimeoutMs,
      ...(settings.signal ? { signal: settings.signal } : {}),
      onStdoutLine: (line) => {
        if (/\[E\]|Engine built in/.test(line)) job.log(`trtexec: ${line}`);
      },
    });
    const buildWallMs = Date.now() - started;
    const output = `${outcome.stdout}\n${outcome.stderr}`;
    const parsed: TrtexecLog = parseTrtexecLog(output);
    const built = ((await host.fileSize(reserved.tempPath)) ?? 0) > 0;
    if (outcome.code !== 0 || parsed.passed === false || !built) {
      await discardEngine(host, reserved);
      const why = `${describeFailure('trtexec', outcome, options.buildTimeoutMs)}: ${trtexecFailureReason(parsed, output)}`;
      if (GPU_TROUBLE.test(output))
        throw new EngineUnavailableError(`trtexec cannot use the GPU on ${host.label} — ${why}`);
      throw new UserError(`trtexec could not build a TensorRT engine from ${model} — ${why}`);
    }
    const entry: EngineCacheEntry = {
      key,
      parts,
      modelPath: onnx.path,
      builtAt: new Date().toISOString(),
      buildWallMs,
      ...(parsed.engineBuildS !== undefined ? { engineBuildS: parsed.engineBuildS } : {}),
      ...(parsed.device ? { device: parsed.device } : {}),
      buildArgs: args,
    };
    await commitEngine(host, reserved, entry);
    return {
      path: reserved.enginePath,
      cache: {
        hit: false,
        key,
        path: reserved.enginePath,
        buildWallMs,
        engineBuildS: parsed.engineBuildS ?? null,
        buildArgs: args,
      },
    };
  }
}

/** The INT8 calibration cache (a file here) where trtexec reads it. */
async function stageCalibration(host: TrtexecHost, file: string) {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UserError(`INT8 calibration cache not found: ${file}`);
  return host.stage(file);
}

function meansOf(queries: readonly QueryTime[]): Record<string, number | null> {
  const mean = (pick: (q: QueryTime) => number | undefined) => {
    const values = queries.map(pick).filter((v): v is number => v !== undefined);
    return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
  };
  return {
    latencyMs: mean((q) => q.latencyMs),
    computeMs: mean((q) => q.computeMs),
    h2dMs: mean((q) => q.h2dMs),
    d2hMs: mean((q) => q.d2hMs),
    enqueueMs: mean((q) => q.enqueueMs),
    endToEndMs: mean((q) => q.endToEndMs),
  };
}
