/**
 * The parts every result shares, whatever produced it (a measurement, a pipeline run): who wrote it
 * and when, what model file it ran, the machine and runtimes, and a session opened with its cold
 * start timed. One home, so `run`, studies, pipelines and the fleet describe things alike.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Engine, OpsetUpgradeInfo, Session } from '../engines/engine.js';
import { onnxruntimeVersion } from '../engines/ort-binding.js';
import { UserError } from '../errors.js';
import { describeHost, type HostInfo } from '../host/host.js';
import type { TensorInfo } from '../onnx/tensor.js';
import { sha256File } from '../util/hash.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { SCHEMA_VERSION } from './result.js';

export interface Stamp {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'edgebench'; version: string };
  createdAt: string;
}

/** Who wrote a result, and when. */
export function authorship(): Omit<Stamp, 'schemaVersion'> {
  return { tool: { name: 'edgebench', version: EDGEBENCH_VERSION }, createdAt: new Date().toISOString() };
}

/** A run result's stamp: its schema version, who wrote it, and when. */
export function stamp(): Stamp {
  return { schemaVersion: SCHEMA_VERSION, ...authorship() };
}

/** A model file as results identify it: where, what it is called, and its bytes' hash and size. */
export interface ModelFile {
  path: string;
  name: string;
  sha256: string;
  sizeBytes: number;
}

/** The file's facts, or undefined when `model` names no file (a zoo definition, the null model). */
export async function modelFile(model: string, name?: string): Promise<ModelFile | undefined> {
  const info = await stat(model).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return {
    path: path.resolve(model),
    name: name ?? path.basename(model),
    sha256: await sha256File(model),
    sizeBytes: info.size,
  };
}

/** A model file that must exist: one line saying what is wrong when it does not. */
export async function requireModelFile(model: string, name?: string): Promise<ModelFile> {
  const info = await stat(model).catch(() => undefined);
  if (!info) throw new UserError(`model file not found: ${model}`);
  if (!info.isFile()) throw new UserError(`model path is not a file: ${model}`);
  return (await modelFile(model, name))!;
}

/** Declared inputs or outputs as results list them. */
export function tensorList(
  infos: readonly TensorInfo[],
): { name: string; type: string; shape: (number | string)[] }[] {
  return infos.map((i) => ({ name: i.name, type: String(i.type), shape: [...i.shape] }));
}

/**
 * The model as a result describes it: the file's facts where it is a file (else the model as given,
 * with no hash or size), and the inputs and outputs the runtime declares.
 */
export function modelFacts(
  model: string,
  modelName: string | undefined,
  file: ModelFile | undefined,
  declared: {
    inputs: readonly TensorInfo[];
    outputs: readonly TensorInfo[];
    opsetUpgrade?: OpsetUpgradeInfo;
  },
) {
  return {
    path: file?.path ?? model,
    name: modelName ?? file?.name ?? model,
    sha256: file?.sha256 ?? null,
    sizeBytes: file?.sizeBytes ?? null,
    inputs: tensorList(declared.inputs),
    outputs: tensorList(declared.outputs),
    ...(declared.opsetUpgrade ? { opsetUpgrade: declared.opsetUpgrade } : {}),
  };
}

export interface EnvironmentFacts {
  host: Record<string, unknown>;
  onnxruntime: string;
  edgebench: string;
  engine?: { name: string; version: string };
}

export async function environmentFacts(
  host?: HostInfo,
  engine?: { name: string; version: string },
): Promise<EnvironmentFacts> {
  return {
    host: (host ?? (await describeHost())) as unknown as Record<string, unknown>,
    onnxruntime: onnxruntimeVersion(),
    edgebench: EDGEBENCH_VERSION,
    ...(engine ? { engine } : {}),
  };
}

/**
 * Opens `model` on `engine`, timing the cold start: session creation only (an in-memory opset
 * upgrade is reported apart, as `model.opsetUpgrade`).
 */
export async function openTimed(
  engine: Engine,
  model: string,
  options: Record<string, unknown>,
  variant?: string,
): Promise<{ session: Session; coldStartMs: number }> {
  const started = performance.now();
  const session = await engine.open(model, options, variant);
  const upgradeMs = session.kind === 'in-process' ? (session.opsetUpgrade?.durationMs ?? 0) : 0;
  return { session, coldStartMs: performance.now() - started - upgradeMs };
}
