/**
 * The Transport contract: how edgebench runs a program on the device a measurement is for, whether
 * that is this machine or a board reached over SSH. Everything above it (the device probe, uploads,
 * runners, telemetry) is written once against this interface; where the program runs is the
 * transport's business.
 *
 * exec/start take an argv, never a shell string: each argument reaches the program intact.
 * A transport failure (unreachable, refused, cut) rejects with a TargetError; a program that runs
 * and exits non-zero resolves with its code, except for two failures a caller can do nothing about
 * but report: a program that is not there (command-not-found) and a device out of space (disk-full).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { appendCapped, lineSplitter } from '../util/lines.js';
import { isCommandNotFound, isDiskFull, TargetError } from './errors.js';

export interface StartOptions {
  /** Extra environment variables for the program (names checked; values passed intact). */
  env?: Readonly<Record<string, string>>;
  onStdoutLine?(line: string): void;
  onStderrLine?(line: string): void;
  signal?: AbortSignal;
  /** Stop the program and reject with a `timeout` TargetError after this long; 0 or absent = no limit. */
  timeoutMs?: number;
  /** What is being done, in words, for error messages (`running the device probe`). */
  doing?: string;
  /** stdout/stderr keep at most this many characters each (the tail wins). Default 16 MiB. */
  maxCaptureChars?: number;
}

export interface ExecOptions extends StartOptions {
  /** Written to the program's stdin, which is then closed (closed at once when absent). */
  stdin?: string | Uint8Array;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  startEpochMs: number;
  endEpochMs: number;
}

export interface RemoteProcess {
  /** The program's stdin: write to it, then end() it. */
  readonly stdin: Writable;
  /** Settles as exec() does: the result, a TargetError, or the abort reason. */
  readonly done: Promise<ExecResult>;
  /** Stops the program and everything it started; resolves once asked (done settles after). */
  kill(): Promise<void>;
}

export interface Transport {
  readonly kind: 'local' | 'ssh';
  /** How the device is named to the user (`target 'nano' (nano@10.0.0.5)`, `local`). */
  readonly label: string;
  /** What may be recorded about where something ran: `local` or `user@host:port` (never a secret). */
  readonly address: string;
  /** Opens the connection (over SSH: one, shared by every later call). Rejects with a TargetError. */
  connect(): Promise<void>;
  start(argv: readonly string[], options?: StartOptions): RemoteProcess;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Closes the connection; the transport may be connected again afterwards. */
  close(): Promise<void>;
}

const DEFAULT_MAX_CAPTURE_CHARS = 16 * 1024 * 1024;
const KILL_GRACE_MS = 3000;

/** How a driven process ended, before the transport decides what it means. */
export interface RawOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  spawnError?: NodeJS.ErrnoException;
  startEpochMs: number;
  endEpochMs: number;
}

export interface DriveHooks {
  /** Sees each stderr line first; returns false to keep it out of the output (a transport's own marker). */
  stderrLine?(line: string): boolean;
  /** Turns an ending into an error (transport failures), or undefined when it is the program's own. */
  failure(
    outcome: RawOutcome,
    killedBy: 'timeout' | 'abort' | null,
  ): Error | undefined | Promise<Error | undefined>;
  /** Stops the program where it runs (before the local child is signalled). */
  stopRemote?(): Promise<void>;
}

/**
 * Runs `command args` (ssh, or the program itself) with streaming stdin, line callbacks, a time
 * limit and cancellation; what the ending means is left to the hooks.
 */
