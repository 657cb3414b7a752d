/**
 * The one door through which `tune` builds, checks and times candidates. Everything that touches a
 * runtime goes through a CandidateMeasurer, so the racing and budget logic never do I/O and the
 * measuring can be re-pointed (at the engine contract's `measure()`, or at a remote target) by
 * writing one more implementation of this interface: `workerMeasurer` (worker-measurer.ts), built
 * on the study's worker processes, and `targetMeasurer` (target-measurer.ts), which times rounds on
 * a board.
 */

import type { StopRules } from '../core/settings.js';
import type { GraphOptLevel } from '../engines/ort-options.js';
import type { RunResult } from '../measure/result.js';
import type { TensorInfo } from '../onnx/tensor.js';
import type { ImagePreprocess } from '../optimize/calibration-data.js';
import type { FidelityReport } from '../optimize/fidelity.js';
import type { Failure } from '../store/types.js';
import type { BuildSpec, CandidateDeployment } from './space.js';

/** What a measurer answers: a value, or why there is none (`aborted`: the caller's signal fired). */
export type Measured<T> = { ok: true; value: T } | { ok: false; failure: Failure; aborted: boolean };

export interface ModelInterface {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** The data a tune calibrates on and checks fidelity on (sources as `optimize` takes them). */
export interface TuneData {
  calibration: { source: string; count: number };
  fidelity: { inputs: string; count: number; labels?: string };
  shapes?: Record<string, number[]>;
  preprocess?: ImagePreprocess;
  /** Seed of synthetic samples (calibration and fidelity). */
  seed: number;
  /**
   * Where what every build and check would otherwise compute again is kept: the calibration
   * statistics and the reference's outputs (the reference is the same in every check).
   */
  cacheDir?: string;
}

export interface BuildRequest {
  build: BuildSpec;
  /** The input model. */
  input: string;
  /** Where to write the built model. */
  output: string;
  data: TuneData;
}

export interface BuiltModel {
  path: string;
  /** What the optimizer said the user should know, and its warnings. */
  notes: string[];
  /** The built file's SHA-256 (null when it cannot be read). */
  sha256: string | null;
}

export interface FidelityCheck {
  /** The input model, run as written (graph optimizations disabled): the reference. */
  reference: string;
  candidate: string;
  /** The level the candidate is deployed at. */
  graphOptLevel: GraphOptLevel;
  data: TuneData;
}

export interface SensitivityRequest {
  input: string;
  /** The int8-static build whose ops are ranked. */
  build: BuildSpec;
  data: TuneData;
}

export interface SensitivityRanking {
  /** Quantized ops, most harmful to the output first. */
  ranking: string[];
  /** The same ops in graph order, from the inputs (for a float region at the input). */
  graphOrder: string[];
  /** Output SNR with every op quantized (on the calibration samples the analysis used). */
  allQuantizedSnrDb: number;
}

/** One candidate's turn in a round. */
export interface MeasureEntry extends CandidateDeployment {
  id: string;
  modelPath: string;
  modelName: string;
  shapes?: Record<string, number[]>;
  stopRules: StopRules;
  seed: number;
  /** Stored beside the result: what asked for it. */
  requested: Record<string, unknown>;
}

export interface RoundResult {
  entry: MeasureEntry;
  outcome: Measured<RunResult>;
  startedAt: string;
  endedAt: string;
}

export interface CandidateMeasurer {
  /** The model's inputs and outputs as the runtime sees them. */
  describe(modelPath: string): Promise<Measured<ModelInterface>>;
  /** Builds a candidate's model file (a failure is the reason it cannot be built). */
  prepare(request: BuildRequest): Promise<Measured<BuiltModel>>;
  /** How far a built model's outputs are from the reference's, on the tune's data. */
  fidelity(request: FidelityCheck): Promise<Measured<FidelityReport>>;
  /** Mixed precision: the ops an int8-static build quantizes, ranked by sensitivity. */
  rankSensitivity(request: SensitivityRequest): Promise<Measured<SensitivityRanking>>;
  /**
   * One round: each entry measured once, in the given order, each in isolation, yielded as it ends.
   * The next measurement starts only when the caller asks for the next result, so a caller that
   * stops iterating (its time is up) starts nothing more.
   */
  measureRound(entries: readonly MeasureEntry[], round: number): AsyncIterable<RoundResult>;
}
