/**
 * A model's outputs produced on a target, for fidelity measured where the engine runs: one side of a
 * comparison (a model and the engine settings it was measured with) opened on the device with the
 * runner that measures there, fed the inputs edgebench sends, its outputs read back bit for bit.
 *
 *   ort-python/*, torch/*   the Python runner's `outputs` mode (edgebench_ort.py, edgebench_torch.py):
 *                           one process per side, the model loaded once; every input set goes in as
 *                           one JSON line, every answer comes back as one `outputs` event, each tensor
 *                           as its raw little-endian bytes in base64 (docs/engines.md, "Outputs mode");
 *   edgebench on the board  `edgebench run MODEL --input NAME=FILE.npy … --export-outputs OUT.json`
 *                           per input set, one inference, read back from its JSON export (every value
 *                           there round-trips exactly);
 *   trtexec                 the plan the side's measurement runs (its precision's, from the board's
 *                           engine cache, built there only if no run built it yet), run once per
 *                           input set with the inputs as raw files (`--loadInputs`), its
 *                           `--exportOutput` file read back: six significant digits, as trtexec prints.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { ExternalPrecision } from '../engines/external.js';
import type { OrtEngineOptions } from '../engines/ort-options.js';
import { type OrtPythonProvider, PYTHON_RUNNER_PROTOCOL_VERSION } from '../engines/ort-python/protocol.js';
import { parseEngineName } from '../engines/registry.js';
import { resolveTorchModel, torchInputs } from '../engines/torch/engine.js';
import type { TorchModelSpec } from '../engines/torch/runner-io.js';
import { torchZooModel } from '../engines/torch/zoo-model.js';
import { readOnnxIo } from '../engines/trtexec/model-io.js';
import { messageOf, UserError } from '../errors.js';
import { encodeNpy } from '../inputs/npy.js';
import {
  type HostTensor,
  hostTensorFromValues,
  isTensorElementType,
  type TensorInfo,
} from '../onnx/tensor.js';
import { hostTensorOf, type TensorRecord, tensorRecord } from '../onnx/tensor-record.js';
import type { OutputRunner } from '../optimize/index.js';
import { isZooSpec, resolveModel } from '../zoo/resolve.js';
import { lastLines } from './errors.js';
import { runnerError, runnerPlace } from './python-runner.js';
import {
  deviceGraphLevel,
  deviceRunnerFor,
  edgebenchThere,
  pythonWith,
  type TargetConnection,
  trtexecEngineOn,
  unavailableOn,
} from './sessions.js';
import type { Transport } from './transport.js';

/** One side of a comparison as the device runs it (the study's FidelitySide has this shape). */
export interface OutputsSide {
  /** An ONNX file here, or (torch) a `zoo:` spec or TorchScript file. */
  path: string;
  /** onnxruntime's settings (its execution provider and graph level). */
  engine: Partial<OrtEngineOptions>;
  /** Another engine than onnxruntime (an engine-group variant): its name and what it runs with. */
  runner?: {
    engine: string;
    /** How it was measured: torch fp32/fp16, trtexec any of its precisions (its plan is that one's). */
    precision?: ExternalPrecision;
    batch?: number;
    shapes?: Record<string, number[]>;
    /** The seed a torch definition's weights are drawn with (the variant's, so they are its weights). */
    seed?: number;
  };
}

/** A side open on the device; `close` ends its runner. */
export interface DeviceOutputs extends OutputRunner {
  close(): Promise<void>;
}

/** How long a runner may take to load its model (a TensorRT provider builds its engine then) or to answer. */
const READY_TIMEOUT_MS = 1_800_000;
const ANSWER_TIMEOUT_MS = 600_000;

/** Opens sides of a comparison on the target, each with the runner that measures that engine there. */
export function targetOutputs(
  connection: TargetConnection,
  options: { signal?: AbortSignal } = {},
): (side: OutputsSide) => Promise<DeviceOutputs> {
  const { signal } = options;
  return async (side) => {
    signal?.throwIfAborted();
    const engine = side.runner?.engine ?? `ort/${side.engine.executionProvider ?? 'cpu'}`;
    if (parseEngineName(engine).engine === 'trtexec') return trtexecOutputs(connection, side, signal);
    const id = deviceRunnerFor(connection.device, engine);
    if (id === 'edgebench') return edgebenchOutputs(connection, engine, side, signal);
    if (id === 'torch/cpu' || id === 'torch/cuda')
      return torchOutputs(connection, side, id === 'torch/cuda' ? 'cuda' : 'cpu', signal);
    if (id.startsWith('ort-python/'))
      return ortPythonOutputs(connection, side, id.slice('ort-python/'.length) as OrtPythonProvider, signal);
    return unavailableOn(connection.device, [id], `${engine} (outputs not read remotely yet)`);
  };
}

