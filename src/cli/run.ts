/** `edgebench run MODEL`: benchmark one model with trustworthy statistics. */
import type { Command } from 'commander';
import type { LoopHooks, LoopPhase } from '../core/loop.js';
import type { StopRules } from '../core/settings.js';
import { EXTERNAL_PRECISIONS, type ExternalPrecision } from '../engines/external-precisions.js';
import { ENGINE_NAMES } from '../engines/names.js';
import { EXECUTION_MODES, GRAPH_OPT_LEVELS, type OrtEngineOptions } from '../engines/ort-options.js';
import { InterruptedError, isInterruptedError } from '../errors.js';
import { checkExportTarget } from '../inputs/export-outputs.js';
import { checkRunOnTarget, checkRunSettings, resolveRunEngine } from '../measure/request-checks.js';
import type { ScenarioRequest } from '../measure/scenarios/index.js';
import { SCENARIOS, type ScenarioName, scenarioRequestOf } from '../measure/scenarios/settings.js';
import { parseInputFlag, parseShapeFlag } from '../onnx/shapes.js';
import { jsonDocument } from '../report/documents.js';
import { formatRunResult } from '../report/run-table.js';
import { dropUndefined } from '../util/objects.js';
import {
  choiceFlag,
  collect,
  intFlag,
  keyValueFlag,
  numberFlag,
  positiveNumberFlag,
  threadsFlag,
} from './flags.js';
import { type JsonFlag, jsonOption, jsonToStdout, printResult } from './json-output.js';
import {
  executionProviderOption,
  type StopRuleFlags,
  stopRuleFlag,
  stopRuleOptions,
  stopRulesOf,
  threadsOption,
} from './shared-options.js';
import { handleStopSignals } from './shutdown.js';
import { printableText, writeWarning } from './terminal.js';

interface RunFlags extends StopRuleFlags {
  engine: string;
  python?: string;
  trtexec?: string;
  precision?: ExternalPrecision;
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
  json?: JsonFlag;
  verbose?: boolean;
  outputsOnDevice?: boolean;
  graphCapture?: boolean;
  opsetUpgrade: boolean;
  exportOutputs?: string;
  target?: string;
}

