/**
 * `tune()`: the fastest deployable configuration of a model on this machine, within a fidelity
 * budget, with the statistics to show it.
 *
 * 1. Check everything the user gave (options.ts, inputs.ts) before anything runs; with a target,
 *    connect to the board once (its probe says which engines run there) and measure every round
 *    there (target-measurer.ts), builds and fidelity staying here.
 * 2. Plan the builds of the search space and their candidates (space.ts). The tune is stored as a
 *    study: each candidate a variant, each race round a round, so history, show, diff and report
 *    work on it; its own result (record.ts) is stored beside it at the end.
 * 3. Build and check every candidate before any timing; when full int8 misses the budget, search
 *    the mixed-precision count (prepare.ts).
 * 4. Race the candidates within the budget (race.ts, racing.ts); then measure again, side by side,
 *    the finalists still tied with the leader (playoff.ts).
 * 5. Pick the winner — the fastest finalist, or the simplest of those tied with it (winner.ts) —
 *    write its model to the output (never the input), with the commands that rebuild it.
 *
 * Everything measured is stored as it ends. A budget no candidate meets, a deadline none meets, or
 * a time budget too small to race fails with a TuneError (a UserError, exit 2) after the record is
 * stored, naming the closest candidate or what the space needs.
 */
import { copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onnxruntimeVersion } from '../engines/ort-binding.js';
import { messageOf, UserError } from '../errors.js';
import { describeHost, physicalCoreCount } from '../host/host.js';
import { int8Support } from '../host/isa.js';
import { TUNE_SOURCE } from '../store/types.js';
import { defaultWorkDir } from '../study/run.js';
import {
  TUNE_RECORD_SCHEMA,
  TUNE_RECORD_VERSION,
  type TuneRecord,
  type WinnerRecord,
} from '../study/tune-record.js';
import { connectTarget, hostInfoOf, type TargetConnection } from '../targets/sessions.js';
import { EDGEBENCH_VERSION } from '../version.js';
import { type ResolvedModel, resolveModel } from '../zoo/resolve.js';
import { budgetText, checkBudgetFits, defaultBudget, metricsText } from './budget.js';
import { closestToBudget, leaderboard } from './candidates.js';
import { rebuildCommands } from './commands.js';
import { addCandidates, type TuneContext } from './context.js';
import { checkOutput, resolveData, resolveSpace, shapesFor } from './inputs.js';
import type { TuneData } from './measurer.js';
import {
  resolveSettings,
  TuneError,
  type TuneOptions,
  type TuneOutcome,
  type TuneSettings,
} from './options.js';
import { type PlayoffOutcome, playoff } from './playoff.js';
import { Preparation } from './prepare.js';
import { type RaceOutcome, race, racers } from './race.js';
import { type Deployment, LOCAL_DEPLOYMENT, planBuilds, planCandidates } from './space.js';
import { targetEps, targetMeasurer } from './target-measurer.js';
import { noFinalistReason, pickWinner, type WinnerChoice } from './winner.js';
import { workerMeasurer } from './worker-measurer.js';

export {
  DEFAULT_TIME_BUDGET_MS,
  P99_MIN_COUNT,
  TUNE_STOP_RULES,
  TuneError,
  type TuneEvent,
  type TuneOptions,
  type TuneOutcome,
} from './options.js';

