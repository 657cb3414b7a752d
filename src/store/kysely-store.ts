/**
 * The store's one query layer: every query of `StudyStore`, written once with Kysely and run on either
 * backend — SQLite through better-sqlite3 (`sqlite.ts`, the default, embedded) or PostgreSQL through
 * pg (`postgres.ts`, for fleets). The backends add only how to open, migrate and name their errors.
 *
 * Besides the `StudyStore` contract, it holds what a fleet needs: model files by content, the devices
 * that measured a study, idempotent measurement writes (a result delivered twice is stored once),
 * and a study's progress.
 */

import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { UserError } from '../errors.js';
import type { RunResult } from '../measure/result.js';
import { kyselyRuntime } from './kysely-runtime.js';
import { decodeSamples, encodeSamples, SAMPLES_ENCODING } from './samples-codec.js';
import type { MeasurementsTable, StoreSchema, VariantsTable } from './schema.js';
import type {
  DeviceRecord,
  EnvironmentRecord,
  Failure,
  FidelityMetrics,
  FidelityRecord,
  MeasurementRecord,
  NewMeasurement,
  NewStudy,
  NewVariant,
  StoredStudy,
  StudyRecord,
  StudyStatus,
  StudyStore,
  StudySummary,
  VariantRecord,
  VariantUpdate,
} from './types.js';
import { TUNE_SOURCE } from './types.js';

type Db = Kysely<StoreSchema>;

/** `20250131-142501-3fa2`: sortable, readable, unique enough for one store. */
export function newStudyId(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const time = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${date}-${time}-${randomBytes(2).toString('hex')}`;
}

/** How far a study has come: (variant, round) pairs stored, out of those planned. */
export interface StudyProgress {
  studyId: string;
  status: StudyStatus;
  variants: number;
  failedVariants: number;
  rounds: number;
  /** Variants × rounds. */
  planned: number;
  /** Rounds stored (ok or failed). */
  stored: number;
  /** Planned rounds left to measure (a failed variant's remaining rounds are not counted). */
  remaining: number;
  /**
   * Fidelity checks still to store: optimized variants with a baseline, neither failed, and no record
   * yet, when the spec asks for fidelity (an engine-group variant is not checked).
   */
  fidelityPending: number;
}

/** A model file kept by content. */
export interface StoredModel {
  sha256: string;
  name: string;
  data: Uint8Array;
}

function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function parse<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function failureOf(kind: string | null, reason: string | null): Failure | null {
  return kind === null ? null : { kind, reason: reason ?? '' };
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Counts come back as numbers from SQLite and as strings (bigint) from PostgreSQL. */
function count(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

type StudyRow = StoreSchema['studies'];

/** A column's name as a record's field (`study_id` → `studyId`), as a type. */
type FieldOf<Column extends string> = Column extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<FieldOf<Tail>>}`
  : Column;

/**
 * The columns that a record holds as they are, under their fields' names: the one rule from a row to
 * a record (columns that need decoding are read beside it). Fields come in the order given.
 */
function fieldsOf<Row, Column extends keyof Row & string>(
  row: Row,
  columns: readonly Column[],
): { [C in Column as FieldOf<C>]: Row[C] } {
  const fields: Record<string, unknown> = {};
  for (const column of columns)
    fields[column.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase())] = row[column];
  return fields as { [C in Column as FieldOf<C>]: Row[C] };
}

function studyFromRow(row: StudyRow): StudyRecord {
  return {
    ...fieldsOf(row, ['id', 'name', 'source', 'created_at', 'finished_at', 'status']),
    spec: JSON.parse(row.spec_json),
    edgebenchVersion: row.edgebench_version,
  };
}

type VariantRow = Omit<VariantsTable, 'id'> & { id: number };

function variantFromRow(row: VariantRow): VariantRecord {
  return {
    ...fieldsOf(row, [
      'id',
      'study_id',
      'key',
      'group_key',
      'position',
      'model',
      'model_ref',
      'label',
      'role',
      'baseline_key',
    ]),
    recipes: JSON.parse(row.recipes_json) as string[],
    ...fieldsOf(row, ['graph_opt_level', 'ep', 'threads', 'batch', 'scenario']),
    settings: JSON.parse(row.settings_json) as Record<string, unknown>,
    ...fieldsOf(row, ['model_path', 'model_sha256', 'status']),
    failure: failureOf(row.failure_kind, row.failure_reason),
    // Local studies keep exactly the shape they had before fleets existed.
    ...(row.device !== null && row.device !== undefined ? { device: row.device } : {}),
  };
}

