/**
 * Waiting with a way out: a wait that ends when an AbortSignal fires, and a bound on how long to wait
 * for something that may never end (closing a connection to a server that went away).
 */

/** The reason a signal was aborted with, as something throwable. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/**
 * `promise`, or a rejection with the signal's reason as soon as the signal aborts. The promise itself
 * goes on (nothing can cancel it); a later rejection of it is swallowed.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((resolve) => setTimeout(resolve, ms)), signal);
}

/**
 * Whether `promise` settled (resolved or rejected) within `ms`. Its value and error are dropped:
 * for the steps of a shutdown, each of which may hang on a dead server and must not hold up the rest.
 */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, ms));
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(done, done);
  });
}

/** `run`, refusing to start once the signal aborted (rejects with its reason): a loop calling it stops. */
export function guarded<T>(run: () => Promise<T>, signal: AbortSignal | undefined): () => Promise<T> {
  if (!signal) return run;
  return () => (signal.aborted ? Promise.reject(abortReason(signal)) : run());
}
