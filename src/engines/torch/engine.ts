/**
 * PyTorch through a Python subprocess: the study's baseline. The runner (python/edgebench_torch.py)
 * builds the model, applies the same warm-up and stop rules as the in-process loop, and streams every
 * per-iteration time back (protocol in protocol.ts and docs/engines.md).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineUnavailableError, UserError } from '../../errors.js';
import { physicalCoreCount } from '../../host/host.js';
import type { Engine, EngineProbe, OutOfProcessSession } from '../engine.js';
import type { ExternalMeasurement, ExternalMeasureSettings } from '../external.js';
import { describeFailure, runProcess, tailLines } from '../subprocess.js';
import { TORCH_ARCHITECTURES } from './architectures.js';
import {
  runnerTimeoutMs,
  type TorchModelSpec,
  torchMeasurement,
  torchProgress,
  torchRunnerConfig,
} from './runner-io.js';

export type { TorchModelSpec } from './runner-io.js';

import { DEFAULT_TORCH_OPTIONS, type TorchOptions, validateTorchOptions } from './options.js';
import { ProtocolReader } from './protocol.js';
import {
  choosePython,
  cudaUnavailableReason,
  describePythonSource,
  type PythonChoice,
  type PythonProbe,
  runnerScriptPath,
  torchUnavailableReason,
} from './python.js';

const TORCHSCRIPT_SUFFIXES = ['.pt', '.pth', '.ts', '.torchscript', '.jit', '.zip'];

/**
 * A model argument as the torch engine reads it: a zoo architecture name, a TorchScript file, or
 * `null` (a call that does nothing: the harness's own overhead). ONNX files belong to ort and trtexec.
 */
export async function resolveTorchModel(model: string, numClasses?: number): Promise<TorchModelSpec> {
  if (model === 'null') return { kind: 'null' };
  if (TORCH_ARCHITECTURES[model]) return { kind: 'zoo', name: model, ...(numClasses ? { numClasses } : {}) };
  const info = await stat(model).catch(() => undefined);
  const ext = path.extname(model).toLowerCase();
  if (info?.isFile()) {
    if (ext === '.onnx')
      throw new UserError(
        `the torch engine runs PyTorch definitions, not ONNX: give a zoo architecture name or a TorchScript file (${model})`,
      );
    if (TORCHSCRIPT_SUFFIXES.includes(ext)) return { kind: 'torchscript', path: path.resolve(model) };
    throw new UserError(
      `${model}: the torch engine takes TorchScript files (${TORCHSCRIPT_SUFFIXES.join(', ')})`,
    );
  }
  throw new UserError(
    `'${model}' is neither a file nor an architecture the torch engine knows; known: ${Object.keys(TORCH_ARCHITECTURES).join(', ')}`,
  );
}

/** Input tensors to synthesize: the architecture's input with the batch in front, or the shapes given. */
export function torchInputs(
  spec: TorchModelSpec,
  settings: Pick<ExternalMeasureSettings, 'batch' | 'shapes'>,
): Array<{ name: string; shape: number[] }> {
  const given = Object.entries(settings.shapes ?? {});
  if (spec.kind === 'null') return [];
  if (spec.kind === 'torchscript') {
    if (given.length === 0)
      throw new UserError(
        'a TorchScript file declares no input shapes: give them in order, e.g. --shape input=1x3x224x224',
      );
    return given.map(([name, shape]) => ({ name, shape: [...shape] }));
  }
  const arch = TORCH_ARCHITECTURES[spec.name];
  if (given.length > 1)
    throw new UserError(`${spec.name} has one input; got shapes for ${given.map(([n]) => n).join(', ')}`);
  if (given.length === 1) {
    const [name, shape] = given[0];
    if (shape.length !== arch.input.length + 1)
      throw new UserError(
        `${spec.name} takes ${arch.input.length + 1}-dimensional input (N×${arch.input.join('×')}), got ${shape.join('x')} for '${name}'`,
      );
    return [{ name, shape: [...shape] }];
  }
  const batch = settings.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1)
    throw new RangeError(`batch must be a positive integer, got ${batch}`);
  return [{ name: 'input', shape: [batch, ...arch.input] }];
}

