/**
 * Running a helper program (trtexec, python3) for an engine that measures out of process: output
 * captured line by line, a time limit, cancellation, and a spawn failure reported as a value
 * rather than thrown, so callers can turn it into a reason a user can act on.
 */
import { spawn } from 'node:child_process';
import { trackChild } from '../util/children.js';
import { appendCapped, lineSplitter } from '../util/lines.js';

export interface RunProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /** Kill the child (SIGTERM, then SIGKILL) after this long; 0 = no limit. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdoutLine?(line: string): void;
  onStderrLine?(line: string): void;
  /** Captured stdout/stderr keep at most this many characters each (the tail wins). */
  maxCaptureChars?: number;
}

export interface ProcessOutcome {
  /** Exit code; null when the child was killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the program could not be started at all (ENOENT, EACCES, …). */
  spawnError?: NodeJS.ErrnoException;
  startEpochMs: number;
  endEpochMs: number;
}

const DEFAULT_MAX_CAPTURE_CHARS = 16 * 1024 * 1024;
const KILL_GRACE_MS = 5000;

export function runProcess(
  command: string,
  args: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessOutcome> {
  const cap = options.maxCaptureChars ?? DEFAULT_MAX_CAPTURE_CHARS;
  const startEpochMs = Date.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let aborted = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let settled = false;
    const outLines = lineSplitter(options.onStdoutLine);
    const errLines = lineSplitter(options.onStderrLine);

    const child = trackChild(
      spawn(command, [...args], {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );

    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer =
      options.timeoutMs && options.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs)
        : undefined;
    const onAbort = () => {
      aborted = true;
      stop();
    };
    if (options.signal) {
      if (options.signal.aborted) onAbort();
      else options.signal.addEventListener('abort', onAbort, { once: true });
    }

    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout = appendCapped(stdout, text, cap);
      outLines.push(text);
    });
    child.stderr.on('data', (text: string) => {
      stderr = appendCapped(stderr, text, cap);
      errLines.push(text);
    });
    // A child that exits before reading its input must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();

    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      outLines.end();
      errLines.end();
      resolve({
        code,
        signal,
        stdout,
        stderr,
        timedOut,
        aborted,
        ...(spawnError ? { spawnError } : {}),
        startEpochMs,
        endEpochMs: Date.now(),
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      // 'close' may not follow a failed spawn.
      if (child.pid === undefined) finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** The last `count` non-empty lines of some output, joined with ' | ', for one-line error messages. */
export function tailLines(text: string, count = 3, maxChars = 600): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const tail = lines.slice(-count).join(' | ');
  return tail.length > maxChars ? `…${tail.slice(tail.length - maxChars)}` : tail;
}

/** Why a process did not succeed, in words. */
export function describeFailure(program: string, outcome: ProcessOutcome, timeoutMs?: number): string {
  if (outcome.spawnError)
    return `${program} could not be started (${outcome.spawnError.code ?? outcome.spawnError.message})`;
  if (outcome.timedOut)
    return `${program} did not finish within ${Math.round((timeoutMs ?? 0) / 1000)} s and was stopped`;
  if (outcome.aborted) return `${program} was cancelled`;
  if (outcome.signal) return `${program} was killed by ${outcome.signal}`;
  return `${program} exited with code ${outcome.code}`;
}
