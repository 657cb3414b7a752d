/**
 * The store's schema as numbered migrations, written once in portable terms (`ddl.ts`) and generated
 * for each backend: `MIGRATIONS` for SQLite, `POSTGRES_MIGRATIONS` for PostgreSQL, with the same
 * versions, names, tables and columns. A store records every migration it has applied in
 * `schema_version`; opening a store applies the missing ones in order. Never edit a released
 * migration: add the next number.
 *
 * Samples are stored compactly: one BLOB of little-endian float64 per measurement (`samples.data`).
 * JSON columns hold what is read back whole (resolved spec, settings, full result, telemetry).
 */
import {
  addColumn,
  createTable,
  createTableSql,
  defineTable,
  migrationSql,
  type SchemaChange,
  type SqlDialect,
} from './ddl.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** A migration before it is written in a dialect. */
interface PortableMigration {
  version: number;
  name: string;
  changes: readonly SchemaChange[];
}

/** A row's own number, given by the database (SQLite's rowid, PostgreSQL's identity column). */
const ROW_ID = { type: 'integer', primaryKey: true, identity: true } as const;
// The column types most columns are, spelt once.
const TEXT = { type: 'text' } as const;
const TEXT_OR_NULL = { type: 'text', nullable: true } as const;
const INTEGER = { type: 'integer' } as const;
const INTEGER_OR_NULL = { type: 'integer', nullable: true } as const;
const FLOAT64_OR_NULL = { type: 'float64', nullable: true } as const;
const BYTES = { type: 'bytes' } as const;

/** Why a variant or a measurement failed: a kind (crash, timeout…) and what happened; null when it did not. */
const FAILURE = { failure_kind: TEXT_OR_NULL, failure_reason: TEXT_OR_NULL } as const;

/** A reference to the `id` of a row of `table`: deleting that row deletes this one. */
const idOf = <T extends 'studies' | 'variants' | 'measurements'>(table: T) =>
  ({ table, column: 'id', onDelete: 'cascade' }) as const;

