/**
 * Going on through a restart: a store operation that fails because PostgreSQL is restarting or a
 * connection dropped is tried again, with a capped back-off, until it works or `timeoutMs` passes.
 * Other failures (a constraint, a bug) are not retried.
 */
import { isTransientStoreError } from '../store/postgres.js';

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
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const delayMs = Math.min(200 * 2 ** Math.min(attempt - 1, 4), 3000);
      if (!transient(error) || Date.now() + delayMs > deadline || options.signal?.aborted) throw error;
      options.onRetry?.(error, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
