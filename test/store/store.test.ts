import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  decodeSamples,
  defaultStorePath,
  encodeSamples,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type NewVariant,
  openExistingStore,
  openStore,
  resolveStorePath,
  SqliteStudyStore,
  type StudyStore,
  TUNE_SOURCE,
} from '../../src/store/index.js';
import { fakeResult } from '../report/fixture.js';
import { removeTempDirs, tempDir } from '../study/tiny-model.js';

afterAll(removeTempDirs);

const opened: StudyStore[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

async function freshStore(file = path.join(tempDir(), 'store.db')): Promise<SqliteStudyStore> {
  const store = SqliteStudyStore.open(file);
  opened.push(store);
  return store;
}

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
};

describe('store location', () => {
  it('takes --store, then EDGEBENCH_STORE, then the home folder', () => {
    expect(resolveStorePath('/x/y.db', { EDGEBENCH_STORE: '/z.db' })).toBe('/x/y.db');
    expect(resolveStorePath(undefined, { EDGEBENCH_STORE: '/z.db' })).toBe('/z.db');
    expect(defaultStorePath({})).toMatch(/[/\\]\.edgebench[/\\]edgebench\.db$/);
  });
});

describe('samples codec', () => {
  it('round-trips float64 exactly', () => {
    const samples = [0.1, 1e-9, 123456.789, Math.PI];
    expect(Array.from(decodeSamples(encodeSamples(samples)))).toEqual(samples);
    expect(encodeSamples(samples).byteLength).toBe(32);
  });
});

