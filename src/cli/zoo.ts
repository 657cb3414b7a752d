/** `edgebench zoo list|export`: the built-in architectures, generated as ONNX. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { jsonDocument } from '../report/documents.js';
import { table } from '../report/format.js';
import { PRESETS } from '../zoo/options.js';
import { zooNames } from '../zoo/registry.js';
import { choiceFlag, intFlag } from './flags.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';

interface ExportFlags {
  classes?: number;
  preset?: 'paper';
  input?: string;
  seed?: number;
  output: string;
}

export function register(command: Command): void {
  const zoo = command;

  jsonOption(
    zoo.command('list').description('list the architectures with their task, input, parameters and GMACs'),
    'the architectures',
  ).action(async (flags: { json?: JsonFlag }) => {
    const { formatShape, summarizeZooModel } = await import('../zoo/index.js');
    const summaries = zooNames().map((name) => summarizeZooModel(name));
    const rows = [
      ['name', 'task', 'input', 'classes', 'params', 'GMACs'],
      ...summaries.map((s) => [
        s.name,
        s.task,
        formatShape(s.input),
        String(s.classes),
        s.parameters.toLocaleString('en-US'),
        (s.macs / 1e9).toFixed(3),
      ]),
    ];
    await printResult(
      flags.json,
      jsonDocument('zoo-models', { models: summaries }),
      () => `${table(rows, { alignLeft: [1, 2] })}\n`,
    );
  });

  zoo
    .command('export')
    .description('write a zoo model as an ONNX file')
    .argument('<name>', `architecture: ${zooNames().join(', ')}`)
    .requiredOption('-o, --output <file>', 'ONNX file to write')
    .option('--classes <n>', 'output classes (default 1000, video 400)', intFlag('--classes', 1))
    .option(
      '--preset <name>',
      "'paper': the study's heads (2 classes, video 4)",
      choiceFlag('--preset', PRESETS),
    )
    .option('--input <shape>', 'input shape, batch first, e.g. 1x3x160x160 or 1x3x16x112x112')
    .option('--seed <n>', 'weight seed (default 0)', intFlag('--seed'))
    .action(async (name: string, flags: ExportFlags) => {
      if (!flags.output.endsWith('.onnx'))
        throw new UserError(`-o ${flags.output}: the output file must end in .onnx`);
      const [{ buildZooModel, formatShape }, { saveModel }] = await Promise.all([
        import('../zoo/index.js'),
        import('../onnx/model-io.js'),
      ]);
      const started = performance.now();
      const { model, options } = buildZooModel(name, {
        classes: flags.classes,
        preset: flags.preset,
        input: flags.input,
        seed: flags.seed,
      });
      const path = resolve(flags.output);
      await saveModel(model, path);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      process.stderr.write(
        `wrote ${name} (${options.classes} classes, input ${formatShape(options.input)}, seed ${options.seed}) in ${seconds} s\n`,
      );
      process.stdout.write(`${path}\n`);
    });
}
