/** `edgebench inspect MODEL`: what an ONNX model is and what it costs. */
import type { Command } from 'commander';
import { parseInputFlag, parseShapeFlag } from '../onnx/shapes.js';
import { jsonDocument } from '../report/documents.js';
import { formatAnalysis } from '../report/model-analysis.js';
import { collect, intFlag } from './flags.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';
import { printableText } from './terminal.js';

export function register(command: Command): void {
  jsonOption(command, 'the analysis')
    .argument('<model>', 'ONNX file path, or zoo:NAME[?classes=N&input=1x3x224x224&seed=S]')
    .option('--no-run', 'never run the model to find shapes static inference cannot')
    .option(
      '--batch <n>',
      "count for this batch (sets a symbolic leading dimension's name)",
      intFlag('--batch', 1),
    )
    .option(
      '--shape <name=dims>',
      'count for this input shape; its dimension names bind across inputs (repeatable)',
      collect,
    )
    .option(
      '--input <name=value>',
      'a value for a scalar/1-D input (e.g. sr=16000), so an If it decides counts the branch it takes (repeatable)',
      collect,
    )
    .action(async (spec: string, flags: InspectFlags) => {
      const [{ resolveModel }, { loadModel }, { analyzeModel }, { analysisInputs }, { ortShapeRunner }] =
        await Promise.all([
          import('../zoo/resolve.js'),
          import('../onnx/model-io.js'),
          import('../onnx/analysis.js'),
          import('../inputs/analysis-inputs.js'),
          import('../engines/ort-shapes.js'),
        ]);
      const resolved = await resolveModel(spec);
      const model = await loadModel(resolved.path);
      const analysis = await analyzeModel(model, {
        allowRun: flags.run,
        runShapes: ortShapeRunner,
        source: resolved.path,
        ...analysisInputs(model, {
          batch: flags.batch,
          shapes: Object.fromEntries((flags.shape ?? []).map(parseShapeFlag)),
          values: (flags.input ?? []).map(parseInputFlag),
        }),
      });
      await printResult(
        flags.json,
        jsonDocument('model-analysis', { model: resolved, ...analysis }),
        () => `${printableText(formatAnalysis(resolved.path, analysis))}\n`,
      );
    });
}

interface InspectFlags {
  json?: JsonFlag;
  run: boolean;
  batch?: number;
  shape?: string[];
  input?: string[];
}
