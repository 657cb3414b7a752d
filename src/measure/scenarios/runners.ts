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

/** Single-stream and multi-stream: issue, wait, repeat, until minimum duration and count are both met. */
export async function runStreaming(
  sut: SystemUnderTest,
  s: ScenarioSettings,
  clock: Clock = realClock,
): Promise<ScenarioRaw> {
  const t0 = clock.now();
  const latencies: number[] = [];
  let finalIssueMs = 0;
  let stoppedAtCap = false;
  for (;;) {
    const issue = clock.now() - t0;
    if (s.maxDurationMs > 0 && issue >= s.maxDurationMs) {
      stoppedAtCap = true;
      break;
    }
    finalIssueMs = issue;
    await sut.issueQuery();
    latencies.push(clock.now() - t0 - issue);
    if (finalIssueMs >= s.minDurationMs && latencies.length >= s.minQueryCount) break;
  }
  return {
    queryLatenciesMs: latencies,
    queriesIssued: latencies.length,
    samplesCompleted: latencies.length * sut.samplesPerQuery,
    finalIssueMs,
    endMs: clock.now() - t0,
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

/** Offline: batches back to back until the minimum duration and sample count are both met. */
export async function runOffline(
  sut: SystemUnderTest,
  s: ScenarioSettings,
  clock: Clock = realClock,
): Promise<ScenarioRaw> {
  const t0 = clock.now();
  let samples = 0;
  let stoppedAtCap = false;
  for (;;) {
    await sut.issueQuery();
    samples += sut.samplesPerQuery;
    const t = clock.now() - t0;
    if (t >= s.minDurationMs && samples >= s.minSampleCount) break;
    if (s.maxDurationMs > 0 && t >= s.maxDurationMs) {
      stoppedAtCap = true;
      break;
    }
  }
  const endMs = clock.now() - t0;
  return {
    queryLatenciesMs: [endMs],
    queriesIssued: 1,
    samplesCompleted: samples,
    finalIssueMs: 0,
    endMs,
    unserved: 0,
    stoppedAtCap,
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
      return runStreaming(sut, s, clock);
    case 'server':
      return runServer(sut, s, clock, signal);
    case 'offline':
      return runOffline(sut, s, clock);
  }
}
