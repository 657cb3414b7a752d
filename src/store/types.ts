/**
 * The store's contract: what a study looks like once stored, and the few operations the rest of
 * edgebench needs. Backend-neutral (no SQL here): SQLite (`sqlite.ts`, local studies) and PostgreSQL
 * (`postgres.ts`, fleets) implement it with one query layer (`kysely-store.ts`). Methods return
 * promises so that an asynchronous backend fits without changing callers.
 */
import type { RunResult } from '../measure/result.js';

export type StudyStatus = 'running' | 'finished' | 'interrupted';

/** The `source` of a study that is a tune run (`edgebench tune`): stored as a study, never resumed as one. */
export const TUNE_SOURCE = 'tune';
export type VariantRole = 'baseline' | 'optimized';
export type VariantStatus = 'pending' | 'ok' | 'failed';

/** Why a variant or a measurement failed: a kind a program can test, and a sentence a person can read. */
export interface Failure {
  /** crash | timeout | oom | killed | error | prepare | unavailable | target-lost */
  kind: string;
  reason: string;
}

/**
 * The failure kind of a variant that stopped because the connection to its target was lost: not the
 * variant's fault, so resuming the study measures its remaining rounds.
 */
export const TARGET_LOST = 'target-lost';

export interface StudyRecord {
  id: string;
  name: string;
  createdAt: string;
  finishedAt: string | null;
  status: StudyStatus;
  /** The resolved spec (every default filled in), as JSON. */
  spec: unknown;
  /** Where the spec came from: a preset name or a file path. */
  source: string;
  edgebenchVersion: string;
}

/** One row of a study's matrix: model × recipe × EP × threads × batch × scenario. */
export interface VariantRecord {
  id: number;
  studyId: string;
  /** Stable within a study: `model|label|ep|tN|bN|scenario`. */
  key: string;
  /** Variants compared with each other share it: `model|ep|tN|bN|scenario`. */
  groupKey: string;
  /** Order in the plan. */
  position: number;
  model: string;
  modelRef: string;
  label: string;
  role: VariantRole;
  baselineKey: string | null;
  recipes: string[];
  graphOptLevel: string;
  ep: string;
  threads: number;
  batch: number;
  scenario: string;
  /** Anything else needed to rerun it (shapes, notes on how recipes were applied, …). */
  settings: Record<string, unknown>;
  modelPath: string | null;
  modelSha256: string | null;
  /**
   * `failed` with its failure: nothing of it is usable. `ok` with a failure: stopped early (a later
   * round failed, e.g. its worker was killed) after finishing some rounds, which stand — the variant
   * is incomplete (see isIncomplete).
   */
  status: VariantStatus;
  failure: Failure | null;
  /**
   * Where the variant is measured, when a study has several places: a fleet's device class (e.g.
   * `jetson-nano+cuda`), or a study's target (`local`, `nano`, `ssh://…`) when it names more than one.
   * Its key, group key and baseline key then end in `@device`. Absent otherwise.
   */
  device?: string | null;
}

/** A variant whose finished rounds stand although a later round failed and stopped it. */
export function isIncomplete(variant: Pick<VariantRecord, 'status' | 'failure'>): boolean {
  return variant.status === 'ok' && variant.failure !== null;
}

export type NewVariant = Omit<
  VariantRecord,
  'id' | 'studyId' | 'modelPath' | 'modelSha256' | 'status' | 'failure'
>;

/** One round of one variant: a fresh worker process, its samples and summary. */
export interface MeasurementRecord {
  id: number;
  variantId: number;
  round: number;
  status: 'ok' | 'failed';
  failure: Failure | null;
  startedAt: string;
  endedAt: string;
  /** The worker's full result without its samples (in `samplesMs`) and telemetry (in `telemetry`); null when it failed. */
  result: Omit<RunResult, 'samplesMs'> | null;
  /** Telemetry summary, when telemetry was attached. */
  telemetry: unknown | null;
  /** Steady-state samples in the order they were taken (empty when failed or not loaded). */
  samplesMs: Float64Array;
  /** Fleet studies: the agent that measured it, and which try of its job that was. */
  agent?: string | null;
  attempt?: number | null;
}

export interface NewMeasurement {
  variantId: number;
  round: number;
  startedAt: string;
  endedAt: string;
  result?: RunResult;
  failure?: Failure;
  telemetry?: unknown;
  /** Fleet studies: the agent that measured it, and which try of its job that was. */
  agent?: string;
  attempt?: number;
}

/**
 * A device that measured part of a study, with what it announced then: a fleet agent (`agent` its id,
 * `device` its class), or a target of a study over several (`agent` its address, `device` its name).
 */