/** A measurement as `loadStudy` reads it: its own columns, and its samples when asked for. */
type MeasurementRow = Pick<
  Selectable<MeasurementsTable>,
  | 'id'
  | 'variant_id'
  | 'round'
  | 'status'
  | 'failure_kind'
  | 'failure_reason'
  | 'started_at'
  | 'ended_at'
  | 'result_json'
  | 'telemetry_json'
  | 'agent'
  | 'attempt'
> & { encoding: string | null; data: Uint8Array | null };

function measurementFromRow(row: MeasurementRow): MeasurementRecord {
  return {
    ...fieldsOf(row, ['id', 'variant_id', 'round', 'status']),
    failure: failureOf(row.failure_kind, row.failure_reason),
    ...fieldsOf(row, ['started_at', 'ended_at']),
    result: parse<Omit<RunResult, 'samplesMs'>>(row.result_json),
    telemetry: parse<unknown>(row.telemetry_json),
    samplesMs: row.data ? decodeSamples(row.data, row.encoding ?? SAMPLES_ENCODING) : new Float64Array(0),
    ...(row.agent !== null && row.agent !== undefined ? { agent: row.agent } : {}),
    ...(row.attempt !== null && row.attempt !== undefined ? { attempt: row.attempt } : {}),
  };
}

function measurementValues(m: NewMeasurement) {
  const result = m.result;
  let withoutSamples: Omit<RunResult, 'samplesMs'> | null = null;
  if (result) {
    // Samples go to their own table and telemetry to its own column: neither is repeated in result_json.
    const { samplesMs: _samples, telemetry: _telemetry, ...rest } = result;
    withoutSamples = rest;
  }
  return {
    variant_id: m.variantId,
    round: m.round,
    status: result ? ('ok' as const) : ('failed' as const),
    failure_kind: m.failure?.kind ?? null,
    failure_reason: m.failure?.reason ?? null,
    started_at: m.startedAt,
    ended_at: m.endedAt,
    sample_count: result?.samplesMs.length ?? 0,
    median_ms: result?.stats.medianMs ?? null,
    cold_start_ms: result?.coldStartMs ?? null,
    first_inference_ms: result?.firstInferenceMs ?? null,
    peak_rss_bytes: result?.peakRssBytes ?? null,
    stop_reason: result?.stopReason ?? null,
    result_json: withoutSamples ? json(withoutSamples) : null,
    telemetry_json:
      m.telemetry === undefined ? (result?.telemetry ? json(result.telemetry) : null) : json(m.telemetry),
    agent: m.agent ?? null,
    attempt: m.attempt ?? null,
  };
}

/**
 * The queries, for any Kysely database with the store's schema. `mapError` turns a backend's errors
 * into one-line UserErrors naming the store.
 */
export class KyselyStudyStore implements StudyStore {
  readonly location: string;
  protected readonly db: Db;
  private readonly mapError: (error: unknown) => unknown;
  private closed = false;

  protected constructor(db: Db, location: string, mapError: (error: unknown) => unknown) {
    this.db = db;
    this.location = location;
    this.mapError = mapError;
  }

  /** Runs a query, naming the store in whatever goes wrong. */
  protected async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async createStudy(study: NewStudy): Promise<StudyRecord> {
    const record: StudyRecord = {
      id: study.id ?? newStudyId(),
      name: study.name,
      source: study.source,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      status: 'running',
      spec: study.spec,
      edgebenchVersion: study.edgebenchVersion,
    };
    await this.guard(() =>
      this.db
        .insertInto('studies')
        .values({
          id: record.id,
          name: record.name,
          source: record.source,
          created_at: record.createdAt,
          finished_at: null,
          status: record.status,
          spec_json: json(record.spec),
          edgebench_version: record.edgebenchVersion,
        })
        .execute(),
    );
    return record;
  }