const SCHEMA: readonly PortableMigration[] = [
  {
    version: 1,
    name: 'studies, variants, measurements, samples, fidelity, environment',
    changes: [
      createTable({
        name: 'studies',
        columns: {
          id: { type: 'text', primaryKey: true },
          name: TEXT,
          source: TEXT,
          created_at: TEXT,
          finished_at: TEXT_OR_NULL,
          status: { type: 'text', oneOf: ['running', 'finished', 'interrupted'] },
          spec_json: TEXT,
          edgebench_version: TEXT,
        },
        indexes: [{ name: 'studies_created', columns: ['created_at'] }],
      }),
      createTable({
        name: 'environments',
        columns: {
          study_id: { type: 'text', primaryKey: true, references: idOf('studies') },
          captured_at: TEXT,
          host_json: TEXT,
          onnxruntime: TEXT,
          edgebench: TEXT,
          extra_json: { type: 'text', default: '{}' },
        },
      }),
      createTable({
        name: 'variants',
        columns: {
          id: ROW_ID,
          study_id: { type: 'text', references: idOf('studies') },
          key: TEXT,
          group_key: TEXT,
          position: INTEGER,
          model: TEXT,
          model_ref: TEXT,
          label: TEXT,
          role: { type: 'text', oneOf: ['baseline', 'optimized'] },
          baseline_key: TEXT_OR_NULL,
          recipes_json: TEXT,
          graph_opt_level: TEXT,
          ep: TEXT,
          threads: INTEGER,
          batch: INTEGER,
          scenario: TEXT,
          settings_json: TEXT,
          model_path: TEXT_OR_NULL,
          model_sha256: TEXT_OR_NULL,
          status: { type: 'text', oneOf: ['pending', 'ok', 'failed'] },
          ...FAILURE,
        },
        unique: [['study_id', 'key']],
      }),
      createTable({
        name: 'measurements',
        columns: {
          id: ROW_ID,
          variant_id: { type: 'integer', references: idOf('variants') },
          round: INTEGER,
          status: { type: 'text', oneOf: ['ok', 'failed'] },
          ...FAILURE,
          started_at: TEXT,
          ended_at: TEXT,
          sample_count: { type: 'integer', default: 0 },
          median_ms: FLOAT64_OR_NULL,
          cold_start_ms: FLOAT64_OR_NULL,
          first_inference_ms: FLOAT64_OR_NULL,
          peak_rss_bytes: FLOAT64_OR_NULL,
          stop_reason: TEXT_OR_NULL,
          result_json: TEXT_OR_NULL,
          telemetry_json: TEXT_OR_NULL,
        },
        unique: [['variant_id', 'round']],
      }),
      createTable({
        name: 'samples',
        columns: {
          measurement_id: { type: 'integer', primaryKey: true, references: idOf('measurements') },
          encoding: { type: 'text', default: 'f64le' },
          count: INTEGER,
          data: BYTES,
        },
      }),
      createTable({
        name: 'fidelity',
        columns: {
          variant_id: { type: 'integer', primaryKey: true, references: idOf('variants') },
          baseline_variant_id: { type: 'integer', references: idOf('variants') },
          source: TEXT,
          metrics_json: TEXT_OR_NULL,
          error: TEXT_OR_NULL,
          max_abs_err: FLOAT64_OR_NULL,
          mean_abs_err: FLOAT64_OR_NULL,
          cosine: FLOAT64_OR_NULL,
          snr_db: FLOAT64_OR_NULL,
          top1_agreement: FLOAT64_OR_NULL,
          top5_agreement: FLOAT64_OR_NULL,
        },
      }),
    ],
  },
  {
    version: 2,
    name: 'fleet: device of a variant, agent and attempt of a measurement, models by content, study devices',
    changes: [
      addColumn('variants', 'device', TEXT_OR_NULL),
      addColumn('measurements', 'agent', TEXT_OR_NULL),
      addColumn('measurements', 'attempt', INTEGER_OR_NULL),
      createTable({
        name: 'models',
        columns: {
          sha256: { type: 'text', primaryKey: true },
          name: TEXT,
          size_bytes: INTEGER,
          data: BYTES,
          created_at: TEXT,
        },
      }),
      createTable({
        name: 'study_devices',
        columns: {
          study_id: { type: 'text', references: idOf('studies') },
          agent: TEXT,
          device: TEXT,
          captured_at: TEXT,
          capabilities_json: TEXT,
        },
        primaryKey: ['study_id', 'agent'],
      }),
    ],
  },
  {
    version: 3,
    name: 'tune: the result of a tune run (leaderboard, winner, budget) beside its study',
    changes: [
      createTable({
        name: 'tune_results',
        columns: {
          study_id: { type: 'text', primaryKey: true, references: idOf('studies') },
          recorded_at: TEXT,
          result_json: TEXT,
        },
      }),
    ],
  },
];

function migrationsFor(dialect: SqlDialect): readonly Migration[] {
  return SCHEMA.map(({ version, name, changes }) => ({ version, name, sql: migrationSql(changes, dialect) }));
}

export const MIGRATIONS: readonly Migration[] = migrationsFor('sqlite');
export const POSTGRES_MIGRATIONS: readonly Migration[] = migrationsFor('postgres');
export const LATEST_SCHEMA_VERSION = SCHEMA[SCHEMA.length - 1].version;

/**
 * Where a store records the migrations it has applied, created before the first one. Its key is a
 * plain integer numbered by the migrations, not by the database.
 */
const SCHEMA_VERSION_TABLE = defineTable({
  name: 'schema_version',
  columns: {
    version: { type: 'integer', primaryKey: true },
    name: TEXT,
    applied_at: TEXT,
  },
});

export function schemaVersionTableSql(dialect: SqlDialect): string {
  return createTableSql(SCHEMA_VERSION_TABLE, dialect, { ifNotExists: true });
}
