/**
 * Running one of edgebench's Python runners (PyTorch, onnxruntime) through a transport: the config
 * goes in as one JSON line on stdin, the protocol's events come back on stdout and are folded by the
 * same ProtocolReader the local torch engine uses. The same code runs a runner in a child process
 * here or on a board over SSH; only the transport differs.
 */

import { ProtocolReader, type RunEvent, type RunnerReport } from '../engines/torch/protocol.js';
import { EngineUnavailableError, UserError } from '../errors.js';
import { lastLines } from './errors.js';
import type { Transport } from './transport.js';

export interface PythonRunnerRequest {
  /** The interpreter on the device. */
  python: string;
  /** The runner script on the device (DeviceScripts.path('torch' | 'ort')). */
  script: string;
  /** The runner's configuration (its `protocol` field included). */
  config: object;
  /** Extra environment for the runner (PYTHONPATH, CUDA_VISIBLE_DEVICES, …). */
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Every protocol event, as it arrives (progress). */
  onEvent?(event: RunEvent): void;
  /** The runner's stderr lines (its libraries' warnings): stderr material, never results. */
  onStderrLine?(line: string): void;
}

/**
 * Runs the runner to its `done`; rejects with an EngineUnavailableError (`unavailable`), a UserError
 * (`user`, `resource`), a TargetError (the connection) or an Error (a runner bug, a protocol violation).
 */
export async function runPythonRunner(
  transport: Transport,
  request: PythonRunnerRequest,
): Promise<RunnerReport> {
  const reader = new ProtocolReader(request.onEvent);
  let stderrTail = '';
  const result = await transport.exec([request.python, request.script, 'run'], {
    stdin: `${JSON.stringify(request.config)}\n`,
    env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...request.env },
    doing: `running ${request.script.split('/').at(-1)}`,
    ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
    maxCaptureChars: 1024 * 1024,
    onStdoutLine: (line) => reader.feed(line),
    onStderrLine: (line) => {
      stderrTail = `${stderrTail}\n${line}`.slice(-8000);
      request.onStderrLine?.(line);
    },
  });
  const failure = reader.error;
  const where = runnerPlace(transport);
  if (failure) throw runnerError(failure.kind, failure.message, where, stderrTail);
  const folded = reader.result();
  if ('problem' in folded)
    throw new Error(
      `the runner did not finish${where}: ${folded.problem} (exit code ${result.code}${stderrTail ? `; stderr: ${lastLines(stderrTail, 3)}` : ''})`,
    );
  return folded.report;
}

/** ` on <device>` for a runner on a board, nothing here: what runner messages end with. */
export function runnerPlace(transport: Transport): string {
  return transport.kind === 'local' ? '' : ` on ${transport.label}`;
}

/**
 * A runner's `error` event as the error edgebench throws: `unavailable` an EngineUnavailableError (the
 * variant is skipped with it), `user` and `resource` a UserError, anything else an Error with the
 * runner's stderr tail.
 */
export function runnerError(
  kind: string | undefined,
  message: string,
  where: string,
  stderrTail = '',
): Error {
  if (kind === 'unavailable') return new EngineUnavailableError(`${message}${where}`);
  if (kind === 'user') return new UserError(message);
  if (kind === 'resource') return new UserError(`the runner ran out of memory${where}: ${message}`);
  return new Error(
    `the runner failed${where}: ${message}${stderrTail ? ` (stderr: ${lastLines(stderrTail, 3)})` : ''}`,
  );
}