/**
 * trtexec's outputs on the board: the plan its measurement runs (built there, or found in the board's
 * engine cache under the same key: model, TensorRT version, GPU, precision and build flags), run
 * once per input set with `--loadInputs` and read back from its `--exportOutput` file.
 */
async function trtexecOutputs(
  connection: TargetConnection,
  side: OutputsSide,
  signal?: AbortSignal,
): Promise<DeviceOutputs> {
  const model = isZooSpec(side.path) ? (await resolveModel(side.path)).path : side.path;
  const runner = side.runner;
  return trtexecEngineOn(connection).openOutputs(model, {
    precision: runner?.precision ?? 'fp32',
    ...(runner?.batch !== undefined ? { batch: runner.batch } : {}),
    ...(runner?.shapes ? { shapes: runner.shapes } : {}),
    ...(signal ? { signal } : {}),
  });
}

// ---- tensors on the wire --------------------------------------------------------------------

/** A TensorRecord (onnx/tensor-record.ts) as the runner sends it. */
const tensorRecordSchema = z.object({
  name: z.string(),
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data: z.string(),
});
const declaredSchema = z.array(
  z.object({ name: z.string(), dtype: z.string(), shape: z.array(z.union([z.number(), z.string()])) }),
);
const outputsEventSchema = z.discriminatedUnion('event', [
  z.looseObject({ event: z.literal('hello') }),
  z.looseObject({ event: z.literal('ready'), inputs: declaredSchema, outputs: declaredSchema }),
  z.object({ event: z.literal('outputs'), index: z.number().int(), tensors: z.array(tensorRecordSchema) }),
  z.looseObject({ event: z.literal('done') }),
  z.object({ event: z.literal('error'), kind: z.string(), message: z.string() }),
]);

// ---- the Python runners' outputs mode -----------------------------------------------------

interface Waiter {
  resolve(tensors: TensorRecord[]): void;
  reject(error: Error): void;
}

/**
 * A Python runner in its outputs mode on the device: started with its configuration, ready once it
 * declared the model's inputs and outputs; each `run` sends one input set and waits for its answer.
 */
export async function startRunnerOutputs(
  transport: Transport,
  request: {
    python: string;
    script: string;
    config: object;
    env?: Record<string, string>;
    /** Stops the runner (the study was interrupted): pending answers reject with its reason. */
    signal?: AbortSignal;
  },
): Promise<DeviceOutputs> {
  const where = runnerPlace(transport);
  let failure: Error | undefined;
  let stderrTail = '';
  let declared: { inputs: TensorInfo[]; outputs: TensorInfo[] } | undefined;
  let readyWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  const waiting: Waiter[] = [];
  const fail = (error: Error) => {
    failure ??= error;
    readyWaiter?.reject(failure);
    readyWaiter = undefined;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  const onLine = (line: string) => {
    if (!line.trim()) return;
    let event: z.infer<typeof outputsEventSchema>;
    try {
      event = outputsEventSchema.parse(JSON.parse(line));
    } catch (error) {
      fail(
        new Error(`the runner sent a line edgebench cannot read${where}: ${messageOf(error).slice(0, 200)}`),
      );
      return;
    }
    if (event.event === 'ready') {
      const info = (list: z.infer<typeof declaredSchema>): TensorInfo[] =>
        list.map((t) => ({ name: t.name, type: t.dtype, shape: t.shape }));
      declared = { inputs: info(event.inputs), outputs: info(event.outputs) };
      readyWaiter?.resolve();
      readyWaiter = undefined;
    } else if (event.event === 'outputs') {
      const next = waiting.shift();
      if (next) next.resolve(event.tensors);
      else fail(new Error(`the runner answered a request that was not sent${where}`));
    } else if (event.event === 'error') fail(runnerError(event.kind, event.message, where, stderrTail));
  };
  const running = transport.start([request.python, request.script, 'outputs'], {
    env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...request.env },
    doing: `reading outputs with ${request.script.split('/').at(-1)}`,
    maxCaptureChars: 64 * 1024,
    ...(request.signal ? { signal: request.signal } : {}),
    onStdoutLine: onLine,
    onStderrLine: (line) => {
      stderrTail = `${stderrTail}\n${line}`.slice(-8000);
    },
  });
  const ended = running.done.then(
    (result) => {
      const tail = stderrTail ? `; stderr: ${lastLines(stderrTail, 3)}` : '';
      fail(new Error(`the runner ended before answering${where} (exit code ${result.code}${tail})`));
    },
    (error: unknown) => fail(error instanceof Error ? error : new Error(messageOf(error))),
  );
  // A closed stdin (the runner died) surfaces through `done`; the write's own error adds nothing.
  running.stdin.on('error', () => {});
  const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`the runner did not ${what} within ${Math.round(ms / 1000)} s${where}`);
        fail(error);
        void running.kill();
        reject(error);
      }, ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };

  running.stdin.write(`${JSON.stringify(request.config)}\n`);
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        if (failure) reject(failure);
        else if (declared) resolve();
        else readyWaiter = { resolve, reject };
      }),
      READY_TIMEOUT_MS,
      'load the model',
    );
  } catch (error) {
    await running.kill();
    await ended;
    throw error;
  }
  const { inputs, outputs } = declared!;
  return {
    inputs,
    outputs,
    async run(feeds, outputNames) {
      if (failure) throw failure;
      const answer = new Promise<TensorRecord[]>((resolve, reject) => waiting.push({ resolve, reject }));
      const records = Object.entries(feeds).map(([name, tensor]) => tensorRecord(name, tensor));
      running.stdin.write(`${JSON.stringify({ feeds: records })}\n`);
      const tensors = await withTimeout(answer, ANSWER_TIMEOUT_MS, 'answer');
      const byName = new Map(tensors.map((t) => [t.name, t]));
      const names = outputNames ?? tensors.map((t) => t.name);
      return Object.fromEntries(
        names.map((name) => {
          const record = byName.get(name);
          if (!record) throw new Error(`the runner sent no output named '${name}'${where}`);
          return [name, hostTensorOf(record, 'the device')];
        }),
      );
    },
    async close() {
      if (!failure) {
        running.stdin.end('\n');
        const done = await Promise.race([
          running.done.then(
            () => true,
            () => true,
          ),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000).unref()),
        ]);
        if (!done) await running.kill();
      } else await running.kill();
      await ended;
    },
  };
}

