/**
 * The search space of `tune`: which model files to build (recipes and their settings) and which
 * runtime settings to run each with (graph level, threads, execution provider, batch). Pure: no I/O.
 *
 * Builds (families):
 * - fp32: the model as given, at each graph optimization level in `levels`;
 * - fuse; fuse,fp16; fuse,int8-dynamic; fuse,int8-dynamic with Conv (ConvInteger, a known trap on
 *   onnxruntime's CPU provider, kept so the race shows it);
 * - fuse,int8-static × calibration method × activation type;
 * - mixed: an int8-static build with its most sensitive ops, or its first ops from the input, kept
 *   in float (made during the search, once the count that meets the budget is known; see mixed.ts).
 * Recipe builds run at level all (what they are made for). Every build runs at every thread count
 * and on every execution provider of the space, and, for the throughput objective, at every batch.
 *
 * A candidate carries the engine and target that run it: onnxruntime on this machine, or, with
 * `--target`, onnxruntime on the board and the board's trtexec at its own precisions (fp16, int8,
 * best) when the board has it.
 */
import type { GraphOptLevel, OrtExecutionProvider } from '../engines/ort-options.js';
import { UserError } from '../errors.js';
import type { QuantType } from '../optimize/quantize/quant-math.js';
import type { RecipeName } from '../optimize/recipes.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../optimize/settings.js';
import type { TuneData } from './measurer.js';

export const BUILD_FAMILIES = [
  'fp32',
  'fuse',
  'fp16',
  'int8-dynamic',
  'int8-dynamic-conv',
  'int8-static',
  'mixed',
] as const;
export type BuildFamily = (typeof BUILD_FAMILIES)[number];

export const ACTIVATION_TYPES: readonly QuantType[] = ['uint8', 'int8'];
/** Levels the model as given is tried at (layout is part of all on the CPU provider). */
export const TUNE_LEVELS: readonly GraphOptLevel[] = ['disabled', 'basic', 'extended', 'all'];

export interface SearchSpace {
  families: BuildFamily[];
  /** Graph levels of the fp32 build; recipe builds run at 'all'. */
  levels: GraphOptLevel[];
  calibrationMethods: CalibrationMethod[];
  activationTypes: QuantType[];
  threads: number[];
  eps: OrtExecutionProvider[];
  batches: number[];
}

/** How one model file is made from the input model. */
export interface BuildSpec {
  /** Unique and readable: `fp32`, `fuse,int8-static(entropy,uint8)`, `…+mixed(7/21)`. */
  id: string;
  family: BuildFamily;
  recipes: RecipeName[];
  calibrationMethod?: CalibrationMethod;
  activationType?: QuantType;
  dynamicConv?: boolean;
  /** Mixed precision: the nodes kept in float. */
  keepFloat?: string[];
  /** Mixed precision: the int8-static build it comes from, how many of its ops stay float, in which order. */
  mixed?: { from: string; kept: number; ranked: number; order?: MixedOrder };
}

/**
 * The engine a candidate runs with: onnxruntime (here, or the board's), or, on a board that has
 * it, TensorRT's trtexec building its own engine from the ONNX file at a precision.
 */
export type CandidateEngine = 'ort' | 'trtexec';
/** `local` (this machine), or the name of the target (a board) it is measured on. */
export type CandidateTarget = string;
/** trtexec's precisions a tune races: its own reduced precisions (fp32 is onnxruntime's fp32 build). */
export const TRTEXEC_PRECISIONS = ['fp16', 'int8', 'best'] as const;
export type TrtexecPrecision = (typeof TRTEXEC_PRECISIONS)[number];

/** How a candidate is deployed: where and with what it runs. */
export interface CandidateDeployment {
  engine: CandidateEngine;
  target: CandidateTarget;
  /** onnxruntime's execution provider; `tensorrt` for trtexec candidates. */
  ep: OrtExecutionProvider;
  graphOptLevel: GraphOptLevel;
  threads: number;
  batch: number;
  /** trtexec candidates: the precision trtexec builds its engine at. */
  precision?: TrtexecPrecision;
}

/** A candidate's deployment fields alone, in their stored order. */
export function deploymentOf(spec: CandidateDeployment): CandidateDeployment {
  const { engine, target, ep, graphOptLevel, threads, batch, precision } = spec;
  return { engine, target, ep, graphOptLevel, threads, batch, ...(precision ? { precision } : {}) };
}

/** Where the candidates run: this machine, or a board with the engines it has. */
export interface Deployment {
  target: CandidateTarget;
  /** The board runs trtexec: its precisions join the candidates of the model as given. */
  trtexec: boolean;
}

