/**
 * Options that several commands take, defined once so that their names, help and parsing agree:
 * onnxruntime's execution provider and threads, calibration data, image inputs, stop rules.
 */
import { type Command, Option } from 'commander';
import type { StopRules } from '../core/settings.js';
import { ORT_EXECUTION_PROVIDERS } from '../engines/ort-options.js';
import { UserError } from '../errors.js';
import { parseShapeFlag } from '../onnx/shapes.js';
import { IMAGENET_PREPROCESS, type ImagePreprocess } from '../optimize/settings.js';
import { dropUndefined } from '../util/objects.js';
import { choiceFlag, collect, intFlag, numberFlag, threadsFlag } from './flags.js';

/** `--ep`: onnxruntime's execution provider (default cpu). */
export function executionProviderOption(): Option {
  return new Option('--ep <provider>', `execution provider: ${ORT_EXECUTION_PROVIDERS.join('|')}`)
    .argParser(choiceFlag('--ep', ORT_EXECUTION_PROVIDERS))
    .default('cpu');
}

/** `--threads`: onnxruntime's intra-op threads. */
export function threadsOption(): Option {
  return new Option('--threads <n>', 'intra-op threads (0 = onnxruntime decides)').argParser(
    threadsFlag('--threads'),
  );
}

/** `--calib` and `--calib-count`: the calibration data of int8-static quantization. */
export function calibrationOptions(command: Command): Command {
  return command
    .option(
      '--calib <source>',
      'calibration data: a folder of images or .npy/.pb tensors, a video, or synthetic',
      'synthetic',
    )
    .option('--calib-count <n>', 'calibration samples', intFlag('--calib-count', 1), 16);
}

export interface ImageInputFlags {
  shape?: string[];
  mean?: string;
  std?: string;
  fit: 'fill' | 'pad';
}

/**
 * `--shape`, `--mean`, `--std`, `--fit`: what a model's symbolic dimensions are and how images
 * become its input; `help` words a flag more fully where a command wants it.
 */
export function imageInputOptions(command: Command, help: { shape?: string; fit?: string } = {}): Command {
  return command
    .option('--shape <name=dims>', help.shape ?? 'input shape for symbolic dimensions (repeatable)', collect)
    .option('--mean <r,g,b>', 'image normalization mean (default ImageNet)')
    .option('--std <r,g,b>', 'image normalization std (default ImageNet)')
    .option(
      '--fit <mode>',
      help.fit ?? 'image resize: fill | pad',
      choiceFlag('--fit', ['fill', 'pad'] as const),
      'fill',
    );
}

/** The image-input flags read: the shapes by input name, and the image pre-processing. */
export function imageInputsOf(flags: ImageInputFlags): {
  shapes: Record<string, number[]>;
  preprocess: ImagePreprocess;
} {
  return {
    shapes: Object.fromEntries((flags.shape ?? []).map(parseShapeFlag)),
    preprocess: parsePreprocess(flags),
  };
}

/** --mean/--std/--fit into image pre-processing (ImageNet's by default). */
function parsePreprocess(flags: Partial<ImageInputFlags>): ImagePreprocess {
  const triple = (flag: string, text: string | undefined, fallback: [number, number, number]) => {
    if (text === undefined) return fallback;
    const values = text.split(',').map(Number);
    if (values.length === 1 && Number.isFinite(values[0]))
      return [values[0], values[0], values[0]] as [number, number, number];
    if (values.length !== 3 || values.some((v) => !Number.isFinite(v)))
      throw new UserError(
        `${flag} takes three numbers (R,G,B) or one, e.g. ${flag} 0.5,0.5,0.5; got '${text}'`,
      );
    return values as [number, number, number];
  };
  const std = triple('--std', flags.std, IMAGENET_PREPROCESS.std);
  if (std.some((s) => s === 0)) throw new UserError('--std values must not be 0');
  return { mean: triple('--mean', flags.mean, IMAGENET_PREPROCESS.mean), std, fit: flags.fit ?? 'fill' };
}

/** The stop-rule flags as commander names their values. */
export interface StopRuleFlags {
  warmupTime?: number;
  warmupCount?: number;
  minTime?: number;
  minCount?: number;
  maxCount?: number;
  maxTime?: number;
  relCi?: number;
}

/** Each stop rule's flag: its name, the value it takes, and where commander puts it. */
const STOP_RULE_FLAGS: { readonly [K in keyof StopRules]: readonly [string, string, keyof StopRuleFlags] } = {
  warmupTimeMs: ['--warmup-time', '<ms>', 'warmupTime'],
  warmupCount: ['--warmup-count', '<n>', 'warmupCount'],
  minTimeMs: ['--min-time', '<ms>', 'minTime'],
  minCount: ['--min-count', '<n>', 'minCount'],
  maxCount: ['--max-count', '<n>', 'maxCount'],
  maxTimeMs: ['--max-time', '<ms>', 'maxTime'],
  relCi: ['--rel-ci', '<fraction>', 'relCi'],
};

const STOP_RULE_KEYS = Object.keys(STOP_RULE_FLAGS) as Array<keyof StopRules>;

/** The flag that sets a stop rule (`minCount` → `--min-count`), for messages. */
export function stopRuleFlag(key: keyof StopRules): string {
  return STOP_RULE_FLAGS[key][0];
}

/**
 * The flags of the stop rules `help` words, in the rules' order: counts take whole numbers (at
 * least `least`, default 0), times and fractions any number ≥ 0.
 */
export function stopRuleOptions(
  command: Command,
  help: Partial<Record<keyof StopRules, string>>,
  least: Partial<Record<keyof StopRules, number>> = {},
): Command {
  for (const key of STOP_RULE_KEYS) {
    const text = help[key];
    if (text === undefined) continue;
    const [flag, value] = STOP_RULE_FLAGS[key];
    const parse = value === '<n>' ? intFlag(flag, least[key]) : numberFlag(flag, least[key]);
    command.option(`${flag} ${value}`, text, parse);
  }
  return command;
}

/** The stop rules the flags set (the others left out, so that defaults fill them). */
export function stopRulesOf(flags: StopRuleFlags): Partial<StopRules> {
  return dropUndefined(
    Object.fromEntries(STOP_RULE_KEYS.map((key) => [key, flags[STOP_RULE_FLAGS[key][2]]])),
  ) as Partial<StopRules>;
}
