/**
 * Stores written by the releases whose DDL was hand-written in each dialect (frozen in
 * legacy-ddl.ts): at every schema version they had, they still open, migrate and work; and a store
 * created now from the one portable table definition has the very same schema as one they created,
 * in SQLite and in a real PostgreSQL.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type KyselyStudyStore,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type Migration,
  type NewVariant,
  POSTGRES_MIGRATIONS,
  PostgresStudyStore,
  SqliteStudyStore,
} from '../../src/store/index.js';
import { type FleetServices, servicesSkipReason, startServices } from '../fleet/services.js';
import { fakeResult } from '../report/fixture.js';
import { removeTempDirs, tempDir } from '../study/tiny-model.js';
import {
  LEGACY_POSTGRES_MIGRATIONS,
  LEGACY_SCHEMA_VERSION_SQL,
  LEGACY_SQLITE_MIGRATIONS,
} from './legacy-ddl.js';

afterAll(removeTempDirs);

const OLD_VERSIONS = LEGACY_SQLITE_MIGRATIONS.map((m) => m.version);

const VARIANT: NewVariant = {
  key: 'm|base|cpu|t0|b1|single-stream',
  groupKey: 'm|cpu|t0|b1|single-stream',
  position: 0,
  model: 'm',
  modelRef: '/m.onnx',
  label: 'base',
  role: 'baseline',
  baselineKey: null,
  recipes: [],
  graphOptLevel: 'disabled',
  ep: 'cpu',
  threads: 0,
  batch: 1,
  scenario: 'single-stream',
  settings: { seed: 1 },
  device: 'nano',
};

/** What every version's store must still do once migrated: read what it had, write and read studies. */
async function readsAndWrites(store: KyselyStudyStore, oldStudyId: string): Promise<void> {
  expect((await store.findStudy(oldStudyId)).name).toBe('old');
  const study = await store.createStudy({
    name: 'new',
    source: 'test',
    spec: { rounds: 1 },
    edgebenchVersion: '1',
  });
  const [variant] = await store.addVariants(study.id, [VARIANT]);
  await store.recordMeasurement({
    variantId: variant.id,
    round: 1,
    startedAt: 'a',
    endedAt: 'b',
    result: fakeResult([2, 1, 3]),
    agent: 'agent-1',
    attempt: 1,
  });
  await store.recordTuneResult(study.id, { schema: 'edgebench.tune', winner: 'a' });
  const loaded = await store.loadStudy(study.id);
  expect(loaded.variants.map((v) => v.device)).toEqual(['nano']);
  expect(Array.from(loaded.measurements[0].samplesMs)).toEqual([2, 1, 3]);
  expect(loaded.measurements[0]).toMatchObject({ agent: 'agent-1', attempt: 1 });
  expect(loaded.tune).toEqual({ schema: 'edgebench.tune', winner: 'a' });
  expect((await store.listStudies()).map((s) => s.name).sort()).toEqual(['new', 'old']);
}

const OLD_STUDY = `INSERT INTO studies (id, name, source, created_at, status, spec_json, edgebench_version)
  VALUES ('20240101-000000-0000', 'old', 'test', '2024-01-01T00:00:00Z', 'finished', '{}', '0')`;

it('generates the same versions and names for both dialects, as the released ones', () => {
  const names = (migrations: readonly Migration[]) => migrations.map((m) => [m.version, m.name]);
  expect(names(MIGRATIONS)).toEqual(names(LEGACY_SQLITE_MIGRATIONS));
  expect(names(POSTGRES_MIGRATIONS)).toEqual(names(LEGACY_POSTGRES_MIGRATIONS));
  expect(LATEST_SCHEMA_VERSION).toBe(OLD_VERSIONS[OLD_VERSIONS.length - 1]);
});