export const LOCAL_DEPLOYMENT: Readonly<Deployment> = Object.freeze({ target: 'local', trtexec: false });

export interface CandidateSpec extends CandidateDeployment {
  /** Unique within a tune: `<label> t<threads> <ep> b<batch>`. */
  id: string;
  /** The build, plus its graph level when that is not all: `fp32@disabled`, `fuse,fp16`. */
  label: string;
  build: string;
  /** The reference everything is compared with: the model as given, onnxruntime's defaults. */
  baseline: boolean;
}

/** 1, 2, 4, … up to the physical cores, and the physical core count itself. */
export function defaultThreads(physicalCores: number): number[] {
  const cores = Math.max(1, Math.floor(physicalCores));
  const out: number[] = [];
  for (let t = 1; t < cores; t *= 2) out.push(t);
  out.push(cores);
  return out;
}

export function defaultSpace(options: {
  physicalCores: number;
  eps?: OrtExecutionProvider[];
  batches?: number[];
}): SearchSpace {
  return {
    families: [...BUILD_FAMILIES],
    levels: [...TUNE_LEVELS],
    calibrationMethods: [...CALIBRATION_METHODS],
    activationTypes: [...ACTIVATION_TYPES],
    threads: defaultThreads(options.physicalCores),
    eps: options.eps ?? ['cpu'],
    batches: options.batches ?? [1],
  };
}

/** Refuses an empty or malformed space with what to give instead. */
export function validateSpace(space: SearchSpace): SearchSpace {
  const need = <T>(list: readonly T[], what: string) => {
    if (list.length === 0) throw new UserError(`the search space has no ${what}`);
  };
  need(space.families, 'build family');
  need(space.threads, 'thread count');
  need(space.eps, 'execution provider');
  need(space.batches, 'batch size');
  if (space.families.includes('fp32')) need(space.levels, 'graph level for the fp32 build');
  if (space.families.includes('int8-static') || space.families.includes('mixed')) {
    need(space.calibrationMethods, 'calibration method for int8-static');
    need(space.activationTypes, 'activation type for int8-static');
  }
  if (space.families.includes('mixed') && !space.families.includes('int8-static'))
    throw new UserError('mixed precision starts from int8-static builds: add int8-static to the space');
  for (const t of space.threads)
    if (!Number.isInteger(t) || t < 1)
      throw new UserError(`threads must be whole numbers ≥ 1 (explicit counts, not 0); got ${t}`);
  for (const b of space.batches)
    if (!Number.isInteger(b) || b < 1) throw new UserError(`batch sizes must be whole numbers ≥ 1; got ${b}`);
  return {
    ...space,
    threads: [...new Set(space.threads)].sort((a, b) => a - b),
    batches: [...new Set(space.batches)].sort((a, b) => a - b),
  };
}

export function staticBuildId(method: CalibrationMethod, activation: QuantType): string {
  return `fuse,int8-static(${method},${activation})`;
}

/**
 * Which ops a mixed build keeps in float: the `kept` most sensitive, or the first `kept` in graph
 * order from the input (one float region at the input).
 */
export type MixedOrder = 'most-sensitive' | 'from-input';
export const MIXED_ORDERS: readonly MixedOrder[] = ['most-sensitive', 'from-input'];

export function mixedBuildId(
  from: string,
  kept: number,
  ranked: number,
  order: MixedOrder = 'most-sensitive',
): string {
  return `${from}+mixed(${order === 'from-input' ? 'first ' : ''}${kept}/${ranked})`;
}

/** The builds made before any timing (mixed ones come later, from the search). */
export function planBuilds(space: SearchSpace): BuildSpec[] {
  const builds: BuildSpec[] = [{ id: 'fp32', family: 'fp32', recipes: [] }];
  const has = (f: BuildFamily) => space.families.includes(f);
  if (has('fuse')) builds.push({ id: 'fuse', family: 'fuse', recipes: ['fuse'] });
  if (has('fp16')) builds.push({ id: 'fuse,fp16', family: 'fp16', recipes: ['fuse', 'fp16'] });
  if (has('int8-dynamic'))
    builds.push({ id: 'fuse,int8-dynamic', family: 'int8-dynamic', recipes: ['fuse', 'int8-dynamic'] });
  if (has('int8-dynamic-conv'))
    builds.push({
      id: 'fuse,int8-dynamic+conv',
      family: 'int8-dynamic-conv',
      recipes: ['fuse', 'int8-dynamic'],
      dynamicConv: true,
    });
  if (has('int8-static'))
    for (const method of space.calibrationMethods)
      for (const activation of space.activationTypes)
        builds.push({
          id: staticBuildId(method, activation),
          family: 'int8-static',
          recipes: ['fuse', 'int8-static'],
          calibrationMethod: method,
          activationType: activation,
        });
  return builds;
}