async function ortPythonOutputs(
  connection: TargetConnection,
  side: OutputsSide,
  provider: OrtPythonProvider,
  signal?: AbortSignal,
): Promise<DeviceOutputs> {
  const python = pythonWith(connection.device, 'onnxruntime');
  if (!python) unavailableOn(connection.device, [`ort-python/${provider}`], `ort/${provider}`);
  if (!side.path.toLowerCase().endsWith('.onnx'))
    throw new UserError(`onnxruntime on a device runs ONNX files; ${side.path} is not one`);
  const copied = await connection.cache.upload(side.path, signal ? { signal } : {});
  const level = deviceGraphLevel(side.engine.graphOptLevel);
  return startRunnerOutputs(connection.transport, {
    python,
    ...(signal ? { signal } : {}),
    script: connection.scripts.path('ort'),
    config: {
      protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
      model: { kind: 'onnx', path: copied.remotePath },
      provider,
      precision: side.runner?.precision ?? 'fp32',
      threads: side.engine.intraOpThreads ?? 0,
      interopThreads: side.engine.interOpThreads ?? 0,
      graphOptimizationLevel: level ?? 'all',
      ...(side.engine.providerOptions ? { providerOptions: side.engine.providerOptions } : {}),
    },
  });
}

async function torchOutputs(
  connection: TargetConnection,
  side: OutputsSide,
  device: 'cpu' | 'cuda',
  signal?: AbortSignal,
): Promise<DeviceOutputs> {
  const python = pythonWith(connection.device, 'torch');
  if (!python) unavailableOn(connection.device, [`torch/${device}`], `torch/${device}`);
  const runner = side.runner ?? { engine: `torch/${device}` };
  let spec: TorchModelSpec;
  let shapes = runner.shapes;
  if (isZooSpec(side.path)) {
    const zoo = torchZooModel(side.path, runner.batch);
    spec = { kind: 'zoo', name: zoo.name, numClasses: zoo.numClasses };
    if (!shapes || Object.keys(shapes).length === 0) shapes = { input: zoo.input };
  } else {
    spec = await resolveTorchModel(side.path);
    if (spec.kind === 'torchscript')
      spec = {
        kind: 'torchscript',
        path: (await connection.cache.upload(spec.path, signal ? { signal } : {})).remotePath,
      };
  }
  const inputs = torchInputs(spec, {
    ...(runner.batch ? { batch: runner.batch } : {}),
    ...(shapes ? { shapes } : {}),
  });
  const cores = connection.device.cpu.physicalCores ?? connection.device.cpu.logicalCores ?? 1;
  return startRunnerOutputs(connection.transport, {
    python,
    ...(signal ? { signal } : {}),
    script: connection.scripts.path('torch'),
    config: {
      protocol: PYTHON_RUNNER_PROTOCOL_VERSION,
      model: spec,
      device,
      threads: 0,
      defaultThreads: cores,
      precision: runner.precision ?? 'fp32',
      seed: runner.seed ?? 42,
      inputs,
    },
  });
}

