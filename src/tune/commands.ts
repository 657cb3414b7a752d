/**
 * The commands that rebuild a tune's winner and measure it again, as a user types them:
 * `edgebench optimize MODEL --recipe … -o BEST.onnx && edgebench run BEST.onnx --threads …`.
 * Pure. They use the CLI's own defaults where the tune did (synthetic calibration samples are seeded
 * the same way), so the rebuilt file is the winner's.
 */
import { IMAGENET_PREPROCESS, type ImagePreprocess } from '../optimize/calibration-data.js';
import type { BuildSpec, CandidateSpec } from './space.js';

export interface CommandContext {
  /** The model as the user named it (a path or zoo:NAME…). */
  modelRef: string;
  /** Where the winner is (or would be) written. */
  output: string;
  calibration: { source: string; count: number };
  shapes?: Record<string, number[]>;
  preprocess?: ImagePreprocess;
}

/** Quotes a shell word when it holds anything beyond a safe set. */
export function shellWord(word: string): string {
  if (/^[\w./:=,@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function shapeFlags(shapes: Record<string, number[]> | undefined): string[] {
  return Object.entries(shapes ?? {}).flatMap(([name, dims]) => ['--shape', `${name}=${dims.join('x')}`]);
}

function preprocessFlags(p: ImagePreprocess | undefined): string[] {
  if (!p) return [];
  const same = (a: readonly number[], b: readonly number[]) => a.every((v, i) => v === b[i]);
  const flags: string[] = [];
  if (!same(p.mean, IMAGENET_PREPROCESS.mean)) flags.push('--mean', p.mean.join(','));
  if (!same(p.std, IMAGENET_PREPROCESS.std)) flags.push('--std', p.std.join(','));
  if (p.fit !== IMAGENET_PREPROCESS.fit) flags.push('--fit', p.fit);
  return flags;
}

/** [optimize, run] for a recipe build; [run] for the model as given (BEST.onnx is its copy). */
export function rebuildCommands(
  build: BuildSpec,
  candidate: CandidateSpec,
  context: CommandContext,
): string[] {
  const where = candidate.target === 'local' ? [] : ['--target', candidate.target];
  const engine =
    candidate.engine === 'trtexec'
      ? ['--engine', 'trtexec', '--precision', candidate.precision ?? 'fp32']
      : [
          '--ep',
          candidate.ep,
          '--threads',
          String(candidate.threads),
          '--opt-level',
          candidate.graphOptLevel,
        ];
  const run = (model: string) =>
    [
      'edgebench',
      'run',
      model,
      ...where,
      ...engine,
      '--batch',
      String(candidate.batch),
      ...shapeFlags(context.shapes),
    ]
      .map(shellWord)
      .join(' ');
  if (build.recipes.length === 0) return [run(context.modelRef)];
  const optimize = ['edgebench', 'optimize', context.modelRef, '--recipe', build.recipes.join(',')];
  if (build.recipes.includes('int8-static')) {
    optimize.push('--calib', context.calibration.source, '--calib-count', String(context.calibration.count));
    optimize.push('--calib-method', build.calibrationMethod ?? 'minmax');
    optimize.push('--activation-type', build.activationType ?? 'uint8');
  }
  for (const node of build.keepFloat ?? []) optimize.push('--exclude', node);
  if (build.dynamicConv) optimize.push('--dynamic-conv');
  optimize.push(...shapeFlags(context.shapes), ...preprocessFlags(context.preprocess));
  optimize.push('--no-fidelity', '-o', context.output);
  return [optimize.map(shellWord).join(' '), run(context.output)];
}
