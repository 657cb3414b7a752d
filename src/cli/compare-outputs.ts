/** `edgebench compare-outputs BASE.onnx OPT.onnx`: how far the optimized model's outputs moved. */
import type { Command } from 'commander';
import { jsonDocument } from '../report/documents.js';
import { intFlag } from './flags.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';
import { type ImageInputFlags, imageInputOptions, imageInputsOf, threadsOption } from './shared-options.js';

interface CompareFlags extends ImageInputFlags {
  inputs: string;
  count: number;
  labels?: string;
  threads?: number;
  json?: JsonFlag;
}

export function register(command: Command): void {
  jsonOption(command, 'the report')
    .argument('<base>', 'the base ONNX model')
    .argument('<optimized>', 'the optimized ONNX model')
    .option('--inputs <source>', 'synthetic, a folder of images or .npy/.pb tensors, or a video', 'synthetic')
    .option('--count <n>', 'samples to compare', intFlag('--count', 1), 16)
    .option('--labels <dir>', 'labelled folder (one subfolder of images per class): accuracy of both');
  imageInputOptions(command)
    .addOption(threadsOption())
    .option('--debug', 'show stack traces for errors')
    .action(async (baseArg: string, optArg: string, flags: CompareFlags) => {
      const [{ resolveModel }, { compareOutputs }, { formatFidelity, infinityAsText }] = await Promise.all([
        import('../zoo/resolve.js'),
        import('../optimize/fidelity.js'),
        import('../optimize/format.js'),
      ]);
      const [base, opt] = [await resolveModel(baseArg), await resolveModel(optArg)];
      const report = await compareOutputs(base.path, opt.path, {
        inputs: flags.inputs,
        count: flags.count,
        labels: flags.labels,
        ...imageInputsOf(flags),
        threads: flags.threads,
      });
      await printResult(
        flags.json,
        jsonDocument('fidelity-report', report),
        () => formatFidelity(report),
        infinityAsText,
      );
    });
}
