/**
 * A pipeline on a board. Decode, preprocess, the model and postprocess are edgebench's own
 * JavaScript, so a pipeline runs on a board only where edgebench runs there (Node 20+ and the
 * `edgebench` command: the probe's `edgebench` engine). The model, the media and the labels are
 * copied into the device cache (once per content; a folder keeps its class subfolders, which the
 * accuracy reads), the board's `edgebench pipeline … --json -` runs them, and its result comes back
 * with the device's paths turned into this machine's and the target recorded. Pure orchestration:
 * every figure is the board's.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { BundleFile } from '../targets/cache.js';
import { edgebenchThere, type TargetConnection } from '../targets/sessions.js';
import { listImages } from './image.js';

/** Where a pipeline result says it ran, when not here (as a run result's `target`). */
export interface PipelineTarget {
  name: string;
  address: string;
  runner: string;
  level: string | null;
}

export interface PipelineOnTargetRequest {
  kind: 'image' | 'video';
  /** The model file here (a zoo model already resolved to its ONNX file). */
  modelPath: string;
  /** Image files and folders, or video files, here. */
  media: readonly string[];
  labelsFile?: string;
  /** The pipeline's other flags, as its command line takes them (no paths among them). */
  args: readonly string[];
  signal?: AbortSignal;
}

/**
 * Why a pipeline cannot run on this target, in one line, or undefined when it can: it needs
 * edgebench on the device.
 */
export function pipelineRefusal(connection: TargetConnection): string | undefined {
  const entry = connection.device.engines.find((e) => e.id === 'edgebench');
  if (entry?.available) return undefined;
  return `the pipeline (decode, preprocess, model, postprocess) is edgebench's own code, so on ${connection.name} it needs edgebench on the device (Node 20 or later and the edgebench command on its PATH; there: ${entry?.reason ?? 'not found'}); to time the model alone there, use edgebench run MODEL --target ${connection.name}`;
}

/** The files of one input, as a bundle keeps them (a folder's images under their relative paths). */
async function inputFiles(
  kind: 'image' | 'video',
  input: string,
): Promise<{ files: BundleFile[]; at: string }> {
  const info = await stat(input).catch(() => null);
  if (!info) throw new UserError(`cannot copy ${input} to the device: no such file or folder`);
  if (!info.isDirectory())
    return {
      files: [{ localPath: input, name: bundleName(path.basename(input)) }],
      at: bundleName(path.basename(input)),
    };
  if (kind === 'video') throw new UserError(`--video takes video files, and ${input} is a folder`);
  const { items } = await listImages([input]);
  if (items.length === 0) throw new UserError(`no images in ${input} to copy to the device`);
  const root = bundleName(path.basename(path.resolve(input)));
  const files = items.map((item) => ({
    localPath: item.file,
    name: `${root}/${path.relative(input, item.file).split(path.sep).map(bundleName).join('/')}`,
  }));
  return { files, at: root };
}

/** A path segment as a bundle may hold it: anything but what a file system or the listing would read otherwise. */
function bundleName(segment: string): string {
  if (
    segment === '' ||
    segment === '.' ||
    segment === '..' ||
    segment.startsWith('.') ||
    /[/\0\n]/.test(segment)
  )
    throw new UserError(`cannot copy a file named ${JSON.stringify(segment)} to the device: rename it`);
  return segment;
}

/** Runs the pipeline on the board; its result document, as this machine's command would print it. */
export async function runPipelineOnTarget(
  connection: TargetConnection,
  request: PipelineOnTargetRequest,
): Promise<Record<string, unknown>> {
  const refusal = pipelineRefusal(connection);
  if (refusal) throw new UserError(refusal);
  const { cache, transport } = connection;
  const signal = request.signal ? { signal: request.signal } : {};
  /** Device path → the path here, to give the result back in this machine's terms. */
  const here = new Map<string, string>();
  const model = await cache.upload(request.modelPath, signal);
  here.set(model.remotePath, request.modelPath);
  const media: string[] = [];
  for (const input of request.media) {
    request.signal?.throwIfAborted();
    const { files, at } = await inputFiles(request.kind, input);
    const bundle = await cache.uploadBundle(files);
    media.push(`${bundle.remoteDir}/${at}`);
    here.set(`${bundle.remoteDir}/${at}`, input);
  }
  const labels = request.labelsFile ? await cache.upload(request.labelsFile, signal) : undefined;
  if (labels && request.labelsFile) here.set(labels.remotePath, request.labelsFile);

  const args = [
    'pipeline',
    request.kind,
    '--model',
    model.remotePath,
    request.kind === 'image' ? '--images' : '--video',
    ...media,
    ...(labels ? ['--labels', labels.remotePath] : []),
    ...request.args,
    '--json',
    '-',
  ];
  let text = await edgebenchThere(connection, args, {
    doing: `running the ${request.kind} pipeline on the device`,
    failed: `the ${request.kind} pipeline on ${connection.name} failed`,
    ...signal,
  });
  // Longest first, so a folder's path is not cut by a shorter one it starts with.
  for (const [remote, local] of [...here].sort((a, b) => b[0].length - a[0].length))
    text = text.split(JSON.stringify(remote).slice(1, -1)).join(JSON.stringify(local).slice(1, -1));
  const document = JSON.parse(text) as Record<string, unknown>;
  const target: PipelineTarget = {
    name: connection.name,
    address: transport.address,
    runner: `edgebench pipeline ${request.kind} (on the device)`,
    level: connection.device.level,
  };
  return { ...document, target };
}
