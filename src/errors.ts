import os from 'node:os';

/**
 * Errors the user can act on. The CLI prints `message` as one line and exits with `exitCode`
 * (2 for bad input); anything else is a bug and shows its stack under `--debug` only.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.exitCode = options?.exitCode ?? 2;
  }
}

/** An engine or execution provider that cannot start on this machine. */
export class EngineUnavailableError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineUnavailableError';
  }
}

/** The shell's exit code for a process ended by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 0);
}

/**
 * Work stopped because the user asked (SIGINT, SIGTERM): the reason of the AbortSignal a command's
 * long-running calls take. The CLI prints the message as one line and exits with `exitCode`.
 */
export class InterruptedError extends Error {
  readonly signal: NodeJS.Signals;
  readonly exitCode: number;
  constructor(signal: NodeJS.Signals, message = `interrupted by ${signal}`) {
    super(message);
    this.name = 'InterruptedError';
    this.signal = signal;
    this.exitCode = signalExitCode(signal);
  }
}

export function isInterruptedError(error: unknown): error is InterruptedError {
  return error instanceof InterruptedError;
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** The message of any thrown value, for one-line reporting. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
