/** `edgebench optimize MODEL --recipe NAME[,NAME…] -o OUT.onnx`: apply recipes, write, check fidelity. */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { RECIPES } from '../optimize/recipes.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../optimize/settings.js';
import { jsonDocument } from '../report/documents.js';
import { choiceFlag, collect, intFlag, numberFlag } from './flags.js';
import { type JsonFlag, jsonOption, jsonToStdout, printResult } from './json-output.js';
import {
  calibrationOptions,
  type ImageInputFlags,
  imageInputOptions,
  imageInputsOf,
} from './shared-options.js';
import { printableLine, writeWarning } from './terminal.js';

interface OptimizeFlags extends ImageInputFlags {
  recipe: string;
  output: string;
  calib: string;
  calibCount: number;
  calibMethod: CalibrationMethod;
  percentile?: number;
  activationType: 'uint8' | 'int8';
  perTensor?: boolean;
  reduceRange?: boolean;
  minSnr?: number;
  exclude?: string[];
  dynamicConv?: boolean;
  fp16Keep?: string[];
  fp16KeepSoftmax?: boolean;
  fidelity: boolean;
  opsetUpgrade: boolean;
  fidelityInputs?: string;
  fidelityCount?: number;
  labels?: string;
  json?: JsonFlag;
}

export function register(command: Command): void {
  jsonOption(command, 'the full report')
    .argument('<model>', 'ONNX file path, or zoo:NAME')
    .requiredOption(
      '--recipe <names>',
      `recipes, comma-separated, applied left to right:\n${RECIPES.map((r) => `  ${r.name}: ${r.description}`).join('\n')}`,
    )
    .requiredOption('-o, --output <file>', 'where to write the optimized model (never the input)');
  calibrationOptions(command)
    .option(
      '--calib-method <method>',
      CALIBRATION_METHODS.join('|'),
      choiceFlag('--calib-method', CALIBRATION_METHODS),
      'minmax',
    )
    .option(
      '--percentile <p>',
      'percentile calibration: share of |x| kept, in % (default 99.999)',
      numberFlag('--percentile'),
    )
    .option(
      '--activation-type <type>',
      'int8-static activations: uint8|int8',
      choiceFlag('--activation-type', ['uint8', 'int8'] as const),
      'uint8',
    )
    .option('--per-tensor', 'one weight scale per tensor instead of per output channel')
    .option('--reduce-range', '7-bit weights (default: only on x86 CPUs without VNNI, where 8-bit saturates)')
    .option(
      '--no-reduce-range',
      'full 8-bit weights even on x86 CPUs without VNNI (for a VNNI or Arm target)',
    )
    .option(
      '--min-snr <dB>',
      'mixed precision: keep the ops that cost most fidelity in float until the output SNR reaches this (slow)',
      numberFlag('--min-snr'),
    )
    .option('--exclude <node>', 'node name to keep in float (repeatable)', collect)
    .option('--dynamic-conv', 'int8-dynamic: also quantize Conv (ConvInteger; often slower on CPU)')
    .option('--fp16-keep <op>', 'fp16: op type to keep in float32 (repeatable)', collect)
    .option('--fp16-keep-softmax', 'fp16: keep Softmax in float32');
  imageInputOptions(command, {
    shape: 'input shape for symbolic dimensions, e.g. x=1x3x48x192 (repeatable)',
    fit: 'image resize: fill (to H×W) | pad (to height H keeping aspect, right-padded)',
  })
    .option('--no-fidelity', 'skip the fidelity check')
    .option(
      '--no-opset-upgrade',
      'refuse a model below opset 7 instead of upgrading it (exactly) before the recipes',
    )
    .option('--fidelity-inputs <source>', 'inputs for the fidelity check (default: the calibration data)')
    .option(
      '--fidelity-count <n>',
      'samples for the fidelity check (default 8)',
      intFlag('--fidelity-count', 1),
    )
    .option('--labels <dir>', 'labelled folder (one subfolder per class): report accuracy before/after')
    .option('--debug', 'show stack traces for errors')
    .action(async (modelArg: string, flags: OptimizeFlags) => {
      if (!flags.output.endsWith('.onnx'))
        throw new UserError(`-o ${flags.output}: the output file must end in .onnx`);
      const [{ resolveModel }, { optimize }, { formatOptimizeReport, infinityAsText }] = await Promise.all([
        import('../zoo/resolve.js'),
        import('../optimize/optimize.js'),
        import('../optimize/format.js'),
      ]);
      const model = await resolveModel(modelArg);
      const { preprocess, shapes } = imageInputsOf(flags);
      const report = await optimize({
        input: model.path,
        output: flags.output,
        recipes: flags.recipe,
        calibration: {
          source: flags.calib,
          count: flags.calibCount,
          method: flags.calibMethod,
          percentile: flags.percentile,
          preprocess,
        },
        shapes,
        activationType: flags.activationType,
        perChannel: !flags.perTensor,
        reduceRange: flags.reduceRange ?? 'auto',
        minSnrDb: flags.minSnr,
        excludeNodes: flags.exclude,
        dynamicConv: flags.dynamicConv === true,
        fp16: { keepOps: flags.fp16Keep, keepSoftmax: flags.fp16KeepSoftmax },
        fidelity: flags.fidelity
          ? { inputs: flags.fidelityInputs, count: flags.fidelityCount, labels: flags.labels }
          : false,
        opsetUpgrade: flags.opsetUpgrade,
        onLog: jsonToStdout(flags.json) ? undefined : (m) => process.stderr.write(`${printableLine(m)}\n`),
        onWarning: writeWarning,
      });
      await printResult(
        flags.json,
        jsonDocument('optimize-report', report),
        () => formatOptimizeReport(report),
        infinityAsText,
      );
    });
}