  findStudy(ref: string): Promise<StudyRecord> {
    return this.guard(async () => {
      const trimmed = ref.trim();
      if (trimmed === 'latest' || trimmed === 'last') {
        const row = await this.db
          .selectFrom('studies')
          .selectAll()
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (!row)
          throw new UserError(`the store ${this.location} holds no study yet; run \`edgebench study\``);
        return studyFromRow(row);
      }
      const exact = await this.db
        .selectFrom('studies')
        .selectAll()
        .where('id', '=', trimmed)
        .executeTakeFirst();
      if (exact) return studyFromRow(exact);
      const pattern = `${trimmed.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const matches = await this.db
        .selectFrom('studies')
        .selectAll()
        .where(kyselyRuntime().sql<boolean>`id LIKE ${pattern} ESCAPE '\\'`)
        .orderBy('created_at', 'desc')
        .limit(6)
        .execute();
      if (matches.length === 1) return studyFromRow(matches[0]);
      if (matches.length > 1)
        throw new UserError(
          `'${ref}' matches several studies (${matches.map((m) => m.id).join(', ')}); give more of the id`,
        );
      throw new UserError(
        `no study '${ref}' in the store ${this.location}; \`edgebench history\` lists the stored ones`,
      );
    });
  }

  latestUnfinished(): Promise<StudyRecord | undefined> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('studies')
        .selectAll()
        .where('status', '!=', 'finished')
        // A tune run is stored as a study but is not resumed as one (`edgebench tune` runs again).
        .where('source', '!=', TUNE_SOURCE)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? studyFromRow(row) : undefined;
    });
  }

  listStudies(limit = 50): Promise<StudySummary[]> {
    return this.guard(async () => {
      const rows = await this.db
        .selectFrom('studies as s')
        .selectAll('s')
        .select((eb) => [
          eb
            .selectFrom('variants as v')
            .select(eb.fn.countAll().as('n'))
            .whereRef('v.study_id', '=', 's.id')
            .as('variant_count'),
          eb
            .selectFrom('variants as v')
            .select(eb.fn.countAll().as('n'))
            .whereRef('v.study_id', '=', 's.id')
            .where('v.status', '=', 'failed')
            .as('failed_count'),
          eb
            .selectFrom('measurements as m')
            .innerJoin('variants as v', 'v.id', 'm.variant_id')
            .select(eb.fn.countAll().as('n'))
            .whereRef('v.study_id', '=', 's.id')
            .where('m.status', '=', 'ok')
            .as('measurement_count'),
        ])
        .orderBy('s.created_at', 'desc')
        .orderBy('s.id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        source: r.source,
        createdAt: r.created_at,
        finishedAt: r.finished_at,
        status: r.status,
        variants: count(r.variant_count),
        failedVariants: count(r.failed_count),
        measurements: count(r.measurement_count),
      }));
    });
  }

  updateStudy(
    id: string,
    update: { status?: StudyStatus; finishedAt?: string | null; spec?: unknown },
  ): Promise<void> {
    return this.guard(async () => {
      const set: Updateable<StoreSchema['studies']> = {};
      if (update.status !== undefined) set.status = update.status;
      if (update.finishedAt !== undefined) set.finished_at = update.finishedAt;
      if (update.spec !== undefined) set.spec_json = json(update.spec);
      if (Object.keys(set).length === 0) return;
      await this.db.updateTable('studies').set(set).where('id', '=', id).execute();
    });
  }

  addVariants(studyId: string, variants: readonly NewVariant[]): Promise<VariantRecord[]> {
    return this.guard(async () => {
      await this.db.transaction().execute(async (trx) => {
        for (const v of variants)
          await trx
            .insertInto('variants')
            .values({
              study_id: studyId,
              key: v.key,
              group_key: v.groupKey,
              position: v.position,
              model: v.model,
              model_ref: v.modelRef,
              label: v.label,
              role: v.role,
              baseline_key: v.baselineKey,
              recipes_json: json(v.recipes),
              graph_opt_level: v.graphOptLevel,
              ep: v.ep,
              threads: v.threads,
              batch: v.batch,
              scenario: v.scenario,
              settings_json: json(v.settings),
              model_path: null,
              model_sha256: null,
              status: 'pending',
              failure_kind: null,
              failure_reason: null,
              device: v.device ?? null,
            })
            .onConflict((oc) => oc.columns(['study_id', 'key']).doNothing())
            .execute();
      });
      return this.variantsOf(this.db, studyId);
    });
  }

  updateVariant(id: number, update: VariantUpdate): Promise<void> {
    return this.guard(async () => {
      const set: Updateable<VariantsTable> = {};
      if (update.modelPath !== undefined) set.model_path = update.modelPath;
      if (update.modelSha256 !== undefined) set.model_sha256 = update.modelSha256;
      if (update.status !== undefined) set.status = update.status;
      if (update.failure !== undefined) {
        set.failure_kind = update.failure?.kind ?? null;
        set.failure_reason = update.failure?.reason ?? null;
      }
      if (update.settings !== undefined) set.settings_json = json(update.settings);
      if (Object.keys(set).length === 0) return;
      await this.db.updateTable('variants').set(set).where('id', '=', id).execute();
    });
  }

  /** Stores one measurement and its samples in one transaction; a second one for the same round is an error. */
  recordMeasurement(m: NewMeasurement): Promise<number> {
    return this.guard(() =>
      this.db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('measurements')
          .values(measurementValues(m))
          .returning('id')
          .executeTakeFirstOrThrow();
        await this.insertSamples(trx, row.id, m);
        return row.id;
      }),
    );
  }

  /**
   * Idempotent `recordMeasurement`: stores the measurement unless its (variant, round) is stored
   * already, in which case it stores nothing and returns null. A result delivered twice (a job
   * retried after its first agent stored it and died) is kept once.
   */
  recordMeasurementOnce(m: NewMeasurement): Promise<number | null> {
    return this.guard(() =>
      this.db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('measurements')
          .values(measurementValues(m))
          .onConflict((oc) => oc.columns(['variant_id', 'round']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!row) return null;
        await this.insertSamples(trx, row.id, m);
        return row.id;
      }),
    );
  }

  private async insertSamples(trx: Transaction<StoreSchema>, id: number, m: NewMeasurement): Promise<void> {
    if (!m.result) return;
    await trx
      .insertInto('samples')
      .values({
        measurement_id: id,
        encoding: SAMPLES_ENCODING,
        count: m.result.samplesMs.length,
        data: encodeSamples(m.result.samplesMs),
      })
      .execute();
  }

  recordFidelity(f: FidelityRecord): Promise<void> {
    return this.guard(async () => {
      const m = f.metrics;
      const values = {
        baseline_variant_id: f.baselineVariantId,
        source: f.source,
        metrics_json: m ? json(m) : null,
        error: f.error,
        max_abs_err: finiteOrNull(m?.maxAbsErr),
        mean_abs_err: finiteOrNull(m?.meanAbsErr),
        cosine: finiteOrNull(m?.cosine),
        snr_db: finiteOrNull(m?.snrDb),
        top1_agreement: m?.top1Agreement ?? null,
        top5_agreement: m?.top5Agreement ?? null,
      };
      await this.db
        .insertInto('fidelity')
        .values({ variant_id: f.variantId, ...values })
        .onConflict((oc) => oc.column('variant_id').doUpdateSet(values))
        .execute();
    });
  }

  recordEnvironment(e: EnvironmentRecord): Promise<void> {
    return this.guard(async () => {
      const values = {
        captured_at: e.capturedAt,
        host_json: json(e.host),
        onnxruntime: e.onnxruntime,
        edgebench: e.edgebench,
        extra_json: json(e.extra),
      };
      await this.db
        .insertInto('environments')
        .values({ study_id: e.studyId, ...values })
        .onConflict((oc) => oc.column('study_id').doUpdateSet(values))
        .execute();
    });
  }

  recordTuneResult(studyId: string, result: unknown): Promise<void> {
    return this.guard(async () => {
      const values = { recorded_at: new Date().toISOString(), result_json: json(result) };
      await this.db
        .insertInto('tune_results')
        .values({ study_id: studyId, ...values })
        .onConflict((oc) => oc.column('study_id').doUpdateSet(values))
        .execute();
    });
  }

  /** Records a device that measured part of a study (once per agent; later calls change nothing). */
  recordDevice(d: DeviceRecord): Promise<void> {
    return this.guard(async () => {
      await this.db
        .insertInto('study_devices')
        .values({
          study_id: d.studyId,
          agent: d.agent,
          device: d.device,
          captured_at: d.capturedAt,
          capabilities_json: json(d.capabilities),
        })
        .onConflict((oc) => oc.columns(['study_id', 'agent']).doNothing())
        .execute();
    });
  }

  loadStudy(id: string, options: { samples?: boolean } = {}): Promise<StoredStudy> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('studies').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new UserError(`no study '${id}' in the store ${this.location}`);
      const withSamples = options.samples !== false;
      const base = this.db
        .selectFrom('measurements as m')
        .innerJoin('variants as v', 'v.id', 'm.variant_id')
        .select([
          'm.id',
          'm.variant_id',
          'm.round',
          'm.status',
          'm.failure_kind',
          'm.failure_reason',
          'm.started_at',
          'm.ended_at',
          'm.result_json',
          'm.telemetry_json',
          'm.agent',
          'm.attempt',
        ])
        .where('v.study_id', '=', id)
        .orderBy('m.id');
      const measurementRows: MeasurementRow[] = withSamples
        ? await base
            .leftJoin('samples as s', 's.measurement_id', 'm.id')
            .select(['s.encoding', 's.data'])
            .execute()
        : (await base.execute()).map((r) => ({ ...r, encoding: null, data: null }));
      const fidelityRows = await this.db
        .selectFrom('fidelity as f')
        .innerJoin('variants as v', 'v.id', 'f.variant_id')
        .selectAll('f')
        .where('v.study_id', '=', id)
        .orderBy('v.position')
        .execute();
      const env = await this.db
        .selectFrom('environments')
        .selectAll()
        .where('study_id', '=', id)
        .executeTakeFirst();
      const devices = await this.db
        .selectFrom('study_devices')
        .selectAll()
        .where('study_id', '=', id)
        .orderBy('device')
        .orderBy('agent')
        .execute();
      const stored: StoredStudy = {
        study: studyFromRow(row),
        variants: await this.variantsOf(this.db, id),
        measurements: measurementRows.map(measurementFromRow),
        fidelity: fidelityRows.map((f) => ({
          variantId: f.variant_id,
          baselineVariantId: f.baseline_variant_id,
          source: f.source,
          metrics: parse<FidelityMetrics>(f.metrics_json),
          error: f.error,
        })),
        environment: env
          ? {
              studyId: env.study_id,
              capturedAt: env.captured_at,
              host: JSON.parse(env.host_json) as Record<string, unknown>,
              onnxruntime: env.onnxruntime,
              edgebench: env.edgebench,
              extra: JSON.parse(env.extra_json) as Record<string, unknown>,
            }
          : null,
      };
      const tune = await this.db
        .selectFrom('tune_results')
        .select('result_json')
        .where('study_id', '=', id)
        .executeTakeFirst();
      if (tune) stored.tune = JSON.parse(tune.result_json) as unknown;
      if (devices.length > 0)
        stored.devices = devices.map((d) => ({
          studyId: d.study_id,
          agent: d.agent,
          device: d.device,
          capturedAt: d.captured_at,
          capabilities: JSON.parse(d.capabilities_json) as Record<string, unknown>,
        }));
      return stored;
    });
  }

  /** One variant by id (null when there is none). */
  getVariant(id: number): Promise<VariantRecord | null> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('variants').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? variantFromRow(row) : null;
    });
  }

  /** Whether a round of a variant is stored (ok or failed). */
  hasMeasurement(variantId: number, round: number): Promise<boolean> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('measurements')
        .select('id')
        .where('variant_id', '=', variantId)
        .where('round', '=', round)
        .executeTakeFirst();
      return row !== undefined;
    });
  }

  /** Keeps a model file by content; a file already kept is not stored again. Returns whether it was new. */
  putModel(model: StoredModel): Promise<boolean> {
    return this.guard(async () => {
      const rows = await this.db
        .insertInto('models')
        .values({
          sha256: model.sha256,
          name: model.name,
          size_bytes: model.data.byteLength,
          data: toBuffer(model.data),
          created_at: new Date().toISOString(),
        })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .returning('sha256')
        .execute();
      return rows.length > 0;
    });
  }

  /** A kept model file by its hash (null when there is none). The caller checks the bytes against the hash. */
  getModel(sha256: string): Promise<StoredModel | null> {
    return this.guard(async () => {
      const row = await this.db
        .selectFrom('models')
        .select(['sha256', 'name', 'data'])
        .where('sha256', '=', sha256)
        .executeTakeFirst();
      return row ? { sha256: row.sha256, name: row.name, data: row.data } : null;
    });
  }

  /** How far a study has come, from what is stored. */
  studyProgress(studyId: string): Promise<StudyProgress> {
    return this.guard(async () => {
      const study = await this.db
        .selectFrom('studies')
        .select(['id', 'status', 'spec_json'])
        .where('id', '=', studyId)
        .executeTakeFirst();
      if (!study) throw new UserError(`no study '${studyId}' in the store ${this.location}`);
      const rounds = Number((JSON.parse(study.spec_json) as { rounds?: unknown })?.rounds ?? 1) || 1;
      const rows = await this.db
        .selectFrom('variants as v')
        .leftJoin('measurements as m', 'm.variant_id', 'v.id')
        .select((eb) => ['v.id', 'v.status', eb.fn.count('m.id').as('stored')])
        .where('v.study_id', '=', studyId)
        .groupBy(['v.id', 'v.status'])
        .execute();
      let stored = 0;
      let remaining = 0;
      let failed = 0;
      for (const r of rows) {
        const n = Math.min(rounds, count(r.stored));
        stored += n;
        if (r.status === 'failed') failed++;
        else remaining += rounds - n;
      }
      return {
        studyId,
        status: study.status,
        variants: rows.length,
        failedVariants: failed,
        rounds,
        planned: rows.length * rounds,
        stored,
        remaining,
        fidelityPending: await this.fidelityPending(studyId, study.spec_json),
      };
    });
  }

  /** See StudyProgress.fidelityPending. */
  private async fidelityPending(studyId: string, specJson: string): Promise<number> {
    const fidelity = (JSON.parse(specJson) as { fidelity?: { enabled?: unknown } })?.fidelity;
    if (fidelity?.enabled === false) return 0;
    const variants = await this.db
      .selectFrom('variants as v')
      .leftJoin('fidelity as f', 'f.variant_id', 'v.id')
      .select(['v.key', 'v.role', 'v.baseline_key', 'v.status', 'v.settings_json', 'f.variant_id as checked'])
      .where('v.study_id', '=', studyId)
      .execute();
    const statusOf = new Map(variants.map((v) => [v.key, v.status]));
    let pending = 0;
    for (const v of variants) {
      if (v.role !== 'optimized' || !v.baseline_key || v.checked !== null || v.status === 'failed') continue;
      const baseline = statusOf.get(v.baseline_key);
      if (baseline === undefined || baseline === 'failed') continue;
      const settings = JSON.parse(v.settings_json) as { engine?: unknown };
      if (typeof settings.engine === 'string') continue;
      pending++;
    }
    return pending;
  }

  /** Marks a running study finished once nothing remains to measure or check; returns whether it did now. */
  finishIfComplete(studyId: string): Promise<boolean> {
    return this.guard(async () => {
      const progress = await this.studyProgress(studyId);
      if (
        progress.remaining > 0 ||
        progress.fidelityPending > 0 ||
        progress.variants === 0 ||
        progress.status === 'finished'
      )
        return false;
      const result = await this.db
        .updateTable('studies')
        .set({ status: 'finished', finished_at: new Date().toISOString() })
        .where('id', '=', studyId)
        .where('status', '!=', 'finished')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.guard(() => this.db.destroy());
  }

  protected async variantsOf(db: Kysely<StoreSchema>, studyId: string): Promise<VariantRecord[]> {
    const rows = await db
      .selectFrom('variants')
      .selectAll()
      .where('study_id', '=', studyId)
      .orderBy('position')
      .orderBy('id')
      .execute();
    return rows.map(variantFromRow);
  }
}
