/** `edgebench run MODEL`: benchmark one model with trustworthy statistics. */
import { access, constants, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXECUTION_MODES,
  GRAPH_OPT_LEVELS,
  ORT_EXECUTION_PROVIDERS,
  type OrtEngineOptions,
} from '../engines/ort-options.js';
import { InterruptedError, isInterruptedError, UserError } from '../errors.js';
import type { LoopHooks, LoopPhase } from '../measure/loop.js';
import type { ScenarioRequest } from '../measure/scenarios/index.js';
import { SCENARIOS, type ScenarioName } from '../measure/scenarios/settings.js';
import { DEFAULT_STOP_RULES, type StopRules } from '../measure/settings.js';
import { formatRunResult } from '../report/run-table.js';
import { checkExportTarget } from '../workloads/export-outputs.js';
import { parseInputFlag, parseShapeFlag } from '../workloads/shapes.js';
import { choiceFlag, collect, intFlag, keyValueFlag, numberFlag, threadsFlag } from './flags.js';
import { handleStopSignals } from './shutdown.js';
import { printableText, terminalJson, writeWarning } from './terminal.js';

interface RunFlags {
  ep: OrtEngineOptions['executionProvider'];
  threads?: number;
  interOpThreads?: number;
  optLevel: OrtEngineOptions['graphOptLevel'];
  executionMode: OrtEngineOptions['executionMode'];
  providerOption?: Record<string, string | number | boolean>;
  batch?: number;
  shape?: string[];
  input?: string[];
  seed?: number;
  warmupTime?: number;
  warmupCount?: number;
  minTime?: number;
  minCount?: number;
  maxCount?: number;
  maxTime?: number;
  relCi?: number;
  deadlineMs?: number;
  telemetryInterval: number;
  gridIntensity?: number;
  estimateEnergy?: boolean;
  tdpWatts?: number;
  profile?: boolean;
  scenario?: ScenarioName;
  samplesPerQuery?: number;
  qps?: number;
  latencyBoundMs?: number;
  latencyPercentile?: number;
  durationMs?: number;
  minQueryCount?: number;
  minSampleCount?: number;
  maxDurationMs?: number;
  json?: string;
  verbose?: boolean;
  outputsOnDevice?: boolean;
  graphCapture?: boolean;
  opsetUpgrade: boolean;
  exportOutputs?: string;
}