/** A mixed-precision build: `from` (an int8-static build) with the first `kept` of `ops` in float. */
export function mixedBuild(
  from: BuildSpec,
  ops: readonly string[],
  kept: number,
  order: MixedOrder = 'most-sensitive',
): BuildSpec {
  return {
    id: mixedBuildId(from.id, kept, ops.length, order),
    family: 'mixed',
    recipes: from.recipes,
    ...(from.calibrationMethod ? { calibrationMethod: from.calibrationMethod } : {}),
    ...(from.activationType ? { activationType: from.activationType } : {}),
    keepFloat: ops.slice(0, kept),
    mixed: { from: from.id, kept, ranked: ops.length, ...(order === 'from-input' ? { order } : {}) },
  };
}

function candidateLabel(build: BuildSpec, level: GraphOptLevel): string {
  return build.family === 'fp32' || level !== 'all' ? `${build.id}@${level}` : build.id;
}

export function candidateId(label: string, threads: number, ep: string, batch: number): string {
  return `${label} t${threads} ${ep} b${batch}`;
}

/**
 * The candidates of some builds over the runtime axes. The baseline — the fp32 model at level all
 * with the most threads, on the first EP, at the smallest batch (onnxruntime's defaults on this
 * machine) — is always among them, even when the space leaves fp32 out.
 */
export function planCandidates(
  builds: readonly BuildSpec[],
  space: SearchSpace,
  deployment: Readonly<Deployment> = LOCAL_DEPLOYMENT,
): CandidateSpec[] {
  const baselineThreads = Math.max(...space.threads);
  const baselineEp = space.eps[0];
  const baselineBatch = Math.min(...space.batches);
  const out: CandidateSpec[] = [];
  const seen = new Set<string>();
  const add = (
    build: BuildSpec,
    level: GraphOptLevel,
    threads: number,
    ep: OrtExecutionProvider,
    batch: number,
  ) => {
    const label = candidateLabel(build, level);
    const id = candidateId(label, threads, ep, batch);
    if (seen.has(id)) return;
    seen.add(id);
    out.push({
      id,
      label,
      build: build.id,
      engine: 'ort',
      target: deployment.target,
      ep,
      graphOptLevel: level,
      threads,
      batch,
      baseline:
        build.family === 'fp32' &&
        level === 'all' &&
        threads === baselineThreads &&
        ep === baselineEp &&
        batch === baselineBatch,
    });
  };
  for (const build of builds) {
    if (build.family === 'fp32') {
      // The baseline first, so that it is the first candidate measured.
      add(build, 'all', baselineThreads, baselineEp, baselineBatch);
      if (!space.families.includes('fp32')) continue;
      for (const level of space.levels)
        for (const ep of space.eps)
          for (const threads of space.threads)
            for (const batch of space.batches) add(build, level, threads, ep, batch);
      // trtexec builds its engine from the model as given, at each of its precisions.
      if (deployment.trtexec)
        for (const precision of TRTEXEC_PRECISIONS)
          for (const batch of space.batches) {
            const label = `trtexec ${precision}`;
            out.push({
              id: `${label} b${batch}`,
              label,
              build: build.id,
              engine: 'trtexec',
              target: deployment.target,
              ep: 'tensorrt',
              graphOptLevel: 'all',
              threads: baselineThreads,
              batch,
              precision,
              baseline: false,
            });
          }
      continue;
    }
    for (const ep of space.eps)
      for (const threads of space.threads)
        for (const batch of space.batches) add(build, 'all', threads, ep, batch);
  }
  return out;
}

/**
 * Recipes a candidate applies (what tie-breaking counts): its build's, mixed precision one more,
 * and a trtexec reduced precision one more (it is a change to the model as given, too).
 */
export function recipeCount(build: BuildSpec, candidate?: Pick<CandidateDeployment, 'precision'>): number {
  return (
    build.recipes.length +
    (build.keepFloat && build.keepFloat.length > 0 ? 1 : 0) +
    (candidate?.precision !== undefined ? 1 : 0)
  );
}

/** How a build calibrates on the tune's data (min-max unless the build says otherwise). */
export function calibrationOf(data: TuneData, build: BuildSpec) {
  return {
    source: data.calibration.source,
    count: data.calibration.count,
    method: build.calibrationMethod ?? 'minmax',
    seed: data.seed,
    ...(data.preprocess ? { preprocess: data.preprocess } : {}),
    ...(data.cacheDir ? { cacheDir: data.cacheDir } : {}),
  };
}
