/**
 * The user's files and the model's interface, checked before anything is built: the output path,
 * the data sources, the batches and shapes the model accepts, the EPs that work here.
 */
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { OrtExecutionProvider } from '../engines/ort-options.js';
import { messageOf, UserError } from '../errors.js';
import { resolveInputShape } from '../onnx/shapes.js';
import type { TensorInfo } from '../onnx/tensor.js';
import type { Objective } from '../study/tune-record.js';
import type { TuneData } from './measurer.js';
import { DATA_SEED, DEFAULT_SAMPLE_COUNT, THROUGHPUT_BATCHES, type TuneOptions } from './options.js';
import { defaultSpace, type SearchSpace, validateSpace } from './space.js';

/** The output path: an .onnx file that is not the input, in a folder that can be written. */
export async function checkOutput(output: string, input: string): Promise<string> {
  const resolved = path.resolve(output);
  if (!resolved.toLowerCase().endsWith('.onnx'))
    throw new UserError(`-o ${output}: the output file must end in .onnx`);
  const inputReal = await realpath(input);
  const outputReal = await realpath(resolved).catch(() => resolved);
  if (inputReal === outputReal)
    throw new UserError(`-o ${output} is the input model: write the tuned model to another file`);
  const info = await stat(resolved).catch(() => undefined);
  if (info?.isDirectory()) throw new UserError(`-o ${output} is a folder: give a file name ending in .onnx`);
  const dir = path.dirname(resolved);
  try {
    await makeFolders(dir);
    await access(dir, fsConstants.W_OK);
    if (info) await access(resolved, fsConstants.W_OK);
  } catch (error) {
    throw new UserError(`cannot write the tuned model to ${output}: ${messageOf(error)}`);
  }
  return resolved;
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir can spin forever where a level cannot be
 * made (under /proc, for one), instead of failing.
 */
async function makeFolders(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = dir;
  while (!(await stat(at).catch(() => undefined))) {
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing) await mkdir(folder);
}

async function checkSource(source: string | undefined, flag: string): Promise<void> {
  if (source === undefined || source === 'synthetic') return;
  if (!(await stat(source).catch(() => undefined)))
    throw new UserError(
      `${flag} ${source}: not found (give a folder of images or tensors, a video, or synthetic)`,
    );
}

/** The calibration and fidelity data as absolute sources, checked to exist. */
export async function resolveData(options: TuneOptions): Promise<TuneData> {
  await checkSource(options.calib, '--calib');
  await checkSource(options.inputs, '--inputs');
  const real = (source: string | undefined) =>
    source !== undefined && source !== 'synthetic' ? path.resolve(source) : undefined;
  const calibration = real(options.calib) ?? 'synthetic';
  const inputs = options.inputs === 'synthetic' ? 'synthetic' : (real(options.inputs) ?? calibration);
  const labels = options.labels ? path.resolve(options.labels) : undefined;
  if (labels && !(await stat(labels).catch(() => undefined))?.isDirectory())
    throw new UserError(`--labels ${options.labels}: not a folder (give one subfolder of images per class)`);
  return {
    calibration: { source: calibration, count: options.calibCount ?? DEFAULT_SAMPLE_COUNT },
    fidelity: {
      inputs,
      count: options.fidelityCount ?? DEFAULT_SAMPLE_COUNT,
      ...(labels ? { labels } : {}),
    },
    ...(options.shapes && Object.keys(options.shapes).length > 0 ? { shapes: options.shapes } : {}),
    ...(options.preprocess ? { preprocess: options.preprocess } : {}),
    seed: DATA_SEED,
  };
}

/** Leading dimension fixed by the model (the same on every input), or undefined when free. */
function fixedBatch(inputs: readonly TensorInfo[]): number | undefined {
  const firsts = inputs.map((i) => i.shape[0]);
  if (firsts.length === 0 || firsts.some((d) => typeof d !== 'number' || d <= 0)) return undefined;
  return firsts.every((d) => d === firsts[0]) ? (firsts[0] as number) : undefined;
}

/** The shapes for one batch: the user's, with the leading dimension set to the batch where it is free. */
export function shapesFor(
  shapes: Record<string, number[]> | undefined,
  inputs: readonly TensorInfo[],
  batch: number,
): Record<string, number[]> | undefined {
  if (!shapes) return undefined;
  const out: Record<string, number[]> = {};
  for (const [name, dims] of Object.entries(shapes)) {
    const info = inputs.find((i) => i.name === name);
    const free = info && !(typeof info.shape[0] === 'number' && info.shape[0] > 0);
    out[name] = free && dims.length > 0 ? [batch, ...dims.slice(1)] : dims;
  }
  return out;
}

/**
 * The search space: the user's overrides on the defaults; the EPs that work here when none are
 * named; the batches the model accepts (its own when it fixes one). Every shape must resolve for
 * every batch (the same message as `run` gives).
 */
export async function resolveSpace(
  options: TuneOptions,
  context: {
    objective: Objective;
    physicalCores: number;
    inputs: readonly TensorInfo[];
    data: TuneData;
    /** The providers that work where the candidates run (default: those that initialize here). */
    eps?: OrtExecutionProvider[];
  },
): Promise<SearchSpace> {
  const given = options.space ?? {};
  const eps = given.eps ?? context.eps ?? (await workingExecutionProviders());
  const fixed = fixedBatch(context.inputs);
  const batches =
    given.batches ??
    (fixed !== undefined ? [fixed] : context.objective === 'throughput' ? [...THROUGHPUT_BATCHES] : [1]);
  const space = validateSpace({
    ...defaultSpace({ physicalCores: context.physicalCores }),
    ...given,
    eps,
    batches,
  });
  for (const batch of space.batches)
    for (const info of context.inputs)
      resolveInputShape(info, { batch, shapes: shapesFor(context.data.shapes, context.inputs, batch) });
  return space;
}

/** Execution providers that initialize here (the CPU at least). */
async function workingExecutionProviders(): Promise<OrtExecutionProvider[]> {
  const { probeExecutionProviders } = await import('../engines/ort-probe.js');
  try {
    const probes = await probeExecutionProviders();
    const working = probes
      .filter((p) => p.available)
      .map((p) => p.id.replace(/^ort\//, '') as OrtExecutionProvider);
    return working.includes('cpu') ? working : ['cpu', ...working];
  } catch {
    return ['cpu'];
  }
}