export function register(command: Command): void {
  command
    .argument('<model>', 'ONNX file path, or zoo:NAME[?classes=N]')
    .option(
      '--ep <provider>',
      `execution provider: ${ORT_EXECUTION_PROVIDERS.join('|')}`,
      choiceFlag('--ep', ORT_EXECUTION_PROVIDERS),
      'cpu',
    )
    .option('--threads <n>', 'intra-op threads (0 = onnxruntime decides)', threadsFlag('--threads'))
    .option(
      '--inter-op-threads <n>',
      'inter-op threads (parallel execution mode)',
      threadsFlag('--inter-op-threads'),
    )
    .option(
      '--opt-level <level>',
      `graph optimization level: ${GRAPH_OPT_LEVELS.join('|')}`,
      choiceFlag('--opt-level', GRAPH_OPT_LEVELS),
      'all',
    )
    .option(
      '--execution-mode <mode>',
      `${EXECUTION_MODES.join('|')}`,
      choiceFlag('--execution-mode', EXECUTION_MODES),
      'sequential',
    )
    .option(
      '--provider-option <key=value>',
      'passed to the execution provider (repeatable)',
      keyValueFlag('--provider-option'),
    )
    .option(
      '--batch <n>',
      "batch size: sets a symbolic leading dimension (and that dimension's name in every input)",
      intFlag('--batch', 1),
    )
    .option(
      '--shape <name=dims>',
      'input shape, e.g. input=1x3x224x224 (repeatable); its dimension names bind across inputs',
      collect,
    )
    .option(
      '--input <name=file|value>',
      'input tensor from a .npy or .pb file, or a value for a scalar/1-D input, e.g. sr=16000 (repeatable)',
      collect,
    )
    .option('--seed <n>', 'seed for synthetic inputs', intFlag('--seed'))
    .option('--warmup-time <ms>', 'minimum warm-up time in ms', numberFlag('--warmup-time'))
    .option('--warmup-count <n>', 'minimum warm-up runs', intFlag('--warmup-count'))
    .option('--min-time <ms>', 'minimum steady-state time in ms', numberFlag('--min-time'))
    .option('--min-count <n>', 'minimum steady-state runs', intFlag('--min-count'))
    .option('--max-count <n>', 'maximum steady-state runs (0 = unbounded)', intFlag('--max-count'))
    .option(
      '--max-time <ms>',
      'maximum steady-state time in ms, also caps warm-up (0 = unbounded)',
      numberFlag('--max-time'),
    )
    .option(
      '--rel-ci <fraction>',
      'stop once the 95% CI of the median is within this fraction of it (0 = off)',
      numberFlag('--rel-ci'),
    )
    .option(
      '--deadline-ms <ms>',
      'report the fraction of runs slower than this deadline',
      positiveNumberFlag('--deadline-ms'),
    )
    .option('--profile', "onnxruntime's per-operator profile over the steady state")
    .option(
      '--outputs-on-device',
      'keep outputs on the GPU (WebGPU/CUDA) instead of copying them back after each run',
    )
    .option('--graph-capture', 'WebGPU graph capture: replay recorded command buffers (static shapes only)')
    .option(
      '--scenario <name>',
      `MLPerf LoadGen load pattern: ${SCENARIOS.join('|')} (default: the plain single-stream loop)`,
      choiceFlag('--scenario', SCENARIOS),
    )
    .option(
      '--samples-per-query <n>',
      'multi-stream: samples per query (default 8)',
      intFlag('--samples-per-query', 1),
    )
    .option('--qps <n>', 'server: Poisson arrival rate, queries per second', positiveNumberFlag('--qps'))
    .option(
      '--latency-bound-ms <ms>',
      'server: bound the percentile latency must stay under',
      positiveNumberFlag('--latency-bound-ms'),
    )
    .option(
      '--latency-percentile <p>',
      'percentile the scenario is judged by (default 90 single-stream, 99 multi-stream/server)',
      numberFlag('--latency-percentile'),
    )
    .option('--duration-ms <ms>', 'scenario minimum duration in ms', numberFlag('--duration-ms'))
    .option('--min-query-count <n>', 'scenario minimum query count', intFlag('--min-query-count'))
    .option('--min-sample-count <n>', 'offline: minimum sample count', intFlag('--min-sample-count'))
    .option(
      '--max-duration-ms <ms>',
      'scenario time cap in ms (0 = unbounded)',
      numberFlag('--max-duration-ms'),
    )
    .option(
      '--telemetry-interval <ms>',
      'sample CPU/GPU use, power, clocks and temperatures every MS beside the steady state (0 = off)',
      numberFlag('--telemetry-interval'),
      100,
    )
    .option(
      '--grid-intensity <g-per-kwh>',
      'grid carbon intensity for CO2e figures, g/kWh',
      numberFlag('--grid-intensity'),
    )
    .option(
      '--estimate-energy',
      'without an energy sensor, estimate energy from --tdp-watts (labelled an estimate)',
    )
    .option('--tdp-watts <w>', "the processor's TDP in W, for --estimate-energy", numberFlag('--tdp-watts'))
    .option(
      '--no-opset-upgrade',
      'do not upgrade a model whose opset onnxruntime cannot run (below 7) in memory; fail instead',
    )
    .option(
      '--export-outputs <path>',
      'write the outputs of one inference on the measured inputs: a folder of NAME.npy, or a .json file',
    )
    .option('--json <file>', 'write the full result (every sample) as JSON to FILE ("-" for stdout)')
    .option('--verbose', "show onnxruntime's own warnings")
    .option('--debug', 'show stack traces for errors')
    .action(async (model: string, flags: RunFlags, command: Command) => {
      const shapes = Object.fromEntries((flags.shape ?? []).map(parseShapeFlag));
      const inputFiles = Object.fromEntries((flags.input ?? []).map(parseInputFlag));
      const stopRules: Partial<StopRules> = dropUndefined({
        warmupTimeMs: flags.warmupTime,
        warmupCount: flags.warmupCount,
        minTimeMs: flags.minTime,
        minCount: flags.minCount,
        maxCount: flags.maxCount,
        maxTimeMs: flags.maxTime,
        relCi: flags.relCi,
      });
      if (stopRules.relCi !== undefined && stopRules.relCi >= 1)
        throw new UserError(`--rel-ci is a fraction below 1 (e.g. 0.01 for ±1%), got ${stopRules.relCi}`);
      checkMinimumsUnderCaps(stopRules);
      if (flags.estimateEnergy && !(flags.telemetryInterval > 0))
        throw new UserError(
          '--estimate-energy needs telemetry (the CPU utilization it scales the TDP by): drop --telemetry-interval 0',
        );
      if (flags.tdpWatts !== undefined && !flags.estimateEnergy)
        throw new UserError(
          '--tdp-watts is used only to estimate energy: add --estimate-energy (or drop --tdp-watts)',
        );
      const scenario = scenarioRequest(flags);
      // Checked before the run, so a long measurement is never lost to a bad --json path.
      if (flags.json && flags.json !== '-') await checkWritable(flags.json);
      if (flags.exportOutputs) await checkExportTarget(flags.exportOutputs);
      // Ctrl-C or SIGTERM: the measurement stops after the model run in hand; a partial run is not a
      // result, so nothing is printed or written.
      const shutdown = handleStopSignals({ stopping: 'the measurement is abandoned, nothing is written' });
      try {
        await measureAndReport({
          model,
          flags,
          command,
          shapes,
          inputFiles,
          stopRules,
          scenario,
          signal: shutdown.signal,
        });
      } finally {
        shutdown.dispose();
      }
    });
}

