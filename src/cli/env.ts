/** `edgebench env`: what this machine is and which engines work on it. */
import type { Command } from 'commander';
import { describeEnvironment } from '../env/environment.js';
import { formatEnvironment } from '../report/env-table.js';

export function register(program: Command): void {
  program
    .command('env')
    .description(
      'describe this machine: OS, CPU and ISA, memory, GPUs, Jetson, runtimes, execution providers',
    )
    .option('--json', 'print JSON instead of a table')
    .option(
      '--python <path>',
      'the Python interpreter for the torch engine (default: $EDGEBENCH_PYTHON, python3 on PATH, then /usr/bin/python3)',
    )
    .action(async (flags: { json?: boolean; python?: string }) => {
      const report = await describeEnvironment(flags.python ? { python: flags.python } : {});
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatEnvironment(report));
    });
}
