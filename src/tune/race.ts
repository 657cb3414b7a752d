/**
 * The race: rounds of the candidates within the budget, interleaved (the order rotates), each
 * measurement a fresh worker process through the context's measurer and stored as it ends; after
 * each round the decision of racing.ts — the leader, who is eliminated — and the deadline. The
 * baseline runs every round as the reference, even once out of the race. It stops when one
 * candidate is left, at the time budget (checked before each measurement, and before a round that
 * would not fit), or after the last round.
 */

import { roundOrder } from '../study/plan.js';
import type { RoundRecord, TuneRecord } from '../study/tune-record.js';
import { type CandidateState, entrantOf, p99Of } from './candidates.js';
import { baselineOf, stopped, type TuneContext } from './context.js';
import { shapesFor } from './inputs.js';
import type { MeasureEntry } from './measurer.js';
import { decideRound } from './racing.js';
import { deploymentOf } from './space.js';

export interface RaceOutcome {
  rounds: RoundRecord[];
  stopReason: TuneRecord['stopReason'];
  /** Measurements taken (failed ones too). */
  candidateRounds: number;
  /** Entrants of the first round (racers and the reference), times the rounds run: the no-racing count. */
  everyCandidateEveryRound: number;
  roundsRun: number;
  raceMs: number;
  /** Mean wall time of one measurement (worker start included), when any was taken. */
  measurementMs: number | null;
  firstRoundEntrants: number;
  /** When the time budget ends (the playoff's limit too). */
  deadline: number;
  tally: MeasureTally;
}

export function racers(ctx: TuneContext): CandidateState[] {
  return ctx.states.filter((s) => s.status === 'racing');
}

function entryOf(ctx: TuneContext, s: CandidateState): MeasureEntry {
  return {
    id: s.spec.id,
    modelPath: s.modelPath!,
    modelName: ctx.model.name,
    ...deploymentOf(s.spec),
    ...(ctx.data.shapes ? { shapes: shapesFor(ctx.data.shapes, ctx.inputs, s.spec.batch) } : {}),
    stopRules: ctx.settings.stopRules,
    seed: ctx.settings.race.seed,
    requested: { study: ctx.studyId, tune: true, candidate: s.spec.id, variant: s.variant.key },
  };
}

/** Racers whose p99 misses the deadline are out (a no-op without a deadline). */
export function dropDeadlineMisses(ctx: TuneContext, round: number | null): void {
  const deadline = ctx.settings.deadlineMs;
  if (deadline === null) return;
  for (const s of racers(ctx)) {
    if (s.rounds.size === 0) continue;
    const p99 = p99Of(s);
    if (p99 > deadline) {
      s.status = 'missed-deadline';
      s.eliminatedInRound = round;
      s.reason = `p99 ${p99.toFixed(3)} ms misses the deadline of ${deadline} ms`;
    }
  }
}

/** What the measurements of a race (and its playoff) have taken so far. */
export interface MeasureTally {
  /** When the first measurement started. */
  started: number;
  /** Measurements taken (failed ones too). */
  count: number;
  /** Mean wall time of one measurement (worker start included), once any was taken. */
  measurementMs: number | null;
}

/**
 * One round: each entrant measured once, in the round's rotated order, each stored as it ends (a
 * failure fails the candidate). Stops early at an interrupt or at `deadline` (`timeUp`).
 */
export async function runRound(
  ctx: TuneContext,
  entrants: readonly CandidateState[],
  round: number,
  deadline: number,
  tally: MeasureTally,
): Promise<{ measured: string[]; timeUp: boolean }> {
  const { store } = ctx;
  const byId = new Map(entrants.map((s) => [s.spec.id, s]));
  const measured: string[] = [];
  const order = roundOrder(
    entrants.map((s) => entryOf(ctx, s)),
    round,
  );
  for await (const result of ctx.measurer.measureRound(order, round)) {
    const s = byId.get(result.entry.id)!;
    const { outcome } = result;
    if (!outcome.ok && outcome.aborted) {
      ctx.interrupted = true;
      break;
    }
    const when = { variantId: s.variant.id, round, startedAt: result.startedAt, endedAt: result.endedAt };
    if (outcome.ok) {
      await store.recordMeasurement({ ...when, result: outcome.value });
      s.rounds.set(round, Float64Array.from(outcome.value.samplesMs));
      measured.push(s.spec.id);
      ctx.emit({
        type: 'measured',
        candidate: s.spec.id,
        round,
        medianMs: outcome.value.stats.medianMs,
        samples: outcome.value.samplesMs.length,
      });
    } else {
      await store.recordMeasurement({ ...when, failure: outcome.failure });
      await store.updateVariant(s.variant.id, { status: 'failed', failure: outcome.failure });
      s.status = 'failed';
      s.reason = outcome.failure.reason;
      ctx.emit({ type: 'measure-failed', candidate: s.spec.id, round, reason: outcome.failure.reason });
    }
    tally.count++;
    tally.measurementMs = (Date.now() - tally.started) / tally.count;
    if (stopped(ctx)) {
      ctx.interrupted = true;
      break;
    }
    if (Date.now() >= deadline) return { measured, timeUp: true };
  }
  return { measured, timeUp: false };
}

