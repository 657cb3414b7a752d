/**
 * trtexec command lines, by TensorRT version. Pure functions: what to pass, never how to run it.
 *
 * Spelling differences handled here: `--memPoolSize=workspace:N` (8.4+, MiB without a suffix) versus
 * `--workspace=N` (7.x–8.x, removed in 10); `--skipInference` (8.0+) versus `--buildOnly` (7.x).
 */
import type { StopRules } from '../../core/settings.js';
import type { ExternalPrecision } from '../external.js';
import { compareVersions, type TrtexecIdentity } from './locate.js';

export interface TrtexecFlavor {
  version?: string;
  memPoolSize: boolean;
  skipInference: boolean;
  /** `--timingCacheFile` exists from 8.0 on. */
  timingCache: boolean;
  /** TensorRT 7 builds ONNX networks only with `--explicitBatch` (implied from 8.0, removed in 10). */
  explicitBatch: boolean;
}

/** Which spellings this trtexec takes: from its version, else from what its help text mentions. */
export function flavorOf(identity: Pick<TrtexecIdentity, 'version' | 'helpMentions'>): TrtexecFlavor {
  const v = identity.version;
  if (v) {
    return {
      version: v,
      memPoolSize: compareVersions(v, '8.4') >= 0,
      skipInference: compareVersions(v, '8.0') >= 0,
      timingCache: compareVersions(v, '8.0') >= 0,
      explicitBatch: compareVersions(v, '8.0') < 0,
    };
  }
  const h = identity.helpMentions;
  return {
    memPoolSize: h.memPoolSize || !h.workspace,
    skipInference: h.skipInference || !h.buildOnly,
    timingCache: h.memPoolSize || h.skipInference,
    explicitBatch: h.buildOnly && !h.skipInference,
  };
}

/** trtexec quotes input names that contain its separators (`:` `,`) in single quotes. */
function quoteName(name: string): string {
  return /[:,]/.test(name) ? `'${name}'` : name;
}

/** `input:1x3x224x224,mask:1x16` for `--shapes`; empty when nothing needs a shape. */
export function shapesSpec(shapes: Record<string, readonly number[]>): string {
  return Object.entries(shapes)
    .map(([name, dims]) => `${quoteName(name)}:${dims.join('x')}`)
    .join(',');
}

export interface BuildArgsInput {
  onnxPath: string;
  enginePath: string;
  precision: ExternalPrecision;
  workspaceMiB: number;
  calibrationCachePath?: string;
  timingCachePath?: string;
  /** Shapes of dynamic inputs; the engine is built for exactly these (min = opt = max). */
  dynamicShapes: Record<string, readonly number[]>;
  deviceIndex: number;
  extra: readonly string[];
}

export function precisionFlags(precision: ExternalPrecision, calibrationCachePath?: string): string[] {
  switch (precision) {
    case 'fp32':
      return [];
    case 'fp16':
      return ['--fp16'];
    case 'int8':
      return ['--int8', ...(calibrationCachePath ? [`--calib=${calibrationCachePath}`] : [])];
    case 'best':
      return ['--best', ...(calibrationCachePath ? [`--calib=${calibrationCachePath}`] : [])];
  }
}

export function buildArgs(input: BuildArgsInput, flavor: TrtexecFlavor): string[] {
  const args = [`--onnx=${input.onnxPath}`, `--saveEngine=${input.enginePath}`];
  args.push(flavor.skipInference ? '--skipInference' : '--buildOnly');
  if (flavor.explicitBatch) args.push('--explicitBatch');
  args.push(...precisionFlags(input.precision, input.calibrationCachePath));
  if (input.workspaceMiB > 0) {
    args.push(
      flavor.memPoolSize
        ? `--memPoolSize=workspace:${input.workspaceMiB}`
        : `--workspace=${input.workspaceMiB}`,
    );
  }
  if (input.timingCachePath && flavor.timingCache) args.push(`--timingCacheFile=${input.timingCachePath}`);
  const spec = shapesSpec(input.dynamicShapes);
  if (spec) args.push(`--minShapes=${spec}`, `--optShapes=${spec}`, `--maxShapes=${spec}`);
  if (input.deviceIndex > 0) args.push(`--device=${input.deviceIndex}`);
  args.push(...input.extra);
  return args;
}

/** How edgebench's stop rules become trtexec flags, and what could not be honoured. */
export interface TrtexecTiming {
  warmUpMs: number;
  durationS: number;
  iterations: number;
  /** What actually governs the run (rules trtexec has no equivalent for are 0). */
  effective: StopRules;
  /** One line naming the requested rules trtexec cannot apply; undefined when all were applied. */
  unsupported?: string;
}

/**
 * trtexec warms up for `--warmUp` ms, then runs until both `--duration` seconds (an integer in older
 * versions, so rounded up) and `--iterations` queries are reached — edgebench's warm-up time, minimum
 * time and minimum count. It has no warm-up count, no maximums and no precision target.
 */
export function trtexecTiming(rules: StopRules): TrtexecTiming {
  const warmUpMs = Math.round(rules.warmupTimeMs);
  const durationS = Math.ceil(rules.minTimeMs / 1000);
  const iterations = Math.max(1, Math.round(rules.minCount));
  const skipped: string[] = [];
  if (rules.warmupCount > 0) skipped.push(`warm-up count ${rules.warmupCount}`);
  if (rules.maxCount > 0) skipped.push(`max count ${rules.maxCount}`);
  if (rules.maxTimeMs > 0) skipped.push(`max time ${rules.maxTimeMs} ms`);
  if (rules.relCi > 0) skipped.push(`precision target ${(rules.relCi * 100).toFixed(2)}%`);
  return {
    warmUpMs,
    durationS,
    iterations,
    effective: {
      warmupTimeMs: warmUpMs,
      warmupCount: 0,
      minTimeMs: durationS * 1000,
      minCount: iterations,
      maxCount: 0,
      maxTimeMs: 0,
      relCi: 0,
    },
    ...(skipped.length > 0
      ? {
          unsupported: `trtexec applies only warm-up time, minimum time and minimum count; not applied: ${skipped.join(', ')}`,
        }
      : {}),
  };
}

export interface RunArgsInput {
  enginePath: string;
  timing: Pick<TrtexecTiming, 'warmUpMs' | 'durationS' | 'iterations'>;
  exportTimesPath: string;
  exportProfilePath?: string;
  /** Shapes of dynamic inputs (required by trtexec when the engine has them). */
  dynamicShapes: Record<string, readonly number[]>;
  useSpinWait: boolean;
  noDataTransfers: boolean;
  useCudaGraph: boolean;
  deviceIndex: number;
  extra: readonly string[];
}

export function runArgs(input: RunArgsInput): string[] {
  const args = [
    `--loadEngine=${input.enginePath}`,
    `--warmUp=${input.timing.warmUpMs}`,
    `--duration=${input.timing.durationS}`,
    `--iterations=${input.timing.iterations}`,
    `--exportTimes=${input.exportTimesPath}`,
  ];
  if (input.exportProfilePath)
    args.push(`--exportProfile=${input.exportProfilePath}`, '--separateProfileRun');
  const spec = shapesSpec(input.dynamicShapes);
  if (spec) args.push(`--shapes=${spec}`);
  if (input.useSpinWait) args.push('--useSpinWait');
  if (input.noDataTransfers) args.push('--noDataTransfers');
  if (input.useCudaGraph) args.push('--useCudaGraph');
  if (input.deviceIndex > 0) args.push(`--device=${input.deviceIndex}`);
  args.push(...input.extra);
  return args;
}
