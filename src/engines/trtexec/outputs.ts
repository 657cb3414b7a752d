/**
 * A built engine run once on given inputs, its outputs read back: what output fidelity needs from
 * TensorRT. trtexec loads each input from a raw little-endian file (`--loadInputs=name:file`, the
 * tensor's bytes in its binding's type and layout) and writes every output with `--exportOutput=FILE`.
 * Runs through a host, so the same call works on this machine and on a board.
 */
import path from 'node:path';
import { EngineUnavailableError, UserError } from '../../errors.js';
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
  for (const name of names) staged[name] = (await host.stage(request.inputs[name])).path;
  const work = await host.makeWorkDir();
  try {
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
  }
}
