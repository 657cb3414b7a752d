/** `edgebench env`: what this machine is and which engines work on it. */
import type { Command } from 'commander';
import { jsonDocument } from '../report/documents.js';
import { type JsonFlag, jsonOption, printResult } from './flags.js';

export function register(command: Command): void {
  jsonOption(command, 'the description')
    .option(
      '--python <path>',
      'the Python interpreter for the torch engine (default: $EDGEBENCH_PYTHON, python3 on PATH, then /usr/bin/python3)',
    )
    .action(async (flags: { json?: JsonFlag; python?: string }) => {
      const [{ describeEnvironment }, { formatEnvironment }] = await Promise.all([
        import('../env/environment.js'),
        import('../report/env-table.js'),
      ]);
      const report = await describeEnvironment(flags.python ? { python: flags.python } : {});
      await printResult(flags.json, jsonDocument('environment', report), () => formatEnvironment(report));
    });
}
