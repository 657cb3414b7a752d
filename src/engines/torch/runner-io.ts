/**
 * What the PyTorch runner is asked (its configuration line) and what its report becomes (a
 * measurement), wherever the runner runs: a child process here (engine.ts) or a board reached over
 * SSH (targets). Only how the runner is started differs between the two.
 */
import {
  MIN_SAMPLES_FOR_PRECISION,
  MIN_TIME_FOR_PRECISION_MS,
  PRECISION_CHECK_EVERY,
} from '../../core/settings.js';
import type { TensorInfo } from '../../onnx/tensor.js';
import type { ExternalMeasurement, ExternalMeasureSettings } from '../external.js';
import type { TorchOptions } from './options.js';
import { type RunEvent, type RunnerReport, TORCH_PROTOCOL_VERSION } from './protocol.js';

/** What the runner is asked to build. */
export type TorchModelSpec =
  | { kind: 'zoo'; name: string; numClasses?: number }
  | { kind: 'torchscript'; path: string }
  | { kind: 'null' };

export type TorchDevice = 'cpu' | 'cuda';

/** The runner's JSON configuration line. `defaultThreads`: the device's physical cores. */
export function torchRunnerConfig(
  spec: TorchModelSpec,
  inputs: ReadonlyArray<{ name: string; shape: number[] }>,
  device: TorchDevice,
  options: TorchOptions,
  settings: ExternalMeasureSettings,
  defaultThreads: number,
) {
  return {
    protocol: TORCH_PROTOCOL_VERSION,
    model: spec,
    device,
    deviceIndex: options.deviceIndex,
    threads: options.threads,
    defaultThreads,
    cudnnBenchmark: options.cudnnBenchmark,
    precision: settings.precision,
    seed: settings.seed,
    inputs,
    stopRules: settings.stopRules,
    precisionRule: {
      minSamples: MIN_SAMPLES_FOR_PRECISION,
      minTimeMs: MIN_TIME_FOR_PRECISION_MS,
      checkEvery: PRECISION_CHECK_EVERY,
    },
  };
}

/**
 * How long a runner may take before it is stopped: twice its time limit plus `slackMs` for imports
 * and the model build; 0 (no limit) when the rules set no time limit or the slack is 0.
 */
export function runnerTimeoutMs(
  settings: Pick<ExternalMeasureSettings, 'stopRules'>,
  slackMs: number,
): number {
  const max = settings.stopRules.maxTimeMs;
  return slackMs > 0 && max > 0 ? 2 * max + slackMs : 0;
}

/** Progress lines from the runner's events. */
export function torchProgress(spec: TorchModelSpec, log: (line: string) => void): (event: RunEvent) => void {
  return (event) => {
    if (event.event === 'ready')
      log(
        `torch: ${spec.kind === 'zoo' ? spec.name : spec.kind} ready on ${event.deviceName ?? event.device} in ${event.coldStartMs.toFixed(0)} ms`,
      );
    else if (event.event === 'warmup')
      log(`torch: warm-up done (${event.count} runs, ${event.timeMs.toFixed(0)} ms)`);
  };
}

export interface TorchReportContext {
  device: TorchDevice;
  /** The interpreter that ran it (on the device it ran on). */
  python: string;
  spec: TorchModelSpec;
  settings: ExternalMeasureSettings;
  options: TorchOptions;
  /** Warnings so far; the report's own are added. */
  warnings: string[];
}

/**
 * What every Python runner's report says the same way: the samples and phases, the steady-state
 * window, the tensors that ran, threads and memory. `outputType`: the runner reports output shapes only.
 */
export function runnerReportFacts(
  report: RunnerReport,
  outputType: string,
  settings: ExternalMeasureSettings,
  warnings: string[],
) {
  if (report.noise.length > 0)
    warnings.push(`the runner printed ${report.noise.length} non-protocol line(s) on stdout`);
  const { ready, done } = report;
  return {
    samplesMs: report.samplesMs,
    coldStartMs: ready.coldStartMs,
    firstInferenceMs: report.firstInferenceMs,
    warmup: { count: report.warmup?.count ?? null, timeMs: report.warmup?.timeMs ?? null },
    stopReason: done.stopReason,
    window: { startEpochMs: done.startEpochMs, endEpochMs: done.endEpochMs },
    inputs: ready.inputs.map(
      (i): TensorInfo => ({ name: i.name, type: i.dtype ?? 'float32', shape: i.shape }),
    ),
    outputs: (done.outputs ?? []).map(
      (o): TensorInfo => ({ name: o.name, type: outputType, shape: o.shape }),
    ),
    shapes: Object.fromEntries(ready.inputs.map((i) => [i.name, i.shape])),
    batch: ready.inputs[0]?.shape[0] ?? 1,
    effectiveStopRules: settings.stopRules,
    device: ready.deviceName ?? ready.device,
    intraOpThreads: ready.threads,
    interOpThreads: ready.interopThreads,
    peakRssBytes: done.peakRssBytes ?? null,
  };
}

/** The runner's report as a measurement in the engines' one schema. */
export function torchMeasurement(
  report: RunnerReport,
  { device, python, spec, settings, options, warnings }: TorchReportContext,
): ExternalMeasurement {
  const facts = runnerReportFacts(report, outputType(settings.precision), settings, warnings);
  const ready = report.ready;
  if (ready.device === 'cpu' && ready.blas === 'generic')
    warnings.push(
      "this torch build links a generic (reference) BLAS, not MKL or OpenBLAS: its CPU figures are far slower than a PyPI or conda torch's and make a weak baseline (distribution packages such as Debian's python3-torch are built this way)",
    );
  return {
    engine: `torch/${device}`,
    engineVersion: ready.torch ? `torch ${ready.torch}` : 'none (null model)',
    sampleMetric:
      device === 'cuda'
        ? 'wall time of one eager forward call, torch.cuda.synchronize() before (untimed) and after (timed)'
        : 'wall time of one eager forward call (time.perf_counter)',
    ...facts,
    provider: device,
    graphOptimization: ready.mode === 'torchscript' ? 'torchscript (as saved)' : 'none (eager)',
    precision: settings.precision,
    options: {
      device,
      deviceIndex: options.deviceIndex,
      threads: options.threads,
      cudnnBenchmark: options.cudnnBenchmark,
      mode: ready.mode,
      ...(spec.kind === 'zoo' && spec.numClasses ? { numClasses: spec.numClasses } : {}),
    },
    extras: {
      python,
      torch: ready.torch,
      torchvision: ready.torchvision ?? null,
      cuda: ready.cuda ?? null,
      cudnn: ready.cudnn ?? null,
      blas: ready.blas ?? null,
      importMs: ready.importMs ?? null,
      params: ready.params ?? null,
      model: spec,
      ...(report.done.cudaMaxMemoryAllocatedBytes !== undefined
        ? { cudaMaxMemoryAllocatedBytes: report.done.cudaMaxMemoryAllocatedBytes }
        : {}),
      ...(report.logs.length > 0 ? { logs: report.logs.slice(0, 20) } : {}),
    },
    warnings,
  };
}

function outputType(precision: string): string {
  return precision === 'fp16' ? 'float16' : 'float32';
}