export interface DeviceRecord {
  studyId: string;
  /** The agent's id (unique per running agent). */
  agent: string;
  /** The device class it measured for (a variant's `device`). */
  device: string;
  capturedAt: string;
  capabilities: Record<string, unknown>;
}

/** How far an optimized variant's outputs are from its baseline's. */
export interface FidelityMetrics {
  /** Inputs compared. */
  count: number;
  maxAbsErr: number;
  meanAbsErr: number;
  /** Cosine similarity; null when undefined (one side's outputs all zeros, the other's not). */
  cosine: number | null;
  /**
   * Signal-to-noise ratio of the optimized output, dB; null when the outputs are identical (infinite)
   * or when it is undefined (the baseline's outputs are all zeros and the optimized ones are not).
   */
  snrDb: number | null;
  /** True when the outputs are bit-identical. Absent in records stored before it existed (see fidelityIdentical). */
  identical?: boolean;
  /** Fractions in [0, 1]; null when the output is not a classifier's scores. */
  top1Agreement: number | null;
  top5Agreement: number | null;
}

/** Whether the outputs were bit-identical (older records: a null SNR meant exactly that). */
export function fidelityIdentical(m: FidelityMetrics): boolean {
  return m.identical ?? m.snrDb === null;
}

export interface FidelityRecord {
  variantId: number;
  baselineVariantId: number;
  /** What computed it (e.g. `optimize.compareOutputs`, `study`). */
  source: string;
  metrics: FidelityMetrics | null;
  /** Set when fidelity could not be computed. */
  error: string | null;
}

export interface EnvironmentRecord {
  studyId: string;
  capturedAt: string;
  host: Record<string, unknown>;
  onnxruntime: string;
  edgebench: string;
  extra: Record<string, unknown>;
}

/** Everything stored about one study: the input of every report. */
export interface StoredStudy {
  study: StudyRecord;
  variants: VariantRecord[];
  measurements: MeasurementRecord[];
  fidelity: FidelityRecord[];
  environment: EnvironmentRecord | null;
  /** Fleet studies: every device that measured part of it (absent or empty for local studies). */
  devices?: DeviceRecord[];
  /**
   * Tune runs (`edgebench tune`): the tune's own result — leaderboard, winner, budget — as JSON (see
   * src/tune/record.ts). Absent for studies and for a tune that stored no result yet.
   */
  tune?: unknown;
}

/** One line of `edgebench history`. */
export interface StudySummary {
  id: string;
  name: string;
  source: string;
  createdAt: string;
  finishedAt: string | null;
  status: StudyStatus;
  variants: number;
  failedVariants: number;
  measurements: number;
}

export interface NewStudy {
  id?: string;
  name: string;
  source: string;
  spec: unknown;
  edgebenchVersion: string;
}

export interface VariantUpdate {
  modelPath?: string | null;
  modelSha256?: string | null;
  status?: VariantStatus;
  failure?: Failure | null;
  settings?: Record<string, unknown>;
}

export interface StudyStore {
  /** Where the store lives (a file path, or a URL for a server backend). */
  readonly location: string;
  createStudy(study: NewStudy): Promise<StudyRecord>;
  /** By exact id, unique id prefix, or `latest`; throws a UserError naming what exists otherwise. */
  findStudy(ref: string): Promise<StudyRecord>;
  /** The most recent study that did not finish, if any (tune runs, which are not resumed, aside). */
  latestUnfinished(): Promise<StudyRecord | undefined>;
  listStudies(limit?: number): Promise<StudySummary[]>;
  updateStudy(
    id: string,
    update: { status?: StudyStatus; finishedAt?: string | null; spec?: unknown },
  ): Promise<void>;
  /** Inserts variants that are not stored yet (by key); returns every variant of the study. */
  addVariants(studyId: string, variants: readonly NewVariant[]): Promise<VariantRecord[]>;
  updateVariant(id: number, update: VariantUpdate): Promise<void>;
  /** Stores one measurement and its samples in one transaction; returns its id. */
  recordMeasurement(measurement: NewMeasurement): Promise<number>;
  recordFidelity(fidelity: FidelityRecord): Promise<void>;
  recordEnvironment(environment: EnvironmentRecord): Promise<void>;
  /**
   * Records a device that measured part of a study (a fleet's agent, or one of a study's targets);
   * once per (study, agent): later calls change nothing.
   */
  recordDevice(device: DeviceRecord): Promise<void>;
  /** Stores (or replaces) the result of a tune run beside its study. */
  recordTuneResult(studyId: string, result: unknown): Promise<void>;
  /** Everything about a study; samples are loaded unless `samples: false`. */
  loadStudy(id: string, options?: { samples?: boolean }): Promise<StoredStudy>;
  close(): Promise<void>;
}
