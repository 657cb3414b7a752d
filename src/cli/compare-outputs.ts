/** `edgebench compare-outputs BASE.onnx OPT.onnx`: how far the optimized model's outputs moved. */
import type { Command } from 'commander';
import { parseShapeFlag } from '../onnx/shapes.js';
import { jsonDocument } from '../report/documents.js';
import {
  choiceFlag,
  collect,
  intFlag,
  type JsonFlag,
  jsonOption,
  printResult,
  threadsFlag,
} from './flags.js';
import { parsePreprocess } from './optimize.js';

interface CompareFlags {
  inputs: string;
  count: number;
  labels?: string;
  shape?: string[];
  mean?: string;
  std?: string;
  fit: 'fill' | 'pad';
  threads?: number;
  json?: JsonFlag;
}

export function register(command: Command): void {
  jsonOption(command, 'the report')
    .argument('<base>', 'the base ONNX model')
    .argument('<optimized>', 'the optimized ONNX model')
    .option('--inputs <source>', 'synthetic, a folder of images or .npy/.pb tensors, or a video', 'synthetic')
    .option('--count <n>', 'samples to compare', intFlag('--count', 1), 16)
    .option('--labels <dir>', 'labelled folder (one subfolder of images per class): accuracy of both')
    .option('--shape <name=dims>', 'input shape for symbolic dimensions (repeatable)', collect)
    .option('--mean <r,g,b>', 'image normalization mean (default ImageNet)')
    .option('--std <r,g,b>', 'image normalization std (default ImageNet)')
    .option('--fit <mode>', 'image resize: fill | pad', choiceFlag('--fit', ['fill', 'pad'] as const), 'fill')
    .option('--threads <n>', 'intra-op threads (0 = onnxruntime decides)', threadsFlag('--threads'))
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
        shapes: Object.fromEntries((flags.shape ?? []).map(parseShapeFlag)),
        preprocess: parsePreprocess(flags),
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
