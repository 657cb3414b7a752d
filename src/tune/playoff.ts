/**
 * The playoff: after the race, the finalists still tied with the leader — the CI of their ratio to
 * it contains 1 — are measured again, only they, side by side in further rounds, until the tie is
 * settled (one is ahead with confidence), the playoff's rounds are spent, or the time budget ends.
 * A race stops at its round cap or its share of the time with ties the tie rule would otherwise
 * settle towards the simpler model on thin evidence: on a shared CPU a 10% faster int8 build could
 * lose to fp32 that way. Fewer entrants make a playoff round cheap (two or three measurements).
 * What is still tied after it is a tie the data cannot split, and the simpler model wins it.
 */
import type { RoundRecord } from '../study/tune-record.js';
import { entrantOf } from './candidates.js';
import { stopped, type TuneContext } from './context.js';
import { dropDeadlineMisses, type RaceOutcome, racers, runRound } from './race.js';
import { tiedWithLeader } from './racing.js';

export interface PlayoffOutcome {
  rounds: RoundRecord[];
  /** Why it ended: settled, its rounds spent, the time budget, no tie to play off, or interrupted. */
  ended: 'settled' | 'rounds' | 'time-budget' | 'no-tie' | 'interrupted' | 'off';
  /** Entrants of its first round (0 when it did not run). */
  entrants: number;
}

/** Runs the playoff after `raced`, appending its rounds to the race's count (round numbers go on). */
export async function playoff(ctx: TuneContext, raced: RaceOutcome): Promise<PlayoffOutcome> {
  const { settings } = ctx;
  const rounds: RoundRecord[] = [];
  if (settings.playoffRounds === 0) return { rounds, ended: 'off', entrants: 0 };
  const byId = new Map(ctx.states.map((s) => [s.spec.id, s]));
  const tied = () => {
    const finalists = racers(ctx).filter((s) => s.rounds.size > 0);
    return finalists.length < 2
      ? []
      : tiedWithLeader(
          finalists.map((s) => entrantOf(s, settings.objective)),
          settings.race,
        ).map((id) => byId.get(id)!);
  };
  let ended: PlayoffOutcome['ended'] = 'rounds';
  let entrants = 0;
  for (let k = 1; k <= settings.playoffRounds; k++) {
    const playing = tied();
    if (playing.length < 2) {
      ended = 'no-tie';
      break;
    }
    const eachMs = raced.tally.measurementMs ?? 0;
    if (Date.now() + eachMs * playing.length > raced.deadline) {
      ended = 'time-budget';
      break;
    }
    if (k === 1) {
      entrants = playing.length;
      ctx.emit({ type: 'playoff-started', tied: playing.map((s) => s.spec.id) });
    }
    const round = raced.roundsRun + 1;
    const roundStarted = Date.now();
    const before = raced.tally.count;
    const { measured, timeUp } = await runRound(ctx, playing, round, raced.deadline, raced.tally);
    // The playoff would have been the same without racing: it counts on both sides.
    raced.roundsRun = round;
    raced.candidateRounds = raced.tally.count;
    raced.everyCandidateEveryRound += raced.tally.count - before;
    raced.raceMs = Date.now() - raced.tally.started;
    if (stopped(ctx)) {
      ended = 'interrupted';
      break;
    }
    const after = tied();
    const leader = after[0]?.spec.id ?? racers(ctx)[0]?.spec.id ?? null;
    const timeLeftMs = Math.max(0, raced.deadline - Date.now());
    rounds.push({
      round,
      startedAt: new Date(roundStarted).toISOString(),
      wallMs: Date.now() - roundStarted,
      measured,
      leader,
      alive: racers(ctx).length,
      eliminated: [],
      timeLeftMs,
      playoff: true,
    });
    ctx.emit({
      type: 'round-ended',
      round,
      leader,
      alive: after.map((s) => s.spec.id),
      eliminated: [],
      timeLeftMs,
      wallMs: Date.now() - roundStarted,
      playoff: true,
    });
    if (after.length < 2) {
      ended = 'settled';
      break;
    }
    if (timeUp) {
      ended = 'time-budget';
      break;
    }
  }
  raced.rounds.push(...rounds);
  // Its rounds are more of each finalist's samples: the deadline is judged on them too.
  if (rounds.length > 0 && !stopped(ctx)) dropDeadlineMisses(ctx, raced.roundsRun);
  return { rounds, ended, entrants };
}