interface RunRequest {
  model: string;
  flags: RunFlags;
  command: Command;
  shapes: Record<string, number[]>;
  inputFiles: Record<string, string>;
  stopRules: Partial<StopRules>;
  scenario: ScenarioRequest | undefined;
  signal: AbortSignal;
}

/** The measurement and its output; interrupted, it throws an InterruptedError saying where it was. */
async function measureAndReport(request: RunRequest): Promise<void> {
  const { model, flags, command, shapes, inputFiles, stopRules, scenario, signal } = request;
  // What measures is loaded when a measurement runs, not when the command line is read.
  const [{ benchmark }, { resolveModelArg }, { createProgress }] = await Promise.all([
    import('../measure/benchmark.js'),
    import('./model-arg.js'),
    import('./progress.js'),
  ]);
  const resolved = await resolveModelArg(model);
  signal.throwIfAborted();
  const toStdout = flags.json === '-';
  const progress = toStdout ? undefined : createProgress(stopRules.minCount ?? 10);
  let phase: LoopPhase | 'loading' = 'loading';
  const hooks: LoopHooks = {
    ...progress?.hooks,
    onPhase: (p) => {
      phase = p;
      progress?.hooks.onPhase?.(p);
    },
  };
  const result = await benchmark({
    modelPath: resolved.path,
    modelName: resolved.name,
    engine: dropUndefined({
      executionProvider: flags.ep,
      intraOpThreads: flags.threads,
      interOpThreads: flags.interOpThreads,
      graphOptLevel: flags.optLevel,
      executionMode: flags.executionMode,
      providerOptions: flags.providerOption,
      profile: flags.profile === true,
      verbose: flags.verbose === true,
      outputsOnDevice: flags.outputsOnDevice === true,
      graphCapture: flags.graphCapture === true,
      opsetUpgrade: flags.opsetUpgrade,
    }),
    exportOutputs: flags.exportOutputs,
    batch: flags.batch,
    shapes,
    inputFiles,
    seed: flags.seed,
    stopRules,
    deadlineMs: flags.deadlineMs,
    scenario,
    telemetry:
      flags.telemetryInterval > 0
        ? dropUndefined({
            intervalMs: flags.telemetryInterval,
            gridIntensityGPerKWh: flags.gridIntensity,
            estimateEnergy: flags.estimateEnergy,
            tdpWatts: flags.tdpWatts,
          })
        : false,
    requested: { model, ...givenFlags(flags, command) },
    hooks,
    signal,
  })
    .catch((error: unknown) => {
      if (!isInterruptedError(error)) throw error;
      throw new InterruptedError(
        error.signal,
        `interrupted by ${error.signal} ${PHASE_WORDS[phase]}: no result written`,
      );
    })
    .finally(() => progress?.stop());
  for (const warning of result.warnings) writeWarning(warning);
  if (result.outputsExported)
    process.stderr.write(
      `outputs written to ${result.outputsExported.path} (${Object.keys(result.outputsExported.files).length} ${result.outputsExported.format === 'json' ? 'in JSON' : '.npy files'})\n`,
    );
  if (toStdout) {
    process.stdout.write(`${terminalJson(result)}\n`);
    return;
  }
  process.stdout.write(printableText(formatRunResult(result)));
  if (flags.json) {
    await writeFile(flags.json, `${JSON.stringify(result, null, 1)}\n`);
    process.stderr.write(`result written to ${flags.json}\n`);
  }
}

