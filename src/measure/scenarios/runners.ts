/**
 * The four LoadGen load patterns over a SystemUnderTest. Each returns raw query timings; judging them
 * (metric, validity, early stopping) is `summary.ts`'s job.
 *
 * - single-stream: one query (one sample) at a time, the next issued when the previous completes;
 * - multi-stream: the same, each query carrying `samplesPerQuery` samples (LoadGen ≥ 2.0);
 * - server: queries arrive by a seeded Poisson process at `targetQps`; one is served at a time, the rest
 *   wait in a FIFO queue, and latency counts from the scheduled arrival;
 * - offline: all samples available at once, processed in batches back to back for throughput.
 */
import { mulberry32 } from '../../util/prng.js';
import { type Clock, realClock, runPaced } from '../paced.js';
import type { ScenarioSettings } from './settings.js';
import type { SystemUnderTest } from './sut.js';

export interface ScenarioRaw {
  /** Latency of every completed query, in completion order. */
  queryLatenciesMs: number[];
  queriesIssued: number;
  samplesCompleted: number;
  /** When the last query was issued (single/multi-stream) or scheduled (server), from the start. */
  finalIssueMs: number;
  /** When the last query completed, from the start. */
  endMs: number;
  /** server: queries scheduled but not completed when the time cap stopped the run. */
  unserved: number;
  stoppedAtCap: boolean;
}

/**
 * Queries one after another, each issued when the previous completes, until the minimums are met,
 * or until the time cap is reached before the next issue:
 * - streaming (single-stream, multi-stream): every query's latency counts; the minimum duration runs
 *   to the last issue, as in LoadGen;
 * - offline: the run is one query of all its samples, its latency the run's duration; the minimum
 *   duration runs to the last completion, the minimum count is of samples.
 */
async function runBackToBack(
  sut: SystemUnderTest,
  s: ScenarioSettings,
  clock: Clock,
  mode: 'streaming' | 'offline',
): Promise<ScenarioRaw> {
  const t0 = clock.now();
  const latencies: number[] = [];
  let finalIssueMs = 0;
  let stoppedAtCap = false;
  for (;;) {
    const issueMs = clock.now() - t0;
    if (s.maxDurationMs > 0 && issueMs >= s.maxDurationMs) {
      stoppedAtCap = true;
      break;
    }
    finalIssueMs = issueMs;
    await sut.issueQuery();
    const doneMs = clock.now() - t0;
    latencies.push(doneMs - issueMs);
    const enough =
      mode === 'streaming'
        ? issueMs >= s.minDurationMs && latencies.length >= s.minQueryCount
        : doneMs >= s.minDurationMs && latencies.length * sut.samplesPerQuery >= s.minSampleCount;
    if (enough) break;
  }
  const endMs = clock.now() - t0;
  const samplesCompleted = latencies.length * sut.samplesPerQuery;
  return mode === 'streaming'
    ? {
        queryLatenciesMs: latencies,
        queriesIssued: latencies.length,
        samplesCompleted,
        finalIssueMs,
        endMs,
        unserved: 0,
        stoppedAtCap,
      }
    : {
        queryLatenciesMs: [endMs],
        queriesIssued: 1,
        samplesCompleted,
        finalIssueMs: 0,
        endMs,
        unserved: 0,
        stoppedAtCap,
      };
}

/** Arrival times (ms) of a Poisson process at `qps`, until both the duration and the count are covered. */
export function poissonSchedule(
  qps: number,
  minDurationMs: number,
  minQueryCount: number,
  seed: number,
): number[] {
  const random = mulberry32(seed);
  const meanGapMs = 1000 / qps;
  const times: number[] = [];
  let t = 0;
  while (times.length < Math.max(1, minQueryCount) || t < minDurationMs) {
    t += -Math.log(1 - random()) * meanGapMs;
    times.push(t);
  }
  return times;
}

export async function runServer(
  sut: SystemUnderTest,
  s: ScenarioSettings,
  clock: Clock = realClock,
  signal?: AbortSignal,
): Promise<ScenarioRaw> {
  const schedule = poissonSchedule(s.targetQps, s.minDurationMs, s.minQueryCount, s.seed);
  const last = schedule[schedule.length - 1];
  const cap = s.maxDurationMs > 0 ? s.maxDurationMs : Math.max(2 * last, last + 1000);
  const run = await runPaced({
    source: schedule.keys(),
    arrivalMs: (i) => schedule[i],
    queueCapacity: Number.POSITIVE_INFINITY,
    dropPolicy: 'drop-newest',
    maxDurationMs: cap,
    clock,
    signal,
    serve: async () => {
      await sut.issueQuery();
      return true;
    },
  });
  return {
    queryLatenciesMs: run.served.map((r) => r.endMs - r.arrivalMs),
    queriesIssued: run.offered,
    samplesCompleted: run.served.length * sut.samplesPerQuery,
    finalIssueMs: last,
    endMs: run.endMs,
    unserved: run.unserved + (schedule.length - run.offered),
    stoppedAtCap: run.stoppedAtCap,
  };
}

export function runScenarioLoad(
  sut: SystemUnderTest,
  s: ScenarioSettings,
  clock?: Clock,
  signal?: AbortSignal,
): Promise<ScenarioRaw> {
  switch (s.scenario) {
    case 'single-stream':
    case 'multi-stream':
      return runBackToBack(sut, s, clock ?? realClock, 'streaming');
    case 'server':
      return runServer(sut, s, clock, signal);
    case 'offline':
      return runBackToBack(sut, s, clock ?? realClock, 'offline');
  }
}