export function drive(
  command: string,
  args: readonly string[],
  options: StartOptions & { localEnv?: NodeJS.ProcessEnv; detached?: boolean },
  hooks: DriveHooks,
): RemoteProcess {
  const cap = options.maxCaptureChars ?? DEFAULT_MAX_CAPTURE_CHARS;
  const startEpochMs = Date.now();
  let stdout = '';
  let stderr = '';
  let killedBy: 'timeout' | 'abort' | null = null;
  let spawnError: NodeJS.ErrnoException | undefined;
  const child: ChildProcess = spawn(command, [...args], {
    env: options.localEnv ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const outLines = lineSplitter((line) => options.onStdoutLine?.(line));
  const errLines = lineSplitter((line) => {
    if (hooks.stderrLine && !hooks.stderrLine(line)) return;
    stderr = appendCapped(stderr, `${line}\n`, cap);
    options.onStderrLine?.(line);
  });
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (text: string) => {
    stdout = appendCapped(stdout, text, cap);
    outLines.push(text);
  });
  child.stderr!.on('data', (text: string) => errLines.push(text));
  // A program that exits before reading all its input must not crash us with EPIPE.
  child.stdin!.on('error', () => {});

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        await hooks.stopRemote?.();
      } catch {
        // the connection may be gone already: the local signal below still ends our side
      }
      signalChild(child, 'SIGTERM', options.detached ?? false);
      const timer = setTimeout(() => signalChild(child, 'SIGKILL', options.detached ?? false), KILL_GRACE_MS);
      timer.unref();
    })();
    return stopping;
  };
  const timer =
    options.timeoutMs && options.timeoutMs > 0
      ? setTimeout(() => {
          killedBy ??= 'timeout';
          void stop();
        }, options.timeoutMs)
      : undefined;
  const onAbort = () => {
    killedBy ??= 'abort';
    void stop();
  };
  if (options.signal) {
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  }

  const done = new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      outLines.end();
      errLines.end();
      const outcome: RawOutcome = {
        code,
        signal,
        stdout,
        stderr,
        ...(spawnError ? { spawnError } : {}),
        startEpochMs,
        endEpochMs: Date.now(),
      };
      if (killedBy === 'abort') {
        reject(options.signal?.reason ?? new Error('aborted'));
        return;
      }
      Promise.resolve(hooks.failure(outcome, killedBy)).then((failure) => {
        if (failure) reject(failure);
        else resolve({ code: code ?? -1, stdout, stderr, startEpochMs, endEpochMs: outcome.endEpochMs });
      }, reject);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      if (child.pid === undefined) finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
    // A stopped ssh may not close its pipes: with a shared connection, ssh hands its stdio to the
    // connection's master process, which keeps them open as long as the command runs on the device.
    // Once the local process is gone after a stop, its ending is final.
    child.on('exit', (code, signal) => {
      if (killedBy === null) return;
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(code, signal);
      }, 500).unref();
    });
  });
  return { stdin: child.stdin!, done, kill: stop };
}

function signalChild(child: ChildProcess, signal: NodeJS.Signals, group: boolean): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (group) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

/** exec() in terms of start(): feed stdin, close it, wait. */
export function execVia(
  transport: Pick<Transport, 'start'>,
  argv: readonly string[],
  options: ExecOptions = {},
) {
  const { stdin, ...rest } = options;
  const running = transport.start(argv, rest);
  if (stdin !== undefined) running.stdin.end(stdin);
  else running.stdin.end();
  return running.done;
}

/** This machine: programs run directly, in their own process group so a stop reaches their children. */
export class LocalTransport implements Transport {
  readonly kind = 'local' as const;
  readonly label = 'local';
  readonly address = 'local';

  async connect(): Promise<void> {}

  start(argv: readonly string[], options: StartOptions = {}): RemoteProcess {
    if (argv.length === 0) throw new RangeError('a command needs at least a program name');
    const [program, ...args] = argv;
    return drive(
      program,
      args,
      { ...options, localEnv: { ...process.env, ...options.env }, detached: true },
      {
        failure: (outcome, killedBy) => {
          if (killedBy === 'timeout')
            return new TargetError(
              'timeout',
              `${program} did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s${options.doing ? ` (${options.doing})` : ''} and was stopped`,
            );
          if (outcome.spawnError?.code === 'ENOENT' || isCommandNotFound(outcome.code, outcome.stderr))
            return new TargetError(
              'command-not-found',
              `${program} is not installed on this machine (not found)`,
            );
          if (outcome.spawnError)
            return new TargetError('ssh-failed', `cannot start ${program}: ${outcome.spawnError.message}`);
          if (outcome.code !== 0 && isDiskFull(outcome.stderr))
            return new TargetError(
              'disk-full',
              `this machine ran out of disk space${options.doing ? ` while ${options.doing}` : ''}; free some space and run it again`,
            );
          return undefined;
        },
      },
    );
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    return execVia(this, argv, options);
  }

  async close(): Promise<void> {}
}
