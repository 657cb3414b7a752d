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
