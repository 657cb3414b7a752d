/** Running helper programs (nvidia-smi, nvpmodel, tegrastats) without ever throwing. */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface CommandResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  /** Exit code, or null when it did not run or was killed. */
  exitCode: number | null;
  /** `ENOENT`, `EACCES`, `ETIMEDOUT`, … when it could not run to the end. */
  errorCode: string | null;
}

/** Runs a command to completion with a timeout; never rejects. */
export function runCommand(
  command: string,
  args: readonly string[],
  timeoutMs = 5000,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { timeout: timeoutMs, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ ok: true, stdout, stderr, exitCode: 0, errorCode: null });
          return;
        }
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
        const exitCode = typeof failure.code === 'number' ? failure.code : null;
        const errorCode = failure.killed
          ? 'ETIMEDOUT'
          : typeof failure.code === 'string'
            ? failure.code
            : null;
        resolve({ ok: false, stdout: stdout ?? '', stderr: stderr ?? '', exitCode, errorCode });
      },
    );
  });
}

/** The executable's path if it can be run: a path is checked as is, a bare name is looked up on PATH. */
export function findExecutable(command: string): string | null {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** One line saying why a command failed, for a `reason`. */
export function describeFailure(command: string, result: CommandResult): string {
  if (result.errorCode === 'ENOENT') return `${command} not found`;
  if (result.errorCode === 'EACCES') return `${command} is not executable`;
  if (result.errorCode === 'ETIMEDOUT') return `${command} did not answer in time`;
  const said = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '');
  const code = result.exitCode === null ? '' : ` (exit ${result.exitCode})`;
  return `${command} failed${code}${said ? `: ${said}` : ''}`;
}
