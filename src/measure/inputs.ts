/**
 * A measurement's inputs: from files or values the user gave (`--input`), the rest synthesized from
 * the seed, every shape resolved (dimension names bind across inputs). Checked against what the model
 * declares before anything runs.
 */
import { UserError } from '../errors.js';
import { readInputValue, valuesText } from '../inputs/input-values.js';
import { synthesizeInputs } from '../inputs/synthetic.js';
import { checkTensorMatches } from '../inputs/tensor-files.js';
import { formatShape, type GivenShapes, resolveInputShapes } from '../onnx/shapes.js';
import type { HostTensor, TensorInfo } from '../onnx/tensor.js';

/** The seed of synthetic inputs when none is given. */
export const DEFAULT_SEED = 42;

export interface InputRequest {
  /** Sets the leading dimension of inputs whose batch dimension is symbolic. */
  batch?: number;
  /** Full shapes by input name. */
  shapes?: Record<string, number[]>;
  /** Input tensors from files (.npy, .pb) or values (`sr=16000`), by input name. */
  inputFiles?: Record<string, string>;
  seed?: number;
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
  loaded: { readonly inputs: readonly TensorInfo[] },
  options: InputRequest,
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

/** `files` only when every input came from --input (a file or a value): then the seed played no part. */
export function inputSourceOf(inputs: number, fromFiles: number): 'synthetic' | 'files' | 'mixed' {
  if (fromFiles === 0) return 'synthetic';
  return fromFiles >= inputs ? 'files' : 'mixed';
}

/** The batch size: the leading dimension of the first input (1 for scalars). */
export function batchOf(shapes: Record<string, number[]>, firstInput: string | undefined): number {
  const dims = firstInput ? shapes[firstInput] : undefined;
  return dims && dims.length > 0 ? dims[0] : 1;
}
