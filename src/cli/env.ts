/** `edgebench env`: what this machine is and which engines work on it. */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { jsonDocument } from '../report/documents.js';
import { type JsonFlag, jsonOption, printResult } from './json-output.js';

export function register(command: Command): void {
  jsonOption(command, 'the description')
    .option(
      '--python <path>',
      'the Python interpreter for the torch engine (default: $EDGEBENCH_PYTHON, python3 on PATH, then /usr/bin/python3)',
    )
    .option(
      '--target <target>',
      'describe that device instead: a saved target name or ssh://[user@]host[:port] (see edgebench target)',
    )
    .action(async (flags: { json?: JsonFlag; python?: string; target?: string }) => {
      if (flags.target && flags.target !== 'local') {
        if (flags.python)
          throw new UserError(
            "--python is this machine's interpreter; on a target the device probe finds them all: drop it",
          );
        const { printTargetDescription } = await import('./target.js');
        await printTargetDescription(flags.target, flags.json);
        return;
      }
      const [{ describeEnvironment }, { formatEnvironment }] = await Promise.all([
        import('../env/environment.js'),
        import('../report/env-table.js'),
      ]);
      const report = await describeEnvironment(flags.python ? { python: flags.python } : {});
      await printResult(flags.json, jsonDocument('environment', report), () => formatEnvironment(report));
    });
}
