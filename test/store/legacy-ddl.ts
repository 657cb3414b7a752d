/**
 * The store's schema as the released versions wrote it, by hand, in each dialect: the reference that
 * the DDL generated from the one table definition (src/store/migrations.ts) must reproduce, so that
 * stores created by those versions stay the same as stores created now. Never edit: it is history.
 */
import type { Migration } from '../../src/store/index.js';

/** What every released version ran before the first migration, in both dialects. */
export const LEGACY_SCHEMA_VERSION_SQL =
  'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

export const LEGACY_SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'studies, variants, measurements, samples, fidelity, environment',
    sql: `
CREATE TABLE studies (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
  spec_json TEXT NOT NULL,
  edgebench_version TEXT NOT NULL
);
CREATE INDEX studies_created ON studies (created_at);

CREATE TABLE environments (
  study_id TEXT PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
  captured_at TEXT NOT NULL,
  host_json TEXT NOT NULL,
  onnxruntime TEXT NOT NULL,
  edgebench TEXT NOT NULL,
  extra_json TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE variants (
  id INTEGER PRIMARY KEY,
  study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  group_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  model TEXT NOT NULL,
  model_ref TEXT NOT NULL,
  label TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('baseline', 'optimized')),
  baseline_key TEXT,
  recipes_json TEXT NOT NULL,
  graph_opt_level TEXT NOT NULL,
  ep TEXT NOT NULL,
  threads INTEGER NOT NULL,
  batch INTEGER NOT NULL,
  scenario TEXT NOT NULL,
  settings_json TEXT NOT NULL,
  model_path TEXT,
  model_sha256 TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'ok', 'failed')),
  failure_kind TEXT,
  failure_reason TEXT,
  UNIQUE (study_id, key)
);

CREATE TABLE measurements (
  id INTEGER PRIMARY KEY,
  variant_id INTEGER NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
  round INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  failure_kind TEXT,
  failure_reason TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT NOT NULL,
  sample_count INTEGER NOT NULL DEFAULT 0,
  median_ms REAL,
  cold_start_ms REAL,
  first_inference_ms REAL,
  peak_rss_bytes REAL,
  stop_reason TEXT,
  result_json TEXT,
  telemetry_json TEXT,
  UNIQUE (variant_id, round)
);

CREATE TABLE samples (
  measurement_id INTEGER PRIMARY KEY REFERENCES measurements (id) ON DELETE CASCADE,
  encoding TEXT NOT NULL DEFAULT 'f64le',
  count INTEGER NOT NULL,
  data BLOB NOT NULL
);

CREATE TABLE fidelity (
  variant_id INTEGER PRIMARY KEY REFERENCES variants (id) ON DELETE CASCADE,
  baseline_variant_id INTEGER NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  metrics_json TEXT,
  error TEXT,
  max_abs_err REAL,
  mean_abs_err REAL,
  cosine REAL,
  snr_db REAL,
  top1_agreement REAL,
  top5_agreement REAL
);
`,
  },
  {
    version: 2,
    name: 'fleet: device of a variant, agent and attempt of a measurement, models by content, study devices',
    sql: `
ALTER TABLE variants ADD COLUMN device TEXT;
ALTER TABLE measurements ADD COLUMN agent TEXT;
ALTER TABLE measurements ADD COLUMN attempt INTEGER;

CREATE TABLE models (
  sha256 TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  data BLOB NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE study_devices (
  study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  agent TEXT NOT NULL,
  device TEXT NOT NULL,
  captured_at TEXT NOT NULL,
  capabilities_json TEXT NOT NULL,
  PRIMARY KEY (study_id, agent)
);
`,
  },
  {
    version: 3,
    name: 'tune: the result of a tune run (leaderboard, winner, budget) beside its study',
    sql: `
CREATE TABLE tune_results (
  study_id TEXT PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
  recorded_at TEXT NOT NULL,
  result_json TEXT NOT NULL
);
`,
  },
];

/** PostgreSQL: the same versions and names. */
export const LEGACY_POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: LEGACY_SQLITE_MIGRATIONS[0].name,
    sql: `
CREATE TABLE studies (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
  spec_json TEXT NOT NULL,
  edgebench_version TEXT NOT NULL
);
CREATE INDEX studies_created ON studies (created_at);

CREATE TABLE environments (
  study_id TEXT PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
  captured_at TEXT NOT NULL,
  host_json TEXT NOT NULL,
  onnxruntime TEXT NOT NULL,
  edgebench TEXT NOT NULL,
  extra_json TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE variants (
  id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  group_key TEXT NOT NULL,
  position INTEGER NOT NULL,
  model TEXT NOT NULL,
  model_ref TEXT NOT NULL,
  label TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('baseline', 'optimized')),
  baseline_key TEXT,
  recipes_json TEXT NOT NULL,
  graph_opt_level TEXT NOT NULL,
  ep TEXT NOT NULL,
  threads INTEGER NOT NULL,
  batch INTEGER NOT NULL,
  scenario TEXT NOT NULL,
  settings_json TEXT NOT NULL,
  model_path TEXT,
  model_sha256 TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'ok', 'failed')),
  failure_kind TEXT,
  failure_reason TEXT,
  UNIQUE (study_id, key)
);

CREATE TABLE measurements (
  id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  variant_id INTEGER NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
  round INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  failure_kind TEXT,
  failure_reason TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT NOT NULL,
  sample_count INTEGER NOT NULL DEFAULT 0,
  median_ms DOUBLE PRECISION,
  cold_start_ms DOUBLE PRECISION,
  first_inference_ms DOUBLE PRECISION,
  peak_rss_bytes DOUBLE PRECISION,
  stop_reason TEXT,
  result_json TEXT,
  telemetry_json TEXT,
  UNIQUE (variant_id, round)
);

CREATE TABLE samples (
  measurement_id INTEGER PRIMARY KEY REFERENCES measurements (id) ON DELETE CASCADE,
  encoding TEXT NOT NULL DEFAULT 'f64le',
  count INTEGER NOT NULL,
  data BYTEA NOT NULL
);

CREATE TABLE fidelity (
  variant_id INTEGER PRIMARY KEY REFERENCES variants (id) ON DELETE CASCADE,
  baseline_variant_id INTEGER NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  metrics_json TEXT,
  error TEXT,
  max_abs_err DOUBLE PRECISION,
  mean_abs_err DOUBLE PRECISION,
  cosine DOUBLE PRECISION,
  snr_db DOUBLE PRECISION,
  top1_agreement DOUBLE PRECISION,
  top5_agreement DOUBLE PRECISION
);
`,
  },
  {
    version: 2,
    name: LEGACY_SQLITE_MIGRATIONS[1].name,
    sql: `
ALTER TABLE variants ADD COLUMN device TEXT;
ALTER TABLE measurements ADD COLUMN agent TEXT;
ALTER TABLE measurements ADD COLUMN attempt INTEGER;

CREATE TABLE models (
  sha256 TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  data BYTEA NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE study_devices (
  study_id TEXT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
  agent TEXT NOT NULL,
  device TEXT NOT NULL,
  captured_at TEXT NOT NULL,
  capabilities_json TEXT NOT NULL,
  PRIMARY KEY (study_id, agent)
);
`,
  },
  {
    version: 3,
    name: LEGACY_SQLITE_MIGRATIONS[2].name,
    sql: `
CREATE TABLE tune_results (
  study_id TEXT PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
  recorded_at TEXT NOT NULL,
  result_json TEXT NOT NULL
);
`,
  },
];
