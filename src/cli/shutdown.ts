/**
 * How every long-running command stops (run, pipeline, study, tune, agent), in one place.
 *
 * The first SIGINT or SIGTERM aborts the command's AbortSignal, whose reason is an InterruptedError:
 * the work stops at its next safe point, abandoning the unit in progress (a measurement, a round, a
 * job) rather than storing half of it. It also starts a deadline: whatever still runs when it passes
 * (a native call that cannot be interrupted, a connection to a server that went away) is cut short by
 * a forced exit, so a command is gone within 5 s of the first signal in every state. A second signal
 * exits at once. Child processes go with us either way (util/children.ts).
 *
 * Exit codes follow the shell: 128 + the signal's number (SIGINT 130, SIGTERM 143), unless the
 * command set its own (an agent that stopped cleanly exits 0: stopping is how a service ends).
 */
import { InterruptedError, signalExitCode } from '../errors.js';

/** From the first signal to the forced exit, ms. */
export const STOP_GRACE_MS = 4000;
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export interface StopRequest {
  signal: NodeJS.Signals;
  /** Epoch ms of the first signal. */
  at: number;
  /** Epoch ms of the forced exit. */
  deadline: number;
  /** 128 + the signal's number. */
  exitCode: number;
}

export interface ShutdownOptions {
  /** From the first signal to the forced exit, ms (default STOP_GRACE_MS). */
  graceMs?: number;
  /** Where the one-line notices go (default stderr). */
  log?: (line: string) => void;
  /** What stopping means for this command, said on the first signal. */
  stopping?: string;
  /** Called once, on the first signal, after the command's signal aborted. */
  onStop?: (request: StopRequest) => void;
  /** Called just before a forced exit: what is left behind, in one line (or nothing to say). */
  beforeForcedExit?: (why: 'deadline' | 'second signal') => string | undefined;
}

export interface Shutdown {
  /** Aborted on the first signal, with an InterruptedError as its reason. */
  readonly signal: AbortSignal;
  /** Set on the first signal. */
  readonly request: StopRequest | undefined;
  /** ms left until the forced exit (Infinity while no signal came). */
  remainingMs(): number;
  /** Removes the signal handlers (the command ended); a stop already requested still ends in an exit. */
  dispose(): void;
}

let latest: Shutdown | undefined;

/** Turns this process's stop signals into an AbortSignal with a deadline. One per command. */
export function handleStopSignals(options: ShutdownOptions = {}): Shutdown {
  const graceMs = options.graceMs ?? STOP_GRACE_MS;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const controller = new AbortController();
  let request: StopRequest | undefined;

  const forceExit = (why: 'deadline' | 'second signal', code: number) => {
    const left = options.beforeForcedExit?.(why);
    log(
      why === 'deadline'
        ? `still stopping ${(graceMs / 1000).toFixed(1)} s after the signal: exiting now${left ? `; ${left}` : ''}`
        : `second signal: exiting now${left ? `; ${left}` : ''}`,
    );
    process.exit(code);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (request) {
      forceExit('second signal', request.exitCode);
      return;
    }
    const at = Date.now();
    request = { signal, at, deadline: at + graceMs, exitCode: signalExitCode(signal) };
    log(
      `${signal}: stopping${options.stopping ? `: ${options.stopping}` : ''} (a second signal exits at once)`,
    );
    const exitCode = request.exitCode;
    // The last resort; it does not keep a process alive that would end anyway.
    setTimeout(() => forceExit('deadline', exitCode), graceMs).unref();
    controller.abort(new InterruptedError(signal));
    options.onStop?.(request);
  };
  // Work left waiting on something that can no longer happen (nothing keeps the process alive) must
  // not end it with Node's "unsettled await" code: a stop ends with the stop's code.
  const onDrained = () => {
    if (request) process.exit(typeof process.exitCode === 'number' ? process.exitCode : request.exitCode);
  };
  process.on('beforeExit', onDrained);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);

  const shutdown: Shutdown = {
    signal: controller.signal,
    get request() {
      return request;
    },
    remainingMs: () => (request ? Math.max(0, request.deadline - Date.now()) : Number.POSITIVE_INFINITY),
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      if (!request) process.off('beforeExit', onDrained);
    },
  };
  latest = shutdown;
  return shutdown;
}

/**
 * For the end of a command: when a stop was requested, exit now, with the command's exit code or
 * else the signal's — connections or timers left open hold nothing worth waiting for.
 */
export function exitIfStopRequested(): void {
  const request = latest?.request;
  if (!request) return;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : request.exitCode);
}
