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
          name: { type: 'text' },
          source: { type: 'text' },
          created_at: { type: 'text' },
          finished_at: { type: 'text', nullable: true },
          status: { type: 'text', oneOf: ['running', 'finished', 'interrupted'] },
          spec_json: { type: 'text' },
          edgebench_version: { type: 'text' },
        },
        indexes: [{ name: 'studies_created', columns: ['created_at'] }],
      }),
      createTable({
        name: 'environments',
        columns: {
          study_id: { type: 'text', primaryKey: true, references: idOf('studies') },
          captured_at: { type: 'text' },
          host_json: { type: 'text' },
          onnxruntime: { type: 'text' },
          edgebench: { type: 'text' },
          extra_json: { type: 'text', default: '{}' },
        },
      }),
      createTable({
        name: 'variants',
        columns: {
          id: { type: 'integer', primaryKey: true, identity: true },
          study_id: { type: 'text', references: idOf('studies') },
          key: { type: 'text' },
          group_key: { type: 'text' },
          position: { type: 'integer' },
          model: { type: 'text' },
          model_ref: { type: 'text' },
          label: { type: 'text' },
          role: { type: 'text', oneOf: ['baseline', 'optimized'] },
          baseline_key: { type: 'text', nullable: true },
          recipes_json: { type: 'text' },
          graph_opt_level: { type: 'text' },
          ep: { type: 'text' },
          threads: { type: 'integer' },
          batch: { type: 'integer' },
          scenario: { type: 'text' },
          settings_json: { type: 'text' },
          model_path: { type: 'text', nullable: true },
          model_sha256: { type: 'text', nullable: true },
          status: { type: 'text', oneOf: ['pending', 'ok', 'failed'] },
          failure_kind: { type: 'text', nullable: true },
          failure_reason: { type: 'text', nullable: true },
        },
        unique: [['study_id', 'key']],
      }),
      createTable({
        name: 'measurements',
        columns: {
          id: { type: 'integer', primaryKey: true, identity: true },
          variant_id: { type: 'integer', references: idOf('variants') },
          round: { type: 'integer' },
          status: { type: 'text', oneOf: ['ok', 'failed'] },
          failure_kind: { type: 'text', nullable: true },
          failure_reason: { type: 'text', nullable: true },
          started_at: { type: 'text' },
          ended_at: { type: 'text' },
          sample_count: { type: 'integer', default: 0 },
          median_ms: { type: 'float64', nullable: true },
          cold_start_ms: { type: 'float64', nullable: true },
          first_inference_ms: { type: 'float64', nullable: true },
          peak_rss_bytes: { type: 'float64', nullable: true },
          stop_reason: { type: 'text', nullable: true },
          result_json: { type: 'text', nullable: true },
          telemetry_json: { type: 'text', nullable: true },
        },
        unique: [['variant_id', 'round']],
      }),
      createTable({
        name: 'samples',
        columns: {
          measurement_id: { type: 'integer', primaryKey: true, references: idOf('measurements') },
          encoding: { type: 'text', default: 'f64le' },
          count: { type: 'integer' },
          data: { type: 'bytes' },
        },
      }),
      createTable({
        name: 'fidelity',
        columns: {
          variant_id: { type: 'integer', primaryKey: true, references: idOf('variants') },
          baseline_variant_id: { type: 'integer', references: idOf('variants') },
          source: { type: 'text' },
          metrics_json: { type: 'text', nullable: true },
          error: { type: 'text', nullable: true },
          max_abs_err: { type: 'float64', nullable: true },
          mean_abs_err: { type: 'float64', nullable: true },
          cosine: { type: 'float64', nullable: true },
          snr_db: { type: 'float64', nullable: true },
          top1_agreement: { type: 'float64', nullable: true },
          top5_agreement: { type: 'float64', nullable: true },
        },
      }),
    ],
  },
  {
    version: 2,
    name: 'fleet: device of a variant, agent and attempt of a measurement, models by content, study devices',
    changes: [
      addColumn('variants', 'device', { type: 'text', nullable: true }),
      addColumn('measurements', 'agent', { type: 'text', nullable: true }),
      addColumn('measurements', 'attempt', { type: 'integer', nullable: true }),
      createTable({
        name: 'models',
        columns: {
          sha256: { type: 'text', primaryKey: true },
          name: { type: 'text' },
          size_bytes: { type: 'integer' },
          data: { type: 'bytes' },
          created_at: { type: 'text' },
        },
      }),
      createTable({
        name: 'study_devices',
        columns: {
          study_id: { type: 'text', references: idOf('studies') },
          agent: { type: 'text' },
          device: { type: 'text' },
          captured_at: { type: 'text' },
          capabilities_json: { type: 'text' },
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
          recorded_at: { type: 'text' },
          result_json: { type: 'text' },
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
    name: { type: 'text' },
    applied_at: { type: 'text' },
  },
});

export function schemaVersionTableSql(dialect: SqlDialect): string {
  return createTableSql(SCHEMA_VERSION_TABLE, dialect, { ifNotExists: true });
}
