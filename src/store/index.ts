/** The store: every study, variant, measurement and sample, kept for history, diffs and reports. */
import { existsSync } from 'node:fs';
import { UserError } from '../errors.js';
import { isPostgresUrl, resolveStorePath, STORE_ENV_VAR } from './location.js';
import { type SqliteStoreOptions, SqliteStudyStore } from './sqlite.js';
import type { StudyStore } from './types.js';

export { KyselyStudyStore, type StoredModel, type StudyProgress } from './kysely-store.js';
export {
  defaultStorePath,
  isPostgresUrl,
  resolveStorePath,
  STORE_ENV_VAR,
  serverStoreLocation,
} from './location.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration, POSTGRES_MIGRATIONS } from './migrations.js';
export {
  isTransientStoreError,
  type PostgresStoreOptions,
  PostgresStudyStore,
  postgresError,
} from './postgres.js';
export { decodeSamples, encodeSamples } from './samples-codec.js';
export type { StoreSchema } from './schema.js';
export { DEFAULT_BUSY_TIMEOUT_MS, newStudyId, type SqliteStoreOptions, SqliteStudyStore } from './sqlite.js';
export type * from './types.js';
export { fidelityIdentical, TUNE_SOURCE } from './types.js';

/** `--store` as given, else EDGEBENCH_STORE, when either is a PostgreSQL URL. */
function postgresLocation(location: string | undefined): string | undefined {
  const given = location && location.trim() !== '' ? location : process.env[STORE_ENV_VAR];
  return isPostgresUrl(given) ? given.trim() : undefined;
}

/**
 * Opens the store named by `location` (a file; default: EDGEBENCH_STORE, then ~/.edgebench/edgebench.db),
 * creating and migrating it as needed. Throws a UserError naming the file when it is locked or corrupt.
 * A `postgres://` URL (as `location` or in EDGEBENCH_STORE) opens a PostgreSQL store (fleet studies).
 */
export async function openStore(location?: string, options: SqliteStoreOptions = {}): Promise<StudyStore> {
  const url = postgresLocation(location);
  if (url) {
    const { PostgresStudyStore } = await import('./postgres.js');
    return PostgresStudyStore.open(url);
  }
  return SqliteStudyStore.open(resolveStorePath(location), options);
}

/**
 * Opens a store that must already exist (for commands that only read: history, show, diff, report);
 * `missing` says what a file that is not there means (opening an SQLite store would create it).
 */
export async function openExistingStore(
  location?: string,
  missing: (file: string) => string = (file) =>
    `no store at ${file}: run \`edgebench study\` first, or point --store (or ${STORE_ENV_VAR}) at one`,
): Promise<StudyStore> {
  const url = postgresLocation(location);
  if (url) {
    const { PostgresStudyStore } = await import('./postgres.js');
    return PostgresStudyStore.open(url);
  }
  const file = resolveStorePath(location);
  if (!existsSync(file)) throw new UserError(missing(file));
  return SqliteStudyStore.open(file);
}

/** The store of a study to resume (`true`: the latest unfinished one); a store that is not there holds none. */
export function openStoreToResume(location: string | undefined, resume: string | true): Promise<StudyStore> {
  return openExistingStore(location, (file) =>
    resume === true
      ? `no unfinished study in the store ${file}; \`edgebench history\` lists them`
      : `no study '${resume}' in the store ${file}; \`edgebench history\` lists the stored ones`,
  );
}
