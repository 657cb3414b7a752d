/**
 * A built engine run once on given inputs, its outputs read back: what output fidelity needs from
 * TensorRT. trtexec loads each input from a raw little-endian file (`--loadInputs=name:file`, the
 * tensor's bytes in its binding's type and layout) and writes every output with `--exportOutput=FILE`.
 * Runs through a host, so the same call works on this machine and on a board.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EngineUnavailableError, messageOf, UserError } from '../../errors.js';
import {
  checkLittleEndian,
  type HostTensor,
  hostTensorFromValues,
  isTensorElementType,
  type TensorInfo,
} from '../../onnx/tensor.js';
import { describeFailure } from '../subprocess.js';
import { shapesSpec } from './args.js';
import type { TrtexecHost } from './host.js';
import { parseTrtexecLog, trtexecFailureReason } from './parse-log.js';

/** One output as trtexec exported it. */
export interface TrtexecOutputTensor {
  name: string;
  /** The binding's dimensions at run time (`1x1000` → [1, 1000]; [] for a scalar). */
  dims: number[];
  /** The values in row-major order as trtexec printed them (6 significant digits); NaN and ±Infinity kept. */
  values: Float64Array;
}

interface ExportedRecord {
  name?: unknown;
  dimensions?: unknown;
  values?: unknown;
}

/**
 * Reads an `--exportOutput` file: a JSON array of `{ name, dimensions: "1x1000", values: [ … ] }`.
 * C++ streams print non-finite floats as bare `nan`, `-nan`, `inf`, which JSON does not allow; they
 * are read as NaN and ±Infinity. Pure; exported for tests.
 */
export function parseExportOutput(text: string): TrtexecOutputTensor[] {
  const quoted = text.replace(/(?<=[[,]\s*)(-?)(nan|inf(?:inity)?)(?=\s*[,\]])/gi, '"$1$2"');
  let records: unknown;
  try {
    records = JSON.parse(quoted);
  } catch (error) {
    throw new UserError(
      `trtexec's --exportOutput file is not the JSON it writes: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(records))
    throw new UserError("trtexec's --exportOutput file is not a JSON array of outputs");
  return records.map((record: ExportedRecord, i) => {
    if (typeof record?.name !== 'string' || !Array.isArray(record.values))
      throw new UserError(`trtexec's --exportOutput entry ${i} has no name or no values`);
    const dimensions = typeof record.dimensions === 'string' ? record.dimensions : '';
    const values = Float64Array.from(record.values as unknown[], (value) =>
      numberOf(value, record.name as string),
    );
    return { name: record.name, dims: (dimensions.match(/-?\d+/g) ?? []).map(Number), values };
  });
}

function numberOf(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const word = value.toLowerCase();
    if (word.endsWith('nan')) return Number.NaN;
    if (word.startsWith('inf')) return Number.POSITIVE_INFINITY;
    if (word.startsWith('-inf')) return Number.NEGATIVE_INFINITY;
  }
  throw new UserError(`trtexec exported a value that is not a number for output '${name}': ${String(value)}`);
}