export function register(command: Command): void {
  jsonOption(command, 'the full result (every sample)')
    .argument(
      '<model>',
      'ONNX file path, or zoo:NAME[?classes=N]; for torch also an architecture name or TorchScript file',
    )
    .option(
      '--engine <name>',
      `what measures: ${ENGINE_NAMES.join('|')} (torch and trtexec run in their own process)`,
      choiceFlag('--engine', ENGINE_NAMES),
      'ort',
    )
    .option(
      '--target <target>',
      'measure on this device: a name saved with `edgebench target add`, or ssh://[user@]host[:port] (default: this machine)',
    )
    .option(
      '--python <path>',
      'torch: the Python interpreter (default: $EDGEBENCH_PYTHON, python3 on PATH, then /usr/bin/python3)',
    )
    .option(
      '--trtexec <path>',
      'trtexec: the binary (default: $EDGEBENCH_TRTEXEC, PATH, then /usr/src/tensorrt/bin/trtexec)',
    )
    .option(
      '--precision <p>',
      `torch (fp32|fp16) and trtexec (${EXTERNAL_PRECISIONS.join('|')}): what the engine builds or runs in`,
      choiceFlag('--precision', EXTERNAL_PRECISIONS),
    )
    .addOption(executionProviderOption())
    .addOption(threadsOption())
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
    .option('--seed <n>', 'seed for synthetic inputs', intFlag('--seed'));
  stopRuleOptions(command, {
    warmupTimeMs: 'minimum warm-up time in ms',
    warmupCount: 'minimum warm-up runs',
    minTimeMs: 'minimum steady-state time in ms',
    minCount: 'minimum steady-state runs',
    maxCount: 'maximum steady-state runs (0 = unbounded)',
    maxTimeMs: 'maximum steady-state time in ms, also caps warm-up (0 = unbounded)',
    relCi: 'stop once the 95% CI of the median is within this fraction of it (0 = off)',
  })
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
    .option('--verbose', "show onnxruntime's own warnings")
    .option('--debug', 'show stack traces for errors')
    .action(async (model: string, flags: RunFlags, command: Command) => {
      const shapes = Object.fromEntries((flags.shape ?? []).map(parseShapeFlag));
      const inputFiles = Object.fromEntries((flags.input ?? []).map(parseInputFlag));
      const stopRules = stopRulesOf(flags);
      checkRunSettings(
        {
          stopRules,
          telemetryIntervalMs: flags.telemetryInterval,
          ...dropUndefined({ estimateEnergy: flags.estimateEnergy, tdpWatts: flags.tdpWatts }),
        },
        stopRuleFlag,
      );
      const scenario = scenarioRequest(flags);
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
  const engine = engineFlags(flags, command);
  // What measures is loaded when a measurement runs, not when the command line is read.
  const [{ measure }, { resolveModelArg }, { createProgress }] = await Promise.all([
    import('../measure/measure.js'),
    import('./model-arg.js'),
    import('./progress.js'),
  ]);
  // onnxruntime runs the file a zoo spec generates; other engines resolve the spec their own way.
  const resolved =
    engine.id === 'ort'
      ? await resolveModelArg(model)
      : { path: model, name: undefined as string | undefined };
  signal.throwIfAborted();
  const progress = jsonToStdout(flags.json) ? undefined : createProgress(stopRules.minCount ?? 10);
  let phase: LoopPhase | 'loading' = 'loading';
  const hooks: LoopHooks = {
    ...progress?.hooks,
    onPhase: (p) => {
      phase = p;
      progress?.hooks.onPhase?.(p);
    },
  };
  const target = await connectRunTarget(flags, signal);
  const result = await measure({
    ...(target ? { target } : {}),
    engine: engine.name,
    model: resolved.path,
    ...(resolved.name ? { modelName: resolved.name } : {}),
    ...(flags.precision ? { precision: flags.precision } : {}),
    torch: dropUndefined({ python: flags.python, threads: flags.threads }),
    trtexec: dropUndefined({ trtexecPath: flags.trtexec, profile: flags.profile }),
    ort: dropUndefined({
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
    .finally(async () => {
      progress?.stop();
      await target?.transport.close();
    });
  for (const warning of result.warnings) writeWarning(warning);
  if (result.outputsExported)
    process.stderr.write(
      `outputs written to ${result.outputsExported.path} (${Object.keys(result.outputsExported.files).length} ${result.outputsExported.format === 'json' ? 'in JSON' : '.npy files'})\n`,
    );
  await printResult(flags.json, jsonDocument('run-result', result), () =>
    printableText(formatRunResult(result)),
  );
}

/** `--target`: connected (one SSH connection), probed, runners in place; undefined for this machine. */
async function connectRunTarget(flags: RunFlags, signal: AbortSignal) {
  if (!flags.target || flags.target === 'local') return undefined;
  checkRunOnTarget(flags.target, (setting) => flags[setting] !== undefined);
  const { connectTarget } = await import('../targets/sessions.js');
  process.stderr.write(`connecting to ${flags.target} …\n`);
  return connectTarget(flags.target, { signal });
}

/** `--engine` with `--ep` folded in, and the flags it rules out refused. */
function engineFlags(flags: RunFlags, command: Command): { id: string; name: string } {
  const engine = resolveRunEngine({
    engine: flags.engine,
    ep: flags.ep,
    ...(flags.precision ? { precision: flags.precision } : {}),
    given: (setting) => command.getOptionValueSource(setting) === 'cli',
  });
  flags.ep = engine.ep as OrtEngineOptions['executionProvider'];
  return engine;
}

/** Where a run was when it was interrupted, for the one line that says so. */
const PHASE_WORDS: Readonly<Record<LoopPhase | 'loading', string>> = {
  loading: 'while loading the model',
  first: 'during the first inference',
  warmup: 'during warm-up',
  steady: 'during the steady state',
  done: 'while summarizing',
};

/** The scenario flags as a request; scenario-only flags without --scenario are refused. */
function scenarioRequest(flags: RunFlags): ScenarioRequest | undefined {
  return scenarioRequestOf(flags.scenario, {
    samplesPerQuery: flags.samplesPerQuery,
    targetQps: flags.qps,
    latencyBoundMs: flags.latencyBoundMs,
    latencyPercentile: flags.latencyPercentile,
    minDurationMs: flags.durationMs,
    minQueryCount: flags.minQueryCount,
    minSampleCount: flags.minSampleCount,
    maxDurationMs: flags.maxDurationMs,
  });
}

/** The flags as the user gave them: commander's defaults left out (results say what was asked). */
function givenFlags(flags: RunFlags, command: Command): Partial<RunFlags> {
  return Object.fromEntries(
    Object.entries(flags).filter(([key]) => command.getOptionValueSource(key) !== 'default'),
  ) as Partial<RunFlags>;
}
