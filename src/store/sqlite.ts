/**
 * The SQLite backend of the store (better-sqlite3): opening, migrating and naming errors. The queries
 * themselves are the shared Kysely layer (`kysely-store.ts`), the same for PostgreSQL. WAL journal:
 * readers (`history`, `show`) never block the study that writes, and every measurement is committed
 * as soon as it ends, so an interrupted study loses nothing finished.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { UserError } from '../errors.js';
import { kyselyRuntime } from './kysely-runtime.js';
import { KyselyStudyStore } from './kysely-store.js';
import { MIGRATIONS, type Migration, schemaVersionTableSql } from './migrations.js';
import type { StoreSchema } from './schema.js';

export { newStudyId } from './kysely-store.js';

export interface SqliteStoreOptions {
  /** How long a write waits for another process's transaction before giving up (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Open for reading only (no migrations; refuses a store that needs them). */
  readonly?: boolean;
  /** The migrations to apply (tests pass their own list; everyone else gets MIGRATIONS). */
  migrations?: readonly Migration[];
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

type Db = Database.Database;

/** Turns SQLite's errors into one line that names the file and what to do. */
export function storeError(file: string, error: unknown): unknown {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code.startsWith('SQLITE_LOCKED'))
    return new UserError(
      `the store ${file} is locked by another process (another edgebench study?); wait for it to finish, or use --store FILE for a separate store`,
      { cause: error },
    );
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return new UserError(
      `the store ${file} is corrupt or not an SQLite database; move it aside (edgebench creates a new one) or use --store FILE`,
      { cause: error },
    );
  if (code.startsWith('SQLITE_CANTOPEN'))
    return new UserError(
      `cannot open the store ${file}: check that its folder exists and is writable, or use --store FILE`,
      { cause: error },
    );
  if (code.startsWith('SQLITE_READONLY'))
    return new UserError(
      `the store ${file} is read-only; make it writable, or use --store FILE for another store`,
      { cause: error },
    );
  if (code === 'SQLITE_FULL')
    return new UserError(`the disk holding the store ${file} is full; free some space and run again`, {
      cause: error,
    });
  return new UserError(`store ${file}: ${(error as Error).message} (${code})`, { cause: error });
}

function sqliteKysely(db: Db): Kysely<StoreSchema> {
  const { Kysely: KyselyDb, SqliteDialect } = kyselyRuntime();
  return new KyselyDb<StoreSchema>({ dialect: new SqliteDialect({ database: db }) });
}

export class SqliteStudyStore extends KyselyStudyStore {
  private readonly raw: Db;

  private constructor(file: string, db: Db) {
    super(sqliteKysely(db), file, (error) => storeError(file, error));
    this.raw = db;
  }

  /** Opens (creating if needed) and migrates the store at `file`. */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteStudyStore {
    const inMemory = file === ':memory:';
    const location = inMemory ? file : path.resolve(file);
    if (!inMemory && !options.readonly) {
      try {
        mkdirSync(path.dirname(location), { recursive: true });
      } catch (error) {
        throw new UserError(
          `cannot create the folder of the store ${location}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    let db: Db | undefined;
    try {
      db = new Database(location, {
        timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
        readonly: options.readonly === true,
        fileMustExist: options.readonly === true,
      });
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        // FULL: a committed measurement survives even a power cut, not only a killed process.
        db.pragma('synchronous = FULL');
      } else {
        db.pragma('schema_version');
      }
      db.pragma('foreign_keys = ON');
      migrate(db, location, options.readonly === true, options.migrations ?? MIGRATIONS);
      return new SqliteStudyStore(location, db);
    } catch (error) {
      db?.close();
      if ((error as { code?: unknown })?.code === 'SQLITE_CANTOPEN' && options.readonly)
        throw new UserError(
          `no store at ${location}: run a study first, or point --store at an existing one`,
        );
      throw storeError(location, error);
    }
  }

  /** The schema version the store is at (for tests and `edgebench history --json`). */
  schemaVersion(): number {
    return currentVersion(this.raw);
  }

  override async close(): Promise<void> {
    await super.close();
    // Kysely closes the database only if it ever ran a query through it.
    if (this.raw.open) this.raw.close();
  }
}

function tableExists(db: Db, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

function currentVersion(db: Db): number {
  if (!tableExists(db, 'schema_version')) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/** Applies missing migrations, each in its own IMMEDIATE transaction (so two openers cannot race). */
function migrate(db: Db, file: string, readonly: boolean, migrations: readonly Migration[]): void {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const version = currentVersion(db);
  if (version === 0) {
    const tables = db
      .prepare(`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .get() as { n: number };
    if (tables.n > 0)
      throw new UserError(
        `${file} is an SQLite database but not an edgebench store; choose another file with --store FILE`,
      );
  }
  if (version > latest)
    throw new UserError(
      `the store ${file} was written by a newer edgebench (schema ${version}, this one knows ${latest}); upgrade edgebench or use another --store`,
    );
  if (version === latest) return;
  if (readonly)
    throw new UserError(
      `the store ${file} needs upgrading (schema ${version} → ${latest}); run any edgebench command that writes to it (e.g. a study) first`,
    );
  for (const migration of migrations) {
    db.transaction(() => {
      db.exec(schemaVersionTableSql('sqlite'));
      // Re-read inside the transaction: another process may have migrated meanwhile.
      if (currentVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
}