export interface TorchEnvironment {
  env?: NodeJS.ProcessEnv;
  /** The system's interpreters, tried after PATH (default /usr/bin/python3; tests pass their own). */
  systemPythons?: readonly string[];
  /** The user's interpreter (`--python`), tried before everything else. */
  python?: string;
}

export class TorchEngine implements Engine<TorchOptions> {
  readonly id = 'torch';

  constructor(private readonly where: TorchEnvironment = {}) {}

  /**
   * PyTorch runs in its own process with its own loop (timing it call by call over a pipe would
   * measure the pipe): the session measures there. `variant` is the device (`torch/cuda`).
   */
  async open(
    model: string,
    partial: Partial<TorchOptions> = {},
    variant?: string,
  ): Promise<OutOfProcessSession> {
    if (variant !== undefined && variant !== 'cpu' && variant !== 'cuda')
      throw new UserError(
        `unknown torch device '${variant}' in 'torch/${variant}': use torch/cpu or torch/cuda`,
      );
    const options = { ...partial, ...(variant ? { device: variant as TorchOptions['device'] } : {}) };
    const checked = validateTorchOptions({ ...DEFAULT_TORCH_OPTIONS, ...options });
    // A model argument that cannot work fails at open, before any process starts.
    await resolveTorchModel(model, checked.numClasses);
    return {
      kind: 'out-of-process',
      where: {
        kind: 'child-process',
        label: `${checked.python ?? this.where.python ?? 'python3'} (child process)`,
      },
      measure: (settings) => this.measure(model, settings, options),
      dispose: async () => {},
    };
  }

  /** The interpreter this engine uses (torch importable), and why the others were passed over. */
  choosePython(explicit = this.where.python): Promise<PythonChoice> {
    return choosePython(torchUnavailableReason, explicit, this.env(), this.where.systemPythons);
  }

  async probe(): Promise<EngineProbe[]> {
    const choice = await this.choosePython();
    const probe: PythonProbe = choice.chosen?.probe ?? {
      ok: false,
      python: choice.skipped[0]?.python ?? 'python3',
      pythonMissing: true,
      reason: choice.reason ?? 'no Python interpreter found',
    };
    const noTorch = torchUnavailableReason(probe);
    const noCuda = cudaUnavailableReason(probe);
    let detail: string | undefined;
    if (probe.ok && probe.info.torch && choice.chosen) {
      const info = probe.info;
      detail = `torch ${info.torch}, ${info.torchvision ? `torchvision ${info.torchvision}` : 'no torchvision (zoo architectures unavailable; TorchScript files work)'}, Python ${info.python}; ${describeChoice(choice)}`;
    }
    const cpu: EngineProbe = {
      id: 'torch/cpu',
      bundled: false,
      available: noTorch === undefined,
      ...(noTorch ? { reason: noTorch } : {}),
      ...(detail ? { detail } : {}),
    };
    const cudaDevice = probe.ok ? probe.info.cudaDevice : undefined;
    const cuda: EngineProbe = {
      id: 'torch/cuda',
      bundled: false,
      available: noCuda === undefined,
      ...(noCuda ? { reason: noCuda } : {}),
      ...(detail && !noCuda ? { detail: `${detail}, ${cudaDevice ?? 'CUDA device'}` } : {}),
    };
    return [cpu, cuda];
  }

