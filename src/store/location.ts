/** Where the store lives unless told otherwise: `--store FILE`, then EDGEBENCH_STORE, then ~/.edgebench/edgebench.db. */
import os from 'node:os';
import path from 'node:path';

export const STORE_ENV_VAR = 'EDGEBENCH_STORE';

export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[STORE_ENV_VAR];
  if (fromEnv && fromEnv.trim() !== '') return path.resolve(fromEnv);
  return path.join(os.homedir(), '.edgebench', 'edgebench.db');
}

export function resolveStorePath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag && flag.trim() !== '' ? path.resolve(flag) : defaultStorePath(env);
}

export function isPostgresUrl(location: string | undefined): location is string {
  return typeof location === 'string' && /^postgres(ql)?:\/\//i.test(location.trim());
}

/**
 * A server store only where one is named: `--store` as given, else EDGEBENCH_STORE when it is a
 * PostgreSQL URL (a path there names the local SQLite store, which holds no fleet's progress).
 */
export function serverStoreLocation(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const fromEnv = env[STORE_ENV_VAR];
  return flag ?? (isPostgresUrl(fromEnv) ? fromEnv : undefined);
}