describe('migrations', () => {
  it('creates the schema once and records its version', async () => {
    const file = path.join(tempDir(), 'store.db');
    const store = await freshStore(file);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    await store.close();
    const again = await freshStore(file);
    expect(again.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT version FROM schema_version').all();
    db.close();
    expect(rows).toHaveLength(MIGRATIONS.length);
  });

  it('applies a new numbered migration to an existing store, keeping its data', async () => {
    const file = path.join(tempDir(), 'store.db');
    const store = await freshStore(file);
    const study = await store.createStudy({ name: 's', source: 'test', spec: {}, edgebenchVersion: '0' });
    await store.close();
    const next = [
      ...MIGRATIONS,
      { version: 99, name: 'notes', sql: 'ALTER TABLE studies ADD COLUMN notes TEXT;' },
    ];
    const upgraded = SqliteStudyStore.open(file, { migrations: next });
    opened.push(upgraded);
    expect(upgraded.schemaVersion()).toBe(99);
    expect((await upgraded.findStudy(study.id)).name).toBe('s');
    await upgraded.close();
    // An older edgebench refuses a store written by a newer one.
    expect(() => SqliteStudyStore.open(file)).toThrow(/written by a newer edgebench \(schema 99/);
  });

  it('opens a store written before tune runs existed, and keeps a tune result beside its study', async () => {
    const file = path.join(tempDir(), 'store.db');
    const old = SqliteStudyStore.open(file, { migrations: MIGRATIONS.slice(0, 2) });
    const study = await old.createStudy({
      name: 's',
      source: 'test',
      spec: { rounds: 1 },
      edgebenchVersion: '0',
    });
    expect(old.schemaVersion()).toBe(2);
    await old.close();
    const store = await freshStore(file);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect((await store.loadStudy(study.id)).tune).toBeUndefined();
    const tune = await store.createStudy({
      name: 't',
      source: TUNE_SOURCE,
      spec: { kind: 'tune' },
      edgebenchVersion: '0',
    });
    await store.recordTuneResult(tune.id, { schema: 'edgebench.tune', winner: 'a' });
    await store.recordTuneResult(tune.id, { schema: 'edgebench.tune', winner: 'b' });
    expect((await store.loadStudy(tune.id)).tune).toEqual({ schema: 'edgebench.tune', winner: 'b' });
    // An unfinished tune is not what `study --resume` picks up.
    expect((await store.latestUnfinished())?.id).toBe(study.id);
  });

  it('refuses an SQLite file that is not an edgebench store', () => {
    const file = path.join(tempDir(), 'other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE mine (x)');
    db.close();
    expect(() => SqliteStudyStore.open(file)).toThrow(/is an SQLite database but not an edgebench store/);
  });
});

describe('errors name the file and what to do', () => {
  it('a corrupt store', () => {
    const file = path.join(tempDir(), 'corrupt.db');
    writeFileSync(file, Buffer.alloc(8192, 7));
    try {
      SqliteStudyStore.open(file);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(2);
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toMatch(/corrupt or not an SQLite database; move it aside/);
    }
  });

  it('a store locked by another process', async () => {
    const file = path.join(tempDir(), 'locked.db');
    (await freshStore(file)).close();
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const store = SqliteStudyStore.open(file, { busyTimeoutMs: 100 });
      opened.push(store);
      // Readers still work while another process writes (WAL).
      expect(await store.listStudies()).toEqual([]);
      const attempt = store.createStudy({ name: 's', source: 't', spec: {}, edgebenchVersion: '0' });
      await expect(attempt).rejects.toThrow(UserError);
      await expect(attempt).rejects.toThrow(/is locked by another process/);
      await expect(attempt).rejects.toThrow(file);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('a store that does not exist, for commands that only read', async () => {
    const file = path.join(tempDir(), 'missing.db');
    await expect(openExistingStore(file)).rejects.toThrow(
      /no store at .*missing\.db: run `edgebench study` first/,
    );
  });
});

describe('studies, variants, measurements', () => {
  it('stores and loads everything about a study', async () => {
    const store = await openStore(path.join(tempDir(), 'nested', 'store.db'));
    opened.push(store);
    const study = await store.createStudy({
      name: 'demo',
      source: 'test',
      spec: { rounds: 2 },
      edgebenchVersion: '0.1',
    });
    expect(study.id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    const opt: NewVariant = {
      ...VARIANT,
      key: 'm|opt|cpu|t0|b1|single-stream',
      label: 'opt',
      role: 'optimized',
      baselineKey: VARIANT.key,
      position: 1,
      recipes: ['fuse'],
    };
    const variants = await store.addVariants(study.id, [VARIANT, opt]);
    expect(variants.map((v) => v.key)).toEqual([VARIANT.key, opt.key]);
    // Adding the same plan again (resume) inserts nothing new.
    expect(await store.addVariants(study.id, [VARIANT, opt])).toHaveLength(2);
    const [base, optimized] = variants;
    await store.updateVariant(base.id, { modelPath: '/m.onnx', modelSha256: 'abc', status: 'ok' });
    await store.recordMeasurement({
      variantId: base.id,
      round: 1,
      startedAt: 'a',
      endedAt: 'b',
      result: fakeResult([2, 1, 3]),
      telemetry: { cpu: 50 },
    });
    await store.recordMeasurement({
      variantId: optimized.id,
      round: 1,
      startedAt: 'a',
      endedAt: 'b',
      failure: { kind: 'crash', reason: 'worker crashed (signal SIGSEGV)' },
    });
    await expect(
      store.recordMeasurement({
        variantId: base.id,
        round: 1,
        startedAt: 'a',
        endedAt: 'b',
        result: fakeResult([1]),
      }),
    ).rejects.toThrow(UserError);
    await store.updateVariant(optimized.id, { status: 'failed', failure: { kind: 'crash', reason: 'boom' } });
    await store.recordFidelity({
      variantId: optimized.id,
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
    await store.recordEnvironment({
      studyId: study.id,
      capturedAt: 'now',
      host: { cpu: { model: 'x' } },
      onnxruntime: '1.30.0',
      edgebench: '0.1',
      extra: {},
    });
    await store.updateStudy(study.id, { status: 'finished', finishedAt: 'later' });

    const loaded = await store.loadStudy(study.id);
    expect(loaded.study.status).toBe('finished');
    expect(loaded.study.spec).toEqual({ rounds: 2 });
    expect(loaded.variants[0]).toMatchObject({ modelSha256: 'abc', status: 'ok', recipes: [] });
    expect(loaded.variants[1]).toMatchObject({
      status: 'failed',
      failure: { kind: 'crash', reason: 'boom' },
    });
    expect(loaded.measurements).toHaveLength(2);
    const ok = loaded.measurements.find((m) => m.status === 'ok')!;
    expect(Array.from(ok.samplesMs)).toEqual([2, 1, 3]);
    expect(ok.telemetry).toEqual({ cpu: 50 });
    expect(ok.result?.stats.medianMs).toBe(2);
    expect('samplesMs' in (ok.result as object)).toBe(false);
    expect(loaded.measurements.find((m) => m.status === 'failed')?.failure?.kind).toBe('crash');
    expect(loaded.fidelity[0].metrics?.snrDb).toBeNull();
    expect(loaded.environment?.onnxruntime).toBe('1.30.0');
    const lean = await store.loadStudy(study.id, { samples: false });
    expect(lean.measurements[0].samplesMs.length).toBe(0);

    const list = await store.listStudies();
    expect(list[0]).toMatchObject({ id: study.id, variants: 2, failedVariants: 1, measurements: 1 });
  });

  it('finds studies by id, prefix or latest, and says what exists otherwise', async () => {
    const store = await freshStore();
    const a = await store.createStudy({
      id: '20250101-000000-aaaa',
      name: 'a',
      source: 't',
      spec: {},
      edgebenchVersion: '0',
    });
    await store.createStudy({
      id: '20250101-000000-aaab',
      name: 'b',
      source: 't',
      spec: {},
      edgebenchVersion: '0',
    });
    const c = await store.createStudy({
      id: '20250102-000000-cccc',
      name: 'c',
      source: 't',
      spec: {},
      edgebenchVersion: '0',
    });
    expect((await store.findStudy(a.id)).name).toBe('a');
    expect((await store.findStudy('20250102')).id).toBe(c.id);
    expect((await store.findStudy('latest')).id).toBe(c.id);
    await expect(store.findStudy('20250101')).rejects.toThrow(/matches several studies/);
    await expect(store.findStudy('1999')).rejects.toThrow(/no study '1999'.*edgebench history/);
    await store.updateStudy(c.id, { status: 'finished' });
    expect((await store.latestUnfinished())?.id).toBe('20250101-000000-aaab');
  });
});
