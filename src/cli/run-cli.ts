/** Runs the commander program with edgebench's error contract: one line and exit 2 for bad input. */
import { type Command, CommanderError } from 'commander';
import { VERBOSE_ENV_VAR } from '../engines/ort-options.js';
import { isInterruptedError, isUserError, messageOf } from '../errors.js';
import { exitIfStopRequested } from './shutdown.js';
import { printableLine, printableText, writeError } from './terminal.js';

export function debugEnabled(argv: readonly string[]): boolean {
  return argv.includes('--debug') || process.env.EDGEBENCH_DEBUG === '1';
}

/** Commander usage errors (unknown flag, missing argument) exit 2 like every other bad input. */
export function applyErrorContract(program: Command): void {
  const visit = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.configureOutput({
      writeErr: (str) => process.stderr.write(str),
      outputError: (str, write) => write(`edgebench: ${printableLine(str.replace(/^error: /, ''))}\n`),
    });
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
}

export async function runCli(program: Command, argv: readonly string[]): Promise<void> {
  applyErrorContract(program);
  const debug = debugEnabled(argv);
  // onnxruntime's own log stays hidden unless asked for; worker processes inherit the setting.
  if (argv.includes('--verbose')) process.env[VERBOSE_ENV_VAR] = '1';
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version requests end here too, with exit code 0.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isInterruptedError(error)) {
      process.stderr.write(`edgebench: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    if (isUserError(error)) {
      writeError(error.message);
      if (debug && error.cause)
        process.stderr.write(`${printableText((error.cause as Error).stack ?? String(error.cause))}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    writeError(`internal error: ${messageOf(error)}`);
    if (debug) process.stderr.write(`${printableText((error as Error)?.stack ?? '')}\n`);
    else process.stderr.write('edgebench: run again with --debug for details, and please report it\n');
    process.exitCode = 1;
  } finally {
    exitIfStopRequested();
  }
}
