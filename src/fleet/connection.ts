/**
 * Where the fleet's services are, and how to reach them again when they restart.
 *
 * - The queue: `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS), from `--queue` or
 *   EDGEBENCH_QUEUE; a password not in the URL may come from EDGEBENCH_REDIS_PASSWORD.
 * - The store: `postgres://user:password@host:port/db`, from `--store` or EDGEBENCH_STORE; libpq's
 *   PGPASSWORD works too.
 *
 * Redis connections retry for ever with a short, capped back-off (ioredis `retryStrategy`), so agents
 * and submitters go on after Redis restarts; BullMQ re-issues its blocking reads on reconnection.
 */
import type { RedisOptions } from 'bullmq';
import { isUserError, UserError } from '../errors.js';
import { isPostgresUrl, STORE_ENV_VAR } from '../store/location.js';
import { Redactor } from '../util/redact.js';

export const QUEUE_ENV_VAR = 'EDGEBENCH_QUEUE';
export const REDIS_PASSWORD_ENV_VAR = 'EDGEBENCH_REDIS_PASSWORD';
/** Longest wait between two reconnection attempts to Redis, ms. */
export const MAX_RECONNECT_DELAY_MS = 3000;

/** Reconnection delay after `times` failed attempts: 250 ms, 500 ms, … capped at 3 s; never gives up. */
export function reconnectDelayMs(times: number): number {
  return Math.min(250 * Math.max(1, times), MAX_RECONNECT_DELAY_MS);
}

/** The queue URL from `--queue` or EDGEBENCH_QUEUE, checked. */
export function resolveQueueUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = (flag && flag.trim() !== '' ? flag : env[QUEUE_ENV_VAR])?.trim();
  if (!url) throw new UserError(`give the job queue: --queue redis://HOST:PORT (or set ${QUEUE_ENV_VAR})`);
  if (!/^rediss?:\/\//i.test(url))
    throw new UserError(
      `--queue must be a redis:// or rediss:// URL, got '${new Redactor([url]).text(url)}'`,
    );
  return url;
}

/** The fleet store URL from `--store` or EDGEBENCH_STORE; it must be PostgreSQL. */
export function resolveFleetStoreUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = (flag && flag.trim() !== '' ? flag : env[STORE_ENV_VAR])?.trim();
  if (!url)
    throw new UserError(
      `give the fleet's store: --store postgres://USER@HOST:PORT/DB (or set ${STORE_ENV_VAR}); the password may come from PGPASSWORD`,
    );
  if (!isPostgresUrl(url))
    throw new UserError(
      `a fleet stores its results in PostgreSQL: --store must be a postgres:// URL, got '${new Redactor([url]).text(url)}'`,
    );
  return url;
}

/** A redactor that masks the credentials of these URLs and of the environment's password variables. */
export function fleetRedactor(
  urls: readonly (string | undefined)[],
  env: NodeJS.ProcessEnv = process.env,
): Redactor {
  return new Redactor(urls, [env[REDIS_PASSWORD_ENV_VAR], env.PGPASSWORD]);
}

/**
 * The redactor of a fleet command: the credentials of its `--queue` and `--store`, of the queue and
 * store the environment names, and of the environment's password variables.
 */
export function commandRedactor(
  flags: { queue?: string | undefined; store?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Redactor {
  return fleetRedactor([flags.queue, flags.store, env[QUEUE_ENV_VAR], env[STORE_ENV_VAR]], env);
}

/** ioredis options (through BullMQ) for a queue URL. */
export function redisOptions(url: string, env: NodeJS.ProcessEnv = process.env): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`--queue is not a valid URL: '${new Redactor([url]).text(url)}'`);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new UserError(`the Redis database in --queue must be a number (redis://host:port/0), got '${db}'`);
  const password = parsed.password ? decodeURIComponent(parsed.password) : env[REDIS_PASSWORD_ENV_VAR];
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(password ? { password } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    connectTimeout: 5000,
    retryStrategy: reconnectDelayMs,
  };
}

/** Turns a Redis failure into one line naming the queue (password masked) and what to do. */
export function queueError(url: string, error: unknown, redactor: Redactor = new Redactor([url])): unknown {
  if (error instanceof UserError) return error;
  const message = redactor.text(error instanceof Error ? error.message : String(error));
  const where = redactor.text(url);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message))
    return new UserError(
      `Redis at ${where} refused the credentials (${message}); check the password in --queue or ${REDIS_PASSWORD_ENV_VAR}`,
    );
  if (
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|max retries per request|Connection is closed/i.test(
      message,
    )
  )
    return new UserError(
      `cannot reach Redis at ${where} (${message}): check that it runs and that --queue is right`,
    );
  return redactor.error(error);
}

/** Errors of fleet commands, with every credential masked (the message and what --debug prints). */
export function redactedError(redactor: Redactor, error: unknown): Error {
  if (isUserError(error)) return new UserError(redactor.text(error.message), { exitCode: error.exitCode });
  return redactor.error(error);
}