  /** One measurement of `model` in a Python subprocess (what an opened session's `measure` runs). */
  async measure(
    model: string,
    settings: ExternalMeasureSettings,
    partial: Partial<TorchOptions> = {},
  ): Promise<ExternalMeasurement> {
    const options = validateTorchOptions({ ...DEFAULT_TORCH_OPTIONS, ...partial });
    const env = this.env();
    const warnings: string[] = [];
    const log = settings.onLog ?? (() => {});

    const spec = await resolveTorchModel(model, options.numClasses);
    const inputs = torchInputs(spec, settings);
    if (settings.precision !== 'fp32' && settings.precision !== 'fp16')
      throw new UserError(`the torch engine runs fp32 or fp16 eager models, not '${settings.precision}'`);

    let device: 'cpu' | 'cuda' = options.device === 'cuda' ? 'cuda' : 'cpu';
    // The null model needs only an interpreter; anything else needs one that imports torch.
    const choice =
      spec.kind === 'null'
        ? await choosePython(
            (p) => (p.ok ? undefined : p.reason),
            options.python ?? this.where.python,
            env,
            this.where.systemPythons,
          )
        : await this.choosePython(options.python ?? this.where.python);
    if (!choice.chosen) throw new EngineUnavailableError(choice.reason ?? 'no Python interpreter found');
    const python = choice.chosen.python;
    if (spec.kind !== 'null') {
      const probe = choice.chosen.probe;
      const noCuda = cudaUnavailableReason(probe);
      if (options.device === 'auto') device = noCuda ? 'cpu' : 'cuda';
      else if (options.device === 'cuda' && noCuda) throw new EngineUnavailableError(noCuda);
    }
    if (settings.precision === 'fp16' && device === 'cpu')
      warnings.push(
        'fp16 eager on the CPU: many CPU kernels have no fast fp16 path, so this is rarely a fair baseline',
      );

    const config = torchRunnerConfig(spec, inputs, device, options, settings, physicalCoreCount());
    const timeoutMs = runnerTimeoutMs(settings, options.timeoutSlackMs);

    const reader = new ProtocolReader(torchProgress(spec, log));
    let stderrTail = '';
    const outcome = await runProcess(python, [runnerScriptPath(), 'run'], {
      env: { ...env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      input: `${JSON.stringify(config)}\n`,
      timeoutMs,
      ...(settings.signal ? { signal: settings.signal } : {}),
      onStdoutLine: (line) => reader.feed(line),
      onStderrLine: (line) => {
        stderrTail = `${stderrTail}\n${line}`.slice(-8000);
      },
    });

    if (outcome.spawnError)
      throw new EngineUnavailableError(
        outcome.spawnError.code === 'ENOENT'
          ? `${python} not found on PATH (install Python 3 with torch, or set EDGEBENCH_PYTHON)`
          : describeFailure(python, outcome),
      );
    const failure = reader.error;
    if (failure) {
      if (failure.kind === 'unavailable') throw new EngineUnavailableError(failure.message);
      if (failure.kind === 'user') throw new UserError(failure.message);
      if (failure.kind === 'resource')
        throw new UserError(`the PyTorch runner ran out of memory: ${failure.message}`);
      throw new Error(
        `the PyTorch runner failed: ${failure.message}${stderrTail ? ` (stderr: ${tailLines(stderrTail)})` : ''}`,
      );
    }
    const result = reader.result();
    if ('problem' in result) {
      throw new Error(
        `the PyTorch runner did not finish: ${result.problem}; ${describeFailure(python, outcome, timeoutMs)}${stderrTail ? ` (stderr: ${tailLines(stderrTail)})` : ''}`,
      );
    }
    return torchMeasurement(result.report, { device, python, spec, settings, options, warnings });
  }

  private env(): NodeJS.ProcessEnv {
    return this.where.env ?? process.env;
  }
}

/** "python: /usr/bin/python3 (the system's); passed over: python3 on PATH (torch not importable…)". */
export function describeChoice(choice: PythonChoice): string {
  const used = choice.chosen ? `python: ${describePythonSource(choice.chosen)}` : 'python: none';
  const skipped = choice.skipped.map((s) => `${describePythonSource(s)}: ${s.reason}`);
  return skipped.length > 0 ? `${used}; passed over ${skipped.join('; ')}` : used;
}
