/**
 * The store on PostgreSQL (a real server of the test's own): the same schema and the same behaviour
 * as SQLite, through the one Kysely query layer; idempotent writes; concurrent migrations; a server
 * restart the store lives through.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryTransient } from '../../src/fleet/retry.js';
import {
  type KyselyStudyStore,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type NewVariant,
  openStore,
  POSTGRES_MIGRATIONS,
  PostgresStudyStore,
  SqliteStudyStore,
} from '../../src/store/index.js';
import { fakeResult } from '../report/fixture.js';
import { removeTempDirs, tempDir } from '../study/tiny-model.js';
import { type FleetServices, servicesSkipReason, startServices } from './services.js';

const skip = servicesSkipReason({ redis: false });
if (skip) console.warn(`PostgreSQL store tests skipped: ${skip}`);

const BASE: NewVariant = {
  key: 'm|base|cpu|t0|b1|single-stream@nano',
  groupKey: 'm|cpu|t0|b1|single-stream@nano',
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
const OPT: NewVariant = {
  ...BASE,
  key: 'm|opt|cpu|t0|b1|single-stream@nano',
  label: 'opt',
  role: 'optimized',
  baselineKey: BASE.key,
  position: 1,
  recipes: ['fuse'],
};

describe.skipIf(skip !== null)('the store on PostgreSQL', () => {
  let services: FleetServices;
  const opened: KyselyStudyStore[] = [];
  const open = async () => {
    const store = await PostgresStudyStore.open(services.postgresUrl, { onPoolError: () => {} });
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    services = await startServices({ redis: false });
  });

  afterAll(async () => {
    for (const s of opened) await s.close().catch(() => {});
    await services?.stop();
    removeTempDirs();
  });

  it('migrates once even when many agents open it at the same moment', async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => open()));
    expect(await Promise.all(stores.map((s) => s.schemaVersion()))).toEqual(
      Array(5).fill(LATEST_SCHEMA_VERSION),
    );
    expect(stores[0].location).toBe(services.postgresUrl.replace(services.postgresPassword, '***'));
  });

  it('has the same tables and columns as the SQLite schema', async () => {
    expect(POSTGRES_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(
      MIGRATIONS.map((m) => [m.version, m.name]),
    );
    const file = path.join(tempDir(), 'store.db');
    (await SqliteStudyStore.open(file)).close();
    const db = new Database(file, { readonly: true });
    const sqlite: Record<string, string[]> = {};
    for (const { name } of db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
      .all() as Array<{ name: string }>)
      sqlite[name] = (db.prepare(`PRAGMA table_info(${name})`).all() as Array<{ name: string }>)
        .map((c) => c.name)
        .sort();
    db.close();
    await open();
    const client = new pg.Client({ connectionString: services.postgresUrl });
    await client.connect();
    const rows = await client
      .query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
      )
      .finally(() => client.end());
    const postgres: Record<string, string[]> = {};
    for (const r of rows.rows) postgres[r.table_name] = [...(postgres[r.table_name] ?? []), r.column_name];
    for (const t of Object.keys(postgres)) postgres[t].sort();
    expect(postgres).toEqual(sqlite);
  });

  it('stores and loads a study as SQLite does: variants, samples, telemetry, fidelity, devices, models', async () => {
    const store = await open();
    const study = await store.createStudy({
      name: 'demo',
      source: 'fleet:x',
      spec: { rounds: 2 },
      edgebenchVersion: '0',
    });
    const variants = await store.addVariants(study.id, [BASE, OPT]);
    expect(await store.addVariants(study.id, [BASE, OPT])).toHaveLength(2);
    expect(variants.map((v) => [v.key, v.device])).toEqual([
      [BASE.key, 'nano'],
      [OPT.key, 'nano'],
    ]);
    const [base, opt] = variants;
    await store.updateVariant(base.id, { modelSha256: 'abc', status: 'ok' });
    await store.recordMeasurement({
      variantId: base.id,
      round: 1,
      startedAt: 'a',
      endedAt: 'b',
      result: fakeResult([2, 1, 3]),
      telemetry: { cpu: 50 },
      agent: 'agent-1',
      attempt: 2,
    });
    await expect(
      store.recordMeasurement({
        variantId: base.id,
        round: 1,
        startedAt: 'a',
        endedAt: 'b',
        result: fakeResult([1]),
      }),
    ).rejects.toThrow(/duplicate key|unique/i);
    await store.recordFidelity({
      variantId: opt.id,
      baselineVariantId: base.id,
      source: 'study',
      metrics: {
        count: 2,
        maxAbsErr: 0,
        meanAbsErr: 0,
        cosine: 1,
        snrDb: null,
        top1Agreement: 1,
        top5Agreement: null,
      },
      error: null,
    });
    await store.recordDevice({
      studyId: study.id,
      agent: 'agent-1',
      device: 'nano',
      capturedAt: 'now',
      capabilities: { eps: ['cpu'] },
    });
    await store.recordDevice({
      studyId: study.id,
      agent: 'agent-1',
      device: 'nano',
      capturedAt: 'later',
      capabilities: {},
    });
    const loaded = await store.loadStudy(study.id);
    expect(loaded.measurements).toHaveLength(1);
    const m = loaded.measurements[0];
    expect(Array.from(m.samplesMs)).toEqual([2, 1, 3]);
    expect(m).toMatchObject({ telemetry: { cpu: 50 }, agent: 'agent-1', attempt: 2 });
    expect(m.result?.stats.medianMs).toBe(2);
    expect(loaded.fidelity[0].metrics?.snrDb).toBeNull();
    expect(loaded.devices).toEqual([
      {
        studyId: study.id,
        agent: 'agent-1',
        device: 'nano',
        capturedAt: 'now',
        capabilities: { eps: ['cpu'] },
      },
    ]);
    expect((await store.loadStudy(study.id, { samples: false })).measurements[0].samplesMs.length).toBe(0);
    expect((await store.findStudy(study.id.slice(0, 10))).id).toBe(study.id);
    expect((await store.listStudies())[0]).toMatchObject({ id: study.id, variants: 2, measurements: 1 });

    const bytes = Buffer.from([1, 2, 3, 4]);
    expect(await store.putModel({ sha256: 'f'.repeat(64), name: 'm', data: bytes })).toBe(true);
    expect(await store.putModel({ sha256: 'f'.repeat(64), name: 'm', data: bytes })).toBe(false);
    expect(Buffer.from((await store.getModel('f'.repeat(64)))!.data)).toEqual(bytes);
    expect(await store.getModel('0'.repeat(64))).toBeNull();
  });

  it('keeps a result delivered many times once (study, variant, round), even concurrently', async () => {
    const [a, b] = [await open(), await open()];
    const study = await a.createStudy({
      name: 'once',
      source: 'fleet:x',
      spec: { rounds: 1 },
      edgebenchVersion: '0',
    });
    const [base, opt] = await a.addVariants(study.id, [BASE, OPT]);
    const deliver = (store: PostgresStudyStore, agent: string) =>
      store.recordMeasurementOnce({
        variantId: base.id,
        round: 1,
        startedAt: 'a',
        endedAt: 'b',
        result: fakeResult([5, 6, 7]),
        agent,
      });
    const ids = await Promise.all([deliver(a, 'x'), deliver(b, 'y'), deliver(a, 'z'), deliver(b, 'w')]);
    expect(ids.filter((id) => id !== null)).toHaveLength(1);
    const loaded = await b.loadStudy(study.id);
    expect(loaded.measurements).toHaveLength(1);
    expect(loaded.measurements[0].samplesMs.length).toBe(3);
    expect(await a.studyProgress(study.id)).toMatchObject({ planned: 2, stored: 1, remaining: 1 });
    expect(await a.finishIfComplete(study.id)).toBe(false);
    await a.updateVariant(opt.id, { status: 'failed', failure: { kind: 'crash', reason: 'boom' } });
    expect(await a.finishIfComplete(study.id)).toBe(true);
    expect(await b.finishIfComplete(study.id)).toBe(false);
    expect((await b.findStudy(study.id)).status).toBe('finished');
  });

  it('opens from --store or EDGEBENCH_STORE when given a postgres:// URL, and lives through a server restart', async () => {
    const store = (await openStore(services.postgresUrl)) as PostgresStudyStore;
    opened.push(store);
    expect(store).toBeInstanceOf(PostgresStudyStore);
    await services.restartPostgres();
    const studies = await retryTransient(() => store.listStudies());
    expect(studies.length).toBeGreaterThan(0);
  });

  it('names the server, never the password, when it cannot connect', async () => {
    const wrong = services.postgresUrl.replace(services.postgresPassword, 'not-the-password');
    await expect(PostgresStudyStore.open(wrong)).rejects.toThrow(/refused the credentials/);
    await expect(PostgresStudyStore.open(wrong)).rejects.not.toThrow(/not-the-password/);
    const down = `postgres://u:topsecret@127.0.0.1:1/x`;
    await expect(PostgresStudyStore.open(down)).rejects.toThrow(
      'cannot reach PostgreSQL at postgres://u:***@127.0.0.1:1/x (ECONNREFUSED)',
    );
  });
});
