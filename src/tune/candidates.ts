/**
 * A candidate as a tune tracks it (its build, its checks, its samples by round, where it ended),
 * and the views of many: the race's entrants, the leaderboard, the closest to a missed budget. Pure.
 */
import { medianSorted, percentileSorted, sortedCopy } from '../core/stats.js';
import type { VariantRecord } from '../store/types.js';
import type { CandidateStatus, LeaderboardEntry, Objective } from '../study/tune-record.js';
import type { BudgetMetrics, BudgetVerdict } from './budget.js';
import { costOf, type Entrant, type PairEstimate } from './racing.js';
import { type BuildSpec, type CandidateSpec, deploymentOf } from './space.js';

export interface CandidateState {
  spec: CandidateSpec;
  build: BuildSpec;
  /** The study variant it is stored as. */
  variant: VariantRecord;
  modelPath: string | null;
  /** 'racing': checked, within the budget, and still in the race; 'pending': not checked yet. */
  status: CandidateStatus | 'racing' | 'pending';
  reason: string | null;
  fidelity: BudgetMetrics | null;
  verdict: BudgetVerdict | null;
  /** Latency samples (ms) per round. */
  rounds: Map<number, Float64Array>;
  eliminatedInRound: number | null;
  vsLeader: (PairEstimate & { leader: string; round: number }) | null;
}

export function newCandidateState(
  spec: CandidateSpec,
  build: BuildSpec,
  variant: VariantRecord,
): CandidateState {
  return {
    spec,
    build,
    variant,
    modelPath: null,
    status: 'pending',
    reason: null,
    fidelity: null,
    verdict: null,
    rounds: new Map(),
    eliminatedInRound: null,
    vsLeader: null,
  };
}

/** A candidate as the race sees it: its cost samples (ms, or ms per item for throughput). */
export function entrantOf(state: CandidateState, objective: Objective): Entrant {
  if (objective !== 'throughput') return { id: state.spec.id, rounds: state.rounds };
  const perItem = new Map<number, Float64Array>();
  for (const [r, s] of state.rounds)
    perItem.set(
      r,
      s.map((v) => v / state.spec.batch),
    );
  return { id: state.spec.id, rounds: perItem };
}

/** Every sample of every round, in round order. */
export function pooledSamples(state: CandidateState): Float64Array {
  const all = [...state.rounds.values()];
  const out = new Float64Array(all.reduce((n, s) => n + s.length, 0));
  let offset = 0;
  for (const s of all) {
    out.set(s, offset);
    offset += s.length;
  }
  return out;
}

/** Nearest-rank p99 latency over all rounds (NaN without samples). */
export function p99Of(state: CandidateState): number {
  return percentileSorted(sortedCopy(pooledSamples(state)), 99);
}

/** Of the candidates checked against a budget none meets: fewest failed clauses, then the smallest shortfall. */
export function closestToBudget(states: readonly CandidateState[]): CandidateState | undefined {
  return states
    .filter((s) => s.verdict !== null)
    .sort(
      (a, b) =>
        a.verdict!.failures.length - b.verdict!.failures.length ||
        a.verdict!.shortfall - b.verdict!.shortfall ||
        a.variant.position - b.variant.position,
    )[0];
}

/** Every candidate, ranked: the winner, the finalists by cost, then the eliminated by cost. */
export function leaderboard(
  states: readonly CandidateState[],
  winner: string | null,
  objective: Objective,
  quantile: number,
): LeaderboardEntry[] {
  const entries = states.map((s): LeaderboardEntry => {
    const samples = pooledSamples(s);
    const sorted = samples.length > 0 ? sortedCopy(samples) : null;
    const median = sorted ? medianSorted(sorted) : null;
    const status: CandidateStatus =
      s.status === 'racing' ? 'finalist' : s.status === 'pending' ? 'not-measured' : s.status;
    return {
      id: s.spec.id,
      label: s.spec.label,
      build: s.build.id,
      recipes: [...s.build.recipes],
      buildSettings: {
        ...(s.build.calibrationMethod ? { calibrationMethod: s.build.calibrationMethod } : {}),
        ...(s.build.activationType ? { activationType: s.build.activationType } : {}),
        ...(s.build.dynamicConv ? { dynamicConv: true } : {}),
        ...(s.build.mixed ? { keptFloat: s.build.mixed.kept, ranked: s.build.mixed.ranked } : {}),
      },
      ...deploymentOf(s.spec),
      baseline: s.spec.baseline,
      variantKey: s.variant.key,
      status,
      reason: s.reason,
      eliminatedInRound: s.eliminatedInRound,
      rounds: [...s.rounds.values()].filter((r) => r.length > 0).length,
      medianMs: median,
      p99Ms: sorted ? percentileSorted(sorted, 99) : null,
      throughputPerSec: median ? (s.spec.batch * 1000) / median : null,
      cost: sorted ? costOf(entrantOf(s, objective), quantile) : null,
      vsLeader: s.vsLeader,
      fidelity: s.fidelity,
      budget: s.verdict ? { holds: s.verdict.holds, failures: s.verdict.failures } : null,
      rank: null,
    };
  });
  const tier = (e: LeaderboardEntry) =>
    e.id === winner
      ? 0
      : e.status === 'finalist'
        ? 1
        : e.status === 'eliminated' || e.status === 'missed-deadline'
          ? 2
          : 3;
  const ranked = entries
    .filter((e) => e.cost !== null && tier(e) < 3)
    .sort((a, b) => tier(a) - tier(b) || a.cost! - b.cost!);
  ranked.forEach((e, i) => {
    e.rank = i + 1;
  });
  const order = new Map(ranked.map((e, i) => [e.id, i]));
  return [...entries].sort((a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity));
}
