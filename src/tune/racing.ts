/**
 * Racing: candidates measured interleaved in rounds, dropped once they are slower than the leader
 * with confidence; the survivors at the end are the finalists, and a finalist whose difference from
 * the leader is not significant is a tie, broken towards the simpler model. Pure: samples in,
 * decisions out (the measuring is the caller's).
 *
 * An entrant's samples are its cost per round, lower is better: latency in ms (objective latency,
 * compared by median, or p99 by the 99th percentile), or ms per item (throughput: latency / batch,
 * compared by median). The comparison is the study's bootstrap of a ratio of statistics over the
 * rounds both sides ran — two-level (rounds, then samples within each) and paired round by round,
 * since every entrant of a round ran beside the others in it.
 *
 * - The leader after a round is the alive entrant with the lowest cost over all its rounds.
 * - From `minRounds` on, an entrant whose ratio cost/leader has its whole CI on the slow side is
 *   eliminated in that round (with the ratio and CI that eliminated it). "Wholly on the slow side"
 *   is judged strictly: the CI at `eliminationConfidence` (99%) must lie above 1 + `margin` (1%).
 *   A race looks again after every round, and a bootstrap over a handful of rounds (each a fresh
 *   process with its own placement) is narrower than the spread between processes: at 95% and no
 *   margin, simulated ties with 3% per-process noise were split in about one race in five over
 *   eight rounds; at 99% with a 1% margin, in about one in thirty, while a 10% gap still went at
 *   the first round allowed. A candidate clearly faster than the leader is never dropped.
 * - The race is decided when one entrant is left: it is ahead of every other with confidence.
 * - At the end, the finalists are compared with the leader at the reporting `confidence` (95%): one
 *   whose CI contains 1 is a tie (finalStandings, chooseWinner).
 */
import { bootstrapMedianRatio, seedFor, statisticInPlace } from '../study/bootstrap.js';

export interface RaceSettings {
  /** Rounds every entrant runs before any elimination (the bootstrap needs rounds to redraw). */
  minRounds: number;
  /** Coverage of the CIs reported, and of the tie test at the end (e.g. 0.95). */
  confidence: number;
  /** Coverage of the CI that eliminates (e.g. 0.99): stricter, since a race looks every round. */
  eliminationConfidence: number;
  /** Eliminate only when that CI lies above 1 + margin: smaller differences do not cost a candidate its place. */
  margin: number;
  resamples: number;
  seed: number;
  /** The compared statistic of the cost samples: 0.5 (median) or e.g. 0.99 (p99). */
  quantile: number;
  /** false: nobody is eliminated (every entrant runs every round), for comparison with racing. */
  eliminate: boolean;
}

export const DEFAULT_RACE_SETTINGS: Readonly<RaceSettings> = Object.freeze({
  minRounds: 3,
  confidence: 0.95,
  eliminationConfidence: 0.99,
  margin: 0.01,
  resamples: 2000,
  seed: 1,
  quantile: 0.5,
  eliminate: true,
});

/** One entrant's cost samples by round (round numbers from 1). */
export interface Entrant {
  id: string;
  rounds: ReadonlyMap<number, ArrayLike<number>>;
}

/** cost(entrant) / cost(reference) over the rounds both ran, with its bootstrap CI. */
export interface PairEstimate {
  ratio: number;
  ci: [number, number];
  /** Rounds both sides ran (the ones compared). */
  rounds: number;
}

export interface Standing {
  id: string;
  /** The statistic over all the entrant's rounds (ms, or ms per item). */
  cost: number;
  /**
   * Against the leader (null for the leader itself, or when they share no round): at the
   * elimination confidence in a round's decision, at the reporting confidence in finalStandings.
   */
  vsLeader: PairEstimate | null;
}

export interface RoundDecision {
  round: number;
  leader: string;
  /** Every entrant alive before this decision, leader first, then by cost. */
  standings: Standing[];
  /** Entrants eliminated by this decision (slower than the leader with confidence). */
  eliminated: string[];
  /** One entrant left: ahead of every other with confidence. */
  decided: boolean;
}

function pooled(entrant: Entrant, only?: ReadonlySet<number>): Float64Array {
  const rounds = [...entrant.rounds.entries()].filter(([r, s]) => s.length > 0 && (!only || only.has(r)));
  const out = new Float64Array(rounds.reduce((n, [, s]) => n + s.length, 0));
  let offset = 0;
  for (const [, s] of rounds) {
    out.set(s, offset);
    offset += s.length;
  }
  return out;
}

/** The entrant's cost over all its rounds (NaN without samples). */
export function costOf(entrant: Entrant, quantile: number): number {
  return statisticInPlace(pooled(entrant), quantile);
}

/** Rounds in which both entrants have samples, ascending. */
export function commonRounds(a: Entrant, b: Entrant): number[] {
  return [...a.rounds.keys()]
    .filter((r) => (a.rounds.get(r)?.length ?? 0) > 0 && (b.rounds.get(r)?.length ?? 0) > 0)
    .sort((x, y) => x - y);
}

/**
 * cost(a) / cost(b) over their common rounds, paired round by round; null when they share none.
 * Seeded by the pair's ids, so the same samples give the same interval.
 */