// ---- the board's own edgebench ----------------------------------------------------------------

const exportedSchema = z.object({
  outputs: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      dims: z.array(z.number().int().nonnegative()),
      data: z.array(z.union([z.number(), z.string(), z.boolean()])),
    }),
  ),
});

/** One output of `run --export-outputs x.json` as the tensor it was (the export keeps every value exact). */
function tensorFromExport(output: z.infer<typeof exportedSchema>['outputs'][number]): HostTensor {
  const { name, type, dims, data } = output;
  if (!isTensorElementType(type))
    throw new Error(
      `the board's edgebench exported output '${name}' of type ${type}, which edgebench cannot compare`,
    );
  return hostTensorFromValues(type, dims, data);
}

/**
 * Outputs from the board's edgebench: the model copied there once, then per input set the inputs
 * copied as .npy files and one `edgebench run` that exports the outputs of one inference on them.
 */
async function edgebenchOutputs(
  connection: TargetConnection,
  engine: string,
  side: OutputsSide,
  signal?: AbortSignal,
): Promise<DeviceOutputs> {
  const io = await readOnnxIo(side.path);
  if ('error' in io) throw new UserError(`cannot read the inputs and outputs of ${side.path}: ${io.error}`);
  const withSignal = signal ? { signal } : {};
  const model = await connection.cache.upload(side.path, withSignal);
  const local = await mkdtemp(path.join(os.tmpdir(), 'edgebench-outputs-'));
  const outDir = `${await connection.cache.root()}/outputs`;
  const level = deviceGraphLevel(side.engine.graphOptLevel);
  const sent: string[] = [];
  const exec = (argv: string[], doing: string) => connection.transport.exec(argv, { doing, ...withSignal });
  await exec(['mkdir', '-p', outDir], 'making the outputs folder on the device');
  return {
    inputs: io.inputs,
    outputs: io.outputs,
    async run(feeds, outputNames) {
      const given: string[] = [];
      for (const [name, tensor] of Object.entries(feeds)) {
        const file = path.join(local, `${randomUUID()}.npy`);
        await writeFile(file, encodeNpy(tensor));
        const copied = await connection.cache.upload(file, { name: 'input.npy', ...withSignal });
        sent.push(copied.remotePath);
        given.push('--input', `${name}=${copied.remotePath}`);
      }
      const out = `${outDir}/${randomUUID()}.json`;
      const args = [
        'run',
        model.remotePath,
        '--engine',
        engine,
        ...given,
        '--export-outputs',
        out,
        '--warmup-count',
        '0',
        '--warmup-time',
        '0',
        '--min-count',
        '1',
        '--max-count',
        '1',
        '--min-time',
        '0',
        '--telemetry-interval',
        '0',
        ...(level ? ['--opt-level', level] : []),
        ...(side.engine.opsetUpgrade === false ? ['--no-opset-upgrade'] : []),
      ];
      await edgebenchThere(connection, args, {
        doing: 'running edgebench on the device for outputs',
        failed: `edgebench on ${connection.name} could not run ${side.path}`,
        ...withSignal,
      });
      const read = await exec(['cat', out], 'reading the outputs back');
      await exec(['rm', '-f', out], 'removing the outputs file on the device');
      if (read.code !== 0)
        throw new Error(`cannot read ${out} on ${connection.name}: ${lastLines(read.stderr)}`);
      const exported = exportedSchema.parse(JSON.parse(read.stdout));
      const names = outputNames ?? exported.outputs.map((o) => o.name);
      return Object.fromEntries(
        names.map((name) => {
          const found = exported.outputs.find((o) => o.name === name);
          if (!found) throw new Error(`the board's edgebench exported no output named '${name}'`);
          return [name, tensorFromExport(found)];
        }),
      );
    },
    async close() {
      await rm(local, { recursive: true, force: true });
      // The input files are this comparison's alone: their folders in the cache go with them.
      const folders = [...new Set(sent.map((p) => p.slice(0, p.lastIndexOf('/'))))];
      if (folders.length > 0) await exec(['rm', '-rf', ...folders], 'removing the input files on the device');
    },
  };
}
