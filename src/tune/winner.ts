/**
 * After the race: the winner among the finalists (racing.ts's tie rule), its speedups over the
 * baseline and the runner-up with their CIs, and, when there is no finalist, why. Pure: candidate
 * states in, decisions and sentences out.
 */

import type { TuneRecord } from '../study/tune-record.js';
import { metricsText, snrOf } from './budget.js';
import { type CandidateState, entrantOf, p99Of } from './candidates.js';
import type { TuneContext } from './context.js';
import type { RaceOutcome } from './race.js';
import { chooseWinner, compareEntrants, costOf, finalStandings, type PairEstimate } from './racing.js';
import { recipeCount } from './space.js';

export interface WinnerChoice {
  winner: CandidateState;
  speedupOverBaseline: PairEstimate | null;
  runnerUp: { state: CandidateState; speedup: PairEstimate | null } | null;
  tieNote: string | null;
}

/** Picks the winner among `finalists` and sets every finalist's final comparison and status. */
export function pickWinner(ctx: TuneContext, finalists: CandidateState[], roundsRun: number): WinnerChoice {
  const { objective, race } = ctx.settings;
  const byId = new Map(ctx.states.map((s) => [s.spec.id, s]));
  const standings = finalStandings(
    finalists.map((s) => entrantOf(s, objective)),
    race,
  );
  for (const standing of standings) {
    const s = byId.get(standing.id)!;
    s.vsLeader = standing.vsLeader
      ? { ...standing.vsLeader, leader: standings[0].id, round: roundsRun }
      : null;
  }
  const choice = chooseWinner(
    standings.map((standing) => {
      const s = byId.get(standing.id)!;
      const snr = s.fidelity ? snrOf(s.fidelity) : null;
      return {
        id: standing.id,
        cost: standing.cost,
        vsLeader: standing.vsLeader,
        simplicity: {
          recipes: recipeCount(s.build, s.spec),
          fidelity: snr ?? Number.NEGATIVE_INFINITY,
          threads: s.spec.threads,
          batch: s.spec.batch,
        },
      };
    }),
  );
  const winner = byId.get(choice.winner)!;
  const winnerEntrant = entrantOf(winner, objective);
  const over = (other: CandidateState) => compareEntrants(entrantOf(other, objective), winnerEntrant, race);
  const baseline = ctx.states.find((s) => s.spec.baseline)!;
  const costOfState = (s: CandidateState) => costOf(entrantOf(s, objective), race.quantile);
  const runnerUp = ctx.states
    .filter(
      (s) =>
        s !== winner &&
        s.rounds.size > 0 &&
        !['rejected-by-budget', 'failed', 'missed-deadline'].includes(s.status),
    )
    .sort((a, b) => costOfState(a) - costOfState(b))[0];
  const recipes = recipeCount(winner.build, winner.spec);
  const own = standings.find((x) => x.id === winner.spec.id)?.vsLeader;
  const cost = own
    ? `; its cost is ${own.ratio.toFixed(2)}× the fastest's, ${Math.round(race.confidence * 100)}% CI [${own.ci[0].toFixed(2)}–${own.ci[1].toFixed(2)}]`
    : '';
  const tieNote = choice.tieBroken
    ? `${choice.tied.length} finalists are not significantly different from the fastest, ${choice.leader}; chose ${winner.spec.id}, the simpler (${recipes} recipe${recipes === 1 ? '' : 's'}${winner.fidelity ? `, ${metricsText(ctx.budget, winner.fidelity)}` : ''})${cost}`
    : choice.tied.length > 1
      ? `${choice.tied.length - 1} other finalist${choice.tied.length > 2 ? 's are' : ' is'} not significantly different from ${winner.spec.id}, which is also the simplest of them`
      : null;
  winner.status = 'winner';
  if (tieNote) winner.reason = tieNote;
  for (const s of finalists) if (s !== winner) s.status = 'finalist';
  return {
    winner,
    speedupOverBaseline: winner === baseline ? null : over(baseline),
    runnerUp: runnerUp ? { state: runnerUp, speedup: over(runnerUp) } : null,
    tieNote,
  };
}

/** Why there is no finalist: the deadline, too little time, or failures. */
export function noFinalistReason(
  ctx: TuneContext,
  race: RaceOutcome,
): { outcome: TuneRecord['outcome']; message: string } {
  const { settings } = ctx;
  const baseline = ctx.states.find((s) => s.spec.baseline)!;
  const misses = ctx.states.filter((s) => s.status === 'missed-deadline');
  if (misses.length > 0) {
    const best = misses.map((s) => ({ s, p99: p99Of(s) })).sort((a, b) => a.p99 - b.p99)[0];
    return {
      outcome: 'no-candidate-meets-budget',
      message: `no candidate meets the deadline of ${settings.deadlineMs} ms: the lowest p99 was ${best.p99.toFixed(3)} ms (${best.s.spec.label}); raise --deadline-ms or widen the search space`,
    };
  }
  const measuredOthers = ctx.states.filter(
    (s) => s !== baseline && s.rounds.size > 0 && s.status !== 'rejected-by-budget',
  );
  if (baseline.rounds.size === 0 || measuredOthers.length === 0) {
    const each = race.measurementMs;
    const needed = each ? Math.ceil((each * race.firstRoundEntrants * settings.race.minRounds) / 1000) : null;
    return {
      outcome: 'time-budget-too-small',
      message: `the time budget of ${(settings.timeBudgetMs / 1000).toFixed(settings.timeBudgetMs < 10_000 ? 1 : 0)} s is too small to measure even the baseline and one candidate${each ? ` (one measurement took ${(each / 1000).toFixed(1)} s)` : ''}${needed ? `; this space needs about ${needed} s for ${settings.race.minRounds} rounds` : ''}: raise --time-budget or narrow the search space`,
    };
  }
  const failed = ctx.states.find((s) => s.status === 'failed');
  return {
    outcome: 'no-candidate-meets-budget',
    message: `every candidate that meets the budget failed to run${failed ? `: ${failed.spec.label}: ${failed.reason}` : ''}`,
  };
}