export interface TrtexecOutputsRequest {
  /** The engine plan, a path where trtexec runs (a measurement's `extras.engineCache.path`). */
  enginePath: string;
  /** Each input's raw little-endian bytes in a file on this machine, by input name. */
  inputs: Readonly<Record<string, string>>;
  /** Shapes of the engine's dynamic inputs (required by trtexec when it has them). */
  shapes?: Readonly<Record<string, readonly number[]>>;
  /** trtexec to use; where the host finds it when unset. */
  trtexecPath?: string;
  deviceIndex?: number;
  /** Default 10 minutes: one inference, plus loading the engine. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** trtexec's separators in `--loadInputs`: a name with them is quoted, a path cannot hold them. */
function loadInputsSpec(inputs: Record<string, string>): string {
  return Object.entries(inputs)
    .map(([name, file]) => {
      if (/[,]/.test(file) || /^'|'$/.test(file))
        throw new UserError(`trtexec cannot load an input from a path with a comma or quote: ${file}`);
      return `${/[:,]/.test(name) ? `'${name}'` : name}:${file}`;
    })
    .join(',');
}

/**
 * Runs the engine at `request.enginePath` once with each input loaded from its file and returns every
 * output, as trtexec exported them. The input files are copied to the host first (once per content).
 */
export async function runTrtexecOutputs(
  host: TrtexecHost,
  request: TrtexecOutputsRequest,
): Promise<TrtexecOutputTensor[]> {
  const names = Object.keys(request.inputs);
  if (names.length === 0) throw new UserError('running an engine on given inputs needs at least one input');
  const location = await host.locate(request.trtexecPath);
  if (!location)
    throw new EngineUnavailableError(`trtexec not found on ${host.label}: install TensorRT or pass its path`);
  const staged: Record<string, string> = {};
  const work = await host.makeWorkDir();
  try {
    for (const name of names) staged[name] = (await host.stage(request.inputs[name])).path;
    const exportPath = host.join(work, 'outputs.json');
    const spec = shapesSpec(request.shapes ?? {});
    const args = [
      `--loadEngine=${request.enginePath}`,
      `--loadInputs=${loadInputsSpec(staged)}`,
      ...(spec ? [`--shapes=${spec}`] : []),
      '--warmUp=0',
      '--duration=0',
      '--iterations=1',
      `--exportOutput=${exportPath}`,
      ...(request.deviceIndex ? [`--device=${request.deviceIndex}`] : []),
    ];
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const outcome = await host.run(location.path, args, {
      timeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    const output = `${outcome.stdout}\n${outcome.stderr}`;
    const parsed = parseTrtexecLog(output);
    if (outcome.code !== 0 || parsed.passed === false)
      throw new UserError(
        `trtexec could not run ${path.posix.basename(request.enginePath)} on the given inputs — ${describeFailure('trtexec', outcome, timeoutMs)}: ${trtexecFailureReason(parsed, output)}`,
      );
    const text = await host.readText(exportPath);
    if (text === undefined)
      throw new UserError(`trtexec finished but wrote no --exportOutput file (${exportPath})`);
    return parseExportOutput(text);
  } finally {
    await host.removeDir(work);
    // One run's inputs: their copies there go with it.
    if (host.unstage) for (const file of Object.values(staged)) await host.unstage(file);
  }
}

/** A plan as planOutputs runs it: where it is, the model's declared tensors, the shapes it was built for. */
export interface PlanToRun {
  enginePath: string;
  inputs: readonly TensorInfo[];
  outputs: readonly TensorInfo[];
  /** Every input's shape, and those of the dynamic inputs (the plan's one optimization profile). */
  shapes: Readonly<Record<string, readonly number[]>>;
  dynamicShapes: Readonly<Record<string, readonly number[]>>;
  /** The TensorRT version that built it (`8.2.1`): before 10, TensorRT binds int64 inputs as int32. */
  tensorrtVersion?: string;
}

/** A plan open for outputs on given tensors (what fidelity feeds it); `close` removes its files here. */
export interface PlanOutputs {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** Runs the plan once on `feeds`; returns the outputs (all, or those named) in the model's types. */
  run(
    feeds: Record<string, HostTensor>,
    outputNames?: readonly string[],
  ): Promise<Record<string, HostTensor>>;
  close(): Promise<void>;
}

/**
 * Opens a built plan for outputs: each call to `run` writes the input tensors' bytes to files here
 * (little-endian, in the type trtexec binds: the model's own, but int32 for int64 before TensorRT
 * 10), runs the plan once on them with runTrtexecOutputs, and returns each output as a tensor of the
 * model's declared type. trtexec prints six significant digits, so values round-trip to that.
 */
export async function planOutputs(
  host: TrtexecHost,
  plan: PlanToRun,
  request: Pick<TrtexecOutputsRequest, 'trtexecPath' | 'deviceIndex' | 'timeoutMs' | 'signal'> = {},
): Promise<PlanOutputs> {
  checkLittleEndian();
  const local = await mkdtemp(path.join(os.tmpdir(), 'edgebench-trtexec-inputs-'));
  const int64AsInt32 = Number(plan.tensorrtVersion?.split('.')[0] ?? 10) < 10;
  return {
    inputs: [...plan.inputs],
    outputs: [...plan.outputs],
    async run(feeds, outputNames) {
      const files: Record<string, string> = {};
      const shapes: Record<string, readonly number[]> = {};
      for (const info of plan.inputs) {
        const tensor = feeds[info.name];
        if (!tensor) throw new UserError(`no value given for the engine's input '${info.name}'`);
        if (tensor.type !== info.type)
          throw new UserError(`input ${info.name}: the model takes ${info.type}, not ${tensor.type}`);
        const built = plan.shapes[info.name];
        if (built && built.join('x') !== tensor.dims.join('x'))
          throw new UserError(
            `input ${info.name} has shape ${tensor.dims.join('x')}, but the engine was built for ${built.join('x')}`,
          );
        if (plan.dynamicShapes[info.name]) shapes[info.name] = tensor.dims;
        const file = path.join(local, `${randomUUID()}.bin`);
        await writeFile(file, bindingBytes(info.name, tensor, int64AsInt32));
        files[info.name] = file;
      }
      try {
        const exported = await runTrtexecOutputs(host, {
          ...request,
          enginePath: plan.enginePath,
          inputs: files,
          shapes,
        });
        const names = outputNames ?? plan.outputs.map((o) => o.name);
        return Object.fromEntries(
          names.map((name) => {
            const found = exported.find((o) => o.name === name);
            if (!found) throw new UserError(`trtexec exported no output named '${name}'`);
            const type = plan.outputs.find((o) => o.name === name)?.type ?? 'float32';
            if (!isTensorElementType(type))
              throw new UserError(`output '${name}' is of type ${type}, which edgebench cannot compare`);
            try {
              return [name, hostTensorFromValues(type, found.dims, found.values)];
            } catch (error) {
              throw new UserError(
                `trtexec exported output '${name}' of shape ${found.dims.join('x')}: ${messageOf(error)}`,
              );
            }
          }),
        );
      } finally {
        await Promise.all(Object.values(files).map((file) => rm(file, { force: true })));
      }
    },
    close: () => rm(local, { recursive: true, force: true }),
  };
}

/** A tensor's bytes as trtexec loads them for its binding (int64 narrowed to int32 where TensorRT binds it so). */
function bindingBytes(name: string, tensor: HostTensor, int64AsInt32: boolean): Uint8Array {
  let data: HostTensor['data'] = tensor.data;
  if (int64AsInt32 && data instanceof BigInt64Array) {
    const narrowed = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      if (value < -2147483648n || value > 2147483647n)
        throw new UserError(
          `input ${name} holds ${value}, beyond the int32 that TensorRT before 10 binds int64 inputs as`,
        );
      narrowed[i] = Number(value);
    }
    data = narrowed;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
