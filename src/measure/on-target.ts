/**
 * A study round on a target: `measure()` with the request's runner on the device, answered in the
 * worker outcome shape the study already handles. No worker process is needed: nothing runs in this
 * process but the SSH client. A connection cut mid-round is retried once (the device may have come
 * back); a second cut fails the round with its reason, marked `targetLost` (the target, not the
 * round, is what failed: a study stops measuring there), and nothing half-measured is returned.
 */
import { EngineUnavailableError, isInterruptedError, messageOf, UserError } from '../errors.js';
import { TargetError } from '../targets/errors.js';
import type { TargetConnection } from '../targets/sessions.js';
import { measure, type PortableMeasureRequest } from './measure.js';
import type { RunResult } from './result.js';
import type { WorkerOutcome } from './worker.js';

const RETRIED: ReadonlySet<string> = new Set(['connection-lost', 'unreachable', 'timeout']);

/** A round's outcome on a target; `targetLost` when the connection could not be had back. */
export type TargetRoundOutcome = WorkerOutcome<RunResult> & { targetLost?: true };

export async function measureOnTarget(
  target: TargetConnection,
  request: PortableMeasureRequest,
  signal?: AbortSignal,
  onLog?: (line: string) => void,
): Promise<TargetRoundOutcome> {
  const started = Date.now();
  const failed = (kind: 'unavailable' | 'error' | 'aborted', reason: string): WorkerOutcome<RunResult> => ({
    ok: false,
    kind,
    reason,
    wallMs: Date.now() - started,
    stderrTail: '',
  });
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await measure({
        ...request,
        target,
        ...(signal ? { signal } : {}),
        ...(onLog ? { onLog } : {}),
      });
      return { ok: true, value, wallMs: Date.now() - started };
    } catch (error) {
      if (signal?.aborted || isInterruptedError(error)) return failed('aborted', messageOf(error));
      if (error instanceof TargetError && RETRIED.has(error.kind)) {
        if (attempt === 1) {
          onLog?.(`${target.name}: ${error.message}; trying the round once more`);
          continue;
        }
        const reason = `${target.name}: ${error.message}`;
        return error.kind === 'timeout'
          ? failed('error', reason)
          : { ...failed('error', reason), targetLost: true };
      }
      if (error instanceof EngineUnavailableError) return failed('unavailable', error.message);
      if (error instanceof TargetError) return failed('error', `${target.name}: ${error.message}`);
      if (error instanceof UserError) return failed('error', error.message);
      return failed('error', messageOf(error));
    }
  }
}