export async function tune(options: TuneOptions): Promise<TuneOutcome> {
  const settings = resolveSettings(options);
  const resolved = await resolveModel(options.model);
  const output = options.output !== undefined ? await checkOutput(options.output, resolved.path) : null;
  const data = await resolveData(options);
  if (options.target === undefined || options.target === 'local')
    return tuneOn(options, { settings, resolved, output, data }, null);
  const target = await connectTarget(options.target, {
    ...(options.targetsFile ? { targetsFile: options.targetsFile } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  try {
    return await tuneOn(options, { settings, resolved, output, data }, target);
  } finally {
    await target.transport.close();
  }
}

/** What the user gave, checked before anything connects or runs. */
interface Checked {
  settings: TuneSettings;
  resolved: ResolvedModel;
  output: string | null;
  data: TuneData;
}

async function tuneOn(
  options: TuneOptions,
  { settings, resolved, output, data }: Checked,
  target: TargetConnection | null,
): Promise<TuneOutcome> {
  const emit = options.onEvent ?? (() => {});
  // The machine the candidates run on: this one, or the board.
  const here = await describeHost();
  const host = target ? hostInfoOf(target.device) : here;
  const isa = int8Support(host.cpu.features).summary;
  const workers = workerMeasurer({
    limits: {
      ...(options.workerTimeoutMs !== undefined ? { timeoutMs: options.workerTimeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
    host: here,
  });
  const measurer = options.measurer ?? (target ? targetMeasurer(workers, target, options.signal) : workers);
  const deployment: Deployment = target
    ? {
        target: target.name,
        trtexec: target.device.engines.some((e) => e.id === 'trtexec' && e.available),
      }
    : LOCAL_DEPLOYMENT;
  const iface = await measurer.describe(resolved.path);
  if (!iface.ok) {
    if (iface.aborted) throw new UserError('interrupted before the tune started', { exitCode: 130 });
    throw new UserError(
      `cannot load ${options.model}: ${iface.failure.reason.replace(/^reading the model: /, '')}`,
    );
  }
  const { inputs, outputs } = iface.value;
  const budget =
    settings.givenBudget ?? defaultBudget(outputs, { realData: data.fidelity.inputs !== 'synthetic' });
  checkBudgetFits(budget, outputs, {
    ...(data.fidelity.labels ? { labels: data.fidelity.labels } : {}),
    model: options.model,
  });
  const physicalCores = host.cpu.physicalCores ?? physicalCoreCount();
  const space = await resolveSpace(options, {
    objective: settings.objective,
    physicalCores,
    inputs,
    data,
    ...(target ? { eps: targetEps(target.device) } : {}),
  });

  // The study that stores it.
  const builds = planBuilds(space);
  const candidates = planCandidates(builds, space, deployment);
  const study = await options.store.createStudy({
    name: `tune-${resolved.name}`.replace(/[^\w.+-]+/g, '_'),
    source: TUNE_SOURCE,
    spec: {
      kind: 'tune',
      model: options.model,
      objective: settings.objective,
      deadlineMs: settings.deadlineMs,
      budget: budgetText(budget),
      space,
      rounds: settings.maxRounds,
      timeBudgetMs: settings.timeBudgetMs,
      stopRules: settings.stopRules,
      racing: settings.race.eliminate,
      bootstrap: {
        resamples: settings.race.resamples,
        seed: settings.race.seed,
        confidence: settings.race.confidence,
      },
    },
    edgebenchVersion: EDGEBENCH_VERSION,
  });
  await options.store.recordEnvironment({
    studyId: study.id,
    capturedAt: new Date().toISOString(),
    host: host as unknown as Record<string, unknown>,
    onnxruntime: onnxruntimeVersion(),
    edgebench: EDGEBENCH_VERSION,
    extra: { node: process.version, cpus: os.cpus().length },
  });
  const workDir = options.workDir ?? defaultWorkDir(options.store.location, study.id);
  const ctx: TuneContext = {
    store: options.store,
    studyId: study.id,
    measurer,
    model: { ref: options.model, path: resolved.path, name: resolved.name },
    inputs,
    // Builds and checks run in worker processes: what they share is kept on disk, per tune.
    data: { ...data, cacheDir: path.join(workDir, 'cache') },
    budget,
    space,
    deployment,
    settings,
    workDir,
    ...(options.signal ? { signal: options.signal } : {}),
    emit,
    builds: new Map(builds.map((b) => [b.id, b])),
    states: [],
    notes: [],
    interrupted: false,
  };
  await addCandidates(ctx, candidates);
  if (target)
    ctx.notes.push(
      `measured on ${target.name} (${target.transport.address}) with its engines (${[...new Set(candidates.map((c) => (c.engine === 'trtexec' ? 'trtexec' : `onnxruntime/${c.ep}`)))].join(', ')}); fidelity measured on this machine, with onnxruntime here, on the ONNX file each candidate runs${deployment.trtexec ? " — trtexec's own fp16/int8 precisions are not in that figure" : ''}`,
    );
  emit({
    type: 'started',
    studyId: study.id,
    model: options.model,
    budget,
    objective: settings.objective,
    builds: builds.length,
    candidates: candidates.length,
    space,
    isa,
    timeBudgetMs: settings.timeBudgetMs,
  });

  // Build and check, then mixed precision.
  const prepareStarted = Date.now();
  const preparation = new Preparation(ctx);
  try {
    await preparation.all(builds);
  } catch (error) {
    await options.store.updateStudy(study.id, { status: 'finished', finishedAt: new Date().toISOString() });
    throw error;
  }
  const mixed = await preparation.mixed(builds);
  const prepareMs = Date.now() - prepareStarted;

  const record = (
    outcome: TuneRecord['outcome'],
    raced: RaceOutcome | null,
    extra: {
      winner?: WinnerRecord;
      closest?: TuneRecord['closest'];
      winnerId?: string;
      playoff?: PlayoffOutcome;
    } = {},
  ): TuneRecord => ({
    schema: TUNE_RECORD_SCHEMA,
    version: TUNE_RECORD_VERSION,
    model: ctx.model,
    objective: settings.objective,
    deadlineMs: settings.deadlineMs,
    budget: { text: budgetText(budget), source: budget.source },
    data: {
      calibration: `${data.calibration.source} (${data.calibration.count} samples)`,
      fidelity: `${data.fidelity.inputs} (${data.fidelity.count} samples)`,
      labels: data.fidelity.labels ?? null,
    },
    space,
    settings: {
      timeBudgetMs: settings.timeBudgetMs,
      maxRounds: settings.maxRounds,
      minRounds: settings.race.minRounds,
      confidence: settings.race.confidence,
      eliminationConfidence: settings.race.eliminationConfidence,
      margin: settings.race.margin,
      resamples: settings.race.resamples,
      racing: settings.race.eliminate,
      stopRules: settings.stopRules,
      playoffRounds: settings.playoffRounds,
    },
    host: { cpu: host.cpu.model, physicalCores, isa },
    outcome,
    stopReason: outcome === 'interrupted' ? 'interrupted' : (raced?.stopReason ?? null),
    winner: extra.winner ?? null,
    closest: extra.closest ?? null,
    leaderboard: leaderboard(ctx.states, extra.winnerId ?? null, settings.objective, settings.race.quantile),
    rounds: raced?.rounds ?? [],
    mixed,
    ...(extra.playoff
      ? {
          playoff: {
            entrants: extra.playoff.entrants,
            rounds: extra.playoff.rounds.length,
            ended: extra.playoff.ended,
          },
        }
      : {}),
    racing: {
      candidateRounds: raced?.candidateRounds ?? 0,
      everyCandidateEveryRound: raced?.everyCandidateEveryRound ?? 0,
    },
    phasesMs: { prepare: prepareMs, race: raced?.raceMs ?? 0 },
    notes: ctx.notes,
  });
  const finish = async (result: TuneRecord): Promise<TuneOutcome> => {
    await options.store.recordTuneResult(study.id, result);
    const interrupted = result.outcome === 'interrupted';
    await options.store.updateStudy(study.id, {
      status: interrupted ? 'interrupted' : 'finished',
      finishedAt: interrupted ? null : new Date().toISOString(),
    });
    emit({ type: 'ended', record: result });
    return { studyId: study.id, record: result, stored: await options.store.loadStudy(study.id) };
  };
  const fail = async (message: string, result: TuneRecord): Promise<never> => {
    await finish(result);
    throw new TuneError(`${message} (stored as ${study.id}: edgebench show ${study.id})`, study.id, result);
  };

  if (ctx.interrupted || options.signal?.aborted) return finish(record('interrupted', null));
  if (racers(ctx).length === 0) {
    const closest = closestToBudget(ctx.states);
    const why = closest
      ? `the closest is ${closest.spec.label} (${metricsText(budget, closest.fidelity!)}: ${closest.verdict!.failures.join('; ')})`
      : `no candidate could be built and checked (${preparation.firstFailure() ?? 'see the leaderboard'})`;
    return fail(
      `no candidate meets the budget ${budgetText(budget)}: ${why}; loosen the budget or widen the search space`,
      record('no-candidate-meets-budget', null, {
        closest: closest
          ? { id: closest.spec.id, fidelity: closest.fidelity, failures: closest.verdict!.failures }
          : null,
      }),
    );
  }

  // The race, and the winner.
  const contenders = racers(ctx).filter((s) => !s.spec.baseline).length;
  const raced = await race(ctx);
  if (ctx.interrupted || options.signal?.aborted) return finish(record('interrupted', raced));
  const finalists = racers(ctx);
  const measuredContenders = ctx.states.filter((s) => !s.spec.baseline && s.rounds.size > 0).length;
  // The baseline alone, when others were in the race, is no answer: nothing was raced.
  if (finalists.length === 0 || (contenders > 0 && measuredContenders === 0)) {
    const { outcome, message } = noFinalistReason(ctx, raced);
    return fail(message, record(outcome, raced));
  }
  const played = await playoff(ctx, raced);
  if (ctx.interrupted || options.signal?.aborted)
    return finish(record('interrupted', raced, { playoff: played }));
  if (racers(ctx).length === 0) {
    const { outcome, message } = noFinalistReason(ctx, raced);
    return fail(message, record(outcome, raced, { playoff: played }));
  }
  const choice = pickWinner(ctx, racers(ctx), raced.roundsRun);
  addNotes(ctx, raced);
  if (choice.winner.spec.engine === 'trtexec')
    ctx.notes.push(
      `the winner runs trtexec at ${choice.winner.spec.precision}: its fidelity above is the ONNX model's here, not TensorRT's ${choice.winner.spec.precision} engine's (int8 without a calibration cache can be far off) — compare the board's outputs before shipping it`,
    );
  let written: string | null = null;
  if (output && choice.winner.modelPath) {
    try {
      await copyFile(choice.winner.modelPath, output);
      written = output;
    } catch (error) {
      return fail(
        `cannot write the tuned model to ${output}: ${messageOf(error)}`,
        record('winner', raced, {
          winner: winnerRecord(ctx, choice, null, output),
          winnerId: choice.winner.spec.id,
          playoff: played,
        }),
      );
    }
  }
  return finish(
    record('winner', raced, {
      winner: winnerRecord(ctx, choice, written, output),
      winnerId: choice.winner.spec.id,
      playoff: played,
    }),
  );
}

function winnerRecord(
  ctx: TuneContext,
  choice: WinnerChoice,
  written: string | null,
  output: string | null,
): WinnerRecord {
  const { winner, runnerUp } = choice;
  return {
    id: winner.spec.id,
    speedupOverBaseline: choice.speedupOverBaseline,
    runnerUp: runnerUp
      ? {
          id: runnerUp.state.spec.id,
          speedup: runnerUp.speedup,
          tie: runnerUp.speedup !== null && runnerUp.speedup.ci[0] <= 1 && runnerUp.speedup.ci[1] >= 1,
        }
      : null,
    tieNote: choice.tieNote,
    output: written,
    commands: rebuildCommands(winner.build, winner.spec, {
      modelRef: ctx.model.ref,
      output: written ?? output ?? 'BEST.onnx',
      calibration: ctx.data.calibration,
      ...(ctx.data.shapes ? { shapes: shapesFor(ctx.data.shapes, ctx.inputs, winner.spec.batch) } : {}),
      ...(ctx.data.preprocess ? { preprocess: ctx.data.preprocess } : {}),
    }),
  };
}

/** What a reader of the result should know about how much it rests on. */
function addNotes(ctx: TuneContext, raced: RaceOutcome): void {
  const { data } = ctx;
  if (raced.roundsRun < 3)
    ctx.notes.push(
      `the race ran ${raced.roundsRun} round${raced.roundsRun === 1 ? '' : 's'}; with fewer than 3 the CIs cannot carry the spread between runs`,
    );
  const on =
    data.fidelity.inputs === 'synthetic'
      ? `${data.fidelity.count} synthetic inputs`
      : data.fidelity.inputs === data.calibration.source
        ? `the calibration data itself (${data.fidelity.inputs}; give --inputs for a separate set)`
        : data.fidelity.inputs;
  ctx.notes.push(
    `fidelity is measured against the input model run as written (graph optimizations disabled), on ${on}${data.fidelity.labels ? `; accuracy on ${data.fidelity.labels}` : ''}`,
  );
}
