/**
 * Going on through a restart: a store operation that fails because PostgreSQL is restarting or a
 * connection dropped is tried again, with a capped back-off, until it works or `timeoutMs` passes.
 * Other failures (a constraint, a bug) are not retried. Aborting `signal` ends the wait at once — the
 * try in flight too, which may hang on a server that stopped answering — and rejects with its reason.
 */
import { isTransientStoreError } from '../store/postgres.js';
import { abortable, abortReason, sleep } from '../util/abort.js';

export const DEFAULT_STORE_RETRY_MS = 120_000;

export interface RetryOptions {
  /** Give up after this long, ms (default 2 minutes). */
  timeoutMs?: number;
  /** Told once per failed try (the message is the caller's to redact). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Which errors to retry (default: PostgreSQL connection problems). */
  isTransient?: (error: unknown) => boolean;
  signal?: AbortSignal;
}

export async function retryTransient<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_STORE_RETRY_MS);
  const transient = options.isTransient ?? isTransientStoreError;
  const signal = options.signal;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await abortable(fn(), signal);
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      const delayMs = Math.min(200 * 2 ** Math.min(attempt - 1, 4), 3000);
      if (!transient(error) || Date.now() + delayMs > deadline) throw error;
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs, signal);
    }
  }
}
