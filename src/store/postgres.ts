/**
 * The PostgreSQL backend of the store (pg), for fleets: many agents write their measurements into one
 * database. The queries are the shared Kysely layer (`kysely-store.ts`), the same as SQLite's; this
 * file opens a connection pool, applies the PostgreSQL migrations under an advisory lock (agents that
 * start together do not race), and names errors.
 *
 * Credentials come from the URL (`postgres://user:password@host:port/db`) or from libpq's variables
 * (PGPASSWORD, PGUSER…, which pg reads); `location` and every error message carry the URL with its
 * password masked. A pool error (the server restarted, an idle connection dropped) never crashes the
 * process: the pool opens a new connection for the next query, and `isTransientStoreError` tells
 * callers which failures are worth retrying.
 */
import type { Kysely } from 'kysely';
import { UserError } from '../errors.js';
import { Redactor } from '../util/redact.js';
import { kyselyRuntime } from './kysely-runtime.js';
import { KyselyStudyStore } from './kysely-store.js';
import { type Migration, POSTGRES_MIGRATIONS, schemaVersionTableSql } from './migrations.js';
import type { StoreSchema } from './schema.js';

export interface PostgresStoreOptions {
  /** The migrations to apply (tests pass their own list; everyone else gets POSTGRES_MIGRATIONS). */
  migrations?: readonly Migration[];
  /** Connections in the pool (default 4). */
  poolMax?: number;
  /** How long to wait for a connection, ms (default 5000). */
  connectionTimeoutMs?: number;
  /** Told about errors of idle connections (already redacted); they are otherwise ignored. */
  onPoolError?: (error: Error) => void;
  /** Shown in pg_stat_activity (default `edgebench`). */
  applicationName?: string;
}

export const DEFAULT_POOL_MAX = 4;
/** Key of the advisory lock held while migrating (any constant that no other program uses). */
const MIGRATION_LOCK_KEY = 0x6564_6765; // "edge"

export { isPostgresUrl } from './location.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
/** SQLSTATEs of a server going away or not ready yet: admin/crash shutdown, cannot connect now, connection exceptions. */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const TRANSIENT_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down)|Connection ended unexpectedly/i;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether a store failure is a connection problem worth retrying (the server restarting, a dropped connection). */
export function isTransientStoreError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = codeOf(e);
    if (code && (CONNECTION_CODES.has(code) || TRANSIENT_SQLSTATES.has(code))) return true;
    if (e instanceof Error && TRANSIENT_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/** Turns pg's errors into one line that names the store (password masked) and what to do. */
export function postgresError(location: string, error: unknown, redactor = new Redactor()): unknown {
  if (error instanceof UserError) return error;
  const code = codeOf(error);
  const message = redactor.text(error instanceof Error ? error.message : String(error));
  const clean = redactor.error(error);
  if (code && CONNECTION_CODES.has(code))
    return new UserError(
      `cannot reach PostgreSQL at ${location} (${code}): check that the server runs and that the URL is right`,
      { cause: clean },
    );
  if (code === '28P01' || code === '28000')
    return new UserError(
      `PostgreSQL at ${location} refused the credentials (${message}); check the user and password in the URL or PGPASSWORD`,
      { cause: clean },
    );
  if (code === '3D000')
    return new UserError(`${message} at ${location}: create it (createdb) or name another one in the URL`, {
      cause: clean,
    });
  if (code || TRANSIENT_MESSAGE.test(message))
    return new UserError(`store ${location}: ${message}${code ? ` (${code})` : ''}`, { cause: clean });
  return clean;
}

export class PostgresStudyStore extends KyselyStudyStore {
  private constructor(db: Kysely<StoreSchema>, location: string, redactor: Redactor) {
    super(db, location, (error) => postgresError(location, error, redactor));
  }

  /** Connects to `url`, creating and upgrading the schema as needed. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStudyStore> {
    const redactor = new Redactor([url], [process.env.PGPASSWORD]);
    const location = redactor.text(url.trim());
    const { default: pg } = await import('pg');
    const { Kysely: KyselyDb, PostgresDialect } = kyselyRuntime();
    const pool = new pg.Pool({
      connectionString: url.trim(),
      max: options.poolMax ?? DEFAULT_POOL_MAX,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      idleTimeoutMillis: 10_000,
      application_name: options.applicationName ?? 'edgebench',
    });
    // Without a listener, an idle connection dropped by a server restart would crash the process.
    pool.on('error', (error) => options.onPoolError?.(redactor.error(error)));
    const db: Kysely<StoreSchema> = new KyselyDb<StoreSchema>({ dialect: new PostgresDialect({ pool }) });
    try {
      await migratePostgres(db, location, options.migrations ?? POSTGRES_MIGRATIONS);
    } catch (error) {
      await db.destroy().catch(() => {});
      throw postgresError(location, error, redactor);
    }
    return new PostgresStudyStore(db, location, redactor);
  }

  /** The schema version the database is at. */
  schemaVersion(): Promise<number> {
    return this.guard(() => currentVersion(this.db));
  }
}

async function currentVersion(db: Kysely<StoreSchema>): Promise<number> {
  const { sql } = kyselyRuntime();
  const exists = await sql<{
    name: string | null;
  }>`SELECT to_regclass('schema_version')::text AS name`.execute(db);
  if (!exists.rows[0]?.name) return 0;
  const row = await db
    .selectFrom('schema_version')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}

/** Applies the missing migrations in one transaction, under an advisory lock (so concurrent openers wait). */
async function migratePostgres(
  db: Kysely<StoreSchema>,
  location: string,
  migrations: readonly Migration[],
): Promise<void> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const { sql } = kyselyRuntime();
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    const version = await currentVersion(trx);
    if (version === 0) {
      const studies = await sql<{ name: string | null }>`SELECT to_regclass('studies')::text AS name`.execute(
        trx,
      );
      if (studies.rows[0]?.name)
        throw new UserError(
          `the database at ${location} has a 'studies' table but is not an edgebench store; name another database in the URL`,
        );
    }
    if (version > latest)
      throw new UserError(
        `the store ${location} was written by a newer edgebench (schema ${version}, this one knows ${latest}); upgrade edgebench or use another database`,
      );
    if (version === latest) return;
    await sql.raw(schemaVersionTableSql('postgres')).execute(trx);
    for (const migration of migrations) {
      if (migration.version <= version) continue;
      await sql.raw(migration.sql).execute(trx);
      await trx
        .insertInto('schema_version')
        .values({ version: migration.version, name: migration.name, applied_at: new Date().toISOString() })
        .execute();
    }
  });
}
