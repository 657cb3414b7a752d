/** Zoo build options: parsing, defaults and validation (at the edge, with errors users can act on). */
import { UserError } from '../errors.js';
import type { ZooArchitecture, ZooTask } from './types.js';

export interface ZooOptions {
  /** Output classes (default 1000 for classification, 400 for video). */
  classes?: number;
  /** 'paper': the study's heads — 2 classes for classification, 4 for video. */
  preset?: 'paper';
  /** Full input shape, batch first, e.g. [1, 3, 160, 160] or '1x3x160x160'. */
  input?: number[] | string;
  /** Weight seed (default 0). */
  seed?: number;
}

/** Options after defaults and validation; what a generated model is keyed by. */
export interface ResolvedZooOptions {
  classes: number;
  input: number[];
  seed: number;
}

export const DEFAULT_CLASSES: Record<ZooTask, number> = { classification: 1000, video: 400 };
export const PAPER_CLASSES: Record<ZooTask, number> = { classification: 2, video: 4 };
export const PRESETS = ['paper'] as const;

/** Parses '1x3x160x160' (also accepts ',' or '×' as separators). */
export function parseInputShape(text: string): number[] {
  const parts = text.trim().split(/[x×,]/i);
  const dims = parts.map((p) => Number(p));
  if (parts.length < 2 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new UserError(`invalid input shape '${text}': expected positive integers like 1x3x224x224`);
  }
  return dims;
}

export function formatShape(dims: readonly number[]): string {
  return dims.join('x');
}

export function resolveZooOptions(
  architecture: ZooArchitecture,
  options: ZooOptions = {},
): ResolvedZooOptions {
  const { name, task, defaultInput } = architecture;
  if (options.preset !== undefined && !PRESETS.includes(options.preset)) {
    throw new UserError(`unknown preset '${options.preset}'; available: ${PRESETS.join(', ')}`);
  }
  const presetClasses = options.preset === 'paper' ? PAPER_CLASSES[task] : undefined;
  if (options.classes !== undefined && presetClasses !== undefined && options.classes !== presetClasses) {
    throw new UserError(
      `--classes ${options.classes} contradicts preset 'paper' (${presetClasses} classes for ${task})`,
    );
  }
  const classes = options.classes ?? presetClasses ?? DEFAULT_CLASSES[task];
  if (!Number.isInteger(classes) || classes < 1) {
    throw new UserError(`invalid classes '${options.classes}': expected a positive integer`);
  }
  const input =
    typeof options.input === 'string' ? parseInputShape(options.input) : (options.input ?? defaultInput);
  if (
    input.length !== defaultInput.length ||
    input[1] !== 3 ||
    input.some((d) => !Number.isInteger(d) || d <= 0)
  ) {
    throw new UserError(
      `invalid input shape ${formatShape(input)} for ${name}: expected ${defaultInput.length} dimensions ` +
        `like ${formatShape(defaultInput)} (batch first, 3 channels)`,
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UserError(`invalid seed '${options.seed}': expected an integer from 0 to 4294967295`);
  }
  return { classes, input: [...input], seed };
}