/**
 * The share of the time budget the race leaves for the playoff when it runs to its time limit: it
 * starts no round that would end after 80% of the budget, so ties left open at the end can still be
 * measured again (a race that ends sooner, decided or at its round cap, leaves more).
 */
export const PLAYOFF_SHARE = 0.2;

export async function race(ctx: TuneContext): Promise<RaceOutcome> {
  const { settings } = ctx;
  const baseline = baselineOf(ctx);
  const started = Date.now();
  const deadline = started + settings.timeBudgetMs;
  const roundsDeadline =
    settings.playoffRounds > 0 ? started + settings.timeBudgetMs * (1 - PLAYOFF_SHARE) : deadline;
  const tally: MeasureTally = { started, count: 0, measurementMs: null };
  const rounds: RoundRecord[] = [];
  let stopReason: TuneRecord['stopReason'] = null;
  let roundsRun = 0;
  let firstRoundEntrants = 0;
  ctx.emit({ type: 'race-started', racers: racers(ctx).length, timeBudgetMs: settings.timeBudgetMs });

  for (let round = 1; round <= settings.maxRounds; round++) {
    const inRace = racers(ctx);
    const entrants =
      baseline.status === 'racing' || baseline.status === 'failed' ? inRace : [baseline, ...inRace];
    if (round === 1) firstRoundEntrants = entrants.length;
    if (
      round > 1 &&
      tally.measurementMs !== null &&
      Date.now() + tally.measurementMs * entrants.length > roundsDeadline
    ) {
      stopReason = 'time-budget';
      break;
    }
    const roundStarted = Date.now();
    const { measured, timeUp } = await runRound(ctx, entrants, round, deadline, tally);
    roundsRun = round;
    if (stopped(ctx)) {
      stopReason = 'interrupted';
      break;
    }

    const eliminated = decide(ctx, round);
    const stillIn = racers(ctx);
    const timeLeftMs = Math.max(0, deadline - Date.now());
    rounds.push({
      round,
      startedAt: new Date(roundStarted).toISOString(),
      wallMs: Date.now() - roundStarted,
      measured,
      leader: eliminated.leader,
      alive: stillIn.length,
      eliminated: eliminated.out,
      timeLeftMs,
    });
    ctx.emit({
      type: 'round-ended',
      round,
      leader: eliminated.leader,
      alive: stillIn.map((s) => s.spec.id),
      eliminated: eliminated.out,
      timeLeftMs,
      wallMs: Date.now() - roundStarted,
    });
    if (timeUp) {
      stopReason = 'time-budget';
      break;
    }
    if (settings.race.eliminate && stillIn.length <= 1 && round >= settings.race.minRounds) {
      stopReason = 'decided';
      break;
    }
    if (round === settings.maxRounds) stopReason = 'max-rounds';
  }
  if (!stopped(ctx)) {
    dropDeadlineMisses(ctx, roundsRun || null);
    for (const s of racers(ctx))
      if (s.rounds.size === 0) {
        s.status = 'not-measured';
        s.reason = 'the time budget ran out before it was measured';
      }
  }
  return {
    rounds,
    stopReason,
    candidateRounds: tally.count,
    everyCandidateEveryRound: firstRoundEntrants * roundsRun,
    roundsRun,
    raceMs: Date.now() - started,
    measurementMs: tally.measurementMs,
    firstRoundEntrants,
    deadline,
    tally,
  };
}

/** The decision after a round: the leader, who is eliminated (and why), the deadline. */
function decide(ctx: TuneContext, round: number): { leader: string | null; out: RoundRecord['eliminated'] } {
  const settings = ctx.settings.race;
  const byId = new Map(ctx.states.map((s) => [s.spec.id, s]));
  const alive = racers(ctx).filter((s) => s.rounds.size > 0);
  if (alive.length === 0) return { leader: null, out: [] };
  const decision = decideRound(
    alive.map((s) => entrantOf(s, ctx.settings.objective)),
    round,
    settings,
  );
  const out: RoundRecord['eliminated'] = [];
  for (const standing of decision.standings) {
    const s = byId.get(standing.id)!;
    if (!standing.vsLeader) continue;
    s.vsLeader = { ...standing.vsLeader, leader: decision.leader, round };
    if (!decision.eliminated.includes(standing.id)) continue;
    const { ratio, ci } = standing.vsLeader;
    s.status = 'eliminated';
    s.eliminatedInRound = round;
    s.reason = `slower than ${decision.leader}: cost ratio ${ratio.toFixed(3)}, ${Math.round(settings.eliminationConfidence * 100)}% CI [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}] above ${(1 + settings.margin).toFixed(2)}`;
    out.push({ id: standing.id, ratio, ci });
  }
  if (round >= settings.minRounds) dropDeadlineMisses(ctx, round);
  return { leader: decision.leader, out };
}
