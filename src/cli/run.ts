/** `edgebench run MODEL`: benchmark one model with trustworthy statistics. */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  EXECUTION_MODES,
  GRAPH_OPT_LEVELS,
  ORT_EXECUTION_PROVIDERS,
  type OrtEngineOptions,
} from '../engines/ort-options.js';
import { UserError } from '../errors.js';
import { benchmark } from '../measure/benchmark.js';
import { SCENARIOS, type ScenarioName, type ScenarioRequest } from '../measure/scenarios/index.js';
import type { StopRules } from '../measure/settings.js';
import { formatRunResult } from '../report/run-table.js';
import { parseShapeFlag } from '../workloads/shapes.js';
import { parseInputFlag } from '../workloads/tensor-files.js';
import { choiceFlag, collect, intFlag, keyValueFlag, numberFlag } from './flags.js';
import { resolveModelArg } from './model-arg.js';
import { createProgress } from './progress.js';

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
}

export function register(program: Command): void {
  program
    .command('run')
    .description('benchmark one ONNX model (a file, or zoo:NAME) on one engine')
    .argument('<model>', 'ONNX file path, or zoo:NAME[?classes=N]')
    .option(
      '--ep <provider>',
      `execution provider: ${ORT_EXECUTION_PROVIDERS.join('|')}`,
      choiceFlag('--ep', ORT_EXECUTION_PROVIDERS),
      'cpu',
    )
    .option('--threads <n>', 'intra-op threads (0 = onnxruntime decides)', intFlag('--threads'))
    .option(
      '--inter-op-threads <n>',
      'inter-op threads (parallel execution mode)',
      intFlag('--inter-op-threads'),
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
    .option('--batch <n>', 'batch size: sets a symbolic leading dimension', intFlag('--batch', 1))
    .option('--shape <name=dims>', 'input shape, e.g. input=1x3x224x224 (repeatable)', collect)
    .option('--input <name=file>', 'input tensor from a .npy or .pb file (repeatable)', collect)
    .option('--seed <n>', 'seed for synthetic inputs', intFlag('--seed'))
    .option('--warmup-time <ms>', 'minimum warm-up time in ms', numberFlag('--warmup-time'))
    .option('--warmup-count <n>', 'minimum warm-up runs', intFlag('--warmup-count'))
    .option('--min-time <ms>', 'minimum steady-state time in ms', numberFlag('--min-time'))
    .option('--min-count <n>', 'minimum steady-state runs', intFlag('--min-count'))
    .option('--max-count <n>', 'maximum steady-state runs (0 = unbounded)', intFlag('--max-count'))
    .option('--max-time <ms>', 'maximum steady-state time in ms (0 = unbounded)', numberFlag('--max-time'))
    .option(
      '--rel-ci <fraction>',
      'stop once the 95% CI of the median is within this fraction of it (0 = off)',
      numberFlag('--rel-ci'),
    )
    .option(
      '--deadline-ms <ms>',
      'report the fraction of runs slower than this deadline',
      numberFlag('--deadline-ms'),
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
    .option('--qps <n>', 'server: Poisson arrival rate, queries per second', numberFlag('--qps'))
    .option(
      '--latency-bound-ms <ms>',
      'server: bound the percentile latency must stay under',
      numberFlag('--latency-bound-ms'),
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
    .option('--json <file>', 'write the full result (every sample) as JSON to FILE ("-" for stdout)')
    .option('--verbose', "show onnxruntime's own warnings")
    .option('--debug', 'show stack traces for errors')
    .action(async (model: string, flags: RunFlags) => {
      const resolved = await resolveModelArg(model);
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
      const scenario = scenarioRequest(flags);
      const toStdout = flags.json === '-';
      const progress = toStdout ? undefined : createProgress(stopRules.minCount ?? 10);
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
        }),
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
        requested: { model, ...flags },
        hooks: progress?.hooks,
      }).finally(() => progress?.stop());
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      if (toStdout) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(formatRunResult(result));
      if (flags.json) {
        await writeFile(flags.json, `${JSON.stringify(result, null, 1)}\n`);
        process.stderr.write(`result written to ${flags.json}\n`);
      }
    });
}

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
    if (Object.keys(request).length > 0)
      throw new UserError(
        '--qps, --latency-bound-ms, --samples-per-query and --duration-ms need --scenario NAME',
      );
    return undefined;
  }
  return { ...request, scenario: flags.scenario };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
