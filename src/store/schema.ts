/**
 * The store's tables as Kysely sees them: one description for both backends (SQLite and PostgreSQL),
 * so every query is written once (`kysely-store.ts`). Column names and meanings are those of the
 * migrations (`migrations.ts`); JSON is kept as text and samples as bytes in both.
 */
import type { Generated } from 'kysely';
import type { StudyStatus, VariantRole, VariantStatus } from './types.js';

export interface StudiesTable {
  id: string;
  name: string;
  source: string;
  created_at: string;
  finished_at: string | null;
  status: StudyStatus;
  spec_json: string;
  edgebench_version: string;
}

export interface EnvironmentsTable {
  study_id: string;
  captured_at: string;
  host_json: string;
  onnxruntime: string;
  edgebench: string;
  extra_json: string;
}

export interface VariantsTable {
  id: Generated<number>;
  study_id: string;
  key: string;
  group_key: string;
  position: number;
  model: string;
  model_ref: string;
  label: string;
  role: VariantRole;
  baseline_key: string | null;
  recipes_json: string;
  graph_opt_level: string;
  ep: string;
  threads: number;
  batch: number;
  scenario: string;
  settings_json: string;
  model_path: string | null;
  model_sha256: string | null;
  status: VariantStatus;
  failure_kind: string | null;
  failure_reason: string | null;
  /** Fleet studies: the device class the variant runs on (schema 2). */
  device: string | null;
}

export interface MeasurementsTable {
  id: Generated<number>;
  variant_id: number;
  round: number;
  status: 'ok' | 'failed';
  failure_kind: string | null;
  failure_reason: string | null;
  started_at: string;
  ended_at: string;
  sample_count: number;
  median_ms: number | null;
  cold_start_ms: number | null;
  first_inference_ms: number | null;
  peak_rss_bytes: number | null;
  stop_reason: string | null;
  result_json: string | null;
  telemetry_json: string | null;
  /** Fleet studies: the agent that measured it, and which try of the job it was (schema 2). */
  agent: string | null;
  attempt: number | null;
}

export interface SamplesTable {
  measurement_id: number;
  encoding: string;
  count: number;
  data: Uint8Array;
}

export interface FidelityTable {
  variant_id: number;
  baseline_variant_id: number;
  source: string;
  metrics_json: string | null;
  error: string | null;
  max_abs_err: number | null;
  mean_abs_err: number | null;
  cosine: number | null;
  snr_db: number | null;
  top1_agreement: number | null;
  top5_agreement: number | null;
}

export interface SchemaVersionTable {
  version: number;
  name: string;
  applied_at: string;
}

/** Model files by content (fleet studies): agents fetch the bytes by hash and check it (schema 2). */
export interface ModelsTable {
  sha256: string;
  name: string;
  size_bytes: number;
  data: Uint8Array;
  created_at: string;
}

/** The devices that measured a fleet study: one row per agent, with what it announced (schema 2). */
export interface StudyDevicesTable {
  study_id: string;
  agent: string;
  device: string;
  captured_at: string;
  capabilities_json: string;
}

/** A tune run's result (leaderboard, winner, budget) beside the study it is stored as (schema 3). */
export interface TuneResultsTable {
  study_id: string;
  recorded_at: string;
  result_json: string;
}

export interface StoreSchema {
  studies: StudiesTable;
  environments: EnvironmentsTable;
  variants: VariantsTable;
  measurements: MeasurementsTable;
  samples: SamplesTable;
  fidelity: FidelityTable;
  schema_version: SchemaVersionTable;
  models: ModelsTable;
  study_devices: StudyDevicesTable;
  tune_results: TuneResultsTable;
}
