/**
 * What a tune leaves behind besides the study it is stored as (its candidates are the study's
 * variants, its rounds the study's rounds): the leaderboard, the eliminations, the winner with its
 * speedups and rebuild commands, the budget and the mixed-precision search. Stored as JSON beside
 * the study (`tune_results`), read back by show, report and the HTML charts. Versioned.
 */

import type { StopRules } from '../core/settings.js';
import type { GraphOptLevel } from '../engines/ort-options.js';
import type { BudgetMetrics } from '../tune/budget.js';
import type { SearchSpace } from '../tune/space.js';

export const TUNE_RECORD_SCHEMA = 'edgebench.tune';
export const TUNE_RECORD_VERSION = 1;

export const OBJECTIVES = ['latency', 'p99', 'throughput'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** Where a candidate ended. */
export type CandidateStatus =
  | 'winner'
  | 'finalist'
  | 'eliminated'
  | 'missed-deadline'
  | 'rejected-by-budget'
  | 'not-built'
  | 'failed'
  | 'not-measured';

/** A ratio of the objective's statistic with its bootstrap CI. */
export interface RatioWithCi {
  ratio: number;
  ci: [number, number];
  /** Rounds both sides ran (the ones compared). */
  rounds: number;
}

export interface LeaderboardEntry {
  id: string;
  label: string;
  build: string;
  recipes: string[];
  /** The build's optimizer settings (calibration method, activation type, ops kept in float…). */
  buildSettings: Record<string, unknown>;
  engine: string;
  target: string;
  ep: string;
  graphOptLevel: GraphOptLevel;
  threads: number;
  batch: number;
  baseline: boolean;
  /** The study variant it is stored as. */
  variantKey: string;
  status: CandidateStatus;
  /** Why it was rejected, eliminated or failed; how a tie was settled for the winner. */
  reason: string | null;
  eliminatedInRound: number | null;
  /** Rounds measured. */
  rounds: number;
  medianMs: number | null;
  p99Ms: number | null;
  /** Items per second at the median (batch × 1000 / median ms). */
  throughputPerSec: number | null;
  /** The objective's statistic (ms; ms per item for throughput): what the race compared. */
  cost: number | null;
  /** cost / leader's cost, at elimination or at the end. */
  vsLeader: (RatioWithCi & { leader: string; round: number }) | null;
  fidelity: BudgetMetrics | null;
  budget: { holds: boolean; failures: string[] } | null;
  /** 1 = the winner, then the finalists by cost, then the eliminated by cost; null when unranked. */
  rank: number | null;
}

export interface RoundRecord {
  round: number;
  startedAt: string;
  wallMs: number;
  /** Candidates measured in this round (in order). */
  measured: string[];
  leader: string | null;
  /** Racers still in after this round. */
  alive: number;
  eliminated: Array<{ id: string; ratio: number; ci: [number, number] }>;
  /** Race time left after this round (ms). */
  timeLeftMs: number;
  /** A playoff round: only the finalists tied with the leader (absent in race rounds and older records). */
  playoff?: boolean;
}

export interface MixedSearchRecord {
  /** The int8-static build whose most sensitive ops are kept in float. */
  from: string;
  ranked: number;
  allQuantizedSnrDb: number;
  /** The most sensitive ops, first first (up to 50). */
  ranking: string[];
  probes: MixedProbeRecord[];
  /** The count that meets the budget (null: none found, or the search could not run). */
  kept: number | null;
  build: string | null;
  note: string | null;
  /**
   * The same search over the ops in graph order from the input (one float region at the input,
   * one DQ→float→Q boundary); absent in records of earlier versions.
   */
  fromInput?: { probes: MixedProbeRecord[]; kept: number | null; build: string | null };
  /** The most ops a mixed build may keep in float (absent in records of earlier versions). */
  cap?: number;
}

export interface MixedProbeRecord {
  kept: number;
  holds: boolean;
  build: string;
  summary: string;
}

export interface WinnerRecord {
  id: string;
  /** Over the baseline: baseline cost / winner cost (> 1: the winner is faster). */
  speedupOverBaseline: RatioWithCi | null;
  runnerUp: { id: string; speedup: RatioWithCi | null; tie: boolean } | null;
  /** How a tie with the fastest finalist was settled, when it was. */
  tieNote: string | null;
  /** Where the winner's model was written. */
  output: string | null;
  /** The commands that rebuild and re-measure it. */
  commands: string[];
}

export interface TuneRecord {
  schema: typeof TUNE_RECORD_SCHEMA;
  version: typeof TUNE_RECORD_VERSION;
  model: { ref: string; path: string; name: string };
  objective: Objective;
  deadlineMs: number | null;
  budget: { text: string; source: 'default' | 'given' };
  data: { calibration: string; fidelity: string; labels: string | null };
  space: SearchSpace;
  settings: {
    timeBudgetMs: number;
    maxRounds: number;
    minRounds: number;
    confidence: number;
    eliminationConfidence: number;
    margin: number;
    resamples: number;
    racing: boolean;
    stopRules: StopRules;
    /** Playoff rounds at most (absent in records of earlier versions). */
    playoffRounds?: number;
  };
  host: { cpu: string; physicalCores: number; isa: string };
  outcome: 'winner' | 'no-candidate-meets-budget' | 'time-budget-too-small' | 'interrupted';
  /** Why the race ended. */
  stopReason: 'decided' | 'time-budget' | 'max-rounds' | 'interrupted' | null;
  winner: WinnerRecord | null;
  /** When no candidate meets the budget: the one closest to it. */
  closest: { id: string; fidelity: BudgetMetrics | null; failures: string[] } | null;
  leaderboard: LeaderboardEntry[];
  rounds: RoundRecord[];
  mixed: MixedSearchRecord | null;
  /**
   * The playoff of the finalists tied at the end of the race: how many it measured again and why
   * it ended (absent in records of earlier versions).
   */
  playoff?: { entrants: number; rounds: number; ended: string };
  /**
   * Candidate-rounds measured (the playoff's included), against every measurable candidate in every
   * race round plus the same playoff.
   */
  racing: { candidateRounds: number; everyCandidateEveryRound: number };
  /** Building and fidelity checks; racing. */
  phasesMs: { prepare: number; race: number };
  notes: string[];
}

/** A stored tune record read back, or null when the value is not one (a study, or a newer version). */
export function readTuneRecord(value: unknown): TuneRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { schema?: unknown; version?: unknown };
  return v.schema === TUNE_RECORD_SCHEMA && v.version === TUNE_RECORD_VERSION ? (value as TuneRecord) : null;
}