export function compareEntrants(
  a: Entrant,
  b: Entrant,
  settings: Pick<RaceSettings, 'confidence' | 'resamples' | 'seed' | 'quantile'>,
): PairEstimate | null {
  const rounds = commonRounds(a, b);
  if (rounds.length === 0) return null;
  const side = (e: Entrant) => rounds.map((r) => e.rounds.get(r)!);
  const estimate = bootstrapMedianRatio(side(a), side(b), {
    resamples: settings.resamples,
    confidence: settings.confidence,
    seed: seedFor(settings.seed, `${a.id}~${b.id}`),
    pairedRounds: true,
    quantile: settings.quantile,
  });
  return { ratio: estimate.ratio, ci: estimate.ci, rounds: rounds.length };
}

/** The entrants with samples, leader first then by cost, each compared with the leader at `confidence`. */
function rank(alive: readonly Entrant[], settings: RaceSettings, confidence: number): Standing[] {
  const measured = alive.filter((e) => pooled(e).length > 0);
  if (measured.length === 0) throw new RangeError('no entrant has samples to race on');
  const costs = new Map(measured.map((e) => [e.id, costOf(e, settings.quantile)]));
  const order = [...measured].sort((a, b) => costs.get(a.id)! - costs.get(b.id)! || (a.id < b.id ? -1 : 1));
  const leader = order[0];
  return order.map((e) => ({
    id: e.id,
    cost: costs.get(e.id)!,
    vsLeader: e === leader ? null : compareEntrants(e, leader, { ...settings, confidence }),
  }));
}

/** The decision after round `round` over the entrants still alive. */
export function decideRound(alive: readonly Entrant[], round: number, settings: RaceSettings): RoundDecision {
  const standings = rank(alive, settings, settings.eliminationConfidence);
  const eliminated =
    settings.eliminate && round >= settings.minRounds
      ? standings
          .filter((s) => s.vsLeader !== null && s.vsLeader.ci[0] > 1 + settings.margin)
          .map((s) => s.id)
      : [];
  return {
    round,
    leader: standings[0].id,
    standings,
    eliminated,
    decided: settings.eliminate && standings.length - eliminated.length === 1 && alive.length > 1,
  };
}

/** The finalists at the end, each against the leader at the reporting confidence (the tie test). */
export function finalStandings(finalists: readonly Entrant[], settings: RaceSettings): Standing[] {
  return rank(finalists, settings, settings.confidence);
}

/**
 * The finalists tied with the leader at the reporting confidence (the CI of their ratio to it
 * contains 1), leader first: who a playoff measures again. Just the leader: no tie left.
 */
export function tiedWithLeader(finalists: readonly Entrant[], settings: RaceSettings): string[] {
  const standings = finalStandings(finalists, settings);
  return standings
    .filter((s, i) => i === 0 || (s.vsLeader !== null && s.vsLeader.ci[0] <= 1 && s.vsLeader.ci[1] >= 1))
    .map((s) => s.id);
}

/** What tie-breaking looks at, simplest first: fewer recipes, higher fidelity, fewer threads, smaller batch (simplestOf). */
export interface Simplicity {
  recipes: number;
  /** Higher is better (e.g. output SNR in dB; Infinity for identical outputs). */
  fidelity: number;
  threads: number;
  batch: number;
}

export interface Finalist {
  id: string;
  cost: number;
  simplicity: Simplicity;
  /** Against the leader (null for the leader). */
  vsLeader: PairEstimate | null;
}

export interface Choice {
  winner: string;
  /** The fastest finalist (the winner unless a tie was broken towards a simpler one). */
  leader: string;
  /** Finalists whose difference from the leader is not significant (leader included). */
  tied: string[];
  /** True when the winner is not the leader: a tie broken towards the simpler model. */
  tieBroken: boolean;
}

/**
 * Output SNRs closer than this (dB) are the same fidelity to the tie rule: 40.3 against 40.2 dB is
 * nothing a user would give speed for, while one more recipe or a thread is.
 */
export const FIDELITY_TIE_DB = 1;

/**
 * The simplest of tied finalists: the fewest recipes; of those, the highest fidelity (within
 * FIDELITY_TIE_DB of the best counts as the best); then the fewest threads, the smallest batch;
 * then the lowest cost.
 */
export function simplestOf<T extends Pick<Finalist, 'id' | 'cost' | 'simplicity'>>(tied: readonly T[]): T {
  const keepMin = (pool: T[], key: (s: Simplicity) => number) => {
    const least = Math.min(...pool.map((f) => key(f.simplicity)));
    return pool.filter((f) => key(f.simplicity) === least);
  };
  let pool = keepMin([...tied], (s) => s.recipes);
  const best = Math.max(...pool.map((f) => f.simplicity.fidelity));
  pool = pool.filter((f) => f.simplicity.fidelity >= best - FIDELITY_TIE_DB);
  pool = keepMin(
    keepMin(pool, (s) => s.threads),
    (s) => s.batch,
  );
  return pool.sort((a, b) => a.cost - b.cost || (a.id < b.id ? -1 : 1))[0];
}

/**
 * The winner among the finalists: the leader (lowest cost), unless other finalists tie with it (the
 * CI of their ratio to the leader contains 1), in which case the simplest of the tied wins.
 */
export function chooseWinner(finalists: readonly Finalist[]): Choice {
  if (finalists.length === 0) throw new RangeError('no finalist to choose from');
  const leader = [...finalists].sort((a, b) => a.cost - b.cost || (a.id < b.id ? -1 : 1))[0];
  const tied = finalists.filter(
    (f) => f === leader || (f.vsLeader !== null && f.vsLeader.ci[0] <= 1 && f.vsLeader.ci[1] >= 1),
  );
  const winner = simplestOf(tied);
  return {
    winner: winner.id,
    leader: leader.id,
    tied: tied.map((t) => t.id),
    tieBroken: winner !== leader,
  };
}