/** Where a run was when it was interrupted, for the one line that says so. */
const PHASE_WORDS: Readonly<Record<LoopPhase | 'loading', string>> = {
  loading: 'while loading the model',
  first: 'during the first inference',
  warmup: 'during warm-up',
  steady: 'during the steady state',
  done: 'while summarizing',
};

const SCENARIO_FLAG_NAMES: Readonly<Record<keyof Omit<ScenarioRequest, 'scenario'>, string>> = {
  samplesPerQuery: '--samples-per-query',
  targetQps: '--qps',
  latencyBoundMs: '--latency-bound-ms',
  latencyPercentile: '--latency-percentile',
  minDurationMs: '--duration-ms',
  minQueryCount: '--min-query-count',
  minSampleCount: '--min-sample-count',
  maxDurationMs: '--max-duration-ms',
  earlyStoppingConfidence: 'early-stopping confidence',
  seed: '--seed',
};

/** The scenario flags as a request; scenario-only flags without --scenario are refused. */
function scenarioRequest(flags: RunFlags): ScenarioRequest | undefined {
  const request = dropUndefined({
    samplesPerQuery: flags.samplesPerQuery,
    targetQps: flags.qps,
    latencyBoundMs: flags.latencyBoundMs,
    latencyPercentile: flags.latencyPercentile,
    minDurationMs: flags.durationMs,
    minQueryCount: flags.minQueryCount,
    minSampleCount: flags.minSampleCount,
    maxDurationMs: flags.maxDurationMs,
  });
  if (!flags.scenario) {
    const given = Object.keys(request).map((key) => SCENARIO_FLAG_NAMES[key as keyof typeof request]);
    if (given.length > 0)
      throw new UserError(
        `${given.join(', ')} ${given.length > 1 ? 'apply' : 'applies'} to a scenario only: add --scenario ${SCENARIOS.join('|')}`,
      );
    return undefined;
  }
  return { ...request, scenario: flags.scenario };
}

/** The flags as the user gave them: commander's defaults left out (results say what was asked). */
function givenFlags(flags: RunFlags, command: Command): Partial<RunFlags> {
  return Object.fromEntries(
    Object.entries(flags).filter(([key]) => command.getOptionValueSource(key) !== 'default'),
  ) as Partial<RunFlags>;
}

/** A minimum (or warm-up) above its cap would be silently cut short: refuse it and say which flag to raise. */
function checkMinimumsUnderCaps(rules: Partial<StopRules>): void {
  const maxCount = rules.maxCount ?? DEFAULT_STOP_RULES.maxCount;
  if (rules.minCount !== undefined && maxCount > 0 && rules.minCount > maxCount)
    throw new UserError(
      `--min-count ${rules.minCount} is above --max-count ${maxCount}: the run would stop at ${maxCount}; raise --max-count (0 = unbounded) or lower --min-count`,
    );
  const maxTimeMs = rules.maxTimeMs ?? DEFAULT_STOP_RULES.maxTimeMs;
  const cap = `--max-time ${maxTimeMs}${rules.maxTimeMs === undefined ? ' (the default cap)' : ''}`;
  if (rules.minTimeMs !== undefined && maxTimeMs > 0 && rules.minTimeMs > maxTimeMs)
    throw new UserError(
      `--min-time ${rules.minTimeMs} is above ${cap}: the run would stop at ${maxTimeMs} ms; raise --max-time (0 = unbounded) or lower --min-time`,
    );
  // The loop caps warm-up at maxTimeMs too (settings.ts): a longer warm-up would be cut short unseen.
  if (rules.warmupTimeMs !== undefined && maxTimeMs > 0 && rules.warmupTimeMs > maxTimeMs)
    throw new UserError(
      `--warmup-time ${rules.warmupTimeMs} is above ${cap}, which caps warm-up too: warm-up would stop at ${maxTimeMs} ms; raise --max-time (0 = unbounded) or lower --warmup-time`,
    );
}

/** --json FILE must be writable before the run starts. */
async function checkWritable(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory())
    throw new UserError(
      `--json ${file} is a directory: give a file path, e.g. ${path.join(file, 'result.json')}`,
    );
  const dir = path.dirname(path.resolve(file));
  try {
    await access(info ? file : dir, constants.W_OK);
  } catch {
    throw new UserError(
      info
        ? `--json ${file}: the file is not writable; choose another path`
        : `--json ${file}: cannot write in ${dir} (missing or not writable); create the folder or choose another path`,
    );
  }
}

function positiveNumberFlag(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new UserError(`${flag} must be a number > 0, got '${value}'`);
    return n;
  };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