describe('SQLite stores of earlier releases', () => {
  /** A store as a release at schema `version` left it. */
  function legacyStore(version: number): string {
    const file = path.join(tempDir(), `v${version}.db`);
    const db = new Database(file);
    db.exec(LEGACY_SCHEMA_VERSION_SQL);
    for (const m of LEGACY_SQLITE_MIGRATIONS.filter((m) => m.version <= version)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        '2024-01-01T00:00:00Z',
      );
    }
    db.exec(OLD_STUDY);
    db.close();
    return file;
  }

  function introspect(file: string): Record<string, unknown> {
    const db = new Database(file, { readonly: true });
    const all = (query: string) => db.prepare(query).all() as Array<Record<string, unknown>>;
    const schema: Record<string, unknown> = {};
    for (const { name, sql } of all(
      `SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`,
    )) {
      const indexes = all(`PRAGMA index_list(${name})`).map((index) => ({
        ...index,
        columns: all(`PRAGMA index_info(${String(index.name)})`),
      }));
      schema[String(name)] = {
        // The statement as written, but for line breaks and indentation.
        sql: String(sql).replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')'),
        columns: all(`PRAGMA table_info(${name})`),
        indexes,
        foreignKeys: all(`PRAGMA foreign_key_list(${name})`),
      };
    }
    db.close();
    return schema;
  }

  it('a new store has the schema an old release created', () => {
    const file = path.join(tempDir(), 'new.db');
    SqliteStudyStore.open(file).close();
    const fresh = introspect(file);
    const old = introspect(legacyStore(LATEST_SCHEMA_VERSION));
    expect(Object.keys(fresh).length).toBeGreaterThan(10);
    expect(fresh).toEqual(old);
  });

  for (const version of OLD_VERSIONS)
    it(`a store at schema ${version} opens, migrates and reads and writes studies`, async () => {
      const file = legacyStore(version);
      const store = SqliteStudyStore.open(file);
      try {
        expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        await readsAndWrites(store, '20240101-000000-0000');
      } finally {
        await store.close();
      }
      const db = new Database(file, { readonly: true });
      const applied = db.prepare('SELECT version, name FROM schema_version ORDER BY version').all();
      db.close();
      expect(applied).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    });
});

const skip = servicesSkipReason({ redis: false });
if (skip) console.warn(`PostgreSQL legacy store tests skipped: ${skip}`);

describe.skipIf(skip !== null)('PostgreSQL stores of earlier releases', () => {
  let services: FleetServices;
  const urlOf = (database: string) => services.postgresUrl.replace(/\/postgres$/, `/${database}`);

  async function query<R extends pg.QueryResultRow>(database: string, text: string): Promise<R[]> {
    const client = new pg.Client({ connectionString: urlOf(database) });
    await client.connect();
    try {
      return (await client.query<R>(text)).rows;
    } finally {
      await client.end();
    }
  }

  /** A database as a release at schema `version` left it. */
  async function legacyDatabase(version: number, database = `legacy_v${version}`): Promise<string> {
    await query('postgres', `CREATE DATABASE ${database}`);
    const steps = LEGACY_POSTGRES_MIGRATIONS.filter((m) => m.version <= version).map(
      (m) =>
        `${m.sql}; INSERT INTO schema_version (version, name, applied_at) VALUES (${m.version}, '${m.name}', '2024-01-01T00:00:00Z');`,
    );
    await query(database, `BEGIN; ${LEGACY_SCHEMA_VERSION_SQL}; ${steps.join('\n')} ${OLD_STUDY}; COMMIT;`);
    return database;
  }

  async function introspect(database: string): Promise<Record<string, unknown>> {
    return {
      columns: await query(
        database,
        `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default,
           is_identity, identity_generation
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
      ),
      indexes: await query(
        database,
        `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
      ),
      // CHECKs, keys and references, as the server writes them back.
      constraints: await query(
        database,
        `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
         FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY conname`,
      ),
    };
  }

  beforeAll(async () => {
    services = await startServices({ redis: false });
  });

  afterAll(async () => {
    await services?.stop();
  });

  it('a new store has the schema an old release created', async () => {
    await query('postgres', 'CREATE DATABASE fresh');
    await (await PostgresStudyStore.open(urlOf('fresh'), { onPoolError: () => {} })).close();
    const fresh = await introspect('fresh');
    const old = await introspect(await legacyDatabase(LATEST_SCHEMA_VERSION));
    expect((fresh.columns as unknown[]).length).toBeGreaterThan(60);
    expect(fresh).toEqual(old);
  });

  for (const version of OLD_VERSIONS.slice(0, -1))
    it(`a store at schema ${version} opens, migrates and reads and writes studies`, async () => {
      const database = await legacyDatabase(version);
      const store = await PostgresStudyStore.open(urlOf(database), { onPoolError: () => {} });
      try {
        expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        await readsAndWrites(store, '20240101-000000-0000');
      } finally {
        await store.close();
      }
      const applied = await query(database, 'SELECT version, name FROM schema_version ORDER BY version');
      expect(applied).toEqual(POSTGRES_MIGRATIONS.map(({ version, name }) => ({ version, name })));
    });

  it('a store at the latest schema of an old release opens and reads and writes studies', async () => {
    const database = await legacyDatabase(LATEST_SCHEMA_VERSION, 'latest_old');
    const store = await PostgresStudyStore.open(urlOf(database), { onPoolError: () => {} });
    try {
      await readsAndWrites(store, '20240101-000000-0000');
    } finally {
      await store.close();
    }
  });
});
