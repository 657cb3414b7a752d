/** `edgebench env`: what this machine is and which engines work on it. */
import type { Command } from 'commander';

export function register(command: Command): void {
  command
    .option('--json', 'print JSON instead of a table')
    .option(
      '--python <path>',
      'the Python interpreter for the torch engine (default: $EDGEBENCH_PYTHON, python3 on PATH, then /usr/bin/python3)',
    )
    .action(async (flags: { json?: boolean; python?: string }) => {
      const [{ describeEnvironment }, { formatEnvironment }] = await Promise.all([
        import('../env/environment.js'),
        import('../report/env-table.js'),
      ]);
      const report = await describeEnvironment(flags.python ? { python: flags.python } : {});
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatEnvironment(report));
    });
}
